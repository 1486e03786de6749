package handler

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

const adminKey = "platform-admin-test-key-0123456789abcdef"

// env is an api wired to a fresh table and stream on the emulators.
type env struct {
	api    *API
	kin    *kinesis.Client
	stream string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, streamName := emulators.NewStream(t, 1)
	db := store.New(ddb, table)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	authn, err := auth.NewAuthenticator(db, auth.Hash(adminKey))
	if err != nil {
		t.Fatal(err)
	}
	ob := outbox.New(db, stream.NewPublisher(kin, streamName), log)
	api := New(db, ob, authn, log, append(humanOptions(db, ob, nil), reportsOption(t, db))...)
	return &env{api: api, kin: kin, stream: streamName}
}

// do sends one request through the Lambda handler the way API Gateway would.
func (e *env) do(t *testing.T, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	r := e.call(t, method, path, key, body)
	return r.status, r.body
}

// createTenant makes tenant id and returns its first admin key.
func (e *env) createTenant(t *testing.T, id string) string {
	t.Helper()
	code, body := e.do(t, "POST", "/v1/tenants", adminKey, fmt.Sprintf(`{"id":%q,"name":"Tenant %s"}`, id, id))
	if code != http.StatusCreated {
		t.Fatalf("create tenant %s: %d %v", id, code, body)
	}
	key := body["api_key"].(map[string]any)["key"].(string)
	if !strings.HasPrefix(key, auth.KeyPrefix) {
		t.Fatalf("key %q lacks prefix", key)
	}
	return key
}

// streamEvents reads every event on the stream.
func (e *env) streamEvents(t *testing.T) []lxevents.Envelope {
	t.Helper()
	return emulators.ReadStream(t, e.kin, e.stream, lxevents.Decode)
}

func TestTenantLifecycle(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")

	code, body := e.do(t, "GET", "/v1/tenant", key, "")
	if code != 200 || body["id"] != "acme" || body["name"] != "Tenant acme" {
		t.Fatalf("get tenant: %d %v", code, body)
	}
	code, body = e.do(t, "POST", "/v1/api-keys", key, `{"name":"crm","role":"partner"}`)
	if code != 201 || body["role"] != "partner" {
		t.Fatalf("create key: %d %v", code, body)
	}
	partnerKey, partnerID := body["key"].(string), body["id"].(string)
	if !strings.HasPrefix(partnerKey, body["prefix"].(string)) {
		t.Fatalf("prefix %v is not the key's start", body["prefix"])
	}
	// The partner key reads the tenant but may not manage keys.
	if code, _ := e.do(t, "GET", "/v1/tenant", partnerKey, ""); code != 200 {
		t.Fatalf("partner get tenant: %d", code)
	}
	if code, body := e.do(t, "GET", "/v1/api-keys", partnerKey, ""); code != 403 || body["type"] != httpapi.KindForbidden.TypeURI() {
		t.Fatalf("partner list keys: %d %v", code, body)
	}
	// Listing never shows a key or its hash.
	code, body = e.do(t, "GET", "/v1/api-keys", key, "")
	if code != 200 || len(body["items"].([]any)) != 2 {
		t.Fatalf("list keys: %d %v", code, body)
	}
	raw, _ := json.Marshal(body)
	if strings.Contains(string(raw), partnerKey) || strings.Contains(string(raw), auth.Hash(partnerKey)) {
		t.Fatal("listing leaks a key or its hash")
	}
	// Revoke: the key stops working at once.
	if code, _ := e.do(t, "DELETE", "/v1/api-keys/"+partnerID, key, ""); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	if code, body := e.do(t, "GET", "/v1/tenant", partnerKey, ""); code != 401 || body["type"] != httpapi.KindUnauthenticated.TypeURI() {
		t.Fatalf("revoked key still works: %d %v", code, body)
	}
	// The last admin key cannot be revoked.
	_, body = e.do(t, "GET", "/v1/api-keys", key, "")
	adminID := body["items"].([]any)[0].(map[string]any)["id"].(string)
	if code, body := e.do(t, "DELETE", "/v1/api-keys/"+adminID, key, ""); code != 409 {
		t.Fatalf("revoking the last admin key: %d %v", code, body)
	}

	// Every accepted write emitted its event, in order, on the tenant's partition.
	var types []string
	for _, ev := range e.streamEvents(t) {
		if ev.Tenant != "acme" {
			t.Fatalf("event for tenant %q", ev.Tenant)
		}
		types = append(types, ev.Type)
	}
	want := []string{lxevents.TypeTenantCreated, lxevents.TypeAPIKeyCreated, lxevents.TypeAPIKeyCreated, lxevents.TypeAPIKeyRevoked}
	if strings.Join(types, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", types, want)
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "paged")
	for i := 0; i < 4; i++ {
		if code, _ := e.do(t, "POST", "/v1/api-keys", key, `{"role":"partner"}`); code != 201 {
			t.Fatal("create key")
		}
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		code, body := e.do(t, "GET", "/v1/api-keys?limit=2&cursor="+cursor, key, "")
		if code != 200 {
			t.Fatalf("page: %d %v", code, body)
		}
		for _, it := range body["items"].([]any) {
			seen[it.(map[string]any)["id"].(string)] = true
		}
		cursor, _ = body["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Fatalf("saw %d keys over pages, want 5", len(seen))
	}
}

// Tenant A's keys reach nothing of tenant B's through any route.
func TestTenantIsolationEveryRoute(t *testing.T) {
	e := newEnv(t)
	keyA := e.createTenant(t, "tenant-a")
	keyB := e.createTenant(t, "tenant-b")
	_, body := e.do(t, "GET", "/v1/api-keys", keyB, "")
	bKeyID := body["items"].([]any)[0].(map[string]any)["id"].(string)
	_, pageB := e.do(t, "POST", "/v1/api-keys", keyB, `{"role":"partner"}`)
	_ = pageB
	_, listB := e.do(t, "GET", "/v1/api-keys?limit=1", keyB, "")
	cursorB, _ := listB["next_cursor"].(string)
	if cursorB == "" {
		t.Fatal("tenant B's listing should have a second page")
	}

	cases := map[string]func(t *testing.T){
		"POST /v1/tenants": func(t *testing.T) {
			// A tenant key cannot create (or overwrite) tenants, B included.
			if code, _ := e.do(t, "POST", "/v1/tenants", keyA, `{"id":"tenant-b","name":"taken over"}`); code != 403 {
				t.Fatalf("tenant key created a tenant: %d", code)
			}
			if code, _ := e.do(t, "POST", "/v1/tenants", adminKey, `{"id":"tenant-b","name":"again"}`); code != 409 {
				t.Fatalf("re-creating B: %d", code)
			}
		},
		"GET /v1/openapi.json": func(t *testing.T) {
			// The contract holds no tenant's data: the same document with any key or none.
			a, none := e.call(t, "GET", "/v1/openapi.json", keyA, ""), e.call(t, "GET", "/v1/openapi.json", "", "")
			if a.status != 200 || none.status != 200 || a.headers["ETag"] != none.headers["ETag"] {
				t.Fatalf("spec with A's key %d %s, without %d %s", a.status, a.headers["ETag"], none.status, none.headers["ETag"])
			}
		},
		"GET /v1/tenant": func(t *testing.T) {
			code, body := e.do(t, "GET", "/v1/tenant", keyA, "")
			if code != 200 || body["id"] != "tenant-a" {
				t.Fatalf("A sees %v", body)
			}
		},
		"POST /v1/api-keys": func(t *testing.T) {
			// Nothing in a body can name another tenant: the field is unknown.
			code, body := e.do(t, "POST", "/v1/api-keys", keyA, `{"role":"admin","tenant":"tenant-b"}`)
			if code != 400 || body["type"] != httpapi.KindValidation.TypeURI() {
				t.Fatalf("body tenant accepted: %d %v", code, body)
			}
		},
		"GET /v1/api-keys": func(t *testing.T) {
			_, body := e.do(t, "GET", "/v1/api-keys", keyA, "")
			for _, it := range body["items"].([]any) {
				if it.(map[string]any)["id"] == bKeyID {
					t.Fatal("A lists B's key")
				}
			}
			if code, _ := e.do(t, "GET", "/v1/api-keys?limit=1&cursor="+cursorB, keyA, ""); code != 400 {
				t.Fatalf("A used B's cursor: %d", code)
			}
		},
		"DELETE /v1/api-keys/{id}": func(t *testing.T) {
			if code, _ := e.do(t, "DELETE", "/v1/api-keys/"+bKeyID, keyA, ""); code != 404 {
				t.Fatalf("A revoking B's key: %d", code)
			}
			if code, _ := e.do(t, "GET", "/v1/tenant", keyB, ""); code != 200 {
				t.Fatal("B's key stopped working")
			}
		},
		"POST /v1/tenants/{id}/admin-keys": func(t *testing.T) {
			// Only the platform admin recovers a tenant; a tenant key cannot, not even for itself.
			for _, id := range []string{"tenant-b", "tenant-a"} {
				if code, _ := e.do(t, "POST", "/v1/tenants/"+id+"/admin-keys", keyA, `{"reason":"takeover"}`); code != 403 {
					t.Fatalf("A issued an admin key for %s: %d", id, code)
				}
			}
			if code, _ := e.do(t, "POST", "/v1/tenants/no-such-tenant/admin-keys", adminKey, `{"reason":"x"}`); code != 404 {
				t.Fatalf("unknown tenant: %d", code)
			}
			_, list := e.do(t, "GET", "/v1/api-keys", keyB, "")
			if n := len(list["items"].([]any)); n != 2 {
				t.Fatalf("B has %d keys, want its 2", n)
			}
		},
		"PUT /v1/tenants/{id}/plan": func(t *testing.T) {
			for _, id := range []string{"tenant-b", "tenant-a"} {
				if code, _ := e.do(t, "PUT", "/v1/tenants/"+id+"/plan", keyA, `{"quotas":{"intents":1}}`); code != 403 {
					t.Fatalf("A changed the plan of %s: %d", id, code)
				}
			}
			if code, _ := e.do(t, "PUT", "/v1/tenants/no-such-tenant/plan", adminKey, `{}`); code != 404 {
				t.Fatalf("unknown tenant: %d", code)
			}
			_, body := e.do(t, "GET", "/v1/tenant", keyB, "")
			if l := body["quotas"].(map[string]any)["intents"].(map[string]any)["limit"]; l != float64(500) {
				t.Fatalf("B's intent quota is %v", l)
			}
		},
	}
	for route, tc := range botIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range webhookIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range voiceIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range userIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range humanIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range widgetIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range forecastIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range forecastDataIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range dispatchIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range qaIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range satisfactionIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range vocIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for route, tc := range reportIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	for _, route := range e.api.Routes() {
		if cases[route] == nil {
			t.Errorf("route %s has no isolation case", route)
		}
	}
	for name, tc := range cases {
		t.Run(name, tc)
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "strict")
	tests := map[string]struct {
		method, path, key, body string
		status                  int
		problem                 *httpapi.Kind
		field                   string
	}{
		"no key":             {"GET", "/v1/tenant", "", "", 401, httpapi.KindUnauthenticated, ""},
		"unknown key":        {"GET", "/v1/tenant", auth.KeyPrefix + "nope", "", 401, httpapi.KindUnauthenticated, ""},
		"admin on tenant":    {"GET", "/v1/tenant", adminKey, "", 403, httpapi.KindForbidden, ""},
		"bad json":           {"POST", "/v1/api-keys", key, `{"role":`, 400, httpapi.KindMalformed, ""},
		"empty body":         {"POST", "/v1/api-keys", key, ``, 400, httpapi.KindMalformed, ""},
		"bad role":           {"POST", "/v1/api-keys", key, `{"role":"root"}`, 400, httpapi.KindValidation, "/role"},
		"wrong type":         {"POST", "/v1/api-keys", key, `{"role":7}`, 400, httpapi.KindValidation, "/role"},
		"bad tenant id":      {"POST", "/v1/tenants", adminKey, `{"id":"Bad Id","name":"x"}`, 400, httpapi.KindValidation, "/id"},
		"missing name":       {"POST", "/v1/tenants", adminKey, `{"id":"fine"}`, 400, httpapi.KindValidation, "/name"},
		"huge body":          {"POST", "/v1/api-keys", key, `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, 413, httpapi.KindTooLarge, ""},
		"unknown key id":     {"DELETE", "/v1/api-keys/key_missing", key, "", 404, httpapi.KindNotFound, ""},
		"no such route":      {"GET", "/v1/nothing", key, "", 404, httpapi.KindNoRoute, ""},
		"bad limit":          {"GET", "/v1/api-keys?limit=0", key, "", 400, httpapi.KindValidation, "limit"},
		"forged cursor":      {"GET", "/v1/api-keys?cursor=Zm9yZ2Vk", key, "", 400, httpapi.KindValidation, "cursor"},
		"partner-created-by": {"POST", "/v1/tenants", key, `{"id":"x","name":"x"}`, 403, httpapi.KindForbidden, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, body := e.do(t, tc.method, tc.path, tc.key, tc.body)
			if code != tc.status || body["type"] != tc.problem.TypeURI() {
				t.Fatalf("got %d %v, want %d %s", code, body, tc.status, tc.problem.TypeURI())
			}
			if tc.field != "" {
				errs, _ := body["errors"].([]any)
				if len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
					t.Fatalf("errors %v do not point at %s", body["errors"], tc.field)
				}
			}
		})
	}
	// Nothing above changed the tenant: still one key.
	_, body := e.do(t, "GET", "/v1/api-keys", key, "")
	if n := len(body["items"].([]any)); n != 1 {
		t.Fatalf("bad input changed state: %d keys", n)
	}
}
