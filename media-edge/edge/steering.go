package edge

import (
	"context"
	"time"

	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// engineSteering fits the dispatch engine's active set (shared/steering/overlay, written by
// shared/steering) and the tenant's time zone (its forecast calendar's) to the call's Steering.
type engineSteering struct {
	db  overlay.Getter
	cal *forecastcal.Cal
	now func() time.Time
}

var _ call.Steering = engineSteering{}

// Queue reads the strategies in force for queue now; the time zone only when a callback is
// offered (UTC when the calendar cannot say).
func (s engineSteering) Queue(ctx context.Context, t tenant.ID, queue string) (call.QueueSteering, error) {
	st, _, err := overlay.Read(ctx, s.db, t)
	if err != nil {
		return call.QueueSteering{}, err
	}
	qs := steeringOf(st, queue, s.now())
	if qs.Callback != nil && s.cal != nil {
		qs.Location = time.UTC
		if set, _, err := s.cal.Settings(ctx, t); err == nil {
			if loc, err := set.Location(); err == nil {
				qs.Location = loc
			}
		}
	}
	return qs, nil
}

// steeringOf is what a call joining queue at now executes of the activations in force: the
// expected wait (AnnounceWait with a wait to tell), the divert share and link, the callback offer.
func steeringOf(st overlay.State, queue string, now time.Time) call.QueueSteering {
	var qs call.QueueSteering
	if a, ok := st.For(queue, strategy.AnnounceWait, now); ok && a.Params.ExpectedWaitSeconds > 0 {
		qs.ExpectedWait = time.Duration(a.Params.ExpectedWaitSeconds) * time.Second
	}
	if a, ok := st.For(queue, strategy.Divert, now); ok && a.Params.DivertShare > 0 {
		qs.Divert = &call.DivertOffer{ActivationID: a.ID, Share: min(a.Params.DivertShare, 1), Link: a.Params.DivertLink}
	}
	if a, ok := st.For(queue, strategy.Callback, now); ok {
		qs.Callback = &call.CallbackOffer{ActivationID: a.ID,
			After:   time.Duration(max(a.Params.CallbackAfterSeconds, 0)) * time.Second,
			Promise: time.Duration(max(a.Params.PromiseMinutes, 0)) * time.Minute}
	}
	return qs
}
