package steering

// run.go: one tenant's minute — decide from what was perceived and keep it: the decision, the
// state the executors read (overlay), the activation records, and the dispatch.strategy events,
// all in one outbox transaction conditioned on the state's version.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// runResult is what a committed minute leaves for applying and judging.
type runResult struct {
	now      time.Time
	settings strategy.Settings
	seen     perception
	// started are the activations this minute started; withdrawn the records it withdrew (as
	// committed, with their versions).
	started   []strategy.Activation
	withdrawn []versioned
	// active are the activations in force after the minute.
	active []strategy.Activation
}

// versioned is an activation record and its item's version.
type versioned struct {
	rec ActivationRecord
	ver int64
}

// decideOnce perceives, decides and commits one minute of t. An error stateRace recognises means
// the state changed since it was read: decide again.
func (e *Engine) decideOnce(ctx context.Context, t tenant.ID) (strategy.Decision, runResult, error) {
	now := e.now()
	res := runResult{now: now}
	set, err := e.Settings(ctx, t)
	if err != nil {
		return strategy.Decision{}, res, err
	}
	res.settings = set
	st, ver, err := overlay.Read(ctx, e.db, t)
	if err != nil {
		return strategy.Decision{}, res, err
	}
	ovs, err := e.overridesAt(ctx, t, now)
	if err != nil {
		return strategy.Decision{}, res, err
	}
	id := strategy.DecisionID(now)
	if !set.Enabled && len(ovs) == 0 && len(st.Active) == 0 {
		return strategy.Decision{ID: id, Tenant: t.String(), At: now}, res, nil // the engine is off and nothing is in force
	}
	res.seen, err = e.perceive(ctx, t, now, set)
	if err != nil {
		return strategy.Decision{}, res, err
	}
	scores, _, err := e.scores(ctx, t)
	if err != nil {
		return strategy.Decision{}, res, err
	}
	d := e.cfg.Decide(strategy.Input{Tenant: t.String(), Now: now, Settings: set, Queues: res.seen.obs,
		Active: st.Active, Overrides: ovs, Scores: scores, Memory: st.Memory, Seed: seed(t, id)})
	lapsed := lapsedOf(st.Active, d, now)
	d.Withdraw = append(d.Withdraw, lapsed...)
	if n := deferOverflow(&d, st.Active); n > 0 {
		e.cfg.Log.WarnContext(ctx, "steer: more changes than one transaction takes; the rest next minute", "tenant", t.String(), "deferred", n)
	}

	var (
		ops []store.Op
		evs []events.Envelope
	)
	for _, a := range d.Activate {
		rec := ActivationRecord{Activation: a, Start: res.seen.snaps[a.Queue]}
		ops = append(ops, store.CreateOp(t, activationKey(a.ID), rec, store.WithTTL(a.Since.Add(ActivationKeep))))
		ev, err := strategyEvent(t, a, events.StrategyActivated, a.Reason, false)
		if err != nil {
			return d, res, err
		}
		evs = append(evs, ev)
		res.started = append(res.started, a)
	}
	for _, w := range d.Withdraw {
		var rec ActivationRecord
		rv, err := e.db.Get(ctx, t, activationKey(w.ActivationID), &rec)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// No record (an activation of an older build, or its record expired): the event alone.
			rec = ActivationRecord{Activation: activationOf(st.Active, w)}
		case err != nil:
			return d, res, fmt.Errorf("read activation %s: %w", w.ActivationID, err)
		default:
			if rec.WithdrawnAt != nil {
				continue
			}
			at := now
			rec.WithdrawnAt, rec.WithdrawReason, rec.Until = &at, w.Reason, now
			ops = append(ops, store.PutOp(t, activationKey(rec.ID), rec, rv, store.WithTTL(rec.Since.Add(ActivationKeep))))
			res.withdrawn = append(res.withdrawn, versioned{rec: rec, ver: rv + 1})
		}
		ev, err := strategyEvent(t, rec.Activation, events.StrategyWithdrawn, w.Reason, true)
		if err != nil {
			return d, res, err
		}
		evs = append(evs, ev)
	}
	next := overlay.State{Active: d.Active, Memory: d.Memory, LastDecision: st.LastDecision, LastAt: now, Queues: fitting(d.Queues)}
	if next.Active == nil {
		next.Active = []strategy.Activation{}
	}
	if kept(d) {
		next.LastDecision = d.ID
		var old strategy.Decision
		dv, err := e.db.Get(ctx, t, decisionKey(d.ID), &old)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return d, res, fmt.Errorf("read decision %s: %w", d.ID, err)
		}
		item := d
		item.Queues = fitting(d.Queues)
		ops = append(ops, store.PutOp(t, decisionKey(d.ID), item, dv, store.WithTTL(now.Add(DecisionKeep))))
	}
	if len(ops) == 0 && len(evs) == 0 && ver > 0 && same(st, next) {
		res.active = next.Active
		return d, res, nil // an idle floor: nothing new to keep
	}
	ops = append(ops, store.PutOp(t, overlay.Key, next, ver))
	if n := len(ops) + len(evs); n > store.MaxTxOps {
		return d, res, fmt.Errorf("decision %s of %s: %d writes, more than one transaction takes (%d)", d.ID, t, n, store.MaxTxOps)
	}
	if err := e.cfg.Commit.Commit(ctx, ops, evs...); err != nil {
		return d, res, fmt.Errorf("keep decision %s: %w", d.ID, err)
	}
	res.active = next.Active
	return d, res, nil
}

// maxExplained is the most bytes of queue explanations an item keeps with every option: a tenant
// with very many queues keeps each queue's gap, choice and sentence (which names the options)
// without the options' details, so its items stay under DynamoDB's 400 KB.
const maxExplained = 200 << 10

// fitting returns qs, or a copy without the options when they would make an item too large.
func fitting(qs []strategy.QueueDecision) []strategy.QueueDecision {
	b, err := json.Marshal(qs)
	if err == nil && len(b) <= maxExplained {
		return qs
	}
	out := make([]strategy.QueueDecision, len(qs))
	for i, q := range qs {
		q.Options = nil
		out[i] = q
	}
	return out
}

// perChange is the writes one activation or withdrawal costs (its record and its event); the
// minute's state and decision take the rest of a transaction.
const perChange = 2

// deferOverflow keeps d within one transaction: withdrawals first, then activations, as many as
// fit; what does not fit is left as it was (an activation not started, a withdrawal not made:
// the activation stays in force) for the next minute's decision. It returns how many were
// deferred.
func deferOverflow(d *strategy.Decision, before []strategy.Activation) int {
	room := (store.MaxTxOps - 2) / perChange
	if len(d.Withdraw)+len(d.Activate) <= room {
		return 0
	}
	deferred := 0
	if len(d.Withdraw) > room {
		for _, w := range d.Withdraw[room:] {
			if i := slices.IndexFunc(before, func(a strategy.Activation) bool { return a.ID == w.ActivationID }); i >= 0 {
				d.Active = append(d.Active, before[i])
			}
			deferred++
		}
		d.Withdraw = d.Withdraw[:room]
	}
	room -= len(d.Withdraw)
	if len(d.Activate) > room {
		for _, a := range d.Activate[room:] {
			d.Active = slices.DeleteFunc(d.Active, func(b strategy.Activation) bool { return b.ID == a.ID })
			deferred++
		}
		d.Activate = d.Activate[:room]
	}
	return deferred
}

// same reports whether two states hold the same activations, memory and explanations (LastAt
// and LastDecision aside).
func same(a, b overlay.State) bool {
	a.LastAt, b.LastAt, a.LastDecision, b.LastDecision = time.Time{}, time.Time{}, "", ""
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

// lapsedOf lists the activations that stood before d, are not in force after it and that d did not
// withdraw: they reached their Until unrenewed (an override that ended, an activation the engine
// no longer renewed). Each is withdrawn so its record and the event say so.
func lapsedOf(before []strategy.Activation, d strategy.Decision, now time.Time) []strategy.Withdrawal {
	var out []strategy.Withdrawal
	for _, a := range before {
		if slices.ContainsFunc(d.Active, func(b strategy.Activation) bool { return b.ID == a.ID }) ||
			slices.ContainsFunc(d.Withdraw, func(w strategy.Withdrawal) bool { return w.ActivationID == a.ID }) {
			continue
		}
		reason := fmt.Sprintf("%s on %s ended at %s without renewal.", a.Strategy, a.Queue, a.Until.UTC().Format(time.RFC3339))
		if a.Source == strategy.ByOverride {
			reason = fmt.Sprintf("The supervisor's override of %s on %s ended at %s.", a.Strategy, a.Queue, a.Until.UTC().Format(time.RFC3339))
		}
		if now.Before(a.Until) {
			reason = fmt.Sprintf("%s on %s is no longer in force.", a.Strategy, a.Queue)
		}
		out = append(out, strategy.Withdrawal{ActivationID: a.ID, Queue: a.Queue, Strategy: a.Strategy, Reason: reason})
	}
	return out
}

// activationOf finds w's activation among active, or makes one from w.
func activationOf(active []strategy.Activation, w strategy.Withdrawal) strategy.Activation {
	for _, a := range active {
		if a.ID == w.ActivationID {
			return a
		}
	}
	return strategy.Activation{ID: w.ActivationID, Queue: w.Queue, Strategy: w.Strategy, Source: strategy.ByEngine}
}

// strategyEvent builds the dispatch.strategy event of a.
func strategyEvent(t tenant.ID, a strategy.Activation, action events.StrategyAction, reason string, ended bool) (events.Envelope, error) {
	p := events.DispatchStrategy{ActivationID: a.ID, Action: action, Strategy: a.Strategy, Queue: a.Queue, Source: a.Source,
		Since: a.Since, DecisionID: a.DecisionID, OverrideID: a.OverrideID, Reason: clip(reason, 1000), GapAgents: a.GapAgents}
	if p.Source == "" {
		p.Source = strategy.ByEngine
	}
	if !ended {
		until := a.Until
		p.Until = &until
	}
	ev, err := events.New(t, events.TypeDispatchStrategy, a.ID, Source, p)
	if err != nil {
		return events.Envelope{}, fmt.Errorf("build dispatch.strategy %s of %s: %w", action, a.ID, err)
	}
	return ev, nil
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// seed is the decision's seed: the tenant and the minute, so a decision is reproducible.
func seed(t tenant.ID, decisionID string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(t.String() + "/" + decisionID))
	return h.Sum64()
}

// scores reads t's scores and their version (empty at 0 when none).
func (e *Engine) scores(ctx context.Context, t tenant.ID) (strategy.Scores, int64, error) {
	var s strategy.Scores
	v, err := e.db.Get(ctx, t, scoresKey, &s)
	if errors.Is(err, store.ErrNotFound) {
		return strategy.Scores{}, 0, nil
	}
	if err != nil {
		return strategy.Scores{}, 0, fmt.Errorf("read the scores: %w", err)
	}
	return s, v, nil
}
