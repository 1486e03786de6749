package forecastpub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The rolling product's plan: the day's forecast at the counters' 5-minute step, from PlanWeeks
// of history, kept as an item (KindPlan, keyed by the series, the local date and its events'
// fingerprint) for the day's refreshes. It covers PlanHours from the day's start, so a 12-hour
// horizon late in the evening still has a plan. The hourly publish job (Request.Plans) makes the
// next day's plan ahead, from the history up to the current day's start, so the 5-minute rolling
// job normally only reads it;
// a plan still missing when its day comes is made by the rolling job from the history up to the
// day's start.
const (
	KindPlan  = "forecast-plan"
	PlanWeeks = 4
	PlanHours = 36
)

// Rolling refreshes the rolling product of every series of t from its live counts: the day's
// plan corrected by forecast.Rolling with the counts of the day so far, the open 5-minute slot's
// count so far included (weighed against the elapsed part of its plan), over the
// tenant's rolling horizon and step (staffing settings: rolling_hours, rolling_step_m).
func (p *Publisher) Rolling(ctx context.Context, t tenant.ID) (Result, error) {
	refs, err := p.series(ctx, t, "")
	if err != nil {
		return Result{}, err
	}
	cal, err := p.calendar(ctx, t)
	if err != nil {
		return Result{}, err
	}
	settings, _, err := p.store.Settings(ctx, t)
	if err != nil {
		return Result{}, err
	}
	var res Result
	qe := p.queueEvents(t) // a queue's events, read once for its channels
	for _, ref := range refs {
		sctx, cancel := context.WithTimeout(ctx, p.cfg.SeriesTimeout)
		occ, err := qe.of(sctx, ref.Queue)
		var f forecaststore.Forecast
		if err == nil {
			f, err = p.rollingSeries(sctx, t, ref, cal, occ, settings, p.cfg.Now())
		}
		cancel()
		if err != nil {
			res.Failed = append(res.Failed, SeriesError{Queue: ref.Queue, Channel: string(ref.Channel), Product: string(forecaststore.Rolling), Err: err})
			continue
		}
		res.Published = append(res.Published, f)
	}
	p.logFailed(ctx, t, "rolling", res.Failed)
	return res, nil
}

// rollingSeries refreshes the rolling product of one series, over the horizon and step of the
// tenant's settings and with the events occ of its queue (both read once per run by the caller).
func (p *Publisher) rollingSeries(ctx context.Context, t tenant.ID, ref intervals.SeriesRef, cal forecast.Calendar,
	occ []forecast.Occurrence, settings forecaststore.Settings, now time.Time) (forecaststore.Forecast, error) {
	step := time.Duration(settings.RollingStepM) * time.Minute
	hours := settings.RollingHours
	if step < intervals.Step || step%intervals.Step != 0 || hours < 1 {
		step, hours = 15*time.Minute, 12
	}
	today := midnight(now, cal.Location)
	plan, err := p.plan(ctx, t, ref, today, today, cal, occ)
	if err != nil {
		return forecaststore.Forecast{}, err
	}
	// The slots so far, the open one with its count so far (Rolling weighs it by the time elapsed).
	open := now.Truncate(intervals.Step).Add(intervals.Step)
	actual, err := p.cfg.Counts.Series(ctx, t, ref.Queue, ref.Channel, intervals.Offered, today, open, intervals.Step)
	if err != nil {
		return forecaststore.Forecast{}, fmt.Errorf("read the live counts of %s/%s: %w", ref.Queue, ref.Channel, err)
	}
	n := hours*int(time.Hour/intervals.Step) + int(step/intervals.Step) // a step more, to align
	fine, err := forecast.Rolling(plan, actual, now, n)
	if err != nil {
		return forecaststore.Forecast{}, fmt.Errorf("rolling forecast of %s/%s: %w", ref.Queue, ref.Channel, err)
	}
	fc := coarsen(fine, step, hours*int(time.Hour/step))
	if len(fc.Point) == 0 {
		return forecaststore.Forecast{}, fmt.Errorf("rolling forecast of %s/%s: the plan does not reach %v", ref.Queue, ref.Channel, now)
	}
	return p.publishOne(ctx, t, ref, forecaststore.Rolling, fc, forecaststore.FormatStep(step), fc.Start.Add(time.Duration(len(fc.Point))*step), now)
}

// plan reads the fine-step plan of day (a local midnight) of a series, making and keeping it from
// the history up to histEnd (a local midnight, not after day) with the events occ of the series'
// queue when there is none. A plan is kept
// under a fingerprint of the series' events as they were when it was made, so an event planned,
// changed or deleted after a plan was made ahead (the hourly job makes tomorrow's) is in the plan
// the rolling job reads next: the old one is no longer found and a new one is made.
func (p *Publisher) plan(ctx context.Context, t tenant.ID, ref intervals.SeriesRef, day, histEnd time.Time, cal forecast.Calendar,
	occ []forecast.Occurrence) (forecast.Forecast, error) {
	k := planKey(ref, day, occ)
	var kept forecaststore.Forecast
	_, err := p.cfg.DB.Get(ctx, t, k, &kept)
	if err == nil {
		return Unstored(kept), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return forecast.Forecast{}, fmt.Errorf("read the plan of %s/%s: %w", ref.Queue, ref.Channel, err)
	}
	skip := max(0, int(day.Sub(histEnd)/intervals.Step))
	n := PlanHours * int(time.Hour/intervals.Step)
	fc, err := p.intradayForecast(ctx, t, ref, histEnd, intervals.Step, PlanWeeks*7, skip+n,
		forecast.Options{Calendar: cal, Events: occ})
	if err != nil {
		return forecast.Forecast{}, err
	}
	if skip > 0 {
		if len(fc.Point) < skip+n {
			return forecast.Forecast{}, fmt.Errorf("plan of %s/%s: %d intervals, want %d", ref.Queue, ref.Channel, len(fc.Point), skip+n)
		}
		fc = slice(fc, skip, skip+n, occ)
	}
	now := p.cfg.Now()
	item := forecaststore.FromForecast("plan", ref.Queue, string(ref.Channel), forecaststore.Rolling, fc,
		forecaststore.FormatStep(intervals.Step), fc.Start.Add(time.Duration(len(fc.Point))*intervals.Step), now)
	// A concurrent run may have kept its own plan first: either is the day's plan.
	if _, err := p.cfg.DB.Put(ctx, t, k, item, 0, store.WithTTL(day.Add(3*Day))); err != nil && !errors.Is(err, store.ErrConflict) {
		return forecast.Forecast{}, fmt.Errorf("keep the plan of %s/%s: %w", ref.Queue, ref.Channel, err)
	}
	return Unstored(item), nil
}

// planKey is the key of a series' plan of day made with the events occ: the day, then a
// fingerprint of every occurrence's id, type and window.
func planKey(ref intervals.SeriesRef, day time.Time, occ []forecast.Occurrence) store.Key {
	lines := make([]string, len(occ))
	for i, o := range occ {
		lines[i] = fmt.Sprintf("%s|%s|%d|%d", o.ID, o.Type, o.Start.UnixNano(), o.End.UnixNano())
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return store.Key{Kind: KindPlan, ID: forecaststore.SeriesKey(ref.Queue, string(ref.Channel)) + "|" + day.Format("2006-01-02") +
		"|" + hex.EncodeToString(sum[:6])}
}

// planAhead makes sure a series has the plans of the current local day and the next one, the
// next one from the history up to the current day's start, with the queue's events from qe.
func (p *Publisher) planAhead(ctx context.Context, t tenant.ID, ref intervals.SeriesRef, cal forecast.Calendar, qe *queueEvents) error {
	occ, err := qe.of(ctx, ref.Queue)
	if err != nil {
		return err
	}
	today := midnight(p.cfg.Now(), cal.Location)
	y, m, d := today.Date()
	tomorrow := time.Date(y, m, d+1, 0, 0, 0, 0, cal.Location)
	for _, day := range []time.Time{today, tomorrow} {
		if _, err := p.plan(ctx, t, ref, day, today, cal, occ); err != nil {
			return err
		}
	}
	return nil
}

// Unstored turns a stored forecast back into the forecaster's form (not the monthly product,
// whose months have no one step).
func Unstored(f forecaststore.Forecast) forecast.Forecast {
	out := forecast.Forecast{Start: f.Start, Step: f.StepDuration(), Point: f.Points, Baseline: f.Baseline, Model: f.Model,
		Weights: f.Weights, Backtest: f.Backtest}
	for _, b := range f.Bands {
		out.Bands = append(out.Bands, forecast.Band{Level: b.Level, Lower: b.Lower, Upper: b.Upper})
	}
	for _, e := range f.Events {
		out.Events = append(out.Events, forecast.Contribution{ID: e.ID, Type: e.Type, Name: e.Name, Added: e.Added})
	}
	return out
}

// coarsen sums a fine forecast into steps of step, starting at its first interval on a step
// boundary (counted from the Unix epoch, so 15 minutes start on the quarter hour), at most n of
// them; a trailing partial step is dropped. Bands are summed (a conservative interval).
func coarsen(fc forecast.Forecast, step time.Duration, n int) forecast.Forecast {
	k := int(step / fc.Step)
	i0 := 0
	for i0 < len(fc.Point) && at(fc, i0).UnixNano()%int64(step) != 0 {
		i0++
	}
	m := min(n, (len(fc.Point)-i0)/k)
	if m <= 0 {
		return forecast.Forecast{Start: at(fc, i0), Step: step}
	}
	sum := func(vs []float64) []float64 {
		if len(vs) != len(fc.Point) {
			return nil
		}
		out := make([]float64, m)
		for j := range out {
			for _, v := range vs[i0+j*k : i0+(j+1)*k] {
				out[j] += v
			}
		}
		return out
	}
	out := forecast.Forecast{Start: at(fc, i0), Step: step, Point: sum(fc.Point), Baseline: sum(fc.Baseline), Model: fc.Model,
		Weights: fc.Weights, Backtest: fc.Backtest}
	for _, b := range fc.Bands {
		out.Bands = append(out.Bands, forecast.Band{Level: b.Level, Lower: sum(b.Lower), Upper: sum(b.Upper)})
	}
	// Events: the share of their contribution falling in the kept part.
	total, kept := 0.0, 0.0
	for i := range fc.Point {
		if len(fc.Baseline) == len(fc.Point) {
			d := fc.Point[i] - fc.Baseline[i]
			total += d
			if i >= i0 && i < i0+m*k {
				kept += d
			}
		}
	}
	for _, e := range fc.Events {
		if total != 0 {
			e.Added *= kept / total
		}
		if e.Added != 0 {
			out.Events = append(out.Events, e)
		}
	}
	return out
}
