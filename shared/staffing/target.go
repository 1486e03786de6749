package staffing

import (
	"fmt"
	"math"
	"time"
)

// MaxPatience bounds Target.Patience: a mean patience longer than a day describes no real caller,
// and it keeps Erlang A's series (whose length grows with patience) short.
const MaxPatience = 24 * time.Hour

// MinOccupancyCap is the lowest occupancy cap accepted (besides 0, no cap): below it agents would
// be idle nine tenths of the time, and the search would have to look at ten times the load.
const MinOccupancyCap = 0.1

// MaxLoad bounds an interval's offered load in Erlangs: a hundred thousand agents busy at once is
// beyond any centre, and it bounds the work and memory of one interval's search.
const MaxLoad = 100_000

// Target is what an interval's staffing must achieve. At least one of ServiceLevel and ASA is set;
// when both are, both must be met.
type Target struct {
	ServiceLevel float64       // e.g. 0.8: the share of offered calls answered within AnswerWithin (0 when ASA is the target)
	AnswerWithin time.Duration // e.g. 20s
	ASA          time.Duration // alternative target: average speed of answer of answered calls
	MaxOccupancy float64       // e.g. 0.85; 0 → no cap
	Shrinkage    float64       // e.g. 0.3: scheduled = ceil(agents / (1 − shrinkage))
	Patience     time.Duration // mean patience; > 0 → Erlang A, 0 → Erlang C
}

// Interval is one interval's offered work: Calls arriving (Poisson) during Length, each needing
// AHT of an agent's time on average (exponential).
type Interval struct {
	Calls  float64
	AHT    time.Duration
	Length time.Duration
}

// Result is the staffing of one interval. Agents is the smallest number on the phones that meets
// the target; Scheduled adds shrinkage. The measures are those Agents achieve: ServiceLevel (share
// of offered calls answered within Target.AnswerWithin), ASA (mean wait of answered calls),
// AbandonRate (share of offered calls that abandon; 0 under Erlang C) and Occupancy (share of the
// agents' time spent handling calls). All shares are fractions in [0, 1].
type Result struct {
	Agents       int
	Scheduled    int
	ServiceLevel float64
	ASA          time.Duration
	AbandonRate  float64
	Occupancy    float64
}

// Validate says what is wrong with the target, naming the field; nil when it can be used.
func (t Target) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s %s", ErrInvalid, field, fmt.Sprintf(format, args...))
	}
	switch {
	case math.IsNaN(t.ServiceLevel) || t.ServiceLevel < 0 || t.ServiceLevel >= 1:
		return bad("service_level", "must be a fraction in [0, 1) (0 = no service-level target), got %v", t.ServiceLevel)
	case t.AnswerWithin < 0:
		return bad("answer_within", "must not be negative, got %v", t.AnswerWithin)
	case t.ServiceLevel == 0 && t.AnswerWithin != 0:
		return bad("service_level", "is needed with answer_within %v", t.AnswerWithin)
	case t.ASA < 0:
		return bad("asa", "must not be negative, got %v", t.ASA)
	case t.ServiceLevel == 0 && t.ASA == 0:
		return bad("target", "needs a service level (X%% in T s) or an ASA")
	case math.IsNaN(t.MaxOccupancy) || t.MaxOccupancy < 0 || t.MaxOccupancy > 1 || t.MaxOccupancy > 0 && t.MaxOccupancy < MinOccupancyCap:
		return bad("max_occupancy", "must be a fraction from %v to 1 (0 = no cap), got %v", MinOccupancyCap, t.MaxOccupancy)
	case math.IsNaN(t.Shrinkage) || t.Shrinkage < 0 || t.Shrinkage >= 1:
		return bad("shrinkage", "must be a fraction in [0, 1), got %v", t.Shrinkage)
	case t.Patience < 0:
		return bad("patience", "must not be negative, got %v", t.Patience)
	case t.Patience > MaxPatience:
		return bad("patience", "must be at most %v, got %v", MaxPatience, t.Patience)
	}
	return nil
}

// Validate says what is wrong with the interval; nil when it can be used.
func (iv Interval) Validate() error {
	switch {
	case math.IsNaN(iv.Calls) || math.IsInf(iv.Calls, 0) || iv.Calls < 0:
		return fmt.Errorf("%w: calls must be a finite count ≥ 0, got %v", ErrInvalid, iv.Calls)
	case iv.AHT <= 0:
		return fmt.Errorf("%w: aht must be positive, got %v", ErrInvalid, iv.AHT)
	case iv.Length <= 0:
		return fmt.Errorf("%w: interval length must be positive, got %v", ErrInvalid, iv.Length)
	case iv.Load() > MaxLoad:
		return fmt.Errorf("%w: offered load %.0f Erlangs (calls × aht / length) is above %d", ErrInvalid, iv.Load(), MaxLoad)
	}
	return nil
}

// Load is the offered load in Erlangs: calls × AHT / length.
func (iv Interval) Load() float64 {
	return iv.Calls * iv.AHT.Seconds() / iv.Length.Seconds()
}

// scheduled is ceil(agents / (1 − shrinkage)), with a tolerance so that 14 / 0.7 (which is
// 20.000000000000004 in floating point) schedules 20, not 21.
func scheduled(agents int, shrinkage float64) int {
	if agents == 0 {
		return 0
	}
	return int(math.Ceil(float64(agents)/(1-shrinkage) - 1e-9))
}

// seconds turns a count of seconds into a Duration, saturating instead of overflowing.
func seconds(s float64) time.Duration {
	if math.IsNaN(s) || s < 0 {
		return 0
	}
	if s >= float64(math.MaxInt64)/float64(time.Second) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(math.Round(s * float64(time.Second)))
}
