package vad

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestExperiment(t *testing.T) {
	if os.Getenv("VADEXP") == "" {
		t.Skip()
	}
	for _, kind := range []string{"", "white", "pink", "babble"} {
		for _, snr := range []float64{20, 10, 5} {
			if kind == "" && snr != 20 {
				continue
			}
			clips := corpusClips(t, kind, snr, 1)
			var agg Result
			var total time.Duration
			var ds, de []time.Duration
			for _, c := range clips {
				segs := Segments(c.pcm, Config{})
				d := time.Duration(len(c.pcm)) * time.Second / 8000
				total += d
				r := Score(segs, c.truth, 100*time.Millisecond, d)
				agg.Truth += r.Truth
				agg.Found += r.Found
				agg.Missed += r.Missed
				agg.Duplicates += r.Duplicates
				agg.Merged += r.Merged
				agg.OutOfTolerance += r.OutOfTolerance
				agg.FalseSegments += r.FalseSegments
				agg.BoundaryErrors = append(agg.BoundaryErrors, r.BoundaryErrors...)
				for _, u := range c.truth {
					for _, s := range segs {
						if s.StartMS < u.EndMS && s.EndMS > u.StartMS {
							ds = append(ds, time.Duration(s.StartMS-u.StartMS)*time.Millisecond)
							de = append(de, time.Duration(s.EndMS-u.EndMS)*time.Millisecond)
						}
					}
				}
			}
			fmt.Printf("%-7s %2.0f dB: found %d/%d missed %d dup %d merged %d oot %d false %d  p50 %v p95 %v\n", kind, snr, agg.Found, agg.Truth, agg.Missed, agg.Duplicates, agg.Merged, agg.OutOfTolerance, agg.FalseSegments, Percentile(agg.BoundaryErrors, 50), Percentile(agg.BoundaryErrors, 95))
			fmt.Printf("   start p5 %v p50 %v p95 %v   end p5 %v p50 %v p95 %v\n", Percentile(ds, 5), Percentile(ds, 50), Percentile(ds, 95), Percentile(de, 5), Percentile(de, 50), Percentile(de, 95))
		}
	}
}
