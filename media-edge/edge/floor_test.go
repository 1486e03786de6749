package edge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
)

type discardEvents struct{}

func (discardEvents) Publish(context.Context, ...events.Envelope) error { return nil }

// A voice contact's life as the call sees it through the edge's floor, on the emulators: none
// before dispatch queues it, queued, offered to the agent with a softphone, a stale offer refused
// as gone, accepted, left by the caller (wrap-up), left again (nothing changes).
func TestRoutingFloorFollowsAVoiceContact(t *testing.T) {
	ctx := context.Background()
	db := store.New(emulators.NewTable(t, store.CreateTable))
	fl := floor.New(db, outbox.New(db, discardEvents{}, slog.New(slog.NewTextHandler(io.Discard, nil))))
	r := routingFloor{fl}
	ten, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := db.Create(ctx, ten, floor.QueueKey("general"), floor.NewDefaultQueue(now)); err != nil {
		t.Fatal(err)
	}
	agent := users.User{ID: "usr_anna", Username: "anna", DisplayName: "Anna", Role: users.RoleAgent, Capacity: users.Capacity{Voice: 1}, SIPAccount: "anna-phone"}
	if err := db.Create(ctx, ten, users.Key(agent.ID), agent); err != nil {
		t.Fatal(err)
	}
	const callID = "0193a5c0-0000-7000-8000-000000000001"

	if _, err := r.Contact(ctx, ten, callID); !errors.Is(err, call.ErrNoContact) {
		t.Fatalf("before the handoff is queued: %v", err)
	}
	if err := r.Leave(ctx, ten, callID, call.LeftHungUp); !errors.Is(err, call.ErrNoContact) {
		t.Fatalf("leave before the handoff is queued: %v", err)
	}
	if _, _, err := fl.Enqueue(ctx, ten, floor.Contact{ID: ContactID(callID), Channel: events.ChannelVoice, Queue: "general", Reason: events.ReasonCustomerRequest}, "handoff"); err != nil {
		t.Fatal(err)
	}
	c, err := r.Contact(ctx, ten, callID)
	if err != nil || c.State != call.ContactQueued || c.Queue != "general" || c.Offer != nil {
		t.Fatalf("queued: %+v %v", c, err)
	}
	if _, err := fl.SetState(ctx, ten, agent.ID, floor.AgentAvailable, "self", agent.ID); err != nil {
		t.Fatal(err)
	}
	qs, cs, as, err := fl.Snapshot(ctx, ten)
	if err != nil {
		t.Fatal(err)
	}
	plan := routing.Decide(time.Now(), floor.QueueMap(qs), cs, as)
	if len(plan.Assignments) != 1 {
		t.Fatalf("assignments %+v", plan.Assignments)
	}
	a := plan.Assignments[0]
	o, err := fl.Offer(ctx, ten, a, floor.DecisionOf(time.Now(), a), 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, err = r.Contact(ctx, ten, callID)
	if err != nil || c.State != call.ContactOffered || c.Offer == nil || c.Offer.ID != o.ID || c.Offer.AgentID != agent.ID || !c.Offer.ExpiresAt.Equal(o.ExpiresAt) {
		t.Fatalf("offered: %+v %v", c, err)
	}
	if phone, err := r.Softphone(ctx, ten, agent.ID); err != nil || phone != "anna-phone" {
		t.Fatalf("softphone %q %v", phone, err)
	}
	if phone, err := r.Softphone(ctx, ten, "usr_nobody"); err != nil || phone != "" {
		t.Fatalf("softphone of no one: %q %v", phone, err)
	}
	if err := r.Accept(ctx, ten, callID, "stale-offer", agent.ID); !errors.Is(err, call.ErrOfferGone) {
		t.Fatalf("accept a stale offer: %v", err)
	}
	if err := r.Accept(ctx, ten, callID, o.ID, agent.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.Decline(ctx, ten, callID, o.ID, agent.ID); !errors.Is(err, call.ErrOfferGone) {
		t.Fatalf("decline an accepted offer: %v", err)
	}
	c, err = r.Contact(ctx, ten, callID)
	if err != nil || c.State != call.ContactAssigned || c.AgentID != agent.ID || c.Offer != nil {
		t.Fatalf("assigned: %+v %v", c, err)
	}
	for range 2 {
		if err := r.Leave(ctx, ten, callID, call.LeftHungUp); err != nil {
			t.Fatal(err)
		}
		if c, err = r.Contact(ctx, ten, callID); err != nil || c.State != call.ContactWrapup {
			t.Fatalf("after the call: %+v %v", c, err)
		}
	}
}

// A queued caller presses 1 through the edge's floor: the contact becomes a callback the wait sees,
// the hang-up that follows leaves it queued; a caller who heard the self-service offer and hangs
// up is abandoned as diverted; a request for a contact no longer queued is call.ErrNotWaiting.
func TestRoutingFloorCallbacksAndDiverts(t *testing.T) {
	ctx := context.Background()
	db := store.New(emulators.NewTable(t, store.CreateTable))
	rec := &published{}
	fl := floor.New(db, outbox.New(db, rec, slog.New(slog.NewTextHandler(io.Discard, nil))))
	r := routingFloor{fl}
	ten, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx, ten, floor.QueueKey("general"), floor.NewDefaultQueue(time.Now().UTC())); err != nil {
		t.Fatal(err)
	}
	const (
		callback = "0193a5c0-0000-7000-8000-0000000000c1"
		diverted = "0193a5c0-0000-7000-8000-0000000000d1"
	)
	for _, id := range []string{callback, diverted} {
		if _, _, err := fl.Enqueue(ctx, ten, floor.Contact{ID: ContactID(id), Channel: events.ChannelVoice, Queue: "general", Reason: events.ReasonCustomerRequest}, "handoff"); err != nil {
			t.Fatal(err)
		}
	}
	by := time.Date(2026, 12, 6, 10, 30, 0, 0, time.UTC)
	if err := r.RequestCallback(ctx, ten, callback, "+8613800138000", by); err != nil {
		t.Fatal(err)
	}
	if c, err := r.Contact(ctx, ten, callback); err != nil || !c.Callback || c.State != call.ContactQueued {
		t.Fatalf("after the request: %+v %v", c, err)
	}
	if err := r.Leave(ctx, ten, callback, call.LeftHungUp); err != nil {
		t.Fatal(err)
	}
	if c, _, err := fl.Contact(ctx, ten, ContactID(callback)); err != nil || c.State != floor.StateQueued || c.Attributes[floor.AttrCallbackNumber] != "+8613800138000" {
		t.Fatalf("the callback after the hang-up: %+v %v", c, err)
	}
	if err := r.Leave(ctx, ten, diverted, call.LeftDiverted); err != nil {
		t.Fatal(err)
	}
	if err := r.RequestCallback(ctx, ten, diverted, "+8613800138000", by); !errors.Is(err, call.ErrNotWaiting) {
		t.Fatalf("a callback for an abandoned contact: %v, want call.ErrNotWaiting", err)
	}
	var ab events.ContactAbandoned
	for _, e := range rec.evs {
		if e.Type == events.TypeContactAbandoned && e.Subject == ContactID(diverted) {
			if err := json.Unmarshal(e.Data, &ab); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ab.Reason != events.AbandonDiverted {
		t.Fatalf("contact.abandoned of the diverted caller: %+v", ab)
	}
}
