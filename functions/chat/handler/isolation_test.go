package handler

import (
	"slices"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/guess"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/store"
)

// Tenant isolation, route by route: tenant B's key never reads, changes or learns of tenant A's
// conversations or business events, and another tenant's conversation is "not found" exactly
// like one that does not exist. The test fails for a route without a case, so a new route must
// bring its own.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	keyA := e.tenant(t, "tenant-a")
	keyB := e.tenant(t, "tenant-b")
	a, b := mustTenant(t, "tenant-a"), mustTenant(t, "tenant-b")

	// Admin keys may do what partner keys do.
	adminA := e.key(t, a, auth.RoleAdmin)
	e.must(t, 200, "GET", "/v1/conversations/"+str(e.start(t, adminA, `{}`)["id"]), keyA, "")

	// A's conversation, with a message in it.
	idA := str(e.start(t, keyA, `{"customer":{"id":"shared-customer"},"language":"en"}`)["id"])
	e.say(t, keyA, idA, "what is my balance")
	snapshot := func() string { return e.version(t, "tenant-a", idA) }
	verA := snapshot()
	// notFoundLikeUnknown checks that B's answer about A's id is the answer about an unknown id.
	notFoundLikeUnknown := func(t *testing.T, method, path, unknownPath, body, unknownBody string) {
		t.Helper()
		got := e.do(t, method, path, keyB, body)
		ref := e.do(t, method, unknownPath, keyB, unknownBody)
		if got.code != 404 || ref.code != 404 || got.body["type"] != ref.body["type"] || got.body["title"] != ref.body["title"] {
			t.Fatalf("B on A's conversation: %d %s; on an unknown one: %d %s", got.code, got.raw, ref.code, ref.raw)
		}
	}

	cases := map[string]func(t *testing.T){
		"POST /v1/conversations": func(t *testing.T) {
			// B's conversation lives in B: A cannot see it or write to it.
			idB := str(e.start(t, keyB, `{"customer":{"id":"shared-customer"},"language":"en"}`)["id"])
			if r := e.do(t, "GET", "/v1/conversations/"+idB, keyA, ""); r.code != 404 {
				t.Fatalf("A reads B's new conversation: %d", r.code)
			}
			if r := e.do(t, "POST", "/v1/conversations/"+idB+"/messages", keyA, `{"text":"hi"}`); r.code != 404 {
				t.Fatalf("A writes to B's new conversation: %d", r.code)
			}
		},
		"GET /v1/conversations/{id}": func(t *testing.T) {
			notFoundLikeUnknown(t, "GET", "/v1/conversations/"+idA, "/v1/conversations/cv-unknown", "", "")
		},
		"POST /v1/conversations/{id}/messages": func(t *testing.T) {
			notFoundLikeUnknown(t, "POST", "/v1/conversations/"+idA+"/messages", "/v1/conversations/cv-unknown/messages", `{"text":"what is my balance"}`, `{"text":"what is my balance"}`)
		},
		"POST /v1/conversations/{id}/end": func(t *testing.T) {
			notFoundLikeUnknown(t, "POST", "/v1/conversations/"+idA+"/end", "/v1/conversations/cv-unknown/end", "", "")
		},
		"POST /v1/voice/turns": func(t *testing.T) {
			// Same call id in both tenants: two conversations, each in its own tenant.
			idVA := str(e.voice(t, keyA, map[string]any{"call_id": "iso-call"})["conversation_id"])
			before := e.version(t, "tenant-a", idVA)
			notFoundLikeUnknown(t, "POST", "/v1/voice/turns", "/v1/voice/turns",
				`{"call_id":"iso-call","conversation_id":"`+idVA+`","text":"hi"}`, `{"call_id":"other-call","conversation_id":"cv-unknown","text":"hi"}`)
			idVB := str(e.voice(t, keyB, map[string]any{"call_id": "iso-call", "text": "what is my balance"})["conversation_id"])
			if idVB != idVA || e.version(t, "tenant-a", idVA) != before {
				t.Fatalf("B's turn on the same call touched A's conversation")
			}
			gotB := e.must(t, 200, "GET", "/v1/conversations/"+idVB, keyB, "")
			gotA := e.must(t, 200, "GET", "/v1/conversations/"+idVA, keyA, "")
			if len(list(gotA["messages"])) != 1 || len(list(gotB["messages"])) != 2 {
				t.Fatalf("A's call %v\nB's call %v", gotA["messages"], gotB["messages"])
			}
		},
		"POST /v1/business-events": func(t *testing.T) {
			at := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
			e.must(t, 202, "POST", "/v1/business-events", keyB, `{"customer_id":"shared-customer","kind":"card_declined","occurred_at":"`+at+`"}`)
			g := guess.NewStore(e.db, guess.Options{})
			inB, err := g.RecentEvents(e.ctx, b, "shared-customer", time.Now())
			if err != nil || len(inB) != 1 {
				t.Fatalf("B's events: %v %v", inB, err)
			}
			inA, err := g.RecentEvents(e.ctx, a, "shared-customer", time.Now())
			if err != nil || len(inA) != 0 {
				t.Fatalf("A sees B's events: %v %v", inA, err)
			}
		},
	}
	cases["POST /v1/contacts/{id}/feedback"] = func(t *testing.T) {
		notFoundLikeUnknown(t, "POST", "/v1/contacts/"+idA+"/feedback", "/v1/contacts/cv-unknown/feedback", `{"csat":1}`, `{"csat":1}`)
		if _, ver, err := satisfaction.Get(e.ctx, e.db, a, idA); err != nil || ver != 0 {
			t.Fatalf("B's answer about A's conversation was stored in A: version %d %v", ver, err)
		}
	}
	cases["POST /v1/widgets/{widget}/conversations"] = widgetIsolationCase(e, keyA, keyB)
	routes := e.api.Routes()
	slices.Sort(routes)
	for _, route := range routes {
		t.Run(route, func(t *testing.T) {
			check, ok := cases[route]
			if !ok {
				t.Fatalf("route %s has no tenant-isolation case", route)
			}
			check(t)
		})
	}
	if got := snapshot(); got != verA {
		t.Fatalf("A's conversation changed from version %s to %s", verA, got)
	}
	var c conversation.Conversation
	if _, err := e.db.Get(e.ctx, a, store.Key{Kind: conversation.Kind, ID: idA}, &c); err != nil || c.State != conversation.StateActive || c.TotalMessages != 3 {
		t.Fatalf("A's conversation after B's attempts: %+v %v", c, err)
	}
}
