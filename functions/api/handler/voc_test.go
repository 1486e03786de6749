package handler

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/users"
	"github.com/lingxi/lingxi/shared/voc"
)

func vocOption(db *store.Store, ob *outbox.Outbox) Option {
	return WithVOC(voc.NewAlerts(db, ob, Source), voc.NewCounters(db))
}

// seedAlert raises an alert on key for tenant id (as the feedback function does) and counts one
// message of the key; it returns the alert's id.
func seedAlert(t *testing.T, e *env, id, key string) string {
	t.Helper()
	ctx, tid := context.Background(), mustTenant(t, id)
	db := e.api.store.(*store.Store)
	kind, name, _ := voc.KindOf(key)
	var ex *voc.Example
	if kind == lxevents.AlertTopic {
		ex = &voc.Example{Key: key, Name: "named " + name, Text: "the reminder is wrong", At: time.Now()}
	}
	if _, err := voc.NewCounters(db).Add(ctx, tid, "ev-"+id+"-"+name, time.Now(), []string{key}, ex); err != nil {
		t.Fatal(err)
	}
	al, ok, err := voc.NewAlerts(db, e.api.commit, "test").Raise(ctx, tid, voc.Alert{Key: key, Kind: kind, Name: name, Examples: []string{"the reminder is wrong"},
		Count: 12, Expected: 1, Score: 11, Onset: time.Now().Add(-5 * time.Minute)})
	if err != nil || !ok {
		t.Fatalf("raise on %s: %v %v", key, ok, err)
	}
	return al.ID
}

// The workflow over HTTP: a supervisor's session lists the open alert, acknowledges it, assigns
// it to themself, resolves it with a note (alert.changed each time, the resolution time kept);
// steps out of order are 409 voc-alert-state, an unknown owner 422, an agent 403; the topics list
// the key counted.
func TestVOCAlertRoutes(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "vocco")
	sup := e.createUser(t, key, "sup@vocco.example", "supervisor", pw)
	e.createUser(t, key, "agent@vocco.example", "agent", pw)
	tok := e.signIn(t, "vocco", "sup@vocco.example", pw)
	agent := e.signIn(t, "vocco", "agent@vocco.example", pw)
	id := seedAlert(t, e, "vocco", "intent:complaint")

	e.call(t, "GET", "/v1/voc/alerts", agent, "").want(t, "agent lists alerts", http.StatusForbidden)
	r := e.call(t, "GET", "/v1/voc/alerts?state=open", tok, "")
	if r.want(t, "open alerts", http.StatusOK); len(r.items()) != 1 || r.items()[0]["id"] != id || r.items()[0]["name"] != "complaint" {
		t.Fatalf("open alerts %v", r.body)
	}
	if r := e.call(t, "GET", "/v1/voc/alerts?state=resolved", tok, ""); len(r.items()) != 0 {
		t.Fatalf("resolved alerts %v", r.body)
	}
	e.call(t, "GET", "/v1/voc/alerts?state=gone", tok, "").want(t, "bad state", http.StatusBadRequest, "state")
	e.call(t, "GET", "/v1/voc/alerts/al-nope", tok, "").want(t, "bad id", http.StatusNotFound)
	e.call(t, "POST", "/v1/voc/alerts/"+id+"/acknowledge", tok, "").want(t, "acknowledge", http.StatusOK)
	stranger, _ := users.NewID()
	r = e.call(t, "POST", "/v1/voc/alerts/"+id+"/assign", tok, `{"owner_id":"`+stranger+`"}`)
	if r.want(t, "unknown owner", http.StatusUnprocessableEntity); r.body["type"] != kindAlertOwner.TypeURI() {
		t.Fatalf("unknown owner: %v", r.body)
	}
	e.call(t, "POST", "/v1/voc/alerts/"+id+"/assign", tok, `{"owner_id":"nobody"}`).want(t, "bad owner id", http.StatusBadRequest, "/owner_id")
	r = e.call(t, "POST", "/v1/voc/alerts/"+id+"/assign", tok, `{"owner_id":"`+sup+`"}`)
	if r.want(t, "assign", http.StatusOK); r.body["state"] != "assigned" || r.body["owner_id"] != sup {
		t.Fatalf("assigned %v", r.body)
	}
	r = e.call(t, "POST", "/v1/voc/alerts/"+id+"/resolve", tok, `{"note":"reminder text corrected"}`)
	if r.want(t, "resolve", http.StatusOK); r.body["state"] != "resolved" || r.body["resolution_seconds"] == nil {
		t.Fatalf("resolved %v", r.body)
	}
	r = e.call(t, "POST", "/v1/voc/alerts/"+id+"/acknowledge", tok, "")
	if r.want(t, "acknowledge resolved", http.StatusConflict); r.body["type"] != kindAlertState.TypeURI() {
		t.Fatalf("problem %v", r.body)
	}
	var states, by []string
	for _, ev := range e.streamEvents(t) {
		if ev.Type == lxevents.TypeAlertChanged {
			d, _ := lxevents.DataAs[lxevents.AlertChanged](ev)
			states, by = append(states, string(d.State)), append(by, d.By)
		}
	}
	if strings.Join(states, ",") != "acknowledged,assigned,resolved" || by[0] != "user/"+sup {
		t.Fatalf("alert.changed %v by %v", states, by)
	}
	r = e.call(t, "GET", "/v1/voc/topics", key, "")
	if r.want(t, "topics", http.StatusOK); len(r.items()) != 1 || r.items()[0]["key"] != "intent:complaint" || r.items()[0]["count"] != float64(1) {
		t.Fatalf("topics %v", r.body)
	}
}

func vocIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	idB := seedAlert(t, e, "tenant-b", "topic:b-secret")
	unchanged := func(t *testing.T) {
		t.Helper()
		if r := e.call(t, "GET", "/v1/voc/alerts/"+idB, keyB, ""); r.body["state"] != "open" {
			t.Fatalf("B's alert changed: %v", r.body)
		}
	}
	stranger, _ := users.NewID()
	step := func(path, body string) func(t *testing.T) {
		return func(t *testing.T) {
			e.call(t, "POST", "/v1/voc/alerts/"+idB+path, keyA, body).want(t, "A steps B's alert", http.StatusNotFound)
			unchanged(t)
		}
	}
	return map[string]func(t *testing.T){
		"GET /v1/voc/alerts": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/voc/alerts", keyA, ""); strings.Contains(r.String(), idB) {
				t.Fatalf("A lists B's alert: %v", r.body)
			}
		},
		"GET /v1/voc/alerts/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/voc/alerts/"+idB, keyA, "").want(t, "A reads B's alert", http.StatusNotFound)
		},
		"POST /v1/voc/alerts/{id}/acknowledge": step("/acknowledge", ""),
		"POST /v1/voc/alerts/{id}/assign":      step("/assign", `{"owner_id":"`+stranger+`"}`),
		"POST /v1/voc/alerts/{id}/resolve":     step("/resolve", `{"note":"taken over"}`),
		"GET /v1/voc/topics": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/voc/topics", keyB, ""); !strings.Contains(r.String(), "named b-secret") {
				t.Fatalf("B's topic is not named: %v", r.body)
			}
			if r := e.call(t, "GET", "/v1/voc/topics", keyA, ""); strings.Contains(r.String(), "b-secret") {
				t.Fatalf("A sees B's topics: %v", r.body)
			}
		},
	}
}

func vocBadInputRoutes(t *testing.T, e *env, key string) map[string]httpapitest.Route {
	t.Helper()
	id := seedAlert(t, e, "badinput", "intent:bad_input")
	get := []string{"/v1/voc/alerts", "/v1/voc/alerts/" + id}
	return map[string]httpapitest.Route{
		"POST /v1/voc/alerts/{id}/acknowledge": {Path: "/v1/voc/alerts/" + id + "/acknowledge", EmptyOK: true, Get: get},
		"POST /v1/voc/alerts/{id}/assign":      {Path: "/v1/voc/alerts/" + id + "/assign", Body: `{"owner_id":@}`, Field: "/owner_id", Get: get},
		"POST /v1/voc/alerts/{id}/resolve":     {Path: "/v1/voc/alerts/" + id + "/resolve", Body: `{"note":@}`, Field: "/note", MultiLine: true, EmptyOK: true, Get: get},
	}
}

// vocIdemCases: the workflow's POSTs under an Idempotency-Key; the alert shows what they did.
func vocIdemCases(t *testing.T, e *env, key, tenantID string) map[string]humanIdem {
	t.Helper()
	owner := e.createUser(t, key, "owner@idem.example", "supervisor", pw)
	path := func(id, step string) string { return "/v1/voc/alerts/" + id + "/" + step }
	out := map[string]humanIdem{}
	for step, body := range map[string]string{"acknowledge": "", "assign": `{"owner_id":"` + owner + `"}`, "resolve": `{"note":"done"}`} {
		a, b := seedAlert(t, e, tenantID, "intent:idem_a_"+step), seedAlert(t, e, tenantID, "intent:idem_b_"+step)
		out["POST /v1/voc/alerts/{id}/"+step] = humanIdem{key: key, path: path(a, step), body: body, otherPath: path(b, step), otherBody: body, quiet: "/v1/voc/alerts/" + a}
	}
	return out
}
