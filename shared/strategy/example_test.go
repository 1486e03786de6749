package strategy_test

import (
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

// A voice queue whose callers arrive at three times the plan: the engine sees the gap and
// chooses the least costly strategies that close it.
func ExampleDecide() {
	now := time.Date(2025, 6, 3, 10, 0, 0, 0, time.UTC)
	in := strategy.Input{
		Tenant:   "demo",
		Now:      now,
		Settings: strategy.Defaults(),
		Queues: []strategy.Observation{{
			Queue: "billing", TargetSeconds: 20, TargetPercent: 80,
			BackupAgents: 2, OnCall: 3,
			Channels: []strategy.ChannelView{{
				Channel: strategy.Voice, Waiting: 6, LongestWaitSeconds: 95, Available: 0, Busy: 10, Capacity: 1,
				ArrivalsPerHour: 180, HandleSeconds: 240, PatienceSeconds: 120,
			}},
		}},
	}
	d := strategy.Decide(in)
	fmt.Println(d.ID)
	for _, a := range d.Activate {
		fmt.Println(a.ID, a.Source)
	}
	fmt.Println(d.Queues[0].Gap.Open)
	// Output:
	// 20250603T1000
	// act-20250603T1000-billing-divert engine
	// act-20250603T1000-billing-callback engine
	// act-20250603T1000-billing-overflow engine
	// act-20250603T1000-billing-announce_wait engine
	// true
}
