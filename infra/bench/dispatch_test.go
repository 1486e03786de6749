package main

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/sim"
)

// weeks is a 5-minute series of n weeks from Monday 2003-03-03, weekdays 07:00–21:05 only, with
// calls = 20 + the week's number on every interval.
func weeks(n int) forecast.Series {
	start := time.Date(2003, 3, 3, 0, 0, 0, 0, time.UTC)
	s := forecast.Series{Start: start, Step: 5 * time.Minute, Values: make([]float64, n*7*288)}
	for i := range s.Values {
		t := s.Time(i)
		h := t.Hour()
		if t.Weekday() == time.Saturday || t.Weekday() == time.Sunday || h < 7 || h >= 21 {
			s.Values[i] = math.NaN()
			continue
		}
		s.Values[i] = float64(20 + i/(7*288))
	}
	return s
}

func TestDispatchDaysAndPlan(t *testing.T) {
	s := weeks(14)
	bk := dpBanks[0]
	scored, tune, err := dpChooseDays(s, bk)
	if err != nil {
		t.Fatal(err)
	}
	// The last three weekdays of week 14 are scored; the same days 8 weeks earlier tune.
	want := time.Date(2003, 6, 4, 0, 0, 0, 0, time.UTC)
	if len(scored) != 3 || !scored[0].Equal(want) || len(tune) != 3 || !tune[0].Equal(want.Add(-dpTuneGap)) {
		t.Fatalf("scored %v, tune %v", scored, tune)
	}
	d, err := dpMakeDay(s, bk, scored[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(d.actual) != 14*12 || d.actual[0] != 33 || d.forecast[0] != 30.5 {
		t.Errorf("actual %v forecast %v (want week 14's 33 and the mean of weeks 10–13, 30.5)", d.actual[0], d.forecast[0])
	}
	// 30.5 calls per 5 minutes at 180 s is 18.3 Erlangs: Erlang A for 80/20 needs about 21.
	if d.agents[0] < 19 || d.agents[0] > 24 || d.agents[0] != d.agents[5] {
		t.Errorf("plan %v", d.agents[:6])
	}
	sc := dpScenario(d, 3, 1)
	i := int(3 * time.Hour / (5 * time.Minute)) // 10:00
	if sc.Arrivals[i] != 3*33 || sc.Arrivals[i-1] != 33 || sc.Arrivals[i+24] != 33 || sc.Forecast[i] != 30.5 {
		t.Errorf("spike: %v %v %v", sc.Arrivals[i-1], sc.Arrivals[i], sc.Arrivals[i+24])
	}
	if sc.BackupAgents == 0 || !sc.MeasureFrom.Equal(scored[0].Add(10*time.Hour)) || sc.MeasureTo.Sub(sc.MeasureFrom) != 2*time.Hour {
		t.Errorf("%+v", sc)
	}
	if _, _, err := dpChooseDays(weeks(3), bk); err == nil {
		t.Error("three weeks gave days with four weeks of history")
	}
}

// The section renders a table per bank and factor and the goal's verdict from the runs.
func TestRenderDispatch(t *testing.T) {
	s := weeks(14)
	bk := dpBanks[0]
	scored, _, _ := dpChooseDays(s, bk)
	d, _ := dpMakeDay(s, bk, scored[0])
	var runs []dpRun
	for _, factor := range dpFactors {
		sc := dpScenario(d, factor, 1)
		for _, p := range []sim.Policy{sim.Static, sim.EngineAll} {
			r, err := sim.Run(context.Background(), sc, p)
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, dpRun{bank: "us", day: scored[0], factor: factor, seed: 1, res: r})
			whole := sc
			whole.MeasureFrom, whole.MeasureTo = time.Time{}, time.Time{}
			if r, err = sim.Run(context.Background(), whole, p); err != nil {
				t.Fatal(err)
			}
			runs = append(runs, dpRun{bank: "us", day: scored[0], factor: factor, seed: 1, res: r, wholeDay: true})
		}
	}
	out := renderDispatch(config{}, []dpDay{d}, []string{"us 2003-04-09"}, runs, []int64{1000, 2000}, time.Second)
	for _, want := range []string{dispatchHeading, "### US bank 2003 (5-minute), 3× for two hours", "| engine |", "Goal (3×", "us 2003-06-04", "us 2003-04-09", "| 20 queues (synthetic) |", "### The whole day (static vs engine)", "| us | 3× |"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "\n## ") {
		t.Error("a second level-2 heading would split the section")
	}
}
