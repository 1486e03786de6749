package floor

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
)

func TestQueueCheck(t *testing.T) {
	good := Queue{ID: "billing", Name: "Billing", Skills: []string{"billing"}, TargetSeconds: 20, TargetPercent: 80,
		Overflow: []Overflow{{AfterSeconds: 30}, {AfterSeconds: 60, ToQueue: "general"}}, MaxWaitSeconds: 300, Callback: true}
	if fe := good.Check(); len(fe) != 0 {
		t.Fatalf("good queue: %v", fe)
	}
	for name, tc := range map[string]struct {
		mut   func(*Queue)
		field string
	}{
		"bad id":             {func(q *Queue) { q.ID = "Bad Id" }, "/id"},
		"empty name":         {func(q *Queue) { q.Name = " " }, "/name"},
		"bad skill":          {func(q *Queue) { q.Skills = []string{"Billing!"} }, "/skills/0"},
		"twice":              {func(q *Queue) { q.Skills = []string{"a", "a"} }, "/skills/1"},
		"percent":            {func(q *Queue) { q.TargetPercent = 101 }, "/target_percent"},
		"overflow order":     {func(q *Queue) { q.Overflow[1].AfterSeconds = 30 }, "/overflow/1/after_seconds"},
		"overflow to itself": {func(q *Queue) { q.Overflow[1].ToQueue = "billing" }, "/overflow/1/to_queue"},
		"callback needs max": {func(q *Queue) { q.MaxWaitSeconds = 0 }, "/callback"},
		"offer timeout":      {func(q *Queue) { q.OfferTimeoutSeconds = 2 }, "/offer_timeout_seconds"},
	} {
		t.Run(name, func(t *testing.T) {
			q := good
			q.Overflow = slices.Clone(good.Overflow)
			tc.mut(&q)
			fe := q.Check()
			if !slices.ContainsFunc(fe, func(e httpapi.FieldError) bool { return e.Field == tc.field }) {
				t.Fatalf("errors %v, want one at %s", fe, tc.field)
			}
		})
	}
	r := good.Routing()
	if r.Name != "billing" || r.MaxWait != 5*time.Minute || len(r.Overflow) != 2 || r.Overflow[1].ToQueue != "general" || r.ServiceLevel.Threshold != 20*time.Second {
		t.Fatalf("routing %+v", r)
	}
}

// The whole life of a chat contact: queued (once, however often), offered with the decision
// recorded, refused to the wrong agent and a wrong offer, accepted, transferred to a queue,
// offered and accepted again, left by the customer, wrapped up by its agent only.
func TestContactLife(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.queue(t, Queue{ID: "billing", Name: "Billing", Skills: []string{"billing"}})
	fx.queue(t, Queue{ID: "refunds", Name: "Refunds", Skills: []string{"refunds"}})
	fx.user(t, "usr_li", 2, map[string]int{"billing": 4})
	fx.user(t, "usr_wang", 2, map[string]int{"refunds": 3})
	fx.available(t, "usr_li", "usr_wang")

	fx.enqueue(t, "ct1", events.ChannelChat, "billing")
	if _, created, err := fx.f.Enqueue(ctx, fx.t, Contact{ID: "ct1", Channel: events.ChannelChat, Queue: "refunds"}, "handoff"); err != nil || created {
		t.Fatalf("second enqueue: created %v, %v", created, err)
	}
	if w, _ := fx.f.Waiting(ctx, fx.t); len(w) != 1 || w[0].Queue != "billing" {
		t.Fatalf("waiting %+v", w)
	}

	o := fx.offerOne(t, "ct1", "usr_li")
	c, _, _ := fx.f.Contact(ctx, fx.t, "ct1")
	if c.State != StateOffered || c.Offer.ID != o.ID || len(c.Decisions) != 1 || c.Decisions[0].AgentID != "usr_li" || c.Decisions[0].Why == "" {
		t.Fatalf("offered contact %+v", c)
	}
	if w, _ := fx.f.Waiting(ctx, fx.t); len(w) != 0 {
		t.Fatalf("still waiting %+v", w)
	}
	if open, err := fx.f.OpenFor(ctx, fx.t, "usr_li"); err != nil || len(open) != 1 || open[0].ID != "ct1" {
		t.Fatalf("open for li %+v %v", open, err)
	}

	if _, err := fx.f.Accept(ctx, fx.t, "ct1", o.ID, "usr_wang"); !errors.Is(err, ErrNotYours) {
		t.Fatalf("accept by wang: %v, want ErrNotYours", err)
	}
	if _, err := fx.f.Accept(ctx, fx.t, "ct1", "of_other", "usr_li"); !errors.Is(err, ErrOfferGone) {
		t.Fatalf("accept of another offer: %v, want ErrOfferGone", err)
	}
	fx.clk.add(3 * time.Second)
	c, err := fx.f.Accept(ctx, fx.t, "ct1", o.ID, "usr_li")
	if err != nil || c.State != StateAssigned || c.AgentID != "usr_li" {
		t.Fatalf("accept: %+v %v", c, err)
	}
	if again, err := fx.f.Accept(ctx, fx.t, "ct1", o.ID, "usr_li"); err != nil || again.State != StateAssigned {
		t.Fatalf("accept again: %+v %v", again, err)
	}
	p, _, _ := fx.f.Presence(ctx, fx.t, "usr_li")
	if len(p.Slots) != 1 || p.Slots[0].Status != StateAssigned {
		t.Fatalf("li slots %+v", p.Slots)
	}

	if _, err := fx.f.Transfer(ctx, fx.t, "ct1", "user/usr_li", "refunds", ""); err != nil {
		t.Fatal(err)
	}
	if p, _, _ := fx.f.Presence(ctx, fx.t, "usr_li"); len(p.Slots) != 0 {
		t.Fatalf("li keeps %+v after the transfer", p.Slots)
	}
	o2 := fx.offerOne(t, "ct1", "usr_wang")
	if _, err := fx.f.Accept(ctx, fx.t, "ct1", o.ID, "usr_li"); !errors.Is(err, ErrOfferGone) {
		t.Fatalf("li accepts the old offer: %v, want ErrOfferGone", err)
	}
	if _, err := fx.f.Accept(ctx, fx.t, "ct1", o2.ID, "usr_wang"); err != nil {
		t.Fatal(err)
	}
	c, err = fx.f.EndByCustomer(ctx, fx.t, "ct1")
	if err != nil || c.State != StateWrapup || c.EndedAt == nil {
		t.Fatalf("end by customer: %+v %v", c, err)
	}
	if _, err := fx.f.Wrapup(ctx, fx.t, "ct1", "usr_li", "resolved", ""); !errors.Is(err, ErrNotYours) {
		t.Fatalf("wrap up by li: %v, want ErrNotYours", err)
	}
	c, err = fx.f.Wrapup(ctx, fx.t, "ct1", "usr_wang", "refund-issued", "refunded 20 yuan")
	if err != nil || c.State != StateClosed || c.Disposition != "refund-issued" {
		t.Fatalf("wrap up: %+v %v", c, err)
	}
	if _, err := fx.f.Wrapup(ctx, fx.t, "ct1", "usr_wang", "again", ""); !errors.Is(err, ErrWrongState) {
		t.Fatalf("wrap up twice: %v, want ErrWrongState", err)
	}
	if p, _, _ := fx.f.Presence(ctx, fx.t, "usr_wang"); len(p.Slots) != 0 {
		t.Fatalf("wang keeps %+v", p.Slots)
	}
	if open, _ := fx.f.OpenFor(ctx, fx.t, "usr_wang"); len(open) != 0 {
		t.Fatalf("open for wang %+v", open)
	}
	c, _, _ = fx.f.Contact(ctx, fx.t, "ct1")
	if !c.OfferedTo("usr_li") || !c.OfferedTo("usr_wang") || len(c.Decisions) != 2 {
		t.Fatalf("history %+v", c)
	}

	want := []string{"contact.queued", "dispatch.decided", "contact.offered", "contact.assigned", "contact.transferred",
		"contact.queued", "dispatch.decided", "contact.offered", "contact.assigned", "contact.ended"}
	if got := types(fx.rec.of("", "ct1")); !slices.Equal(got, want) {
		t.Fatalf("events %v\nwant %v", got, want)
	}
	var ended events.ContactEnded
	if err := json.Unmarshal(fx.rec.of(events.TypeContactEnded, "ct1")[0].Data, &ended); err != nil ||
		ended.Outcome != events.OutcomeResolvedByAgent || ended.AgentID != "usr_wang" || ended.Disposition != "refund-issued" {
		t.Fatalf("contact.ended %+v %v", ended, err)
	}
	var assigned events.ContactAssigned
	if err := json.Unmarshal(fx.rec.of(events.TypeContactAssigned, "ct1")[0].Data, &assigned); err != nil || assigned.WaitMS != 3000 {
		t.Fatalf("contact.assigned %+v %v", assigned, err)
	}
	b, _ := json.Marshal(c.Decisions[0])
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil || d["agent_id"] != "usr_li" || d["candidates"].([]any)[0].(map[string]any)["agent_id"] != "usr_li" {
		t.Fatalf("decision json %s", b)
	}
}

// An unanswered offer goes back to the queue and to the next agent; the one who missed it cools
// down, loses the late accept, and after MaxMissed misses goes on break.
func TestOfferTimeout(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.queue(t, Queue{ID: "general", Name: "General", Skills: []string{}})
	fx.user(t, "usr_a", 1, map[string]int{"x": 5})
	fx.user(t, "usr_b", 1, map[string]int{"x": 1})
	fx.available(t, "usr_a", "usr_b")
	fx.enqueue(t, "ct1", events.ChannelChat, "general")

	o := fx.offerOne(t, "ct1", "usr_a") // a idles longer? equal: the smaller id
	fx.clk.add(21 * time.Second)
	if _, err := fx.f.Accept(ctx, fx.t, "ct1", o.ID, "usr_a"); !errors.Is(err, ErrOfferGone) {
		t.Fatalf("accept after expiry: %v, want ErrOfferGone", err)
	}
	if ok, err := fx.f.ExpireOffer(ctx, fx.t, "ct1", o.ID); err != nil || !ok {
		t.Fatalf("expire: %v %v", ok, err)
	}
	if ok, err := fx.f.ExpireOffer(ctx, fx.t, "ct1", o.ID); err != nil || ok {
		t.Fatalf("expire twice: %v %v", ok, err)
	}
	p, _, _ := fx.f.Presence(ctx, fx.t, "usr_a")
	if p.Missed != 1 || len(p.Slots) != 0 {
		t.Fatalf("a after the miss %+v", p)
	}
	c, _, _ := fx.f.Contact(ctx, fx.t, "ct1")
	if c.State != StateQueued || c.Offer != nil || !c.EnqueuedAt.Equal(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("requeued contact %+v", c)
	}
	o2 := fx.offerOne(t, "ct1", "usr_b")
	if _, err := fx.f.Decline(ctx, fx.t, "ct1", o2.ID, "usr_b"); err != nil {
		t.Fatal(err)
	}
	var q events.ContactQueued
	qs := fx.rec.of(events.TypeContactQueued, "ct1")
	if len(qs) != 3 || json.Unmarshal(qs[1].Data, &q) != nil || q.Reason != events.QueueOfferTimeout || json.Unmarshal(qs[2].Data, &q) != nil || q.Reason != events.QueueDeclined {
		t.Fatalf("contact.queued events %d, last %+v", len(qs), q)
	}

	// Two more misses of a put a on break (b is away meanwhile).
	if _, err := fx.f.SetState(ctx, fx.t, "usr_b", AgentBreak, "self", "user/usr_b"); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		fx.clk.add(routing.MissCooldown + time.Second)
		o := fx.offerOne(t, "ct1", "usr_a")
		if _, err := fx.f.ExpireOffer(ctx, fx.t, "ct1", o.ID); err != nil {
			t.Fatal(i, err)
		}
	}
	p, _, _ = fx.f.Presence(ctx, fx.t, "usr_a")
	if p.State != AgentBreak || p.Missed != MaxMissed {
		t.Fatalf("a after %d misses: %+v", MaxMissed, p)
	}
	var st events.AgentState
	if evs := fx.rec.of(events.TypeAgentState, "usr_a"); len(evs) != 2 || json.Unmarshal(evs[1].Data, &st) != nil || st.Reason != events.AgentReasonMissedOffers {
		t.Fatalf("agent.state events %v %+v", types(evs), st)
	}
	p, err := fx.f.SetState(ctx, fx.t, "usr_a", AgentAvailable, "self", "user/usr_a")
	if err != nil || p.Missed != 0 || p.State != AgentAvailable {
		t.Fatalf("available again: %+v %v", p, err)
	}
}

// Offers from stale reads change nothing and say so with store.ErrConflict.
func TestOfferStale(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.queue(t, Queue{ID: "general", Name: "General", Skills: []string{}})
	fx.user(t, "usr_a", 1, nil)
	fx.user(t, "usr_b", 1, nil)
	fx.available(t, "usr_a", "usr_b")
	fx.enqueue(t, "ct1", events.ChannelChat, "general")
	fx.enqueue(t, "ct2", events.ChannelChat, "general")
	plan := fx.decide(t, fx.clk.now()) // ct1 -> a, ct2 -> b
	if len(plan) != 2 {
		t.Fatalf("plan %+v", plan)
	}
	if _, err := fx.f.Offer(ctx, fx.t, plan[0], DecisionOf(fx.clk.now(), plan[0]), time.Minute); err != nil {
		t.Fatal(err)
	}
	// ct1 again (to b): the contact is no longer queued.
	again := plan[0]
	again.AgentID = "usr_b"
	if _, err := fx.f.Offer(ctx, fx.t, again, Decision{}, time.Minute); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("offer an offered contact: %v", err)
	}
	// ct2 to a: a's one chat slot is taken.
	full := plan[1]
	full.AgentID = plan[0].AgentID
	if _, err := fx.f.Offer(ctx, fx.t, full, Decision{}, time.Minute); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("offer to a full agent: %v", err)
	}
	// ct2 to b on break.
	if _, err := fx.f.SetState(ctx, fx.t, plan[1].AgentID, AgentBreak, "self", "user/b"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.f.Offer(ctx, fx.t, plan[1], Decision{}, time.Minute); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("offer to an agent on break: %v", err)
	}
	if w, _ := fx.f.Waiting(ctx, fx.t); len(w) != 1 || w[0].ID != "ct2" {
		t.Fatalf("waiting %+v", w)
	}
	if n := len(fx.rec.of(events.TypeContactOffered, "")); n != 1 {
		t.Fatalf("%d offers recorded, want 1", n)
	}
}

// A customer who leaves while queued or offered abandons the contact and frees the slot; a wait
// that reaches the maximum abandons it, or with a callback keeps it queued and marked.
func TestAbandon(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.queue(t, Queue{ID: "general", Name: "General", Skills: []string{}, MaxWaitSeconds: 60})
	fx.queue(t, Queue{ID: "vip", Name: "VIP", Skills: []string{"vip"}, MaxWaitSeconds: 60, Callback: true})
	fx.user(t, "usr_a", 1, nil)
	fx.available(t, "usr_a")
	fx.enqueue(t, "ct1", events.ChannelChat, "general")
	fx.offerOne(t, "ct1", "usr_a")
	if c, err := fx.f.EndByCustomer(ctx, fx.t, "ct1"); err != nil || c.State != StateAbandoned {
		t.Fatalf("leave while offered: %+v %v", c, err)
	}
	if p, _, _ := fx.f.Presence(ctx, fx.t, "usr_a"); len(p.Slots) != 0 {
		t.Fatalf("slot kept %+v", p.Slots)
	}
	if _, err := fx.f.SetState(ctx, fx.t, "usr_a", AgentOffline, "self", "user/usr_a"); err != nil {
		t.Fatal(err)
	}
	fx.enqueue(t, "ct2", events.ChannelVoice, "general")
	fx.enqueue(t, "ct3", events.ChannelChat, "vip")
	fx.enqueue(t, "ct4", events.ChannelChat, "general")
	if c, err := fx.f.EndByCustomer(ctx, fx.t, "ct4"); err != nil || c.State != StateAbandoned {
		t.Fatalf("leave while queued: %+v %v", c, err)
	}
	if c, err := fx.f.ExpireWait(ctx, fx.t, "ct2"); err != nil || c.State != StateQueued {
		t.Fatalf("early max-wait timer: %+v %v", c, err)
	}
	fx.clk.add(time.Minute)
	if c, err := fx.f.ExpireWait(ctx, fx.t, "ct2"); err != nil || c.State != StateAbandoned {
		t.Fatalf("max wait: %+v %v", c, err)
	}
	if c, err := fx.f.ExpireWait(ctx, fx.t, "ct3"); err != nil || c.State != StateQueued || c.Attributes[AttrCallbackOffered] != "true" {
		t.Fatalf("callback: %+v %v", c, err)
	}
	w, _ := fx.f.Waiting(ctx, fx.t)
	if len(w) != 1 || w[0].ID != "ct3" || w[0].Attributes[AttrCallbackOffered] != "true" {
		t.Fatalf("waiting %+v", w)
	}
	var ab events.ContactAbandoned
	if evs := fx.rec.of(events.TypeContactAbandoned, "ct2"); len(evs) != 1 || json.Unmarshal(evs[0].Data, &ab) != nil || ab.Reason != events.AbandonMaxWait || ab.WaitMS != 60000 {
		t.Fatalf("abandoned %+v", ab)
	}
}

// A transfer straight to an agent offers the contact to them if they have a free slot.
func TestTransferToAgent(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.queue(t, Queue{ID: "general", Name: "General", Skills: []string{}, OfferTimeoutSeconds: 30})
	fx.user(t, "usr_a", 1, nil)
	fx.user(t, "usr_b", 1, nil)
	fx.user(t, "usr_c", 0, nil)
	fx.available(t, "usr_a", "usr_b", "usr_c")
	fx.enqueue(t, "ct1", events.ChannelChat, "general")
	o := fx.offerOne(t, "ct1", "usr_a")
	if _, err := fx.f.Transfer(ctx, fx.t, "ct1", "user/usr_a", "", "usr_b"); !errors.Is(err, ErrWrongState) {
		t.Fatalf("transfer an offered contact: %v", err)
	}
	if _, err := fx.f.Accept(ctx, fx.t, "ct1", o.ID, "usr_a"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.f.Transfer(ctx, fx.t, "ct1", "user/usr_a", "", "usr_c"); !errors.Is(err, ErrWrongState) {
		t.Fatalf("transfer to an agent without chat capacity: %v", err)
	}
	c, err := fx.f.Transfer(ctx, fx.t, "ct1", "user/usr_a", "", "usr_b")
	if err != nil || c.State != StateOffered || c.Offer.AgentID != "usr_b" || c.Offer.ExpiresAt.Sub(c.Offer.At) != 30*time.Second {
		t.Fatalf("transfer to b: %+v %v", c, err)
	}
	if pa, _, _ := fx.f.Presence(ctx, fx.t, "usr_a"); len(pa.Slots) != 0 {
		t.Fatalf("a keeps %+v", pa.Slots)
	}
	if pb, _, _ := fx.f.Presence(ctx, fx.t, "usr_b"); len(pb.Slots) != 1 {
		t.Fatalf("b has %+v", pb.Slots)
	}
	if _, err := fx.f.Accept(ctx, fx.t, "ct1", c.Offer.ID, "usr_b"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.f.Transfer(ctx, fx.t, "nope", "user/x", "general", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("transfer of an unknown contact: %v", err)
	}
}

// SetState copies the user, emits agent.state only on a change, refuses a disabled user and an
// unknown one; Refresh follows user changes and takes a disabled user offline.
func TestPresence(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.user(t, "usr_a", 3, map[string]int{"billing": 4})
	if _, err := fx.f.SetState(ctx, fx.t, "usr_nobody", AgentAvailable, "self", "user/x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := fx.f.SetState(ctx, fx.t, "usr_a", "lunch", "self", "user/usr_a"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad state: %v", err)
	}
	p, err := fx.f.SetState(ctx, fx.t, "usr_a", AgentAvailable, "self", "user/usr_a")
	if err != nil || p.Skills["billing"] != 4 || p.Capacity[events.ChannelChat] != 3 || p.DisplayName != "Agent usr_a" {
		t.Fatalf("presence %+v %v", p, err)
	}
	if _, err := fx.f.SetState(ctx, fx.t, "usr_a", AgentAvailable, "self", "user/usr_a"); err != nil {
		t.Fatal(err)
	}
	if evs := fx.rec.of(events.TypeAgentState, "usr_a"); len(evs) != 1 {
		t.Fatalf("agent.state %d times, want 1", len(evs))
	}
	var u struct {
		ID       string `dynamodbav:"id"`
		Username string `dynamodbav:"username"`
		Role     string `dynamodbav:"role"`
		Disabled bool   `dynamodbav:"disabled"`
	}
	v, _ := fx.db.Get(ctx, fx.t, store.Key{Kind: "user", ID: "usr_a"}, &u)
	u.Disabled = true
	if _, err := fx.db.Put(ctx, fx.t, store.Key{Kind: "user", ID: "usr_a"}, u, v); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.f.SetState(ctx, fx.t, "usr_a", AgentAvailable, "self", "user/usr_a"); !errors.Is(err, ErrWrongState) {
		t.Fatalf("a disabled user made available: %v, want ErrWrongState", err)
	}
	p, present, err := fx.f.Refresh(ctx, fx.t, "usr_a")
	if err != nil || !present || p.State != AgentOffline {
		t.Fatalf("refresh of a disabled user: %+v %v %v", p, present, err)
	}
	if _, present, err := fx.f.Refresh(ctx, fx.t, "usr_b"); err != nil || present {
		t.Fatalf("refresh without presence: %v %v", present, err)
	}
	ps, err := fx.f.Presences(ctx, fx.t)
	if err != nil || len(ps) != 1 {
		t.Fatalf("presences %+v %v", ps, err)
	}
}
