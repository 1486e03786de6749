package sim

import (
	"context"
	"fmt"
)

// Run simulates the scenario under the policy. Every policy of the same scenario meets the same
// customers (drawn from sc.Seed before the run). The engine policies call strategy.Decide every
// simulated minute; the result counts the customers arriving inside the measured window.
func Run(ctx context.Context, sc Scenario, p Policy) (Result, error) {
	sc = sc.withDefaults()
	if err := sc.Validate(); err != nil {
		return Result{}, err
	}
	if p.Name == "" {
		return Result{}, fmt.Errorf("%w: a policy needs a name", ErrScenario)
	}
	custs := drawCustomers(sc.Arrivals, sc.Interval, sc.HandleSeconds, sc.HandleCV, sc.PatienceSeconds, sc.Seed)
	f := newFloor(ctx, sc, custs)
	if p.Engine {
		f.onTick = newEngine(sc, p).tick
	}
	if err := f.run(); err != nil {
		return Result{}, fmt.Errorf("sim %s: %w", p.Name, err)
	}
	return f.result(p.Name), nil
}
