package handler

import (
	"strings"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/strategy"
)

// The dispatch engine acts through the chat function: with bot first in force for the general
// queue (opening hours and balance), the first "talk to a person" gets the answer and the line,
// and its chat.message on the stream names the strategy; the second hands off, telling the wait
// announced there. A VIP customer a handoff rule takes hears the wait announced on their queue
// and is never deflected.
func TestBotFirstThroughTheChatFunction(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	now := e.clock()
	st := overlay.State{Active: []strategy.Activation{
		{ID: "act-bf", Queue: "general", Strategy: strategy.BotFirst, Source: strategy.ByEngine, Since: now.Add(-time.Minute), Until: now.Add(time.Hour),
			Params: strategy.Params{Intents: []string{"opening_hours", "balance"}, ExpectedWaitSeconds: 180}},
		{ID: "act-aw", Queue: "general", Strategy: strategy.AnnounceWait, Source: strategy.ByEngine, Since: now.Add(-time.Minute), Until: now.Add(time.Hour),
			Params: strategy.Params{ExpectedWaitSeconds: 180}},
		{ID: "act-vip", Queue: "vip", Strategy: strategy.AnnounceWait, Source: strategy.ByOverride, Since: now.Add(-time.Minute), Until: now.Add(time.Hour),
			Params: strategy.Params{ExpectedWaitSeconds: 60}},
	}}
	if _, err := e.db.Put(e.ctx, mustTenant(t, "acme"), overlay.Key, st, 0); err != nil {
		t.Fatal(err)
	}
	id := str(e.start(t, key, `{"customer":{"id":"c1"},"language":"en"}`)["id"])
	e.say(t, key, id, "what are your opening hours")
	r := e.say(t, key, id, "talk to a person")
	if got := joined(texts(r)); r["state"] != "active" || !strings.HasPrefix(got, "Branches are open 9:00–17:00") ||
		!strings.HasSuffix(got, "Our agents are busy right now (the expected wait is about 3 minutes). Here is what I can do for you right away; ask again and I will connect you with a person.") {
		t.Fatalf("first request: %v", r)
	}
	r = e.say(t, key, id, "talk to a person")
	if got := joined(texts(r)); r["state"] != "handoff" || got != "Sure, I'm connecting you with a person now. Please hold on. The expected wait is about 3 minutes." {
		t.Fatalf("second request: %v", r)
	}
	var marked []string
	for _, ev := range e.eventsOf(t, lxevents.TypeChatMessage, id) {
		m, err := lxevents.DataAs[lxevents.ChatMessage](ev)
		if err != nil {
			t.Fatal(err)
		}
		if m.Strategy != "" {
			marked = append(marked, string(m.Strategy)+"@"+m.ActivationID)
		}
	}
	if strings.Join(marked, " ") != "bot_first@act-bf announce_wait@act-aw" {
		t.Errorf("chat.message strategies %v", marked)
	}
	if cc := one[lxevents.ContactCreated](t, e, lxevents.TypeContactCreated, id); cc.Reason != lxevents.ReasonCustomerRequest || cc.Queue != "general" {
		t.Errorf("contact.created %+v", cc)
	}

	r = e.start(t, key, `{"customer":{"id":"v1","attributes":{"tier":"VIP"}},"language":"en"}`)
	if got := joined(texts(r)); r["state"] != "handoff" || got != "Hello! I'm connecting you with a member of our team now. Please hold on. The expected wait is about a minute." {
		t.Fatalf("vip: %v", r)
	}
}
