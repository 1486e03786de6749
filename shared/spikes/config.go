package spikes

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Defaults. DefaultThreshold was set on the bank series' tuning weeks (BENCH.md, "Spike
// alerts"): fewer than one false alarm per topic-week while a 3× rise is seen within minutes.
const (
	DefaultInterval  = 5 * time.Minute
	DefaultMinCount  = 5
	DefaultThreshold = 8
	DefaultMinRatio  = 1.5
	DefaultWindow    = 6
	DefaultWeeks     = 8
	DefaultFloor     = 2 // contacts per hour
	DefaultColdAlpha = 0.5
)

// Config says how counts are grouped and when a rise is an alert. Zero fields take the defaults.
type Config struct {
	// Interval is the counting interval (default 5 minutes); a day should hold whole intervals.
	Interval time.Duration
	// Location is the zone whose weekdays and clock times make the seasonal slots (default UTC).
	Location *time.Location
	// MinCount is the fewest contacts in the alerting window (default 5).
	MinCount float64
	// Threshold is the score, −log10 of the tail probability, that alerts (default 8).
	Threshold float64
	// MinRatio is the least rise over the expectation that alerts (default 1.5).
	MinRatio float64
	// Window is how many recent intervals a rise may span when scored (default 6).
	Window int
	// Weeks is how much history Learn uses, counted back from its last count (default 8).
	Weeks int
	// Floor is the least expectation, in contacts per hour (default 2): a topic never seen, or a
	// quiet slot, is expected to have at least this.
	Floor float64
	// Alpha is the overdispersion assumed for a topic the baseline has no history of (default
	// 0.5, wide: its expectation is only the floor). With an expectation from WithExpected for
	// such topics (a forecast), a narrower one such as 0.05 suits; learned topics keep their own.
	Alpha float64
}

var errConfig = errors.New("spikes config")

// Validate reports a field out of range (zero fields are fine: they take the defaults).
func (c Config) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{errConfig}, a...)...)
	}
	switch {
	case c.Interval < 0 || (c.Interval > 0 && (c.Interval < time.Minute || c.Interval > 24*time.Hour)):
		return bad("interval %v: want 1m to 24h", c.Interval)
	case c.Interval > 0 && (24*time.Hour)%c.Interval != 0:
		return bad("interval %v does not divide a day", c.Interval)
	case !finite(c.MinCount) || c.MinCount < 0:
		return bad("min count %v: want ≥ 0", c.MinCount)
	case !finite(c.Threshold) || c.Threshold < 0:
		return bad("threshold %v: want ≥ 0", c.Threshold)
	case !finite(c.MinRatio) || c.MinRatio < 0:
		return bad("min ratio %v: want ≥ 0", c.MinRatio)
	case c.Window < 0 || c.Window > 288:
		return bad("window %d: want 1 to 288 intervals", c.Window)
	case c.Weeks < 0 || c.Weeks > 104:
		return bad("weeks %d: want 1 to 104", c.Weeks)
	case !finite(c.Floor) || c.Floor < 0:
		return bad("floor %v: want ≥ 0 contacts per hour", c.Floor)
	case !finite(c.Alpha) || c.Alpha < 0 || c.Alpha > maxAlpha:
		return bad("alpha %v: want 0 to %v", c.Alpha, maxAlpha)
	}
	return nil
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.MinCount == 0 {
		c.MinCount = DefaultMinCount
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.MinRatio == 0 {
		c.MinRatio = DefaultMinRatio
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.Weeks <= 0 {
		c.Weeks = DefaultWeeks
	}
	if c.Floor == 0 {
		c.Floor = DefaultFloor
	}
	if c.Alpha == 0 {
		c.Alpha = DefaultColdAlpha
	}
	return c
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
