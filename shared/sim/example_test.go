package sim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/sim"
)

// Four half-hours planned for 100 calls each with 12 agents, the second hour at 3×: the static
// plan's figures over the spike's callers. The same Scenario under sim.EngineAll runs the
// dispatch engine's Decide every simulated minute on the same customers.
func ExampleRun() {
	start := time.Date(2003, 3, 3, 7, 0, 0, 0, time.UTC)
	sc := sim.Scenario{
		Start:           start,
		Interval:        30 * time.Minute,
		Arrivals:        []float64{100, 100, 300, 300},
		Forecast:        []float64{100, 100, 100, 100},
		Agents:          []int{12, 12, 12, 12},
		HandleSeconds:   180,
		PatienceSeconds: 120,
		Divertible:      0.3,
		Seed:            1,
		MeasureFrom:     start.Add(time.Hour),
		MeasureTo:       start.Add(2 * time.Hour),
	}
	r, err := sim.Run(context.Background(), sc, sim.Static)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d arrived, %d answered, %d abandoned, service level %.0f%%\n", r.Policy, r.Arrived, r.Answered, r.Abandoned, 100*r.ServiceLevel)
	// Output: static: 569 arrived, 240 answered, 329 abandoned, service level 1%
}
