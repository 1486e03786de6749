package delivery

import (
	"fmt"
	"os"
	"time"
)

// Config tunes retries. The zero value of a field means its default.
type Config struct {
	// Base is the first retry's backoff (30 s); each later one doubles, up to Cap (1 h). The wait
	// is drawn from [b/2, b] for a backoff b (jitter), so endpoints that failed together do not
	// come back together.
	Base, Cap time.Duration
	// MaxAge is how long after it was queued a delivery is retried (24 h); an attempt that fails
	// and whose next one would fall later parks it.
	MaxAge time.Duration
	// Keep is how long delivery records stay in the log (30 days).
	Keep time.Duration
	// SlotLease is how long an attempt holds one of its tenant's slots at most (DefaultSlotLease);
	// BusyDelay how long a message waits when its tenant's slots are all held (DefaultBusyDelay).
	SlotLease, BusyDelay time.Duration
}

// Defaults.
const (
	DefaultBase   = 30 * time.Second
	DefaultCap    = time.Hour
	DefaultMaxAge = 24 * time.Hour
	DefaultKeep   = 30 * 24 * time.Hour
)

func (c Config) withDefaults() Config {
	if c.Base <= 0 {
		c.Base = DefaultBase
	}
	if c.Cap <= 0 {
		c.Cap = DefaultCap
	}
	if c.Cap < c.Base {
		c.Cap = c.Base
	}
	if c.MaxAge <= 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.Keep <= 0 {
		c.Keep = DefaultKeep
	}
	if c.SlotLease <= 0 {
		c.SlotLease = DefaultSlotLease
	}
	if c.BusyDelay <= 0 {
		c.BusyDelay = DefaultBusyDelay
	}
	return c
}

// ConfigFromEnv reads WEBHOOK_RETRY_BASE, WEBHOOK_RETRY_CAP and WEBHOOK_RETRY_MAX_AGE (Go
// durations; unset: the defaults). The local stack's tests shorten them.
func ConfigFromEnv() (Config, error) {
	var c Config
	for name, dst := range map[string]*time.Duration{
		"WEBHOOK_RETRY_BASE": &c.Base, "WEBHOOK_RETRY_CAP": &c.Cap, "WEBHOOK_RETRY_MAX_AGE": &c.MaxAge,
	} {
		s := os.Getenv(name)
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf("%s=%q: want a positive Go duration", name, s)
		}
		*dst = d
	}
	return c.withDefaults(), nil
}

// backoff is the wait after the attempts-th failed attempt; r draws from [0, n).
func (c Config) backoff(attempts int, r func(n int64) int64) time.Duration {
	b := c.Base
	for i := 1; i < attempts && b < c.Cap; i++ {
		b *= 2
	}
	b = min(b, c.Cap)
	half := b / 2
	return half + time.Duration(r(int64(b-half)+1))
}
