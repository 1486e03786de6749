package local

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/lingxi/lingxi/media-edge/voice"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

// Sphinx recognises English with CMU pocketsphinx 0.8 (Debian packages pocketsphinx and
// pocketsphinx-en-us), one pocketsphinx_batch run per utterance. With hints it builds a JSGF
// grammar from them and a dictionary of just their words, so recognition is constrained to what the
// dialogue expects, as a speech IVR does; without hints it uses the general en-us language model.
//
// The en-us acoustic model is trained on 16 kHz audio: the utterance is upsampled to 16 kHz before
// recognition (measured better than 8 kHz features on the same model; see sphinx_test.go).
// There is no Chinese model in Debian: lang "zh" returns voice.ErrUnsupportedLanguage.
type Sphinx struct {
	// Binary is the pocketsphinx_batch executable; found on PATH when empty.
	Binary string
	// ModelDir holds en-us/ (the acoustic model), en-us.lm.bin and cmudict-en-us.dict;
	// /usr/share/pocketsphinx/model/en-us when empty.
	ModelDir string
	// TempDir is where the utterance and grammar files go for the run; os.TempDir() when empty.
	TempDir string

	dictOnce sync.Once
	dict     map[string][]string // word → its dictionary lines
	dictErr  error
}

var _ voice.Recognizer = (*Sphinx)(nil)

// ErrNoHintWords means none of the hints' words is in the pronouncing dictionary.
var ErrNoHintWords = errors.New("pocketsphinx: no hint word is in the dictionary")

func (s *Sphinx) modelDir() string {
	if s.ModelDir != "" {
		return s.ModelDir
	}
	return "/usr/share/pocketsphinx/model/en-us"
}

// Recognize runs pocketsphinx on one utterance.
func (s *Sphinx) Recognize(ctx context.Context, pcm []int16, lang string, hints []string) (voice.Transcript, error) {
	if baseLang(lang) != "en" {
		return voice.Transcript{}, fmt.Errorf("pocketsphinx %q (callers use DTMF): %w", lang, voice.ErrUnsupportedLanguage)
	}
	dir, err := os.MkdirTemp(s.TempDir, "sphinx-")
	if err != nil {
		return voice.Transcript{}, fmt.Errorf("pocketsphinx: %w", err)
	}
	defer os.RemoveAll(dir)

	// Pad a quarter second each side: the utterance's first and last frames then see a start and
	// an end of speech, as the model was trained.
	padded := make([]int16, 0, len(pcm)+2*padSamples)
	padded = append(padded, make([]int16, padSamples)...)
	padded = append(padded, pcm...)
	padded = append(padded, make([]int16, padSamples)...)
	wide := voice.Resample(padded, voice.SampleRate, 16000)
	fillHighBand(wide)
	if err := writeWAV(filepath.Join(dir, "utt.wav"), wide, 16000); err != nil {
		return voice.Transcript{}, err
	}
	ctl, hyp := filepath.Join(dir, "ctl"), filepath.Join(dir, "hyp")
	if err := os.WriteFile(ctl, []byte("utt\n"), 0o600); err != nil {
		return voice.Transcript{}, fmt.Errorf("pocketsphinx: %w", err)
	}
	model := s.modelDir()
	// pocketsphinx_batch decodes the whole file as one utterance (pocketsphinx_continuous would
	// cut it again with its own, cruder, detector). -dither: upsampled telephone audio has nothing
	// above 4 kHz, where the model's filters reach up to 6.8 kHz; without a floor their log
	// energies sink and swamp the cepstrum (measured: "I lost my card" → "no" without it).
	args := []string{"-adcin", "yes", "-adchdr", "44", "-cepdir", dir, "-cepext", ".wav", "-ctl", ctl, "-hyp", hyp,
		"-hmm", filepath.Join(model, "en-us"), "-samprate", "16000", "-dither", "yes", "-seed", "1", "-logfn", os.DevNull}
	phrases := normalizeHints(hints)
	if len(phrases) > 0 {
		gram, dict, err := s.grammar(phrases)
		if err != nil {
			return voice.Transcript{}, err
		}
		gf, df := filepath.Join(dir, "hints.gram"), filepath.Join(dir, "hints.dict")
		if err := os.WriteFile(gf, []byte(gram), 0o600); err != nil {
			return voice.Transcript{}, fmt.Errorf("pocketsphinx grammar: %w", err)
		}
		if err := os.WriteFile(df, []byte(dict), 0o600); err != nil {
			return voice.Transcript{}, fmt.Errorf("pocketsphinx dictionary: %w", err)
		}
		args = append(args, "-jsgf", gf, "-dict", df)
	} else {
		args = append(args, "-lm", filepath.Join(model, "en-us.lm.bin"), "-dict", filepath.Join(model, "cmudict-en-us.dict"))
	}
	bin := s.Binary
	if bin == "" {
		bin = "pocketsphinx_batch"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return voice.Transcript{}, fmt.Errorf("pocketsphinx: %w: %s", err, lastLine(stderr.Bytes()))
	}
	out, err := os.ReadFile(hyp)
	if err != nil {
		return voice.Transcript{}, fmt.Errorf("pocketsphinx: reading hypothesis: %w", err)
	}
	// One line: "words of the hypothesis (utt score)".
	line := strings.TrimSpace(string(out))
	if i := strings.LastIndex(line, " (utt"); i >= 0 {
		line = line[:i]
	} else if strings.HasPrefix(line, "(utt") {
		line = ""
	}
	words := strings.Fields(line)
	text := strings.Join(words, " ")
	tr := voice.Transcript{Text: text}
	if text != "" {
		tr.Confidence = 1 // pocketsphinx_continuous reports no posterior
	}
	return tr, nil
}

const padSamples = voice.SampleRate / 4

var nonWord = regexp.MustCompile(`[^a-z0-9' ]+`)

// normalizeHints lower-cases the hints, spells digits out, and drops punctuation and empties.
func normalizeHints(hints []string) []string {
	digits := strings.NewReplacer("0", " zero ", "1", " one ", "2", " two ", "3", " three ", "4", " four ",
		"5", " five ", "6", " six ", "7", " seven ", "8", " eight ", "9", " nine ")
	var out []string
	seen := map[string]bool{}
	for _, h := range hints {
		h = nonWord.ReplaceAllString(digits.Replace(strings.ToLower(h)), " ")
		h = strings.Join(strings.Fields(h), " ")
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// grammar builds the JSGF grammar (one or more of the hint phrases) and the dictionary subset.
// Phrases with a word the dictionary lacks are left out.
func (s *Sphinx) grammar(phrases []string) (gram, dict string, err error) {
	d, err := s.loadDict()
	if err != nil {
		return "", "", err
	}
	var alts []string
	words := map[string]bool{}
	for _, p := range phrases {
		ok := true
		for _, w := range strings.Fields(p) {
			if _, in := d[w]; !in {
				ok = false
			}
		}
		if !ok {
			continue
		}
		alts = append(alts, p)
		for _, w := range strings.Fields(p) {
			words[w] = true
		}
	}
	if len(alts) == 0 {
		return "", "", fmt.Errorf("%w: %q", ErrNoHintWords, phrases)
	}
	var g strings.Builder
	g.WriteString("#JSGF V1.0;\ngrammar hints;\npublic <utterance> = <phrase>+;\n<phrase> = ")
	g.WriteString(strings.Join(alts, " | "))
	g.WriteString(";\n")
	var dl strings.Builder
	for w := range words {
		for _, line := range d[w] {
			dl.WriteString(line)
			dl.WriteByte('\n')
		}
	}
	return g.String(), dl.String(), nil
}

// loadDict reads the pronouncing dictionary once: "word PH ON ES" and "word(2) ..." lines.
func (s *Sphinx) loadDict() (map[string][]string, error) {
	s.dictOnce.Do(func() {
		f, err := os.Open(filepath.Join(s.modelDir(), "cmudict-en-us.dict"))
		if err != nil {
			s.dictErr = fmt.Errorf("pocketsphinx dictionary: %w", err)
			return
		}
		defer f.Close()
		s.dict = map[string][]string{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			w, _, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			if i := strings.IndexByte(w, '('); i > 0 {
				w = w[:i]
			}
			s.dict[w] = append(s.dict[w], line)
		}
		s.dictErr = sc.Err()
	})
	return s.dict, s.dictErr
}

func writeWAV(path string, pcm []int16, rate int) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("pocketsphinx: %w", err)
	}
	if err := wav.Encode(f, rate, 1, pcm); err != nil {
		f.Close()
		return fmt.Errorf("pocketsphinx: writing %s: %w", path, err)
	}
	return f.Close()
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// highBandNoise is the RMS of the noise fillHighBand adds (about −70 dBFS). Measured on the
// espeak-ng sentences of sphinx_test.go with hints: 4/6 exact with dither alone, 5/6 with this
// floor at RMS 3, 10, 30 or 100.
const highBandNoise = 10.0

// fillHighBand adds a fixed, low, high-passed noise (a seeded generator, so runs repeat): the
// upsampled band above 4 kHz is otherwise empty, which the 16 kHz model never saw in training.
func fillHighBand(x []int16) {
	r := rand.New(rand.NewPCG(1, 2))
	prev := 0.0
	for i := range x {
		w := r.NormFloat64() * highBandNoise
		v := float64(x[i]) + (w-prev)/2 // first difference: a high-pass
		prev = w
		x[i] = int16(max(min(v, 32767), -32768))
	}
}
