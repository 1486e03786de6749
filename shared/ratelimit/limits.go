package ratelimit

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Limit is one rate limit: Count requests per Per sustained, Burst at once after a quiet spell.
// A Count of 0 means no limit.
type Limit struct {
	Count int
	Per   time.Duration
	Burst int
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

// FromPlan turns a plan's bucket (Rate requests a second, Burst at once) into a Limit with whole
// counts over the shortest whole number of seconds (1/60 a second is 1 per 60 s; 2.5 is 5 per 2 s),
// as the RateLimit-Policy field states it. A rate that no window up to an hour makes whole is
// rounded to requests per hour. A rate of 0 or less is no limit.
func FromPlan(r plan.RateLimit) Limit {
	if r.Rate <= 0 || math.IsNaN(r.Rate) || math.IsInf(r.Rate, 0) {
		return Limit{}
	}
	burst := int(min(r.Burst, math.MaxInt32))
	for w := 1; w <= 3600; w++ {
		n := r.Rate * float64(w)
		if c := math.Round(n); c >= 1 && math.Abs(n-c) < 1e-6*c {
			return Limit{Count: int(min(c, math.MaxInt32)), Per: time.Duration(w) * time.Second, Burst: burst}
		}
	}
	return Limit{Count: int(max(1, math.Round(r.Rate*3600))), Per: time.Hour, Burst: burst}
}

// ofClass picks a class's bucket from a plan's rate limits; an unknown class has none.
func ofClass(r plan.RateLimits, class httpapi.RateClass) plan.RateLimit {
	switch class {
	case httpapi.RateChat:
		return r.Chat
	case httpapi.RateConfig:
		return r.Config
	case httpapi.RateTrain:
		return r.Training
	case httpapi.RateRead:
		return r.Read
	}
	return plan.RateLimit{}
}

// Default is the limit a new tenant gets for class (shared/plan's defaults).
func Default(class httpapi.RateClass) Limit {
	return FromPlan(ofClass(plan.DefaultRateLimits(), class))
}

// Limits says what a tenant's limit is for a class: its plan. An unknown class has no limit.
type Limits interface {
	Limit(ctx context.Context, t tenant.ID, class httpapi.RateClass) (Limit, error)
}

// DefaultLimits gives every tenant the defaults.
type DefaultLimits struct{}

// Limit returns Default(class).
func (DefaultLimits) Limit(_ context.Context, _ tenant.ID, class httpapi.RateClass) (Limit, error) {
	return Default(class), nil
}

// PlanLimits reads each tenant's limits from its plan item (a tenant without one has the defaults).
type PlanLimits struct{ Store plan.Getter }

// Limit loads t's plan and returns its limit for class.
func (p PlanLimits) Limit(ctx context.Context, t tenant.ID, class httpapi.RateClass) (Limit, error) {
	pl, _, err := plan.Load(ctx, p.Store, t)
	if err != nil {
		return Limit{}, err
	}
	return FromPlan(ofClass(pl.RateLimits, class)), nil
}

// LimitsFunc adapts a function to Limits.
type LimitsFunc func(ctx context.Context, t tenant.ID, class httpapi.RateClass) (Limit, error)

// Limit calls f.
func (f LimitsFunc) Limit(ctx context.Context, t tenant.ID, class httpapi.RateClass) (Limit, error) {
	return f(ctx, t, class)
}

var (
	_ Limits = DefaultLimits{}
	_ Limits = PlanLimits{}
	_ Limits = LimitsFunc(nil)
)
