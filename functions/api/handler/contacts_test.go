package handler

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/guess"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
)

const (
	generalQueue = `{"id":"general","name":"General","skills":[],"target_seconds":20,"target_percent":80}`
	cardsQueue   = `{"id":"cards","name":"Cards","skills":["cards"],"priority":5,"target_seconds":30,"target_percent":80,"offer_timeout_seconds":30}`
)

// floorSetup is a tenant with two queues, two agents (one with the cards skill), a supervisor
// and their sessions.
type floorSetup struct {
	key, partner                  string
	agent1, agent2, boss          string // user ids
	agent1Tok, agent2Tok, bossTok string // sessions
}

func newFloor(t *testing.T, e *env, tenantID string) floorSetup {
	t.Helper()
	var s floorSetup
	s.key = e.createTenant(t, tenantID)
	s.partner = e.call(t, "POST", "/v1/api-keys", s.key, `{"role":"partner","name":"crm"}`).body["key"].(string)
	e.call(t, "POST", "/v1/queues", s.key, generalQueue).want(t, "general queue", http.StatusCreated)
	e.call(t, "POST", "/v1/queues", s.key, cardsQueue).want(t, "cards queue", http.StatusCreated)
	s.agent1 = e.createUser(t, s.key, "agent1", "agent", pw) // cards 4 (userBody)
	r := e.call(t, "POST", "/v1/users", s.key, `{"username":"agent2","display_name":"Agent Two","role":"agent","password":"correct horse battery","capacity":{"voice":1,"chat":2}}`)
	r.want(t, "agent2", http.StatusCreated)
	s.agent2 = r.body["id"].(string)
	s.boss = e.createUser(t, s.key, "boss", "supervisor", pw)
	s.agent1Tok = e.signIn(t, tenantID, "agent1", pw)
	s.agent2Tok = e.signIn(t, tenantID, "agent2", pw)
	s.bossTok = e.signIn(t, tenantID, "boss", pw)
	return s
}

// handedOff starts a chat whose customer asks for a person, and queues its contact as the
// dispatcher does on contact.created. It returns the contact id.
func (e *env) handedOff(t *testing.T, tenantID, customer, text string) string {
	t.Helper()
	ctx, tid := context.Background(), mustTenant(t, tenantID)
	svc := e.api.human.conversations.(*conversation.Service)
	rep, err := svc.Start(ctx, tid, conversation.StartInput{Channel: lxevents.ChannelChat, Language: "en", Customer: conversation.Customer{ID: customer}})
	if err != nil {
		t.Fatal(err)
	}
	id := rep.Conversation.ID
	rep, err = svc.Message(ctx, tid, id, conversation.Input{Text: text})
	if err != nil || rep.Conversation.State != conversation.StateHandoff {
		t.Fatalf("handoff: %v %+v", err, rep.Conversation)
	}
	c := floor.Contact{ID: id, Channel: lxevents.ChannelChat, Queue: rep.Conversation.Queue, CustomerID: customer, Reason: rep.Conversation.Reason}
	if _, _, err := e.api.human.floor.Enqueue(ctx, tid, c, string(lxevents.QueueHandoff)); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestHumanServiceContactLife(t *testing.T) {
	e, clock := newUsersEnv(t)
	s := newFloor(t, e, "acme")
	e.createCanned(t, s.key, cannedBody)
	e.call(t, "PUT", "/v1/articles/card-lost", s.key, `{"questions":["I lost my card","my card was stolen"],"answer":{"en":"Block it in the app, then we send a new one."}}`).
		want(t, "article", http.StatusCreated)
	ctx, acme := context.Background(), mustTenant(t, "acme")
	op, _ := guess.EventOp(acme, "ev-1", lxevents.BusinessEvent{CustomerID: "cust-42", Kind: "card_declined", Attributes: map[string]string{"merchant": "Metro"},
		OccurredAt: clock.Now().Add(-time.Hour)}, clock.Now())
	if err := e.api.store.(*store.Store).Tx(ctx, op); err != nil {
		t.Fatal(err)
	}

	// States: an agent sets their own (also as "me"); a supervisor anyone's; an agent no one else's.
	e.call(t, "PUT", "/v1/agents/me/state", s.agent1Tok, `{"state":"available"}`).want(t, "agent1 available", http.StatusOK)
	e.call(t, "PUT", "/v1/agents/"+s.agent2+"/state", s.agent1Tok, `{"state":"break"}`).want(t, "agent1 sets agent2", http.StatusNotFound)
	r := e.call(t, "PUT", "/v1/agents/"+s.agent2+"/state", s.bossTok, `{"state":"available"}`)
	r.want(t, "supervisor sets agent2", http.StatusOK)
	if r.body["state"] != "available" || r.body["user_id"] != s.agent2 {
		t.Fatalf("presence %v", r.body)
	}
	e.call(t, "PUT", "/v1/agents/me/state", s.agent1Tok, `{"state":"asleep"}`).want(t, "bad state", http.StatusBadRequest, "/state")
	e.call(t, "GET", "/v1/agents", s.agent1Tok, "").want(t, "agent lists agents", http.StatusForbidden)
	if items := e.call(t, "GET", "/v1/agents", s.bossTok, "").items(); len(items) != 2 {
		t.Fatalf("agents %v", items)
	}

	// A partner's contact for the cards queue, and a customer's handoff from the bot.
	r = e.call(t, "POST", "/v1/contacts", s.partner, `{"channel":"chat","queue":"cards","customer_id":"cust-42","priority":3,"intent":"card_lost",
		"attributes":{"order":"A-17"},"transcript":[{"role":"customer","text":"my card was stolen"}]}`)
	r.want(t, "partner contact", http.StatusCreated)
	partnerContact := r.body["id"].(string)
	if r.body["state"] != "queued" || r.body["queue"] != "cards" {
		t.Fatalf("created %v", r.body)
	}
	e.call(t, "POST", "/v1/contacts", s.partner, `{"channel":"voice","queue":"nowhere","priority":101}`).want(t, "bad contact", http.StatusBadRequest, "/channel", "/priority")
	e.call(t, "POST", "/v1/contacts", s.partner, `{"channel":"chat","queue":"nowhere"}`).want(t, "unknown queue", http.StatusBadRequest, "/queue")
	e.call(t, "POST", "/v1/contacts", s.agent1Tok, `{"channel":"chat","queue":"cards"}`).want(t, "agent creates a contact", http.StatusForbidden)
	chat := e.handedOff(t, "acme", "cust-42", "my card is lost, talk to someone")

	offers := e.dispatch(t, "acme", clock.Now())
	if offers[partnerContact].AgentID != s.agent1 || offers[chat].AgentID != s.agent2 {
		t.Fatalf("offers %+v (agent1 %s, agent2 %s)", offers, s.agent1, s.agent2)
	}
	// Each agent sees only what was offered to them; the supervisor and the partner see all.
	e.call(t, "GET", "/v1/contacts/"+chat, s.agent1Tok, "").want(t, "agent1 reads agent2's contact", http.StatusNotFound)
	if items := e.call(t, "GET", "/v1/contacts", s.agent1Tok, "").items(); len(items) != 1 || items[0]["id"] != partnerContact || items[0]["state"] != "offered" {
		t.Fatalf("agent1's contacts %v", items)
	}
	if items := e.call(t, "GET", "/v1/contacts?state=offered", s.partner, "").items(); len(items) != 2 {
		t.Fatalf("partner's offered contacts %v", items)
	}
	if items := e.call(t, "GET", "/v1/contacts?state=queued", s.bossTok, "").items(); len(items) != 0 {
		t.Fatalf("queued contacts %v", items)
	}
	e.call(t, "GET", "/v1/contacts?state=lost", s.bossTok, "").want(t, "bad state", http.StatusBadRequest, "state")

	// agent2 declines; the chat goes back to the queue and to agent1 (who has chat slots).
	before := e.call(t, "GET", "/v1/contacts/"+chat, s.bossTok, "").String()
	e.call(t, "POST", "/v1/contacts/"+chat+"/decline", s.agent2Tok, `{"offer_id":"of_not-this-one"}`).problemIs(t, "decline another offer", http.StatusConflict, "offer-gone")
	e.call(t, "POST", "/v1/contacts/"+chat+"/accept", s.agent1Tok, `{"offer_id":"`+offers[chat].ID+`"}`).want(t, "agent1 accepts agent2's offer", http.StatusNotFound)
	if after := e.call(t, "GET", "/v1/contacts/"+chat, s.bossTok, "").String(); after != before {
		t.Fatalf("refused answers changed the contact:\n%s\n%s", after, before)
	}
	r = e.call(t, "POST", "/v1/contacts/"+chat+"/decline", s.agent2Tok, `{"offer_id":"`+offers[chat].ID+`"}`)
	r.want(t, "decline", http.StatusOK)
	if r.body["state"] != "queued" {
		t.Fatalf("declined: %v", r.body)
	}
	// The offer that went away is gone for agent2 now, and stays so.
	e.call(t, "POST", "/v1/contacts/"+chat+"/accept", s.agent2Tok, `{"offer_id":"`+offers[chat].ID+`"}`).problemIs(t, "accept a declined offer", http.StatusConflict, "offer-gone")
	again := e.dispatch(t, "acme", clock.Now())
	if again[chat].AgentID != s.agent1 {
		t.Fatalf("re-offer %+v", again)
	}
	// agent2 still reads the contact once offered to them, but cannot take it.
	e.call(t, "GET", "/v1/contacts/"+chat, s.agent2Tok, "").want(t, "agent2 reads a contact once offered", http.StatusOK)
	e.call(t, "POST", "/v1/contacts/"+chat+"/accept", s.agent2Tok, `{"offer_id":"`+again[chat].ID+`"}`).problemIs(t, "accept agent1's offer", http.StatusConflict, "offer-gone")

	for id, o := range map[string]floor.Offer{partnerContact: offers[partnerContact], chat: again[chat]} {
		r := e.call(t, "POST", "/v1/contacts/"+id+"/accept", s.agent1Tok, `{"offer_id":"`+o.ID+`"}`)
		r.want(t, "accept", http.StatusOK)
		if r.body["state"] != "assigned" || r.body["agent_id"] != s.agent1 {
			t.Fatalf("accepted: %v", r.body)
		}
	}

	// The contact as the desktop shows it: decisions, the transcript, the profile.
	got := e.call(t, "GET", "/v1/contacts/"+chat, s.agent1Tok, "")
	got.want(t, "get", http.StatusOK)
	decisions := got.body["decisions"].([]any)
	if len(decisions) != 2 {
		t.Fatalf("decisions %v", got.body["decisions"])
	}
	d := decisions[1].(map[string]any)
	if d["agent_id"] != s.agent1 || d["why"] == "" || len(d["candidates"].([]any)) == 0 {
		t.Fatalf("decision %v", d)
	}
	transcript := got.body["transcript"].([]any)
	if len(transcript) != 3 || transcript[1].(map[string]any)["role"] != "customer" || got.body["language"] != "en" {
		t.Fatalf("transcript %v", got.body)
	}
	profile := got.body["profile"].(map[string]any)
	evs, past := profile["recent_events"].([]any), profile["past_contacts"].([]any)
	if profile["customer_id"] != "cust-42" || len(evs) != 1 || evs[0].(map[string]any)["kind"] != "card_declined" ||
		len(past) != 1 || past[0].(map[string]any)["id"] != partnerContact {
		t.Fatalf("profile %v", profile)
	}

	// Suggestions for the customer's last message; then the agent writes to the customer.
	sg := e.call(t, "GET", "/v1/contacts/"+chat+"/suggestions", s.agent1Tok, "")
	sg.want(t, "suggestions", http.StatusOK)
	arts, cans := sg.body["articles"].([]any), sg.body["canned_responses"].([]any)
	if sg.body["message"] != "my card is lost, talk to someone" || len(arts) == 0 || arts[0].(map[string]any)["id"] != "card-lost" ||
		len(cans) == 0 || cans[0].(map[string]any)["title"] != "Card blocked" {
		t.Fatalf("suggestions %v", sg.body)
	}
	e.call(t, "POST", "/v1/contacts/"+chat+"/messages", s.agent2Tok, `{"text":"hello"}`).want(t, "agent2 writes", http.StatusConflict)
	e.call(t, "POST", "/v1/contacts/"+chat+"/messages", s.agent1Tok, `{"text":"  "}`).want(t, "empty text", http.StatusBadRequest, "/text")
	m := e.call(t, "POST", "/v1/contacts/"+chat+"/messages", s.agent1Tok, `{"text":"I have blocked your card.\nA new one is on its way."}`)
	m.want(t, "agent message", http.StatusCreated)
	conv, err := e.api.human.conversations.(*conversation.Service).Get(ctx, acme, chat)
	if err != nil || conv.Messages[len(conv.Messages)-1].Role != lxevents.RoleAgent {
		t.Fatalf("conversation after the agent's message: %v %+v", err, conv)
	}
	e.call(t, "POST", "/v1/contacts/"+partnerContact+"/messages", s.agent1Tok, `{"text":"hi"}`).want(t, "no conversation", http.StatusConflict)

	// Transfer the partner's contact to the general queue; wrap up the chat.
	e.call(t, "POST", "/v1/contacts/"+partnerContact+"/transfer", s.agent1Tok, `{}`).want(t, "transfer nowhere", http.StatusBadRequest, "/queue")
	e.call(t, "POST", "/v1/contacts/"+partnerContact+"/transfer", s.agent1Tok, `{"queue":"nowhere"}`).want(t, "unknown queue", http.StatusBadRequest, "/queue")
	e.call(t, "POST", "/v1/contacts/"+partnerContact+"/transfer", s.agent2Tok, `{"queue":"general"}`).want(t, "agent2 transfers agent1's", http.StatusNotFound)
	r = e.call(t, "POST", "/v1/contacts/"+partnerContact+"/transfer", s.agent1Tok, `{"queue":"general"}`)
	r.want(t, "transfer", http.StatusOK)
	if r.body["state"] != "queued" || r.body["queue"] != "general" {
		t.Fatalf("transferred %v", r.body)
	}
	e.call(t, "POST", "/v1/contacts/"+chat+"/wrapup", s.agent1Tok, `{"disposition":""}`).want(t, "no disposition", http.StatusBadRequest, "/disposition")
	r = e.call(t, "POST", "/v1/contacts/"+chat+"/wrapup", s.agent1Tok, `{"disposition":"card_blocked","note":"Customer\\nhappy."}`)
	r.want(t, "wrap up", http.StatusOK)
	if r.body["state"] != "closed" || r.body["disposition"] != "card_blocked" {
		t.Fatalf("wrapped up %v", r.body)
	}
	e.call(t, "POST", "/v1/contacts/"+chat+"/wrapup", s.agent1Tok, `{"disposition":"again"}`).want(t, "wrap up twice", http.StatusConflict)
	if conv, _ := e.api.human.conversations.(*conversation.Service).Get(ctx, acme, chat); conv.State != conversation.StateEnded {
		t.Fatalf("the chat is %s after the wrap-up", conv.State)
	}
	if items := e.call(t, "GET", "/v1/contacts", s.agent1Tok, "").items(); len(items) != 0 {
		t.Fatalf("agent1 still has %v", items)
	}

	var types []string
	for _, ev := range e.streamEvents(t) {
		if ev.Subject == chat || ev.Subject == partnerContact {
			types = append(types, ev.Type)
		}
	}
	for _, want := range []string{"contact.created", "contact.queued", "contact.assigned", "contact.transferred", "contact.ended"} {
		if !strings.Contains(strings.Join(types, " "), want) {
			t.Errorf("no %s among %v", want, types)
		}
	}
	var agentMessages int
	for _, ev := range e.streamEvents(t) {
		if ev.Type == lxevents.TypeChatMessage {
			if d, _ := lxevents.DataAs[lxevents.ChatMessage](ev); d.Role == lxevents.RoleAgent && d.AgentID == s.agent1 {
				agentMessages++
			}
		}
	}
	if agentMessages != 1 {
		t.Fatalf("%d agent chat.message events", agentMessages)
	}
}

// The bad input of issue 10's "done means": each a clear error that changes nothing.
func TestHumanServiceRefusals(t *testing.T) {
	e, clock := newUsersEnv(t)
	s := newFloor(t, e, "acme")
	other := newFloor(t, e, "other")
	e.call(t, "PUT", "/v1/agents/me/state", s.agent1Tok, `{"state":"available"}`).want(t, "available", http.StatusOK)
	e.call(t, "PUT", "/v1/agents/me/state", other.agent1Tok, `{"state":"available"}`).want(t, "other's agent available", http.StatusOK)
	id := e.call(t, "POST", "/v1/contacts", s.partner, `{"channel":"chat","queue":"general"}`).body["id"].(string)
	otherID := e.call(t, "POST", "/v1/contacts", other.partner, `{"channel":"chat","queue":"general"}`).body["id"].(string)
	offer := e.dispatch(t, "acme", clock.Now())[id]
	e.dispatch(t, "other", clock.Now())
	snapshot := func() string {
		return e.call(t, "GET", "/v1/contacts/"+id, s.key, "").String() + e.call(t, "GET", "/v1/contacts/"+otherID, other.key, "").String() +
			e.call(t, "GET", "/v1/agents", s.key, "").String()
	}
	before := snapshot()
	accept := `{"offer_id":"` + offer.ID + `"}`

	t.Run("wrong credentials", func(t *testing.T) {
		e.call(t, "POST", "/v1/sessions", "", `{"tenant":"acme","username":"agent1","password":"wrong horse battery"}`).problemIs(t, "sign-in", http.StatusUnauthorized, "sign-in-failed")
		e.call(t, "POST", "/v1/contacts/"+id+"/accept", auth.SessionPrefix+"forged", accept).want(t, "forged session", http.StatusUnauthorized)
		e.call(t, "GET", "/v1/contacts", "", "").want(t, "no token", http.StatusUnauthorized)
	})
	t.Run("another tenant's contact and agent", func(t *testing.T) {
		e.call(t, "GET", "/v1/contacts/"+otherID, s.agent1Tok, "").want(t, "read", http.StatusNotFound)
		e.call(t, "GET", "/v1/contacts/"+otherID, s.key, "").want(t, "read with the admin key", http.StatusNotFound)
		e.call(t, "POST", "/v1/contacts/"+otherID+"/accept", s.agent1Tok, accept).want(t, "accept", http.StatusNotFound)
		e.call(t, "POST", "/v1/contacts/"+otherID+"/wrapup", s.bossTok, `{"disposition":"x"}`).want(t, "wrap up", http.StatusNotFound)
		e.call(t, "PUT", "/v1/agents/"+other.agent1+"/state", s.bossTok, `{"state":"offline"}`).want(t, "set the state", http.StatusNotFound)
	})
	t.Run("an agent reading a contact never theirs", func(t *testing.T) {
		e.call(t, "GET", "/v1/contacts/"+id, s.agent2Tok, "").want(t, "read", http.StatusNotFound)
		e.call(t, "GET", "/v1/contacts/"+id+"/suggestions", s.agent2Tok, "").want(t, "suggestions", http.StatusNotFound)
		e.call(t, "POST", "/v1/contacts/"+id+"/accept", s.agent2Tok, accept).want(t, "accept", http.StatusNotFound)
		e.call(t, "POST", "/v1/contacts/"+id+"/transfer", s.agent2Tok, `{"queue":"cards"}`).want(t, "transfer", http.StatusNotFound)
	})
	t.Run("an offer that went to someone else", func(t *testing.T) {
		e.call(t, "POST", "/v1/contacts/"+id+"/accept", s.agent1Tok, `{"offer_id":"of_someone-elses"}`).problemIs(t, "another offer id", http.StatusConflict, "offer-gone")
		e.call(t, "POST", "/v1/contacts/"+id+"/accept", s.bossTok, accept).problemIs(t, "the supervisor accepts agent1's offer", http.StatusConflict, "offer-gone")
	})
	t.Run("an offer that timed out", func(t *testing.T) {
		clock.Advance(offer.ExpiresAt.Sub(clock.Now()))
		e.call(t, "POST", "/v1/contacts/"+id+"/accept", s.agent1Tok, accept).problemIs(t, "accept at expiry", http.StatusConflict, "offer-gone")
	})
	if now := snapshot(); now != before {
		t.Fatalf("refusals changed the floor:\n%s\nwas\n%s", now, before)
	}
	t.Run("an expired session", func(t *testing.T) {
		clock.Advance(auth.SessionTTL)
		e.call(t, "GET", "/v1/contacts", s.agent1Tok, "").want(t, "list", http.StatusUnauthorized)
		e.call(t, "PUT", "/v1/agents/me/state", s.agent1Tok, `{"state":"offline"}`).want(t, "set state", http.StatusUnauthorized)
	})
	if now := snapshot(); now != before {
		t.Fatalf("refusals changed the floor:\n%s\nwas\n%s", now, before)
	}
}

// The slots a contact shows are the running flow's (dialog.State's JSON), none without a flow.
func TestFlowSlots(t *testing.T) {
	conv := &conversation.Conversation{RunningFlow: conversation.RunningFlow{Flow: "verify", FlowState: `{"flow_id":"verify","step":"ask","slots":{"card_last4":"1234"}}`}}
	if got := flowSlots(conv); got["card_last4"] != "1234" || len(got) != 1 {
		t.Fatalf("slots %v", got)
	}
	for _, state := range []string{"", "not json", `{"slots":null}`} {
		if got := flowSlots(&conversation.Conversation{RunningFlow: conversation.RunningFlow{FlowState: state}}); got == nil || len(got) != 0 {
			t.Fatalf("state %q: slots %v", state, got)
		}
	}
}

// Signing out of one's last session takes the person off the floor (agent.state offline, reason
// sign_out); while another session lives, the state stays.
func TestSignOutGoesOffline(t *testing.T) {
	e, _ := newUsersEnv(t)
	s := newFloor(t, e, "acme")
	other := e.signIn(t, "acme", "agent1", pw)
	if me := e.call(t, "GET", "/v1/me", other, ""); me.body["presence"] != nil {
		t.Fatalf("presence before the agent ever set a state: %v", me.body["presence"])
	}
	e.call(t, "PUT", "/v1/agents/me/state", s.agent1Tok, `{"state":"available"}`).want(t, "available", http.StatusOK)
	// Another tab (session) of the same person reads the state the floor has.
	if pr, _ := e.call(t, "GET", "/v1/me", other, "").body["presence"].(map[string]any); pr["state"] != "available" || pr["since"] == nil {
		t.Fatalf("GET /v1/me presence %v; want available with since", pr)
	}
	state := func() any {
		for _, it := range e.call(t, "GET", "/v1/agents", s.bossTok, "").items() {
			if it["user_id"] == s.agent1 {
				return it["state"]
			}
		}
		return nil
	}
	e.call(t, "DELETE", "/v1/sessions/current", s.agent1Tok, "").want(t, "sign out of one", http.StatusNoContent)
	if got := state(); got != "available" {
		t.Fatalf("after one of two sessions ended: %v", got)
	}
	e.call(t, "DELETE", "/v1/sessions/current", other, "").want(t, "sign out of the last", http.StatusNoContent)
	if got := state(); got != "offline" {
		t.Fatalf("after the last session ended: %v", got)
	}
	var reasons []string
	for _, ev := range e.streamEvents(t) {
		if ev.Type == lxevents.TypeAgentState {
			d, _ := lxevents.DataAs[lxevents.AgentState](ev)
			reasons = append(reasons, string(d.Reason))
		}
	}
	if strings.Join(reasons, " ") != "self sign_out" {
		t.Fatalf("agent.state reasons %v", reasons)
	}
	// An agent who never took the floor signs out without a state change.
	e.call(t, "DELETE", "/v1/sessions/current", s.agent2Tok, "").want(t, "sign out", http.StatusNoContent)
}

// A supervisor moves a contact straight to another agent, and wraps one up on an agent's behalf;
// a transfer to an agent who is not on the floor, or not free, changes nothing.
func TestSupervisorMovesContact(t *testing.T) {
	e, clock := newUsersEnv(t)
	s := newFloor(t, e, "acme")
	e.call(t, "PUT", "/v1/agents/me/state", s.agent1Tok, `{"state":"available"}`).want(t, "agent1", http.StatusOK)
	id := e.call(t, "POST", "/v1/contacts", s.partner, `{"channel":"chat","queue":"general"}`).body["id"].(string)
	o := e.dispatch(t, "acme", clock.Now())[id]
	e.call(t, "POST", "/v1/contacts/"+id+"/accept", s.agent1Tok, `{"offer_id":"`+o.ID+`"}`).want(t, "accept", http.StatusOK)

	e.call(t, "POST", "/v1/contacts/"+id+"/transfer", s.bossTok, `{"agent_id":"`+s.agent2+`"}`).want(t, "agent2 never took the floor", http.StatusBadRequest, "/agent_id")
	e.call(t, "PUT", "/v1/agents/"+s.agent2+"/state", s.bossTok, `{"state":"break"}`).want(t, "agent2 on break", http.StatusOK)
	e.call(t, "POST", "/v1/contacts/"+id+"/transfer", s.bossTok, `{"agent_id":"`+s.agent2+`"}`).want(t, "agent2 on break", http.StatusConflict)
	e.call(t, "POST", "/v1/contacts/"+id+"/transfer", s.bossTok, `{"agent_id":"usr_nope"}`).want(t, "not a user id", http.StatusBadRequest, "/agent_id")
	if r := e.call(t, "GET", "/v1/contacts/"+id, s.bossTok, ""); r.body["state"] != "assigned" || r.body["agent_id"] != s.agent1 {
		t.Fatalf("refused transfers changed the contact: %v", r.body)
	}
	e.call(t, "PUT", "/v1/agents/"+s.agent2+"/state", s.bossTok, `{"state":"available"}`).want(t, "agent2 available", http.StatusOK)
	r := e.call(t, "POST", "/v1/contacts/"+id+"/transfer", s.bossTok, `{"agent_id":"`+s.agent2+`"}`)
	r.want(t, "move to agent2", http.StatusOK)
	offer := r.body["offer"].(map[string]any)
	if r.body["state"] != "offered" || offer["agent_id"] != s.agent2 {
		t.Fatalf("moved: %v", r.body)
	}
	e.call(t, "POST", "/v1/contacts/"+id+"/accept", s.agent2Tok, `{"offer_id":"`+offer["id"].(string)+`"}`).want(t, "agent2 accepts", http.StatusOK)
	e.call(t, "POST", "/v1/contacts/"+id+"/wrapup", s.agent1Tok, `{"disposition":"x"}`).want(t, "agent1 no longer has it", http.StatusForbidden)
	r = e.call(t, "POST", "/v1/contacts/"+id+"/wrapup", s.bossTok, `{"disposition":"moved_and_resolved"}`)
	r.want(t, "supervisor wraps up", http.StatusOK)
	if r.body["state"] != "closed" || r.body["agent_id"] != s.agent2 {
		t.Fatalf("wrapped up: %v", r.body)
	}

	// A queued contact: a supervisor moves it to another queue (a queue that does not exist is
	// 400, not "no contact"); an agent may not.
	e.call(t, "PUT", "/v1/agents/"+s.agent1+"/state", s.bossTok, `{"state":"break"}`).want(t, "agent1 on break", http.StatusOK)
	e.call(t, "PUT", "/v1/agents/"+s.agent2+"/state", s.bossTok, `{"state":"break"}`).want(t, "agent2 on break", http.StatusOK)
	queued := e.call(t, "POST", "/v1/contacts", s.partner, `{"channel":"chat","queue":"general"}`).body["id"].(string)
	e.call(t, "POST", "/v1/contacts/"+queued+"/transfer", s.bossTok, `{"queue":"nowhere"}`).want(t, "move to no queue", http.StatusBadRequest, "/queue")
	e.call(t, "POST", "/v1/contacts/"+queued+"/transfer", s.agent1Tok, `{"queue":"cards"}`).want(t, "an agent moves a queued contact", http.StatusNotFound)
	r = e.call(t, "POST", "/v1/contacts/"+queued+"/transfer", s.bossTok, `{"queue":"cards"}`)
	r.want(t, "supervisor moves it", http.StatusOK)
	if r.body["state"] != "queued" || r.body["queue"] != "cards" {
		t.Fatalf("moved: %v", r.body)
	}
	if _, err := e.api.human.floor.Transfer(context.Background(), mustTenant(t, "acme"), queued, "user/boss", "nowhere", ""); floorError(err, "x").(*httpapi.Error).Kind != httpapi.KindValidation {
		t.Fatalf("the floor's missing queue maps to %v", floorError(err, "x"))
	}
}
