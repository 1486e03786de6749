package sim

import (
	"context"
	"math"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

// Window is one queue's window as the judge saw it: the arrivals per minute that came, the agents
// signed in, the callers already waiting at From.
type Window struct {
	From, To          time.Time
	ArrivalsPerMinute []float64
	Agents            int
	StartWaiting      int
	HandleSeconds     float64
	PatienceSeconds   float64
	TargetSeconds     int
	Seed              uint64
}

// CounterfactualReps is how many replays Counterfactual averages; counterfactualWork bounds the
// customers simulated in all (a window with more than counterfactualWork ÷ CounterfactualReps
// customers is replayed fewer times, at least once), so one judgement stays quick.
const (
	CounterfactualReps = 20
	counterfactualWork = 2_000_000
)

// Counterfactual is what the window would have given without any strategy: the static floor
// replayed CounterfactualReps times on fresh customers (arrival rate per minute as observed, the
// agents constant, StartWaiting callers queued at From), counting the customers whose fate was
// settled before To. Counts are means over the replays (rounded); the percentages come from the
// summed counts, as the wallboard computes them (strategy.Outcome.Rated). A window that is empty or not understood gives the zero Outcome.
func Counterfactual(ctx context.Context, w Window) strategy.Outcome {
	minutes := int(math.Ceil(w.To.Sub(w.From).Minutes()))
	if minutes <= 0 || minutes > 7*24*60 || w.Agents < 0 || w.Agents > 100000 || w.StartWaiting < 0 || w.StartWaiting > 100000 {
		return strategy.Outcome{}
	}
	arrivals := make([]float64, minutes)
	for i := range arrivals {
		if i < len(w.ArrivalsPerMinute) {
			arrivals[i] = w.ArrivalsPerMinute[i]
		} else if n := len(w.ArrivalsPerMinute); n > 0 {
			arrivals[i] = w.ArrivalsPerMinute[n-1]
		}
	}
	agents := make([]int, minutes)
	for i := range agents {
		agents[i] = w.Agents
	}
	handle, patience := w.HandleSeconds, w.PatienceSeconds
	if !(handle > 0) {
		handle = 180
	}
	if !(patience > 0) {
		patience = 120
	}
	target := w.TargetSeconds
	if target <= 0 {
		target = DefaultTargetSeconds
	}
	sc := Scenario{
		Start: w.From, Interval: time.Minute, Arrivals: arrivals, Agents: agents,
		HandleSeconds: handle, PatienceSeconds: patience, TargetSeconds: target,
		Settings: strategy.Defaults(),
	}.withDefaults()
	if sc.Validate() != nil {
		return strategy.Outcome{}
	}
	var sum tally
	reps := 0
	expected := float64(w.StartWaiting)
	for _, a := range arrivals {
		expected += a
	}
	runs := max(1, min(CounterfactualReps, int(counterfactualWork/math.Max(1, expected))))
	for r := range runs {
		if ctx.Err() != nil {
			break
		}
		seed := w.Seed*CounterfactualReps + uint64(r) + 1
		custs := drawCustomers(arrivals, time.Minute, handle, sc.HandleCV, patience, seed)
		if w.StartWaiting > 0 {
			// Those waiting at From, with patience and handle times of their own (memoryless
			// patience: the time already waited does not change what is left); they come first.
			early := drawWaiting(w.StartWaiting, handle, sc.HandleCV, patience, seed^0x5bd1e995)
			custs = append(early, custs...)
		}
		f := newFloor(ctx, sc, custs)
		f.stopAt = f.end
		if err := f.run(); err != nil {
			break
		}
		t := f.day
		sum.arrived += t.arrived
		sum.answered += t.answered
		sum.inTarget += t.inTarget
		sum.abandoned += t.abandoned
		sum.afterTarget += t.afterTarget
		reps++
	}
	if reps == 0 {
		return strategy.Outcome{}
	}
	mean := func(n int) int { return int(math.Round(float64(n) / float64(reps))) }
	// The rates from the summed counts, by the wallboard's one definition (Outcome.Rated); the
	// counts are the replays' means.
	rated := strategy.Outcome{
		Answered: sum.answered, AnsweredInTarget: sum.inTarget,
		Abandoned: sum.abandoned, AbandonedAfterTarget: sum.afterTarget,
	}.Rated()
	return strategy.Outcome{
		Arrived:              mean(sum.arrived),
		Answered:             mean(sum.answered),
		AnsweredInTarget:     mean(sum.inTarget),
		Abandoned:            mean(sum.abandoned),
		AbandonedAfterTarget: mean(sum.afterTarget),
		ServiceLevel:         rated.ServiceLevel,
		AbandonRate:          rated.AbandonRate,
	}
}
