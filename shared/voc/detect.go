package voc

import (
	"math"
	"time"
)

// Spike is a detector's finding on one key: its latest interval is in a spike.
type Spike struct {
	// At is the start of the latest interval; Onset the start of the first interval of the rise.
	At, Onset time.Time
	// Count is the latest interval's count, Expected the baseline's expectation for it, Score how
	// far above it the count is (the detector's measure).
	Count, Expected, Score float64
}

// Baseline is what a detector learnt from a key's past: the count it expects in an interval.
type Baseline interface {
	Expected(key string, at time.Time) float64
}

// Detector learns baselines from past counts and decides whether a key's recent intervals spike.
// Simple is the package's own; shared/spikes' seasonal one plugs in through an adapter (the
// integrator's: Learn wraps spikes.Learn, Check unwraps its baseline and calls spikes.Check).
type Detector interface {
	// Learn builds a baseline from history: one key's counts of the same weekday in past weeks
	// (Counters.History), oldest first; empty for a key never seen before (a cold start).
	Learn(history []Count) Baseline
	// Check decides on recent (one key's last intervals, oldest first; the last may be partial:
	// elapsed is the share of it that has passed, 0 < elapsed <= 1). Stateless: the caller keeps
	// one open alert per key.
	Check(b Baseline, recent []Count, elapsed float64) (Spike, bool)
}

// Simple is a plain seasonal detector: the expectation of an interval is the mean of the key's
// counts at the same UTC weekday and time of day in the past weeks it has data for, never below
// Floor (a cold key expects Floor). The count judged is that of the last 5 minutes: the latest
// interval's, plus the share of the interval before it that the latest has not yet covered (so
// a burst across an interval's end is one burst). It spikes when it is at least MinCount, at
// least Ratio times the expectation, and at least Z Poisson deviations above it. The onset is the
// first of the latest run of intervals above Ratio/2 times their expectation.
type Simple struct {
	Floor    float64 // default 1
	MinCount float64 // default 10
	Ratio    float64 // default 3
	Z        float64 // default 3
}

func (s Simple) withDefaults() Simple {
	if s.Floor <= 0 {
		s.Floor = 1
	}
	if s.MinCount <= 0 {
		s.MinCount = 10
	}
	if s.Ratio <= 0 {
		s.Ratio = 3
	}
	if s.Z <= 0 {
		s.Z = 3
	}
	return s
}

// simpleBaseline holds the mean per weekday × slot of day.
type simpleBaseline struct {
	floor float64
	mean  map[int]float64 // weekday*288 + slot of day
}

func slotOfWeek(t time.Time) int {
	t = t.UTC()
	return int(t.Weekday())*288 + (t.Hour()*60+t.Minute())/5
}

// Learn averages history per weekday × 5-minute slot.
func (s Simple) Learn(history []Count) Baseline {
	s = s.withDefaults()
	sum, n := map[int]float64{}, map[int]float64{}
	for _, c := range history {
		k := slotOfWeek(c.Start)
		sum[k] += c.N
		n[k]++
	}
	b := simpleBaseline{floor: s.Floor, mean: make(map[int]float64, len(sum))}
	for k, v := range sum {
		b.mean[k] = v / n[k]
	}
	return b
}

// Expected is the mean at at's weekday and slot, at least the floor.
func (b simpleBaseline) Expected(_ string, at time.Time) float64 {
	return math.Max(b.floor, b.mean[slotOfWeek(at)])
}

// Check applies Simple's rule to the latest interval.
func (s Simple) Check(b Baseline, recent []Count, elapsed float64) (Spike, bool) {
	s = s.withDefaults()
	if len(recent) == 0 || elapsed <= 0 {
		return Spike{}, false
	}
	last := recent[len(recent)-1]
	n := last.N
	if len(recent) > 1 && elapsed < 1 {
		n += recent[len(recent)-2].N * (1 - elapsed)
	}
	exp := b.Expected(last.Key, last.Start)
	z := (n - exp) / math.Sqrt(exp)
	if n < s.MinCount || n < s.Ratio*exp || z < s.Z {
		return Spike{}, false
	}
	onset := last.Start
	for i := len(recent) - 2; i >= 0; i-- {
		c := recent[i]
		if c.N <= 0 || c.N < s.Ratio/2*b.Expected(c.Key, c.Start) {
			break
		}
		onset = c.Start
	}
	return Spike{At: last.Start, Onset: onset, Count: math.Round(n*100) / 100, Expected: exp, Score: z}, true
}

var _ Detector = Simple{}
