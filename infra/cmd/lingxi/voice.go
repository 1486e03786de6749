package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lingxi/lingxi/media-edge/voice"
	"github.com/lingxi/lingxi/media-edge/voice/local"
	"github.com/lingxi/lingxi/media-edge/voice/vad"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

// vadLine is the JSON line `voice vad` prints per file.
type vadLine struct {
	File     string        `json:"file"`
	Segments []vad.Segment `json:"segments"`
}

// voiceVAD runs the edge's voice activity detector over 8 kHz mono 16-bit WAV files.
func voiceVAD(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi voice vad", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endSilence := fs.Duration("end-silence", vad.Defaults().EndSilence, "endpointing silence")
	baseline := fs.Bool("baseline", false, "use the energy-threshold baseline instead of the detector (for the bench)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lingxi voice vad [--end-silence 600ms] FILE.wav...\n\nPrints one JSON line per file: {\"file\":…,\"segments\":[{\"start_ms\":…,\"end_ms\":…}]}.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	cfg := vad.Config{EndSilence: *endSilence}
	enc := json.NewEncoder(stdout)
	var failed []string
	for _, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		pcm, err := readWAV8k(path)
		if err != nil {
			fmt.Fprintf(stderr, "lingxi voice vad: %v\n", err)
			failed = append(failed, path)
			continue
		}
		var segs []vad.Segment
		if *baseline {
			segs = vad.BaselineEnergySegments(pcm, cfg, 0)
		} else {
			segs = vad.Segments(pcm, cfg)
		}
		if segs == nil {
			segs = []vad.Segment{}
		}
		if err := enc.Encode(vadLine{File: path, Segments: segs}); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d files not read: %s", len(failed), fs.NArg(), strings.Join(failed, ", "))
	}
	return nil
}

func readWAV8k(path string) ([]int16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pcm, err := wav.DecodeMono8k(f)
	if err != nil {
		if errors.Is(err, wav.ErrFormat) {
			return nil, fmt.Errorf("%s: %w (convert with e.g. `sox IN -r 8000 -c 1 -b 16 OUT.wav`)", path, err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pcm, nil
}

// voiceSay writes what the local TTS adapter would play: 8 kHz mono 16-bit WAV.
func voiceSay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi voice say", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "en", "language: en or zh")
	out := fs.String("o", "", "output WAV file (8 kHz mono 16-bit)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on the synthesiser after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lingxi voice say --lang zh|en TEXT -o FILE.wav")
		fs.PrintDefaults()
	}
	// Flags may come after the text: parse, take one word of text, parse again.
	var words []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		words = append(words, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	text := strings.TrimSpace(strings.Join(words, " "))
	if text == "" || *out == "" || (*lang != "en" && *lang != "zh") {
		fs.Usage()
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	pcm, err := (&local.Espeak{}).Synthesize(ctx, text, *lang)
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := wav.Encode(f, voice.SampleRate, 1, pcm); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s: %.2f s of 8 kHz audio\n", *out, float64(len(pcm))/voice.SampleRate)
	return nil
}
