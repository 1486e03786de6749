package floor

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Limits of a wrap-up.
const (
	MaxDispositionLen = 64
	MaxNoteLen        = 2000
)

// checkOffer says whether userID may answer offer offerID of c: ErrOfferGone when it is not the
// contact's current offer (timed out, declined, went to someone else) or has expired, ErrNotYours
// when it is another agent's.
func checkOffer(c Contact, offerID, userID string, now time.Time) error {
	switch {
	case c.Offer == nil || c.Offer.ID != offerID:
		return fmt.Errorf("contact %s: offer %s: %w", c.ID, offerID, ErrOfferGone)
	case c.Offer.AgentID != userID:
		return fmt.Errorf("contact %s: offer %s is another agent's: %w", c.ID, offerID, ErrNotYours)
	case c.State != StateOffered:
		return fmt.Errorf("contact %s is %s: %w", c.ID, c.State, ErrOfferGone)
	case !now.Before(c.Offer.ExpiresAt):
		return fmt.Errorf("contact %s: offer %s expired at %s: %w", c.ID, offerID, c.Offer.ExpiresAt.Format(time.RFC3339), ErrOfferGone)
	}
	return nil
}

// Accept assigns contactID to userID, who was offered it as offerID (contact.assigned); the
// agent's misses are cleared. Accepting again the offer one accepted returns the contact.
func (f *Floor) Accept(ctx context.Context, t tenant.ID, contactID, offerID, userID string) (Contact, error) {
	var out Contact
	err := retry(ctx, func() error {
		c, cv, err := f.Contact(ctx, t, contactID)
		if err != nil {
			return err
		}
		if c.State == StateAssigned && c.AgentID == userID && c.Offer != nil && c.Offer.ID == offerID {
			out = c
			return nil
		}
		now := f.clock()
		if err := checkOffer(c, offerID, userID, now); err != nil {
			return err
		}
		p, pv, err := f.Presence(ctx, t, userID)
		if err != nil {
			return err
		}
		if p.slot(c.ID) < 0 {
			return fmt.Errorf("accept %s: agent %s holds no slot for it: %w", c.ID, userID, ErrOfferGone)
		}
		p = p.withStatus(c.ID, StateAssigned, now)
		p.Missed, p.MissedAt = 0, time.Time{}
		c.State, c.AgentID, c.AssignedAt, c.UpdatedAt = StateAssigned, userID, &now, now
		e := evs{t: t}
		e.add(events.TypeContactAssigned, c.ID, events.ContactAssigned{AgentID: userID, Queue: c.Queue, Channel: c.Channel,
			OfferID: offerID, WaitMS: ms(now.Sub(c.EnqueuedAt))})
		if e.err != nil {
			return e.err
		}
		ops := []store.Op{store.PutOp(t, ContactKey(c.ID), c, cv), store.PutOp(t, PresenceKey(userID), p, pv)}
		if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
			return fmt.Errorf("accept %s: %w", c.ID, err)
		}
		out = c
		return nil
	})
	return out, err
}

// Decline gives offer offerID of contactID back: the contact is queued again (reason declined)
// and the decline counts as a miss, so the next decision offers it to someone else.
func (f *Floor) Decline(ctx context.Context, t tenant.ID, contactID, offerID, userID string) (Contact, error) {
	var out Contact
	err := retry(ctx, func() error {
		c, cv, err := f.Contact(ctx, t, contactID)
		if err != nil {
			return err
		}
		if err := checkOffer(c, offerID, userID, f.clock()); err != nil {
			return err
		}
		ops, e, err := f.requeueOps(ctx, t, c, cv, events.QueueDeclined, false)
		if err != nil {
			return err
		}
		if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
			return fmt.Errorf("decline %s: %w", c.ID, err)
		}
		out, _, err = f.Contact(ctx, t, contactID)
		return err
	})
	return out, err
}

// Transfer moves assigned contact contactID from its agent to queue toQueue (contact.transferred,
// contact.queued with reason transfer; a new wait begins) or, with toAgent, offers it straight to
// that agent, who must be available with a free slot (contact.transferred, contact.offered; the
// queue is toQueue if given, else the contact's; a new wait begins too). A queued contact may be
// moved to another queue (toQueue, no toAgent): contact.queued (reason transfer), a new wait.
// by is who asks ("user/<id>"); whether they may is the caller's check (the assigned agent, or a
// supervisor; only a supervisor moves a queued contact). toQueue that does not exist is
// ErrInvalid. Transfer does not check who asks: it is TransferAs on behalf of a supervisor.
func (f *Floor) Transfer(ctx context.Context, t tenant.ID, contactID, by, toQueue, toAgent string) (Contact, error) {
	return f.TransferAs(ctx, t, contactID, "", by, toQueue, toAgent)
}

// TransferAs is Transfer asked by agent userID, who must be the contact's agent when the transfer
// is made (ErrNotYours otherwise, checked at every attempt, as Wrapup does); "" asks as a
// supervisor (the caller checks the role).
func (f *Floor) TransferAs(ctx context.Context, t tenant.ID, contactID, userID, by, toQueue, toAgent string) (Contact, error) {
	if toQueue == "" && toAgent == "" || by == "" {
		return Contact{}, fmt.Errorf("transfer %s: %w: a queue or an agent, and who asks, are required", contactID, ErrInvalid)
	}
	var out Contact
	err := retry(ctx, func() error {
		c, cv, err := f.contactOf(ctx, t, contactID, userID, "transfer")
		if err != nil {
			return err
		}
		if c.State == StateQueued && toAgent == "" {
			if toQueue == c.Queue {
				return fmt.Errorf("transfer %s: %w: it waits in %s already", c.ID, ErrWrongState, toQueue)
			}
			if _, _, err := f.Queue(ctx, t, toQueue); err != nil {
				return queueMissing("transfer", c.ID, toQueue, err)
			}
			// contact.transferred names the agent it came from; a move has none, so contact.queued
			// (reason transfer) alone tells it.
			out, err = f.move(ctx, t, c, cv, toQueue, events.QueueTransfer, "transfer")
			return err
		}
		if c.State != StateAssigned {
			return fmt.Errorf("transfer %s: contact is %s: %w", c.ID, c.State, ErrWrongState)
		}
		if toAgent == c.AgentID {
			return fmt.Errorf("transfer %s: %w: it is already %s's", c.ID, ErrWrongState, toAgent)
		}
		queue := c.Queue
		if toQueue != "" {
			queue = toQueue
		}
		q, _, err := f.Queue(ctx, t, queue)
		switch {
		case err == nil:
		case toQueue == "" && errors.Is(err, store.ErrNotFound):
			q = Queue{ID: queue} // its queue was deleted meanwhile: the default offer timeout
		default:
			return queueMissing("transfer", c.ID, queue, err)
		}
		now := f.clock()
		from, fv, err := f.Presence(ctx, t, c.AgentID)
		if err != nil {
			return err
		}
		fromAgent := c.AgentID
		ops := []store.Op{
			store.PutOp(t, PresenceKey(fromAgent), from.without(c.ID, now), fv),
			store.DeleteOp(t, openKey(fromAgent, c.ID), 0),
		}
		e := evs{t: t}
		e.add(events.TypeContactTransferred, c.ID, events.ContactTransferred{FromAgent: fromAgent, ToQueue: queue, ToAgent: toAgent, By: by})
		// A new wait begins either way: a later requeue measures its maximum wait and wait_ms
		// from the transfer, not from the contact's first queueing.
		c.Queue, c.AgentID, c.AssignedAt, c.Offer, c.EnqueuedAt, c.UpdatedAt = queue, "", nil, nil, now, now
		if toAgent == "" {
			c.State = StateQueued
			ops = append(ops, store.PutOp(t, ContactKey(c.ID), c, cv), store.CreateOp(t, waitingKey(c.ID), c.waitingCopy()))
			e.add(events.TypeContactQueued, c.ID, events.ContactQueued{Channel: c.Channel, Queue: queue, Priority: c.Priority, Reason: events.QueueTransfer})
		} else {
			to, tv, err := f.Presence(ctx, t, toAgent)
			if err != nil {
				return err
			}
			if !to.Free(c.Channel) {
				return fmt.Errorf("transfer %s to %s: agent is %s with %d/%d %s: %w", c.ID, toAgent, to.State, to.Load(c.Channel), to.Capacity[c.Channel], c.Channel, ErrWrongState)
			}
			o := Offer{ID: newID("of"), AgentID: toAgent, At: now, ExpiresAt: now.Add(q.OfferTimeout())}
			ops = append(ops, offerOps(t, c, cv, to, tv, o, now)...)
			e.add(events.TypeContactOffered, c.ID, events.ContactOffered{AgentID: toAgent, Queue: queue, Channel: c.Channel, OfferID: o.ID, ExpiresAt: o.ExpiresAt})
			c = c.offered(o, now)
		}
		if e.err != nil {
			return e.err
		}
		if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
			return fmt.Errorf("transfer %s: %w", c.ID, err)
		}
		out = c
		return nil
	})
	return out, err
}

// contactOf reads contactID for a verb ("transfer", "wrap up") asked by agent userID, who must be
// its agent (ErrNotYours); "" asks as a supervisor.
func (f *Floor) contactOf(ctx context.Context, t tenant.ID, contactID, userID, verb string) (Contact, int64, error) {
	c, cv, err := f.Contact(ctx, t, contactID)
	if err != nil {
		return Contact{}, 0, err
	}
	if userID != "" && c.AgentID != userID {
		return Contact{}, 0, fmt.Errorf("%s %s: %w", verb, c.ID, ErrNotYours)
	}
	return c, cv, nil
}

// presenceOps is the write of agentID's presence as change makes it, at the version read; none
// when the agent has no presence.
func (f *Floor) presenceOps(ctx context.Context, t tenant.ID, agentID string, change func(Presence) Presence) ([]store.Op, error) {
	p, pv, err := f.Presence(ctx, t, agentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []store.Op{store.PutOp(t, PresenceKey(agentID), change(p), pv)}, nil
}

// queueMissing is the error of a verb ("transfer", "requeue") of contactID to queue when reading
// it failed with err: ErrInvalid when the queue does not exist (not ErrNotFound, which would read
// as "no contact").
func queueMissing(verb, contactID, queue string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s %s: %w: no queue %q", verb, contactID, ErrInvalid, queue)
	}
	return err
}

// move moves queued contact c (at version cv) to queue, a new wait beginning, with its
// contact.queued event with reason, and returns c as written; verb names the move in errors.
func (f *Floor) move(ctx context.Context, t tenant.ID, c Contact, cv int64, queue string, reason events.QueueReason, verb string) (Contact, error) {
	var w Contact
	wv, err := f.db.Get(ctx, t, waitingKey(c.ID), &w)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) { // offered or ended meanwhile: read again
			return Contact{}, fmt.Errorf("move %s: it no longer waits: %w", c.ID, store.ErrConflict)
		}
		return Contact{}, err
	}
	now := f.clock()
	c.Queue, c.EnqueuedAt, c.UpdatedAt = queue, now, now
	ops := []store.Op{store.PutOp(t, ContactKey(c.ID), c, cv), store.PutOp(t, waitingKey(c.ID), c.waitingCopy(), wv)}
	e := evs{t: t}
	e.add(events.TypeContactQueued, c.ID, events.ContactQueued{Channel: c.Channel, Queue: queue, Priority: c.Priority, Reason: reason})
	if e.err != nil {
		return Contact{}, e.err
	}
	if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
		return Contact{}, fmt.Errorf("%s %s: %w", verb, c.ID, err)
	}
	return c, nil
}

// Requeue moves queued contact contactID, stranded in a queue that no longer exists, to queue
// toQueue (contact.queued, reason requeued; a new wait begins). A contact no longer queued, or
// whose queue exists, is returned unchanged; toQueue must exist (ErrInvalid).
func (f *Floor) Requeue(ctx context.Context, t tenant.ID, contactID, toQueue string) (Contact, error) {
	var out Contact
	err := retry(ctx, func() error {
		c, cv, err := f.Contact(ctx, t, contactID)
		if err != nil {
			return err
		}
		out = c
		if c.State != StateQueued || c.Queue == toQueue {
			return nil
		}
		if _, _, err := f.Queue(ctx, t, c.Queue); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, _, err := f.Queue(ctx, t, toQueue); err != nil {
			return queueMissing("requeue", c.ID, toQueue, err)
		}
		moved, err := f.move(ctx, t, c, cv, toQueue, events.QueueRequeued, "requeue")
		if err != nil {
			return err // out stays the contact as read
		}
		out = moved
		return nil
	})
	return out, err
}

// Wrapup closes contactID (assigned, or in wrap-up after the customer left) with a disposition
// and a note, and frees the agent's slot (contact.ended, outcome resolved_by_agent, with the
// disposition and the agent). userID must be the contact's agent (ErrNotYours); "" closes it on
// behalf of its agent (a supervisor; the caller checks the role).
func (f *Floor) Wrapup(ctx context.Context, t tenant.ID, contactID, userID, disposition, note string) (Contact, error) {
	if utf8.RuneCountInString(disposition) > MaxDispositionLen || utf8.RuneCountInString(note) > MaxNoteLen {
		return Contact{}, fmt.Errorf("wrap up %s: %w: disposition at most %d characters, note at most %d", contactID, ErrInvalid, MaxDispositionLen, MaxNoteLen)
	}
	var out Contact
	err := retry(ctx, func() error {
		c, cv, err := f.contactOf(ctx, t, contactID, userID, "wrap up")
		if err != nil {
			return err
		}
		if c.State != StateAssigned && c.State != StateWrapup {
			return fmt.Errorf("wrap up %s: contact is %s: %w", c.ID, c.State, ErrWrongState)
		}
		now := f.clock()
		ops, err := f.presenceOps(ctx, t, c.AgentID, func(p Presence) Presence { return p.without(c.ID, now) })
		if err != nil {
			return err
		}
		c.State, c.ClosedAt, c.Disposition, c.Note, c.UpdatedAt = StateClosed, &now, disposition, note, now
		if c.EndedAt == nil {
			c.EndedAt = &now
		}
		e := evs{t: t}
		e.add(events.TypeContactEnded, c.ID, events.ContactEnded{Channel: c.Channel, Outcome: events.OutcomeResolvedByAgent,
			DurationMS: ms(now.Sub(c.CreatedAt)), Intent: c.Intent, Disposition: disposition, AgentID: c.AgentID})
		if e.err != nil {
			return e.err
		}
		ops = append(ops, store.PutOp(t, ContactKey(c.ID), c, cv), store.DeleteOp(t, openKey(c.AgentID, c.ID), 0))
		if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
			return fmt.Errorf("wrap up %s: %w", c.ID, err)
		}
		out = c
		return nil
	})
	return out, err
}

// EndByCustomer records that the customer left: a queued or offered contact is abandoned
// (contact.abandoned, reason customer_left; an offered one frees the agent's slot), an assigned
// one goes to wrap-up (the agent still wraps it up). Other states are left as they are.
func (f *Floor) EndByCustomer(ctx context.Context, t tenant.ID, contactID string) (Contact, error) {
	return f.endByCustomer(ctx, t, contactID, events.AbandonCustomerLeft, false)
}

// endByCustomer is EndByCustomer with the abandon's reason; keepCallbacks leaves a contact whose
// caller asked to be called back as it is (EndCall).
func (f *Floor) endByCustomer(ctx context.Context, t tenant.ID, contactID string, reason events.AbandonReason, keepCallbacks bool) (Contact, error) {
	var out Contact
	err := retry(ctx, func() error {
		c, cv, err := f.Contact(ctx, t, contactID)
		if err != nil {
			return err
		}
		out = c
		if keepCallbacks && c.CallbackRequested() {
			return nil
		}
		now := f.clock()
		e := evs{t: t}
		var ops []store.Op
		switch c.State {
		case StateQueued:
			ops = append(ops, store.DeleteOp(t, waitingKey(c.ID), 0))
		case StateOffered:
			if ops, err = f.presenceOps(ctx, t, c.Offer.AgentID, func(p Presence) Presence { return p.without(c.ID, now) }); err != nil {
				return err
			}
			ops = append(ops, store.DeleteOp(t, openKey(c.Offer.AgentID, c.ID), 0))
		case StateAssigned:
			if ops, err = f.presenceOps(ctx, t, c.AgentID, func(p Presence) Presence { return p.withStatus(c.ID, StateWrapup, now) }); err != nil {
				return err
			}
			c.State, c.EndedAt, c.UpdatedAt = StateWrapup, &now, now
			ops = append(ops, store.PutOp(t, ContactKey(c.ID), c, cv))
			if err := f.commit.Commit(ctx, ops); err != nil {
				return fmt.Errorf("end %s: %w", c.ID, err)
			}
			out = c
			return nil
		default:
			return nil
		}
		e.add(events.TypeContactAbandoned, c.ID, events.ContactAbandoned{Queue: c.Queue, Channel: c.Channel,
			WaitMS: ms(now.Sub(c.EnqueuedAt)), Reason: reason})
		if e.err != nil {
			return e.err
		}
		c.State, c.EndedAt, c.UpdatedAt = StateAbandoned, &now, now
		ops = append(ops, store.PutOp(t, ContactKey(c.ID), c, cv))
		if err := f.commit.Commit(ctx, ops, e.out...); err != nil {
			return fmt.Errorf("abandon %s: %w", c.ID, err)
		}
		out = c
		return nil
	})
	return out, err
}
