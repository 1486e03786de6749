package forecaststore

import (
	"testing"
)

// FuzzParseStep: a step either parses to a positive whole number of minutes that FormatStep
// writes back to the same duration, or is refused; "HH:MM" clock times read as minutes of a day
// or -1.
func FuzzParseStep(f *testing.F) {
	for _, s := range []string{"5m", "30m", "1h", "1d", "1mo", "0m", "9999d", "15", "07:30", "24:00", "23:59", "-1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseStep(s); err == nil {
			if d <= 0 {
				t.Fatalf("%q parsed to %v", s, d)
			}
			if back, err := ParseStep(FormatStep(d)); err != nil || back != d {
				t.Fatalf("%q → %v → %q → %v %v", s, d, FormatStep(d), back, err)
			}
		}
		if m := ClockMinutes(s); m < -1 || m >= 24*60 {
			t.Fatalf("ClockMinutes(%q) = %d", s, m)
		}
	})
}
