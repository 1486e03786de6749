package handler

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

// webhookQueue records the delivery messages the api's replays send.
type webhookQueue struct {
	mu   sync.Mutex
	msgs []delivery.Message
}

func (q *webhookQueue) Send(_ context.Context, m delivery.Message, _ time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, m)
	return nil
}

func (q *webhookQueue) take() []delivery.Message {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.msgs
	q.msgs = nil
	return m
}

// withWebhookReplay gives e's api a replayer over its table and returns the queue it sends to.
func withWebhookReplay(t *testing.T, e *env) *webhookQueue {
	t.Helper()
	db, ok := e.api.store.(*store.Store)
	if !ok {
		t.Fatalf("the api's store is a %T", e.api.store)
	}
	q := &webhookQueue{}
	e.api.replay = delivery.New(db, q, delivery.Config{}, slog.New(slog.DiscardHandler))
	return q
}

const hookBody = `{"url":"https://hooks.example.com/lingxi","event_types":["contact.created","chat.message"],"description":"CRM"}`

// createHook makes an endpoint for key's tenant and returns its id.
func createHook(t *testing.T, e *env, key string) string {
	t.Helper()
	r := e.call(t, "POST", "/v1/webhooks", key, hookBody)
	r.want(t, "create webhook", http.StatusCreated)
	return r.body["id"].(string)
}

// putDelivery stores a delivery of endpoint in status st, as the deliver function would.
func putDelivery(t *testing.T, e *env, tenantName, endpoint, id string, st delivery.Status) {
	t.Helper()
	now := time.Now().UTC()
	d := delivery.Delivery{ID: id, EndpointID: endpoint, EventType: "contact.created", Subject: "conv-1", Status: st,
		Attempts: 1, LastResponseCode: 200, QueuedAt: now, CreatedAt: now, Body: `{}`}
	if err := e.api.store.Create(context.Background(), mustTenant(t, tenantName), delivery.DeliveryKey(endpoint, id), d); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookEndpoints(t *testing.T) {
	e := newEnv(t)
	q := withWebhookReplay(t, e)
	key := e.createTenant(t, "acme")

	created := e.call(t, "POST", "/v1/webhooks", key, hookBody)
	created.want(t, "create", http.StatusCreated)
	id, secret := created.body["id"].(string), created.body["secret"].(string)
	if !strings.HasPrefix(secret, delivery.SecretPrefix) || created.body["enabled"] != true {
		t.Fatalf("created: %v", created.body)
	}
	got := e.call(t, "GET", "/v1/webhooks/"+id, key, "")
	got.want(t, "get", http.StatusOK)
	if got.body["secret"] != nil || strings.Contains(got.String(), secret) {
		t.Fatalf("the secret is shown again: %v", got.body)
	}
	if types := got.body["event_types"].([]any); len(types) != 2 || types[0] != "chat.message" {
		t.Fatalf("event types %v", types)
	}
	if n := len(e.call(t, "GET", "/v1/webhooks", key, "").items()); n != 1 {
		t.Fatalf("%d endpoints listed", n)
	}

	off := e.call(t, "PATCH", "/v1/webhooks/"+id, key, `{"enabled":false}`)
	off.want(t, "disable", http.StatusOK)
	if off.body["enabled"] != false || off.body["url"] != "https://hooks.example.com/lingxi" {
		t.Fatalf("disabled: %v", off.body)
	}

	rotated := e.call(t, "POST", "/v1/webhooks/"+id+"/secret", key, `{"grace_seconds":3600}`)
	rotated.want(t, "rotate", http.StatusOK)
	if s := rotated.body["secret"]; s == secret || s == nil || rotated.body["previous_secret_expires_at"] == nil {
		t.Fatalf("rotated: %v", rotated.body)
	}
	now := e.call(t, "POST", "/v1/webhooks/"+id+"/secret", key, `{"grace_seconds":0}`)
	now.want(t, "rotate at once", http.StatusOK)
	if now.body["previous_secret_expires_at"] != nil {
		// The secret of a minute ago had an hour of grace; a rotation with none ends it too.
		t.Fatalf("rotated with no grace: %v", now.body)
	}

	// The delivery log and replay.
	putDelivery(t, e, "acme", id, "0190aaaa-0000-7000-8000-000000000001", delivery.StatusDelivered)
	putDelivery(t, e, "acme", id, "0190aaaa-0000-7000-8000-000000000002", delivery.StatusRetrying)
	log := e.call(t, "GET", "/v1/webhooks/"+id+"/deliveries?limit=1", key, "")
	log.want(t, "deliveries", http.StatusOK)
	if items := log.items(); len(items) != 1 || items[0]["status"] != "delivered" || log.body["next_cursor"] == "" {
		t.Fatalf("deliveries page: %v", log.body)
	}
	e.call(t, "POST", "/v1/webhooks/"+id+"/deliveries/0190aaaa-0000-7000-8000-000000000002/replay", key, "").
		want(t, "replay one still retrying", http.StatusConflict)
	e.call(t, "POST", "/v1/webhooks/"+id+"/deliveries/nope/replay", key, "").want(t, "replay none", http.StatusNotFound)
	replayed := e.call(t, "POST", "/v1/webhooks/"+id+"/deliveries/0190aaaa-0000-7000-8000-000000000001/replay", key, "")
	replayed.want(t, "replay", http.StatusAccepted)
	if replayed.body["status"] != "pending" || replayed.body["replays"] != float64(1) {
		t.Fatalf("replayed: %v", replayed.body)
	}
	if m := q.take(); len(m) != 1 || m[0].Delivery != "0190aaaa-0000-7000-8000-000000000001" || m[0].Endpoint != id {
		t.Fatalf("replay queued %v", m)
	}

	e.call(t, "DELETE", "/v1/webhooks/"+id, key, "").want(t, "delete", http.StatusNoContent)
	e.call(t, "GET", "/v1/webhooks/"+id, key, "").want(t, "get deleted", http.StatusNotFound)
	e.call(t, "DELETE", "/v1/webhooks/"+id, key, "").want(t, "delete again", http.StatusNotFound)
}

func TestWebhookEndpointRefusals(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	for name, tc := range map[string]struct{ body, field string }{
		"private address":   {`{"url":"https://10.0.0.1/hook","event_types":["contact.created"]}`, "/url"},
		"loopback, no port": {`{"url":"http://127.0.0.1:9/hook","event_types":["contact.created"]}`, "/url"},
		"plain http":        {`{"url":"http://hooks.example.com/","event_types":["contact.created"]}`, "/url"},
		"credentials":       {`{"url":"https://u:p@hooks.example.com/","event_types":["contact.created"]}`, "/url"},
		"no url":            {`{"event_types":["contact.created"]}`, "/url"},
		"no types":          {`{"url":"https://hooks.example.com/"}`, "/event_types"},
		"empty types":       {`{"url":"https://hooks.example.com/","event_types":[]}`, "/event_types"},
		"unknown type":      {`{"url":"https://hooks.example.com/","event_types":["contact.created","call.parked"]}`, "/event_types/1"},
		"long description":  {`{"url":"https://hooks.example.com/","event_types":["contact.created"],"description":"` + strings.Repeat("x", 501) + `"}`, "/description"},
	} {
		t.Run(name, func(t *testing.T) {
			e.call(t, "POST", "/v1/webhooks", key, tc.body).want(t, name, http.StatusBadRequest, tc.field)
		})
	}
	// Every bad field at once.
	r := e.call(t, "POST", "/v1/webhooks", key, `{"url":"ftp://x","event_types":["nope"]}`)
	r.want(t, "two bad fields", http.StatusBadRequest, "/url", "/event_types/0")
	if n := len(e.call(t, "GET", "/v1/webhooks", key, "").items()); n != 0 {
		t.Fatalf("refused requests made %d endpoints", n)
	}
}

// A tenant has at most its plan's webhook_endpoints endpoints (20 by default, shown in
// GET /v1/tenant); one more is the quota's problem; deleting one makes room; the platform admin's
// plan raises the cap.
func TestWebhookEndpointQuota(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	limit := int(plan.DefaultQuotas().WebhookEndpoints)
	var last string
	for range limit {
		last = createHook(t, e, key)
	}
	if u, l := e.usage(t, key, "webhook_endpoints"); u != limit || l != limit {
		t.Fatalf("GET /v1/tenant shows webhook_endpoints usage %d limit %d; want %d of %d", u, l, limit, limit)
	}
	r := e.call(t, "POST", "/v1/webhooks", key, hookBody)
	r.problemIs(t, "one too many", http.StatusConflict, "quota-exceeded")
	if q, _ := r.body["quota"].(map[string]any); q["name"] != "webhook_endpoints" || q["limit"] != float64(limit) || q["usage"] != float64(limit) {
		t.Errorf("the problem's quota member is %v", r.body["quota"])
	}
	e.call(t, "DELETE", "/v1/webhooks/"+last, key, "").want(t, "delete", http.StatusNoContent)
	createHook(t, e, key)
	e.call(t, "PUT", "/v1/tenants/acme/plan", adminKey, `{"quotas":{"webhook_endpoints":21}}`).want(t, "plan", http.StatusOK)
	createHook(t, e, key)
	e.call(t, "POST", "/v1/webhooks", key, hookBody).problemIs(t, "over the raised quota", http.StatusConflict, "quota-exceeded")
}

// webhookIsolationCases are the webhook routes' cases of TestTenantIsolationEveryRoute: A's admin
// key reaches none of B's endpoints or deliveries.
func webhookIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	idB := createHook(t, e, keyB)
	createHook(t, e, keyB)
	putDelivery(t, e, "tenant-b", idB, "0190bbbb-0000-7000-8000-000000000001", delivery.StatusParked)
	cursorB, _ := e.call(t, "GET", "/v1/webhooks?limit=1", keyB, "").body["next_cursor"].(string)
	if cursorB == "" {
		t.Fatal("B's webhooks should have a second page")
	}
	bUnchanged := func(t *testing.T) {
		t.Helper()
		r := e.call(t, "GET", "/v1/webhooks/"+idB, keyB, "")
		if r.status != http.StatusOK || r.body["enabled"] != true || r.body["description"] != "CRM" {
			t.Fatalf("B's endpoint changed: %v", r.body)
		}
		d := e.call(t, "GET", "/v1/webhooks/"+idB+"/deliveries", keyB, "").items()
		if len(d) != 1 || d[0]["status"] != "parked" {
			t.Fatalf("B's deliveries changed: %v", d)
		}
	}
	paths := fmt.Sprintf("/v1/webhooks/%s", idB)
	return map[string]func(t *testing.T){
		"POST /v1/webhooks": func(t *testing.T) {
			createHook(t, e, keyA)
			if n := len(e.call(t, "GET", "/v1/webhooks", keyB, "").items()); n != 2 {
				t.Fatalf("B has %d endpoints", n)
			}
		},
		"GET /v1/webhooks": func(t *testing.T) {
			for _, it := range e.call(t, "GET", "/v1/webhooks", keyA, "").items() {
				if it["id"] == idB {
					t.Fatal("A lists B's endpoint")
				}
			}
			e.call(t, "GET", "/v1/webhooks?cursor="+cursorB, keyA, "").want(t, "B's cursor", http.StatusBadRequest, "cursor")
		},
		"GET /v1/webhooks/{id}": func(t *testing.T) {
			e.call(t, "GET", paths, keyA, "").want(t, "get B's", http.StatusNotFound)
		},
		"PATCH /v1/webhooks/{id}": func(t *testing.T) {
			e.call(t, "PATCH", paths, keyA, `{"enabled":false}`).want(t, "disable B's", http.StatusNotFound)
			bUnchanged(t)
		},
		"DELETE /v1/webhooks/{id}": func(t *testing.T) {
			e.call(t, "DELETE", paths, keyA, "").want(t, "delete B's", http.StatusNotFound)
			bUnchanged(t)
		},
		"POST /v1/webhooks/{id}/secret": func(t *testing.T) {
			e.call(t, "POST", paths+"/secret", keyA, "").want(t, "rotate B's", http.StatusNotFound)
			bUnchanged(t)
		},
		"GET /v1/webhooks/{id}/deliveries": func(t *testing.T) {
			e.call(t, "GET", paths+"/deliveries", keyA, "").want(t, "B's deliveries", http.StatusNotFound)
		},
		"POST /v1/webhooks/{id}/deliveries/{delivery}/replay": func(t *testing.T) {
			e.call(t, "POST", paths+"/deliveries/0190bbbb-0000-7000-8000-000000000001/replay", keyA, "").want(t, "replay B's", http.StatusNotFound)
			bUnchanged(t)
		},
	}
}

// webhookEvents returns the webhook.endpoint.changed events on the stream, checking that none
// carries a signing secret.
func webhookEvents(t *testing.T, e *env) []lxevents.WebhookEndpointChanged {
	t.Helper()
	var out []lxevents.WebhookEndpointChanged
	for _, ev := range e.streamEvents(t) {
		if ev.Type != lxevents.TypeWebhookEndpointChanged {
			continue
		}
		if strings.Contains(string(ev.Data), delivery.SecretPrefix) {
			t.Fatalf("event carries a secret: %s", ev.Data)
		}
		d, err := lxevents.DataAs[lxevents.WebhookEndpointChanged](ev)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Subject != d.EndpointID {
			t.Fatalf("event subject %q, endpoint %q", ev.Subject, d.EndpointID)
		}
		out = append(out, d)
	}
	return out
}

// Endpoints are versioned like every other item: ETag is the version, If-Match guards PATCH,
// DELETE and rotation (412 when stale), and every accepted write commits one event; refused ones
// none.
func TestWebhookEndpointVersionsAndEvents(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	wantVersion := func(r response, what string, v int) {
		t.Helper()
		if r.headers["ETag"] != fmt.Sprintf(`"%d"`, v) || r.body["version"] != float64(v) {
			t.Fatalf("%s: ETag %q, version %v, want %d", what, r.headers["ETag"], r.body["version"], v)
		}
	}
	r := e.call(t, "POST", "/v1/webhooks", key, hookBody)
	r.want(t, "create", http.StatusCreated)
	wantVersion(r, "create", 1)
	id := r.body["id"].(string)
	path := "/v1/webhooks/" + id
	wantVersion(e.call(t, "GET", path, key, ""), "get", 1)
	if it := e.call(t, "GET", "/v1/webhooks", key, "").items(); len(it) != 1 || it[0]["version"] != float64(1) {
		t.Fatalf("list: %v", it)
	}

	r = e.call(t, "PATCH", path, key, `{"description":"CRM v2"}`, `If-Match: "1"`)
	r.want(t, "patch", http.StatusOK)
	wantVersion(r, "patch", 2)
	e.call(t, "PATCH", path, key, `{"enabled":false}`, `If-Match: "1"`).problemIs(t, "stale patch", http.StatusPreconditionFailed, "precondition-failed")
	e.call(t, "PATCH", path, key, `{"enabled":false}`, "If-None-Match: *").problemIs(t, "create-only patch", http.StatusPreconditionFailed, "precondition-failed")
	e.call(t, "PATCH", path, key, `{"enabled":false}`, "If-Match: soon").want(t, "bad If-Match", http.StatusBadRequest, "If-Match")
	e.call(t, "PATCH", path, key, `{"url":"ftp://x"}`, `If-Match: "2"`).want(t, "bad body", http.StatusBadRequest, "/url")
	e.call(t, "POST", path+"/secret", key, "", "If-Match: 1").problemIs(t, "stale rotate", http.StatusPreconditionFailed, "precondition-failed")
	if g := e.call(t, "GET", path, key, ""); g.body["enabled"] != true || g.body["description"] != "CRM v2" {
		t.Fatalf("refused writes changed the endpoint: %v", g.body)
	}
	wantVersion(e.call(t, "GET", path, key, ""), "get after refusals", 2)

	r = e.call(t, "POST", path+"/secret", key, `{"grace_seconds":0}`, `If-Match: "2"`)
	r.want(t, "rotate", http.StatusOK)
	wantVersion(r, "rotate", 3)
	if r.headers["Cache-Control"] != "no-store" {
		t.Fatalf("rotate answer headers %v", r.headers)
	}
	e.call(t, "DELETE", path, key, "", `If-Match: "2"`).problemIs(t, "stale delete", http.StatusPreconditionFailed, "precondition-failed")
	e.call(t, "DELETE", path, key, "", "If-None-Match: *").want(t, "create-only delete", http.StatusBadRequest, "If-None-Match")
	e.call(t, "POST", "/v1/webhooks", key, `{"url":"ftp://x","event_types":["contact.created"]}`).want(t, "bad create", http.StatusBadRequest, "/url")
	e.call(t, "DELETE", path, key, "", `If-Match: "3"`).want(t, "delete", http.StatusNoContent)
	e.call(t, "DELETE", path, key, "", `If-Match: "3"`).want(t, "delete again", http.StatusNotFound)

	got := webhookEvents(t, e)
	want := []lxevents.WebhookEndpointChanged{
		{EndpointID: id, Change: lxevents.WebhookEndpointCreated, Version: 1},
		{EndpointID: id, Change: lxevents.WebhookEndpointUpdated, Version: 2},
		{EndpointID: id, Change: lxevents.WebhookEndpointSecretRotated, Version: 3},
		{EndpointID: id, Change: lxevents.WebhookEndpointDeleted, Version: 0},
	}
	if len(got) != len(want) {
		t.Fatalf("events %+v, want %+v", got, want)
	}
	for i := range want {
		want[i].ChangedBy = got[i].ChangedBy
		if got[i] != want[i] || got[i].ChangedBy == "" {
			t.Fatalf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
