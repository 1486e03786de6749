package handler

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/users"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// stream is the outbox's publisher: it keeps what the floor emits, in order.
type streamRecorder struct {
	mu  sync.Mutex
	evs []events.Envelope
}

func (r *streamRecorder) Publish(_ context.Context, evs ...events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, evs...)
	return nil
}

func (r *streamRecorder) take() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

// The events shared/floor emits for a contact's whole life (queued, offered, accepted, moved
// straight to another agent, accepted, the customer leaves, wrapped up) fold into the figures and
// reach the right desks: the board's reading of each fact is the floor's.
func TestFloorLifecycle(t *testing.T) {
	// The outbox stamps events with the real time: the test's clock starts there.
	f := newFixture(t, time.Now().UTC())
	ctx := t.Context()
	rec := &streamRecorder{}
	fl := floor.New(f.db.Store, outbox.New(f.db.Store, rec, slog.New(slog.DiscardHandler))).WithClock(f.clock.now)
	for _, id := range []string{"usr_a1", "usr_a2"} {
		u := users.User{ID: id, Username: id, DisplayName: id, Role: users.RoleAgent, Capacity: users.Capacity{Voice: 1, Chat: 2}}
		if err := f.db.Create(ctx, f.t, users.Key(id), u); err != nil {
			t.Fatal(err)
		}
		if _, err := fl.SetState(ctx, f.t, id, floor.AgentAvailable, "self", "user/"+id); err != nil {
			t.Fatal(err)
		}
	}
	step := func(d time.Duration) { f.clock.set(f.clock.now().Add(d)) }
	step(time.Second)
	if _, _, err := fl.Enqueue(ctx, f.t, floor.Contact{ID: "cv-1", Channel: events.ChannelChat, Queue: "general", Reason: events.ReasonCustomerRequest}, "handoff"); err != nil {
		t.Fatal(err)
	}
	step(3 * time.Second)
	qs, cs, as, err := fl.Snapshot(ctx, f.t)
	if err != nil {
		t.Fatal(err)
	}
	plan := routing.Decide(f.clock.now(), floor.QueueMap(qs), cs, as).Assignments
	if len(plan) != 1 {
		t.Fatalf("plan %+v", plan)
	}
	o, err := fl.Offer(ctx, f.t, plan[0], floor.DecisionOf(f.clock.now(), plan[0]), 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	first := o.AgentID
	second := "usr_a2"
	if first == second {
		second = "usr_a1"
	}
	step(2 * time.Second)
	if _, err := fl.Accept(ctx, f.t, "cv-1", o.ID, first); err != nil {
		t.Fatal(err)
	}
	step(time.Minute)
	moved, err := fl.Transfer(ctx, f.t, "cv-1", "user/"+first, "", second)
	if err != nil {
		t.Fatal(err)
	}
	step(5 * time.Second)
	if _, err := fl.Accept(ctx, f.t, "cv-1", moved.Offer.ID, second); err != nil {
		t.Fatal(err)
	}
	evs := rec.take()
	f.handle(t, evs...)
	// The answers' waits are the floor's (contact.assigned's wait_ms): the board takes them as they are.
	var waitMS int64
	inTarget := 0
	for _, e := range evs {
		if e.Type == events.TypeContactAssigned {
			p, err := events.DataAs[events.ContactAssigned](e)
			if err != nil {
				t.Fatal(err)
			}
			waitMS += p.WaitMS
			if p.WaitMS <= 20000 {
				inTarget++
			}
		}
	}
	b := f.board(t)
	if g := b.Queues[0]; g.Offered != 2 || g.Answered != 2 || g.Waiting != 0 || g.AnsweredInTarget != inTarget || *g.ASASeconds != float64(waitMS/100)/20 {
		t.Fatalf("after the transfer: %s (waits %d ms, %d in target)", jsonOf(t, g), waitMS, inTarget)
	}
	if a := agentOf(b, second); a.Contacts != 1 || agentOf(b, first).Contacts != 0 || a.State != events.AgentAvailable {
		t.Fatalf("agents %s", jsonOf(t, b.Agents))
	}
	sent := f.push.take()
	for _, w := range []struct{ to, state string }{{"user:" + first, "offered"}, {"user:" + first, "assigned"}, {"user:" + first, "transferred"},
		{"user:" + second, "transferred"}, {"user:" + second, "offered"}, {"user:" + second, "assigned"}} {
		if !slices.ContainsFunc(of(sent, TypeContact), func(p pushed) bool { return p.to == w.to && p.msg["state"] == w.state }) {
			t.Errorf("no %s push to %s", w.state, w.to)
		}
	}

	// The customer leaves (the conversation's contact.ended; the floor moves the contact to
	// wrap-up), then the agent wraps it up (contact.ended with the disposition).
	step(time.Minute)
	gone := event(t, events.TypeContactEnded, "cv-1", f.clock.now(), events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeHandedOff, DurationMS: 180000})
	if _, err := fl.EndByCustomer(ctx, f.t, "cv-1"); err != nil {
		t.Fatal(err)
	}
	f.handle(t, append([]events.Envelope{gone}, rec.take()...)...)
	if b := f.board(t); agentOf(b, second).Contacts != 1 {
		t.Fatalf("in wrap-up: %s", jsonOf(t, b.Agents))
	}
	if !slices.ContainsFunc(of(f.push.take(), TypeContact), func(p pushed) bool { return p.to == "user:"+second && p.msg["state"] == "wrapup" }) {
		t.Error("no wrapup push to the agent")
	}
	step(30 * time.Second)
	if _, err := fl.Wrapup(ctx, f.t, "cv-1", second, "resolved", ""); err != nil {
		t.Fatal(err)
	}
	f.handle(t, rec.take()...)
	if b := f.board(t); agentOf(b, second).Contacts != 0 || b.Totals.Answered != 2 {
		t.Fatalf("wrapped up: %s %s", jsonOf(t, b.Agents), jsonOf(t, b.Totals))
	}
	if !slices.ContainsFunc(of(f.push.take(), TypeContact), func(p pushed) bool { return p.to == "user:"+second && p.msg["state"] == "closed" }) {
		t.Error("no closed push to the agent")
	}
}

func (f *fixture) board(t *testing.T) wallboard.Board {
	t.Helper()
	s, _, _, err := wallboard.Read(t.Context(), f.db, f.t, wallboard.DayOf(f.clock.now(), time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return s.Board(f.clock.now())
}

func agentOf(b wallboard.Board, id string) wallboard.AgentFigures {
	for _, a := range b.Agents {
		if a.AgentID == id {
			return a
		}
	}
	return wallboard.AgentFigures{}
}
