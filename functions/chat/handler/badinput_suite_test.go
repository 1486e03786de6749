package handler

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/store"
)

// countingCommitter counts the commits that went through, so a test can tell that a request
// wrote nothing.
type countingCommitter struct {
	next Committer
	n    atomic.Int64
}

func (c *countingCommitter) Commit(ctx context.Context, ops []store.Op, evs ...lxevents.Envelope) error {
	err := c.next.Commit(ctx, ops, evs...)
	if err == nil {
		c.n.Add(1)
	}
	return err
}

// badInputRoutes are the chat function's write routes as the standing bad-input suite sends to
// them: one line per route. conv is an open conversation.
func badInputRoutes(conv string) map[string]httpapitest.Route {
	transcript := []string{"/v1/conversations/" + conv}
	return map[string]httpapitest.Route{
		"POST /v1/conversations":               {Path: "/v1/conversations", Body: `{"customer":{"id":@},"language":"en"}`, Field: "/customer/id"},
		"POST /v1/conversations/{id}/messages": {Path: "/v1/conversations/" + conv + "/messages", Body: `{"text":@}`, Field: "/text", MultiLine: true, Get: transcript},
		"POST /v1/conversations/{id}/end":      {Path: "/v1/conversations/" + conv + "/end", EmptyOK: true, Get: transcript},
		"POST /v1/voice/turns":                 {Path: "/v1/voice/turns", Body: `{"call_id":"call-1","text":@}`, Field: "/text", MultiLine: true},
		"POST /v1/business-events":             {Path: "/v1/business-events", Body: `{"customer_id":"c1","kind":"payment_failed","occurred_at":"2025-06-03T09:13:41Z","attributes":{"note":@}}`, Field: "/attributes/note"},
	}
}

// The standing bad-input suite: every write route × every bad payload of httpapitest gets a 4xx
// problem and changes nothing — no commit, the same transcript, no event. A route without a line in
// badInputRoutes fails the test.
func TestBadInputEveryWriteRoute(t *testing.T) {
	e := newEnv(t)
	counter := &countingCommitter{next: e.commit.next}
	e.commit.next = counter
	key := e.tenant(t, "badinput")
	conv := str(e.start(t, key, `{"language":"en"}`)["id"])
	e.say(t, key, conv, "what is my balance")
	eventsBefore := len(e.events(t))
	routes := badInputRoutes(conv)

	var keys []string
	for _, rk := range e.api.Routes() {
		if strings.HasPrefix(rk, "GET ") {
			continue
		}
		if _, ok := routes[rk]; !ok {
			t.Errorf("write route %s has no bad-input line: add one to badInputRoutes (functions/chat/handler/badinput_suite_test.go)", rk)
			continue
		}
		keys = append(keys, rk)
	}
	for rk := range routes {
		if !slices.Contains(e.api.Routes(), rk) {
			t.Errorf("badInputRoutes names %s, which the chat function does not serve", rk)
		}
	}
	slices.Sort(keys)
	for _, rk := range keys {
		route := routes[rk]
		t.Run(rk, func(t *testing.T) {
			if route.Pending != "" {
				t.Skip(route.Pending)
			}
			method, _, _ := strings.Cut(rk, " ")
			k := route.Key
			if k == "" {
				k = key
			}
			snapshot := func(t *testing.T) []string {
				t.Helper()
				var out []string
				for _, path := range route.Get {
					r := e.do(t, "GET", path, key, "")
					out = append(out, fmt.Sprintf("%s → %d %s", path, r.code, r.raw))
				}
				return out
			}
			before := snapshot(t)
			for _, tc := range httpapitest.Cases(route) {
				t.Run(tc.Name, func(t *testing.T) {
					commits := counter.n.Load()
					ct := tc.ContentType
					if ct == "" {
						ct = "application/json"
					}
					r := e.doWith(t, method, route.Path, k, tc.Body, map[string]string{"content-type": ct})
					if r.code < 400 || r.code >= 500 {
						t.Fatalf("status %d, want a 4xx problem: %s", r.code, r.raw)
					}
					if typ := str(r.body["type"]); !strings.HasPrefix(typ, "urn:lingxi:problem:") || r.body["status"] != float64(r.code) {
						t.Fatalf("not a problem: %s", r.raw)
					}
					if tc.Field != "" {
						found := false
						for _, f := range list(r.body["errors"]) {
							found = found || obj(f)["field"] == tc.Field
						}
						if !found {
							t.Fatalf("problem %s does not point at %s", r.raw, tc.Field)
						}
					}
					if detail := str(r.body["detail"]); strings.Contains(detail, "json:") || strings.Contains(detail, "Go value") {
						t.Fatalf("decoder text reached the caller: %q", detail)
					}
					if n := counter.n.Load() - commits; n != 0 {
						t.Fatalf("a refused request committed %d writes", n)
					}
					if after := snapshot(t); !slices.Equal(after, before) {
						t.Fatalf("state changed:\nbefore %v\nafter  %v", before, after)
					}
				})
			}
		})
	}
	if evs := e.events(t); len(evs) != eventsBefore {
		var types []string
		for _, ev := range evs[eventsBefore:] {
			types = append(types, ev.Type+" "+ev.Subject)
		}
		t.Fatalf("bad input emitted %d events: %v", len(evs)-eventsBefore, types)
	}
}
