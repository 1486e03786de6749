package vad_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lingxi/lingxi/media-edge/voice/vad"
	"github.com/lingxi/lingxi/media-edge/voice/vad/vadbench"
)

// BenchmarkPush is the detector's cost per 20 ms frame on a line with no prompt playing
// (ns/op is ns per frame; 50 frames make a call-second).
func BenchmarkPush(b *testing.B) {
	c := vadbench.BuildClips(fsdd(b), "white", 10, 1)[0]
	d := vad.NewDetector(vad.Config{})
	frames := len(c.PCM) / FrameSamples
	b.ResetTimer()
	for i := range b.N {
		f := (*[FrameSamples]int16)(c.PCM[(i%frames)*FrameSamples:])
		d.Push(f, nil)
	}
}

// BenchmarkPushDuringPrompt adds the echo canceller: a prompt plays and its echo comes back.
func BenchmarkPushDuringPrompt(b *testing.B) {
	p := prompt(b)
	l := &line{delay: 320, gain: math.Pow(10, -10.0/20), noise: 10, rng: rand.New(rand.NewPCG(1, 2))}
	frames := len(p) / FrameSamples
	mic := make([][FrameSamples]int16, frames)
	for i := range mic {
		mic[i] = *l.hear((*[FrameSamples]int16)(p[i*FrameSamples:]), nil)
	}
	d := vad.NewDetector(vad.Config{})
	b.ResetTimer()
	for i := range b.N {
		k := i % frames
		d.Push(&mic[k], (*[FrameSamples]int16)(p[k*FrameSamples:]))
	}
}
