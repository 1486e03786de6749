package forecastpub

import (
	"testing"
	"time"
)

// TestQuarterHours: the day of the wallboard's forecast runs to the next local midnight, so a day
// the clocks change has 92 or 100 quarter hours.
func TestQuarterHours(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	for _, c := range []struct {
		now  time.Time
		want int
	}{
		{time.Date(2026, 3, 8, 15, 0, 0, 0, ny), 92},   // spring forward
		{time.Date(2026, 11, 1, 15, 0, 0, 0, ny), 100}, // fall back
		{time.Date(2026, 6, 1, 0, 0, 0, 0, ny), 96},
		{time.Date(2026, 3, 8, 23, 59, 0, 0, ny), 92},
	} {
		day, n := quarterHours(c.now, ny)
		if n != c.want {
			t.Errorf("%v: %d quarter hours, want %d", c.now, n, c.want)
		}
		if y, m, d := c.now.Date(); !day.Equal(time.Date(y, m, d, 0, 0, 0, 0, ny)) {
			t.Errorf("%v: day starts %v", c.now, day)
		}
	}
}
