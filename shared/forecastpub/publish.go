package forecastpub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// KindDue lists the forecasts still to be scored (small items: the review reads these, not the
// forecasts' points): id = the forecast's id.
const KindDue = "forecast-due"

// dueItem is a forecast still to be scored.
type dueItem struct {
	ID      string                `dynamodbav:"id"`
	Product forecaststore.Product `dynamodbav:"product"`
	Start   time.Time             `dynamodbav:"start"`
	End     time.Time             `dynamodbav:"end"`
	Through time.Time             `dynamodbav:"through"` // scored up to here (zero: not yet)
}

// publishOne stores fc as product pr of a series, moves the series' latest pointer to it and
// commits its forecast.published event with it. A lost race on the pointer (another publish of
// the same series and product) is tried again once on the new pointer.
func (p *Publisher) publishOne(ctx context.Context, t tenant.ID, ref intervals.SeriesRef, pr forecaststore.Product,
	fc forecast.Forecast, step string, end, now time.Time) (forecaststore.Forecast, error) {
	f := forecaststore.FromForecast(forecaststore.NewID(now), ref.Queue, string(ref.Channel), pr, fc, step, end, now)
	data := events.ForecastPublished{ForecastID: f.ID, Queue: f.Queue, Channel: ref.Channel, Product: events.ForecastProduct(pr),
		Start: f.Start, End: f.End, Step: f.Step, Total: f.Total, Model: f.Model, Events: []events.ForecastEvent{}}
	if data.Model == "" {
		data.Model = "unknown"
	}
	for _, e := range f.Events {
		data.Events = append(data.Events, events.ForecastEvent{ID: e.ID, Type: events.CalendarEventType(e.Type), Name: e.Name, Added: e.Added})
	}
	ev, err := events.New(t, events.TypeForecastPublished, f.ID, p.cfg.Source, data)
	if err != nil {
		return forecaststore.Forecast{}, fmt.Errorf("forecast.published of %s: %w", f.ID, err)
	}
	for attempt := 0; ; attempt++ {
		prev, v, err := p.store.Latest(ctx, t, f.Queue, f.Channel, pr)
		if err != nil {
			return forecaststore.Forecast{}, err
		}
		ops := forecaststore.PublishOps(t, f, v)
		if scored(pr, f, prev, v, now) {
			ops = append(ops, store.CreateOp(t, store.Key{Kind: KindDue, ID: f.ID},
				dueItem{ID: f.ID, Product: pr, Start: f.Start, End: f.End}, store.WithTTL(f.End.Add(7*Day))))
		}
		err = p.cfg.Commit.Commit(ctx, ops, ev)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, store.ErrConflict) || attempt > 0 {
			return forecaststore.Forecast{}, fmt.Errorf("publish %s forecast of %s/%s: %w", pr, f.Queue, f.Channel, err)
		}
	}
}

// scored says whether forecast f, published at now over the series' latest prev (version v; 0:
// none), is to be scored: rolling forecasts once an hour's worth (the one published in each
// hour's first five minutes); monthly ones once a month (the first published for its start
// month: each reads up to a year of actuals, so scoring every day's would cost the square of the
// days); the others all.
func scored(pr forecaststore.Product, f forecaststore.Forecast, prev forecaststore.Latest, v int64, now time.Time) bool {
	switch pr {
	case forecaststore.Rolling:
		return now.Minute() < 5
	case forecaststore.Monthly:
		return v == 0 || !prev.Start.Equal(f.Start)
	}
	return true
}
