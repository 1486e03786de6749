package vad

import (
	"fmt"
	"testing"
	"time"
)

// tolerance is the boundary tolerance the FSDD tests state: a found utterance's start and end must
// each be within it, for all but one in twenty utterances (weak fricative onsets and decaying
// tails of some digits sink under the noise at 10 and 5 dB). Clean audio is held to ±60 ms at p95.
const tolerance = 300 * time.Millisecond

func TestFSDDInNoise(t *testing.T) {
	for _, kind := range []string{"", "white", "pink"} {
		for _, snr := range []float64{20, 10, 5} {
			if kind == "" && snr != 20 {
				continue
			}
			name := fmt.Sprintf("%s/%gdB", kind, snr)
			if kind == "" {
				name = "clean"
			}
			t.Run(name, func(t *testing.T) {
				r, _ := scoreCorpus(t, kind, snr, 1, Segments)
				if r.Found != r.Truth || r.OutOfTolerance > r.Truth/20 || r.FalseSegments != 0 {
					t.Errorf("%+v", summary(r))
				}
				t.Logf("%s", summary(r))
			})
		}
	}
}

func TestCleanBoundaries(t *testing.T) {
	r, _ := scoreCorpus(t, "", 20, 2, Segments)
	if p95 := Percentile(r.BoundaryErrors, 95); r.Found != r.Truth || p95 > 60*time.Millisecond {
		t.Fatalf("clean: %s", summary(r))
	}
}

func TestNoiseOnlyHasNoSegments(t *testing.T) {
	for _, kind := range []string{"white", "pink"} {
		t.Run(kind, func(t *testing.T) {
			clips := corpusClips(t, kind, 10, 3)
			var total time.Duration
			var n int
			for _, c := range clips {
				// the same noise, without the utterances
				noise := noiseOf(c)
				total += time.Duration(len(noise)) * time.Second / 8000
				n += len(Segments(noise, Config{}))
			}
			if n != 0 {
				t.Fatalf("%d false segments in %v of %s noise", n, total, kind)
			}
		})
	}
}

// scoreCorpus runs segmenter over the six clips of one condition and adds up the scores.
func scoreCorpus(t testing.TB, kind string, snr float64, seed uint64, segmenter func([]int16, Config) []Segment) (Result, time.Duration) {
	var agg Result
	var total time.Duration
	for _, c := range corpusClips(t, kind, snr, seed) {
		d := time.Duration(len(c.pcm)) * time.Second / 8000
		total += d
		r := Score(segmenter(c.pcm, Config{}), c.truth, tolerance, d)
		agg.Truth += r.Truth
		agg.Found += r.Found
		agg.Missed += r.Missed
		agg.Duplicates += r.Duplicates
		agg.Merged += r.Merged
		agg.OutOfTolerance += r.OutOfTolerance
		agg.FalseSegments += r.FalseSegments
		agg.BoundaryErrors = append(agg.BoundaryErrors, r.BoundaryErrors...)
	}
	return agg, total
}

func summary(r Result) string {
	return fmt.Sprintf("found %d/%d missed %d duplicated %d merged %d out-of-tolerance %d false %d; boundary error p50 %v p95 %v",
		r.Found, r.Truth, r.Missed, r.Duplicates, r.Merged, r.OutOfTolerance, r.FalseSegments,
		Percentile(r.BoundaryErrors, 50), Percentile(r.BoundaryErrors, 95))
}
