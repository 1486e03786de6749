package routing_test

import (
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/routing"
)

func ExampleDecide() {
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	queues := map[string]routing.Queue{
		"billing": {Name: "billing", RequiredSkills: []string{"billing"}, BackupSkills: []string{"general"},
			Overflow: []routing.OverflowRule{{After: 30 * time.Second}}, MaxWait: 2 * time.Minute},
	}
	agents := []routing.Agent{
		{ID: "li", State: routing.StateAvailable, Skills: map[string]int{"billing": 4},
			Capacity: map[routing.Channel]int{routing.ChannelVoice: 1, routing.ChannelChat: 3}, IdleSince: now.Add(-5 * time.Minute)},
		{ID: "wang", State: routing.StateAvailable, Skills: map[string]int{"general": 5},
			Capacity: map[routing.Channel]int{routing.ChannelVoice: 1}, IdleSince: now.Add(-time.Hour)},
	}
	waiting := []routing.Contact{
		{ID: "call-1", Channel: routing.ChannelVoice, Queue: "billing", EnqueuedAt: now.Add(-40 * time.Second)},
		{ID: "call-2", Channel: routing.ChannelVoice, Queue: "billing", EnqueuedAt: now.Add(-10 * time.Second)},
	}
	plan := routing.Decide(now, queues, waiting, agents)
	for _, a := range plan.Assignments {
		fmt.Printf("%s -> %s: %s\n", a.ContactID, a.AgentID, a.Why)
	}
	for _, w := range plan.Waiting {
		fmt.Printf("%s waits: %s\n", w.ContactID, w.Reason)
	}
	fmt.Println("wake at", plan.NextWake.Format(time.TimeOnly))
	// Output:
	// call-1 -> li: ring 0 (billing), proficiency 4, voice load 0/1, idle 5m0s, 0 missed; best of 2 with a free slot
	// call-2 waits: skilled_agents_busy
	// wake at 08:00:20
}
