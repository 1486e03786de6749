package vad

import (
	"fmt"
	"os"
	"sort"
	"testing"
)

func TestDebug(t *testing.T) {
	if os.Getenv("VADDBG") == "" {
		t.Skip()
	}
	c := corpusClips(t, os.Getenv("VADDBG"), 10, 1)[0]
	d := NewDetector(Config{BargeIn: BargeInConfig{Disabled: true}})
	var f [FrameSamples]int16
	var in, out []float64
	for i := 0; (i+1)*160 <= len(c.pcm); i++ {
		copy(f[:], c.pcm[i*160:])
		d.Push(&f, nil)
		s := d.lr.score(&d.bands, &d.noise.level)
		ms := int64(i * 20)
		sp := false
		for _, u := range c.truth {
			if ms >= u.StartMS && ms < u.EndMS {
				sp = true
			}
		}
		if sp {
			in = append(in, s)
		} else {
			out = append(out, s)
		}
	}
	sort.Float64s(in)
	sort.Float64s(out)
	q := func(x []float64, p float64) float64 { return x[int(p*float64(len(x)-1))] }
	fmt.Printf("speech p10 %.2f p25 %.2f p50 %.2f | noise p50 %.2f p90 %.2f p95 %.2f p99 %.2f\n", q(in, .1), q(in, .25), q(in, .5), q(out, .5), q(out, .9), q(out, .95), q(out, .99))
}
