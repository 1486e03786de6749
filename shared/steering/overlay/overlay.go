// Package overlay is the dispatch engine's active set as the executors read it: one store item per
// tenant (kind "dispatch-state", id "current") that shared/steering writes after every decision and
// override, holding the activations in force. The dispatch function (overflow, callbacks, moving
// agents), the media edge (announcements, divert, callback offers) and the chat bot (bot first,
// the expected wait) read it where they already read the queue's or the bot's configuration; the
// admin's configuration is never rewritten, so withdrawing a strategy is removing it from here.
package overlay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Kind is the store kind of the state item; Key its key.
const Kind = "dispatch-state"

// Key is the tenant's one state item.
var Key = store.Key{Kind: Kind, ID: "current"}

// State is the engine's state for a tenant: what is in force, the hysteresis memory and the last
// decision's explanation.
type State struct {
	// Active are the activations in force (engine and overrides), each until its Until.
	Active []strategy.Activation `dynamodbav:"active" json:"active"`
	// Memory is the hysteresis memory the next decision starts from.
	Memory strategy.Memory `dynamodbav:"memory" json:"memory"`
	// LastDecision is the id of the last decision (GET /v1/dispatch/decisions/{id}); LastAt when
	// it was made.
	LastDecision string    `dynamodbav:"last_decision" json:"last_decision"`
	LastAt       time.Time `dynamodbav:"last_at" json:"last_at"`
	// Queues is the last decision's explanation per queue (the gap seen, the options, the choice).
	Queues []strategy.QueueDecision `dynamodbav:"queues" json:"queues"`
}

// Getter reads items; *store.Store is one.
type Getter interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
}

var _ Getter = (*store.Store)(nil)

// Read returns t's state and its item's version (0 and an empty state when the engine has never
// decided for t).
func Read(ctx context.Context, db Getter, t tenant.ID) (State, int64, error) {
	var s State
	ver, err := db.Get(ctx, t, Key, &s)
	if errors.Is(err, store.ErrNotFound) {
		return State{}, 0, nil
	}
	if err != nil {
		return State{}, 0, fmt.Errorf("overlay: read the dispatch state: %w", err)
	}
	return s, ver, nil
}

// For returns the activation of strategy k on queue in force at now, if any.
func (s State) For(queue string, k strategy.Kind, now time.Time) (strategy.Activation, bool) {
	for _, a := range s.Active {
		if a.Queue == queue && a.Strategy == k && now.Before(a.Until) {
			return a, true
		}
	}
	return strategy.Activation{}, false
}

// InForce returns the activations in force at now (those not lapsed).
func (s State) InForce(now time.Time) []strategy.Activation {
	var out []strategy.Activation
	for _, a := range s.Active {
		if now.Before(a.Until) {
			out = append(out, a)
		}
	}
	return out
}
