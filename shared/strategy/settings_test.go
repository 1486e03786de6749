package strategy_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/strategy"
)

func TestDefaults(t *testing.T) {
	d := strategy.Defaults()
	if errs := d.Check(); errs != nil {
		t.Fatalf("Defaults().Check() = %v", errs)
	}
	if !d.Enabled || d.DivertCapPercent != 20 || d.HorizonMinutes != 60 || d.ActivateAfterMinutes != 1 ||
		d.WithdrawAfterMinutes != 5 || d.MinActiveMinutes != 10 || d.ExplorationBudget != 2 {
		t.Fatalf("defaults %+v", d)
	}
	for _, sp := range strategy.Catalog() {
		if !d.Strategies[sp.Kind].Enabled {
			t.Errorf("%s not enabled by default", sp.Kind)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	var zero strategy.Settings
	if got := zero.WithDefaults(); !got.Enabled || got.HorizonMinutes != 60 || len(got.Strategies) != 8 {
		t.Fatalf("zero settings → %+v, want Defaults()", got)
	}
	partial := strategy.Settings{
		Enabled: false, ExplorationBudget: 0, HorizonMinutes: 90,
		Strategies: map[strategy.Kind]strategy.StrategySettings{strategy.Divert: {Enabled: false}},
	}
	got := partial.WithDefaults()
	if got.Enabled || got.ExplorationBudget != 0 || got.HorizonMinutes != 90 || got.DivertCapPercent != 20 ||
		got.ActivateAfterMinutes != 1 || got.WithdrawAfterMinutes != 5 || got.MinActiveMinutes != 10 {
		t.Fatalf("partial → %+v", got)
	}
	if got.Strategies[strategy.Divert].Enabled || !got.Strategies[strategy.Callback].Enabled {
		t.Fatalf("strategies %+v", got.Strategies)
	}
	// The input's map is not written.
	if len(partial.Strategies) != 1 {
		t.Fatalf("WithDefaults wrote its receiver's map")
	}
	if errs := got.Check(); errs != nil {
		t.Fatalf("check %v", errs)
	}
}

func TestCheck(t *testing.T) {
	neg := -1.0
	nan := math.NaN()
	for _, tc := range []struct {
		name  string
		edit  func(*strategy.Settings)
		field string
	}{
		{"cap above 100", func(s *strategy.Settings) { s.DivertCapPercent = 101 }, "/divert_cap_percent"},
		{"cap NaN", func(s *strategy.Settings) { s.DivertCapPercent = nan }, "/divert_cap_percent"},
		{"horizon short", func(s *strategy.Settings) { s.HorizonMinutes = 10 }, "/horizon_minutes"},
		{"horizon long", func(s *strategy.Settings) { s.HorizonMinutes = 241 }, "/horizon_minutes"},
		{"activate after 0", func(s *strategy.Settings) { s.ActivateAfterMinutes = 0 }, "/activate_after_minutes"},
		{"withdraw after 0", func(s *strategy.Settings) { s.WithdrawAfterMinutes = 0 }, "/withdraw_after_minutes"},
		{"min active negative", func(s *strategy.Settings) { s.MinActiveMinutes = -1 }, "/min_active_minutes"},
		{"exploration negative", func(s *strategy.Settings) { s.ExplorationBudget = -1 }, "/exploration_budget"},
		{"unknown strategy", func(s *strategy.Settings) { s.Strategies["teleport"] = strategy.StrategySettings{Enabled: true} }, "/strategies/teleport"},
		{"negative cost", func(s *strategy.Settings) {
			s.Strategies[strategy.Divert] = strategy.StrategySettings{Enabled: true, Cost: &neg}
		}, "/strategies/divert/cost"},
		{"max minutes too long", func(s *strategy.Settings) {
			s.Strategies[strategy.CallIn] = strategy.StrategySettings{Enabled: true, MaxMinutes: 2000}
		}, "/strategies/call_in/max_minutes"},
		{"empty on-call id", func(s *strategy.Settings) { s.OnCall = []string{"u1", " "} }, "/on_call/1"},
		{"repeated on-call id", func(s *strategy.Settings) { s.OnCall = []string{"u1", "u1"} }, "/on_call/1"},
		{"link not http", func(s *strategy.Settings) { s.DivertLink = "javascript:alert(1)" }, "/divert_link"},
		{"link with credentials", func(s *strategy.Settings) { s.DivertLink = "https://a:b@example.com/x" }, "/divert_link"},
		{"strategy name with a slash is escaped", func(s *strategy.Settings) { s.Strategies["a/b"] = strategy.StrategySettings{} }, "/strategies/a~1b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := strategy.Defaults()
			tc.edit(&s)
			errs := s.Check()
			if len(errs) != 1 || errs[0].Field != tc.field || errs[0].Reason == "" {
				t.Fatalf("Check() = %v, want one error at %s", errs, tc.field)
			}
		})
	}
	ok := strategy.Defaults()
	ok.DivertLink = "https://help.example.com/self-service"
	ok.OnCall = []string{"u1", "u2"}
	ok.DivertCapPercent = 0
	ok.ExplorationBudget = 0
	ok.MinActiveMinutes = 0
	if errs := ok.Check(); errs != nil {
		t.Fatalf("valid settings: %v", errs)
	}
}

func TestSettingsJSON(t *testing.T) {
	b, err := json.Marshal(strategy.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	var back strategy.Settings
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	if errs := back.Check(); errs != nil {
		t.Fatal(errs)
	}
}

func TestCatalog(t *testing.T) {
	c := strategy.Catalog()
	all := []strategy.Kind{events.StrategyDivert, events.StrategyBotFirst, events.StrategyCallback, events.StrategyOverflow,
		events.StrategyAnnounceWait, events.StrategyPauseOutbound, events.StrategyMoveAgents, events.StrategyCallIn}
	if len(c) != len(all) {
		t.Fatalf("%d strategies", len(c))
	}
	for i, sp := range c {
		if sp.Kind != all[i] {
			t.Errorf("catalog[%d] = %s, want %s (fixed order)", i, sp.Kind, all[i])
		}
		if sp.Name == "" || sp.Description == "" || len(sp.Channels) == 0 || sp.DefaultMaxMinutes <= 0 || sp.Executor == "" ||
			sp.CostPerCustomer < 0 || sp.FixedCost < 0 || sp.CostPerCustomer+sp.FixedCost == 0 {
			t.Errorf("spec %+v", sp)
		}
	}
	// A copy: editing it changes nothing.
	c[0].Channels[0] = "fax"
	if strategy.Catalog()[0].Channels[0] == "fax" {
		t.Fatal("Catalog shares its slices")
	}
}

func TestDecisionID(t *testing.T) {
	if got := strategy.DecisionID(t0.Add(90 * 1e9)); got != "20250603T1001" {
		t.Fatalf("DecisionID = %q", got)
	}
	if got := strategy.ActivationID("20250603T1001", "billing", strategy.Divert); got != "act-20250603T1001-billing-divert" {
		t.Fatalf("ActivationID = %q", got)
	}
}

func TestContextOf(t *testing.T) {
	mixed := voiceQueue("q", 5, 60) // voice load 4 agents
	mixed.Channels = append(mixed.Channels, strategy.ChannelView{Channel: strategy.Chat, ArrivalsPerHour: 120, HandleSeconds: 600, Capacity: 2})
	for _, tc := range []struct {
		o    strategy.Observation
		gap  float64
		want strategy.Context
	}{
		{voiceQueue("q", 5, 60), 0.5, strategy.Context{Gap: "small", Channel: strategy.Voice}},
		{voiceQueue("q", 5, 60), 2, strategy.Context{Gap: "medium", Channel: strategy.Voice}},
		{voiceQueue("q", 5, 60), 6, strategy.Context{Gap: "large", Channel: strategy.Voice}},
		{mixed, 3, strategy.Context{Gap: "medium", Channel: strategy.Chat}}, // chat load 10 agents
		{strategy.Observation{Queue: "empty"}, 0, strategy.Context{Gap: "small", Channel: strategy.Voice}},
	} {
		if got := strategy.ContextOf(tc.o, tc.gap); got != tc.want {
			t.Errorf("ContextOf(%s, %v) = %+v, want %+v", tc.o.Queue, tc.gap, got, tc.want)
		}
	}
}

func TestDefaultParams(t *testing.T) {
	s := strategy.Defaults()
	s.DivertLink = "https://help.example.com"
	s.OnCall = []string{"u1", "u2"}
	o := voiceQueue("q", 4, 100)
	o.Channels[0].Waiting = 5
	o.MovableAgents = 2
	o.BotResolution = map[string]float64{"a": 0.9, "b": 0.65, "c": 0.3}
	o.HandoffIntents = map[string]float64{"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}
	for k, want := range map[strategy.Kind]strategy.Params{
		strategy.Divert:        {DivertShare: 0.2, DivertLink: "https://help.example.com"},
		strategy.BotFirst:      {Intents: []string{"a", "b"}},
		strategy.Callback:      {CallbackAfterSeconds: 40, PromiseMinutes: 60},
		strategy.AnnounceWait:  {ExpectedWaitSeconds: 360}, // 6 callers ahead × 240 s ÷ 4 agents
		strategy.MoveAgents:    {Agents: 2},
		strategy.CallIn:        {Users: []string{"u1", "u2"}},
		strategy.Overflow:      {},
		strategy.PauseOutbound: {},
	} {
		got := strategy.DefaultParams(k, s, o)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("DefaultParams(%s) = %+v, want %+v", k, got, want)
		}
	}
}
