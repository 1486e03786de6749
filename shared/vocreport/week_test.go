package vocreport

import (
	"errors"
	"testing"
	"time"
)

func TestParseWeek(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		id, from string
		err      error
	}{
		"december":         {"2026-W49", "2026-11-30", nil},
		"first week":       {"2026-W01", "2025-12-29", nil},
		"week 53 exists":   {"2026-W53", "2026-12-28", nil},
		"no week 53":       {"2025-W53", "", ErrBadWeek},
		"week 0":           {"2026-W00", "", ErrBadWeek},
		"lower case":       {"2026-w49", "", ErrBadWeek},
		"year out of span": {"1999-W10", "", ErrBadWeek},
		"junk":             {"2026-W4x", "", ErrBadWeek},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w, err := ParseWeek(tc.id, sh)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if got := w.From.Format(time.DateOnly); got != tc.from || w.From.Hour() != 0 || w.From.Weekday() != time.Monday {
				t.Fatalf("from %v, want %s 00:00 Monday", w.From, tc.from)
			}
			if w.To.Sub(w.From) != 7*24*time.Hour || WeekOf(w.From.Add(time.Hour), sh).ID != tc.id || w.Previous().To != w.From {
				t.Fatalf("week %+v does not round-trip", w)
			}
		})
	}
}

// A week across a DST change still has seven local days, and DayIndex places local midnights.
func TestWeekDaysAcrossDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseWeek("2026-W10", ny) // 2026-03-08 is the change
	if err != nil {
		t.Fatal(err)
	}
	if w.To.Sub(w.From) != 7*24*time.Hour-time.Hour {
		t.Fatalf("week lasts %v", w.To.Sub(w.From))
	}
	for i, d := range w.Days() {
		day, _ := time.ParseInLocation(time.DateOnly, d, ny)
		if got := w.DayIndex(day.Add(23*time.Hour - time.Second)); got != i {
			t.Fatalf("day %s: index %d", d, got)
		}
	}
	if w.DayIndex(w.To) != -1 || w.DayIndex(w.From.Add(-time.Second)) != -1 {
		t.Fatal("instants outside the week have an index")
	}
}
