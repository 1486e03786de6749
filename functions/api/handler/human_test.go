package handler

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
)

// humanOptions wire the floor and the conversations over db and ob with clock now (nil: the wall
// clock), as the api's main does.
func humanOptions(db *store.Store, ob *outbox.Outbox, now func() time.Time) []Option {
	f := floor.New(db, ob)
	if now != nil {
		f = f.WithClock(now)
	}
	return append([]Option{WithFloor(f), WithConversations(conversation.New(conversation.Config{DB: db, Commit: ob, Quota: quota.New(db), Now: now})),
		forecastDataOption(db), dispatchOption(db, ob), qaOption(db, ob), vocOption(db, ob)}, forecastOptions(db, ob)...) // forecast_read_test.go, dispatch_test.go, qa_test.go, voc_test.go
}

// dispatch runs the dispatcher's loop body once for tenant tn, as functions/dispatch does:
// snapshot, decide, offer. It returns the offers made, by contact id.
func (e *env) dispatch(t *testing.T, tn string, now time.Time) map[string]floor.Offer {
	t.Helper()
	f, ctx, tid := e.api.human.floor, context.Background(), mustTenant(t, tn)
	qs, cs, as, err := f.Snapshot(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]floor.Offer{}
	for _, a := range routing.Decide(now, floor.QueueMap(qs), cs, as).Assignments {
		o, err := f.Offer(ctx, tid, a, floor.DecisionOf(now, a), 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		out[a.ContactID] = o
	}
	return out
}

// human_test.go: the human-service routes in the standing suites (TestTenantIsolationEveryRoute,
// TestBadInputEveryWriteRoute, TestIdempotencyEveryPOST).

// humanIdem is one POST of TestIdempotencyEveryPOST: the request, another of the same route, and
// for a route that emits no event a GET that shows what it did.
type humanIdem struct {
	key, path, body, otherPath, otherBody, quiet string
}

// staffed is a tenant's floor for the standing suites: the general queue, an available agent with
// their session, and contacts offered to them (offers, by contact id) and assigned to them.
type staffed struct {
	agent, token string
	offered      map[string]string // contact id -> offer id
	assigned     []string          // contact ids; the first is a handed-off chat
}

// staff sets up tenantID's floor: nOffered contacts offered to one agent and nAssigned assigned.
func staff(t *testing.T, e *env, tenantID, key string, nOffered, nAssigned int) staffed {
	t.Helper()
	ctx, tid := context.Background(), mustTenant(t, tenantID)
	e.call(t, "POST", "/v1/queues", key, generalQueue).want(t, "general queue", http.StatusCreated)
	s := staffed{offered: map[string]string{}}
	s.agent = e.createUser(t, key, "staff.agent", "agent", pw)
	s.token = e.signIn(t, tenantID, "staff.agent", pw)
	e.call(t, "PUT", "/v1/agents/me/state", s.token, `{"state":"available"}`).want(t, "available", http.StatusOK)
	ids := []string{e.handedOff(t, tenantID, "cust-1", "talk to a person")}
	if c, _, err := e.api.human.floor.Contact(ctx, tid, ids[0]); err != nil {
		t.Fatal(err)
	} else if c.Queue != "general" { // the tenant's settings name another default queue
		e.call(t, "POST", "/v1/queues", key, strings.Replace(generalQueue, `"general"`, `"`+c.Queue+`"`, 1)).want(t, "default queue", http.StatusCreated)
	}
	for len(ids) < nOffered+nAssigned {
		r := e.call(t, "POST", "/v1/contacts", key, `{"channel":"chat","queue":"general","customer_id":"cust-1"}`)
		r.want(t, "contact", http.StatusCreated)
		ids = append(ids, r.body["id"].(string))
	}
	offers := e.dispatch(t, tenantID, time.Now())
	for i, id := range ids {
		o, ok := offers[id]
		if !ok {
			t.Fatalf("no offer for %s: %+v", id, offers)
		}
		if i < nAssigned {
			if _, err := e.api.human.floor.Accept(ctx, tid, id, o.ID, s.agent); err != nil {
				t.Fatal(err)
			}
			s.assigned = append(s.assigned, id)
		} else {
			s.offered[id] = o.ID
		}
	}
	return s
}

func humanIdemCases(t *testing.T, e *env, key string) map[string]humanIdem {
	t.Helper()
	s := staff(t, e, "acme", key, 2, 3)
	var offered []string
	for id := range s.offered {
		offered = append(offered, id)
	}
	c := func(id, action string) string { return "/v1/contacts/" + id + "/" + action }
	offer := func(id string) string { return `{"offer_id":"` + s.offered[id] + `"}` }
	return map[string]humanIdem{
		"POST /v1/canned-responses": {key: key, path: "/v1/canned-responses", body: cannedBody,
			otherPath: "/v1/canned-responses", otherBody: `{"title":"Other","text":"Another text."}`},
		"POST /v1/queues": {key: key, path: "/v1/queues", body: cardsQueue,
			otherPath: "/v1/queues", otherBody: strings.Replace(cardsQueue, `"cards"`, `"loans"`, 1)},
		"POST /v1/contacts": {key: key, path: "/v1/contacts", body: `{"channel":"chat","queue":"general"}`,
			otherPath: "/v1/contacts", otherBody: `{"channel":"chat","queue":"general","priority":1}`},
		"POST /v1/contacts/{id}/accept": {key: s.token, path: c(offered[0], "accept"), body: offer(offered[0]),
			otherPath: c(offered[1], "accept"), otherBody: offer(offered[1])},
		"POST /v1/contacts/{id}/decline": {key: s.token, path: c(offered[1], "decline"), body: offer(offered[1]),
			otherPath: c(offered[0], "decline"), otherBody: offer(offered[0])},
		"POST /v1/contacts/{id}/messages": {key: s.token, path: c(s.assigned[0], "messages"), body: `{"text":"Hello, I am here."}`,
			otherPath: c(s.assigned[0], "messages"), otherBody: `{"text":"Another message."}`},
		"POST /v1/contacts/{id}/transfer": {key: s.token, path: c(s.assigned[1], "transfer"), body: `{"queue":"general"}`,
			otherPath: c(s.assigned[2], "transfer"), otherBody: `{"queue":"general"}`},
		"POST /v1/contacts/{id}/wrapup": {key: s.token, path: c(s.assigned[2], "wrapup"), body: `{"disposition":"resolved"}`,
			otherPath: c(s.assigned[1], "wrapup"), otherBody: `{"disposition":"resolved"}`},
	}
}

func humanBadInputRoutes(t *testing.T, e *env, key string) map[string]httpapitest.Route {
	t.Helper()
	s := staff(t, e, "badinput", key, 1, 1)
	e.call(t, "POST", "/v1/queues", key, cardsQueue).want(t, "cards queue", http.StatusCreated)
	var offered string
	for id := range s.offered {
		offered = id
	}
	assigned := s.assigned[0]
	get := []string{"/v1/queues", "/v1/agents", "/v1/contacts", "/v1/contacts/" + offered, "/v1/contacts/" + assigned}
	c := func(id, action string) string { return "/v1/contacts/" + id + "/" + action }
	routes := map[string]httpapitest.Route{
		"POST /v1/queues":                 {Path: "/v1/queues", Body: `{"id":"loans","name":@}`, Field: "/name", Get: get},
		"PATCH /v1/queues/{id}":           {Path: "/v1/queues/cards", Body: `{"name":@}`, Field: "/name", Get: get},
		"DELETE /v1/queues/{id}":          {Path: "/v1/queues/cards", EmptyOK: true, Get: get},
		"POST /v1/contacts":               {Path: "/v1/contacts", Body: `{"channel":"chat","queue":"general","customer_id":@}`, Field: "/customer_id", Get: get},
		"POST /v1/contacts/{id}/accept":   {Path: c(offered, "accept"), Body: `{"offer_id":@}`, Field: "/offer_id", Key: s.token, Get: get},
		"POST /v1/contacts/{id}/decline":  {Path: c(offered, "decline"), Body: `{"offer_id":@}`, Field: "/offer_id", Key: s.token, Get: get},
		"POST /v1/contacts/{id}/messages": {Path: c(assigned, "messages"), Body: `{"text":@}`, Field: "/text", MultiLine: true, Key: s.token, Get: get},
		"POST /v1/contacts/{id}/transfer": {Path: c(assigned, "transfer"), Body: `{"queue":@}`, Field: "/queue", Key: s.token, Get: get},
		"POST /v1/contacts/{id}/wrapup":   {Path: c(assigned, "wrapup"), Body: `{"note":"fine","disposition":@}`, Field: "/disposition", Key: s.token, Get: get},
		"PUT /v1/agents/{id}/state":       {Path: "/v1/agents/me/state", Body: `{"state":@}`, Field: "/state", Key: s.token, Get: get},
	}
	for route, r := range cannedBadInputRoutes(t, e, key) {
		routes[route] = r
	}
	return routes
}

func humanIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	b := staff(t, e, "tenant-b", keyB, 1, 1)
	e.call(t, "POST", "/v1/queues", keyB, strings.Replace(cardsQueue, `"cards"`, `"b-only"`, 1)).want(t, "B's queue", http.StatusCreated)
	aAgent := e.createUser(t, keyA, "a.agent", "agent", pw)
	aTok := e.signIn(t, "tenant-a", "a.agent", pw)
	_ = aAgent
	var offered string
	for id := range b.offered {
		offered = id
	}
	assigned := b.assigned[0]
	bFloor := func() string {
		return e.call(t, "GET", "/v1/contacts", keyB, "").String() + e.call(t, "GET", "/v1/queues", keyB, "").String() +
			e.call(t, "GET", "/v1/agents", keyB, "").String() + e.call(t, "GET", "/v1/contacts/"+assigned, keyB, "").String()
	}
	before := bFloor()
	same := func(t *testing.T) {
		t.Helper()
		if now := bFloor(); now != before {
			t.Fatalf("B's floor changed:\n%s\nwas\n%s", now, before)
		}
	}
	notFound := func(method, path, key, body string) func(t *testing.T) {
		return func(t *testing.T) {
			e.call(t, method, path, key, body).want(t, "A reaches B's", http.StatusNotFound)
			same(t)
		}
	}
	c := func(id, action string) string { return "/v1/contacts/" + id + "/" + action }
	offerBody := `{"offer_id":"` + b.offered[offered] + `"}`
	cases := map[string]func(t *testing.T){
		"POST /v1/queues": func(t *testing.T) {
			// Queue ids are per tenant: A may have a b-only too, and it is not B's.
			e.call(t, "POST", "/v1/queues", keyA, strings.Replace(generalQueue, `"general"`, `"b-only"`, 1)).want(t, "A's b-only", http.StatusCreated)
			same(t)
		},
		"GET /v1/queues": func(t *testing.T) {
			for _, it := range e.call(t, "GET", "/v1/queues", keyA, "").items() {
				if it["name"] == "Cards" {
					t.Fatalf("A lists B's queue %v", it)
				}
			}
		},
		"GET /v1/queues/{id}":    notFound("GET", "/v1/queues/cards", keyA, ""),
		"PATCH /v1/queues/{id}":  notFound("PATCH", "/v1/queues/cards", keyA, `{"name":"mine"}`),
		"DELETE /v1/queues/{id}": notFound("DELETE", "/v1/queues/cards", keyA, ""),
		"POST /v1/contacts": func(t *testing.T) {
			e.call(t, "POST", "/v1/contacts", keyA, `{"channel":"chat","queue":"cards"}`).want(t, "A queues in B's queue", http.StatusBadRequest, "/queue")
			same(t)
		},
		"GET /v1/contacts": func(t *testing.T) {
			for _, key := range []string{keyA, aTok} {
				for _, it := range e.call(t, "GET", "/v1/contacts", key, "").items() {
					if it["id"] == offered || it["id"] == assigned {
						t.Fatalf("A lists B's contact %v", it)
					}
				}
			}
		},
		"GET /v1/contacts/{id}":             notFound("GET", "/v1/contacts/"+assigned, keyA, ""),
		"GET /v1/contacts/{id}/suggestions": notFound("GET", c(assigned, "suggestions"), aTok, ""),
		"POST /v1/contacts/{id}/accept":     notFound("POST", c(offered, "accept"), aTok, offerBody),
		"POST /v1/contacts/{id}/decline":    notFound("POST", c(offered, "decline"), aTok, offerBody),
		"POST /v1/contacts/{id}/messages":   notFound("POST", c(assigned, "messages"), aTok, `{"text":"hi"}`),
		"POST /v1/contacts/{id}/transfer":   notFound("POST", c(assigned, "transfer"), keyA, `{"queue":"general"}`),
		"POST /v1/contacts/{id}/wrapup":     notFound("POST", c(assigned, "wrapup"), keyA, `{"disposition":"x"}`),
		"PUT /v1/agents/{id}/state":         notFound("PUT", "/v1/agents/"+b.agent+"/state", keyA, `{"state":"offline"}`),
		"GET /v1/wallboard": func(t *testing.T) {
			putBoard(t, e, "tenant-b", "b-secret-queue")
			for _, q := range e.call(t, "GET", "/v1/wallboard", keyA, "").body["queues"].([]any) {
				if q.(map[string]any)["queue"] == "b-secret-queue" {
					t.Fatal("A sees B's figures")
				}
			}
		},
		"GET /v1/agents": func(t *testing.T) {
			for _, it := range e.call(t, "GET", "/v1/agents", keyA, "").items() {
				if it["user_id"] == b.agent {
					t.Fatal("A lists B's agent")
				}
			}
		},
	}
	for route, tc := range cannedIsolationCases(t, e, keyA, keyB) {
		cases[route] = tc
	}
	return cases
}

// The floor's runtime writes draw from the chat allowance; configuring the floor (queues, canned
// responses) from the configuration writes'; its GETs are reads.
func TestHumanRouteClasses(t *testing.T) {
	api := New(nil, nil, nil, nil)
	for _, route := range api.Routes() {
		want := httpapi.RateConfig
		switch {
		case strings.HasPrefix(route, "GET "):
			want = httpapi.RateRead
		case floorWrites[route]:
			want = httpapi.RateChat
		case route == "POST /v1/nlu/train":
			want = httpapi.RateTrain
		}
		if got := routeClass(route); got != want {
			t.Errorf("%s: class %v, want %v", route, got, want)
		}
	}
	for route := range floorWrites {
		if !slices.Contains(api.Routes(), route) {
			t.Errorf("floorWrites names %s, which is no route", route)
		}
	}
}
