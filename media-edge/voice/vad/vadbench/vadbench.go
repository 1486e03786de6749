// Package vadbench builds the labelled clips the VAD is tested and benchmarked on, and scores any
// segmenter over them: FSDD utterances (8 kHz spoken digits) padded with silence, laid out with
// gaps longer than the endpointing silence, and mixed with white, pink or babble noise at a given
// SNR (the mean power of the utterances over the power of the noise).
package vadbench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/media-edge/voice/vad"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

// Speakers are the six FSDD speakers.
var Speakers = []string{"george", "jackson", "lucas", "nicolas", "theo", "yweweler"}

// NoiseKinds are the noises BuildClips mixes in ("" is none).
var NoiseKinds = []string{"white", "pink", "babble"}

// Corpus is utterances by speaker.
type Corpus map[string][][]int16

// LoadFSDD reads DIR/{digit}_{speaker}_{index}.wav for every speaker, digit 0–9 and the given
// recording index (the repository's testdata/fsdd holds index 5).
func LoadFSDD(dir string, index int) (Corpus, error) {
	c := Corpus{}
	for _, s := range Speakers {
		for d := range 10 {
			p := filepath.Join(dir, fmt.Sprintf("%d_%s_%d.wav", d, s, index))
			f, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			pcm, err := wav.DecodeMono8k(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			c[s] = append(c[s], pcm)
		}
	}
	return c, nil
}

// Clip is one labelled test recording.
type Clip struct {
	Name  string
	PCM   []int16
	Truth []vad.Segment
	// Noise is the noise alone as mixed (nil for clean clips): a clip with no speech at all.
	Noise []int16
}

// Duration is the clip's length.
func (c Clip) Duration() time.Duration { return time.Duration(len(c.PCM)) * time.Second / 8000 }

// BuildClips makes one clip per speaker: a 1 s lead-in, then that speaker's utterances in a
// shuffled order with 0.9–1.6 s gaps, mixed with noise of kind at snrDB (kind "" for none).
// Babble is twelve talkers made of the other speakers' utterances. The same seed gives the same
// clips.
func BuildClips(c Corpus, kind string, snrDB float64, seed uint64) []Clip {
	rng := rand.New(rand.NewPCG(seed, 7))
	var clips []Clip
	for _, s := range Speakers {
		utts := slices.Clone(c[s])
		rng.Shuffle(len(utts), func(i, j int) { utts[i], utts[j] = utts[j], utts[i] })
		var others [][]int16
		for _, o := range Speakers {
			if o != s {
				others = append(others, c[o]...)
			}
		}
		cl := buildClip(rng, utts, others, kind, snrDB)
		cl.Name = fmt.Sprintf("%s-%s-%gdB", s, cmp(kind, "clean"), snrDB)
		clips = append(clips, cl)
	}
	return clips
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func buildClip(rng *rand.Rand, utts, babbleSrc [][]int16, kind string, snrDB float64) Clip {
	pos := 8000
	speech := make([]float64, pos)
	var truth []vad.Segment
	var sp, n float64
	for _, u := range utts {
		truth = append(truth, vad.Segment{StartMS: int64(pos) / 8, EndMS: int64(pos+len(u)) / 8})
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
		var np float64
		for _, v := range noise {
			np += v * v
		}
		np /= float64(len(noise))
		g := math.Sqrt(sp / np / math.Pow(10, snrDB/10))
		noiseOnly = make([]int16, len(noise))
		for i := range speech {
			speech[i] += g * noise[i]
			noiseOnly[i] = Clip16(g * noise[i])
		}
	}
	out := make([]int16, len(speech))
	for i, v := range speech {
		out[i] = Clip16(v)
	}
	return Clip{PCM: out, Truth: truth, Noise: noiseOnly}
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
	case "babble": // twelve talkers at once, each a stream of back-to-back utterances at equal loudness
		for range 12 {
			p := -rng.IntN(4000)
			for p < n {
				u := babbleSrc[rng.IntN(len(babbleSrc))]
				g := (0.5 + rng.Float64()) * 3000 / RMS(u)
				for i, s := range u {
					if p+i >= 0 && p+i < n {
						out[p+i] += g * float64(s)
					}
				}
				p += len(u)
			}
		}
	default:
		panic("vadbench: unknown noise " + kind)
	}
	return out
}

// RMS is the root mean square of x.
func RMS(x []int16) float64 {
	var p float64
	for _, v := range x {
		p += float64(v) * float64(v)
	}
	return math.Sqrt(p / float64(max(len(x), 1)))
}

// Clip16 rounds toward zero and saturates to int16.
func Clip16(v float64) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}

// Segmenter is anything that finds speech in a recording.
type Segmenter func(pcm []int16) []vad.Segment

// Figures are one segmenter's scores over a set of clips.
type Figures struct {
	Engine         string  `json:"engine"`
	Noise          string  `json:"noise"`
	SNRdB          float64 `json:"snr_db"`
	Utterances     int     `json:"utterances"`
	FoundOnce      int     `json:"found_once"`
	Missed         int     `json:"missed"`
	Duplicated     int     `json:"duplicated"`
	Merged         int     `json:"merged"`
	OutOfTolerance int     `json:"out_of_tolerance"`
	ToleranceMS    int64   `json:"tolerance_ms"`
	BoundaryP50MS  float64 `json:"boundary_error_p50_ms"`
	BoundaryP95MS  float64 `json:"boundary_error_p95_ms"`
	FalseSegments  int     `json:"false_segments"`
	// FalsePerMinute counts segments found in the noise alone (the same noise without the
	// utterances), per minute of it; 0 for clean clips.
	FalsePerMinute float64 `json:"false_per_minute_of_noise"`
}

// Evaluate runs seg over the clips and adds up the scores; noise-only false alarms come from
// running it over each clip's noise alone.
func Evaluate(engine string, seg Segmenter, clips []Clip, kind string, snrDB float64, tolerance time.Duration) Figures {
	f := Figures{Engine: engine, Noise: cmp(kind, "clean"), SNRdB: snrDB, ToleranceMS: tolerance.Milliseconds()}
	var errs []time.Duration
	var noiseTime time.Duration
	var noiseFalse int
	for _, c := range clips {
		r := vad.Score(seg(c.PCM), c.Truth, tolerance, c.Duration())
		f.Utterances += r.Truth
		f.FoundOnce += r.Found
		f.Missed += r.Missed
		f.Duplicated += r.Duplicates
		f.Merged += r.Merged
		f.OutOfTolerance += r.OutOfTolerance
		f.FalseSegments += r.FalseSegments
		errs = append(errs, r.BoundaryErrors...)
		if c.Noise != nil {
			noiseFalse += len(seg(c.Noise))
			noiseTime += c.Duration()
		}
	}
	f.BoundaryP50MS = float64(vad.Percentile(errs, 50)) / float64(time.Millisecond)
	f.BoundaryP95MS = float64(vad.Percentile(errs, 95)) / float64(time.Millisecond)
	if noiseTime > 0 {
		f.FalsePerMinute = float64(noiseFalse) / noiseTime.Minutes()
	}
	return f
}

// String is a one-line summary.
func (f Figures) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %gdB: found once %d/%d, missed %d, duplicated %d, merged %d, outside ±%dms %d; boundary error p50 %.0f ms p95 %.0f ms; false %d in speech clips, %.2f/min in noise alone",
		f.Engine, f.Noise, f.SNRdB, f.FoundOnce, f.Utterances, f.Missed, f.Duplicated, f.Merged, f.ToleranceMS, f.OutOfTolerance, f.BoundaryP50MS, f.BoundaryP95MS, f.FalseSegments, f.FalsePerMinute)
	return b.String()
}
