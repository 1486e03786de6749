package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lingxi/lingxi/media-edge/voice/vad"
	"github.com/lingxi/lingxi/media-edge/voice/vad/vadbench"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

// voiceVADBench scores the detector, the energy baseline and (with --silero) Silero VAD on the
// labelled FSDD clips, one JSON line per engine and condition (vadbench.Figures).
func voiceVADBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi voice vad-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("fsdd", filepath.Join("media-edge", "voice", "testdata", "fsdd"), "folder of FSDD recordings {digit}_{speaker}_{index}.wav")
	index := fs.Int("index", 5, "FSDD recording index to use")
	silero := fs.String("silero", "", "path of media-edge/voice/silero/silero-vad.mjs to score Silero VAD too (needs node and its npm install)")
	tolerance := fs.Duration("tolerance", 300*time.Millisecond, "boundary tolerance")
	seed := fs.Uint64("seed", 1, "clip layout and noise seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	corpus, err := vadbench.LoadFSDD(*dir, *index)
	if err != nil {
		return err
	}
	type condition struct {
		kind  string
		snr   float64
		clips []vadbench.Clip
	}
	conds := []condition{{kind: "", snr: 20}}
	for _, k := range vadbench.NoiseKinds {
		for _, snr := range []float64{20, 10, 5} {
			conds = append(conds, condition{kind: k, snr: snr})
		}
	}
	for i := range conds {
		conds[i].clips = vadbench.BuildClips(corpus, conds[i].kind, conds[i].snr, *seed)
	}
	engines := []struct {
		name string
		seg  vadbench.Segmenter
	}{
		{"lingxi-vad", func(pcm []int16) []vad.Segment { return vad.Segments(pcm, vad.Config{}) }},
		{"energy-baseline", func(pcm []int16) []vad.Segment { return vad.BaselineEnergySegments(pcm, vad.Config{}, 0) }},
	}
	if *silero != "" {
		var all []vadbench.Clip
		for _, c := range conds {
			all = append(all, c.clips...)
		}
		seg, err := sileroSegmenter(ctx, *silero, all)
		if err != nil {
			return err
		}
		engines = append(engines, struct {
			name string
			seg  vadbench.Segmenter
		}{"silero-vad-v5", seg})
	}
	enc := json.NewEncoder(stdout)
	for _, e := range engines {
		for _, c := range conds {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := enc.Encode(vadbench.Evaluate(e.name, e.seg, c.clips, c.kind, c.snr, *tolerance)); err != nil {
				return err
			}
		}
	}
	return nil
}

// sileroSegmenter writes every clip (and its noise alone) to a temporary folder, runs the Silero
// script over them once, and answers from its output.
func sileroSegmenter(ctx context.Context, script string, clips []vadbench.Clip) (vadbench.Segmenter, error) {
	tmp, err := os.MkdirTemp("", "silero-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	byFirst := map[*int16]string{}
	var files []string
	write := func(name string, pcm []int16) error {
		p := filepath.Join(tmp, name+".wav")
		var b bytes.Buffer
		if err := wav.Encode(&b, 8000, 1, pcm); err != nil {
			return err
		}
		if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
			return err
		}
		byFirst[&pcm[0]] = p
		files = append(files, p)
		return nil
	}
	for i, c := range clips {
		if err := write(fmt.Sprintf("%03d-%s", i, c.Name), c.PCM); err != nil {
			return nil, err
		}
		if c.Noise != nil {
			if err := write(fmt.Sprintf("%03d-%s-noise", i, c.Name), c.Noise); err != nil {
				return nil, err
			}
		}
	}
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, files...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("silero: %w: %s", err, strings.TrimSpace(errb.String()))
	}
	results := map[string][]vad.Segment{}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var l vadLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("silero output: %w", err)
		}
		results[l.File] = l.Segments
	}
	return func(pcm []int16) []vad.Segment { return results[byFirst[&pcm[0]]] }, nil
}
