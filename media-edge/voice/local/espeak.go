package local

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/lingxi/lingxi/media-edge/voice"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

// Espeak synthesises with espeak-ng (Debian package espeak-ng): English with the en-us voice,
// Mandarin with cmn. Its 22 050 Hz output is resampled to 8 kHz.
type Espeak struct {
	// Binary is the espeak-ng executable; "espeak-ng" (found on PATH) when empty.
	Binary string
	// Speed is words per minute (espeak-ng -s); 160 when 0.
	Speed int
}

var _ voice.Synthesizer = (*Espeak)(nil)

// espeakVoices maps a language to its espeak-ng voice.
var espeakVoices = map[string]string{"en": "en-us", "zh": "cmn"}

// Synthesize speaks text in lang ("en" or "zh", or a tag starting with them: "en-US", "zh-CN").
func (e *Espeak) Synthesize(ctx context.Context, text, lang string) ([]int16, error) {
	v, ok := espeakVoices[baseLang(lang)]
	if !ok {
		return nil, fmt.Errorf("espeak-ng %q: %w", lang, voice.ErrUnsupportedLanguage)
	}
	bin := e.Binary
	if bin == "" {
		bin = "espeak-ng"
	}
	speed := e.Speed
	if speed == 0 {
		speed = 160
	}
	// Text goes on stdin (-b 1: UTF-8), never on the command line, so nothing in it is an option.
	cmd := exec.CommandContext(ctx, bin, "-v", v, "-s", fmt.Sprint(speed), "-b", "1", "--stdout")
	cmd.Stdin = strings.NewReader(text)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("espeak-ng: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	a, err := wav.Decode(&out)
	if err != nil {
		return nil, fmt.Errorf("espeak-ng output: %w", err)
	}
	if a.Channels != 1 {
		return nil, fmt.Errorf("espeak-ng output: %d channels", a.Channels)
	}
	return voice.Resample(a.Samples, a.Rate, voice.SampleRate), nil
}

// baseLang returns the language subtag, lower-cased: "zh-CN" → "zh".
func baseLang(tag string) string {
	l, _, _ := strings.Cut(strings.ToLower(tag), "-")
	l, _, _ = strings.Cut(l, "_")
	return l
}
