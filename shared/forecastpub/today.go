package forecastpub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// QuarterHour is the step of the day's forecast the wallboard draws beside its arrivals.
const QuarterHour = 15 * time.Minute

// Point is one interval of the day's forecast.
type Point struct {
	Start    time.Time `json:"start"`
	Contacts float64   `json:"contacts"`
}

// Today is the tenant's forecast of contacts offered to its queues today, per 15 minutes from
// local midnight to the next (96 intervals; 92 or 100 on a day the clocks change): per series (every queue but AllQueues) its latest scheduling
// forecast spread evenly over the quarter hours, replaced where its latest rolling forecast covers
// a quarter hour whole; summed over the series. Empty when nothing is published.
func (p *Publisher) Today(ctx context.Context, t tenant.ID) ([]Point, error) {
	cal, err := p.calendar(ctx, t)
	if err != nil {
		return nil, err
	}
	refs, err := p.cfg.Counts.Refs(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("list the series of %s: %w", t, err)
	}
	day, n := quarterHours(p.cfg.Now(), cal.Location)
	total := make([]float64, n)
	any := false
	for _, ref := range refs {
		if ref.Queue == intervals.AllQueues {
			continue
		}
		curve := make([]float64, n)
		covered := false
		for _, pr := range []forecaststore.Product{forecaststore.Scheduling, forecaststore.Rolling} {
			f, err := p.store.LatestForecast(ctx, t, ref.Queue, string(ref.Channel), pr)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			step := f.StepDuration()
			if step <= 0 {
				continue
			}
			spread(curve, f, day, step, pr == forecaststore.Rolling)
			covered = true
		}
		if covered {
			any = true
			for i := range total {
				total[i] += curve[i]
			}
		}
	}
	if !any {
		return []Point{}, nil
	}
	out := make([]Point, n)
	for i := range out {
		out[i] = Point{Start: day.Add(time.Duration(i) * QuarterHour).UTC(), Contacts: round2(total[i])}
	}
	return out, nil
}

// spread adds forecast f's intervals to the day's quarter hours by overlap; with replace, a
// quarter hour that f covers whole takes f's share instead of what it had.
func spread(curve []float64, f forecaststore.Forecast, day time.Time, step time.Duration, replace bool) {
	add := make([]float64, len(curve))
	whole := make([]time.Duration, len(curve))
	for i, v := range f.Points {
		a := f.Start.Add(time.Duration(i) * step)
		b := a.Add(step)
		for q := max(0, int(a.Sub(day)/QuarterHour)); q < len(curve); q++ {
			qa := day.Add(time.Duration(q) * QuarterHour)
			qb := qa.Add(QuarterHour)
			if !qa.Before(b) {
				break
			}
			lo, hi := forecast.Later(a, qa), forecast.Earlier(b, qb)
			if hi.After(lo) {
				add[q] += v * float64(hi.Sub(lo)) / float64(step)
				whole[q] += hi.Sub(lo)
			}
		}
	}
	for q := range curve {
		switch {
		case !replace:
			curve[q] += add[q]
		case whole[q] == QuarterHour:
			curve[q] = add[q]
		}
	}
}

// quarterHours returns the local midnight starting now's day in loc and how many quarter hours
// run from it to the next local midnight (92, 96 or 100).
func quarterHours(now time.Time, loc *time.Location) (time.Time, int) {
	day := midnight(now, loc)
	y, m, d := day.Date()
	next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	return day, int(next.Sub(day) / QuarterHour)
}
