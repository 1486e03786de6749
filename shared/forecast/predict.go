package forecast

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Options tune Predict.
type Options struct {
	Calendar Calendar               // zero: UTC, no holidays
	Levels   []float64              // prediction-interval levels; nil → {0.8, 0.95}
	Events   []Occurrence           // the tenant's past and future occurrences (past ones teach uplift)
	Models   []string               // restrict to these model names; nil → all
	Origins  int                    // rolling-origin backtest origins; 0 → DefaultOrigins
	Open     func(t time.Time) bool // optional: false for intervals the centre is closed (forecast 0, not scored)
}

// Backtest shape: DefaultOrigins origins originSpacing days apart, the last one window-length
// before the end of the history; each window as long as the horizon in days but at least
// minBacktestDays and at most maxBacktestDays (so windows overlap for long horizons); an origin
// needs minTrainDays of training before it.
const (
	DefaultOrigins  = 3
	minBacktestDays = 7
	maxBacktestDays = 28
	originSpacing   = 7 // days between backtest origins (windows overlap when longer)
	minTrainDays    = 14
)

// ErrInput wraps every complaint about Predict's arguments.
var ErrInput = errors.New("forecast input")

// Predict forecasts the horizon intervals that follow history (same step, from history.End()).
//
// Method: the history is laid out as local days × slots; holidays, past event windows and
// anomalies are taken out (clean.go); each baseline model is scored by a rolling-origin backtest
// inside the history (see the backtest shape above). When the better of the structured models
// (regression, ets) is within ensembleSlack of the best backtest WAPE, the ensemble is the
// equal-weight mean of the structured models within coreSlack of it (a combination beat picking
// by backtest on rolling origins inside the bank training files: one-shot US 5.97 → 5.75, IL
// 26.99 → 26.45); otherwise it weighs the models within ensembleSlack of the best by inverse
// squared WAPE (so a clearly worse model gets nothing; one model when only one qualifies). Future holidays get the holiday
// factor; future event occurrences their type's learnt uplift (events.go). Prediction intervals
// come from the ensemble's backtest residuals (bands.go). Closed intervals (Options.Open) are 0.
func Predict(ctx context.Context, history Series, horizon int, opt Options) (Forecast, error) {
	step := history.Step
	switch {
	case step <= 0 || step > 24*time.Hour:
		return Forecast{}, fmt.Errorf("%w: step %v: want 1ns..24h", ErrInput, step)
	case horizon <= 0:
		return Forecast{}, fmt.Errorf("%w: horizon %d: want ≥ 1", ErrInput, horizon)
	case observed(history.Values) == 0:
		return Forecast{}, fmt.Errorf("%w: the history has no observed value", ErrInput)
	}
	levels := opt.Levels
	if levels == nil {
		levels = []float64{0.8, 0.95}
	}
	for _, l := range levels {
		if !(l > 0 && l < 1) {
			return Forecast{}, fmt.Errorf("%w: level %v: want 0 < level < 1", ErrInput, l)
		}
	}
	chosen, err := pick(opt.Models)
	if err != nil {
		return Forecast{}, err
	}
	cal := opt.Calendar
	if cal.Location == nil {
		cal.Location = time.UTC
	}
	start := history.End()
	end := start.Add(time.Duration(horizon) * step)
	closed := func(t time.Time) bool { return opt.Open != nil && !opt.Open(t) }
	full := newMatrix(history, cal.Location, end, closed)
	fd, _ := full.cell(start)
	if fd < 1 {
		return Forecast{}, fmt.Errorf("%w: the history covers less than a day", ErrInput)
	}
	hd := len(full.rows) - fd
	var past []Occurrence
	for _, o := range opt.Events {
		if o.Start.Before(start) {
			past = append(past, o)
		}
	}
	c := clean(full.head(fd), cal, past, len(full.rows))

	origins := opt.Origins
	if origins <= 0 {
		origins = DefaultOrigins
	}
	bt, err := backtest(ctx, c, chosen, hd, origins)
	if err != nil {
		return Forecast{}, err
	}
	weights := bt.weigh(chosen)
	rows := make([][]float64, hd)
	for d := range rows {
		rows[d] = make([]float64, full.slots)
	}
	for _, m := range chosen {
		w := weights[m.name]
		if w == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return Forecast{}, err
		}
		for d, row := range m.fit(ctx, c.x, hd) {
			for p, v := range row {
				rows[d][p] += w * max(v, 0)
			}
		}
	}
	if hf := c.holidayFactor(); hf != 1 {
		for d := range rows {
			if c.holiday[fd+d] {
				for p := range rows[d] {
					rows[d][p] *= hf
				}
			}
		}
	}

	f := Forecast{Start: start, Step: step, Point: make([]float64, horizon), Weights: weights, Backtest: bt.wape}
	f.Model = ModelEnsemble
	for name, w := range weights {
		if w == 1 {
			f.Model = name
		}
	}
	lead := make([]int, horizon)
	isClosed := make([]bool, horizon)
	for i := range f.Point {
		t := f.Start.Add(time.Duration(i) * step)
		d, p := full.cell(t)
		lead[i] = d - fd
		isClosed[i] = closed(t)
		if isClosed[i] || d < fd || d-fd >= hd || p >= full.slots {
			continue
		}
		f.Point[i] = rows[d-fd][p]
	}
	f.Baseline = slices.Clone(f.Point)
	f.Events = overlayEvents(&f, c, opt.Events, closed)
	f.Bands = bt.bands(f.Point, lead, isClosed, levels)
	return f, nil
}

// pick resolves Options.Models.
func pick(names []string) ([]model, error) {
	if names == nil {
		return models, nil
	}
	var out []model
	for _, n := range names {
		i := slices.IndexFunc(models, func(m model) bool { return m.name == n })
		if i < 0 {
			return nil, fmt.Errorf("%w: unknown model %q (have %v)", ErrInput, n, ModelNames())
		}
		if !slices.ContainsFunc(out, func(m model) bool { return m.name == n }) {
			out = append(out, models[i])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no model chosen", ErrInput)
	}
	return out, nil
}

// ensembleSlack: models whose backtest WAPE is within this factor of the best share the ensemble.
const ensembleSlack = 1.1

// coreSlack: the structured models within this factor of the better one are averaged with equal
// weights (a wider margin than ensembleSlack: averaging two good models beats choosing between them).
const coreSlack = 1.5

// backtestResult is what the rolling-origin backtest learnt.
type backtestResult struct {
	wape map[string]float64 // per model, percent; "ensemble" too once weighed
	// per backtest cell: the actual (raw, holidays and events out), each model's forecast
	actual []float64
	preds  map[string][]float64
	days   int       // backtest window length
	resid  []float64 // the ensemble's residuals on the square-root scale (bands.go)
}

// backtest fits every model at up to `origins` origins and scores them on the windows after.
func backtest(ctx context.Context, c *cleaned, ms []model, hd, origins int) (*backtestResult, error) {
	n := len(c.x.rows)
	bh := min(max(hd, minBacktestDays), maxBacktestDays)
	minTrain := minTrainDays
	if n-bh < minTrain { // short history: shorter windows, less training
		minTrain = max(7, n/2)
		bh = min(bh, n-minTrain)
	}
	r := &backtestResult{wape: map[string]float64{}, preds: map[string][]float64{}, days: max(bh, 0)}
	if bh < 1 {
		return r, nil
	}
	for k := 1; k <= origins; k++ {
		cut := n - bh - (k-1)*originSpacing
		if cut < minTrain {
			break
		}
		train := c.x.head(cut)
		first := true
		for _, m := range ms {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			pred := m.fit(ctx, train, bh)
			for d := range bh {
				for p := range c.x.slots {
					a := c.raw.rows[cut+d][p]
					if math.IsNaN(a) || c.holiday[cut+d] || c.event[cut+d][p] {
						continue
					}
					if first {
						r.actual = append(r.actual, a)
					}
					r.preds[m.name] = append(r.preds[m.name], max(pred[d][p], 0))
				}
			}
			first = false
		}
	}
	sumA := 0.0
	for _, a := range r.actual {
		sumA += a
	}
	if sumA <= 0 {
		return r, nil
	}
	for name, p := range r.preds {
		r.wape[name] = 100 * absErr(p, r.actual) / sumA
	}
	return r, nil
}

func absErr(f, a []float64) float64 {
	s := 0.0
	for i := range a {
		s += math.Abs(f[i] - a[i])
	}
	return s
}

// weigh turns backtest WAPEs into ensemble weights (see Predict), and records the ensemble's
// backtest WAPE and residuals. Without a backtest every model gets an equal share.
func (r *backtestResult) weigh(ms []model) map[string]float64 {
	w := map[string]float64{}
	if len(r.wape) == 0 {
		for _, m := range ms {
			w[m.name] = 1 / float64(len(ms))
		}
		return w
	}
	best := math.Inf(1)
	for _, m := range ms {
		best = min(best, r.wape[m.name])
	}
	coreBest := math.Inf(1)
	for _, m := range ms {
		if m.core {
			coreBest = min(coreBest, r.wape[m.name])
		}
	}
	total := 0.0
	if coreBest <= best*ensembleSlack {
		for _, m := range ms {
			if m.core && r.wape[m.name] <= coreBest*coreSlack {
				w[m.name] = 1
				total++
			}
		}
	} else {
		for _, m := range ms {
			e := r.wape[m.name]
			if e <= best*ensembleSlack {
				w[m.name] = 1 / math.Max(e*e, 1e-9)
				total += w[m.name]
			}
		}
	}
	for k := range w {
		w[k] /= total
	}
	ens := make([]float64, len(r.actual))
	sumA := 0.0
	for i := range ens {
		for name, wt := range w {
			ens[i] += wt * r.preds[name][i]
		}
		sumA += r.actual[i]
	}
	if len(w) > 1 {
		r.wape[ModelEnsemble] = 100 * absErr(ens, r.actual) / sumA
	}
	for i, a := range r.actual {
		r.resid = append(r.resid, math.Sqrt(a)-math.Sqrt(ens[i]))
	}
	return w
}
