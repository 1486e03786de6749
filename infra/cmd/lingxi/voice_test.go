package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/media-edge/voice/vad/vadbench"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

func TestVoiceSayThenVAD(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "card.wav")
	var stdout, stderr bytes.Buffer
	// The text before a flag: flags after the text must still be read.
	if code := run(context.Background(), []string{"voice", "say", "--lang", "en", "I lost my card", "-o", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("say: exit %d: %s", code, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := wav.DecodeMono8k(f)
	f.Close()
	if err != nil || len(pcm) < 4000 {
		t.Fatalf("say wrote %d samples: %v", len(pcm), err)
	}
	zh := filepath.Join(dir, "zh.wav")
	if code := run(context.Background(), []string{"voice", "say", "--lang", "zh", "-o", zh, "我的卡丢了"}, &stdout, &stderr); code != 0 {
		t.Fatalf("say zh: exit %d: %s", code, stderr.String())
	}

	// Pad the sentence with a second of silence each side and find it.
	padded := append(append(make([]int16, 8000), pcm...), make([]int16, 8000)...)
	clip := filepath.Join(dir, "padded.wav")
	f, _ = os.Create(clip)
	wav.Encode(f, 8000, 1, padded)
	f.Close()
	stdout.Reset()
	if code := run(context.Background(), []string{"voice", "vad", clip, zh}, &stdout, &stderr); code != 0 {
		t.Fatalf("vad: exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), stdout.String())
	}
	var got vadLine
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.File != clip || len(got.Segments) != 1 {
		t.Fatalf("got %+v", got)
	}
	s := got.Segments[0]
	endMS := int64(1000 + len(pcm)/8) // espeak-ng ends its audio with a few hundred ms of silence
	if s.StartMS < 900 || s.StartMS > 1100 || s.EndMS < endMS-500 || s.EndMS > endMS {
		t.Fatalf("segment %+v, speech at 1000–%d ms", s, endMS)
	}
}

func TestVoiceVADRejectsOtherFormats(t *testing.T) {
	dir := t.TempDir()
	wide := filepath.Join(dir, "wide.wav")
	f, _ := os.Create(wide)
	wav.Encode(f, 16000, 1, make([]int16, 1600))
	f.Close()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not audio"), 0o644)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"voice", "vad", wide, text}, &stdout, &stderr)
	if code != 1 || stdout.Len() != 0 {
		t.Fatalf("exit %d, stdout %q", code, stdout.String())
	}
	for _, want := range []string{"16000 Hz", "want 8000 Hz mono", "not a RIFF/WAVE file"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if code := run(context.Background(), []string{"voice", "vad"}, &stdout, &stderr); code != 2 {
		t.Fatalf("no files: exit %d", code)
	}
	if code := run(context.Background(), []string{"voice", "say", "--lang", "fr", "bonjour", "-o", filepath.Join(dir, "x.wav")}, &stdout, &stderr); code != 2 {
		t.Fatalf("say fr: exit %d", code)
	}
}

func TestVoiceVADBench(t *testing.T) {
	var stdout, stderr bytes.Buffer
	fsdd := filepath.Join("..", "..", "..", "media-edge", "voice", "testdata", "fsdd")
	if code := run(context.Background(), []string{"voice", "vad-bench", "--fsdd", fsdd}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 20 { // two engines × (clean + three noises × three SNRs)
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var f vadbench.Figures
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil || f.Utterances != 60 {
			t.Fatalf("%s: %v", l, err)
		}
	}
}
