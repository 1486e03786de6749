package voc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// QueueForecast gives the contacts a queue is forecast to be offered in the 5-minute interval
// starting at at (its channels summed); ok is false where it has no forecast. RollingForecasts is
// one, over the forecasting hub's rolling product.
type QueueForecast interface {
	Expected(ctx context.Context, t tenant.ID, queue string, at time.Time) (n float64, ok bool, err error)
}

// RollingForecasts reads the forecasting hub's latest rolling forecasts (shared/forecaststore).
type RollingForecasts struct{ S *forecaststore.Store }

// Expected sums the queue's chat and voice rolling forecasts over [at, at+Step), scaled from the
// forecast's step to 5 minutes.
func (r RollingForecasts) Expected(ctx context.Context, t tenant.ID, queue string, at time.Time) (float64, bool, error) {
	var sum float64
	found := false
	for _, ch := range []events.Channel{events.ChannelChat, events.ChannelVoice} {
		f, err := r.S.LatestForecast(ctx, t, queue, string(ch), forecaststore.Rolling)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return 0, false, fmt.Errorf("rolling forecast of %s/%s for %s: %w", queue, ch, t, err)
		}
		step, err := forecaststore.ParseStep(f.Step)
		if err != nil || step <= 0 || at.Before(f.Start) {
			continue
		}
		i := int(at.Sub(f.Start) / step)
		if i >= len(f.Points) {
			continue
		}
		sum += f.Points[i] * float64(Step) / float64(step)
		found = true
	}
	return sum, found, nil
}

// ForecastRatio is how far above a queue's forecast its count must be to alert: a rise the
// forecast expected (a campaign, a billing day) is not a spike.
const ForecastRatio = 3.0
