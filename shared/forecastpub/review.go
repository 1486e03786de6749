package forecastpub

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// MinActual is the least actual volume of an interval that MAPE and attainment count (the
// issue's scoring protocol).
const MinActual = 10

// Review scores every forecast of t still due (published, not yet scored to its end) with more
// to score than at its last review (reviewUpTo: whole local days, whole months for the monthly
// product, a rolling forecast once it has ended), against the actuals: forecast.Score's metrics and
// forecast.ReviewForecast's attribution to events and anomalies, stored with the forecast and in
// its queue's accuracy history. A forecast scored to its end leaves the due list. It returns how
// many forecasts were scored; one forecast's failure is logged and the others go on.
func (p *Publisher) Review(ctx context.Context, t tenant.ID) (int, error) {
	cal, err := p.calendar(ctx, t)
	if err != nil {
		return 0, err
	}
	now := p.cfg.Now()
	qe := p.queueEvents(t) // a queue's events, read once for all its due forecasts
	n := 0
	for rec, err := range store.Records(ctx, p.cfg.DB, t, KindDue, "", store.PageRequest{Limit: 100}) {
		if err != nil {
			return n, fmt.Errorf("list the forecasts due for review of %s: %w", t, err)
		}
		var d dueItem
		if err := rec.Decode(&d); err != nil {
			return n, err
		}
		upTo := reviewUpTo(d, now, cal.Location)
		if !upTo.After(d.Start) || !upTo.After(d.Through) {
			continue // nothing new to score since the last review
		}
		final, err := p.reviewOne(ctx, t, d.ID, cal, qe, upTo)
		switch {
		case errors.Is(err, store.ErrNotFound):
			final = true // the forecast is gone (its time to keep passed)
		case err != nil:
			p.cfg.Log.WarnContext(ctx, "forecast: review failed", "tenant", t.String(), "forecast", d.ID, "err", err)
			continue
		default:
			n++
		}
		if final {
			if err := p.cfg.DB.Delete(ctx, t, rec.Key, rec.Version); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
				return n, fmt.Errorf("take %s off the review list: %w", d.ID, err)
			}
		} else {
			d.Through = upTo
			if _, err := p.cfg.DB.Put(ctx, t, rec.Key, d, rec.Version, store.WithTTL(d.End.Add(7*Day))); err != nil && !errors.Is(err, store.ErrConflict) {
				return n, fmt.Errorf("note the review of %s: %w", d.ID, err)
			}
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
	return n, nil
}

// reviewUpTo is how far a due forecast is scored at now: the whole local days passed (whole
// months for the monthly product), so a forecast is scored at most once a day however often the
// review runs; a rolling forecast once, when it has ended.
func reviewUpTo(d dueItem, now time.Time, loc *time.Location) time.Time {
	switch d.Product {
	case forecaststore.Rolling:
		if now.Before(d.End) {
			return time.Time{}
		}
		return d.End
	case forecaststore.Monthly:
		return forecast.Earlier(d.End, firstOfMonth(now, loc, 0))
	}
	return forecast.Earlier(d.End, midnight(now, loc))
}

// reviewOne scores forecast id against the actuals up to now (with its queue's events from qe);
// final says it was scored to its end.
func (p *Publisher) reviewOne(ctx context.Context, t tenant.ID, id string, cal forecast.Calendar, qe *queueEvents, now time.Time) (bool, error) {
	f, v, err := p.store.Get(ctx, t, id)
	if err != nil {
		return false, err
	}
	ch := events.Channel(f.Channel)
	if f.Step == forecaststore.StepMonth {
		return p.reviewMonthly(ctx, t, f, v, cal, now)
	}
	step := f.StepDuration()
	if step <= 0 || len(f.Points) == 0 {
		return true, nil
	}
	through := f.End
	if now.Before(through) {
		// The whole intervals up to now (the actuals of the current one are not complete).
		through = f.Start.Add(now.Sub(f.Start) / step * step)
	}
	k := int(through.Sub(f.Start) / step)
	if k <= 0 {
		return false, nil
	}
	actual, err := p.cfg.Counts.Series(ctx, t, f.Queue, ch, intervals.Offered, f.Start, through, step)
	if err != nil {
		return false, fmt.Errorf("read the actuals of %s: %w", id, err)
	}
	fc := Unstored(f)
	fc = truncate(fc, k)
	occ, err := qe.of(ctx, f.Queue)
	if err != nil {
		return false, err
	}
	m := forecast.Score(fc, actual, cal.Location, MinActual)
	rv := forecast.ReviewForecast(fc, actual, occ, cal)
	metrics := forecaststore.MetricsOf(m)
	f.Metrics = &metrics
	f.Review = reviewOf(rv, sum(actual.Values), through, now)
	if err := p.store.SaveReview(ctx, t, f, v); err != nil {
		return false, err
	}
	return !through.Before(f.End), nil
}

// reviewMonthly scores the monthly product on its whole months passed (its first month from its
// first day), from daily actuals: deviation, WAPE, MAPE and attainment over months; daily WAPE
// from the days.
func (p *Publisher) reviewMonthly(ctx context.Context, t tenant.ID, f forecaststore.Forecast, v int64, cal forecast.Calendar, now time.Time) (bool, error) {
	loc := cal.Location
	months := 0
	for months < len(f.Points) && !f.Time(months+1, loc).After(now) {
		months++
	}
	if months == 0 {
		return false, nil
	}
	through := f.Time(months, loc)
	days := int(through.Sub(f.Start).Round(time.Hour) / Day)
	actual, err := p.cfg.Counts.Series(ctx, t, f.Queue, events.Channel(f.Channel), intervals.Offered, f.Start, f.Start.Add(time.Duration(days)*Day), Day)
	if err != nil {
		return false, fmt.Errorf("read the actuals of %s: %w", f.ID, err)
	}
	var fs, as []float64
	for m := range months {
		a := 0.0
		from, to := f.Time(m, loc), f.Time(m+1, loc)
		for i, x := range actual.Values {
			if at := actual.Time(i); !at.Before(from) && at.Before(to) && !forecast.Missing(x) {
				a += x
			}
		}
		fs, as = append(fs, f.Points[m]), append(as, a)
	}
	m := monthMetrics(fs, as)
	f.Metrics = &m
	f.Review = &forecaststore.Review{Events: []forecaststore.EventDeviation{}, Anomalies: []forecaststore.Anomaly{},
		Unexplained: round2(sum(fs) - sum(as)), Actual: round2(sum(as)), Through: through, ReviewedAt: now.UTC()}
	if err := p.store.SaveReview(ctx, t, f, v); err != nil {
		return false, err
	}
	return months == len(f.Points), nil
}

// monthMetrics are the metrics of monthly sums (DailyWAPE is left 0: months are not days).
func monthMetrics(fs, as []float64) forecaststore.Metrics {
	var sf, sa, abs, mape float64
	within, counted := 0, 0
	for i := range fs {
		sf, sa, abs = sf+fs[i], sa+as[i], abs+math.Abs(fs[i]-as[i])
		if as[i] >= MinActual {
			counted++
			e := math.Abs(fs[i]-as[i]) / as[i]
			mape += e
			if e <= 0.1 {
				within++
			}
		}
	}
	m := forecaststore.Metrics{Intervals: len(fs)}
	if sa > 0 {
		m.Deviation, m.WAPE = round2(100*(sf-sa)/sa), round2(100*abs/sa)
	}
	if counted > 0 {
		m.MAPE, m.Attainment = round2(100*mape/float64(counted)), round2(100*float64(within)/float64(counted))
	}
	return m
}

func reviewOf(rv forecast.Review, actual float64, through, now time.Time) *forecaststore.Review {
	out := &forecaststore.Review{Events: []forecaststore.EventDeviation{}, Anomalies: []forecaststore.Anomaly{},
		Unexplained: round2(rv.Unexplained), Actual: round2(actual), Through: through.UTC(), ReviewedAt: now.UTC()}
	for _, e := range rv.Events {
		out.Events = append(out.Events, forecaststore.EventDeviation{ID: e.ID, Type: e.Type, Name: e.Name, Forecast: round2(e.Forecast), Actual: round2(e.Actual)})
	}
	for _, a := range rv.Anomalies {
		out.Anomalies = append(out.Anomalies, forecaststore.Anomaly{Start: a.Start.UTC(), End: a.End.UTC(), Expected: round2(a.Expected), Actual: round2(a.Actual)})
	}
	return out
}

// truncate keeps fc's first k intervals.
func truncate(fc forecast.Forecast, k int) forecast.Forecast {
	cut := func(vs []float64) []float64 {
		if len(vs) > k {
			return vs[:k]
		}
		return vs
	}
	fc.Point, fc.Baseline = cut(fc.Point), cut(fc.Baseline)
	bands := make([]forecast.Band, len(fc.Bands))
	for i, b := range fc.Bands {
		bands[i] = forecast.Band{Level: b.Level, Lower: cut(b.Lower), Upper: cut(b.Upper)}
	}
	fc.Bands = bands
	return fc
}

func sum(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		if !forecast.Missing(v) {
			s += v
		}
	}
	return s
}

func round2(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*100) / 100
}
