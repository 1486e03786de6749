package local

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/media-edge/voice"
)

// sentences are spoken by espeak-ng, resampled to 8 kHz, and recognised by pocketsphinx.
// must marks the ones that have to come out exactly; the test allows one miss among the rest.
var sentences = []struct {
	text  string
	hints []string
	must  bool
}{
	{"I lost my card", []string{"I lost my card", "check my balance", "talk to an agent", "yes", "no"}, true},
	{"one two three four", []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}, true},
	{"check my balance", []string{"I lost my card", "check my balance", "talk to an agent"}, false},
	{"talk to an agent", []string{"I lost my card", "check my balance", "talk to an agent"}, false},
	{"yes", []string{"yes", "no"}, false},
	{"nine eight seven six", []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, false},
}

func TestSphinxRecognisesEspeakWithHints(t *testing.T) {
	tts, asr := &Espeak{}, &Sphinx{TempDir: t.TempDir()}
	ctx := context.Background()
	correct := 0
	for _, s := range sentences {
		pcm, err := tts.Synthesize(ctx, s.text, "en")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := asr.Recognize(ctx, pcm, "en-US", s.hints)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ToLower(s.text)
		switch {
		case tr.Text == want:
			correct++
		case s.must:
			t.Errorf("%q heard as %q", s.text, tr.Text)
		default:
			t.Logf("%q heard as %q", s.text, tr.Text)
		}
	}
	t.Logf("with hints: %d/%d sentences exact", correct, len(sentences))
	if correct < len(sentences)-1 {
		t.Errorf("only %d/%d sentences recognised exactly", correct, len(sentences))
	}
}

func TestSphinxWithoutHints(t *testing.T) {
	tts, asr := &Espeak{}, &Sphinx{TempDir: t.TempDir()}
	ctx := context.Background()
	var words, hit int
	for _, s := range sentences[:2] { // the general model loads slowly: two sentences show it works
		pcm, err := tts.Synthesize(ctx, s.text, "en")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := asr.Recognize(ctx, pcm, "en", nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, w := range strings.Fields(tr.Text) {
			got[w] = true
		}
		for _, w := range strings.Fields(strings.ToLower(s.text)) {
			words++
			if got[w] {
				hit++
			}
		}
		t.Logf("no hints: %q heard as %q", s.text, tr.Text)
	}
	t.Logf("no hints: %d/%d words", hit, words) // espeak-ng through 8 kHz is far from the model's training speech
}

func TestSphinxChineseIsUnsupported(t *testing.T) {
	_, err := (&Sphinx{}).Recognize(context.Background(), make([]int16, 800), "zh-CN", nil)
	if !errors.Is(err, voice.ErrUnsupportedLanguage) {
		t.Fatalf("err %v", err)
	}
}

func TestGrammarFromHints(t *testing.T) {
	s := &Sphinx{}
	g, d, err := s.grammar(normalizeHints([]string{"Lost card!", "1", "zzqxv"}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(g, "<phrase> = lost card | one;") || strings.Contains(g, "zzqxv") {
		t.Fatalf("grammar:\n%s", g)
	}
	for _, w := range []string{"lost ", "card ", "one "} {
		if !strings.Contains(d, w) {
			t.Errorf("dictionary lacks %q:\n%s", w, d)
		}
	}
	if _, _, err := s.grammar([]string{"zzqxv"}); !errors.Is(err, ErrNoHintWords) {
		t.Fatalf("no words: %v", err)
	}
}
