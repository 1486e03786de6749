package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Limit is one rate limit: Count requests per Per sustained, Burst at once after a quiet spell.
// A Count of 0 means no limit.
type Limit struct {
	Count int           `json:"count"`
	Per   time.Duration `json:"per"`
	Burst int           `json:"burst"`
}

// Unlimited reports whether l admits everything.
func (l Limit) Unlimited() bool { return l.Count <= 0 }

// Validate checks that l can be enforced: a positive period, a burst of at least one and an
// emission interval (Per/Count) of at least a microsecond, the store's resolution.
func (l Limit) Validate() error {
	switch {
	case l.Unlimited():
		return nil
	case l.Per <= 0:
		return fmt.Errorf("rate limit %d per %s: the period must be positive", l.Count, l.Per)
	case l.Burst < 1:
		return fmt.Errorf("rate limit %d per %s: burst %d must be at least 1", l.Count, l.Per, l.Burst)
	case l.Per/time.Duration(l.Count) < time.Microsecond:
		return fmt.Errorf("rate limit %d per %s: more than one request a microsecond", l.Count, l.Per)
	}
	return nil
}

// interval is the emission interval: the time one request's token takes to come back.
func (l Limit) interval() time.Duration { return l.Per / time.Duration(l.Count) }

// String reads like "20/1s burst 40".
func (l Limit) String() string {
	if l.Unlimited() {
		return "unlimited"
	}
	return fmt.Sprintf("%d/%s burst %d", l.Count, l.Per, l.Burst)
}

// Defaults are the limits a new tenant gets until the platform admin changes its plan. They are
// sized so that a tenant at its limit uses a few Lambda instances, not the account's concurrency
// (docs/limits.md says why each is what it is).
var Defaults = map[httpapi.RateClass]Limit{
	httpapi.RateChat:   {Count: 20, Per: time.Second, Burst: 40},
	httpapi.RateConfig: {Count: 5, Per: time.Second, Burst: 10},
	httpapi.RateTrain:  {Count: 2, Per: time.Minute, Burst: 2},
	httpapi.RateRead:   {Count: 50, Per: time.Second, Burst: 100},
}

// Limits says what a tenant's limit is for a class: its plan. An unknown class has no limit.
type Limits interface {
	Limit(ctx context.Context, t tenant.ID, class httpapi.RateClass) (Limit, error)
}

// DefaultLimits gives every tenant Defaults.
type DefaultLimits struct{}

// Limit returns Defaults[class].
func (DefaultLimits) Limit(_ context.Context, _ tenant.ID, class httpapi.RateClass) (Limit, error) {
	return Defaults[class], nil
}

// LimitsFunc adapts a function to Limits.
type LimitsFunc func(ctx context.Context, t tenant.ID, class httpapi.RateClass) (Limit, error)

// Limit calls f.
func (f LimitsFunc) Limit(ctx context.Context, t tenant.ID, class httpapi.RateClass) (Limit, error) {
	return f(ctx, t, class)
}

var (
	_ Limits = DefaultLimits{}
	_ Limits = LimitsFunc(nil)
)
