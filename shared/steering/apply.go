package steering

// apply.go: Execute. Every strategy but one acts through the state the executors read
// (shared/steering/overlay: dispatch, the media edge and the bot read it where they read the
// queue's or the bot's configuration); CallIn acts here: its on-call users are notified on their
// WebSocket connections (shared/push), and the dispatch.strategy event reaches the tenant's
// webhooks (to page them elsewhere).

import (
	"context"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// TypeCallIn is the WebSocket message type of a call-in notification.
const TypeCallIn = "call_in"

// CallInMessage is what an on-call user's connections get when CallIn starts.
type CallInMessage struct {
	Type         string    `json:"type"` // "call_in"
	ActivationID string    `json:"activation_id"`
	Queue        string    `json:"queue"`
	Reason       string    `json:"reason"`
	GapAgents    float64   `json:"gap_agents"`
	Until        time.Time `json:"until"`
}

// apply notifies the on-call users of the CallIn activations res started. A failed push is logged:
// the activation stands and its event still reaches the tenant's webhooks.
func (e *Engine) apply(ctx context.Context, t tenant.ID, res runResult) {
	for _, a := range res.started {
		e.callIn(ctx, t, a, res.settings)
	}
}

// callIn notifies a CallIn activation's users (its params', else the settings' on-call list).
func (e *Engine) callIn(ctx context.Context, t tenant.ID, a strategy.Activation, set strategy.Settings) {
	if a.Strategy != strategy.CallIn || e.cfg.Push == nil {
		return
	}
	users := a.Params.Users
	if len(users) == 0 {
		users = set.OnCall
	}
	msg := CallInMessage{Type: TypeCallIn, ActivationID: a.ID, Queue: a.Queue, Reason: a.Reason, GapAgents: a.GapAgents, Until: a.Until}
	for _, u := range users {
		if err := e.cfg.Push.NotifyUser(ctx, t, u, msg); err != nil {
			e.cfg.Log.WarnContext(ctx, "steer: call-in notification failed", "tenant", t.String(), "activation_id", a.ID, "user", u, "err", err)
		}
	}
}
