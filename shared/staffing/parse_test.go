package staffing

import (
	"errors"
	"testing"
	"time"
)

func TestParseServiceLevel(t *testing.T) {
	good := map[string]struct {
		level  float64
		within time.Duration
	}{
		"80/20":     {0.8, 20 * time.Second},
		"90/15.5":   {0.9, 15500 * time.Millisecond},
		"99.5/0":    {0.995, 0},
		"80/20s":    {0.8, 20 * time.Second},
		"50/3600":   {0.5, time.Hour},
		"0.5/10":    {0.005, 10 * time.Second},
		"080/020.0": {0.8, 20 * time.Second},
	}
	for in, want := range good {
		l, w, err := ParseServiceLevel(in)
		if err != nil || l != want.level || w != want.within {
			t.Errorf("%q: %v %v %v", in, l, w, err)
		}
	}
	for _, in := range []string{"", "80", "80/", "/20", "0/20", "100/20", "-80/20", "80/-1", "80/3601", "NaN/20",
		"80/Inf", "1e1/20", "80 /20", "80/20/1", "0x10/20", "8.0.0/20", "./20", "80/20ms", "+80/20"} {
		if _, _, err := ParseServiceLevel(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// FuzzParseServiceLevel: any accepted input is a usable target.
func FuzzParseServiceLevel(f *testing.F) {
	for _, s := range []string{"80/20", "90/15.5", "99.5/0", "80/20s", "NaN/20", "1e309/1", "80/20/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, w, err := ParseServiceLevel(s)
		if err != nil {
			return
		}
		tg := Target{ServiceLevel: l, AnswerWithin: w}
		if err := tg.Validate(); err != nil {
			t.Fatalf("%q → %v %v, invalid: %v", s, l, w, err)
		}
	})
}

// FuzzParseClock: shift-template start times come from tenant settings. Any accepted input is a
// time of day that formats back to itself.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"08:00", "23:59", "24:00", "8:00", "-1:00", "0a:00", "12:60", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseClock(s)
		if err != nil {
			return
		}
		if d < 0 || d >= 24*time.Hour || d%time.Minute != 0 {
			t.Fatalf("%q → %v", s, d)
		}
		var midnight time.Time
		if back := midnight.Add(d).Format("15:04"); back != s {
			t.Fatalf("%q → %v → %q", s, d, back)
		}
	})
}
