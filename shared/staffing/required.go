package staffing

import (
	"fmt"
	"math"
)

// Required is the staffing of one interval: the smallest number of agents whose service level,
// ASA and occupancy meet the target (Erlang C, or Erlang A when t.Patience > 0), the number to
// schedule once shrinkage is added, and what that number achieves. An interval without calls
// needs no agents. Every measure is monotone in the agent count (a property the tests check), so
// the search is exact: Erlang C steps up from the first count above the load, Erlang A gallops up
// from a lower bound and bisects.
func Required(iv Interval, t Target) (Result, error) {
	if err := t.Validate(); err != nil {
		return Result{}, err
	}
	if err := iv.Validate(); err != nil {
		return Result{}, err
	}
	if iv.Calls == 0 {
		return Result{ServiceLevel: 1}, nil
	}
	e := newEvaluator(iv, t)
	meets := func(m measures) bool {
		return (t.ServiceLevel == 0 || m.sl >= t.ServiceLevel-1e-12) &&
			(t.ASA == 0 || m.asa <= t.ASA.Seconds()+1e-9) &&
			(t.MaxOccupancy == 0 || m.occupancy <= t.MaxOccupancy+1e-12)
	}
	limit := searchLimit(e.a, t.MaxOccupancy)
	var (
		n   int
		m   measures
		err error
	)
	if t.Patience == 0 {
		n, m, err = searchUp(int(math.Floor(e.a))+1, limit, e.at, meets)
	} else {
		lo := 1
		if t.ServiceLevel > 0 {
			// Occupancy ≤ 1 means carried load a·(1 − P(abandon)) ≤ n, and SL ≤ 1 − P(abandon).
			lo = max(1, int(math.Ceil(e.a*t.ServiceLevel-1e-9)))
		}
		n, m, err = searchGallop(lo, limit, max(1, int(math.Sqrt(e.a))), e.at, meets)
	}
	if err != nil {
		return Result{}, err
	}
	return e.result(n, m), nil
}

// Evaluate is what a given number of agents achieves in the interval under the target's answer
// time and patience (its thresholds are not applied); Scheduled adds the target's shrinkage.
func Evaluate(iv Interval, t Target, agents int) (Result, error) {
	if err := t.Validate(); err != nil {
		return Result{}, err
	}
	if err := iv.Validate(); err != nil {
		return Result{}, err
	}
	if agents < 0 {
		return Result{}, fmt.Errorf("%w: agents must not be negative, got %d", ErrInvalid, agents)
	}
	if iv.Calls == 0 {
		return Result{Agents: agents, Scheduled: scheduled(agents, t.Shrinkage), ServiceLevel: 1}, nil
	}
	e := newEvaluator(iv, t)
	m, err := e.at(agents)
	if err != nil {
		return Result{}, err
	}
	return e.result(agents, m), nil
}

// evaluator computes the measures of n agents for one interval and target, keeping the Erlang B
// recurrence between calls.
type evaluator struct {
	a, h, answer float64 // load (Erlangs), AHT and answer time (seconds)
	lam, mu, th  float64 // arrivals, services per agent, abandonments per caller (per second)
	shrinkage    float64
	b            erlangB
}

func newEvaluator(iv Interval, t Target) *evaluator {
	e := &evaluator{
		a:         iv.Load(),
		h:         iv.AHT.Seconds(),
		answer:    t.AnswerWithin.Seconds(),
		lam:       iv.Calls / iv.Length.Seconds(),
		mu:        1 / iv.AHT.Seconds(),
		shrinkage: t.Shrinkage,
	}
	if t.Patience > 0 {
		e.th = 1 / t.Patience.Seconds()
	}
	e.b = erlangB{a: e.a}
	return e
}

func (e *evaluator) at(n int) (measures, error) {
	if n <= 0 {
		return measures{sl: 0, asa: math.Inf(1), abandon: boolf(e.th > 0), occupancy: 1}, nil
	}
	b := e.b.at(n)
	if e.th == 0 {
		return erlangC(n, e.a, b, e.h, e.answer), nil
	}
	return erlangA(n, e.lam, e.mu, e.th, e.answer, b)
}

func (e *evaluator) result(n int, m measures) Result {
	return Result{
		Agents:       n,
		Scheduled:    scheduled(n, e.shrinkage),
		ServiceLevel: m.sl,
		ASA:          seconds(m.asa),
		AbandonRate:  m.abandon,
		Occupancy:    m.occupancy,
	}
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// searchLimit is the largest agent count tried: the load over the occupancy cap plus fifty
// standard deviations of a Poisson load plus a thousand. Targets that need more (an ASA of a
// nanosecond) are unreachable.
func searchLimit(a, maxOcc float64) int {
	base := a
	if maxOcc > 0 {
		base = a / maxOcc
	}
	return int(math.Ceil(base)) + 50*int(math.Ceil(math.Sqrt(a))) + 1000
}

// searchUp returns the first n ≥ from meeting the target.
func searchUp(from, limit int, at func(int) (measures, error), meets func(measures) bool) (int, measures, error) {
	for n := max(from, 1); n <= limit; n++ {
		m, err := at(n)
		if err != nil {
			return 0, measures{}, err
		}
		if meets(m) {
			return n, m, nil
		}
	}
	return 0, measures{}, fmt.Errorf("%w: not met by %d agents", ErrUnreachable, limit)
}

// searchGallop returns the first n ≥ lo meeting a monotone target: it doubles a step from lo until
// a count meets it, then bisects the last gap.
func searchGallop(lo, limit, step int, at func(int) (measures, error), meets func(measures) bool) (int, measures, error) {
	m, err := at(lo)
	if err != nil {
		return 0, measures{}, err
	}
	if meets(m) {
		return lo, m, nil
	}
	// Invariant: lo fails; hi meets.
	hi := lo
	var mh measures
	for {
		if hi >= limit {
			return 0, measures{}, fmt.Errorf("%w: not met by %d agents", ErrUnreachable, limit)
		}
		lo = hi
		hi = min(limit, hi+step)
		step *= 2
		if mh, err = at(hi); err != nil {
			return 0, measures{}, err
		}
		if meets(mh) {
			break
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		mm, err := at(mid)
		if err != nil {
			return 0, measures{}, err
		}
		if meets(mm) {
			hi, mh = mid, mm
		} else {
			lo = mid
		}
	}
	return hi, mh, nil
}
