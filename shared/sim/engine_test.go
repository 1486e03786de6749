package sim

import (
	"context"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

// spiked is four hours planned for 100 calls per half-hour, with a 3× hour the forecast does not
// know, and reserves for every resource strategy.
func spiked() Scenario {
	sc := flat(8, 100, 12)
	sc.Forecast = append([]float64(nil), sc.Arrivals...)
	sc.Arrivals[2], sc.Arrivals[3] = 300, 300
	sc.Divertible = 0.3
	sc.BackupAgents, sc.OnCallAgents, sc.MovableAgents, sc.OutboundAgents = 2, 2, 1, 1
	sc.MeasureFrom, sc.MeasureTo = day.Add(time.Hour), day.Add(2*time.Hour)
	return sc
}

// The engine policy runs the real Decide every simulated minute and acts on the floor: under a
// spike the forecast missed, it helps, within the divert cap; the static plan never decides.
func TestEngineActsOnASpike(t *testing.T) {
	sc := spiked()
	static, err := Run(context.Background(), sc, Static)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := Run(context.Background(), sc, EngineAll)
	if err != nil {
		t.Fatal(err)
	}
	if eng.Decisions != 8*30 || len(eng.DecideNanos) != eng.Decisions {
		t.Errorf("%d decisions (%d timed) in 240 simulated minutes", eng.Decisions, len(eng.DecideNanos))
	}
	if eng.Arrived != static.Arrived {
		t.Errorf("arrivals differ: engine %d, static %d", eng.Arrived, static.Arrived)
	}
	if eng.AbandonRate >= static.AbandonRate || eng.ServiceLevel <= static.ServiceLevel {
		t.Errorf("engine %+v did not beat static %+v", eng, static)
	}
	if share := 100 * eng.DivertShare(); share > strategy.Defaults().DivertCapPercent+0.5 {
		t.Errorf("diverted %.1f%% of arrivals, cap %.0f%%", share, strategy.Defaults().DivertCapPercent)
	}
	if len(eng.StrategyMinutes) == 0 {
		t.Error("no strategy was in force")
	}
	for _, r := range []Result{static, eng} {
		t.Logf("%s: SL %.3f abandon %.3f diverted %d callbacks %d minutes in force %v", r.Policy, r.ServiceLevel, r.AbandonRate, r.Diverted, r.Callbacks, r.StrategyMinutes)
	}
}

// Only:<kind> enables that strategy alone: nothing else is ever in force.
func TestOnlyPolicyKeepsToItsStrategy(t *testing.T) {
	sc := spiked()
	for _, k := range []strategy.Kind{strategy.Overflow, strategy.Callback} {
		r, err := Run(context.Background(), sc, Only(k))
		if err != nil {
			t.Fatal(err)
		}
		for got := range r.StrategyMinutes {
			if got != k {
				t.Errorf("only:%s had %s in force", k, got)
			}
		}
		if r.StrategyMinutes[k] == 0 {
			t.Errorf("only:%s never activated it under a 3× spike", k)
		}
	}
}

// A supervisor's override reaches Decide in simulation too: forced on with its params, it is in
// force from its start to its end whatever the gap; forced off, the engine keeps away from it.
func TestOverridesInSimulation(t *testing.T) {
	sc := spiked()
	sc.Overrides = []strategy.Override{
		{ID: "ov-1", Queue: QueueName, Strategy: strategy.Callback, On: true, By: "sup", Created: day.Add(30 * time.Minute), Until: day.Add(90 * time.Minute),
			Params: &strategy.Params{CallbackAfterSeconds: 5, PromiseMinutes: 240}},
		{ID: "ov-2", Queue: QueueName, Strategy: strategy.Overflow, On: false, By: "sup", Created: day, Until: day.Add(8 * time.Hour)},
	}
	r, err := Run(context.Background(), sc, EngineAll)
	if err != nil {
		t.Fatal(err)
	}
	if r.StrategyMinutes[strategy.Overflow] != 0 {
		t.Errorf("overflow overridden off was in force %d minutes", r.StrategyMinutes[strategy.Overflow])
	}
	if m := r.StrategyMinutes[strategy.Callback]; m < 60 {
		t.Errorf("callback forced on for an hour was in force %d minutes", m)
	}
}
