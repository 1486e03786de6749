package handler

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/widget"
)

// An admin makes the tenant's widget with its first PUT (201, a new public id), changes it with
// later ones (200, the same id) and reads it; bad origins are refused at their index; a stale
// If-Match is 412; a partner key is refused.
func TestWidgetSettings(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "shop")
	e.call(t, "GET", "/v1/widget", key, "").want(t, "no widget yet", http.StatusNotFound)
	first := e.call(t, "PUT", "/v1/widget", key, `{"origins":["https://Shop.Example.com/","http://localhost:8080"],"title":"在线客服"}`)
	first.want(t, "create", http.StatusCreated)
	id, _ := first.body["widget_id"].(string)
	if !widget.ValidID(id) || first.headers["ETag"] != `"1"` {
		t.Fatalf("created %v %v", first.body, first.headers)
	}
	if o := first.body["origins"].([]any); len(o) != 2 || o[0] != "https://shop.example.com" {
		t.Fatalf("origins not normalized: %v", o)
	}
	second := e.call(t, "PUT", "/v1/widget", key, `{"origins":[],"title":"Help"}`, "If-Match: 1")
	second.want(t, "replace", http.StatusOK)
	if second.body["widget_id"] != id || second.body["title"] != "Help" || second.headers["ETag"] != `"2"` {
		t.Fatalf("replaced %v %v", second.body, second.headers)
	}
	got := e.call(t, "GET", "/v1/widget", key, "")
	got.want(t, "read", http.StatusOK)
	if got.body["widget_id"] != id || got.body["title"] != "Help" {
		t.Fatalf("read %v", got.body)
	}
	e.call(t, "PUT", "/v1/widget", key, `{"origins":[]}`, "If-Match: 1").want(t, "stale If-Match", http.StatusPreconditionFailed)
	for name, tc := range map[string]struct{ body, field string }{
		"http elsewhere": {`{"origins":["http://shop.example.com"]}`, "/origins/0"},
		"path":           {`{"origins":["https://ok.example.com","https://shop.example.com/x"]}`, "/origins/1"},
		"not a url":      {`{"origins":["shop"]}`, "/origins/0"},
		"long title":     {`{"origins":[],"title":"` + strings.Repeat("长", widget.MaxTitle+1) + `"}`, "/title"},
	} {
		e.call(t, "PUT", "/v1/widget", key, tc.body).want(t, name, http.StatusBadRequest, tc.field)
	}
	partner := e.call(t, "POST", "/v1/api-keys", key, `{"role":"partner"}`)
	pk := partner.body["key"].(string)
	e.call(t, "GET", "/v1/widget", pk, "").want(t, "partner reads", http.StatusForbidden)
	e.call(t, "PUT", "/v1/widget", pk, `{"origins":[]}`).want(t, "partner writes", http.StatusForbidden)
}

// widgetBadInputRoutes is the widget's line of the bad-input suite.
func widgetBadInputRoutes() map[string]httpapitest.Route {
	return map[string]httpapitest.Route{
		"PUT /v1/widget": {Path: "/v1/widget", Body: `{"origins":["https://shop.example.com"],"title":@}`, Field: "/title", Get: []string{"/v1/widget"}},
	}
}

// widgetIsolationCases: A's admin sees and changes only A's widget; B's stays as it was.
func widgetIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	e.call(t, "PUT", "/v1/widget", keyB, `{"origins":["https://b.example.com"],"title":"B"}`).want(t, "B's widget", http.StatusCreated)
	before := e.call(t, "GET", "/v1/widget", keyB, "").String()
	same := func(t *testing.T) {
		t.Helper()
		if now := e.call(t, "GET", "/v1/widget", keyB, "").String(); now != before {
			t.Fatalf("B's widget changed: %s\nwas %s", now, before)
		}
	}
	return map[string]func(t *testing.T){
		"GET /v1/widget": func(t *testing.T) {
			// A has no widget, or (after the PUT case ran) its own: never B's.
			a := e.call(t, "GET", "/v1/widget", keyA, "")
			if a.status != http.StatusNotFound && (a.status != http.StatusOK || strings.Contains(before, a.body["widget_id"].(string))) {
				t.Fatalf("A reads %d %v; B's is %s", a.status, a.body, before)
			}
		},
		"PUT /v1/widget": func(t *testing.T) {
			a := e.call(t, "PUT", "/v1/widget", keyA, `{"origins":["https://a.example.com"]}`)
			a.want(t, "A's widget", http.StatusCreated)
			if strings.Contains(before, a.body["widget_id"].(string)) {
				t.Fatal("A got B's widget id")
			}
			same(t)
		},
	}
}
