package handler

import (
	"fmt"
	"testing"

	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
)

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
		"POST /v1/contacts/{id}/feedback":      {Path: "/v1/contacts/" + conv + "/feedback", Body: `{"csat":4,"comment":@}`, Field: "/comment", MultiLine: true, Get: transcript},
	}
}

// The standing bad-input suite: every write route × every bad payload of httpapitest gets a 4xx
// problem and changes nothing — no commit, the same transcript, no event. A route without a line in
// badInputRoutes fails the test.
func TestBadInputEveryWriteRoute(t *testing.T) {
	e := newEnv(t)
	counter := &httpapitest.CountingCommitter{Next: e.commit.next}
	e.commit.next = counter
	key := e.tenant(t, "badinput")
	conv := str(e.start(t, key, `{"language":"en"}`)["id"])
	e.say(t, key, conv, "what is my balance")
	routes := badInputRoutes(conv)
	for route, r := range widgetBadInputRoutes(e.widgetOf(t, "badinput")) {
		routes[route] = r
	}

	httpapitest.RunWriteRoutes(t, httpapitest.Suite{
		Routes: routes, Served: e.api.Routes(), Where: "functions/chat/handler/badinput_suite_test.go", Key: key,
		Send: func(t *testing.T, method, path, key, body, contentType string) httpapitest.Answer {
			r := e.doWith(t, method, path, key, body, map[string]string{"content-type": contentType})
			return httpapitest.Answer{Status: r.code, Body: r.body}
		},
		Get: func(t *testing.T, path string) string {
			r := e.do(t, "GET", path, key, "")
			return fmt.Sprintf("%d %s", r.code, r.raw)
		},
		Commits: counter.Commits,
		Events: func(t *testing.T) []string {
			var out []string
			for _, ev := range e.events(t) {
				out = append(out, ev.Type+" "+ev.Subject)
			}
			return out
		},
	})
}
