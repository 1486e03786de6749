package handler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
)

// wantQuota fails t unless r is the quota-exceeded problem naming quota name at limit and usage.
func (r response) wantQuota(t *testing.T, what, name string, limit, usage int) {
	t.Helper()
	q, _ := r.body["quota"].(map[string]any)
	if r.status != http.StatusConflict || r.body["type"] != httpapi.KindQuotaExceeded.TypeURI() || q == nil ||
		q["name"] != name || q["limit"] != float64(limit) || q["usage"] != float64(usage) {
		t.Fatalf("%s: %d %v, want 409 quota-exceeded %s %d/%d", what, r.status, r.body, name, usage, limit)
	}
}

// usage returns GET /v1/tenant's usage and limit of quota name.
func (e *env) usage(t *testing.T, key, name string) (usage, limit int) {
	t.Helper()
	r := e.call(t, "GET", "/v1/tenant", key, "")
	r.want(t, "get tenant", http.StatusOK)
	q := r.body["quotas"].(map[string]any)[name].(map[string]any)
	return int(q["usage"].(float64)), int(q["limit"].(float64))
}

func flowBody(id string) string {
	return strings.Replace(greetFlow, `"id":"verify"`, fmt.Sprintf("%q:%q", "id", id), 1)
}

func qIntent(i int) string {
	return fmt.Sprintf(`{"description":"intent %d","examples":["example %d","another %d"]}`, i, i, i)
}

func qArticle(i int) string {
	return fmt.Sprintf(`{"questions":["question %d?"],"answer":{"en":"answer %d","zh":"答 %d"}}`, i, i, i)
}

// Each quota refuses the write that would pass it, names itself, and frees up when an item goes;
// replacing an item at the limit is not refused.
func TestQuotasEnforcedAtLimit(t *testing.T) {
	e := newEnv(t)
	tests := map[string]struct {
		quota  string
		limit  int
		create func(i int) (method, path, body string)
		delete func(i int) string // path; the i-th created item
		used   int                // usage before the test (the tenant's first admin key)
	}{
		"api keys": {
			quota: "api_keys", limit: 3, used: 1,
			create: func(i int) (string, string, string) { return "POST", "/v1/api-keys", `{"role":"partner"}` },
		},
		"intents": {
			quota: "intents", limit: 2,
			create: func(i int) (string, string, string) { return "PUT", fmt.Sprintf("/v1/intents/i%d", i), qIntent(i) },
			delete: func(i int) string { return fmt.Sprintf("/v1/intents/i%d", i) },
		},
		"articles": {
			quota: "articles", limit: 2,
			create: func(i int) (string, string, string) { return "PUT", fmt.Sprintf("/v1/articles/a%d", i), qArticle(i) },
			delete: func(i int) string { return fmt.Sprintf("/v1/articles/a%d", i) },
		},
		"flows": {
			quota: "flows", limit: 1,
			create: func(i int) (string, string, string) {
				id := fmt.Sprintf("f%d", i)
				return "PUT", "/v1/flows/" + id, flowBody(id)
			},
			delete: func(i int) string { return fmt.Sprintf("/v1/flows/f%d", i) },
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			id := "q-" + strings.ReplaceAll(name, " ", "-")
			key := e.createTenant(t, id)
			e.call(t, "PUT", "/v1/tenants/"+id+"/plan", adminKey, fmt.Sprintf(`{"quotas":{%q:%d}}`, tc.quota, tc.limit)).
				want(t, "set plan", http.StatusOK)
			var made []string
			for i := tc.used; i < tc.limit; i++ {
				m, p, b := tc.create(i)
				r := e.call(t, m, p, key, b)
				r.want(t, fmt.Sprintf("create %d", i), http.StatusCreated)
				if id, ok := r.body["id"].(string); ok {
					made = append(made, id)
				}
			}
			m, p, b := tc.create(tc.limit)
			e.call(t, m, p, key, b).wantQuota(t, "one over", tc.quota, tc.limit, tc.limit)
			if u, l := e.usage(t, key, tc.quota); u != tc.limit || l != tc.limit {
				t.Fatalf("GET /v1/tenant: %d of %d", u, l)
			}
			if tc.delete == nil { // keys: revoke one
				if code, _ := e.do(t, "DELETE", "/v1/api-keys/"+made[0], key, ""); code != 204 {
					t.Fatalf("revoke: %d", code)
				}
			} else {
				// Replacing an item at the limit counts nothing.
				m, p, b := tc.create(tc.used)
				e.call(t, m, p, key, b, "If-Match: *").want(t, "replace at the limit", http.StatusOK)
				e.call(t, "DELETE", tc.delete(tc.used), key, "").want(t, "delete", http.StatusNoContent)
			}
			if u, _ := e.usage(t, key, tc.quota); u != tc.limit-1 {
				t.Fatalf("usage after a delete: %d, want %d", u, tc.limit-1)
			}
			e.call(t, m, p, key, b).want(t, "create after a delete", http.StatusCreated)
		})
	}
}

// An import counts only the items it creates, all or nothing.
func TestImportQuota(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "q-import")
	e.call(t, "PUT", "/v1/tenants/q-import/plan", adminKey, `{"quotas":{"intents":3,"articles":10}}`).want(t, "set plan", http.StatusOK)
	e.call(t, "PUT", "/v1/intents/i0", key, qIntent(0)).want(t, "setup", http.StatusCreated)
	doc := func(ids ...int) string {
		var items []string
		for _, i := range ids {
			items = append(items, fmt.Sprintf(`{"id":"i%d","examples":["example %d","another %d"]}`, i, i, i))
		}
		return `{"intents":[` + strings.Join(items, ",") + `],"articles":[{"id":"a1","questions":["q?"],"answer":{"en":"a","zh":"答"}}]}`
	}
	// i0 is replaced, i1..i3 are new: 1 + 3 > 3.
	e.call(t, "POST", "/v1/import", key, doc(0, 1, 2, 3)).wantQuota(t, "import over", "intents", 3, 1)
	if u, _ := e.usage(t, key, "intents"); u != 1 {
		t.Fatalf("intents after a refused import: %d", u)
	}
	if u, _ := e.usage(t, key, "articles"); u != 0 {
		t.Fatalf("articles after a refused import: %d", u)
	}
	e.call(t, "POST", "/v1/import", key, doc(0, 1, 2)).want(t, "import within", http.StatusOK)
	if u, _ := e.usage(t, key, "intents"); u != 3 {
		t.Fatalf("intents after the import: %d", u)
	}
	if u, _ := e.usage(t, key, "articles"); u != 1 {
		t.Fatalf("articles after the import: %d", u)
	}
}

// An import that fails in a later chunk gives its counts back with its items.
func TestImportUndoReleasesQuota(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "q-undo")
	var items []string
	for i := range 150 {
		items = append(items, fmt.Sprintf(`{"id":"i%03d","examples":["example %d","another %d"]}`, i, i, i))
	}
	real := e.api.commit
	e.api.commit = &failingCommitter{Committer: real, n: 2} // the second of two chunks fails
	e.call(t, "POST", "/v1/import", key, `{"intents":[`+strings.Join(items, ",")+`]}`).want(t, "failing import", http.StatusConflict)
	e.api.commit = real
	if u, _ := e.usage(t, key, "intents"); u != 0 {
		t.Fatalf("intents counted after an undone import: %d", u)
	}
}

// Concurrent creates cannot overshoot a quota: the count changes in each create's transaction.
func TestQuotaConcurrentCreates(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "q-race")
	const limit, racers = 4, 12
	e.call(t, "PUT", "/v1/tenants/q-race/plan", adminKey, fmt.Sprintf(`{"quotas":{"intents":%d}}`, limit)).want(t, "set plan", http.StatusOK)
	codes := make([]int, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			codes[i] = e.call(t, "PUT", fmt.Sprintf("/v1/intents/i%d", i), key, qIntent(i)).status
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Fatalf("answers %v", codes)
		}
	}
	listed := len(e.call(t, "GET", "/v1/intents?limit=100", key, "").items())
	u, _ := e.usage(t, key, "intents")
	if created != limit || listed != limit || u != limit {
		t.Fatalf("%d created, %d listed, usage %d; want %d each (answers %v)", created, listed, u, limit, codes)
	}
}

// GET /v1/tenant shows every quota with its usage and limit, and the rate limits; a new tenant has
// the defaults, and the platform admin's plan changes them.
func TestTenantShowsUsageAndLimits(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "q-show")
	e.call(t, "PUT", "/v1/intents/i1", key, qIntent(1)).want(t, "intent", http.StatusCreated)
	r := e.call(t, "GET", "/v1/tenant", key, "")
	r.want(t, "get", http.StatusOK)
	want := map[string][2]float64{
		"api_keys": {1, 50}, "models": {0, 20}, "intents": {1, 500}, "articles": {0, 5000},
		"flows": {0, 200}, "live_conversations": {0, 10000}, "webhook_endpoints": {0, 20},
		"numbers": {0, 100}, "trunks": {0, 20}, "sip_accounts": {0, 500}, "users": {0, 1000},
	}
	q := r.body["quotas"].(map[string]any)
	if len(q) != len(want) {
		t.Fatalf("quotas %v", q)
	}
	for name, w := range want {
		got := q[name].(map[string]any)
		if got["usage"] != w[0] || got["limit"] != w[1] {
			t.Errorf("%s: %v, want usage %v limit %v", name, got, w[0], w[1])
		}
	}
	chat := r.body["rate_limits"].(map[string]any)["chat"].(map[string]any)
	if chat["rate"] != 20.0 || chat["burst"] != 40.0 {
		t.Errorf("chat rate limit %v", chat)
	}

	r = e.call(t, "PUT", "/v1/tenants/q-show/plan", adminKey, `{"quotas":{"intents":700},"rate_limits":{"chat":{"rate":40,"burst":80}}}`)
	r.want(t, "plan", http.StatusOK)
	if _, l := e.usage(t, key, "intents"); l != 700 {
		t.Fatalf("intent limit %d after the plan change", l)
	}
	if _, l := e.usage(t, key, "flows"); l != 200 {
		t.Fatalf("flow limit %d: an omitted quota is the default", l)
	}
	if got := e.call(t, "GET", "/v1/tenant", key, "").body["webhook_concurrency"]; got != 5.0 {
		t.Errorf("webhook_concurrency %v, want the default 5", got)
	}
	r = e.call(t, "PUT", "/v1/tenants/q-show/plan", adminKey, `{"webhook_concurrency":8}`)
	r.want(t, "plan with a webhook share", http.StatusOK)
	if got := e.call(t, "GET", "/v1/tenant", key, "").body["webhook_concurrency"]; r.body["webhook_concurrency"] != 8.0 || got != 8.0 {
		t.Errorf("webhook_concurrency answered %v, shown %v; want 8", r.body["webhook_concurrency"], got)
	}
	for name, body := range map[string]string{
		"webhook share over the sender": `{"webhook_concurrency":201}`,
		"negative quota":                `{"quotas":{"intents":-1}}`,
		"unknown quota":                 `{"quotas":{"widgets":3}}`,
		"negative rate":                 `{"rate_limits":{"read":{"rate":-2}}}`,
		"malformed":                     `{"quotas":`,
	} {
		if code, _ := e.do(t, "PUT", "/v1/tenants/q-show/plan", adminKey, body); code != 400 {
			t.Errorf("%s: %d", name, code)
		}
	}
	var types []string
	for _, ev := range e.streamEvents(t) {
		types = append(types, ev.Type)
	}
	if !strings.Contains(strings.Join(types, ","), lxevents.TypeTenantPlanChanged) {
		t.Errorf("no %s event in %v", lxevents.TypeTenantPlanChanged, types)
	}
}

// A tenant created before quotas has no counter items: its first counted write counts what it
// has, and GET /v1/tenant counts without writing.
func TestQuotaMigration(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "q-old")
	e.call(t, "POST", "/v1/api-keys", key, `{"role":"admin"}`).want(t, "second admin", http.StatusCreated)
	e.call(t, "PUT", "/v1/intents/i1", key, qIntent(1)).want(t, "intent", http.StatusCreated)
	tn := mustTenant(t, "q-old")
	db := e.api.store.(*store.Store)
	for _, r := range quota.Resources { // as before quotas
		if err := db.Delete(context.Background(), tn, quota.Key(r), 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if u, _ := e.usage(t, key, "api_keys"); u != 2 {
		t.Fatalf("tallied keys: %d", u)
	}
	if u, _ := e.usage(t, key, "intents"); u != 1 {
		t.Fatalf("tallied intents: %d", u)
	}
	e.call(t, "PUT", "/v1/intents/i2", key, qIntent(2)).want(t, "intent", http.StatusCreated)
	var u quota.Usage
	if _, err := db.Get(context.Background(), tn, quota.Key(quota.Intents), &u); err != nil || u.Count != 2 {
		t.Fatalf("intent counter %+v %v, want 2", u, err)
	}
	// The admin count was rebuilt too: one admin key may go, the last may not.
	_, list := e.do(t, "GET", "/v1/api-keys", key, "")
	var ids []string
	for _, it := range list["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	codes := []int{}
	for _, id := range ids {
		code, _ := e.do(t, "DELETE", "/v1/api-keys/"+id, key, "")
		codes = append(codes, code)
		if code == 204 {
			break // key may be the one just revoked; the other is tried by the listing order
		}
	}
	if codes[len(codes)-1] != 204 {
		t.Fatalf("revoking one of two admin keys: %v", codes)
	}
}

// The platform admin recovers a tenant with no admin key left: a new admin key that works, audited
// by tenant.recovered (and apikey.created), issued even at the key quota.
func TestRecoverTenant(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "q-lost")
	tn := mustTenant(t, "q-lost")
	db := e.api.store.(*store.Store)
	// Lock the tenant out the way the race did: its only admin key gone, the counter at zero.
	_, list := e.do(t, "GET", "/v1/api-keys", key, "")
	id := list["items"].([]any)[0].(map[string]any)["id"].(string)
	if err := db.Tx(context.Background(),
		store.AddOp(tn, quota.Key(quota.APIKeys), map[string]int64{quota.FieldCount: -1, quota.FieldAdmins: -1}),
		store.DeleteOp(tn, store.Key{Kind: auth.KindKey, ID: id}, 0),
		store.PlatformDeleteOp(store.Key{Kind: auth.KindKeyHash, ID: auth.Hash(key)})); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.do(t, "GET", "/v1/tenant", key, ""); code != 401 {
		t.Fatalf("the revoked key still works: %d", code)
	}
	e.call(t, "PUT", "/v1/tenants/q-lost/plan", adminKey, `{"quotas":{"api_keys":1}}`).want(t, "plan", http.StatusOK)

	e.call(t, "POST", "/v1/tenants/q-lost/admin-keys", adminKey, `{}`).want(t, "no reason", http.StatusBadRequest, "/reason")
	r := e.call(t, "POST", "/v1/tenants/q-lost/admin-keys", adminKey, `{"reason":"ticket 42: locked out"}`)
	r.want(t, "recover", http.StatusCreated)
	newKey := r.body["key"].(string)
	if r.body["role"] != "admin" || r.body["created_by"] != "platform-admin" {
		t.Fatalf("recovered key %v", r.body)
	}
	if code, _ := e.do(t, "GET", "/v1/api-keys", newKey, ""); code != 200 {
		t.Fatalf("the recovered key does not manage keys: %d", code)
	}
	// Recovery ignores the key quota; a tenant key at the quota is refused.
	e.call(t, "POST", "/v1/tenants/q-lost/admin-keys", adminKey, `{"reason":"second"}`).want(t, "recover at quota", http.StatusCreated)
	e.call(t, "POST", "/v1/api-keys", newKey, `{"role":"admin"}`).wantQuota(t, "key over quota", "api_keys", 1, 2)

	var found bool
	for _, ev := range e.streamEvents(t) {
		if ev.Type != lxevents.TypeTenantRecovered || ev.Tenant != "q-lost" {
			continue
		}
		rec, err := lxevents.DataAs[lxevents.TenantRecovered](ev)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Reason == "ticket 42: locked out" && rec.IssuedBy == "platform-admin" && rec.KeyID == r.body["id"] {
			found = true
		}
	}
	if !found {
		t.Fatal("no tenant.recovered event for the recovery")
	}
}
