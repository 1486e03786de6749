package staffing

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseServiceLevel reads a service-level target written "X/T": X percent of calls answered
// within T seconds, as in "80/20" (0.8, 20s) or "90/15.5". X is in (0, 100), T in [0, 3600]
// seconds; T may end in "s". Used for the CLI's --sl (the API's sl parameter is read by the
// api handler, in whole seconds from 1).
func ParseServiceLevel(s string) (level float64, within time.Duration, err error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: service level %q: %s (want X/T: X%% answered within T seconds, e.g. 80/20)", ErrInvalid, s, why)
	}
	x, t, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, bad("no /")
	}
	pct, err := parseDecimal(x)
	if err != nil || pct <= 0 || pct >= 100 {
		return 0, 0, bad("X must be a percentage above 0 and below 100")
	}
	sec, err := parseDecimal(strings.TrimSuffix(t, "s"))
	if err != nil || sec < 0 || sec > 3600 {
		return 0, 0, bad("T must be a number of seconds from 0 to 3600")
	}
	return pct / 100, time.Duration(math.Round(sec * float64(time.Second))), nil
}

// parseDecimal reads a plain decimal number: digits with at most one point, no sign, exponent,
// spaces, hex, Inf or NaN (all of which strconv.ParseFloat would take).
func parseDecimal(s string) (float64, error) {
	if s == "" || len(s) > 20 {
		return 0, fmt.Errorf("not a decimal: %q", s)
	}
	dots := 0
	for _, r := range s {
		switch {
		case r == '.':
			dots++
		case r < '0' || r > '9':
			return 0, fmt.Errorf("not a decimal: %q", s)
		}
	}
	if dots > 1 || s == "." {
		return 0, fmt.Errorf("not a decimal: %q", s)
	}
	return strconv.ParseFloat(s, 64)
}
