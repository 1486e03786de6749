package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/sqsmsg"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// TimerKind says what a timer does when it fires.
type TimerKind string

// Timer kinds.
const (
	// TimerOffer: offer OfferID of ContactID times out (floor.ExpireOffer), then decide.
	TimerOffer TimerKind = "offer"
	// TimerOverflow: ContactID reaches an overflow step of its queue: decide.
	TimerOverflow TimerKind = "overflow"
	// TimerMaxWait: ContactID reaches its queue's maximum wait (floor.ExpireWait), then decide.
	TimerMaxWait TimerKind = "max_wait"
	// TimerMissCooldown: the agent who missed ContactID's offer may be offered contacts again.
	TimerMissCooldown TimerKind = "miss_cooldown"
	// TimerDecide: decide again (a decision failed).
	TimerDecide TimerKind = "decide"
)

// Timer is the timer queue's message: {tenant, kind, contact_id, offer_id, due}. SQS holds it
// back until Due (DelaySeconds rounded up, so it fires at most a second late); one due later than
// SQS's 15 minutes is sent again for the rest when it arrives.
type Timer struct {
	Tenant    string    `json:"tenant"`
	Kind      TimerKind `json:"kind"`
	ContactID string    `json:"contact_id,omitempty"`
	OfferID   string    `json:"offer_id,omitempty"`
	Due       time.Time `json:"due"`
}

// ParseTimer reads a timer message strictly.
func ParseTimer(body string) (tenant.ID, Timer, error) {
	var tm Timer
	if err := sqsmsg.Decode(body, &tm); err != nil {
		return tenant.ID{}, Timer{}, fmt.Errorf("timer message: %w", err)
	}
	t, err := tenant.Parse(tm.Tenant)
	if err != nil {
		return tenant.ID{}, Timer{}, fmt.Errorf("timer message: %w", err)
	}
	switch tm.Kind {
	case TimerOffer:
		if tm.OfferID == "" {
			return tenant.ID{}, Timer{}, errors.New("timer message: an offer timer without offer_id")
		}
		fallthrough
	case TimerOverflow, TimerMaxWait, TimerMissCooldown:
		if tm.ContactID == "" {
			return tenant.ID{}, Timer{}, fmt.Errorf("timer message: a %s timer without contact_id", tm.Kind)
		}
	case TimerDecide:
	default:
		return tenant.ID{}, Timer{}, fmt.Errorf("timer message: unknown kind %q", tm.Kind)
	}
	if tm.Due.IsZero() {
		return tenant.ID{}, Timer{}, errors.New("timer message: no due time")
	}
	return t, tm, nil
}

// schedule sends tm for t, due at tm.Due.
func (h *Handler) schedule(ctx context.Context, t tenant.ID, tm Timer) error {
	if h.cfg.Timers == nil {
		return nil
	}
	tm.Tenant, tm.Due = t.String(), tm.Due.UTC()
	if err := sqsmsg.Send(ctx, h.cfg.Timers, h.cfg.TimerQueueURL, tm, tm.Due.Sub(h.now())); err != nil {
		return fmt.Errorf("send %s timer: %w", tm.Kind, err)
	}
	return nil
}

// early is how much before its due time a timer may act (SQS's whole seconds round the other way).
const early = 500 * time.Millisecond

// HandleTimers handles a batch of timer messages (ReportBatchItemFailures): each fires, or is sent
// again if it is not due yet; then it decides once per tenant. A message that is not a timer is
// logged and dropped.
func (h *Handler) HandleTimers(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	var (
		resp lambdaevents.SQSEventResponse
		b    batch
		ids  = map[tenant.ID][]string{} // the messages that asked each tenant's decision
	)
	for _, rec := range ev.Records {
		t, tm, err := ParseTimer(rec.Body)
		if err != nil {
			h.log.ErrorContext(ctx, "dropping a message that is not a timer", "message_id", rec.MessageId, "err", err)
			continue
		}
		fired, err := h.fire(ctx, t, tm)
		if err != nil {
			h.log.WarnContext(ctx, "timer will be retried", "tenant", t.String(), "kind", tm.Kind, "contact", tm.ContactID, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			continue
		}
		if fired {
			b.add(t)
			ids[t] = append(ids[t], rec.MessageId)
		}
	}
	for _, t := range b.tenants {
		if err := h.decideOrRetry(ctx, t); err != nil {
			for _, id := range ids[t] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: id})
			}
		}
	}
	return resp, nil
}

// fire does what tm says, or sends it again when it is not due yet (fired false). An offer's
// timer is never early: the agent may accept until the offer's very expiry.
func (h *Handler) fire(ctx context.Context, t tenant.ID, tm Timer) (fired bool, err error) {
	slack := early
	if tm.Kind == TimerOffer {
		slack = 0
	}
	if tm.Due.After(h.now().Add(slack)) {
		return false, h.schedule(ctx, t, tm)
	}
	switch tm.Kind {
	case TimerOffer:
		expired, err := h.cfg.Floor.ExpireOffer(ctx, t, tm.ContactID, tm.OfferID)
		if err != nil && !errors.Is(err, floor.ErrNotFound) {
			return false, err
		}
		if expired {
			h.log.InfoContext(ctx, "offer timed out", "tenant", t.String(), "contact", tm.ContactID, "offer", tm.OfferID)
		}
	case TimerMaxWait:
		// Under the dispatch engine's callback in force, if any (strategies.go).
		st, err := h.steeringOf(ctx, t)
		if err != nil {
			return false, err
		}
		now := h.now().UTC()
		rule := func(q floor.Queue) floor.WaitRule { // the contact's own queue, as ExpireWaitBy reads it
			return newSteering(st, now, map[string]floor.Queue{q.ID: q}).waitRule(q)
		}
		if _, err := h.cfg.Floor.ExpireWaitBy(ctx, t, tm.ContactID, rule); err != nil && !errors.Is(err, floor.ErrNotFound) {
			return false, err
		}
	}
	return true, nil
}

// queued schedules the timers of a contact that entered a queue: a new wait gets its queue's
// overflow steps and maximum wait (the dispatch engine's callback threshold when one is in force
// and earlier); a contact back from a declined or unanswered offer gets the end of that agent's
// miss cooldown. Then the caller decides.
func (h *Handler) queued(ctx context.Context, t tenant.ID, e events.Envelope) error {
	var d events.ContactQueued
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return stream.Permanent(err)
	}
	now := h.now()
	if d.Reason == events.QueueDeclined || d.Reason == events.QueueOfferTimeout {
		return h.schedule(ctx, t, Timer{Kind: TimerMissCooldown, ContactID: e.Subject, Due: now.Add(routing.MissCooldown + time.Second)})
	}
	c, _, err := h.cfg.Floor.Contact(ctx, t, e.Subject)
	if errors.Is(err, floor.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	q, _, err := h.cfg.Floor.Queue(ctx, t, c.Queue)
	if errors.Is(err, floor.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	st, err := h.steeringOf(ctx, t)
	if err != nil {
		return err
	}
	rule := newSteering(st, now.UTC(), map[string]floor.Queue{q.ID: q}).waitRule(q)
	var timers []Timer
	for _, o := range q.Overflow {
		timers = append(timers, Timer{Kind: TimerOverflow, ContactID: c.ID, Due: c.EnqueuedAt.Add(time.Duration(o.AfterSeconds) * time.Second)})
	}
	if rule.MaxWait > 0 {
		timers = append(timers, Timer{Kind: TimerMaxWait, ContactID: c.ID, Due: c.EnqueuedAt.Add(rule.MaxWait)})
	}
	for _, tm := range timers {
		if !tm.Due.After(now) {
			continue // the decision sees it already
		}
		if err := h.schedule(ctx, t, tm); err != nil {
			return err
		}
	}
	return nil
}
