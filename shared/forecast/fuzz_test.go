package forecast

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// FuzzPredict feeds Predict tenants' kinds of history (any supported step, gaps, zeros, spikes,
// closed hours, holidays and events at odd places) and checks the forecast is whole: finite,
// non-negative points inside ordered bands, zero where closed.
func FuzzPredict(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint16(20), uint16(48), uint8(0), uint8(0))
	f.Add(uint64(2), uint8(5), uint16(400), uint16(366), uint8(10), uint8(1))
	f.Add(uint64(3), uint8(0), uint16(2), uint16(500), uint8(90), uint8(2))
	f.Fuzz(func(t *testing.T, seed uint64, stepIdx uint8, days, horizon uint16, gapPct, mode uint8) {
		steps := []time.Duration{5 * time.Minute, 6 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 24 * time.Hour}
		step := steps[int(stepIdx)%len(steps)]
		per := slotsPerDay(step)
		nDays := 1 + int(days)%(max(1, 40000/per))
		h := 1 + int(horizon)%(2*per*7)
		r := rand.New(rand.NewPCG(seed, 7))
		start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(48)) * step)
		s := Series{Start: start, Step: step, Values: make([]float64, nDays*per)}
		for i := range s.Values {
			switch {
			case r.IntN(100) < int(gapPct)%101:
				s.Values[i] = math.NaN()
			case mode%4 == 1 && r.IntN(50) == 0:
				s.Values[i] = 1e6 // a spike
			case mode%4 == 2:
				s.Values[i] = 0
			default:
				s.Values[i] = float64(r.IntN(200))
			}
		}
		var opt Options
		if mode%3 == 1 {
			opt.Open = func(t time.Time) bool { return t.Weekday() != time.Sunday && t.Hour() >= 8 }
		}
		loc, _ := time.LoadLocation("America/New_York")
		opt.Calendar = Calendar{Location: loc, Holidays: map[string]string{start.AddDate(0, 0, nDays/2).Format(time.DateOnly): "x", s.End().AddDate(0, 0, 1).Format(time.DateOnly): "y"}}
		ev := s.Time(len(s.Values) / 3)
		opt.Events = []Occurrence{
			{ID: "a", Type: "campaign", Start: ev, End: ev.Add(3 * step)},
			{ID: "b", Type: "campaign", Start: s.End().Add(step / 2), End: s.End().Add(5 * step)},
			{ID: "c", Type: "outage", Start: s.End().Add(-step), End: s.End().Add(-step)},
		}
		fc, err := Predict(context.Background(), s, h, opt)
		if err != nil {
			return // all gaps, or less than a day: refused, not broken
		}
		if len(fc.Point) != h || len(fc.Bands) != 2 {
			t.Fatalf("%d points, %d bands", len(fc.Point), len(fc.Bands))
		}
		for i, v := range fc.Point {
			lo, hi := fc.Bands[1].Lower[i], fc.Bands[1].Upper[i]
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || !(lo <= v && v <= hi) || math.IsNaN(lo) || math.IsInf(hi, 0) {
				t.Fatalf("point %d: %v in [%v, %v]", i, v, lo, hi)
			}
			if opt.Open != nil && !opt.Open(fc.Start.Add(time.Duration(i)*step)) && v != 0 {
				t.Fatalf("closed interval %d forecast %v", i, v)
			}
		}
	})
}
