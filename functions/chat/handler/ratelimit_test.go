package handler

import (
	"net/http"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/ratelimit"
)

// A tenant over its chat-turn limit (its plan: 1 a minute, bursts of 3) gets 429 with Retry-After
// for the next turn, while its reads and another tenant's turns pass.
func TestChatTurnsRateLimited(t *testing.T) {
	e := newEnv(t)
	WithRateLimiter(ratelimit.New(e.ddb, e.table, ratelimit.Options{Limits: ratelimit.PlanLimits{Store: e.db}, Timeout: time.Minute}))(e.api)
	key, other := e.tenant(t, "chatty"), e.tenant(t, "calm")
	slow := plan.Plan{RateLimits: plan.RateLimits{Chat: plan.RateLimit{Rate: 1.0 / 60, Burst: 3}}}
	if err := e.db.Create(e.ctx, mustTenant(t, "chatty"), plan.Key, slow); err != nil {
		t.Fatal(err)
	}

	id := str(e.start(t, key, `{"customer":{"id":"c-1"},"language":"en"}`)["id"])
	e.say(t, key, id, "I lost my card")
	e.say(t, key, id, "1234")
	r := e.do(t, "POST", "/v1/conversations/"+id+"/messages", key, `{"text":"yes"}`)
	if r.code != http.StatusTooManyRequests || r.headers["Retry-After"] == "" || str(r.body["type"]) != "urn:lingxi:problem:rate-limited" {
		t.Fatalf("4th turn in a burst of 3: %d %v %s", r.code, r.headers, r.raw)
	}
	if r.headers["RateLimit-Policy"] != `"chat";q=1;w=60;burst=3` {
		t.Fatalf("policy %q", r.headers["RateLimit-Policy"])
	}
	if r := e.do(t, "GET", "/v1/conversations/"+id, key, ""); r.code != http.StatusOK || r.headers["RateLimit"] == "" {
		t.Fatalf("read while chat turns are refused: %d %v", r.code, r.headers)
	}
	e.start(t, other, `{"customer":{"id":"c-2"},"language":"en"}`)
}
