package forecastpub

import (
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecaststore"
)

// coarsen starts at the first boundary of the coarser step, sums whole steps only, and keeps the
// events' share of the kept part.
func TestCoarsen(t *testing.T) {
	start := time.Date(2026, 3, 18, 10, 5, 0, 0, time.UTC) // 10:05: the first quarter hour is 10:15
	fc := forecast.Forecast{Start: start, Step: 5 * time.Minute, Point: make([]float64, 14), Baseline: make([]float64, 14),
		Bands:  []forecast.Band{{Level: 0.8, Lower: make([]float64, 14), Upper: make([]float64, 14)}},
		Events: []forecast.Contribution{{ID: "e", Added: 14}}}
	for i := range fc.Point {
		fc.Point[i], fc.Baseline[i], fc.Bands[0].Lower[i], fc.Bands[0].Upper[i] = 2, 1, 1, 3
	}
	got := coarsen(fc, 15*time.Minute, 10)
	if !got.Start.Equal(start.Add(10*time.Minute)) || len(got.Point) != 4 || got.Point[0] != 6 || got.Bands[0].Upper[3] != 9 {
		t.Fatalf("coarsen: start %v, points %v, upper %v", got.Start, got.Point, got.Bands[0].Upper)
	}
	if len(got.Events) != 1 || got.Events[0].Added != 12 { // 12 of the 14 fine intervals kept
		t.Fatalf("events: %+v", got.Events)
	}
	if short := coarsen(fc, 15*time.Minute, 2); len(short.Point) != 2 {
		t.Fatalf("at most n: %v", short.Point)
	}
}

// monthly sums days into calendar months from this month's first, this month's past days being
// the actual volume.
func TestMonthly(t *testing.T) {
	today := time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC)
	fc := forecast.Forecast{Start: today, Step: Day, Point: make([]float64, 40)}
	for i := range fc.Point {
		fc.Point[i] = 10
	}
	m := monthly(fc, today, time.UTC, 290, nil)
	if len(m.Point) != MonthlyMonths || m.Point[0] != 290+20 || m.Point[1] != 280 || m.Point[2] != 100 || m.Baseline != nil {
		t.Fatalf("monthly: %v (baseline %v)", m.Point[:4], m.Baseline)
	}
	f := forecaststore.FromForecast("id", "q", "voice", forecaststore.Monthly, m, forecaststore.StepMonth, today, today)
	if got := f.Time(1, time.UTC); !got.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("month 1 starts %v", got)
	}
}

// recount shares the uplift of the intervals inside an event's windows to it, equally where
// windows overlap.
func TestRecount(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	fc := forecast.Forecast{Start: start, Step: Day, Point: []float64{10, 14, 14, 10}, Baseline: []float64{10, 10, 10, 10}}
	occ := []forecast.Occurrence{
		{ID: "a", Start: start.Add(Day), End: start.Add(3 * Day)},
		{ID: "b", Start: start.Add(2 * Day), End: start.Add(4 * Day)},
	}
	got := recount(fc, []forecast.Contribution{{ID: "a"}, {ID: "b"}, {ID: "c"}}, occ)
	if len(got) != 2 || got[0].Added != 6 || got[1].Added != 2 {
		t.Fatalf("recount: %+v", got)
	}
}
