package forecastpub

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Shapes of the products (docs/forecasting.md).
const (
	Day             = 24 * time.Hour
	DailyDays       = 31      // daily: today and the 30 days after
	DailyHistory    = 2 * 366 // days of history read for the daily models (at most)
	SchedulingStep  = 30 * time.Minute
	SchedulingDays  = 31 // scheduling: 30-minute intervals from today, 31 days
	SchedulingWeeks = 12 // weeks of history for the 30-minute models
	MonthlyMonths   = 12 // monthly: this month and the 11 after
	minHistoryDays  = 1  // a series needs at least a day of data
)

// midnight is the start of t's day in loc.
func midnight(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// firstOfMonth is the first of t's month in loc, plus months.
func firstOfMonth(t time.Time, loc *time.Location, months int) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month()+time.Month(months), 1, 0, 0, 0, 0, loc)
}

// due reports whether product pr of a series needs publishing at now: when its latest forecast
// is from before the tenant's current day (or there is none).
func (p *Publisher) due(ctx context.Context, t tenant.ID, ref intervals.SeriesRef, pr forecaststore.Product, now time.Time, loc *time.Location) (bool, error) {
	l, v, err := p.store.Latest(ctx, t, ref.Queue, string(ref.Channel), pr)
	if err != nil {
		return false, err
	}
	return v == 0 || l.PublishedAt.Before(midnight(now, loc)), nil
}

// publishSeries makes and publishes the products of one series, within the series' bound, with its
// queue's events from qe.
func (p *Publisher) publishSeries(ctx context.Context, t tenant.ID, ref intervals.SeriesRef, cal forecast.Calendar, qe *queueEvents,
	products []forecaststore.Product, force bool) ([]forecaststore.Forecast, []SeriesError) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.SeriesTimeout)
	defer cancel()
	now := p.cfg.Now()
	loc := cal.Location
	fail := func(pr forecaststore.Product, err error) SeriesError {
		return SeriesError{Queue: ref.Queue, Channel: string(ref.Channel), Product: string(pr), Err: err}
	}
	want := map[forecaststore.Product]bool{}
	var failed []SeriesError
	for _, pr := range products {
		if force {
			want[pr] = true
			continue
		}
		ok, err := p.due(ctx, t, ref, pr, now, loc)
		if err != nil {
			failed = append(failed, fail(pr, err))
			continue
		}
		want[pr] = ok
	}
	occ, err := qe.of(ctx, ref.Queue)
	if err != nil {
		return nil, append(failed, fail("", err))
	}
	opt := forecast.Options{Calendar: cal, Events: occ}
	today := midnight(now, loc)
	var out []forecaststore.Forecast
	publish := func(pr forecaststore.Product, fc forecast.Forecast, step string, end time.Time) {
		f, err := p.publishOne(ctx, t, ref, pr, fc, step, end, now)
		if err != nil {
			failed = append(failed, fail(pr, err))
			return
		}
		out = append(out, f)
	}

	if want[forecaststore.Daily] || want[forecaststore.Monthly] || want[forecaststore.Hiring] {
		end := firstOfMonth(now, loc, MonthlyMonths) // the monthly product's end: ≤ 366 days from today
		days := int(end.Sub(today).Round(time.Hour) / Day)
		fc, actualMonth, err := p.dailyForecast(ctx, t, ref, today, days, opt)
		if err != nil {
			for _, pr := range []forecaststore.Product{forecaststore.Daily, forecaststore.Monthly, forecaststore.Hiring} {
				if want[pr] {
					failed = append(failed, fail(pr, err))
				}
			}
		} else {
			if want[forecaststore.Daily] {
				d := slice(fc, 0, min(DailyDays, len(fc.Point)), occ)
				publish(forecaststore.Daily, d, "1d", d.Start.Add(time.Duration(len(d.Point))*Day))
			}
			if want[forecaststore.Hiring] {
				from, to := firstOfMonth(now, loc, 1), firstOfMonth(now, loc, 3)
				i, j := dayIndex(today, from), dayIndex(today, to)
				if i < j && j <= len(fc.Point) {
					h := slice(fc, i, j, occ)
					h.Start = from
					publish(forecaststore.Hiring, h, "1d", to)
				}
			}
			if want[forecaststore.Monthly] {
				publish(forecaststore.Monthly, monthly(fc, today, loc, actualMonth, occ), forecaststore.StepMonth, end)
			}
		}
	}
	if want[forecaststore.Scheduling] {
		fc, err := p.intradayForecast(ctx, t, ref, today, SchedulingStep, SchedulingWeeks*7, SchedulingDays*int(Day/SchedulingStep), opt)
		if err != nil {
			failed = append(failed, fail(forecaststore.Scheduling, err))
		} else {
			publish(forecaststore.Scheduling, fc, forecaststore.FormatStep(SchedulingStep), fc.Start.Add(time.Duration(len(fc.Point))*SchedulingStep))
		}
	}
	if want[forecaststore.Rolling] {
		settings, _, err := p.store.Settings(ctx, t)
		var f forecaststore.Forecast
		if err == nil {
			f, err = p.rollingSeries(ctx, t, ref, cal, occ, settings, now)
		}
		if err != nil {
			failed = append(failed, fail(forecaststore.Rolling, err))
		} else {
			out = append(out, f)
		}
	}
	return out, failed
}

// dayIndex is how many days after today t is (both local midnights; DST-safe).
func dayIndex(today, t time.Time) int {
	return int(t.Sub(today).Round(time.Hour*24) / Day)
}

// readHistory reads the offered counts of a series over [from, to) at step, dropping the missing
// stretch before the first observed interval; an error when less than a day is observed.
func (p *Publisher) readHistory(ctx context.Context, t tenant.ID, ref intervals.SeriesRef, from, to time.Time, step time.Duration) (forecast.Series, error) {
	s, err := p.cfg.Counts.Series(ctx, t, ref.Queue, ref.Channel, intervals.Offered, from, to, step)
	if err != nil {
		return forecast.Series{}, fmt.Errorf("read the history of %s/%s: %w", ref.Queue, ref.Channel, err)
	}
	first := slices.IndexFunc(s.Values, func(v float64) bool { return !forecast.Missing(v) })
	observed := 0
	for _, v := range s.Values {
		if !forecast.Missing(v) {
			observed++
		}
	}
	if first < 0 || time.Duration(observed)*step < minHistoryDays*Day {
		return forecast.Series{}, fmt.Errorf("the history of %s/%s has less than a day of data", ref.Queue, ref.Channel)
	}
	s.Start = s.Time(first)
	s.Values = s.Values[first:]
	return s, nil
}

// dailyForecast forecasts days daily volumes from today, from up to two years of daily history
// (the local days before today); actualMonth is the volume of this month's days before today.
// Days are 24 hours from local midnight (a DST change shifts the day boundary by its hour).
func (p *Publisher) dailyForecast(ctx context.Context, t tenant.ID, ref intervals.SeriesRef, today time.Time, days int, opt forecast.Options) (forecast.Forecast, float64, error) {
	hist, err := p.readHistory(ctx, t, ref, today.Add(-DailyHistory*Day), today, Day)
	if err != nil {
		return forecast.Forecast{}, 0, err
	}
	fc, err := forecast.Predict(ctx, hist, days, opt)
	if err != nil {
		return forecast.Forecast{}, 0, fmt.Errorf("daily forecast of %s/%s: %w", ref.Queue, ref.Channel, err)
	}
	monthStart := firstOfMonth(today, opt.Calendar.Location, 0)
	actual := 0.0
	for i, v := range hist.Values {
		if !hist.Time(i).Before(monthStart) && !forecast.Missing(v) {
			actual += v
		}
	}
	return fc, actual, nil
}

// intradayForecast forecasts n intervals of step from today, from the days of history before it.
func (p *Publisher) intradayForecast(ctx context.Context, t tenant.ID, ref intervals.SeriesRef, today time.Time, step time.Duration, historyDays, n int, opt forecast.Options) (forecast.Forecast, error) {
	hist, err := p.readHistory(ctx, t, ref, today.Add(-time.Duration(historyDays)*Day), today, step)
	if err != nil {
		return forecast.Forecast{}, err
	}
	fc, err := forecast.Predict(ctx, hist, n, opt)
	if err != nil {
		return forecast.Forecast{}, fmt.Errorf("%v forecast of %s/%s: %w", step, ref.Queue, ref.Channel, err)
	}
	return fc, nil
}

// slice is fc's intervals [i, j); each event's contribution is recounted over them: the uplift
// (point − baseline) of the intervals inside its windows, shared equally where windows overlap.
func slice(fc forecast.Forecast, i, j int, occ []forecast.Occurrence) forecast.Forecast {
	out := forecast.Forecast{Start: at(fc, i), Step: fc.Step, Point: fc.Point[i:j], Model: fc.Model, Weights: fc.Weights, Backtest: fc.Backtest}
	if len(fc.Baseline) >= j {
		out.Baseline = fc.Baseline[i:j]
	}
	for _, b := range fc.Bands {
		if len(b.Lower) >= j && len(b.Upper) >= j {
			out.Bands = append(out.Bands, forecast.Band{Level: b.Level, Lower: b.Lower[i:j], Upper: b.Upper[i:j]})
		}
	}
	out.Events = recount(out, fc.Events, occ)
	return out
}

// recount shares fc's uplift (point − baseline) out to the events in contrib by their windows.
func recount(fc forecast.Forecast, contrib []forecast.Contribution, occ []forecast.Occurrence) []forecast.Contribution {
	if len(contrib) == 0 || len(fc.Baseline) != len(fc.Point) {
		return nil
	}
	added := make([]float64, len(contrib))
	for k := range fc.Point {
		start, end := at(fc, k), at(fc, k+1)
		var in []int
		for ci, c := range contrib {
			for _, o := range occ {
				if o.ID == c.ID && o.Start.Before(end) && o.End.After(start) {
					in = append(in, ci)
					break
				}
			}
		}
		for _, ci := range in {
			added[ci] += (fc.Point[k] - fc.Baseline[k]) / float64(len(in))
		}
	}
	var out []forecast.Contribution
	for ci, c := range contrib {
		if added[ci] != 0 {
			c.Added = added[ci]
			out = append(out, c)
		}
	}
	return out
}

// monthly sums a daily forecast from today into calendar months, from this month's first (its
// days before today count as actualMonth) through MonthlyMonths months. Bands are the sums of
// the daily bands (wider than a month's true interval: documented).
func monthly(fc forecast.Forecast, today time.Time, loc *time.Location, actualMonth float64, occ []forecast.Occurrence) forecast.Forecast {
	start := firstOfMonth(today, loc, 0)
	out := forecast.Forecast{Start: start, Step: 0, Model: fc.Model, Weights: fc.Weights, Backtest: fc.Backtest,
		Point: make([]float64, MonthlyMonths), Baseline: make([]float64, MonthlyMonths)}
	out.Point[0], out.Baseline[0] = actualMonth, actualMonth
	for _, b := range fc.Bands {
		nb := forecast.Band{Level: b.Level, Lower: make([]float64, MonthlyMonths), Upper: make([]float64, MonthlyMonths)}
		nb.Lower[0], nb.Upper[0] = actualMonth, actualMonth
		out.Bands = append(out.Bands, nb)
	}
	for i := range fc.Point {
		day := today.AddDate(0, 0, i)
		m := (day.Year()-start.Year())*12 + int(day.Month()-start.Month())
		if m < 0 || m >= MonthlyMonths {
			continue
		}
		out.Point[m] += fc.Point[i]
		if len(fc.Baseline) == len(fc.Point) {
			out.Baseline[m] += fc.Baseline[i]
		}
		for bi, b := range fc.Bands {
			if len(b.Lower) == len(fc.Point) {
				out.Bands[bi].Lower[m] += b.Lower[i]
				out.Bands[bi].Upper[m] += b.Upper[i]
			}
		}
	}
	out.Events = recount(forecast.Forecast{Start: fc.Start, Step: fc.Step, Point: fc.Point, Baseline: fc.Baseline}, fc.Events, occ)
	if len(fc.Baseline) != len(fc.Point) {
		out.Baseline = nil // no baseline to sum: the item's baseline is its points
	}
	return out
}

// at is the start of fc's interval i.
func at(fc forecast.Forecast, i int) time.Time { return fc.Start.Add(time.Duration(i) * fc.Step) }
