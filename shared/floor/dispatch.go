package floor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Enqueue queues contact c (its ID, Channel and Queue set) unless a contact of its ID exists: it
// is idempotent by c.ID, and created says whether this call queued it. reason is a
// events.QueueReason ("handoff", "api", …). EnqueuedAt defaults to now.
func (f *Floor) Enqueue(ctx context.Context, t tenant.ID, c Contact, reason string) (Contact, bool, error) {
	if c.ID == "" || c.Queue == "" || (c.Channel != events.ChannelChat && c.Channel != events.ChannelVoice) {
		return Contact{}, false, fmt.Errorf("enqueue %q: %w: id, queue and a chat or voice channel are required", c.ID, ErrInvalid)
	}
	if old, _, err := f.Contact(ctx, t, c.ID); err == nil {
		return old, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Contact{}, false, err
	}
	now := f.clock()
	c.State, c.Offer, c.AgentID, c.AssignedAt, c.EndedAt, c.ClosedAt = StateQueued, nil, "", nil, nil, nil
	c.Decisions, c.Agents = nil, nil
	if c.EnqueuedAt.IsZero() {
		c.EnqueuedAt = now
	}
	c.CreatedAt, c.UpdatedAt = now, now
	e := evs{t: t}
	e.add(events.TypeContactQueued, c.ID, events.ContactQueued{Channel: c.Channel, Queue: c.Queue, Priority: c.Priority, Reason: events.QueueReason(reason)})
	if e.err != nil {
		return Contact{}, false, fmt.Errorf("enqueue %s: %w: %w", c.ID, ErrInvalid, e.err)
	}
	ops := []store.Op{store.CreateOp(t, ContactKey(c.ID), c), store.CreateOp(t, waitingKey(c.ID), c.waitingCopy())}
	if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
		if errors.Is(err, store.ErrConflict) { // queued meanwhile by another delivery
			old, _, rerr := f.Contact(ctx, t, c.ID)
			if rerr == nil {
				return old, false, nil
			}
		}
		return Contact{}, false, fmt.Errorf("enqueue %s: %w", c.ID, err)
	}
	return c, true, nil
}

// Offer offers contact a.ContactID to agent a.AgentID for timeout, recording d on the contact
// and the events dispatch.decided and contact.offered. It succeeds only while the contact is
// queued and the agent available with a free slot on the contact's channel, both checked by the
// transaction's conditions; otherwise (the dispatcher's reads are stale, another dispatcher
// won) the error matches store.ErrConflict and nothing changed.
func (f *Floor) Offer(ctx context.Context, t tenant.ID, a routing.Assignment, d Decision, timeout time.Duration) (Offer, error) {
	if timeout <= 0 {
		return Offer{}, fmt.Errorf("offer %s: %w: timeout %v", a.ContactID, ErrInvalid, timeout)
	}
	var out Offer
	err := retry(ctx, func() error {
		c, cv, err := f.Contact(ctx, t, a.ContactID)
		if err != nil {
			return err
		}
		if c.State != StateQueued {
			return stale("offer %s: contact is %s", c.ID, c.State)
		}
		p, pv, err := f.Presence(ctx, t, a.AgentID)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return stale("offer %s: agent %s has no presence", c.ID, a.AgentID)
			}
			return err
		}
		if !p.Free(c.Channel) {
			return stale("offer %s: agent %s is %s with %d/%d %s", c.ID, p.UserID, p.State, p.Load(c.Channel), p.Capacity[c.Channel], c.Channel)
		}
		now := f.clock()
		o := Offer{ID: newID("of"), AgentID: p.UserID, At: now, ExpiresAt: now.Add(timeout), Ring: a.Ring}
		d.At = now
		c.Decisions = append(c.Decisions, d)
		if n := len(c.Decisions); n > MaxDecisions {
			c.Decisions = c.Decisions[n-MaxDecisions:]
		}
		ops := append(offerOps(t, c, cv, p, pv, o, now), store.DeleteOp(t, waitingKey(c.ID), 0))
		e := evs{t: t}
		e.add(events.TypeDispatchDecided, c.ID, events.DispatchDecided{Queue: c.Queue, Channel: c.Channel, AgentID: p.UserID,
			Ring: d.Ring, Why: trim(d.Why, 512), Considered: d.Considered, Candidates: candidatesJSON(d.Candidates)})
		e.add(events.TypeContactOffered, c.ID, events.ContactOffered{AgentID: p.UserID, Queue: c.Queue, Channel: c.Channel,
			OfferID: o.ID, ExpiresAt: o.ExpiresAt, Ring: o.Ring})
		if e.err != nil {
			return e.err
		}
		if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
			return fmt.Errorf("offer %s to %s: %w", c.ID, p.UserID, err)
		}
		out = o
		return nil
	})
	return out, err
}

// offerOps are the writes of offering c (at version cv) to p (at version pv) as o: the contact,
// the presence with the slot and the open item.
func offerOps(t tenant.ID, c Contact, cv int64, p Presence, pv int64, o Offer, now time.Time) []store.Op {
	p.Slots = append(append([]Slot{}, p.Slots...), Slot{ContactID: c.ID, Channel: c.Channel, Status: StateOffered, Since: now})
	return []store.Op{
		store.PutOp(t, ContactKey(c.ID), c.offered(o, now), cv),
		store.PutOp(t, PresenceKey(p.UserID), p, pv),
		store.CreateOp(t, openKey(p.UserID, c.ID), openItem{ContactID: c.ID}),
	}
}

// offered is c offered as o.
func (c Contact) offered(o Offer, now time.Time) Contact {
	c.State, c.Offer, c.UpdatedAt = StateOffered, &o, now
	if !c.OfferedTo(o.AgentID) {
		c.Agents = append(append([]string{}, c.Agents...), o.AgentID)
	}
	return c
}

// openItem is the contact-open item.
type openItem struct {
	ContactID string `dynamodbav:"contact_id"`
}

// ExpireOffer ends offer offerID of contactID unanswered: the contact is queued again (reason
// offer_timeout), the agent's slot freed and a miss counted; after MaxMissed misses in a row an
// available agent goes on break (agent.state, reason missed_offers). expired is false when the
// offer was answered, declined or replaced meanwhile, or has not reached its ExpiresAt yet (the
// agent may still accept it; nothing changes).
func (f *Floor) ExpireOffer(ctx context.Context, t tenant.ID, contactID, offerID string) (bool, error) {
	expired := false
	err := retry(ctx, func() error {
		c, cv, err := f.Contact(ctx, t, contactID)
		if err != nil {
			return err
		}
		if c.State != StateOffered || c.Offer == nil || c.Offer.ID != offerID || f.clock().Before(c.Offer.ExpiresAt) {
			expired = false
			return nil
		}
		ops, e, err := f.requeueOps(ctx, t, c, cv, events.QueueOfferTimeout, true)
		if err != nil {
			return err
		}
		if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
			return fmt.Errorf("expire offer %s of %s: %w", offerID, contactID, err)
		}
		expired = true
		return nil
	})
	return expired, err
}

// requeueOps are the writes that take offered contact c (at version cv) back from its agent to
// its queue, with a miss counted on the agent, and its events.
func (f *Floor) requeueOps(ctx context.Context, t tenant.ID, c Contact, cv int64, reason events.QueueReason, timedOut bool) ([]store.Op, evs, error) {
	now := f.clock()
	e := evs{t: t}
	agent := c.Offer.AgentID
	var ops []store.Op
	p, pv, err := f.Presence(ctx, t, agent)
	switch {
	case err == nil:
		p = p.without(c.ID, now).missed(now)
		if timedOut && p.Missed >= MaxMissed && p.State == AgentAvailable {
			e.add(events.TypeAgentState, p.UserID, events.AgentState{AgentID: p.UserID, State: events.AgentBreak,
				Previous: events.AgentAvailable, Reason: events.AgentReasonMissedOffers, By: "dispatch"})
			p.State, p.Since = AgentBreak, now
		}
		ops = append(ops, store.PutOp(t, PresenceKey(agent), p, pv))
	case !errors.Is(err, store.ErrNotFound):
		return nil, e, err
	}
	c.State, c.Offer, c.UpdatedAt = StateQueued, nil, now
	ops = append(ops,
		store.PutOp(t, ContactKey(c.ID), c, cv),
		store.CreateOp(t, waitingKey(c.ID), c.waitingCopy()),
		store.DeleteOp(t, openKey(agent, c.ID), 0))
	e.add(events.TypeContactQueued, c.ID, events.ContactQueued{Channel: c.Channel, Queue: c.Queue, Priority: c.Priority, Reason: reason})
	return ops, e, e.err
}

// ExpireWait handles a queued contact whose wait reached its queue's MaxWaitSeconds: with the
// queue's Callback it stays queued with the attribute callback_offered=true (once); otherwise it
// is abandoned (contact.abandoned, reason max_wait). A contact no longer queued, or whose current
// wait is shorter (it was transferred meanwhile), is returned unchanged.
func (f *Floor) ExpireWait(ctx context.Context, t tenant.ID, contactID string) (Contact, error) {
	return f.ExpireWaitBy(ctx, t, contactID, Queue.WaitRule)
}

// ExpireWaitBy is ExpireWait under the rule rule gives for the contact's queue instead of the
// queue's own (Queue.WaitRule): the dispatch function passes the rule with the dispatch engine's
// callback in force. A contact kept for a callback gets the rule's Attributes besides
// callback_offered=true.
func (f *Floor) ExpireWaitBy(ctx context.Context, t tenant.ID, contactID string, rule func(Queue) WaitRule) (Contact, error) {
	var out Contact
	err := retry(ctx, func() error {
		c, cv, err := f.Contact(ctx, t, contactID)
		if err != nil {
			return err
		}
		out = c
		if c.State != StateQueued || c.Attributes[AttrCallbackOffered] == "true" {
			return nil
		}
		q, _, err := f.Queue(ctx, t, c.Queue)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}
		now := f.clock()
		wait := now.Sub(c.EnqueuedAt)
		r := rule(q)
		if r.MaxWait <= 0 || wait+time.Second < r.MaxWait {
			return nil
		}
		var w Contact
		wv, err := f.db.Get(ctx, t, waitingKey(c.ID), &w)
		if err != nil {
			return err
		}
		c.UpdatedAt = now
		if r.Callback {
			if err := f.keepForCallback(ctx, t, &c, cv, wv, r.Attributes); err != nil {
				return fmt.Errorf("offer callback to %s: %w", c.ID, err)
			}
			out = c
			return nil
		}
		c.State, c.EndedAt = StateAbandoned, &now
		e := evs{t: t}
		e.add(events.TypeContactAbandoned, c.ID, events.ContactAbandoned{Queue: c.Queue, Channel: c.Channel, WaitMS: ms(wait), Reason: events.AbandonMaxWait})
		if e.err != nil {
			return e.err
		}
		ops := []store.Op{store.PutOp(t, ContactKey(c.ID), c, cv), store.DeleteOp(t, waitingKey(c.ID), wv)}
		if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
			return fmt.Errorf("abandon %s after max wait: %w", c.ID, err)
		}
		out = c
		return nil
	})
	return out, err
}

func trim(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
