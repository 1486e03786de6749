package staffing_test

import (
	"context"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/staffing"
)

func ExampleRequired() {
	// 100 calls in 30 minutes at 180 s each; 80% answered within 20 s; occupancy at most 85%;
	// 30% of paid time off the phones.
	iv := staffing.Interval{Calls: 100, AHT: 180 * time.Second, Length: 30 * time.Minute}
	target := staffing.Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, MaxOccupancy: 0.85, Shrinkage: 0.3}
	r, err := staffing.Required(iv, target)
	if err != nil {
		panic(err)
	}
	fmt.Printf("Erlang C: %d agents, %d scheduled, SL %.1f%%, ASA %.1f s, occupancy %.1f%%\n",
		r.Agents, r.Scheduled, 100*r.ServiceLevel, r.ASA.Seconds(), 100*r.Occupancy)

	// The same callers hang up after two minutes on average: Erlang A.
	target.Patience = 2 * time.Minute
	r, err = staffing.Required(iv, target)
	if err != nil {
		panic(err)
	}
	fmt.Printf("Erlang A: %d agents, %d scheduled, SL %.1f%%, ASA %.1f s, abandoned %.1f%%, occupancy %.1f%%\n",
		r.Agents, r.Scheduled, 100*r.ServiceLevel, r.ASA.Seconds(), 100*r.AbandonRate, 100*r.Occupancy)
	// Output:
	// Erlang C: 14 agents, 20 scheduled, SL 88.8%, ASA 7.8 s, occupancy 71.4%
	// Erlang A: 12 agents, 18 scheduled, SL 82.6%, ASA 6.3 s, abandoned 6.2%, occupancy 78.2%
}

func ExamplePlanShifts() {
	// One day in hours from 08:00: agents needed per hour (shrinkage included).
	day := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	req := staffing.Requirement{Start: day, Step: time.Hour, Agents: []int{2, 4, 6, 6, 5, 4, 4, 2}}
	templates := []staffing.ShiftTemplate{
		{Name: "full", Length: 8 * time.Hour, Earliest: "08:00", Latest: "10:00", Every: time.Hour,
			Breaks: []staffing.Break{{After: 4 * time.Hour, Length: 30 * time.Minute}}},
		{Name: "part", Length: 4 * time.Hour, Earliest: "08:00", Latest: "12:00", Every: time.Hour},
	}
	plan, err := staffing.PlanShifts(context.Background(), req, templates, time.UTC)
	if err != nil {
		panic(err)
	}
	for _, s := range plan.Shifts {
		fmt.Printf("%d × %s %s–%s\n", s.Count, s.Template, s.Start.Format("15:04"), s.End.Format("15:04"))
	}
	fmt.Println("coverage", plan.Coverage, "over", plan.Over, "under", plan.Under, "by", plan.Method)
	// Output:
	// 1 × full 08:00–16:00
	// 1 × part 08:00–12:00
	// 2 × full 09:00–17:00
	// 2 × part 10:00–14:00
	// 1 × part 11:00–15:00
	// coverage [2 4 6 7 5 4 4 3] over 2 under 0 by lp
}
