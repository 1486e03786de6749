package vad

import (
	"fmt"
	"os"
	"testing"
)

func TestTrace(t *testing.T) {
	if os.Getenv("VADTRACE") == "" {
		t.Skip()
	}
	for ci, c := range corpusClips(t, os.Getenv("VADTRACE"), 20, 1) {
		segs := Segments(c.pcm, Config{})
		r := Score(segs, c.truth, 100e6, 1e9)
		if r.Merged == 0 {
			continue
		}
		fmt.Println(ci, c.truth, segs)
		d := NewDetector(Config{BargeIn: BargeInConfig{Disabled: true}})
		var f [FrameSamples]int16
		for i := 0; (i+1)*160 <= len(c.pcm) && i < 400; i++ {
			copy(f[:], c.pcm[i*160:])
			ev := d.Push(&f, nil)
			s := d.lr.score(&d.bands, &d.noise.level)
			h, l := d.thresholds()
			fmt.Printf("%d %v sp=%v s=%.2f h=%.2f l=%.2f n=%.0f\n", i*20, ev.Kind, d.inSpeech, s, h, l, d.noise.power())
		}
		return
	}
}
