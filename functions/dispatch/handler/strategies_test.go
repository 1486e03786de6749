package handler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/users"
)

// steer writes t's overlay as shared/steering does (the one "dispatch-state" item) and streams the
// dispatch.strategy event that goes out with it, for each activation.
func (fx *fixture) steer(t *testing.T, action events.StrategyAction, active ...strategy.Activation) {
	t.Helper()
	ctx := context.Background()
	var cur overlay.State
	ver, err := fx.db.Get(ctx, fx.t, overlay.Key, &cur)
	if err != nil && ver != 0 {
		t.Fatal(err)
	}
	if _, err := fx.db.Put(ctx, fx.t, overlay.Key, overlay.State{Active: active, LastAt: fx.clk.now()}, ver); err != nil {
		t.Fatal(err)
	}
	var evs []events.Envelope
	for _, a := range active {
		until := a.Until
		e, err := events.New(fx.t, events.TypeDispatchStrategy, a.ID, "lingxi.steer", events.DispatchStrategy{ActivationID: a.ID,
			Action: action, Strategy: a.Strategy, Queue: a.Queue, Source: a.Source, Since: a.Since, Until: &until, Reason: a.Reason, GapAgents: a.GapAgents})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	if failed := fx.stream(t, evs...); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
}

// activation is strategy k on queue in force from now for 15 minutes.
func (fx *fixture) activation(queue string, k strategy.Kind, p strategy.Params) strategy.Activation {
	now := fx.clk.now()
	return strategy.Activation{ID: "act-" + now.UTC().Format("20060102T1504") + "-" + queue + "-" + string(k), Queue: queue, Strategy: k, Params: p,
		Source: strategy.ByEngine, Since: now, Until: now.Add(15 * time.Minute), Reason: "a gap of 2 agents on " + queue, GapAgents: 2}
}

// handoff streams a contact.created of channel ch into queue, then the floor's contact.queued.
func (fx *fixture) handoff(t *testing.T, id, queue string, ch events.Channel) {
	t.Helper()
	e, err := events.New(fx.t, events.TypeContactCreated, id, "lingxi.chat", events.ContactCreated{Channel: ch, Queue: queue, Reason: events.ReasonCustomerRequest})
	if err != nil {
		t.Fatal(err)
	}
	if failed := fx.stream(t, e); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	if failed := fx.stream(t, fx.rec.take()...); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
}

func (fx *fixture) contact(t *testing.T, id string) floor.Contact {
	t.Helper()
	c, _, err := fx.fl.Contact(context.Background(), fx.t, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (fx *fixture) queue(t *testing.T, q floor.Queue) {
	t.Helper()
	if err := fx.db.Create(context.Background(), fx.t, floor.QueueKey(q.ID), q); err != nil {
		t.Fatal(err)
	}
}

// With overflow in force a contact of a queue whose own agents are all away is offered at once to
// an agent with the queue's backup skills, and its decision says why; without the overlay (before
// it, and after the activation lapsed) the contact waits.
func TestOverflowInForceOffersBackupAtOnce(t *testing.T) {
	fx := newFixture(t)
	fx.queue(t, floor.Queue{ID: "billing", Name: "Billing", Skills: []string{"billing"}, BackupSkills: []string{"general"}, TargetSeconds: 20, TargetPercent: 80})
	fx.user(t, "usr_gen", map[string]int{"general": 3})
	fx.rec.take()

	fx.handoff(t, "conv-1", "billing", events.ChannelChat)
	if c := fx.contact(t, "conv-1"); c.State != floor.StateQueued {
		t.Fatalf("without a strategy the contact is %s, want queued (nobody has billing)", c.State)
	}

	act := fx.activation("billing", strategy.Overflow, strategy.Params{})
	fx.steer(t, events.StrategyActivated, act)
	c := fx.contact(t, "conv-1")
	if c.State != floor.StateOffered || c.Offer.AgentID != "usr_gen" {
		t.Fatalf("with overflow in force the contact is %s (%+v), want offered to usr_gen", c.State, c.Offer)
	}
	why := c.Decisions[len(c.Decisions)-1].Why
	if !strings.Contains(why, "dispatch strategy overflow in force ("+act.ID+")") || !strings.Contains(why, "backup skills general") {
		t.Fatalf("decision why %q does not name the strategy", why)
	}
	if c.Offer.Ring != 1 {
		t.Errorf("offered through ring %d, want 1 (the strategy's step)", c.Offer.Ring)
	}
	var decided bool
	for _, e := range fx.rec.take() {
		if e.Type == events.TypeDispatchDecided && strings.Contains(string(e.Data), "overflow in force") {
			decided = true
		}
	}
	if !decided {
		t.Error("dispatch.decided does not explain the strategy")
	}

	// The queue's configuration is the admin's: unchanged.
	q, _, err := fx.fl.Queue(context.Background(), fx.t, "billing")
	if err != nil || len(q.Overflow) != 0 {
		t.Fatalf("the queue was rewritten: %+v %v", q, err)
	}

	// Lapsed (its Until passed, not renewed): the next contact waits again, though usr_gen has a
	// free chat slot.
	fx.clk.add(16 * time.Minute)
	fx.handoff(t, "conv-2", "billing", events.ChannelChat)
	if c := fx.contact(t, "conv-2"); c.State != floor.StateQueued {
		t.Fatalf("after the activation lapsed the contact is %s, want queued", c.State)
	}
}

// With callback in force a queue without callbacks of its own keeps its contacts for a callback
// once they waited CallbackAfterSeconds: callback_offered and the promised time. A contact past
// the threshold when the strategy starts is kept by that decision; a later one by its max-wait
// timer at the threshold. Another queue is left alone.
func TestCallbackInForceKeepsContacts(t *testing.T) {
	fx := newFixture(t)
	fx.queue(t, floor.Queue{ID: "sales", Name: "Sales", Skills: []string{"sales"}, TargetSeconds: 20, TargetPercent: 80})
	fx.queue(t, floor.Queue{ID: "other", Name: "Other", Skills: []string{"other"}, TargetSeconds: 20, TargetPercent: 80})
	fx.handoff(t, "call-1", "sales", events.ChannelVoice)
	fx.handoff(t, "call-x", "other", events.ChannelVoice)
	for _, tm := range fx.timers.take(t) {
		if tm.Kind == TimerMaxWait {
			t.Fatalf("a max-wait timer %+v for a queue without a maximum wait", tm)
		}
	}
	fx.clk.add(3 * time.Minute)

	act := fx.activation("sales", strategy.Callback, strategy.Params{CallbackAfterSeconds: 90, PromiseMinutes: 20})
	fx.steer(t, events.StrategyActivated, act)
	c := fx.contact(t, "call-1")
	want := fx.clk.now().Add(20 * time.Minute).UTC().Format(time.RFC3339)
	if c.State != floor.StateQueued || c.Attributes[floor.AttrCallbackOffered] != "true" || c.Attributes[floor.AttrCallbackPromisedBy] != want {
		t.Fatalf("call-1 after 3 minutes under callback: %s %v, want queued with callback_offered and callback_promised_by %s", c.State, c.Attributes, want)
	}
	if c := fx.contact(t, "call-x"); len(c.Attributes) != 0 || c.State != floor.StateQueued {
		t.Fatalf("the other queue's contact changed: %s %v", c.State, c.Attributes)
	}
	fx.timers.take(t)

	// A new contact: its contact.queued gets a max-wait timer at the strategy's threshold.
	fx.handoff(t, "call-2", "sales", events.ChannelVoice)
	var maxWait *Timer
	for _, tm := range fx.timers.take(t) {
		if tm.Kind == TimerMaxWait && tm.ContactID == "call-2" {
			maxWait = &tm
		}
	}
	enq := fx.contact(t, "call-2").EnqueuedAt
	if maxWait == nil || !maxWait.Due.Equal(enq.Add(90*time.Second)) {
		t.Fatalf("max-wait timer of call-2 %+v, want at %v", maxWait, enq.Add(90*time.Second))
	}
	fx.clk.add(90 * time.Second)
	if failed := fx.fire(t, timerBody(t, *maxWait)); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	c = fx.contact(t, "call-2")
	if c.Attributes[floor.AttrCallbackOffered] != "true" || c.Attributes[floor.AttrCallbackPromisedBy] == "" || c.State != floor.StateQueued {
		t.Fatalf("call-2 at the threshold: %s %v", c.State, c.Attributes)
	}

	// A contact waiting when the strategy is (re)announced gets its timer from the event.
	fx.handoff(t, "call-3", "sales", events.ChannelVoice)
	fx.timers.take(t)
	fx.clk.add(30 * time.Second)
	fx.steer(t, events.StrategyOverridden, act)
	var got []Timer
	for _, tm := range fx.timers.take(t) {
		if tm.Kind == TimerMaxWait {
			got = append(got, tm)
		}
	}
	if len(got) != 1 || got[0].ContactID != "call-3" || !got[0].Due.Equal(fx.contact(t, "call-3").EnqueuedAt.Add(90*time.Second)) {
		t.Fatalf("timers from the strategy's event %+v, want call-3's at its threshold only", got)
	}
}

// agentWithPhone is an available agent with a softphone (voice capacity 1) and 2 chat slots.
func (fx *fixture) agentWithPhone(t *testing.T, id string) {
	t.Helper()
	u := users.User{ID: id, Username: id, DisplayName: id, Role: users.RoleAgent, Capacity: users.Capacity{Voice: 1, Chat: 2}, SIPAccount: "sip-" + id}
	if err := fx.db.Create(context.Background(), fx.t, users.Key(id), u); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.fl.SetState(context.Background(), fx.t, id, floor.AgentAvailable, "self", "user/"+id); err != nil {
		t.Fatal(err)
	}
}

// With move_agents in force (one agent) and a voice contact of the queue waiting, the agent with
// voice and chat capacity least loaded with chats gets no new chat: the chat goes to the other,
// and its decision says so. Without the overlay the first is offered the chat.
func TestMoveAgentsHoldsChats(t *testing.T) {
	ctx := context.Background()
	for _, steered := range []bool{false, true} {
		fx := newFixture(t)
		fx.queue(t, floor.NewDefaultQueue(fx.clk.now()))
		fx.agentWithPhone(t, "usr_a")
		fx.agentWithPhone(t, "usr_b")
		// Both on a call: a third voice contact waits.
		for _, id := range []string{"call-1", "call-2"} {
			fx.handoff(t, id, DefaultQueue, events.ChannelVoice)
			c := fx.contact(t, id)
			if _, err := fx.fl.Accept(ctx, fx.t, id, c.Offer.ID, c.Offer.AgentID); err != nil {
				t.Fatal(err)
			}
		}
		fx.handoff(t, "call-3", DefaultQueue, events.ChannelVoice)
		if c := fx.contact(t, "call-3"); c.State != floor.StateQueued {
			t.Fatalf("call-3 is %s, want waiting", c.State)
		}
		var act strategy.Activation
		if steered {
			act = fx.activation(DefaultQueue, strategy.MoveAgents, strategy.Params{Agents: 1})
			fx.steer(t, events.StrategyActivated, act)
		}
		fx.handoff(t, "chat-1", DefaultQueue, events.ChannelChat)
		c := fx.contact(t, "chat-1")
		if c.State != floor.StateOffered {
			t.Fatalf("steered %v: chat-1 is %s, want offered", steered, c.State)
		}
		why := c.Decisions[len(c.Decisions)-1].Why
		switch {
		case !steered && c.Offer.AgentID != "usr_a":
			t.Fatalf("without the overlay chat-1 went to %s, want usr_a (first by id)", c.Offer.AgentID)
		case !steered && strings.Contains(why, "dispatch strategy"):
			t.Fatalf("without the overlay the decision names a strategy: %q", why)
		case steered && c.Offer.AgentID != "usr_b":
			t.Fatalf("with move_agents chat-1 went to %s, want usr_b (usr_a held for voice)", c.Offer.AgentID)
		case steered && !strings.Contains(why, "move_agents in force ("+act.ID+"): usr_a take no new chats"):
			t.Fatalf("decision why %q does not name the strategy", why)
		}
	}
}

// Which overflow step a strategy adds, and when none: the activation's skills, else its queue's
// agents, else the queue's backup skills; nothing to overflow to, no step.
func TestOverflowRule(t *testing.T) {
	queues := map[string]floor.Queue{
		"billing": {ID: "billing", Skills: []string{"billing"}, BackupSkills: []string{"general"}},
		"bare":    {ID: "bare", Skills: []string{"bare"}},
		"cards":   {ID: "cards", Skills: []string{"cards"}},
	}
	for name, c := range map[string]struct {
		queue  string
		params strategy.Params
		skills []string
		to     string
		ok     bool
	}{
		"skills given":           {queue: "bare", params: strategy.Params{OverflowSkills: []string{"sales"}}, skills: []string{"sales"}, ok: true},
		"queue given":            {queue: "bare", params: strategy.Params{OverflowQueue: "cards"}, to: "cards", ok: true},
		"skills before queue":    {queue: "bare", params: strategy.Params{OverflowSkills: []string{"sales"}, OverflowQueue: "cards"}, skills: []string{"sales"}, ok: true},
		"backup skills":          {queue: "billing", skills: []string{"general"}, ok: true},
		"no backup skills":       {queue: "bare"},
		"unknown overflow queue": {queue: "billing", params: strategy.Params{OverflowQueue: "nope"}},
		"itself":                 {queue: "cards", params: strategy.Params{OverflowQueue: "cards"}},
	} {
		t.Run(name, func(t *testing.T) {
			r, why, ok := overflowRule(strategy.Activation{Queue: c.queue, Strategy: strategy.Overflow, Params: c.params}, queues[c.queue], queues)
			if ok != c.ok || r.After != 0 || strings.Join(r.Skills, ",") != strings.Join(c.skills, ",") || r.ToQueue != c.to || (ok && why == "") {
				t.Fatalf("rule %+v %q %v, want skills %v to %q ok %v", r, why, ok, c.skills, c.to, c.ok)
			}
		})
	}
}

// The callback threshold is the smaller of the queue's own maximum wait and the strategy's; with
// neither there is none.
func TestCallbackRule(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		own, after, promise int
		want                time.Duration
		by                  string
		ok                  bool
	}{
		"strategy's":                 {after: 90, promise: 20, want: 90 * time.Second, by: "2026-12-06T09:20:00Z", ok: true},
		"own shorter":                {own: 60, after: 90, promise: 20, want: 60 * time.Second, by: "2026-12-06T09:20:00Z", ok: true},
		"own longer":                 {own: 600, after: 90, promise: 20, want: 90 * time.Second, by: "2026-12-06T09:20:00Z", ok: true},
		"no threshold in the params": {own: 300, want: 300 * time.Second, by: "2026-12-06T09:30:00Z", ok: true},
		"none at all":                {},
	} {
		t.Run(name, func(t *testing.T) {
			q := floor.Queue{ID: "sales", MaxWaitSeconds: c.own}
			r, _, ok := callbackRule(strategy.Activation{Queue: "sales", Strategy: strategy.Callback,
				Params: strategy.Params{CallbackAfterSeconds: c.after, PromiseMinutes: c.promise}}, q, now)
			if ok != c.ok || (ok && (r.MaxWait != c.want || !r.Callback || r.Attributes[floor.AttrCallbackPromisedBy] != c.by)) {
				t.Fatalf("rule %+v %v, want %v promised by %s ok %v", r, ok, c.want, c.by, c.ok)
			}
		})
	}
}
