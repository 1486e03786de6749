package voc

import (
	"testing"
	"time"
)

// Seasonal (shared/spikes behind the Detector seam): a cold key alerts on a burst, not on a
// handful; a key with history alerts on a rise against its weekday and time, not on its usual
// level; a foreign baseline (a queue's forecast) is heeded.
func TestSeasonalDetector(t *testing.T) {
	det := Seasonal{}
	start := at("2026-12-07T10:00:00Z")
	series := func(ns ...float64) []Count {
		var out []Count
		for i, n := range ns {
			out = append(out, Count{Start: start.Add(time.Duration(i) * Step), Key: "topic:x", N: n})
		}
		return out
	}
	var hist []Count
	for w := 1; w <= 4; w++ {
		for d := -1; d <= 1; d++ {
			day := start.AddDate(0, 0, -7*w+d).Truncate(24 * time.Hour)
			for s := day; s.Before(day.Add(24 * time.Hour)); s = s.Add(Step) {
				hist = append(hist, Count{Start: s, Key: "topic:x", N: 20})
			}
		}
	}
	cold, busy := det.Learn(nil), det.Learn(hist)
	tests := map[string]struct {
		b      Baseline
		recent []Count
		want   bool
	}{
		"cold, a handful":     {cold, series(0, 1, 3), false},
		"cold, seven":         {cold, series(0, 0, 7), false},
		"cold, a burst of 15": {cold, series(0, 0, 15), true},
		"busy, its usual 20":  {busy, series(20, 20, 22), false},
		"busy, 90":            {busy, series(20, 20, 90), true},
		"forecast 40, 45":     {fixedBaseline(40), series(40, 40, 45), false},
		"forecast 2, 40":      {fixedBaseline(2), series(2, 2, 40), true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sp, ok := det.Check(tc.b, tc.recent, 1)
			if ok != tc.want {
				t.Fatalf("spike %v (%+v), want %v", ok, sp, tc.want)
			}
			if ok && (sp.Count < 15 || sp.Expected <= 0 || sp.Onset.After(sp.At)) {
				t.Fatalf("spike %+v: count, expectation or onset wrong", sp)
			}
		})
	}
}

type fixedBaseline float64

func (f fixedBaseline) Expected(string, time.Time) float64 { return float64(f) }
