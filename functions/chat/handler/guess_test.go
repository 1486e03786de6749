package handler

import (
	"fmt"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/guess"
)

// Guess your question (未问先答), end to end: business events are stored per customer and emitted;
// each conversation's first recognised intent is counted against the events before it; a new
// customer with such an event is offered that intent first, and tapping it runs it.
func TestGuessYourQuestion(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	at := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	event := func(customer, kind string) {
		t.Helper()
		r := e.must(t, 202, "POST", "/v1/business-events", key,
			fmt.Sprintf(`{"customer_id":%q,"kind":%q,"attributes":{"merchant":"Acme Mart"},"occurred_at":%q}`, customer, kind, at))
		if r["stored"] != true || str(r["id"]) == "" {
			t.Fatalf("business event: %v", r)
		}
	}
	// History: customers whose card was declined asked about their lost card; customers without
	// events mostly asked for their balance.
	for i := range 4 {
		c := fmt.Sprintf("declined-%d", i)
		event(c, "card_declined")
		id := str(e.start(t, key, fmt.Sprintf(`{"customer":{"id":%q},"language":"en"}`, c))["id"])
		e.say(t, key, id, "I lost my card")
		e.say(t, key, id, "what is my balance") // not the first intent: not counted
	}
	for i := range 6 {
		id := str(e.start(t, key, fmt.Sprintf(`{"customer":{"id":"plain-%d"},"language":"en"}`, i))["id"])
		e.say(t, key, id, "what is my balance")
	}
	if n := len(e.eventsOf(t, lxevents.TypeBusinessEvent, "declined-0")); n != 1 {
		t.Fatalf("%d business.event events for declined-0", n)
	}

	// A new customer whose card was just declined is offered the lost-card question first.
	event("new-1", "card_declined")
	start := e.start(t, key, `{"customer":{"id":"new-1"},"language":"en"}`)
	sugg := list(start["suggestions"])
	if len(sugg) != 2 || obj(sugg[0])["intent"] != "card_lost" || obj(sugg[0])["text"] != "I lost my card" || obj(sugg[1])["intent"] != "balance" {
		t.Fatalf("suggestions for a declined card: %v", sugg)
	}
	// A customer without events is offered what such customers ask.
	if s := list(e.start(t, key, `{"customer":{"id":"new-2"},"language":"zh"}`)["suggestions"]); len(s) == 0 || obj(s[0])["intent"] != "balance" || obj(s[0])["text"] != "我的余额是多少" {
		t.Fatalf("suggestions without events: %v", s)
	}
	// Tapping a suggestion runs the intent.
	id := str(start["id"])
	r := e.must(t, 200, "POST", "/v1/conversations/"+id+"/messages", key, `{"suggestion":"card_lost"}`)
	if got := texts(r); len(got) != 1 || got[0] != "What are the last 4 digits of the card?" {
		t.Fatalf("tapped suggestion: %v", r)
	}
	tr := e.must(t, 200, "GET", "/v1/conversations/"+id, key, "")
	if m := obj(list(tr["messages"])[1]); m["text"] != "I lost my card" || m["intent"] != "card_lost" || m["role"] != "customer" {
		t.Fatalf("the tapped suggestion in the transcript: %v", m)
	}
	// The counters: 4 + 1 conversations after card_declined, all card_lost; 6 balances without.
	c, err := guess.NewStore(e.db, guess.Options{}).Counts(e.ctx, mustTenant(t, "acme"), []string{"card_declined"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Pair["card_declined"]["card_lost"] != 5 || c.Kind["card_declined"] != 5 || c.Intent["balance"] != 6 || c.Total != 11 {
		t.Fatalf("counts: %+v", c)
	}
}
