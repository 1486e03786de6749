package strategy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

func kinds(as []strategy.Activation) []strategy.Kind {
	var out []strategy.Kind
	for _, a := range as {
		out = append(out, a.Strategy)
	}
	return out
}

func has(as []strategy.Activation, k strategy.Kind) bool {
	for _, a := range as {
		if a.Strategy == k {
			return true
		}
	}
	return false
}

func option(qd strategy.QueueDecision, k strategy.Kind) strategy.Option {
	for _, o := range qd.Options {
		if o.Strategy == k {
			return o
		}
	}
	return strategy.Option{}
}

// spike is a staffed voice queue at three times its staffing, with backup agents: a gap the
// engine closes with overflow and more.
func spike() strategy.Observation {
	o := withForecast(voiceQueue("billing", 10, 300), 100, 100, 100, 100)
	o.BackupAgents = 2
	o.OnCall = 2
	return o
}

func TestFloor(t *testing.T) {
	closed := withForecast(voiceQueue("billing", 0, 0), 300, 300)
	waiting := voiceQueue("billing", 0, 0)
	waiting.Channels[0].Waiting = 4
	waiting.Channels[0].LongestWaitSeconds = 60
	waiting.BackupAgents = 3
	for _, tc := range []struct {
		name     string
		o        strategy.Observation
		open     bool
		activate bool
		why      string
	}{
		{name: "closed: nobody signed in, nothing waiting, forecast busy", o: closed, why: "The floor is closed"},
		{name: "contacts waiting with nobody signed in is a gap", o: waiting, open: true, activate: true, why: "projected gap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{tc.o}})
			qd := d.Queues[0]
			if qd.Gap.Open != tc.open {
				t.Errorf("open = %v, want %v (gap %+v)", qd.Gap.Open, tc.open, qd.Gap)
			}
			if (len(d.Activate) > 0) != tc.activate {
				t.Errorf("activated %v", kinds(d.Activate))
			}
			if !strings.Contains(qd.Why, tc.why) {
				t.Errorf("why %q lacks %q", qd.Why, tc.why)
			}
		})
	}
}

func TestGapOpensOnServiceLevel(t *testing.T) {
	// Just enough agents for the load by count, but far below the service level: open.
	o := voiceQueue("billing", 3, 40)
	d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{o}})
	g := d.Queues[0].Gap
	if !g.Open || g.Projected < 1 {
		t.Fatalf("gap %+v: want open", g)
	}
	quiet := voiceQueue("billing", 12, 40)
	d = strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{quiet}})
	if g := d.Queues[0].Gap; g.Open || g.Projected >= 1 || g.ServiceLevel < 80 {
		t.Fatalf("gap %+v: want closed", g)
	}
	if len(d.Activate) != 0 || !strings.Contains(d.Queues[0].Why, "No gap is open") {
		t.Fatalf("activated %v, why %q", kinds(d.Activate), d.Queues[0].Why)
	}
}

func TestForecastProjectsTheGap(t *testing.T) {
	// Quiet now, the forecast's peak in 30 minutes: the projected gap is the peak's.
	o := withForecast(voiceQueue("billing", 10, 100), 100, 400, 100)
	d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{o}})
	g := d.Queues[0].Gap
	if g.Now > 0 || g.Projected < 10 || !g.Open {
		t.Fatalf("gap %+v: want none now, a large one projected", g)
	}
	if !(g.Low < g.Projected && g.Projected < g.High) {
		t.Errorf("band %v < %v < %v", g.Low, g.Projected, g.High)
	}
	// A horizon of 15 minutes does not reach the peak.
	s := strategy.Defaults()
	s.HorizonMinutes = 15
	d = strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{o}})
	if g := d.Queues[0].Gap; g.Open {
		t.Fatalf("gap %+v with a 15 min horizon", g)
	}
}

func TestHysteresisActivation(t *testing.T) {
	s := strategy.Defaults()
	s.ActivateAfterMinutes = 3
	in := strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{spike()}}
	for i := 1; i <= 3; i++ {
		d := strategy.Decide(in)
		if got := d.Memory.Queues["billing"].GapStreak; got != i {
			t.Fatalf("decision %d: streak %d", i, got)
		}
		if i < 3 && len(d.Activate) > 0 {
			t.Fatalf("decision %d activated %v before the streak", i, kinds(d.Activate))
		}
		if i < 3 && !strings.Contains(d.Queues[0].Why, "acts after 3") {
			t.Errorf("why %q", d.Queues[0].Why)
		}
		if i == 3 && len(d.Activate) == 0 {
			t.Fatalf("decision 3 activated nothing: %s", d.Queues[0].Why)
		}
		in.Memory, in.Now = d.Memory, in.Now.Add(time.Minute)
	}
	// A closed gap resets the streak.
	in.Queues = []strategy.Observation{voiceQueue("billing", 30, 100)}
	if d := strategy.Decide(in); d.Memory.Queues["billing"].GapStreak != 0 || d.Memory.Queues["billing"].ClosedSince.IsZero() {
		t.Fatalf("memory %+v", d.Memory.Queues["billing"])
	}
}

// engineActivation is an engine activation of k on billing since the given minutes ago.
func engineActivation(k strategy.Kind, ago int) strategy.Activation {
	since := t0.Add(-time.Duration(ago) * time.Minute)
	return strategy.Activation{
		ID: "act-x-billing-" + string(k), Queue: "billing", Strategy: k, Source: strategy.ByEngine,
		Params: strategy.Params{DivertShare: 0.1}, Since: since, Until: t0.Add(10 * time.Minute),
		Expected: strategy.Effect{Agents: 2},
	}
}

func TestHysteresisWithdrawal(t *testing.T) {
	quiet := voiceQueue("billing", 30, 100)
	quiet.BackupAgents = 2
	closedFor := func(m int) strategy.Memory {
		return strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {ClosedSince: t0.Add(-time.Duration(m) * time.Minute)}}}
	}
	for _, tc := range []struct {
		name     string
		o        strategy.Observation
		ago      int
		mem      strategy.Memory
		withdraw string
	}{
		{name: "closed 5 min, active 20 min: withdrawn", o: quiet, ago: 20, mem: closedFor(5), withdraw: "closed for 5 minutes"},
		{name: "closed 4 min: kept", o: quiet, ago: 20, mem: closedFor(4)},
		{name: "closed just now: kept", o: quiet, ago: 20},
		{name: "closed 6 min but active 8 min: kept (min active 10)", o: quiet, ago: 8, mem: closedFor(6)},
		{name: "gap still open: kept", o: spike(), ago: 20, mem: closedFor(30)},
		{name: "max minutes reached: withdrawn even with a gap", o: spike(), ago: 120, withdraw: "ran 120 minutes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := engineActivation(strategy.Overflow, tc.ago)
			d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{tc.o}, Active: []strategy.Activation{a}, Memory: tc.mem})
			if tc.withdraw == "" {
				if len(d.Withdraw) != 0 || !has(d.Active, strategy.Overflow) {
					t.Fatalf("withdrew %+v; active %v; why %s", d.Withdraw, kinds(d.Active), d.Queues[0].Why)
				}
				for _, x := range d.Active {
					if x.ID == a.ID {
						want := t0.Add(15 * time.Minute)
						if lim := a.Since.Add(120 * time.Minute); lim.Before(want) {
							want = lim
						}
						if !x.Until.Equal(want) {
							t.Errorf("renewed until %v, want %v", x.Until, want)
						}
					}
				}
				return
			}
			if len(d.Withdraw) != 1 || d.Withdraw[0].ActivationID != a.ID || !strings.Contains(d.Withdraw[0].Reason, tc.withdraw) {
				t.Fatalf("withdraw %+v, want %q", d.Withdraw, tc.withdraw)
			}
			for _, x := range d.Active {
				if x.ID == a.ID {
					t.Fatalf("withdrawn activation still active")
				}
			}
			if !strings.Contains(d.Queues[0].Why, "Withdrawn: overflow") {
				t.Errorf("why %q", d.Queues[0].Why)
			}
		})
	}
}

func TestMaxMinutesBlocksTheSameDecision(t *testing.T) {
	a := engineActivation(strategy.Overflow, 130)
	in := strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{spike()}, Active: []strategy.Activation{a},
		Memory: strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 5}}}}
	d := strategy.Decide(in)
	if has(d.Active, strategy.Overflow) {
		t.Fatalf("overflow active again: %v", kinds(d.Active))
	}
	if o := option(d.Queues[0], strategy.Overflow); o.Feasible || !strings.Contains(o.Blocked, "120 minutes") {
		t.Fatalf("option %+v", o)
	}
	// The settings' MaxMinutes bound it instead of the catalog's.
	in.Settings.Strategies[strategy.Overflow] = strategy.StrategySettings{Enabled: true, MaxMinutes: 200}
	d = strategy.Decide(in)
	if !has(d.Active, strategy.Overflow) || len(d.Withdraw) != 0 {
		t.Fatalf("with max 200 min: active %v, withdraw %+v", kinds(d.Active), d.Withdraw)
	}
	for _, x := range d.Active {
		if x.Strategy == strategy.Overflow && !x.Until.Equal(t0.Add(15*time.Minute)) {
			t.Errorf("until %v", x.Until)
		}
	}
	// Renewal never passes Since + MaxMinutes.
	in.Active[0].Since = t0.Add(-195 * time.Minute)
	d = strategy.Decide(in)
	for _, x := range d.Active {
		if x.Strategy == strategy.Overflow && !x.Until.Equal(t0.Add(5*time.Minute)) {
			t.Errorf("until %v, want since + 200 min", x.Until)
		}
	}
}

func TestLapsedActivationIsWithdrawn(t *testing.T) {
	a := engineActivation(strategy.Overflow, 30)
	a.Until = t0
	d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{voiceQueue("billing", 30, 100)}, Active: []strategy.Activation{a}})
	if len(d.Withdraw) != 1 || !strings.Contains(d.Withdraw[0].Reason, "lapsed") {
		t.Fatalf("withdraw %+v", d.Withdraw)
	}
}

func TestOverrides(t *testing.T) {
	on := strategy.Override{ID: "ovr-1", Queue: "billing", Strategy: strategy.Callback, On: true, By: "sup1", Reason: "storm", Created: t0.Add(-time.Minute), Until: t0.Add(time.Hour)}
	off := strategy.Override{ID: "ovr-2", Queue: "billing", Strategy: strategy.Overflow, On: false, By: "sup2", Created: t0.Add(-time.Minute), Until: t0.Add(time.Hour)}
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	t.Run("on forces the activation, even with the engine off and no gap", func(t *testing.T) {
		s := strategy.Defaults()
		s.Enabled = false
		d := strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{voiceQueue("billing", 30, 100)}, Overrides: []strategy.Override{on}})
		if len(d.Activate) != 1 {
			t.Fatalf("activate %+v", d.Activate)
		}
		a := d.Activate[0]
		if a.Strategy != strategy.Callback || a.Source != strategy.ByOverride || a.OverrideID != "ovr-1" || !a.Until.Equal(on.Until) ||
			a.ID != "act-20250603T1000-billing-callback" || a.DecisionID != "" || !strings.Contains(a.Reason, "sup1") || a.Params.CallbackAfterSeconds == 0 {
			t.Fatalf("activation %+v", a)
		}
		// The next decision keeps it (held to its override), and withdraws it once the override ends.
		d2 := strategy.Decide(strategy.Input{Now: t0.Add(time.Minute), Settings: s, Queues: []strategy.Observation{voiceQueue("billing", 30, 100)}, Overrides: []strategy.Override{on}, Active: d.Active})
		if len(d2.Activate) != 0 || len(d2.Withdraw) != 0 || len(d2.Active) != 1 {
			t.Fatalf("second decision: %+v", d2)
		}
		d3 := strategy.Decide(strategy.Input{Now: t0.Add(2 * time.Minute), Settings: s, Queues: []strategy.Observation{voiceQueue("billing", 30, 100)}, Active: d2.Active})
		if len(d3.Withdraw) != 1 || !strings.Contains(d3.Withdraw[0].Reason, "override ovr-1 ended") || len(d3.Active) != 0 {
			t.Fatalf("after the override: %+v", d3)
		}
	})
	t.Run("on with params uses them", func(t *testing.T) {
		o := on
		o.Params = &strategy.Params{CallbackAfterSeconds: 90, PromiseMinutes: 30}
		d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{spike()}, Overrides: []strategy.Override{o}, Memory: streak})
		for _, a := range d.Active {
			if a.Strategy == strategy.Callback && (a.Params.CallbackAfterSeconds != 90 || a.Source != strategy.ByOverride) {
				t.Fatalf("callback %+v", a)
			}
		}
		if !has(d.Active, strategy.Callback) {
			t.Fatalf("no callback: %v", kinds(d.Active))
		}
	})
	t.Run("on replaces an engine activation", func(t *testing.T) {
		a := engineActivation(strategy.Callback, 20)
		d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{spike()}, Overrides: []strategy.Override{on}, Active: []strategy.Activation{a}, Memory: streak})
		if len(d.Withdraw) != 1 || d.Withdraw[0].ActivationID != a.ID || !strings.Contains(d.Withdraw[0].Reason, "replaced by sup1") {
			t.Fatalf("withdraw %+v", d.Withdraw)
		}
		n := 0
		for _, x := range d.Active {
			if x.Strategy == strategy.Callback {
				n++
				if x.Source != strategy.ByOverride {
					t.Errorf("callback %+v", x)
				}
			}
		}
		if n != 1 {
			t.Fatalf("%d callbacks active", n)
		}
	})
	t.Run("off withdraws the engine's and blocks it", func(t *testing.T) {
		a := engineActivation(strategy.Overflow, 20)
		d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{spike()}, Overrides: []strategy.Override{off}, Active: []strategy.Activation{a}, Memory: streak})
		if len(d.Withdraw) != 1 || d.Withdraw[0].Reason != "overridden off by sup2" {
			t.Fatalf("withdraw %+v", d.Withdraw)
		}
		if has(d.Active, strategy.Overflow) {
			t.Fatalf("overflow active: %v", kinds(d.Active))
		}
		if o := option(d.Queues[0], strategy.Overflow); o.Feasible || o.Blocked != "overridden off by sup2" {
			t.Fatalf("option %+v", o)
		}
	})
	t.Run("without overrides the engine chooses overflow", func(t *testing.T) {
		d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{spike()}, Memory: streak})
		if !has(d.Activate, strategy.Overflow) {
			t.Fatalf("activate %v: %s", kinds(d.Activate), d.Queues[0].Why)
		}
	})
	t.Run("the latest override wins", func(t *testing.T) {
		later := off
		later.ID, later.Strategy, later.Created = "ovr-3", strategy.Callback, t0
		d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{spike()}, Overrides: []strategy.Override{on, later}, Memory: streak})
		if has(d.Active, strategy.Callback) {
			t.Fatalf("callback active despite the later off: %v", kinds(d.Active))
		}
	})
	t.Run("an override for a queue not observed", func(t *testing.T) {
		o := on
		o.Queue = "sales"
		d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{spike()}, Overrides: []strategy.Override{o}})
		if len(d.Queues) != 2 || d.Queues[1].Queue != "sales" || !has(d.Activate, strategy.Callback) {
			t.Fatalf("queues %d, activate %+v", len(d.Queues), d.Activate)
		}
	})
}

func TestEngineOffAndDisabled(t *testing.T) {
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	a := engineActivation(strategy.Overflow, 20)
	s := strategy.Defaults()
	s.Enabled = false
	d := strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{spike()}, Active: []strategy.Activation{a}, Memory: streak})
	if len(d.Activate) != 0 || len(d.Withdraw) != 1 || d.Withdraw[0].Reason != "the engine was turned off" {
		t.Fatalf("engine off: activate %v withdraw %+v", kinds(d.Activate), d.Withdraw)
	}
	if !strings.Contains(d.Queues[0].Why, "The engine is off") {
		t.Errorf("why %q", d.Queues[0].Why)
	}
	s = strategy.Defaults()
	s.Strategies[strategy.Overflow] = strategy.StrategySettings{Enabled: false}
	d = strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{spike()}, Active: []strategy.Activation{a}, Memory: streak})
	if has(d.Active, strategy.Overflow) || len(d.Withdraw) != 1 || !strings.Contains(d.Withdraw[0].Reason, "disabled") {
		t.Fatalf("disabled: active %v withdraw %+v", kinds(d.Active), d.Withdraw)
	}
	if o := option(d.Queues[0], strategy.Overflow); o.Feasible || o.Blocked != "disabled in the settings" {
		t.Fatalf("option %+v", o)
	}
}

func TestPreconditions(t *testing.T) {
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	bare := withForecast(voiceQueue("billing", 10, 300), 300, 300, 300)
	d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{bare}, Memory: streak})
	want := map[strategy.Kind]string{
		strategy.PauseOutbound: "no agents on outbound campaigns",
		strategy.CallIn:        "no on-call staff",
		strategy.Overflow:      "no backup agents",
		strategy.MoveAgents:    "no multi-skilled agents",
		strategy.BotFirst:      "no chat handoffs",
	}
	for k, reason := range want {
		if o := option(d.Queues[0], k); o.Feasible || !strings.Contains(o.Blocked, reason) {
			t.Errorf("%s: %+v, want blocked %q", k, o, reason)
		}
		if has(d.Activate, k) {
			t.Errorf("%s activated", k)
		}
	}
	for _, k := range []strategy.Kind{strategy.Divert, strategy.Callback, strategy.AnnounceWait} {
		if o := option(d.Queues[0], k); !o.Feasible {
			t.Errorf("%s: %+v, want feasible", k, o)
		}
	}
	// Resources make them feasible; MoveAgents only with a voice gap and chat not short.
	rich := bare
	rich.OutboundAgents, rich.OnCall, rich.BackupAgents, rich.MovableAgents = 2, 2, 2, 2
	rich.Channels = append(rich.Channels, strategy.ChannelView{Channel: strategy.Chat, Busy: 5, Available: 5, Capacity: 3, ArrivalsPerHour: 30, HandleSeconds: 400})
	rich.BotResolution = map[string]float64{"balance": 0.9, "card": 0.4}
	rich.HandoffIntents = map[string]float64{"balance": 0.3, "card": 0.5}
	d = strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{rich}, Memory: streak})
	for _, o := range d.Queues[0].Options {
		if !o.Feasible {
			t.Errorf("%s: blocked %q", o.Strategy, o.Blocked)
		}
	}
	if o := option(d.Queues[0], strategy.BotFirst); len(o.Params.Intents) != 1 || o.Params.Intents[0] != "balance" {
		t.Errorf("bot first intents %v", o.Params.Intents)
	}
	if o := option(d.Queues[0], strategy.MoveAgents); o.Params.Agents != 2 {
		t.Errorf("move agents %+v", o.Params)
	}
	short := rich
	short.Channels = append([]strategy.ChannelView(nil), rich.Channels...)
	short.Channels[1].ArrivalsPerHour = 500
	d = strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{short}, Memory: streak})
	if o := option(d.Queues[0], strategy.MoveAgents); o.Feasible || o.Blocked != "chat is short too" {
		t.Errorf("move agents with chat short: %+v", o)
	}
}

func TestLeastCostCombination(t *testing.T) {
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	// A gap of one or two agents and two backup agents: overflow alone closes it, cheapest.
	o := voiceQueue("billing", 10, 150)
	o.BackupAgents, o.OnCall, o.OutboundAgents = 3, 3, 3
	d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{o}, Memory: streak})
	g := d.Queues[0].Gap
	if g.Projected < 1 || g.Projected > 3 {
		t.Fatalf("gap %+v: the test wants 1 to 3 agents", g)
	}
	if got := kinds(d.Activate); len(got) != 1 || got[0] != strategy.Overflow {
		t.Fatalf("activated %v, want overflow alone: %s", got, d.Queues[0].Why)
	}
	if !strings.Contains(d.Queues[0].Why, "least costly combination that closes the gap") {
		t.Errorf("why %q", d.Queues[0].Why)
	}
	// Overflow costs more than pausing outbound when its cost is raised: pause outbound instead.
	s := strategy.Defaults()
	c := 5.0
	s.Strategies[strategy.Overflow] = strategy.StrategySettings{Enabled: true, Cost: &c}
	d = strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{o}, Memory: streak})
	if got := kinds(d.Activate); len(got) != 1 || got[0] != strategy.PauseOutbound {
		t.Fatalf("activated %v, want pause_outbound alone: %s", got, d.Queues[0].Why)
	}
	// A gap nothing closes: the combination closing the most.
	huge := withForecast(voiceQueue("billing", 10, 900), 900, 900, 900)
	huge.BackupAgents = 2
	d = strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{huge}, Memory: streak})
	if !strings.Contains(d.Queues[0].Why, "Nothing closes the gap") || !has(d.Activate, strategy.Overflow) || !has(d.Activate, strategy.Divert) || !has(d.Activate, strategy.Callback) {
		t.Fatalf("activated %v: %s", kinds(d.Activate), d.Queues[0].Why)
	}
	for _, a := range d.Activate {
		if !strings.Contains(a.Reason, "nothing closes it") {
			t.Errorf("reason %q", a.Reason)
		}
	}
}

func TestExplanationsNameTheGapAndOptions(t *testing.T) {
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{spike()}, Memory: streak})
	why := d.Queues[0].Why
	for _, want := range []string{"billing needs", "signed in", "projected gap", "service level", "Options:", "overflow (+2.0 agents", "Not feasible:", "pause_outbound (no agents on outbound campaigns)", "hose divert + callback + overflow", "Activated: "} {
		if !strings.Contains(why, want) {
			t.Errorf("why lacks %q: %s", want, why)
		}
	}
	for _, a := range d.Activate {
		if !strings.Contains(a.Reason, "Projected gap of") || !strings.Contains(a.Reason, string(a.Strategy)) || !strings.Contains(a.Reason, "cost") {
			t.Errorf("reason %q", a.Reason)
		}
		if a.ID != "act-20250603T1000-billing-"+string(a.Strategy) || a.DecisionID != d.ID || a.GapAgents <= 0 || a.Context.Channel != strategy.Voice {
			t.Errorf("activation %+v", a)
		}
	}
	if d.Queues[0].Chosen == nil {
		t.Errorf("chosen empty")
	}
}

func TestStrategiesInForceCoverTheGap(t *testing.T) {
	// Overflow in force covers its two agents: the gap reported is what remains, and the engine
	// does not add more when that is closed.
	o := voiceQueue("billing", 10, 150)
	o.BackupAgents = 0 // busy with the overflowed calls
	o.OnCall = 3
	a := engineActivation(strategy.Overflow, 5)
	a.Expected.Agents = 3
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	without := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{o}, Memory: streak})
	with := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{o}, Memory: streak, Active: []strategy.Activation{a}})
	gw, g := without.Queues[0].Gap, with.Queues[0].Gap
	if g.Covered != 3 || g.Projected != gw.Projected-3 || g.ServiceLevel <= gw.ServiceLevel {
		t.Fatalf("gap without %+v, with overflow in force %+v", gw, g)
	}
	if g.Open || len(with.Activate) != 0 || len(with.Withdraw) != 0 || !has(with.Active, strategy.Overflow) {
		t.Fatalf("with overflow in force: activate %v withdraw %+v: %s", kinds(with.Activate), with.Withdraw, with.Queues[0].Why)
	}
	if !strings.Contains(with.Queues[0].Why, "in force cover 3.0 agents") {
		t.Errorf("why %q", with.Queues[0].Why)
	}
	// The need lasts (the observed gap is open), so the clock of withdrawal does not run.
	if m := with.Memory.Queues["billing"]; !m.ClosedSince.IsZero() || m.GapStreak != 0 {
		t.Fatalf("memory %+v", m)
	}
}

func TestCallbackOfferedSooner(t *testing.T) {
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	s := strategy.Defaults()
	s.Strategies[strategy.Divert] = strategy.StrategySettings{}
	s.Strategies[strategy.AnnounceWait] = strategy.StrategySettings{}
	offer := func(rate float64, active ...strategy.Activation) (int, strategy.Decision) {
		o := voiceQueue("billing", 10, rate)
		o.BackupAgents = 1
		o.Channels[0].PatienceSeconds = 300
		d := strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{o}, Memory: streak, Active: active})
		for _, a := range d.Active {
			if a.Strategy == strategy.Callback {
				return a.Params.CallbackAfterSeconds, d
			}
		}
		return 0, d
	}
	// The least costly offer that closes the gap with overflow: at 20 s for 3 agents; when
	// nothing closes it, at once (5 s).
	for _, tc := range []struct {
		rate  float64
		after int
	}{{150, 20}, {250, 5}, {600, 5}} {
		if after, d := offer(tc.rate); after != tc.after {
			t.Errorf("rate %v: offered after %d s, want %d: %s", tc.rate, after, tc.after, d.Queues[0].Why)
		}
	}
	// In force at 40 s, it is moved sooner while the gap stays open, and never back.
	old := engineActivation(strategy.Callback, 5)
	old.Params = strategy.Params{CallbackAfterSeconds: 40, PromiseMinutes: 60}
	after, d := offer(600, old)
	if after != 5 || d.Active[0].ID != old.ID || !strings.Contains(d.Queues[0].Why, "callback offered sooner (after 5 s)") {
		t.Fatalf("in force: after %d: %s", after, d.Queues[0].Why)
	}
	soon := old
	soon.Params.CallbackAfterSeconds = 5
	if after, _ := offer(140, soon); after != 5 {
		t.Fatalf("moved later: %d", after)
	}
	// Before a choice, the option is offered after twice the target.
	wait := strategy.Defaults()
	wait.ActivateAfterMinutes = 2
	d = strategy.Decide(strategy.Input{Now: t0, Settings: wait, Queues: []strategy.Observation{voiceQueue("billing", 10, 140)}})
	if o := option(d.Queues[0], strategy.Callback); o.Params.CallbackAfterSeconds != 40 {
		t.Fatalf("callback option %+v", o.Params)
	}
}

func TestDivertCap(t *testing.T) {
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	huge := withForecast(voiceQueue("billing", 10, 600), 600, 600)
	share := func(s strategy.Settings, divertible float64) float64 {
		o := huge
		o.Divertible = divertible
		d := strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{o}, Memory: streak})
		for _, a := range d.Active {
			if a.Strategy == strategy.Divert {
				return a.Params.DivertShare
			}
		}
		if o := option(d.Queues[0], strategy.Divert); !o.Feasible {
			return -1
		}
		return 0
	}
	s := strategy.Defaults()
	if got := share(s, 0); got != 0.2 {
		t.Errorf("divertible unknown: share %v, want the cap 0.2 offered", got)
	}
	if got := share(s, 0.4); got < 0.45 || got*0.4*strategy.DivertCapMargin > 0.2+1e-9 {
		t.Errorf("divertible 0.4: share %v, want 0.2 ÷ (0.4 × margin)", got)
	}
	s.DivertCapPercent = 5
	if got := share(s, 0); got != 0.05 {
		t.Errorf("cap 5 %%: share %v", got)
	}
}

func TestUnknownStrategyInForceIsWithdrawn(t *testing.T) {
	a := engineActivation("teleport", 5)
	d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{voiceQueue("billing", 30, 100)}, Active: []strategy.Activation{a}})
	if len(d.Withdraw) != 1 || !strings.Contains(d.Withdraw[0].Reason, "not a strategy") || len(d.Active) != 0 {
		t.Fatalf("withdraw %+v active %v", d.Withdraw, kinds(d.Active))
	}
}

func TestChatStrategies(t *testing.T) {
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"support": {GapStreak: 3}}}
	chat := strategy.Observation{
		Queue: "support", TargetSeconds: 60, TargetPercent: 80,
		BotResolution:  map[string]float64{"balance": 0.85, "dispute": 0.2, "card": 0.7},
		HandoffIntents: map[string]float64{"balance": 0.1, "dispute": 0.5, "card": 0.08},
		Channels: []strategy.ChannelView{{
			Channel: strategy.Chat, Busy: 8, Capacity: 3, ArrivalsPerHour: 220, HandleSeconds: 600, PatienceSeconds: 300,
		}},
	}
	d := strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{chat}, Memory: streak})
	qd := d.Queues[0]
	if !qd.Gap.Open {
		t.Fatalf("gap %+v", qd.Gap)
	}
	bot := option(qd, strategy.BotFirst)
	if !bot.Feasible || len(bot.Params.Intents) != 2 || bot.Params.Intents[0] != "balance" || bot.Params.Intents[1] != "card" {
		t.Fatalf("bot first %+v", bot)
	}
	if bot.Expected.CustomersPerHour > 0.2*220+1e-9 || bot.Expected.Agents <= 0 {
		t.Fatalf("bot first expected %+v", bot.Expected)
	}
	for _, k := range []strategy.Kind{strategy.Divert, strategy.Callback} {
		if o := option(qd, k); o.Feasible {
			t.Errorf("%s feasible on a chat queue", k)
		}
	}
	if !has(d.Activate, strategy.BotFirst) {
		t.Fatalf("activated %v: %s", kinds(d.Activate), qd.Why)
	}
	// A cap of 5 % leaves room for the best intent only; of 1 %, for none.
	s := strategy.Defaults()
	s.DivertCapPercent = 5
	d = strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{chat}, Memory: streak})
	if o := option(d.Queues[0], strategy.BotFirst); len(o.Params.Intents) != 0 && (len(o.Params.Intents) != 1 || o.Params.Intents[0] != "balance") {
		t.Fatalf("cap 5 %%: %+v", o.Params.Intents)
	}
	s.DivertCapPercent = 1
	d = strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{chat}, Memory: streak})
	if o := option(d.Queues[0], strategy.BotFirst); o.Feasible || !strings.Contains(o.Blocked, "divert cap") {
		t.Fatalf("cap 1 %%: %+v", o)
	}

	// Voice short, chat with room: multi-skilled agents move to voice.
	both := voiceQueue("support", 10, 170)
	both.MovableAgents = 3
	both.Channels = append(both.Channels, strategy.ChannelView{Channel: strategy.Chat, Busy: 6, Available: 6, Capacity: 3, ArrivalsPerHour: 40, HandleSeconds: 600})
	d = strategy.Decide(strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{both}, Memory: streak})
	mv := option(d.Queues[0], strategy.MoveAgents)
	if !mv.Feasible || mv.Params.Agents < 1 || mv.Params.Agents > 3 || !has(d.Activate, strategy.MoveAgents) {
		t.Fatalf("move agents %+v, activated %v: %s", mv, kinds(d.Activate), d.Queues[0].Why)
	}
	if c := d.Activate[0].Context; c.Channel != strategy.Voice {
		t.Errorf("context %+v", c)
	}
}

func TestManyQueues(t *testing.T) {
	quiet := voiceQueue("a-quiet", 30, 100)
	busy := spike()
	busy.Queue = "b-busy"
	gone := engineActivation(strategy.Overflow, 30)
	gone.Queue = "c-gone"
	in := strategy.Input{
		Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{busy, quiet, busy},
		Active: []strategy.Activation{gone},
		Memory: strategy.Memory{Queues: map[string]strategy.QueueMemory{"b-busy": {GapStreak: 2}, "old": {GapStreak: 9}}},
	}
	d := strategy.Decide(in)
	if len(d.Queues) != 3 || d.Queues[0].Queue != "b-busy" || d.Queues[1].Queue != "a-quiet" || d.Queues[2].Queue != "c-gone" {
		t.Fatalf("queues %v", d.Queues)
	}
	if !strings.Contains(d.Queues[2].Why, "The floor is closed") {
		t.Errorf("unobserved queue: %s", d.Queues[2].Why)
	}
	if _, ok := d.Memory.Queues["old"]; ok || d.Memory.Queues["b-busy"].GapStreak != 3 || d.Memory.Queues["a-quiet"].GapStreak != 0 {
		t.Fatalf("memory %+v", d.Memory)
	}
	for i := 1; i < len(d.Active); i++ {
		if d.Active[i-1].Queue == "c-gone" && d.Active[i].Queue == "b-busy" {
			t.Fatalf("active not in the queues' order: %v", d.Active)
		}
	}
	// The unobserved queue's activation is kept until the gap has been closed long enough.
	if !has(d.Active, strategy.Overflow) {
		t.Fatalf("active %v", kinds(d.Active))
	}
	in.Memory = d.Memory
	in.Active = d.Active
	in.Now = t0.Add(6 * time.Minute)
	d = strategy.Decide(in)
	for _, a := range d.Active {
		if a.Queue == "c-gone" {
			t.Fatalf("c-gone still active after 6 minutes closed: %+v", d.Withdraw)
		}
	}
}

func TestCallbackPromise(t *testing.T) {
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	s := strategy.Defaults()
	s.HorizonMinutes = 120
	promise := func(o strategy.Observation, active ...strategy.Activation) int {
		d := strategy.Decide(strategy.Input{Now: t0, Settings: s, Queues: []strategy.Observation{o}, Memory: streak, Active: active})
		for _, a := range d.Active {
			if a.Strategy == strategy.Callback {
				return a.Params.PromiseMinutes
			}
		}
		t.Fatalf("no callback: %s", d.Queues[0].Why)
		return 0
	}
	// The forecast's peak ends at 11:30: promised by 12:00.
	if got := promise(withForecast(voiceQueue("billing", 10, 100), 400, 400, 400, 100)); got != 120 {
		t.Errorf("peak ending in 90 min: promise %d min", got)
	}
	// Open all along the two hours: the horizon and the margin.
	if got := promise(withForecast(voiceQueue("billing", 10, 400), 400, 400, 400, 400, 400)); got != 150 {
		t.Errorf("open all along: promise %d min", got)
	}
	// In force with a longer promise: never lowered.
	old := engineActivation(strategy.Callback, 5)
	old.Params = strategy.Params{CallbackAfterSeconds: 20, PromiseMinutes: 200}
	if got := promise(withForecast(voiceQueue("billing", 10, 100), 400, 400, 400, 100), old); got != 200 {
		t.Errorf("in force: promise %d min", got)
	}
}
