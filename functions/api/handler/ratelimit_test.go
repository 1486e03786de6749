package handler

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Each route class draws from its own allowance: configuration writes and training are refused
// with 429 once over, reads still pass, and the platform admin's routes are never limited.
func TestRateLimitsByRouteClass(t *testing.T) {
	e := newEnv(t)
	ddb, table := emulators.NewTable(t, store.CreateTable)
	tight := map[httpapi.RateClass]ratelimit.Limit{
		httpapi.RateConfig: {Count: 1, Per: time.Minute, Burst: 2},
		httpapi.RateTrain:  {Count: 1, Per: time.Minute, Burst: 1},
		httpapi.RateRead:   {Count: 1, Per: time.Minute, Burst: 100},
	}
	limits := ratelimit.LimitsFunc(func(_ context.Context, _ tenant.ID, c httpapi.RateClass) (ratelimit.Limit, error) {
		return tight[c], nil
	})
	WithRateLimiter(ratelimit.New(ddb, table, ratelimit.Options{Limits: limits, Timeout: time.Minute}))(e.api)

	key := e.createTenant(t, "busy")
	e.createTenant(t, "busy-too") // the platform admin: not limited
	for i, id := range []string{"card_lost", "card_found"} {
		r := e.call(t, "PUT", "/v1/intents/"+id, key, cardLost)
		if r.status >= 300 {
			t.Fatalf("write %d: %d %v", i, r.status, r.body)
		}
		if r.headers["RateLimit-Policy"] != `"config";q=1;w=60;burst=2` {
			t.Fatalf("write %d: headers %v", i, r.headers)
		}
	}
	r := e.call(t, "DELETE", "/v1/intents/card_lost", key, "")
	r.want(t, "third config write", http.StatusTooManyRequests)
	if r.headers["Retry-After"] == "" || r.body["type"] != "urn:lingxi:problem:rate-limited" {
		t.Fatalf("429 without Retry-After or problem type: %v %v", r.headers, r.body)
	}
	if r := e.call(t, "POST", "/v1/nlu/train", key, "{}"); r.status == http.StatusTooManyRequests {
		t.Fatalf("first training refused: %v", r.body)
	}
	e.call(t, "POST", "/v1/nlu/train", key, "{}").want(t, "second training", http.StatusTooManyRequests)
	r = e.call(t, "GET", "/v1/intents/card_lost", key, "")
	r.want(t, "read", http.StatusOK)
	if r.headers["RateLimit"] != `"read";r=99;t=60` {
		t.Fatalf("read headers %v", r.headers)
	}
}

// The webhook routes' classes: managing endpoints and replays are configuration writes, the
// listings and the delivery log reads.
func TestWebhookRouteClasses(t *testing.T) {
	for route, want := range map[string]httpapi.RateClass{
		"POST /v1/webhooks":                                   httpapi.RateConfig,
		"PATCH /v1/webhooks/{id}":                             httpapi.RateConfig,
		"DELETE /v1/webhooks/{id}":                            httpapi.RateConfig,
		"POST /v1/webhooks/{id}/secret":                       httpapi.RateConfig,
		"POST /v1/webhooks/{id}/deliveries/{delivery}/replay": httpapi.RateConfig,
		"GET /v1/webhooks":                                    httpapi.RateRead,
		"GET /v1/webhooks/{id}":                               httpapi.RateRead,
		"GET /v1/webhooks/{id}/deliveries":                    httpapi.RateRead,
	} {
		if got := routeClass(route); got != want {
			t.Errorf("%s: class %v, want %v", route, got, want)
		}
	}
}
