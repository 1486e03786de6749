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
func (h *Handler) decideOrRetry(ctx context.Context, t tenant.ID) {
	err := h.decide(ctx, t)
	if err == nil {
		return
	}
	h.log.WarnContext(ctx, "decision failed; trying again by timer", "tenant", t.String(), "err", err)
	if err := h.schedule(ctx, t, Timer{Kind: TimerDecide, Due: h.now().Add(retryDecideAfter)}); err != nil {
		h.log.ErrorContext(ctx, "decision failed and no retry could be scheduled; the next event decides", "tenant", t.String(), "err", err)
	}
}

// decide offers t's waiting contacts to its agents: read the floor, routing.Decide, Offer each
// assignment (the decision recorded), push each offer and schedule its timeout. Contacts that
// waited their queue's maximum are abandoned or kept for a callback. An offer lost to a race
// (store.ErrConflict) makes it read and decide again, at most MaxRounds times.
func (h *Handler) decide(ctx context.Context, t tenant.ID) error {
	for round := 1; ; round++ {
		lost, err := h.decideOnce(ctx, t)
		if err != nil || lost == 0 {
			return err
		}
		if round == MaxRounds {
			h.log.InfoContext(ctx, "offers lost to races in every round; the next event or timer decides again", "tenant", t.String(), "rounds", round, "lost", lost)
			return nil
		}
	}
}

// decideOnce is one round of decide; lost counts the offers that lost a race.
func (h *Handler) decideOnce(ctx context.Context, t tenant.ID) (lost int, err error) {
	fl := h.cfg.Floor
	waiting, err := fl.Waiting(ctx, t)
	if err != nil || len(waiting) == 0 {
		return 0, err
	}
	qs, err := fl.Queues(ctx, t)
	if err != nil {
		return 0, err
	}
	ps, err := fl.Presences(ctx, t)
	if err != nil {
		return 0, err
	}
	queues := make(map[string]floor.Queue, len(qs))
	rq := make(map[string]routing.Queue, len(qs))
	for _, q := range qs {
		queues[q.ID], rq[q.ID] = q, q.Routing()
	}
	rc := make([]routing.Contact, len(waiting))
	for i, c := range waiting {
		rc[i] = c.Routing()
	}
	ra := make([]routing.Agent, len(ps))
	for i, p := range ps {
		ra[i] = p.Routing()
	}
	now := h.now().UTC()
	plan := routing.Decide(now, rq, rc, ra)
	for _, id := range plan.Expired {
		c, err := fl.ExpireWait(ctx, t, id)
		if err != nil {
			return lost, fmt.Errorf("max wait of %s: %w", id, err)
		}
		h.log.InfoContext(ctx, "contact reached its maximum wait", "tenant", t.String(), "contact", id, "state", c.State, "callback", c.Attributes[floor.AttrCallbackOffered] == "true")
	}
	return h.offerAll(ctx, t, now, queues, plan.Assignments)
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
	if err := h.schedule(ctx, t, Timer{Kind: TimerOffer, ContactID: contactID, OfferID: o.ID, Due: o.ExpiresAt}); err != nil {
		return fmt.Errorf("schedule the timeout of offer %s: %w", o.ID, err)
	}
	if h.cfg.Notifier == nil {
		return nil
	}
	c, _, err := h.cfg.Floor.Contact(ctx, t, contactID)
	if err != nil {
		h.log.WarnContext(ctx, "read the offered contact for the push", "tenant", t.String(), "contact", contactID, "err", err)
		return nil
	}
	msg := OfferMessage{Type: "offer", ContactID: c.ID, OfferID: o.ID, ExpiresAt: o.ExpiresAt, Channel: c.Channel, Queue: c.Queue,
		CustomerID: c.CustomerID, Intent: c.Intent, Preview: preview(c.Transcript)}
	if err := h.cfg.Notifier.NotifyUser(ctx, t, o.AgentID, msg); err != nil {
		h.log.WarnContext(ctx, "push the offer", "tenant", t.String(), "contact", c.ID, "agent", o.AgentID, "err", err)
	}
	return nil
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

// offeredElsewhere announces an offer the dispatcher did not make (a transfer straight to an
// agent): its own offers carry the decision made at the same moment and were announced already.
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
		return nil
	}
	return h.announce(ctx, t, c.ID, *c.Offer)
}
