package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestProfilesShrinkNoiseKeepDifferences: five weekdays share one intraday shape except Monday's
// first hour, which is twice as busy. The profiles keep Monday's peak (the weekdays really differ
// there) and, elsewhere, come closer to the true shape than each weekday's own recent days alone
// (they take the pooled profile where the weekdays differ only by noise).
func TestProfilesShrinkNoiseKeepDifferences(t *testing.T) {
	const weeks = 12
	step := 30 * time.Minute
	r := rand.New(rand.NewPCG(7, 11))
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC) // a Monday
	truth := func(w time.Weekday, p int) float64 {
		if p < 16 || p >= 36 { // open 08:00–18:00
			return 0
		}
		v := 20 + 10*math.Sin(float64(p-16)/20*math.Pi)
		if w == time.Monday && p < 18 {
			v *= 2
		}
		return v
	}
	s := Series{Start: start, Step: step, Values: make([]float64, weeks*7*48)}
	for i := range s.Values {
		tm := s.Time(i)
		if tm.Weekday() == time.Saturday || tm.Weekday() == time.Sunday {
			s.Values[i] = math.NaN()
			continue
		}
		m := truth(tm.Weekday(), i%48)
		s.Values[i] = math.Max(0, math.Round(m+r.NormFloat64()*math.Sqrt(m)))
	}
	x := newMatrix(s, time.UTC, s.End(), nil)
	sh := shapes(x)
	trueShare := func(w time.Weekday) []float64 {
		out := make([]float64, 48)
		total := 0.0
		for p := range out {
			out[p] = truth(w, p)
			total += out[p]
		}
		for p := range out {
			out[p] /= total
		}
		return out
	}
	mon := trueShare(time.Monday)
	if got := sh.share[time.Monday][16]; math.Abs(got-mon[16]) > 0.15*mon[16] {
		t.Errorf("Monday 08:00 share %.4f, want about %.4f (the real peak is kept)", got, mon[16])
	}
	for _, w := range []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
		want := trueShare(w)
		own, _ := sharesOf(x, daysOf(x, w)[:profileDays], false)
		if e, eOwn := profileDistance(sh.share[w], want), profileDistance(own, want); e >= eOwn {
			t.Errorf("%v: profile error %.4f, not below its own eight days' %.4f", w, e, eOwn)
		}
		if d := math.Abs(sh.share[w][16] - want[16]); d > 0.15*want[16] {
			t.Errorf("%v 08:00 share %.4f, want about %.4f (Monday's peak does not leak)", w, sh.share[w][16], want[16])
		}
	}
}
