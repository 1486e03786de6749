package httpapi

// The rate-limit hook. A router given a RateLimiter asks it, once a tenant key has been resolved
// (TenantPrincipal), whether the tenant may make one more request of the route's class. A refused
// request is 429 with Retry-After and a rate-limited problem; every limited response carries the
// IETF draft's RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10):
//
//	RateLimit-Policy: "chat";q=20;w=1;burst=40
//	RateLimit: "chat";r=39;t=1
//
// q requests per w seconds is the sustained rate, burst (an extension parameter) how many may come
// at once; r is how many more may come now and t the seconds until the allowance is full again.
// A limiter that fails (its store unreachable) admits the request and the failure is logged: an
// outage of the limiter must not take the API down with it.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/tenant"
)

// RateClass groups the routes that share one of a tenant's rate limits.
type RateClass string

// The route classes.
const (
	RateChat   RateClass = "chat"   // customer turns and the partner's runtime posts (the chat function's writes)
	RateConfig RateClass = "config" // configuration writes (keys, intents, articles, flows, settings, import, activation)
	RateTrain  RateClass = "train"  // NLU training
	RateRead   RateClass = "read"   // every GET
)

// RateClasses lists every class, in the order documents show them.
var RateClasses = []RateClass{RateChat, RateConfig, RateTrain, RateRead}

// KindRateLimited is a request refused by the tenant's rate limit.
var KindRateLimited = &Kind{"rate-limited", "Too many requests for this tenant; retry later", http.StatusTooManyRequests}

// RateDecision is a limiter's answer for one request.
type RateDecision struct {
	Allowed    bool
	Unlimited  bool          // the class has no limit for this tenant: no headers
	Quota      int           // requests per Window, sustained
	Window     time.Duration //
	Burst      int           // requests admitted at once after a quiet spell
	Remaining  int           // requests admitted now after this one
	Reset      time.Duration // until the allowance is full again
	RetryAfter time.Duration // refused: until one more request would be admitted
}

// RateLimiter decides whether tenant t may make one more request of class; *ratelimit.Limiter is
// one. An error means the limiter could not decide: the request is admitted and the error logged.
type RateLimiter interface {
	Allow(ctx context.Context, t tenant.ID, class RateClass) (RateDecision, error)
}

// rateLimits is a router's limiter and how it classes its routes.
type rateLimits struct {
	limiter  RateLimiter
	classify func(routeKey string) RateClass
	log      *slog.Logger
}

// rateState is one request's class and the headers its decision adds to the response.
type rateState struct {
	rl      *rateLimits
	class   RateClass
	headers map[string]string
}

// SetRateLimiter makes every route served through TenantPrincipal take one request from the
// tenant's allowance of the class classify gives its route key ("POST /v1/nlu/train"). A nil
// classify uses ClassByMethod.
func (rt *Router) SetRateLimiter(l RateLimiter, classify func(routeKey string) RateClass) {
	if classify == nil {
		classify = ClassByMethod(RateConfig)
	}
	rt.rate = &rateLimits{limiter: l, classify: classify, log: rt.log}
}

// ClassByMethod classes GET and HEAD routes as reads and every other route as writes.
func ClassByMethod(writes RateClass) func(routeKey string) RateClass {
	return func(routeKey string) RateClass {
		if m, _, _ := strings.Cut(routeKey, " "); m == http.MethodGet || m == http.MethodHead {
			return RateRead
		}
		return writes
	}
}

// rateFor returns the rate state of a request to r, nil when the router has no limiter.
func (rt *Router) rateFor(r *route) *rateState {
	if rt.rate == nil {
		return nil
	}
	key := r.method + " /" + strings.Join(r.parts, "/")
	return &rateState{rl: rt.rate, class: rt.rate.classify(key)}
}

// takeRate takes one request of t from the allowance of the request's class. It returns a
// rate-limited error when the tenant is over its limit; a limiter failure admits the request.
func (r *Request) takeRate(ctx context.Context, t tenant.ID) error {
	s := r.rate
	if s == nil || s.headers != nil {
		return nil // no limiter, or already taken for this request
	}
	d, err := s.rl.limiter.Allow(ctx, t, s.class)
	if err != nil {
		s.rl.log.WarnContext(ctx, "rate limiter failed; request admitted", "tenant", t.String(), "class", string(s.class), "err", err)
		s.headers = map[string]string{}
		return nil
	}
	s.headers = d.Headers(s.class)
	if !d.Allowed {
		return Errorf(KindRateLimited, "this tenant's %s requests are over %s; retry after %d s",
			s.class, d.describe(), seconds(d.RetryAfter))
	}
	return nil
}

// Headers renders the decision as response header fields.
func (d RateDecision) Headers(class RateClass) map[string]string {
	h := map[string]string{}
	if d.Unlimited {
		return h
	}
	h["RateLimit-Policy"] = fmt.Sprintf("%q;q=%d;w=%d;burst=%d", string(class), d.Quota, seconds(d.Window), d.Burst)
	h["RateLimit"] = fmt.Sprintf("%q;r=%d;t=%d", string(class), max(d.Remaining, 0), seconds(d.Reset))
	if !d.Allowed {
		h["Retry-After"] = strconv.FormatInt(max(seconds(d.RetryAfter), 1), 10)
	}
	return h
}

func (d RateDecision) describe() string {
	if w := seconds(d.Window); w != 1 {
		return fmt.Sprintf("%d per %d s (bursts of %d)", d.Quota, w, d.Burst)
	}
	return fmt.Sprintf("%d a second (bursts of %d)", d.Quota, d.Burst)
}

// seconds rounds d up to whole seconds, as Retry-After and the RateLimit fields count.
func seconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// addTo copies the request's rate headers into a response's.
func (s *rateState) addTo(h map[string]string) {
	if s == nil {
		return
	}
	for k, v := range s.headers {
		h[k] = v
	}
}

// Refuse records that the request was refused by d (a limiter's decision of a route that limits
// on its own terms, such as sign-in attempts): the problem answer carries d's Retry-After. It
// returns the rate-limited problem, with what as its detail.
func (r *Request) Refuse(d RateDecision, what string) error {
	secs := max(seconds(d.RetryAfter), 1)
	r.rate = &rateState{headers: map[string]string{"Retry-After": strconv.FormatInt(secs, 10)}}
	return Errorf(KindRateLimited, "%s; retry after %d s", what, secs)
}
