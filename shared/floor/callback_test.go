package floor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
)

// A queued caller presses 1: the contact stays queued (its wait going on) as a callback, with the
// number and the promise, in the contact and in the waiting list dispatch reads; asking again
// changes nothing; a contact no longer queued, a chat, no number are refused and change nothing.
func TestRequestCallback(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.queue(t, Queue{ID: "general", Name: "General", Skills: []string{}})
	fx.user(t, "usr_a", 1, nil)
	queued := fx.enqueue(t, "cv1", events.ChannelVoice, "general")
	by := fx.clk.now().Add(30 * time.Minute)
	fx.clk.add(10 * time.Second)

	c, err := fx.f.RequestCallback(ctx, fx.t, "cv1", "+8613800138000", by)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{AttrCallbackRequested: "true", AttrCallbackNumber: "+8613800138000",
		AttrCallbackPromisedBy: "2026-12-06T09:30:00Z", AttrCallbackOffered: "true"}
	check := func(what string, c Contact) {
		t.Helper()
		for k, v := range want {
			if c.Attributes[k] != v {
				t.Fatalf("%s: attribute %s = %q, want %q (%v)", what, k, c.Attributes[k], v, c.Attributes)
			}
		}
		if c.State != StateQueued || !c.EnqueuedAt.Equal(queued.EnqueuedAt) || !c.CallbackRequested() {
			t.Fatalf("%s: %s since %s, want queued since %s", what, c.State, c.EnqueuedAt, queued.EnqueuedAt)
		}
	}
	check("returned", c)
	stored, ver, err := fx.f.Contact(ctx, fx.t, "cv1")
	if err != nil {
		t.Fatal(err)
	}
	check("stored", stored)
	w, err := fx.f.Waiting(ctx, fx.t)
	if err != nil || len(w) != 1 {
		t.Fatalf("waiting %+v %v", w, err)
	}
	check("waiting", w[0])
	// A caller who presses 1 twice asked once.
	if c, err := fx.f.RequestCallback(ctx, fx.t, "cv1", "+8613800138000", by.Add(time.Hour)); err != nil || c.Attributes[AttrCallbackPromisedBy] != want[AttrCallbackPromisedBy] {
		t.Fatalf("again: %+v %v", c.Attributes, err)
	}
	if _, v, _ := fx.f.Contact(ctx, fx.t, "cv1"); v != ver {
		t.Fatalf("asking again wrote the contact: version %d → %d", ver, v)
	}
	// The callback waits for an agent like any contact: dispatch offers it.
	fx.available(t, "usr_a")
	fx.offerOne(t, "cv1", "usr_a")
	before, ver, _ := fx.f.Contact(ctx, fx.t, "cv1")
	fx.enqueue(t, "ch1", events.ChannelChat, "general")

	for name, tc := range map[string]struct {
		id, number string
		by         time.Time
		want       error
	}{
		"offered meanwhile": {"cv1", "+8613800138000", by, ErrWrongState},
		"chat":              {"ch1", "+8613800138000", by, ErrInvalid},
		"no contact":        {"nope", "+8613800138000", by, ErrNotFound},
		"no number":         {"cv1", "", by, ErrInvalid},
		"no promise":        {"cv1", "+8613800138000", time.Time{}, ErrInvalid},
	} {
		if _, err := fx.f.RequestCallback(ctx, fx.t, tc.id, tc.number, tc.by); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if after, v, _ := fx.f.Contact(ctx, fx.t, "cv1"); v != ver || after.State != before.State {
		t.Fatalf("a refused request changed the contact: version %d → %d, %s → %s", ver, v, before.State, after.State)
	}
}

// The edge's hang-up: a callback's contact stays queued, a caller offered self-service who hangs
// up is abandoned as diverted, any other as customer_left; an unknown reason is refused.
func TestEndCall(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.queue(t, Queue{ID: "general", Name: "General", Skills: []string{}})
	for _, id := range []string{"cb", "dv", "gone"} {
		fx.enqueue(t, id, events.ChannelVoice, "general")
	}
	if _, err := fx.f.RequestCallback(ctx, fx.t, "cb", "+8613800138000", fx.clk.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id     string
		reason events.AbandonReason
		state  ContactState
	}{
		{"cb", events.AbandonCustomerLeft, StateQueued},
		{"dv", events.AbandonDiverted, StateAbandoned},
		{"gone", events.AbandonCustomerLeft, StateAbandoned},
	} {
		c, err := fx.f.EndCall(ctx, fx.t, tc.id, tc.reason)
		if err != nil || c.State != tc.state {
			t.Fatalf("end call %s: %s %v, want %s", tc.id, c.State, err, tc.state)
		}
		abandoned := fx.rec.of(events.TypeContactAbandoned, tc.id)
		if tc.state == StateQueued {
			if len(abandoned) != 0 {
				t.Fatalf("%s: %d contact.abandoned", tc.id, len(abandoned))
			}
			continue
		}
		var ab events.ContactAbandoned
		if len(abandoned) != 1 || json.Unmarshal(abandoned[0].Data, &ab) != nil || ab.Reason != tc.reason {
			t.Fatalf("%s: contact.abandoned %+v, want reason %s", tc.id, ab, tc.reason)
		}
	}
	if w, _ := fx.f.Waiting(ctx, fx.t); len(w) != 1 || w[0].ID != "cb" {
		t.Fatalf("waiting %+v, want the callback only", w)
	}
	if _, err := fx.f.EndCall(ctx, fx.t, "cb", events.AbandonMaxWait); !errors.Is(err, ErrInvalid) {
		t.Fatalf("end call with max_wait: %v, want ErrInvalid", err)
	}
}

// countingCommitter counts the transactions that lost a race.
type countingCommitter struct {
	Committer
	conflicts *atomic.Int64
}

func (c countingCommitter) Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error {
	err := c.Committer.Commit(ctx, ops, evs...)
	if errors.Is(err, store.ErrConflict) {
		c.conflicts.Add(1)
	}
	return err
}

// A caller presses 1 just as dispatch offers their contact, released together by a barrier, round
// after round. Either the callback is taken first and the offer follows (the agent gets a
// callback), or the offer wins and the request is refused with nothing changed; never a callback
// on a contact that left the queue, never an offer lost. The test fails if the two writers never
// collided.
func TestCallbackRacesAnOffer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a guard, not an assertion
	defer cancel()
	fx := newFixture(t)
	var conflicts atomic.Int64
	racing := *fx.f
	racing.commit = countingCommitter{Committer: fx.f.commit, conflicts: &conflicts}
	f := &racing
	fx.queue(t, Queue{ID: "general", Name: "General", Skills: []string{}})
	const maxRounds = 40
	var callbackFirst, offerFirst int
	for round := 0; round < maxRounds && (round < 8 || conflicts.Load() == 0); round++ {
		agent, id := fmt.Sprintf("usr_%02d", round), fmt.Sprintf("cv%02d", round)
		fx.user(t, agent, 0, nil)
		fx.available(t, agent)
		fx.enqueue(t, id, events.ChannelVoice, "general")
		as := fx.decide(t, fx.clk.now())
		if len(as) != 1 || as[0].ContactID != id {
			t.Fatalf("round %d: assignments %+v", round, as)
		}
		var (
			wg              sync.WaitGroup
			start           = make(chan struct{})
			offerErr, cbErr error
		)
		wg.Go(func() {
			<-start
			_, offerErr = f.Offer(ctx, fx.t, as[0], DecisionOf(fx.clk.now(), as[0]), time.Minute)
		})
		wg.Go(func() {
			<-start
			_, cbErr = f.RequestCallback(ctx, fx.t, id, "+8613800138000", fx.clk.now().Add(time.Hour))
		})
		close(start)
		wg.Wait()
		if offerErr != nil {
			t.Fatalf("round %d: the offer was lost: %v", round, offerErr)
		}
		c, _, err := f.Contact(ctx, fx.t, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != StateOffered || c.Offer == nil || c.Offer.AgentID != as[0].AgentID {
			t.Fatalf("round %d: contact %s offered to %+v", round, c.State, c.Offer)
		}
		switch {
		case cbErr == nil && c.CallbackRequested():
			callbackFirst++
		case errors.Is(cbErr, ErrWrongState) && !c.CallbackRequested() && len(c.Attributes) == 0:
			offerFirst++
		default:
			t.Fatalf("round %d: callback %v, contact attributes %v", round, cbErr, c.Attributes)
		}
		// The caller leaves: the agent's slot is free for a later round.
		if _, err := f.EndByCustomer(ctx, fx.t, id); err != nil {
			t.Fatal(err)
		}
	}
	if conflicts.Load() == 0 {
		t.Fatalf("the offer and the callback never collided in %d rounds (callback first %d, offer first %d)", maxRounds, callbackFirst, offerFirst)
	}
	t.Logf("callback first %d, offer first %d, lost transactions %d", callbackFirst, offerFirst, conflicts.Load())
}
