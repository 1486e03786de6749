package vad

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

// The test clips: FSDD utterances (8 kHz spoken digits, testdata/fsdd) padded with silence,
// concatenated with gaps, and mixed with noise at a stated SNR. The SNR is the mean power of the
// utterances over the power of the noise.

var speakers = []string{"george", "jackson", "lucas", "nicolas", "theo", "yweweler"}

func loadFSDD(t testing.TB) map[string][][]int16 {
	t.Helper()
	dir := filepath.Join("..", "testdata", "fsdd")
	out := map[string][][]int16{}
	for _, s := range speakers {
		for d := range 10 {
			f, err := os.Open(filepath.Join(dir, string(rune('0'+d))+"_"+s+"_5.wav"))
			if err != nil {
				t.Fatal(err)
			}
			pcm, err := wav.DecodeMono8k(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[s] = append(out[s], pcm)
		}
	}
	return out
}

type clip struct {
	pcm   []int16
	truth []Segment
	noise []int16 // the noise alone, as mixed
}

func noiseOf(c clip) []int16 { return c.noise }

// buildClip lays the utterances out with 0.9–1.6 s gaps (longer than the endpointing silence) after
// a 1 s lead-in, then adds noise of the given kind at snrDB (no noise when kind is "").
func buildClip(rng *rand.Rand, utts [][]int16, babbleSrc [][]int16, kind string, snrDB float64) clip {
	var speech []float64
	var truth []Segment
	pos := 8000
	speech = make([]float64, pos)
	var sp, n float64
	for _, u := range utts {
		truth = append(truth, Segment{int64(pos) / 8, int64(pos+len(u)) / 8})
		for _, s := range u {
			speech = append(speech, float64(s))
			sp += float64(s) * float64(s)
			n++
		}
		gap := 7200 + rng.IntN(5600)
		speech = append(speech, make([]float64, gap)...)
		pos += len(u) + gap
	}
	sp /= n
	var noiseOnly []int16
	if kind != "" {
		noise := makeNoise(rng, kind, len(speech), babbleSrc)
		noiseOnly = make([]int16, len(noise))
		var np float64
		for _, v := range noise {
			np += v * v
		}
		np /= float64(len(noise))
		g := math.Sqrt(sp / np / math.Pow(10, snrDB/10))
		for i := range speech {
			speech[i] += g * noise[i]
			noiseOnly[i] = clip16(g * noise[i])
		}
	}
	out := make([]int16, len(speech))
	for i, v := range speech {
		out[i] = clip16(v)
	}
	return clip{out, truth, noiseOnly}
}

func makeNoise(rng *rand.Rand, kind string, n int, babbleSrc [][]int16) []float64 {
	out := make([]float64, n)
	switch kind {
	case "white":
		for i := range out {
			out[i] = rng.NormFloat64()
		}
	case "pink": // Paul Kellet's filter on white noise
		var b0, b1, b2, b3, b4, b5, b6 float64
		for i := range out {
			w := rng.NormFloat64()
			b0 = 0.99886*b0 + w*0.0555179
			b1 = 0.99332*b1 + w*0.0750759
			b2 = 0.96900*b2 + w*0.1538520
			b3 = 0.86650*b3 + w*0.3104856
			b4 = 0.55000*b4 + w*0.5329522
			b5 = -0.7616*b5 - w*0.0168980
			out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w*0.5362
			b6 = w * 0.115926
		}
	case "babble": // twelve talkers at once, each a stream of back-to-back digits
		for range 12 {
			p := -rng.IntN(4000)
			for p < n {
				u := babbleSrc[rng.IntN(len(babbleSrc))]
				g := (0.5 + rng.Float64()) * 3000 / rms(u)
				for i, s := range u {
					if p+i >= 0 && p+i < n {
						out[p+i] += g * float64(s)
					}
				}
				p += len(u)
			}
		}
	}
	return out
}

// corpusClips builds one clip per speaker: that speaker's ten digits in a shuffled order, with
// babble made of the other speakers.
func corpusClips(t testing.TB, kind string, snrDB float64, seed uint64) []clip {
	all := loadFSDD(t)
	rng := rand.New(rand.NewPCG(seed, 7))
	var clips []clip
	for _, s := range speakers {
		utts := append([][]int16(nil), all[s]...)
		rng.Shuffle(len(utts), func(i, j int) { utts[i], utts[j] = utts[j], utts[i] })
		var others [][]int16
		for _, o := range speakers {
			if o != s {
				others = append(others, all[o]...)
			}
		}
		clips = append(clips, buildClip(rng, utts, others, kind, snrDB))
	}
	return clips
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

func rms(x []int16) float64 {
	var p float64
	for _, v := range x {
		p += float64(v) * float64(v)
	}
	return math.Sqrt(p / float64(max(len(x), 1)))
}
