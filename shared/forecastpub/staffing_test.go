package forecastpub

import (
	"context"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/forecaststore"
)

// TestStaffSpanCapped: whatever from and to say, Staff covers at most MaxPlanSpan from from (an
// open end and a far end alike), so a caller cannot bypass the week's cap.
func TestStaffSpanCapped(t *testing.T) {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	step := time.Hour
	n := 10 * 24 // ten days of hours
	f := forecaststore.Forecast{ID: "f1", Queue: "general", Channel: "voice", Product: forecaststore.Scheduling,
		Start: start, End: start.Add(time.Duration(n) * step), Step: "1h", Points: make([]float64, n)}
	for i := range f.Points {
		f.Points[i] = 1
	}
	s := forecaststore.DefaultSettings()
	for _, c := range []struct {
		name     string
		from, to time.Time
	}{
		{"open end", time.Time{}, time.Time{}},
		{"far end", time.Time{}, start.Add(30 * 24 * time.Hour)},
		{"from and far end", start.Add(24 * time.Hour), start.Add(30 * 24 * time.Hour)},
	} {
		out, err := Staff(context.Background(), f, s, c.from, c.to, time.UTC)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		from := c.from
		if from.IsZero() {
			from = start
		}
		if got := out.End.Sub(out.Start); got != MaxPlanSpan || !out.Start.Equal(from) {
			t.Errorf("%s: staffed %v..%v (%v), want %v from %v", c.name, out.Start, out.End, got, MaxPlanSpan, from)
		}
		if len(out.Intervals) != int(MaxPlanSpan/step) {
			t.Errorf("%s: %d intervals, want %d", c.name, len(out.Intervals), int(MaxPlanSpan/step))
		}
	}
}
