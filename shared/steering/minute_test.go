package steering

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
)

// scripted is a decision core that does what the test says: the mechanics of keeping and applying
// a decision are steering's, whatever strategy.Decide decides.
func scripted(f func(in strategy.Input) strategy.Decision) func(*Config) {
	return func(c *Config) {
		c.Decide = func(in strategy.Input) strategy.Decision {
			d := f(in)
			d.ID, d.Tenant, d.At = strategy.DecisionID(in.Now), in.Tenant, in.Now
			return d
		}
	}
}

func act(in strategy.Input, k strategy.Kind, p strategy.Params) strategy.Activation {
	return strategy.Activation{ID: "act-" + strategy.DecisionID(in.Now) + "-general-" + string(k), Queue: "general", Strategy: k,
		Params: p, Source: strategy.ByEngine, DecisionID: strategy.DecisionID(in.Now), Since: in.Now, Until: in.Now.Add(15 * time.Minute),
		Reason: "The gap is open.", GapAgents: 3}
}

// One minute keeps the decision, the state, a record per new activation with its start counters
// and one dispatch.strategy event each, and notifies the on-call users of a CallIn; a later minute
// that withdraws one marks its record, emits withdrawn and judges it.
func TestMinuteKeepsAndAppliesDecision(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	fx := newFixture(t, scripted(func(in strategy.Input) strategy.Decision {
		switch calls.Add(1) {
		case 1:
			a, c := act(in, strategy.Overflow, strategy.Params{}), act(in, strategy.CallIn, strategy.Params{Users: []string{"boss"}})
			return strategy.Decision{Activate: []strategy.Activation{a, c}, Active: []strategy.Activation{a, c},
				Queues: []strategy.QueueDecision{{Queue: "general", Gap: strategy.Gap{Open: true, Projected: 3}, Why: "Open."}}}
		default:
			var keep []strategy.Activation
			var w []strategy.Withdrawal
			for _, a := range in.Active {
				if a.Strategy == strategy.Overflow {
					w = append(w, strategy.Withdrawal{ActivationID: a.ID, Queue: a.Queue, Strategy: a.Strategy, Reason: "The gap closed."})
				} else {
					keep = append(keep, a)
				}
			}
			return strategy.Decision{Active: keep, Withdraw: w}
		}
	}))
	fx.floorOf(t, fx.acme, 2)
	fx.board(t, fx.acme, 3, 10, 2)
	fx.arrivals(t, fx.acme, 30)

	d, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Activate) != 2 {
		t.Fatalf("activated %+v", d.Activate)
	}
	st, _, err := overlay.Read(ctx, fx.db, fx.acme)
	if err != nil || len(st.Active) != 2 || st.LastDecision != d.ID || len(st.Queues) != 1 {
		t.Fatalf("state %+v %v", st, err)
	}
	if _, err := fx.eng.Decision(ctx, fx.acme, d.ID); err != nil {
		t.Fatalf("decision kept: %v", err)
	}
	rec, err := fx.eng.Activation(ctx, fx.acme, d.Activate[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if s := rec.Start; s.Waiting != 3 || s.Answered != 10 || s.Abandoned != 2 || s.Agents != 2 || !s.At.Equal(start) {
		t.Fatalf("start snapshot %+v", s)
	}
	evs := fx.rec.strategies(t, fx.acme)
	if len(evs) != 2 || evs[0].Action != events.StrategyActivated || evs[0].Until == nil || evs[0].DecisionID != d.ID {
		t.Fatalf("events %+v", evs)
	}
	if got := fx.push.to(fx.acme, "boss"); len(got) != 1 || got[0].(CallInMessage).Type != TypeCallIn {
		t.Fatalf("call-in pushes %+v", got)
	}

	fx.clk.set(start.Add(12 * time.Minute))
	fx.board(t, fx.acme, 0, 30, 3)
	d2, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil {
		t.Fatal(err)
	}
	if len(d2.Withdraw) != 1 {
		t.Fatalf("withdrawn %+v", d2.Withdraw)
	}
	rec, err = fx.eng.Activation(ctx, fx.acme, d.Activate[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.WithdrawnAt == nil || !rec.WithdrawnAt.Equal(start.Add(12*time.Minute)) || rec.WithdrawReason != "The gap closed." {
		t.Fatalf("withdrawn record %+v", rec)
	}
	if rec.Judgement == nil || rec.Judgements != 1 {
		t.Fatalf("not judged: %+v", rec)
	}
	if o := rec.Judgement.Observed; o.Answered != 20 || o.Abandoned != 1 {
		t.Fatalf("observed %+v, want the 20 answered and 1 abandoned since the start", o)
	}
	evs = fx.rec.strategies(t, fx.acme)
	if last := evs[len(evs)-1]; last.Action != events.StrategyWithdrawn || last.Until != nil || last.Reason != "The gap closed." {
		t.Fatalf("last event %+v", last)
	}
	active, _, err := fx.eng.Activations(ctx, fx.acme, true, store.PageRequest{})
	if err != nil || len(active) != 1 || active[0].Strategy != strategy.CallIn {
		t.Fatalf("active %+v %v", active, err)
	}
	all, _, err := fx.eng.Activations(ctx, fx.acme, false, store.PageRequest{})
	if err != nil || len(all) != 2 {
		t.Fatalf("all %+v %v", all, err)
	}
}

// An activation that lapses unrenewed (Decide dropped it) is withdrawn all the same: record and
// event.
func TestLapsedActivationIsWithdrawn(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	fx := newFixture(t, scripted(func(in strategy.Input) strategy.Decision {
		if calls.Add(1) == 1 {
			a := act(in, strategy.AnnounceWait, strategy.Params{ExpectedWaitSeconds: 120})
			return strategy.Decision{Activate: []strategy.Activation{a}, Active: []strategy.Activation{a}}
		}
		return strategy.Decision{}
	}))
	fx.floorOf(t, fx.acme, 1)
	fx.board(t, fx.acme, 1, 0, 0)
	d, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil || len(d.Activate) != 1 {
		t.Fatalf("%+v %v", d, err)
	}
	fx.clk.set(start.Add(16 * time.Minute))
	if _, err := fx.eng.RunTenant(ctx, fx.acme); err != nil {
		t.Fatal(err)
	}
	rec, err := fx.eng.Activation(ctx, fx.acme, d.Activate[0].ID)
	if err != nil || rec.WithdrawnAt == nil {
		t.Fatalf("record %+v %v", rec, err)
	}
	evs := fx.rec.strategies(t, fx.acme)
	if len(evs) != 2 || evs[1].Action != events.StrategyWithdrawn {
		t.Fatalf("events %+v", evs)
	}
}

// A decision made from a state read before an override was applied cannot commit over it: the
// minute decides again with the override, so the override's activation survives. The test fails
// if the race never happened (Decide ran once).
func TestRunningDecisionNeverUndoesOverride(t *testing.T) {
	ctx := context.Background()
	var (
		calls atomic.Int32
		fx    *fixture
	)
	fx = newFixture(t, scripted(func(in strategy.Input) strategy.Decision {
		if calls.Add(1) == 1 {
			// The supervisor's override lands while this decision is being made.
			if _, err := fx.eng.PutOverride(ctx, fx.acme, strategy.Override{Queue: "general", Strategy: strategy.Divert, On: true,
				Params: &strategy.Params{DivertShare: 0.2}, By: "sup1", Until: in.Now.Add(time.Hour)}); err != nil {
				t.Error(err)
			}
		}
		// A decision that knows nothing of the override keeps what it was told and adds overflow.
		a := act(in, strategy.Overflow, strategy.Params{})
		return strategy.Decision{Activate: []strategy.Activation{a}, Active: append(slices.Clone(in.Active), a)}
	}))
	fx.floorOf(t, fx.acme, 1)
	fx.board(t, fx.acme, 4, 0, 0)
	if _, err := fx.eng.RunTenant(ctx, fx.acme); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Fatalf("Decide ran %d times; the race did not happen", calls.Load())
	}
	st, err := fx.eng.State(ctx, fx.acme)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []strategy.Kind
	for _, a := range st.Active {
		kinds = append(kinds, a.Strategy)
	}
	if !slices.Contains(kinds, strategy.Divert) || !slices.Contains(kinds, strategy.Overflow) {
		t.Fatalf("in force %v: the override was undone", kinds)
	}
}

// An override applies at once: on puts its activation in the state and emits overridden,
// replacing an engine activation of the same strategy (withdrawn); deleting it withdraws it.
func TestOverrideAppliesAtOnce(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, scripted(func(in strategy.Input) strategy.Decision {
		a := act(in, strategy.Callback, strategy.Params{CallbackAfterSeconds: 60})
		if len(in.Active) == 0 {
			return strategy.Decision{Activate: []strategy.Activation{a}, Active: []strategy.Activation{a}}
		}
		return strategy.Decision{Active: in.Active}
	}))
	fx.floorOf(t, fx.acme, 1)
	fx.board(t, fx.acme, 2, 0, 0)
	d, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil || len(d.Activate) != 1 {
		t.Fatalf("%+v %v", d, err)
	}
	fx.clk.set(start.Add(time.Minute))
	o, err := fx.eng.PutOverride(ctx, fx.acme, strategy.Override{Queue: "general", Strategy: strategy.Callback, On: true,
		Params: &strategy.Params{CallbackAfterSeconds: 30, PromiseMinutes: 20}, By: "sup1", Reason: "Storm.", Until: start.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := fx.eng.State(ctx, fx.acme)
	if err != nil || len(st.Active) != 1 || st.Active[0].OverrideID != o.ID || st.Active[0].Params.CallbackAfterSeconds != 30 {
		t.Fatalf("state %+v %v", st, err)
	}
	evs := fx.rec.strategies(t, fx.acme)
	if n := len(evs); n != 3 || evs[1].Action != events.StrategyWithdrawn || evs[1].OverrideID != o.ID ||
		evs[2].Action != events.StrategyOverridden || evs[2].Source != events.StrategyByOverride {
		t.Fatalf("events %+v", evs)
	}
	old, err := fx.eng.Activation(ctx, fx.acme, d.Activate[0].ID)
	if err != nil || old.WithdrawnAt == nil {
		t.Fatalf("replaced record %+v %v", old, err)
	}
	ovs, err := fx.eng.Overrides(ctx, fx.acme)
	if err != nil || len(ovs) != 1 || ovs[0].ID != o.ID {
		t.Fatalf("overrides %+v %v", ovs, err)
	}
	// The next minute keeps it (the scripted core keeps what is in force).
	fx.clk.set(start.Add(2 * time.Minute))
	if _, err := fx.eng.RunTenant(ctx, fx.acme); err != nil {
		t.Fatal(err)
	}
	if err := fx.eng.DeleteOverride(ctx, fx.acme, o.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := fx.eng.State(ctx, fx.acme); len(st.Active) != 0 {
		t.Fatalf("after delete: %+v", st.Active)
	}
	if err := fx.eng.DeleteOverride(ctx, fx.acme, o.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete again: %v", err)
	}
	if _, err := fx.eng.PutOverride(ctx, fx.acme, strategy.Override{Queue: "general", Strategy: "nope", By: "sup1", Until: start.Add(time.Hour)}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad override: %v", err)
	}
}

// A tenant with very many queues keeps its decision and state under the item limit: the options'
// details go, each queue's gap, choice and sentence stay.
func TestManyQueuesFitTheItems(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, scripted(func(in strategy.Input) strategy.Decision {
		var qs []strategy.QueueDecision
		for i := range 400 {
			q := strategy.QueueDecision{Queue: fmt.Sprintf("q%03d", i), Gap: strategy.Gap{Open: true, Projected: 2}, Why: "A gap of 2 agents; divert and callback chosen."}
			for _, s := range strategy.Catalog() {
				q.Options = append(q.Options, strategy.Option{Strategy: s.Kind, Feasible: true, Blocked: "a long enough reason to weigh something in the item", Score: 1})
			}
			qs = append(qs, q)
		}
		return strategy.Decision{Queues: qs}
	}))
	fx.floorOf(t, fx.acme, 1)
	d, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := fx.eng.Decision(ctx, fx.acme, d.ID)
	if err != nil || len(kept.Queues) != 400 || kept.Queues[7].Why == "" || kept.Queues[7].Options != nil {
		t.Fatalf("kept %d queues, options %v: %v", len(kept.Queues), kept.Queues[7].Options, err)
	}
	if st, err := fx.eng.State(ctx, fx.acme); err != nil || len(st.Queues) != 400 {
		t.Fatalf("state %d queues %v", len(st.Queues), err)
	}
}

// A minute with more activations than one transaction takes starts those that fit and leaves the
// rest to the next minute, which starts them.
func TestManyActivationsSpreadOverMinutes(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, scripted(func(in strategy.Input) strategy.Decision {
		d := strategy.Decision{Active: slices.Clone(in.Active)}
		for i := range 70 {
			q := fmt.Sprintf("q%02d", i)
			if slices.ContainsFunc(in.Active, func(a strategy.Activation) bool { return a.Queue == q }) {
				continue
			}
			a := act(in, strategy.AnnounceWait, strategy.Params{ExpectedWaitSeconds: 60})
			a.ID, a.Queue = strategy.ActivationID(strategy.DecisionID(in.Now), q, strategy.AnnounceWait), q
			d.Activate = append(d.Activate, a)
			d.Active = append(d.Active, a)
		}
		return d
	}))
	fx.floorOf(t, fx.acme, 1)
	d, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Activate); n == 0 || n == 70 {
		t.Fatalf("first minute started %d of 70", n)
	}
	fx.clk.set(start.Add(time.Minute))
	if _, err := fx.eng.RunTenant(ctx, fx.acme); err != nil {
		t.Fatal(err)
	}
	st, err := fx.eng.State(ctx, fx.acme)
	if err != nil || len(st.Active) != 70 {
		t.Fatalf("in force after two minutes: %d %v", len(st.Active), err)
	}
	if evs := fx.rec.strategies(t, fx.acme); len(evs) != 70 {
		t.Fatalf("%d events for 70 activations", len(evs))
	}
}
