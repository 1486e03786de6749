package steering

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
)

// surge gives acme a floor in trouble: two agents on calls, eight callers waiting, 30 calls in the
// last 15 minutes, and a backup-skilled agent free.
func (fx *fixture) surge(t *testing.T) {
	t.Helper()
	fx.floorOf(t, fx.acme, 2)
	fx.board(t, fx.acme, 8, 10, 2)
	fx.arrivals(t, fx.acme, 30)
}

// calm frees every agent of acme and empties the queue.
func (fx *fixture) calm(t *testing.T) {
	t.Helper()
	for _, id := range []string{"agent0", "agent1"} {
		fx.presence(t, fx.acme, id, map[string]int{"general": 1}, 1, 0, 0)
	}
	fx.board(t, fx.acme, 0, 40, 3)
}

// A backlog makes the first minute activate strategies (events, decision, state, records); once
// the backlog is gone for WithdrawAfterMinutes, and the activations are MinActiveMinutes old, they
// are withdrawn, judged, and the scores learn from them.
func TestBacklogActivatesThenWithdrawsAndJudges(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	fx.surge(t)

	d, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Queues) != 1 || !d.Queues[0].Gap.Open {
		t.Fatalf("no open gap seen: %+v", d.Queues)
	}
	if len(d.Activate) == 0 {
		t.Fatalf("nothing activated for a gap of %.1f agents: %s", d.Queues[0].Gap.Projected, d.Queues[0].Why)
	}
	t.Logf("minute 0: gap %.1f agents; %s", d.Queues[0].Gap.Projected, d.Queues[0].Why)
	st, err := fx.eng.State(ctx, fx.acme)
	if err != nil || len(st.Active) != len(d.Active) || st.LastDecision != d.ID {
		t.Fatalf("state %+v %v", st, err)
	}
	if got, err := fx.eng.Decision(ctx, fx.acme, d.ID); err != nil || len(got.Activate) != len(d.Activate) || got.Queues[0].Why == "" {
		t.Fatalf("decision kept %+v %v", got, err)
	}
	evs := fx.rec.strategies(t, fx.acme)
	if len(evs) != len(d.Activate) {
		t.Fatalf("%d events for %d activations", len(evs), len(d.Activate))
	}
	for _, e := range evs {
		if e.Action != events.StrategyActivated || e.Source != events.StrategyByEngine || e.DecisionID != d.ID || e.Reason == "" {
			t.Fatalf("event %+v", e)
		}
	}
	for _, a := range d.Activate {
		if a.Strategy == strategy.Overflow {
			t.Logf("overflow activated with the backup agent: %s", a.Reason)
		}
	}

	// The surge goes on for ten minutes (the activations are renewed), then the backlog is gone:
	// every agent free, nobody waiting.
	for m := 1; m < 10; m++ {
		fx.clk.set(start.Add(time.Duration(m) * time.Minute))
		dm, err := fx.eng.RunTenant(ctx, fx.acme)
		if err != nil {
			t.Fatal(err)
		}
		if len(dm.Withdraw) > 0 {
			t.Fatalf("minute %d withdrew %+v during the surge", m, dm.Withdraw)
		}
	}
	fx.clk.set(start.Add(10 * time.Minute))
	fx.calm(t)
	var withdrawn []strategy.Withdrawal
	for m := 10; m <= 30 && len(withdrawn) < len(d.Activate); m++ {
		fx.clk.set(start.Add(time.Duration(m) * time.Minute))
		dm, err := fx.eng.RunTenant(ctx, fx.acme)
		if err != nil {
			t.Fatal(err)
		}
		if len(dm.Activate) > 0 {
			t.Fatalf("minute %d activated %+v with no gap", m, dm.Activate)
		}
		withdrawn = append(withdrawn, dm.Withdraw...)
		if len(dm.Withdraw) > 0 && m < 10+strategy.DefaultWithdrawAfterMinutes-1 {
			t.Fatalf("withdrawn at minute %d, before the gap was closed %d minutes", m, strategy.DefaultWithdrawAfterMinutes)
		}
		if len(dm.Withdraw) > 0 {
			t.Logf("minute %d withdrew: %s", m, dm.Withdraw[0].Reason)
		}
	}
	if len(withdrawn) != len(d.Activate) {
		t.Fatalf("withdrawn %+v of %d activations", withdrawn, len(d.Activate))
	}
	st, _ = fx.eng.State(ctx, fx.acme)
	if len(st.Active) != 0 {
		t.Fatalf("still in force: %+v", st.Active)
	}
	for _, a := range d.Activate {
		rec, err := fx.eng.Activation(ctx, fx.acme, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.WithdrawnAt == nil || rec.WithdrawReason == "" || rec.Judgement == nil || rec.Judgement.Why == "" {
			t.Fatalf("record after withdrawal %+v", rec)
		}
		if o := rec.Judgement.Observed; o.Answered != 30 || o.Abandoned != 1 {
			t.Fatalf("observed %+v: want 30 answered and 1 abandoned between activation and withdrawal", o)
		}
	}
	t.Logf("judged: %s", func() string { r, _ := fx.eng.Activation(ctx, fx.acme, d.Activate[0].ID); return r.Judgement.Why }())
	scores, _, err := fx.eng.scores(ctx, fx.acme)
	if err != nil || len(scores.Arms) == 0 {
		t.Fatalf("scores %+v %v", scores, err)
	}
	views, err := fx.eng.Strategies(ctx, fx.acme)
	if err != nil {
		t.Fatal(err)
	}
	measured := 0
	for _, v := range views {
		measured += len(v.Measured)
	}
	if len(views) != len(strategy.Catalog()) || measured == 0 {
		t.Fatalf("strategies %+v", views)
	}
	evs = fx.rec.strategies(t, fx.acme)
	if last := evs[len(evs)-1]; last.Action != events.StrategyWithdrawn || last.Until != nil {
		t.Fatalf("last event %+v", last)
	}
}

// A long activation is judged every JudgeEvery while it runs, each time over the window since the
// one before.
func TestLongActivationJudgedEveryHalfHour(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	fx.surge(t)
	d, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil || len(d.Activate) == 0 {
		t.Fatalf("%+v %v", d.Activate, err)
	}
	for m := 1; m <= 31; m += 5 {
		fx.clk.set(start.Add(time.Duration(m) * time.Minute))
		fx.board(t, fx.acme, 8, 10+m, 2)
		fx.arrivals(t, fx.acme, 30)
		if _, err := fx.eng.RunTenant(ctx, fx.acme); err != nil {
			t.Fatal(err)
		}
	}
	judged := 0
	for _, a := range d.Activate {
		rec, err := fx.eng.Activation(ctx, fx.acme, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.WithdrawnAt == nil && rec.Judgements == 1 && rec.Judgement != nil && rec.Start.At.Equal(start.Add(31*time.Minute)) {
			judged++
		}
	}
	if judged == 0 {
		t.Fatal("no activation in force was judged after 30 minutes")
	}
}

// A supervisor's override sticks: off keeps the engine from a strategy it would choose (the
// option says so); on keeps a strategy in force with no gap at all until its Until, then it is
// withdrawn.
func TestOverridesStick(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	fx.surge(t)
	off, err := fx.eng.PutOverride(ctx, fx.acme, strategy.Override{Queue: "general", Strategy: strategy.Overflow, On: false,
		By: "sup1", Until: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for m := 0; m < 3; m++ {
		fx.clk.set(start.Add(time.Duration(m) * time.Minute))
		d, err := fx.eng.RunTenant(ctx, fx.acme)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range d.Active {
			if a.Strategy == strategy.Overflow {
				t.Fatalf("minute %d: overflow in force despite override %s off", m, off.ID)
			}
		}
		i := slices.IndexFunc(d.Queues[0].Options, func(o strategy.Option) bool { return o.Strategy == strategy.Overflow })
		if i < 0 || d.Queues[0].Options[i].Blocked == "" {
			t.Fatalf("minute %d: overflow option %+v does not say it is blocked", m, d.Queues[0].Options)
		}
	}

	fx.clk.set(start.Add(5 * time.Minute))
	fx.calm(t)
	on, err := fx.eng.PutOverride(ctx, fx.acme, strategy.Override{Queue: "general", Strategy: strategy.AnnounceWait, On: true,
		By: "sup1", Reason: "Tell them", Until: start.Add(25 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for m := 5; m <= 26; m++ {
		fx.clk.set(start.Add(time.Duration(m) * time.Minute))
		d, err := fx.eng.RunTenant(ctx, fx.acme)
		if err != nil {
			t.Fatal(err)
		}
		inForce := slices.ContainsFunc(d.Active, func(a strategy.Activation) bool { return a.OverrideID == on.ID })
		if m < 25 && !inForce {
			t.Fatalf("minute %d: the on override was dropped: %+v withdrawn %+v", m, d.Active, d.Withdraw)
		}
		if m >= 25 && inForce {
			t.Fatalf("minute %d: the override outlived its Until", m)
		}
	}
	recs, _, err := fx.eng.Activations(ctx, fx.acme, false, store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(recs, func(r ActivationRecord) bool { return r.OverrideID == on.ID })
	if i < 0 || recs[i].WithdrawnAt == nil {
		t.Fatalf("the override's activation record %+v", recs)
	}
}

// Every read is the tenant's own: another tenant's decisions, activations, overrides, state,
// settings and scores are neither listed nor found, and its floor is not perceived.
func TestTenantIsolation(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	fx.surge(t)
	set := strategy.Defaults()
	set.OnCall = []string{"boss"}
	if _, err := fx.eng.PutSettings(ctx, fx.acme, set); err != nil {
		t.Fatal(err)
	}
	d, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil || len(d.Activate) == 0 {
		t.Fatalf("%+v %v", d, err)
	}
	o, err := fx.eng.PutOverride(ctx, fx.acme, strategy.Override{Queue: "general", Strategy: strategy.Divert, By: "sup1", Until: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	od, err := fx.eng.RunTenant(ctx, fx.other)
	if err != nil || len(od.Queues) != 0 || len(od.Activate) != 0 {
		t.Fatalf("other's minute saw acme's floor: %+v %v", od, err)
	}
	if st, err := fx.eng.State(ctx, fx.other); err != nil || len(st.Active) != 0 || len(st.Queues) != 0 {
		t.Fatalf("other's state %+v %v", st, err)
	}
	if ds, _, err := fx.eng.Decisions(ctx, fx.other, start.Add(-time.Hour), start.Add(time.Hour), store.PageRequest{}); err != nil || len(ds) != 0 {
		t.Fatalf("other's decisions %+v %v", ds, err)
	}
	if ds, _, err := fx.eng.Decisions(ctx, fx.acme, start.Add(-time.Hour), start.Add(time.Hour), store.PageRequest{}); err != nil || len(ds) != 1 {
		t.Fatalf("acme's decisions %d %v", len(ds), err)
	}
	if _, err := fx.eng.Decision(ctx, fx.other, d.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other reads acme's decision: %v", err)
	}
	if rs, _, err := fx.eng.Activations(ctx, fx.other, false, store.PageRequest{}); err != nil || len(rs) != 0 {
		t.Fatalf("other's activations %+v %v", rs, err)
	}
	if rs, _, err := fx.eng.Activations(ctx, fx.other, true, store.PageRequest{}); err != nil || len(rs) != 0 {
		t.Fatalf("other's active activations %+v %v", rs, err)
	}
	if _, err := fx.eng.Activation(ctx, fx.other, d.Activate[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other reads acme's activation: %v", err)
	}
	if ovs, err := fx.eng.Overrides(ctx, fx.other); err != nil || len(ovs) != 0 {
		t.Fatalf("other's overrides %+v %v", ovs, err)
	}
	if err := fx.eng.DeleteOverride(ctx, fx.other, o.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other deletes acme's override: %v", err)
	}
	if s, err := fx.eng.Settings(ctx, fx.other); err != nil || len(s.OnCall) != 0 {
		t.Fatalf("other's settings %+v %v", s, err)
	}
	views, err := fx.eng.Strategies(ctx, fx.other)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		if len(v.InForce) != 0 || len(v.Measured) != 0 {
			t.Fatalf("other's strategies show acme's: %+v", v)
		}
	}
	if evs := fx.rec.strategies(t, fx.other); len(evs) != 0 {
		t.Fatalf("events under other: %+v", evs)
	}
}

// RunAll decides every registered tenant.
func TestRunAll(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	fx.surge(t)
	for _, tt := range []struct{ id string }{{"acme"}, {"other"}} {
		id := fx.acme
		if tt.id == "other" {
			id = fx.other
		}
		if err := fx.cfg.Forecasts.Register(ctx, id, start); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := fx.eng.RunAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tenants != 2 || rep.Failed != 0 || rep.Activated == 0 || rep.Decisions != 1 || rep.Skipped != 0 {
		t.Fatalf("report %+v", rep)
	}
}

// PutSettings refuses bad settings with the fields at fault, and keeps good ones with defaults.
func TestSettings(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	bad := strategy.Defaults()
	bad.DivertCapPercent = 500
	if _, err := fx.eng.PutSettings(ctx, fx.acme, bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad settings: %v", err)
	}
	s := strategy.Defaults()
	s.Enabled, s.HorizonMinutes = false, 30
	got, err := fx.eng.PutSettings(ctx, fx.acme, s)
	if err != nil {
		t.Fatal(err)
	}
	// Fields left at 0 take their defaults before the check (the route does the same).
	partial, err := fx.eng.PutSettings(ctx, fx.other, strategy.Settings{Enabled: true, DivertCapPercent: 10})
	if err != nil || partial.DivertCapPercent != 10 || partial.HorizonMinutes != strategy.Defaults().HorizonMinutes {
		t.Fatalf("partial settings: %+v %v", partial, err)
	}
	read, err := fx.eng.Settings(ctx, fx.acme)
	if err != nil || read.Enabled || read.HorizonMinutes != 30 || read.WithdrawAfterMinutes != got.WithdrawAfterMinutes || len(read.Strategies) == 0 {
		t.Fatalf("settings %+v %v", read, err)
	}
	// The engine off, no override, nothing in force: a minute decides nothing and keeps nothing.
	fx.surge(t)
	d, err := fx.eng.RunTenant(ctx, fx.acme)
	if err != nil || len(d.Queues) != 0 {
		t.Fatalf("engine off: %+v %v", d, err)
	}
	if st, _ := fx.eng.State(ctx, fx.acme); st.LastDecision != "" {
		t.Fatalf("engine off kept a decision: %+v", st)
	}
}

// An idle floor's minute writes nothing: the state keeps its version while nothing in it changes.
func TestIdleMinuteWritesNothing(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	fx.floorOf(t, fx.acme, 2)
	fx.calm(t)
	if _, err := fx.eng.RunTenant(ctx, fx.acme); err != nil {
		t.Fatal(err)
	}
	_, v1, err := overlay.Read(ctx, fx.db, fx.acme)
	if err != nil || v1 == 0 {
		t.Fatalf("first minute: version %d %v", v1, err)
	}
	for m := 1; m <= 3; m++ {
		fx.clk.set(start.Add(time.Duration(m) * time.Minute))
		if _, err := fx.eng.RunTenant(ctx, fx.acme); err != nil {
			t.Fatal(err)
		}
	}
	if _, v2, _ := overlay.Read(ctx, fx.db, fx.acme); v2 > v1+1 {
		t.Fatalf("the state was written %d times by idle minutes", v2-v1)
	}
}

// An on override of CallIn notifies the on-call users at once.
func TestCallInOverrideNotifies(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	fx.floorOf(t, fx.acme, 1)
	set := strategy.Defaults()
	set.OnCall = []string{"oncall1", "oncall2"}
	if _, err := fx.eng.PutSettings(ctx, fx.acme, set); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.eng.PutOverride(ctx, fx.acme, strategy.Override{Queue: "general", Strategy: strategy.CallIn, On: true, By: "sup1", Until: start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, u := range set.OnCall {
		if got := fx.push.to(fx.acme, u); len(got) != 1 || got[0].(CallInMessage).Queue != "general" {
			t.Fatalf("%s got %+v", u, got)
		}
	}
}

// A new override of a queue's strategy replaces the older one: on then off leaves only the off,
// and the on's activation withdrawn.
func TestOverrideReplacesOlder(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	fx.floorOf(t, fx.acme, 1)
	on, err := fx.eng.PutOverride(ctx, fx.acme, strategy.Override{Queue: "general", Strategy: strategy.Divert, On: true, By: "sup1", Until: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	off, err := fx.eng.PutOverride(ctx, fx.acme, strategy.Override{Queue: "general", Strategy: strategy.Divert, By: "sup2", Until: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	ovs, err := fx.eng.Overrides(ctx, fx.acme)
	if err != nil || len(ovs) != 1 || ovs[0].ID != off.ID {
		t.Fatalf("overrides %+v %v, want only %s", ovs, err, off.ID)
	}
	if st, _ := fx.eng.State(ctx, fx.acme); len(st.Active) != 0 {
		t.Fatalf("%s's activation still in force: %+v", on.ID, st.Active)
	}
}
