package forecast

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// The intraday update. The ratio of actual to plan over the last complete intervals (at least
// rollingMinIntervals, covering rollingWindow), plus the interval holding now against the part of
// its plan that has elapsed (so a burst moves the forecast at the next run, not only once its
// interval closes), says how far today runs above or below the plan;
// it is shrunk towards 1 as if rollingPrior more calls had arrived exactly as planned (so a quiet
// hour with a handful of calls barely moves it), clamped to [1/4, 4], and multiplies the plan over
// the horizon. Bands: the plan's, scaled by the ratio and widened by the ratio's own uncertainty
// (relative standard error 1/√(Σplan + prior), at the band's normal quantile); for a plan without
// bands, Poisson bands around the corrected point with the same widening.
const (
	rollingWindow       = 2 * time.Hour
	rollingMinIntervals = 3
	rollingPrior        = 30.0
)

// Rolling corrects plan from `now` on (the first interval returned is the one holding now) by the
// recent ratio of actual to plan; actual may include the interval holding now with its count so
// far. actual must have the plan's step; horizon is cut to what the plan covers.
func Rolling(plan Forecast, actual Series, now time.Time, horizon int) (Forecast, error) {
	if plan.Step <= 0 || actual.Step != plan.Step {
		return Forecast{}, fmt.Errorf("%w: rolling: plan step %v, actual step %v", ErrInput, plan.Step, actual.Step)
	}
	ps := Series{Start: plan.Start, Step: plan.Step, Values: plan.Point}
	cur := ps.Index(now)
	if cur < 0 || cur >= len(plan.Point) {
		return Forecast{}, fmt.Errorf("%w: rolling: %v is outside the plan (%v..%v)", ErrInput, now, plan.Start, ps.End())
	}
	if horizon <= 0 {
		return Forecast{}, fmt.Errorf("%w: rolling: horizon %d", ErrInput, horizon)
	}
	horizon = min(horizon, len(plan.Point)-cur)
	window := max(rollingMinIntervals, int((rollingWindow+plan.Step-1)/plan.Step))
	sumA, sumF := 0.0, 0.0
	for j := max(cur-window, 0); j < cur; j++ {
		k := actual.Index(ps.Time(j))
		if k < 0 || k >= len(actual.Values) || math.IsNaN(actual.Values[k]) || math.IsNaN(plan.Point[j]) {
			continue
		}
		sumA += actual.Values[k]
		sumF += plan.Point[j]
	}
	if k := actual.Index(ps.Time(cur)); k >= 0 && k < len(actual.Values) && !math.IsNaN(actual.Values[k]) && !math.IsNaN(plan.Point[cur]) {
		elapsed := float64(now.Sub(ps.Time(cur))) / float64(plan.Step)
		sumA += actual.Values[k]
		sumF += plan.Point[cur] * elapsed
	}
	ratio := min(max((sumA+rollingPrior)/(sumF+rollingPrior), 0.25), 4)
	relSE := 1 / math.Sqrt(sumF+rollingPrior)

	out := Forecast{
		Start: ps.Time(cur), Step: plan.Step, Point: make([]float64, horizon),
		Model: plan.Model, Weights: plan.Weights, Backtest: plan.Backtest, Events: plan.Events,
	}
	for i := range out.Point {
		out.Point[i] = plan.Point[cur+i] * ratio
	}
	if len(plan.Baseline) == len(plan.Point) {
		out.Baseline = make([]float64, horizon)
		for i := range out.Baseline {
			out.Baseline[i] = plan.Baseline[cur+i] * ratio
		}
	}
	bands := plan.Bands
	if len(bands) == 0 {
		bands = []Band{{Level: 0.8}, {Level: 0.95}}
	}
	for _, b := range bands {
		z := math.Sqrt2 * math.Erfinv(b.Level)
		nb := Band{Level: b.Level, Lower: make([]float64, horizon), Upper: make([]float64, horizon)}
		for i, f := range out.Point {
			lo, hi := f, f
			if len(b.Lower) == len(plan.Point) && len(b.Upper) == len(plan.Point) {
				lo, hi = b.Lower[cur+i]*ratio, b.Upper[cur+i]*ratio
			} else if f > 0 {
				sd := math.Sqrt(f)
				lo, hi = f-z*sd, f+z*sd
			}
			nb.Lower[i] = max(0, min(f, lo-z*relSE*f))
			nb.Upper[i] = max(f, hi+z*relSE*f)
		}
		out.Bands = append(out.Bands, nb)
	}
	return out, nil
}

// Review attributes a published forecast's deviation once actuals exist. Metrics is Score's;
// Events the forecast and actual totals inside each event's windows (over scored intervals);
// Anomalies the runs of intervals, outside event windows, whose actual is beyond reviewK robust
// standard deviations of the forecast on the square-root scale; Unexplained the part of the WAPE
// (percent of the actual total) outside both, so that the WAPE splits into the events' part, the
// anomalies' part and Unexplained.
type Review struct {
	Metrics     Metrics
	Events      []EventDeviation
	Anomalies   []Anomaly
	Unexplained float64
}

// EventDeviation is one event's forecast and actual totals over its windows.
type EventDeviation struct {
	ID, Type, Name   string
	Forecast, Actual float64
}

// Anomaly is a run of consecutive anomalous intervals [Start, End) and their totals.
type Anomaly struct {
	Start            time.Time
	End              time.Time
	Expected, Actual float64
}

const reviewK = 4.0

// ReviewForecast reviews f against actual (same step) with the tenant's occurrences and calendar.
func ReviewForecast(f Forecast, actual Series, occ []Occurrence, cal Calendar) Review {
	rv := Review{Metrics: Score(f, actual, cal.Location, 0)}
	if actual.Step != f.Step || f.Step <= 0 {
		return rv
	}
	fs := Series{Start: f.Start, Step: f.Step, Values: f.Point}
	n := len(f.Point)
	act := make([]float64, n) // NaN where not scored
	for i := range act {
		act[i] = math.NaN()
		if j := actual.Index(fs.Time(i)); j >= 0 && j < len(actual.Values) && actual.Time(j).Equal(fs.Time(i)) && !math.IsNaN(f.Point[i]) {
			act[i] = actual.Values[j]
		}
	}
	inEvent := make([]bool, n)
	index := map[string]int{}
	for _, o := range occ {
		first, last := max(fs.Index(o.Start), 0), min(fs.Index(o.End.Add(-1)), n-1)
		if first > last {
			continue
		}
		k, ok := index[o.ID]
		if !ok {
			k = len(rv.Events)
			index[o.ID] = k
			rv.Events = append(rv.Events, EventDeviation{ID: o.ID, Type: o.Type, Name: o.Name})
		}
		for i := first; i <= last; i++ {
			if !math.IsNaN(act[i]) {
				rv.Events[k].Forecast += f.Point[i]
				rv.Events[k].Actual += act[i]
				inEvent[i] = true
			}
		}
	}
	var res []float64
	for i, a := range act {
		if !math.IsNaN(a) && !inEvent[i] {
			res = append(res, math.Sqrt(a)-math.Sqrt(max(f.Point[i], 0)))
		}
	}
	sd := 0.5
	if len(res) > 0 {
		sd = max(robustSD(slices.Clone(res)), 0.5)
	}
	sumA, other := 0.0, 0.0
	var run *Anomaly
	flush := func() {
		if run != nil {
			rv.Anomalies = append(rv.Anomalies, *run)
			run = nil
		}
	}
	for i, a := range act {
		if math.IsNaN(a) {
			flush()
			continue
		}
		sumA += a
		if inEvent[i] {
			flush()
			continue
		}
		if math.Abs(math.Sqrt(a)-math.Sqrt(max(f.Point[i], 0))) <= reviewK*sd {
			other += math.Abs(f.Point[i] - a)
			flush()
			continue
		}
		if run == nil {
			run = &Anomaly{Start: fs.Time(i)}
		}
		run.End = fs.Time(i + 1)
		run.Expected += f.Point[i]
		run.Actual += a
	}
	flush()
	if sumA > 0 {
		rv.Unexplained = 100 * other / sumA
	}
	return rv
}
