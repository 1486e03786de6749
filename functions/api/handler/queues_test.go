package handler

import (
	"context"
	"net/http"
	"strings"
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
)

func TestQueues(t *testing.T) {
	e, _ := newUsersEnv(t)
	key := e.createTenant(t, "acme")
	e.createUser(t, key, "agent1", "agent", pw)
	agent := e.signIn(t, "acme", "agent1", pw)

	r := e.call(t, "POST", "/v1/queues", key, cardsQueue)
	r.want(t, "create", http.StatusCreated)
	if r.headers["ETag"] != `"1"` || r.body["id"] != "cards" || r.body["offer_timeout_seconds"] != 30.0 {
		t.Fatalf("create: %v %v", r.body, r.headers)
	}
	e.call(t, "POST", "/v1/queues", key, cardsQueue).want(t, "again", http.StatusConflict)
	e.call(t, "POST", "/v1/queues", key, `{"id":"Bad Id","name":"","skills":["Cards"],"target_percent":101,"offer_timeout_seconds":2,"callback":true}`).
		want(t, "bad queue", http.StatusBadRequest, "/id", "/name", "/skills/0", "/target_percent", "/offer_timeout_seconds", "/callback")
	e.call(t, "POST", "/v1/queues", key, `{"id":"loans","name":"Loans","skills":[],"overflow":[{"after_seconds":30,"to_queue":"nowhere"}]}`).
		want(t, "overflow to an unknown queue", http.StatusBadRequest, "/overflow/0/to_queue")
	e.call(t, "POST", "/v1/queues", key, `{"id":"loans","name":"Loans","skills":[],"overflow":[{"after_seconds":30,"to_queue":"cards"}]}`).
		want(t, "overflow to cards", http.StatusCreated)

	// Agents read the queues (the desktop's transfer list); only admins write.
	if items := e.call(t, "GET", "/v1/queues", agent, "").items(); len(items) != 2 {
		t.Fatalf("agent lists %v", items)
	}
	g := e.call(t, "GET", "/v1/queues/cards", agent, "")
	g.want(t, "agent reads", http.StatusOK)
	if g.headers["ETag"] != `"1"` || g.body["name"] != "Cards" {
		t.Fatalf("get: %v %v", g.body, g.headers)
	}
	e.call(t, "GET", "/v1/queues/nowhere", agent, "").want(t, "unknown", http.StatusNotFound)
	e.call(t, "GET", "/v1/queues/Not%20an%20id", agent, "").want(t, "bad id", http.StatusNotFound)
	e.call(t, "POST", "/v1/queues", agent, generalQueue).want(t, "agent creates", http.StatusForbidden)
	e.call(t, "PATCH", "/v1/queues/cards", agent, `{"name":"x"}`).want(t, "agent patches", http.StatusForbidden)

	e.call(t, "PATCH", "/v1/queues/cards", key, `{"name":"x"}`, "If-Match: 5").problemIs(t, "stale", http.StatusPreconditionFailed, "precondition-failed")
	e.call(t, "PATCH", "/v1/queues/cards", key, `{"id":"other"}`).want(t, "rename", http.StatusBadRequest, "/id")
	e.call(t, "PATCH", "/v1/queues/cards", key, `{"target_percent":150}`).want(t, "bad patch", http.StatusBadRequest, "/target_percent")
	p := e.call(t, "PATCH", "/v1/queues/cards", key, `{"name":"Cards and PINs","skills":["cards","pins"]}`, `If-Match: "1"`)
	p.want(t, "patch", http.StatusOK)
	if p.headers["ETag"] != `"2"` || p.body["name"] != "Cards and PINs" || len(p.body["skills"].([]any)) != 2 || p.body["priority"] != 5.0 {
		t.Fatalf("patch kept the members left out? %v", p.body)
	}
	e.call(t, "DELETE", "/v1/queues/cards", key, "", "If-Match: 1").problemIs(t, "stale delete", http.StatusPreconditionFailed, "precondition-failed")
	e.call(t, "DELETE", "/v1/queues/cards", key, "").want(t, "a queue loans overflows to", http.StatusConflict)
	e.call(t, "DELETE", "/v1/queues/loans", key, "").want(t, "delete loans", http.StatusNoContent)
	c := e.call(t, "POST", "/v1/contacts", key, `{"channel":"chat","queue":"cards"}`)
	c.want(t, "a contact waits", http.StatusCreated)
	e.call(t, "DELETE", "/v1/queues/cards", key, "").want(t, "a contact waits in it", http.StatusConflict)
	if _, err := e.api.human.floor.EndByCustomer(context.Background(), mustTenant(t, "acme"), c.body["id"].(string)); err != nil {
		t.Fatal(err)
	}
	e.call(t, "DELETE", "/v1/queues/cards", key, "").want(t, "delete", http.StatusNoContent)
	e.call(t, "GET", "/v1/queues/cards", key, "").want(t, "deleted", http.StatusNotFound)
	e.call(t, "PATCH", "/v1/queues/cards", key, `{"name":"x"}`).want(t, "patch deleted", http.StatusNotFound)

	var changes []string
	for _, ev := range e.streamEvents(t) {
		if ev.Type != lxevents.TypeBotConfigChanged {
			continue
		}
		d, _ := lxevents.DataAs[lxevents.BotConfigChanged](ev)
		for _, c := range d.Changes {
			if c.Kind == lxevents.BotConfigQueue {
				changes = append(changes, c.ID+":"+string(c.Action))
			}
		}
	}
	if want := "cards:put loans:put cards:put loans:delete cards:delete"; strings.Join(changes, " ") != want {
		t.Fatalf("queue changes %q, want %q", changes, want)
	}
}
