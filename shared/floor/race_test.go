package floor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
)

// Dispatchers race to offer the same contacts from stale and fresh reads while agents accept and
// wrap up and an expirer times offers out under them. Never two contacts beyond capacity on an
// agent, never one contact on two agents, none lost: every contact is assigned exactly once and
// closed, every slot freed. The test fails if the races did not happen.
func TestRacingDispatchers(t *testing.T) {
	const (
		nAgents      = 6
		nContacts    = 36
		nDispatchers = 5
		chatCapacity = 2
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // a guard, not an assertion
	defer cancel()
	fx := newFixture(t)
	fx.queue(t, Queue{ID: "general", Name: "General", Skills: []string{}})
	agents := make([]string, nAgents)
	for i := range agents {
		agents[i] = fmt.Sprintf("usr_%02d", i)
		fx.user(t, agents[i], chatCapacity, nil)
	}
	fx.available(t, agents...)
	for i := range nContacts {
		ch := events.ChannelChat
		if i%3 == 0 {
			ch = events.ChannelVoice
		}
		fx.enqueue(t, fmt.Sprintf("ct%03d", i), ch, "general")
	}
	// Decide as if later than the floor's clock: misses never cool an agent down here.
	decideAt := fx.clk.now().Add(time.Hour)

	var (
		offered, conflicts, accepted, lostAccepts, expired, lostExpiries, closed atomic.Int64
		violations                                                               = make(chan string, 100)
		wg                                                                       sync.WaitGroup
		done                                                                     = make(chan struct{})
		ready                                                                    sync.WaitGroup
		start                                                                    = make(chan struct{})
	)
	violate := func(format string, args ...any) {
		select {
		case violations <- fmt.Sprintf(format, args...):
		default:
		}
	}
	stopped := func() bool {
		select {
		case <-done:
			return true
		case <-ctx.Done():
			return true
		default:
			return false
		}
	}
	pause := func() {
		tm := time.NewTimer(3 * time.Millisecond)
		defer tm.Stop()
		select {
		case <-done:
		case <-ctx.Done():
		case <-tm.C:
		}
	}

	// Dispatchers: all read before any offers (stale reads), then alternate a fresh read with a
	// second use of the previous one.
	ready.Add(nDispatchers)
	for d := range nDispatchers {
		wg.Go(func() {
			qs, cs, as, err := fx.f.Snapshot(ctx, fx.t)
			ready.Done()
			<-start
			for round := 0; !stopped(); round++ {
				if err != nil {
					violate("dispatcher %d snapshot: %v", d, err)
					return
				}
				plan := routing.Decide(decideAt, QueueMap(qs), cs, as)
				for _, a := range plan.Assignments {
					_, err := fx.f.Offer(ctx, fx.t, a, DecisionOf(decideAt, a), time.Hour)
					switch {
					case err == nil:
						offered.Add(1)
					case errors.Is(err, store.ErrConflict):
						conflicts.Add(1)
					case ctx.Err() == nil:
						violate("offer: %v", err)
					}
				}
				if len(plan.Assignments) == 0 {
					pause()
				}
				if round%2 == 1 {
					qs, cs, as, err = fx.f.Snapshot(ctx, fx.t)
				}
			}
		})
	}
	// Agents accept their offers and wrap up what they were assigned; one put on break comes back.
	for _, id := range agents {
		wg.Go(func() {
			for !stopped() {
				open, err := fx.f.OpenFor(ctx, fx.t, id)
				if err != nil {
					violate("open for %s: %v", id, err)
					return
				}
				for _, c := range open {
					switch c.State {
					case StateOffered:
						_, err := fx.f.Accept(ctx, fx.t, c.ID, c.Offer.ID, id)
						switch {
						case err == nil:
							accepted.Add(1)
						case errors.Is(err, ErrOfferGone):
							lostAccepts.Add(1)
						case ctx.Err() == nil:
							violate("accept %s: %v", c.ID, err)
						}
					case StateAssigned:
						if _, err := fx.f.Wrapup(ctx, fx.t, c.ID, id, "done", ""); err != nil && ctx.Err() == nil {
							violate("wrap up %s: %v", c.ID, err)
						} else if err == nil && closed.Add(1) == nContacts {
							close(done)
						}
					}
				}
				p, _, err := fx.f.Presence(ctx, fx.t, id)
				if err == nil && p.State == AgentBreak {
					if _, err := fx.f.SetState(ctx, fx.t, id, AgentAvailable, "self", "user/"+id); err != nil && ctx.Err() == nil {
						violate("back from break %s: %v", id, err)
					}
				}
				if len(open) == 0 {
					pause()
				}
			}
		})
	}
	// The expirer times out every offer it sees, racing the agents' accepts: its floor's clock is
	// past every offer's expiry (an offer is not expired before it). It stops after maxExpiries,
	// so the floor drains however slow the machine (on a loaded one, expiring every offer at once
	// could starve the accepts).
	const maxExpiries = 15
	late := New(fx.db, outbox.New(fx.db, fx.rec, slog.New(slog.NewTextHandler(io.Discard, nil)))).
		WithClock(func() time.Time { return fx.clk.now().Add(2 * time.Hour) })
	wg.Go(func() {
		for !stopped() {
			ps, err := fx.f.Presences(ctx, fx.t)
			if err != nil {
				violate("presences: %v", err)
				return
			}
			for _, p := range ps {
				for _, s := range p.Slots {
					if s.Status != StateOffered || expired.Load() >= maxExpiries {
						continue
					}
					c, _, err := fx.f.Contact(ctx, fx.t, s.ContactID)
					if err != nil || c.Offer == nil {
						continue
					}
					if ok, err := late.ExpireOffer(ctx, fx.t, c.ID, c.Offer.ID); err != nil && ctx.Err() == nil {
						violate("expire %s: %v", c.ID, err)
					} else if ok {
						expired.Add(1)
					} else if err == nil {
						lostExpiries.Add(1) // answered between the read and the write
					}
				}
			}
			pause()
		}
	})
	// The watcher reads each presence (one item, atomic) and checks its slots.
	wg.Go(func() {
		for !stopped() {
			for _, id := range agents {
				p, _, err := fx.f.Presence(ctx, fx.t, id)
				if err != nil {
					continue
				}
				checkSlots(p, violate)
			}
			pause()
		}
	})
	ready.Wait()
	close(start)
	select {
	case <-done:
	case <-ctx.Done():
	}
	wg.Wait()
	close(violations)
	for v := range violations {
		t.Error(v)
	}
	if ctx.Err() != nil {
		t.Fatalf("the floor did not drain: %d closed of %d", closed.Load(), nContacts)
	}
	t.Logf("offers %d, lost offer races %d, accepts %d, lost accepts %d, expired %d, lost expiries %d",
		offered.Load(), conflicts.Load(), accepted.Load(), lostAccepts.Load(), expired.Load(), lostExpiries.Load())
	if conflicts.Load() == 0 || expired.Load() == 0 || lostAccepts.Load()+lostExpiries.Load() == 0 {
		t.Fatalf("the races did not happen: %d lost offer races, %d offers expired, %d accepts and %d expiries lost",
			conflicts.Load(), expired.Load(), lostAccepts.Load(), lostExpiries.Load())
	}

	// At rest: no slot, no waiting, no open item; every contact closed.
	bg := context.Background()
	for _, id := range agents {
		p, _, err := fx.f.Presence(bg, fx.t, id)
		if err != nil || len(p.Slots) != 0 {
			t.Errorf("%s at rest: %+v %v", id, p.Slots, err)
		}
	}
	if w, err := fx.f.Waiting(bg, fx.t); err != nil || len(w) != 0 {
		t.Errorf("waiting at rest: %d %v", len(w), err)
	}
	if res, err := fx.db.Query(bg, fx.t, KindContactOpen, "", store.PageRequest{}); err != nil || len(res.Items) != 0 {
		t.Errorf("open items at rest: %d %v", len(res.Items), err)
	}
	// Each contact's events, in commit order, never offer it twice at once nor assign it to an
	// agent it was not offered to; each is assigned once and ended once.
	for i := range nContacts {
		id := fmt.Sprintf("ct%03d", i)
		if c, _, err := fx.f.Contact(bg, fx.t, id); err != nil || c.State != StateClosed {
			t.Errorf("%s: %s %v", id, c.State, err)
		}
		checkHistory(t, id, fx.rec.of("", id))
	}
}

func checkSlots(p Presence, violate func(string, ...any)) {
	seen := map[string]bool{}
	for _, s := range p.Slots {
		if seen[s.ContactID] {
			violate("%s holds %s twice", p.UserID, s.ContactID)
		}
		seen[s.ContactID] = true
	}
	for _, ch := range []events.Channel{events.ChannelChat, events.ChannelVoice} {
		if p.Load(ch) > p.Capacity[ch] {
			violate("%s has %d %s contacts, capacity %d", p.UserID, p.Load(ch), ch, p.Capacity[ch])
		}
	}
}

func checkHistory(t *testing.T, id string, evs []events.Envelope) {
	t.Helper()
	holder, assigned, ended := "", 0, 0
	for _, e := range evs {
		switch e.Type {
		case events.TypeContactOffered:
			var o events.ContactOffered
			_ = json.Unmarshal(e.Data, &o)
			if holder != "" {
				t.Errorf("%s offered to %s while %s holds it", id, o.AgentID, holder)
			}
			holder = o.AgentID
		case events.TypeContactAssigned:
			var a events.ContactAssigned
			_ = json.Unmarshal(e.Data, &a)
			if a.AgentID != holder {
				t.Errorf("%s assigned to %s, offered to %q", id, a.AgentID, holder)
			}
			assigned++
		case events.TypeContactQueued:
			holder = ""
		case events.TypeContactEnded:
			holder = ""
			ended++
		}
	}
	if assigned != 1 || ended != 1 {
		t.Errorf("%s assigned %d times, ended %d times: %v", id, assigned, ended, types(evs))
	}
}
