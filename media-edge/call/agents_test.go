package call

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/media-edge/sip"
	"github.com/lingxi/lingxi/shared/tenant"
)

// fakeFloor is one call's contact as dispatch would move it, kept in memory.
type fakeFloor struct {
	mu       sync.Mutex
	c        *VoiceContact
	phones   map[string]string
	log      []string
	acceptFn func(offerID string) error
	// declined, when set, hears each decline after the contact is queued again.
	declined func(offerID string)
}

func (f *fakeFloor) set(c VoiceContact) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.c = &c
}

func (f *fakeFloor) note(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, s)
}

func (f *fakeFloor) notes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

func (f *fakeFloor) Contact(_ context.Context, _ tenant.ID, _ string) (VoiceContact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.c == nil {
		return VoiceContact{}, ErrNoContact
	}
	c := *f.c
	if c.Offer != nil {
		o := *c.Offer
		c.Offer = &o
	}
	return c, nil
}

func (f *fakeFloor) Softphone(_ context.Context, _ tenant.ID, agentID string) (string, error) {
	return f.phones[agentID], nil
}

func (f *fakeFloor) Accept(_ context.Context, _ tenant.ID, _, offerID, agentID string) error {
	f.note("accept " + offerID)
	if f.acceptFn != nil {
		if err := f.acceptFn(offerID); err != nil {
			return err
		}
	}
	f.set(VoiceContact{State: ContactAssigned, AgentID: agentID})
	return nil
}

func (f *fakeFloor) Decline(_ context.Context, _ tenant.ID, _, offerID, _ string) error {
	f.note("decline " + offerID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.c == nil || f.c.Offer == nil || f.c.Offer.ID != offerID {
		return ErrOfferGone
	}
	f.c = &VoiceContact{State: ContactQueued}
	if f.declined != nil {
		f.declined(offerID)
	}
	return nil
}

func (f *fakeFloor) Leave(_ context.Context, _ tenant.ID, _ string, how Left) error {
	f.note("leave " + string(how))
	return nil
}

func (f *fakeFloor) RequestCallback(_ context.Context, _ tenant.ID, _, number string, by time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.c == nil || f.c.State != ContactQueued {
		return ErrNotWaiting
	}
	f.c.Callback = true
	f.log = append(f.log, "callback "+number+" "+by.UTC().Format(time.RFC3339))
	return nil
}

func offered(id, agent string, expires time.Time) VoiceContact {
	return VoiceContact{State: ContactOffered, Offer: &VoiceOffer{ID: id, AgentID: agent, ExpiresAt: expires}}
}

// newWait builds a wait whose dial calls ring (which sees the ringing's context and the target).
func newWait(f *fakeFloor, ring func(ctx context.Context, target string) (*sip.Leg, error)) (*agentWait, *[]string) {
	var mu sync.Mutex
	hung := &[]string{}
	return &agentWait{
		floor: f, callID: "call-1", dial: ring,
		hangup: func(leg *sip.Leg, cause string) { mu.Lock(); *hung = append(*hung, leg.ID+" "+cause); mu.Unlock() },
		poll:   2 * time.Millisecond, grace: time.Hour,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, hung
}

func TestAnAgentWhoDoesNotAnswerIsDeclinedAndTheNextOneRings(t *testing.T) {
	f := &fakeFloor{phones: map[string]string{"usr_a": "alice", "usr_b": "bob"}}
	far := time.Now().Add(time.Hour)
	f.set(offered("o1", "usr_a", far))
	// Dispatch offers the next agent once alice's offer is declined.
	f.declined = func(id string) {
		if id == "o1" {
			f.c = &VoiceContact{State: ContactOffered, Offer: &VoiceOffer{ID: "o2", AgentID: "usr_b", ExpiresAt: far}}
		}
	}
	var targets []string
	w, _ := newWait(f, func(_ context.Context, target string) (*sip.Leg, error) {
		targets = append(targets, target)
		if target == "account:alice" {
			return nil, sip.ErrNoAnswer
		}
		return &sip.Leg{ID: "leg-bob"}, nil
	})
	a, err := w.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.agentID != "usr_b" || a.phone != "bob" || a.leg.ID != "leg-bob" {
		t.Fatalf("answered %+v", a)
	}
	a.release(nil)
	if !slices.Equal(targets, []string{"account:alice", "account:bob"}) {
		t.Fatalf("rang %v", targets)
	}
	if got := f.notes(); !slices.Equal(got, []string{"decline o1", "accept o2"}) {
		t.Fatalf("floor writes %v", got)
	}
}

func TestRingingStopsWhenTheOfferExpires(t *testing.T) {
	f := &fakeFloor{phones: map[string]string{"usr_a": "alice"}}
	f.set(offered("o1", "usr_a", time.Now().Add(20*time.Millisecond)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cause error
	w, _ := newWait(f, func(rctx context.Context, _ string) (*sip.Leg, error) {
		<-rctx.Done() // alice never picks up
		cause = context.Cause(rctx)
		cancel() // the caller gives up too: the wait ends
		return nil, rctx.Err()
	})
	if _, err := w.run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait ended with %v", err)
	}
	if !errors.Is(cause, errOfferExpired) {
		t.Fatalf("the ringing stopped because of %v, want the offer's expiry", cause)
	}
}

func TestRingingStopsWhenTheOfferIsWithdrawn(t *testing.T) {
	f := &fakeFloor{phones: map[string]string{"usr_a": "alice"}}
	f.set(offered("o1", "usr_a", time.Now().Add(time.Hour)))
	var cause error
	w, _ := newWait(f, func(rctx context.Context, _ string) (*sip.Leg, error) {
		// The agent declines on the desktop while the phone rings: dispatch requeues, then routing
		// gives up on the contact (maximum wait).
		f.set(VoiceContact{State: ContactQueued})
		<-rctx.Done()
		cause = context.Cause(rctx)
		f.set(VoiceContact{State: ContactAbandoned})
		return nil, rctx.Err()
	})
	if _, err := w.run(context.Background()); !errors.Is(err, errGaveUp) {
		t.Fatalf("wait ended with %v, want errGaveUp", err)
	}
	if !errors.Is(cause, errOfferMoved) {
		t.Fatalf("the ringing stopped because of %v", cause)
	}
	if got := f.notes(); !slices.Equal(got, []string{"decline o1"}) {
		t.Fatalf("floor writes %v", got)
	}
}

func TestAnAnswerAfterTheOfferWentIsHungUp(t *testing.T) {
	f := &fakeFloor{phones: map[string]string{"usr_a": "alice"}}
	far := time.Now().Add(time.Hour)
	f.set(offered("o1", "usr_a", far))
	f.acceptFn = func(id string) error {
		if id == "o1" {
			f.set(offered("o2", "usr_a", far)) // timed out and offered again meanwhile
			return ErrOfferGone
		}
		return nil
	}
	n := 0
	w, hung := newWait(f, func(context.Context, string) (*sip.Leg, error) {
		n++
		return &sip.Leg{ID: []string{"", "leg-1", "leg-2"}[n]}, nil
	})
	a, err := w.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a.release(nil)
	if a.leg.ID != "leg-2" || !slices.Equal(*hung, []string{"leg-1 offer_gone"}) {
		t.Fatalf("answered on %s; hung up %v", a.leg.ID, *hung)
	}
}

func TestAnAgentWithoutASoftphoneIsDeclined(t *testing.T) {
	f := &fakeFloor{phones: map[string]string{}}
	f.set(offered("o1", "usr_a", time.Now().Add(time.Hour)))
	ctx, cancel := context.WithCancel(context.Background())
	w, _ := newWait(f, func(context.Context, string) (*sip.Leg, error) {
		t.Error("dialled an agent without a softphone")
		return nil, sip.ErrNotRegistered
	})
	f.declined = func(string) { cancel() } // the caller hangs up once the offer is given back
	if _, err := w.run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait ended with %v", err)
	}
}

func TestAHandoffThatIsNeverQueuedFails(t *testing.T) {
	f := &fakeFloor{}
	w, _ := newWait(f, nil)
	w.grace = 0
	if _, err := w.run(context.Background()); !errors.Is(err, errNotQueued) {
		t.Fatalf("wait ended with %v", err)
	}
}

func TestHoldSourcePlaysThePromptThenATone(t *testing.T) {
	h := &holdSource{prompt: make([]int16, media.FrameSamples+10)}
	for i := range h.prompt {
		h.prompt[i] = 7
	}
	var buf [media.FrameSamples]int16
	frames := 0
	loud := 0
	for range 2 + holdPeriod {
		if !h.Next(&buf) {
			t.Fatal("the hold source ended")
		}
		frames++
		if frames == 2 && (buf[9] != 7 || buf[10] != 0) {
			t.Fatalf("the prompt's last frame is not padded: %v", buf[:12])
		}
		if frames > 2 && slices.Max(buf[:]) > 1000 {
			loud++
		}
	}
	if loud != holdToneTicks {
		t.Fatalf("%d tone frames in one period, want %d", loud, holdToneTicks)
	}
}

func TestAContactAcceptedOnTheDesktopRingsItsAgent(t *testing.T) {
	f := &fakeFloor{phones: map[string]string{"usr_a": "alice"}}
	f.set(VoiceContact{State: ContactAssigned, AgentID: "usr_a"})
	w, _ := newWait(f, func(_ context.Context, target string) (*sip.Leg, error) {
		return &sip.Leg{ID: target}, nil
	})
	a, err := w.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a.release(nil)
	if a.leg.ID != "account:alice" || len(f.notes()) != 0 {
		t.Fatalf("answered on %s; floor writes %v", a.leg.ID, f.notes())
	}
}
