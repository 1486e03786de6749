package local

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/lingxi/lingxi/media-edge/voice"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

func TestEspeakSpeaksEnglishAndMandarin(t *testing.T) {
	e := &Espeak{}
	for _, c := range []struct{ lang, text string }{{"en", "I lost my card"}, {"zh-CN", "我的卡丢了"}} {
		pcm, err := e.Synthesize(context.Background(), c.text, c.lang)
		if err != nil {
			t.Fatal(err)
		}
		secs := float64(len(pcm)) / voice.SampleRate
		if secs < 0.5 || secs > 5 {
			t.Errorf("%s: %.2f s of audio", c.lang, secs)
		}
		if os.Getenv("VOICE_KEEP") != "" {
			f, _ := os.Create(c.lang + ".wav")
			wav.Encode(f, 8000, 1, pcm)
			f.Close()
		}
	}
	if _, err := e.Synthesize(context.Background(), "bonjour", "fr"); !errors.Is(err, voice.ErrUnsupportedLanguage) {
		t.Fatalf("fr: %v", err)
	}
}
