package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxRounds is how often one decision reads the floor again after losing offers to a racing
// dispatcher (or to an agent's change) before it leaves the rest to the next event or timer.
const MaxRounds = 4

// retryDecideAfter is when a decision that failed is tried again (a "decide" timer).
const retryDecideAfter = time.Second

// OfferMessage is the WebSocket message that tells an agent of an offer.
type OfferMessage struct {
	Type       string         `json:"type"` // "offer"
	ContactID  string         `json:"contact_id"`
	OfferID    string         `json:"offer_id"`
	ExpiresAt  time.Time      `json:"expires_at"`
	Channel    events.Channel `json:"channel"`
	Queue      string         `json:"queue"`
	CustomerID string         `json:"customer_id"`
	Intent     string         `json:"intent"`
	// Preview is the customer's last message (personal data, for the agent).
	Preview string `json:"preview"`
}

// decideOrRetry decides for t; when that fails it logs and asks the timer queue to try again.
// The error says that neither worked: the caller has the records that asked redelivered.
func (h *Handler) decideOrRetry(ctx context.Context, t tenant.ID) error {
	err := h.decide(ctx, t)
	if err == nil {
		return nil
	}
	h.log.WarnContext(ctx, "decision failed; trying again by timer", "tenant", t.String(), "err", err)
	if serr := h.schedule(ctx, t, Timer{Kind: TimerDecide, Due: h.now().Add(retryDecideAfter)}); serr != nil {
		h.log.ErrorContext(ctx, "decision failed and no retry could be scheduled; its records are redelivered", "tenant", t.String(), "err", serr)
		return errors.Join(err, serr)
	}
	return nil
}

// decide offers t's waiting contacts to its agents: read the floor, routing.Decide, Offer each
// assignment (the decision recorded), push each offer and schedule its timeout. Contacts that
// waited their queue's maximum are abandoned or kept for a callback. An offer lost to a race
// (store.ErrConflict) makes it read and decide again, at most MaxRounds times.
func (h *Handler) decide(ctx context.Context, t tenant.ID) error {
	st := steeringReadFor(ctx, t)
	for round := 1; ; round++ {
		lost, err := h.decideOnce(ctx, t, st)
		if err != nil || lost == 0 {
			return err
		}
		if round == MaxRounds {
			h.log.InfoContext(ctx, "offers lost to races in every round; the next event or timer decides again", "tenant", t.String(), "rounds", round, "lost", lost)
			return nil
		}
	}
}

// decideOnce is one round of decide under the dispatch engine's strategies (strategies.go), read
// into sr the first time a round has contacts waiting; lost counts the offers that lost a race.
func (h *Handler) decideOnce(ctx context.Context, t tenant.ID, sr *steeringRead) (lost int, err error) {
	fl := h.cfg.Floor
	qs, err := fl.Queues(ctx, t)
	if err != nil {
		return 0, err
	}
	ps, err := fl.Presences(ctx, t)
	if err != nil {
		return 0, err
	}
	swept, err := h.sweepOffers(ctx, t, qs, ps)
	if err != nil {
		return 0, err
	}
	if swept {
		if ps, err = fl.Presences(ctx, t); err != nil {
			return 0, err
		}
	}
	waiting, err := fl.Waiting(ctx, t)
	if err != nil || len(waiting) == 0 {
		return 0, err
	}
	st, err := sr.get(ctx, h, t)
	if err != nil {
		return 0, err
	}
	now := h.now().UTC()
	queues := queuesByID(qs)
	steer := newSteering(st, now, queues)
	rq := make(map[string]routing.Queue, len(qs))
	for _, q := range qs {
		rq[q.ID] = steer.routing(q)
	}
	if waiting, err = h.rescue(ctx, t, queues, waiting); err != nil {
		return 0, err
	}
	rc := make([]routing.Contact, len(waiting))
	for i, c := range waiting {
		rc[i] = c.Routing()
	}
	ra := make([]routing.Agent, len(ps))
	for i, p := range ps {
		ra[i] = p.Routing()
	}
	steer.hold(st, queues, waiting, ps, ra)
	if applied := steer.applied(); len(applied) > 0 {
		h.log.InfoContext(ctx, "dispatch strategies applied", "tenant", t.String(), "strategies", applied)
	}
	plan := routing.Decide(now, rq, rc, ra)
	for i := range plan.Assignments {
		steer.explain(&plan.Assignments[i])
	}
	for _, id := range plan.Expired {
		c, err := fl.ExpireWaitBy(ctx, t, id, steer.waitRule)
		if err != nil {
			return lost, fmt.Errorf("max wait of %s: %w", id, err)
		}
		h.log.InfoContext(ctx, "contact reached its maximum wait", "tenant", t.String(), "contact", id, "state", c.State, "callback", c.Attributes[floor.AttrCallbackOffered] == "true")
	}
	return h.offerAll(ctx, t, now, queues, plan.Assignments)
}

// rescue moves the waiting contacts whose queue no longer exists (deleted while they waited) to
// the default queue (floor.Requeue, contact.queued with reason requeued), so they are offered
// again; without a default queue they stay where they are. It returns waiting as moved.
func (h *Handler) rescue(ctx context.Context, t tenant.ID, queues map[string]floor.Queue, waiting []floor.Contact) ([]floor.Contact, error) {
	if _, ok := queues[DefaultQueue]; !ok {
		return waiting, nil
	}
	for i, c := range waiting {
		if _, ok := queues[c.Queue]; ok {
			continue
		}
		moved, err := h.cfg.Floor.Requeue(ctx, t, c.ID, DefaultQueue)
		if err != nil && !errors.Is(err, floor.ErrNotFound) {
			return waiting, fmt.Errorf("move %s from the deleted queue %s: %w", c.ID, c.Queue, err)
		}
		if err == nil {
			h.log.InfoContext(ctx, "contact of a deleted queue moved to the default queue", "tenant", t.String(), "contact", c.ID, "queue", c.Queue)
			waiting[i] = moved
		}
	}
	return waiting, nil
}

// offerGrace is how long past its expiry an offer may stay unanswered before a decision expires
// it itself: its timer (sent after the offer was saved) should have fired by then.
const offerGrace = 5 * time.Second

// sweepOffers expires the offers whose timer was lost (the offer was saved but its timer never
// sent, say the function stopped between the two): an agent's slot still offered longer than the
// longest offer timeout of t's queues plus offerGrace is checked against its contact, and the
// offer expired (floor.ExpireOffer, which acts only on that very offer) once it is offerGrace past
// its ExpiresAt. swept says whether any was expired.
func (h *Handler) sweepOffers(ctx context.Context, t tenant.ID, qs []floor.Queue, ps []floor.Presence) (swept bool, err error) {
	longest := floor.DefaultOfferTimeout
	for _, q := range qs {
		longest = max(longest, q.OfferTimeout())
	}
	now := h.now()
	for _, p := range ps {
		for _, s := range p.Slots {
			if s.Status != floor.StateOffered || now.Sub(s.Since) <= longest+offerGrace {
				continue
			}
			c, _, err := h.cfg.Floor.Contact(ctx, t, s.ContactID)
			if errors.Is(err, floor.ErrNotFound) {
				continue
			}
			if err != nil {
				return swept, err
			}
			if c.State != floor.StateOffered || c.Offer == nil || !now.After(c.Offer.ExpiresAt.Add(offerGrace)) {
				continue
			}
			expired, err := h.cfg.Floor.ExpireOffer(ctx, t, c.ID, c.Offer.ID)
			if err != nil && !errors.Is(err, floor.ErrNotFound) {
				return swept, fmt.Errorf("expire the overdue offer of %s: %w", c.ID, err)
			}
			if expired {
				swept = true
				h.log.WarnContext(ctx, "an overdue offer expired by a decision (its timer was lost)", "tenant", t.String(), "contact", c.ID, "offer", c.Offer.ID, "agent", c.Offer.AgentID)
			}
		}
	}
	return swept, nil
}

// offerWorkers bounds the offers one decision makes at once.
const offerWorkers = 8

// offerAll makes the plan's offers: those of one agent in plan order (they would only race each
// other for the agent's presence), different agents' concurrently, at most offerWorkers at once.
// lost counts the offers that lost a race; the error is the first other failure.
func (h *Handler) offerAll(ctx context.Context, t tenant.ID, now time.Time, queues map[string]floor.Queue, plan []routing.Assignment) (lost int, err error) {
	var (
		byAgent = map[string][]routing.Assignment{}
		agents  []string
	)
	for _, a := range plan {
		if byAgent[a.AgentID] == nil {
			agents = append(agents, a.AgentID)
		}
		byAgent[a.AgentID] = append(byAgent[a.AgentID], a)
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		slot = make(chan struct{}, offerWorkers)
	)
	for _, agent := range agents {
		wg.Go(func() {
			slot <- struct{}{}
			defer func() { <-slot }()
			for _, a := range byAgent[agent] {
				won, oerr := h.offer(ctx, t, now, queues[a.Queue], a)
				mu.Lock()
				if !won && oerr == nil {
					lost++
				}
				if oerr != nil && err == nil {
					err = oerr
				}
				mu.Unlock()
				if oerr != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	return lost, err
}

// offer makes one offer of the plan and announces it; won is false when it lost a race.
func (h *Handler) offer(ctx context.Context, t tenant.ID, now time.Time, q floor.Queue, a routing.Assignment) (won bool, err error) {
	o, err := h.cfg.Floor.Offer(ctx, t, a, floor.DecisionOf(now, a), q.OfferTimeout())
	if errors.Is(err, store.ErrConflict) {
		h.log.DebugContext(ctx, "offer lost a race", "tenant", t.String(), "contact", a.ContactID, "agent", a.AgentID, "err", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	h.log.InfoContext(ctx, "contact offered", "tenant", t.String(), "contact", a.ContactID, "agent", a.AgentID, "offer", o.ID, "ring", a.Ring, "considered", a.Considered)
	return true, h.announce(ctx, t, a.ContactID, o)
}

// announce pushes offer o of contactID to its agent and schedules its timeout. A push that fails
// is logged: the agent still finds the offer among their contacts.
func (h *Handler) announce(ctx context.Context, t tenant.ID, contactID string, o floor.Offer) error {
	h.push(ctx, t, contactID, o)
	if err := h.schedule(ctx, t, Timer{Kind: TimerOffer, ContactID: contactID, OfferID: o.ID, Due: o.ExpiresAt}); err != nil {
		return fmt.Errorf("schedule the timeout of offer %s: %w", o.ID, err)
	}
	return nil
}

// push tells offer o's agent of it; a failure is logged.
func (h *Handler) push(ctx context.Context, t tenant.ID, contactID string, o floor.Offer) {
	if h.cfg.Notifier == nil {
		return
	}
	c, _, err := h.cfg.Floor.Contact(ctx, t, contactID)
	if err != nil {
		h.log.WarnContext(ctx, "read the offered contact for the push", "tenant", t.String(), "contact", contactID, "err", err)
		return
	}
	msg := OfferMessage{Type: "offer", ContactID: c.ID, OfferID: o.ID, ExpiresAt: o.ExpiresAt, Channel: c.Channel, Queue: c.Queue,
		CustomerID: c.CustomerID, Intent: c.Intent, Preview: preview(c.Transcript)}
	if err := h.cfg.Notifier.NotifyUser(ctx, t, o.AgentID, msg); err != nil {
		h.log.WarnContext(ctx, "push the offer", "tenant", t.String(), "contact", c.ID, "agent", o.AgentID, "err", err)
	}
}

// preview is the customer's last message of a transcript.
func preview(ts []events.Turn) string {
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Role == events.RoleCustomer {
			return ts[i].Text
		}
	}
	return ""
}

// offeredElsewhere schedules the timeout of every offer (again for the dispatcher's own: a
// duplicate timer is harmless, ExpireOffer acts only on the offer it names, and it covers a timer
// lost between Floor.Offer and its send) and pushes an offer the dispatcher did not make (a
// transfer straight to an agent): its own offers carry the decision made at the same moment and
// were pushed already.
func (h *Handler) offeredElsewhere(ctx context.Context, t tenant.ID, e events.Envelope) error {
	var d events.ContactOffered
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return stream.Permanent(err)
	}
	c, _, err := h.cfg.Floor.Contact(ctx, t, e.Subject)
	if errors.Is(err, floor.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.State != floor.StateOffered || c.Offer == nil || c.Offer.ID != d.OfferID {
		return nil // answered or gone already
	}
	if n := len(c.Decisions); n > 0 && c.Decisions[n-1].AgentID == d.AgentID && c.Decisions[n-1].At.Equal(c.Offer.At) {
		return h.schedule(ctx, t, Timer{Kind: TimerOffer, ContactID: c.ID, OfferID: c.Offer.ID, Due: c.Offer.ExpiresAt})
	}
	return h.announce(ctx, t, c.ID, *c.Offer)
}
