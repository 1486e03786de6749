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

// The judge compares what happened with the simulator's counterfactual; the scores learn the
// ratio of measured to modelled effect, shrunk toward 1 while there are few judgements.
func ExampleScores_Learn() {
	a := strategy.Activation{
		ID: "act-20250603T1000-billing-overflow", Queue: "billing", Strategy: strategy.Overflow,
		Expected: strategy.Effect{Agents: 2, Cost: 2.5}, GapAgents: 4,
		Context: strategy.Context{Gap: "medium", Channel: strategy.Voice},
	}
	from := time.Date(2025, 6, 3, 10, 0, 0, 0, time.UTC)
	observed := strategy.Outcome{Arrived: 200, Answered: 170, AnsweredInTarget: 119, Abandoned: 30, AbandonedAfterTarget: 20}.Rated()
	without := strategy.Outcome{Arrived: 200, Answered: 150, AnsweredInTarget: 75, Abandoned: 50, AbandonedAfterTarget: 40}.Rated()
	j := strategy.Judge(a, observed, without, from, from.Add(time.Hour))
	fmt.Printf("service level %.1f%% against %.1f%%: ratio %.2f\n", observed.ServiceLevel, without.ServiceLevel, j.Ratio)
	var s strategy.Scores
	s = s.Learn(j)
	score, judged := s.Score(strategy.Overflow, a.Context)
	fmt.Printf("score %.2f after %d judgement\n", score, judged)
	// Output:
	// service level 62.6% against 39.5%: ratio 0.78
	// score 0.95 after 1 judgement
}

// PUT /v1/dispatch/settings fills what the tenant left out, then checks.
func ExampleSettings_Check() {
	s := strategy.Settings{Enabled: true, DivertCapPercent: 150, HorizonMinutes: 5}.WithDefaults()
	for _, e := range s.Check() {
		fmt.Println(e.Field, e.Reason)
	}
	// Output:
	// /divert_cap_percent must be a percentage from 0 to 100
	// /horizon_minutes must be from 15 to 240 minutes
}
