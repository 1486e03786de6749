package steering

// overrides.go: a supervisor's overrides. PutOverride applies at once: the state the executors
// read changes in the same transaction that keeps the override and emits its events. On forces the
// strategy for the queue (an engine activation of it is replaced); off withdraws an engine
// activation of it. The override then sticks until its Until or until deleted: every later
// decision is told the overrides in force (Decide keeps to them), and a decision that read the
// state before an override was applied cannot commit over it (the state is written at the version
// read; a lost race decides again).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/randid"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Override limits.
const (
	// MaxOverride is the longest an override lasts.
	MaxOverride = 24 * time.Hour
	// MaxOverrides is the most overrides a tenant has in force at once.
	MaxOverrides = 200
	// overrideTries bounds the attempts of an override whose state write lost a race.
	overrideTries = 5
)

// ErrInvalid is an override or settings the engine refuses (an *httpapi.Error of kind validation
// carries the fields).
var ErrInvalid = errors.New("steering: invalid")

// checkOverride lists what is wrong with o at now.
func checkOverride(o strategy.Override, now time.Time) []httpapi.FieldError {
	var fe []httpapi.FieldError
	bad := func(field, reason string) { fe = append(fe, httpapi.FieldError{Field: field, Reason: reason}) }
	if o.Queue == "" || len(o.Queue) > 128 {
		bad("/queue", "must be a queue id")
	}
	if !strategy.Known(o.Strategy) {
		bad("/strategy", "must be one of the catalog's strategies")
	}
	if !o.Until.After(now) || o.Until.Sub(now) > MaxOverride {
		bad("/until", "must be in the next 24 hours")
	}
	if o.By == "" {
		bad("/by", "must name the supervisor")
	}
	if utf8.RuneCountInString(o.Reason) > strategy.MaxOverrideReason {
		bad("/reason", fmt.Sprintf("must be at most %d characters", strategy.MaxOverrideReason))
	}
	if o.Params != nil {
		fe = append(fe, o.Params.Check("/params")...)
	}
	return fe
}

// PutOverride records o and applies it at once; o.ID and o.Created are filled when empty. It
// replaces the tenant's earlier overrides of the same queue and strategy (deleted, their
// activation withdrawn). It returns the override as kept. A bad override is an *httpapi.Error of kind validation.
func (e *Engine) PutOverride(ctx context.Context, t tenant.ID, o strategy.Override) (strategy.Override, error) {
	now := e.now()
	if o.ID == "" {
		o.ID = randid.New("ovr", 16)
	}
	if o.Created.IsZero() {
		o.Created = now
	}
	if fe := checkOverride(o, now); len(fe) > 0 {
		return strategy.Override{}, fmt.Errorf("%w: %w", ErrInvalid, httpapi.Invalid(fe...))
	}
	set, err := e.Settings(ctx, t)
	if err != nil {
		return strategy.Override{}, err
	}
	var on *forcedOn
	if o.On {
		on, err = e.forced(ctx, t, o, set, now)
		if err != nil {
			return strategy.Override{}, err
		}
	}
	var started *strategy.Activation
	for try := 0; ; try++ {
		started, err = e.applyOverride(ctx, t, o, on, now)
		if err == nil || !errors.Is(err, store.ErrConflict) || try+1 == overrideTries {
			break
		}
	}
	if err != nil {
		return strategy.Override{}, fmt.Errorf("override %s of %s: %w", o.ID, t, err)
	}
	if started != nil {
		e.callIn(ctx, t, *started, set)
	}
	return o, nil
}

// forcedOn is what an on override's activation starts from: its params and the queue's counters.
type forcedOn struct {
	params strategy.Params
	ob     strategy.Observation
	start  Snapshot
}

// forced perceives the queue of an on override: its params are its own, else the strategy's
// defaults for the queue as perceived now; the counters are its judgement's start.
func (e *Engine) forced(ctx context.Context, t tenant.ID, o strategy.Override, set strategy.Settings, now time.Time) (*forcedOn, error) {
	seen, err := e.perceive(ctx, t, now, set)
	if err != nil {
		return nil, err
	}
	f := &forcedOn{ob: strategy.Observation{Queue: o.Queue}, start: seen.snaps[o.Queue]}
	for _, q := range seen.obs {
		if q.Queue == o.Queue {
			f.ob = q
		}
	}
	if o.Params != nil {
		f.params = *o.Params
	} else {
		f.params = strategy.DefaultParams(o.Strategy, set, f.ob)
	}
	return f, nil
}

// applyOverride writes o with the state it makes, in one transaction, and returns the activation
// an on override started.
func (e *Engine) applyOverride(ctx context.Context, t tenant.ID, o strategy.Override, on *forcedOn, now time.Time) (*strategy.Activation, error) {
	st, ver, err := overlay.Read(ctx, e.db, t)
	if err != nil {
		return nil, err
	}
	who := "the supervisor " + o.By
	why := ""
	if o.Reason != "" {
		why = ": " + strings.TrimSuffix(o.Reason, ".")
	}
	ops := []store.Op{store.CreateOp(t, overrideKey(o.ID), o, store.WithTTL(o.Until.Add(OverrideKeep)))}
	// The newest order for a queue's strategy replaces the older ones: they end here. The same
	// listing counts those in force against MaxOverrides.
	inForce := 0
	for rec, err := range store.Records(ctx, e.db, t, KindOverride, "", store.PageRequest{Limit: store.MaxLimit}) {
		if err != nil {
			return nil, fmt.Errorf("read the overrides: %w", err)
		}
		var old strategy.Override
		if err := rec.Decode(&old); err != nil {
			return nil, fmt.Errorf("read the overrides: %w", err)
		}
		if now.Before(old.Until) {
			inForce++
		}
		if old.ID != o.ID && old.Queue == o.Queue && old.Strategy == o.Strategy {
			ops = append(ops, store.DeleteOp(t, overrideKey(old.ID), rec.Version))
		}
	}
	if inForce >= MaxOverrides {
		return nil, httpapi.Errorf(httpapi.KindConflict, "at most %d overrides are kept; delete some", MaxOverrides)
	}
	var evs []events.Envelope
	keep := make([]strategy.Activation, 0, len(st.Active))
	for _, a := range st.Active {
		if a.Queue != o.Queue || a.Strategy != o.Strategy || !now.Before(a.Until) {
			keep = append(keep, a)
			continue
		}
		reason := fmt.Sprintf("Overridden off by %s%s.", who, why)
		if o.On {
			reason = fmt.Sprintf("Replaced by %s's override%s.", who, why)
		}
		wops, ev, err := e.withdrawOps(ctx, t, a, reason, now, o.ID)
		if err != nil {
			return nil, err
		}
		ops = append(ops, wops...)
		evs = append(evs, ev)
	}
	var started *strategy.Activation
	if o.On {
		id := strategy.ActivationID(strategy.DecisionID(now), o.Queue, o.Strategy)
		if slices.ContainsFunc(st.Active, func(a strategy.Activation) bool { return a.ID == id }) {
			id += "-" + o.ID
		}
		a := strategy.Activation{ID: id, Queue: o.Queue, Strategy: o.Strategy, Params: on.params, Source: strategy.ByOverride,
			OverrideID: o.ID, Since: now, Until: o.Until, Reason: fmt.Sprintf("Overridden on by %s%s.", who, why)}
		for _, q := range st.Queues {
			if q.Queue == o.Queue {
				a.GapAgents = q.Gap.Projected
			}
		}
		a.Context = strategy.ContextOf(on.ob, a.GapAgents)
		keep = append(keep, a)
		ops = append(ops, store.CreateOp(t, activationKey(a.ID), ActivationRecord{Activation: a, Start: on.start}, store.WithTTL(now.Add(ActivationKeep))))
		ev, err := strategyEvent(t, a, events.StrategyOverridden, a.Reason, false)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
		started = &a
	}
	st.Active = keep
	ops = append(ops, store.PutOp(t, overlay.Key, st, ver))
	if err := e.cfg.Commit.Commit(ctx, ops, evs...); err != nil {
		return nil, err
	}
	return started, nil
}

// withdrawOps are the writes of withdrawing a (its record marked) and its event, which names the
// override that did it (overrideID; "" for none).
func (e *Engine) withdrawOps(ctx context.Context, t tenant.ID, a strategy.Activation, reason string, now time.Time, overrideID string) ([]store.Op, events.Envelope, error) {
	var ops []store.Op
	var rec ActivationRecord
	rv, err := e.db.Get(ctx, t, activationKey(a.ID), &rec)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, events.Envelope{}, fmt.Errorf("read activation %s: %w", a.ID, err)
	case rec.WithdrawnAt == nil:
		at := now
		rec.WithdrawnAt, rec.WithdrawReason, rec.Until = &at, reason, now
		ops = append(ops, store.PutOp(t, activationKey(a.ID), rec, rv, store.WithTTL(rec.Since.Add(ActivationKeep))))
	}
	if overrideID != "" {
		a.OverrideID = overrideID
	}
	ev, err := strategyEvent(t, a, events.StrategyWithdrawn, reason, true)
	return ops, ev, err
}

// DeleteOverride ends override id at once: an activation it forced on is withdrawn; what it kept
// off may be decided again from the next minute. store.ErrNotFound when there is none.
func (e *Engine) DeleteOverride(ctx context.Context, t tenant.ID, id string) error {
	var err error
	for try := 0; try < overrideTries; try++ {
		if err = e.deleteOverride(ctx, t, id); err == nil || !errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("delete override %s of %s: %w", id, t, err)
	}
	return nil
}

func (e *Engine) deleteOverride(ctx context.Context, t tenant.ID, id string) error {
	now := e.now()
	var o strategy.Override
	ov, err := e.db.Get(ctx, t, overrideKey(id), &o)
	if err != nil {
		return err
	}
	st, ver, err := overlay.Read(ctx, e.db, t)
	if err != nil {
		return err
	}
	ops := []store.Op{store.DeleteOp(t, overrideKey(id), ov)}
	var evs []events.Envelope
	keep := make([]strategy.Activation, 0, len(st.Active))
	for _, a := range st.Active {
		if a.OverrideID != id {
			keep = append(keep, a)
			continue
		}
		wops, ev, err := e.withdrawOps(ctx, t, a, fmt.Sprintf("The supervisor's override of %s on %s was deleted.", a.Strategy, a.Queue), now, id)
		if err != nil {
			return err
		}
		ops = append(ops, wops...)
		evs = append(evs, ev)
	}
	if len(keep) != len(st.Active) {
		st.Active = keep
		ops = append(ops, store.PutOp(t, overlay.Key, st, ver))
	}
	return e.cfg.Commit.Commit(ctx, ops, evs...)
}

// Overrides lists t's overrides kept (in force, or ended less than OverrideKeep ago), by id.
func (e *Engine) Overrides(ctx context.Context, t tenant.ID) ([]strategy.Override, error) {
	out, _, err := store.QueryAll[strategy.Override](ctx, e.db, t, KindOverride, "", -1)
	if err != nil {
		return nil, fmt.Errorf("steering: %w", err)
	}
	if out == nil {
		out = []strategy.Override{}
	}
	return out, nil
}

// overridesAt lists t's overrides in force at now.
func (e *Engine) overridesAt(ctx context.Context, t tenant.ID, now time.Time) ([]strategy.Override, error) {
	all, err := e.Overrides(ctx, t)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(o strategy.Override) bool { return !now.Before(o.Until) }), nil
}
