package handler

import (
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
)

// idemKey is the headers of a JSON request with Idempotency-Key k.
func idemKey(k string) map[string]string {
	return map[string]string{"content-type": "application/json", "idempotency-key": k}
}

// problemType fails unless r is a problem of status and type slug.
func problemType(t *testing.T, r response, status int, slug string) {
	t.Helper()
	if r.code != status || r.body["type"] != "urn:lingxi:problem:"+slug {
		t.Fatalf("%d %s, want %d %s", r.code, r.raw, status, slug)
	}
}

// A partner that retries after a timeout records the turn once: the retry gets the first answer
// byte for byte, marked as replayed, and nothing runs or is emitted again. The same key with
// another body (or on another conversation) is 422.
func TestIdempotencyKeyRetry(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")

	start := e.doWith(t, "POST", "/v1/conversations", key, `{"language":"en"}`, idemKey("start-1"))
	again := e.doWith(t, "POST", "/v1/conversations", key, `{"language":"en"}`, idemKey("start-1"))
	if start.code != 201 || again.code != 201 || again.raw != start.raw {
		t.Fatalf("start: %d %s\nretry: %d %s", start.code, start.raw, again.code, again.raw)
	}
	if start.headers["Idempotent-Replayed"] != "" || again.headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("Idempotent-Replayed: first %q, retry %q", start.headers["Idempotent-Replayed"], again.headers["Idempotent-Replayed"])
	}
	id := str(start.body["id"])
	other := str(e.start(t, key, `{"language":"en"}`)["id"])

	msgs := "/v1/conversations/" + id + "/messages"
	first := e.doWith(t, "POST", msgs, key, `{"text":"what is my balance"}`, idemKey("turn-1"))
	retry := e.doWith(t, "POST", msgs, key, `{"text":"what is my balance"}`, idemKey("turn-1"))
	if first.code != 200 || retry.code != 200 || retry.raw != first.raw || retry.headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("turn: %d %s\nretry: %d %s %v", first.code, first.raw, retry.code, retry.raw, retry.headers)
	}
	problemType(t, e.doWith(t, "POST", msgs, key, `{"text":"what is my balance?"}`, idemKey("turn-1")), 422, "idempotency-key-reused")
	problemType(t, e.doWith(t, "POST", "/v1/conversations/"+other+"/messages", key, `{"text":"what is my balance"}`, idemKey("turn-1")), 422, "idempotency-key-reused")
	// Keys are per route: the key of the start is new on the messages route.
	if r := e.doWith(t, "POST", msgs, key, `{"text":"what is my balance"}`, idemKey("start-1")); r.code != 200 || r.headers["Idempotent-Replayed"] != "" {
		t.Fatalf("start's key on the messages route: %d %s %v", r.code, r.raw, r.headers)
	}

	got := e.must(t, 200, "GET", "/v1/conversations/"+id, key, "")
	var balance int
	for _, m := range list(got["messages"]) {
		if str(obj(m)["text"]) == "what is my balance" {
			balance++
		}
	}
	if n := len(list(got["messages"])); balance != 2 || n != 5 {
		t.Fatalf("%d messages, %d of them the question (want 5 and 2: the greeting and two turns): %v", n, balance, got["messages"])
	}
	if evs := e.eventsOf(t, lxevents.TypeChatMessage, id); len(evs) != 5 {
		t.Fatalf("%d chat.message events for 5 messages", len(evs))
	}
	if evs := e.eventsOf(t, lxevents.TypeChatMessage, other); len(evs) != 1 {
		t.Fatalf("%d chat.message events on the other conversation, want its greeting only", len(evs))
	}

	// Business events: a retry is one event on the stream.
	at := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	ev := `{"customer_id":"idem-customer","kind":"card_declined","occurred_at":"` + at + `"}`
	b1 := e.doWith(t, "POST", "/v1/business-events", key, ev, idemKey("event-1"))
	b2 := e.doWith(t, "POST", "/v1/business-events", key, ev, idemKey("event-1"))
	if b1.code != 202 || b2.raw != b1.raw {
		t.Fatalf("event: %d %s\nretry: %d %s", b1.code, b1.raw, b2.code, b2.raw)
	}
	if evs := e.eventsOf(t, lxevents.TypeBusinessEvent, "idem-customer"); len(evs) != 1 {
		t.Fatalf("%d business.event events, want 1", len(evs))
	}
}

// A retry that arrives while the first request is still running is 409 and runs nothing; once the
// first is done the retry gets its answer. The first turn is held in its commit, not raced.
func TestIdempotencyKeyInFlight(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	id := str(e.start(t, key, `{"language":"en"}`)["id"])
	msgs := "/v1/conversations/" + id + "/messages"
	body := `{"text":"what is my balance"}`

	entered, release := e.commit.pauseNext()
	defer release()
	done := make(chan response, 1)
	go func() { done <- e.doWith(t, "POST", msgs, key, body, idemKey("slow-1")) }()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the first request never reached its commit")
	}
	problemType(t, e.doWith(t, "POST", msgs, key, body, idemKey("slow-1")), 409, "idempotency-key-in-flight")
	problemType(t, e.doWith(t, "POST", msgs, key, `{"text":"hello"}`, idemKey("slow-1")), 422, "idempotency-key-reused")
	release()
	first := <-done
	if first.code != 200 {
		t.Fatalf("first: %d %s", first.code, first.raw)
	}
	if retry := e.doWith(t, "POST", msgs, key, body, idemKey("slow-1")); retry.code != 200 || retry.raw != first.raw {
		t.Fatalf("retry after the first finished: %d %s, want %s", retry.code, retry.raw, first.raw)
	}
	if n := len(list(e.must(t, 200, "GET", "/v1/conversations/"+id, key, "")["messages"])); n != 3 {
		t.Fatalf("%d messages, want the greeting and one turn", n)
	}
	if evs := e.eventsOf(t, lxevents.TypeChatMessage, id); len(evs) != 3 {
		t.Fatalf("%d chat.message events, want 3", len(evs))
	}
}

// A request that fails leaves no record behind: the retry with the same key runs.
func TestIdempotencyKeyAfterFailure(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	at := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	ev := `{"customer_id":"fail-customer","kind":"card_declined","occurred_at":"` + at + `"}`

	e.commit.conflicts.Store(1) // the first commit fails: nothing is written
	if r := e.doWith(t, "POST", "/v1/business-events", key, ev, idemKey("event-1")); r.code != 409 {
		t.Fatalf("failing commit: %d %s", r.code, r.raw)
	}
	if r := e.doWith(t, "POST", "/v1/business-events", key, ev, idemKey("event-1")); r.code != 202 || r.headers["Idempotent-Replayed"] != "" {
		t.Fatalf("retry after a 500: %d %s %v", r.code, r.raw, r.headers)
	}
	if evs := e.eventsOf(t, lxevents.TypeBusinessEvent, "fail-customer"); len(evs) != 1 {
		t.Fatalf("%d business.event events, want 1", len(evs))
	}
}

// Keys are per tenant: tenant B using tenant A's key (with another body) is a new request of B's,
// and each tenant's retry gets its own answer.
func TestIdempotencyKeyPerTenant(t *testing.T) {
	e := newEnv(t)
	keyA := e.tenant(t, "tenant-a")
	keyB := e.tenant(t, "tenant-b")

	a := e.doWith(t, "POST", "/v1/conversations", keyA, `{"language":"en"}`, idemKey("same-key"))
	b := e.doWith(t, "POST", "/v1/conversations", keyB, `{"language":"zh"}`, idemKey("same-key"))
	if a.code != 201 || b.code != 201 || a.body["id"] == b.body["id"] {
		t.Fatalf("A: %d %s\nB: %d %s", a.code, a.raw, b.code, b.raw)
	}
	if r := e.doWith(t, "POST", "/v1/conversations", keyA, `{"language":"en"}`, idemKey("same-key")); r.raw != a.raw {
		t.Fatalf("A's retry: %s, want %s", r.raw, a.raw)
	}
	if r := e.doWith(t, "POST", "/v1/conversations", keyB, `{"language":"zh"}`, idemKey("same-key")); r.raw != b.raw {
		t.Fatalf("B's retry: %s, want %s", r.raw, b.raw)
	}
	e.must(t, 404, "GET", "/v1/conversations/"+str(b.body["id"]), keyA, "")
}
