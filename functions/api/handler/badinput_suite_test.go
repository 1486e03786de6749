package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
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

// badInputRoutes are the api function's write routes as the standing bad-input suite sends to
// them: one line per route. key is the tenant's admin key; partnerKeyID a partner key of it.
func badInputRoutes(key, partnerKeyID, hookID string) map[string]httpapitest.Route {
	settings := []string{"/v1/bot/settings"}
	hook := "/v1/webhooks/" + hookID
	hookGet := []string{"/v1/webhooks", hook, hook + "/deliveries"}
	return map[string]httpapitest.Route{
		"POST /v1/tenants":                                    {Path: "/v1/tenants", Body: `{"id":"newcomer","name":@}`, Field: "/name", Key: adminKey},
		"POST /v1/tenants/{id}/admin-keys":                    {Path: "/v1/tenants/badinput/admin-keys", Body: `{"reason":@}`, Field: "/reason", Key: adminKey, Get: []string{"/v1/api-keys"}},
		"PUT /v1/tenants/{id}/plan":                           {Path: "/v1/tenants/badinput/plan", EmptyOK: true, Key: adminKey, Get: []string{"/v1/tenant"}},
		"POST /v1/api-keys":                                   {Path: "/v1/api-keys", Body: `{"role":"partner","name":@}`, Field: "/name", Get: []string{"/v1/api-keys"}},
		"DELETE /v1/api-keys/{id}":                            {Path: "/v1/api-keys/" + partnerKeyID, EmptyOK: true, Get: []string{"/v1/api-keys"}},
		"PUT /v1/intents/{id}":                                {Path: "/v1/intents/card_lost", Body: `{"examples":["lost card",@],"answer":{"en":"Blocked."}}`, Field: "/examples/1", Get: []string{"/v1/intents/card_lost"}},
		"DELETE /v1/intents/{id}":                             {Path: "/v1/intents/balance", EmptyOK: true, Get: []string{"/v1/intents/balance"}},
		"PUT /v1/articles/{id}":                               {Path: "/v1/articles/pin-reset", Body: `{"questions":["forgot my PIN"],"answer":{"en":@}}`, Field: "/answer/en", MultiLine: true, Get: []string{"/v1/articles/pin-reset"}},
		"DELETE /v1/articles/{id}":                            {Path: "/v1/articles/fees-overseas", EmptyOK: true, Get: []string{"/v1/articles/fees-overseas"}},
		"POST /v1/import":                                     {Path: "/v1/import", Body: `{"intents":[{"id":"card_lost","examples":[@]}]}`, Field: "/intents/0/examples/0", Get: []string{"/v1/intents", "/v1/articles"}},
		"PUT /v1/flows/{id}":                                  {Path: "/v1/flows/verify", Body: `{"id":"verify","steps":[{"id":"done","kind":"end","outcome":"resolved","text":{"en":@,"zh":"好"}}]}`, Field: "/steps/0/text/en", MultiLine: true, Get: []string{"/v1/flows/verify"}},
		"DELETE /v1/flows/{id}":                               {Path: "/v1/flows/verify", EmptyOK: true, Get: []string{"/v1/flows/verify"}},
		"PUT /v1/bot/settings":                                {Path: "/v1/bot/settings", Body: `{"default_queue":"general","greeting":{"en":@}}`, Field: "/greeting/en", MultiLine: true, Get: settings},
		"POST /v1/bot/webhook-secret":                         {Path: "/v1/bot/webhook-secret", EmptyOK: true, Get: settings},
		"POST /v1/nlu/train":                                  {Path: "/v1/nlu/train", EmptyOK: true, Get: []string{"/v1/nlu/models", "/v1/nlu/active"}},
		"POST /v1/nlu/models/{version}/activate":              {Path: "/v1/nlu/models/v-none/activate", EmptyOK: true, Get: []string{"/v1/nlu/active"}},
		"POST /v1/webhooks":                                   {Path: "/v1/webhooks", Body: `{"url":"https://hooks.example.com/x","event_types":["contact.created"],"description":@}`, Field: "/description", Get: hookGet},
		"PATCH /v1/webhooks/{id}":                             {Path: hook, Body: `{"description":@}`, Field: "/description", Get: hookGet},
		"DELETE /v1/webhooks/{id}":                            {Path: hook, EmptyOK: true, Get: hookGet},
		"POST /v1/webhooks/{id}/secret":                       {Path: hook + "/secret", EmptyOK: true, Get: hookGet},
		"POST /v1/webhooks/{id}/deliveries/{delivery}/replay": {Path: hook + "/deliveries/0190cccc-0000-7000-8000-000000000001/replay", EmptyOK: true, Get: hookGet},
	}
}

// The standing bad-input suite: every write route × every bad payload of httpapitest gets a 4xx
// problem, and changes nothing — no commit, the same GET answers, no event. A route without a
// line in badInputRoutes fails the test.
func TestBadInputEveryWriteRoute(t *testing.T) {
	e := newEnv(t)
	counter := &countingCommitter{next: e.api.commit}
	e.api.commit = counter
	key := e.createTenant(t, "badinput")
	trainingSet(t, e, key)
	e.call(t, "PUT", "/v1/flows/verify", key, greetFlow).want(t, "flow", http.StatusCreated)
	e.call(t, "PUT", "/v1/bot/settings", key, `{"default_queue":"general"}`).want(t, "settings", http.StatusOK)
	partner := e.call(t, "POST", "/v1/api-keys", key, `{"role":"partner","name":"crm"}`)
	partner.want(t, "partner key", http.StatusCreated)
	eventsBefore := len(e.streamEvents(t))
	hookID := createHook(t, e, key)
	putDelivery(t, e, "badinput", hookID, "0190cccc-0000-7000-8000-000000000001", delivery.StatusDelivered)
	withWebhookReplay(t, e)
	routes := badInputRoutes(key, partner.body["id"].(string), hookID)

	var keys []string
	for _, rk := range e.api.Routes() {
		if strings.HasPrefix(rk, "GET ") {
			continue
		}
		if _, ok := routes[rk]; !ok {
			t.Errorf("write route %s has no bad-input line: add one to badInputRoutes (functions/api/handler/badinput_suite_test.go)", rk)
			continue
		}
		keys = append(keys, rk)
	}
	for rk := range routes {
		if !slices.Contains(e.api.Routes(), rk) {
			t.Errorf("badInputRoutes names %s, which the api does not serve", rk)
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
					r := e.call(t, "GET", path, key, "")
					out = append(out, path+" → "+r.String())
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
					r := e.call(t, method, route.Path, k, tc.Body, "Content-Type: "+ct)
					if r.status < 400 || r.status >= 500 {
						t.Fatalf("status %d, want a 4xx problem: %v", r.status, r.body)
					}
					if typ, _ := r.body["type"].(string); !strings.HasPrefix(typ, "urn:lingxi:problem:") || r.body["status"] != float64(r.status) {
						t.Fatalf("not a problem: %v", r.body)
					}
					if tc.Field != "" && !slices.Contains(r.errFields(), tc.Field) {
						t.Fatalf("problem %v does not point at %s", r.body, tc.Field)
					}
					if detail, _ := r.body["detail"].(string); strings.Contains(detail, "json:") || strings.Contains(detail, "Go value") {
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
	if evs := e.streamEvents(t); len(evs) != eventsBefore {
		var types []string
		for _, ev := range evs[eventsBefore:] {
			types = append(types, ev.Type+" "+ev.Subject)
		}
		t.Fatalf("bad input emitted %d events: %v", len(evs)-eventsBefore, types)
	}
}

// String is the status, ETag and body, for comparing answers.
func (r response) String() string {
	b, _ := json.Marshal(r.body)
	return fmt.Sprintf("%d %s %s", r.status, r.headers["ETag"], b)
}
