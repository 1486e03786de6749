// Package handler is the dispatch function: it routes the contacts waiting for a person to the
// agents (shared/floor, shared/routing) and provisions a new tenant's default queue.
//
// One function, two event sources: the event stream (Kinesis) and its timer queue (SQS,
// DispatchTimers); Invoke tells the two apart.
//
// Files, one concern each:
//
//   - handler.go: Config, Handler, New, Handle (one stream event).
//   - invoke.go: Invoke, the Lambda entry point for both event shapes; one decision per tenant
//     after each stream batch.
//   - decide.go: the decision for a tenant: read the floor, routing.Decide, Offer each assignment,
//     push the offer to the agent, schedule its timeout; re-read and decide again after a lost race.
//   - timers.go: Timer (the SQS message), scheduling, and what each kind does when it fires.
//   - strategies.go: the dispatch engine's strategies in force (shared/steering/overlay, read once
//     per decision) applied to the queues routed: overflow at once, callbacks, agents moved to voice.
//
// What triggers a decision: contact.created (queued first), contact.queued, contact.ended,
// contact.abandoned, contact.transferred, agent.state (to available), user.changed (the agent's
// skills or capacity), dispatch.strategy (the dispatch engine's strategies, strategies.go), and
// the timers: an offer's timeout (the offer expires first), an overflow
// step, a maximum wait (the contact is abandoned, or kept with callback_offered=true when the
// queue offers callbacks), the end of an agent's miss cooldown.
package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/sqsmsg"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// DefaultQueue is the queue every tenant starts with; contacts whose queue does not exist go here.
const DefaultQueue = botconfig.DefaultQueue

// KindQueue is the store kind of queue definitions (shared/floor owns them).
const KindQueue = floor.KindQueue

// Queue is a skills-based queue definition (shared/floor's).
type Queue = floor.Queue

// Notifier pushes a message to a person's open connections; shared/push's *Sender is one.
type Notifier interface {
	NotifyUser(ctx context.Context, t tenant.ID, userID string, msg any) error
}

// Ender ends a handed-off chat whose contact waited its queue's longest wait unanswered, telling
// the customer; shared/conversation's *Service is one.
type Ender interface {
	EndUnanswered(ctx context.Context, t tenant.ID, id string) (conversation.Reply, error)
}

// Config is what the dispatch function needs.
type Config struct {
	// Conversations ends the chat of a contact abandoned for its queue's maximum wait, with a
	// message to the customer; nil leaves the chat open.
	Conversations Ender
	// DB is the table: the floor's items, the default queue, the stream's idempotency records.
	DB *store.Store
	// Floor reads and writes the floor (writes through the outbox).
	Floor *floor.Floor
	// Notifier pushes offers to agents; nil pushes nothing (the agent sees offers when they read
	// their contacts).
	Notifier Notifier
	// Timers sends the timer messages to TimerQueueURL; nil sends none (timers then fire only
	// through the next event).
	Timers        sqsmsg.Sender
	TimerQueueURL string
	Log           *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Handler is the dispatch function.
type Handler struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	consumer *stream.Consumer
}

// New returns the dispatch function over cfg.
func New(cfg Config) *Handler {
	h := &Handler{cfg: cfg, log: cfg.Log, now: cfg.Now}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.consumer = stream.NewConsumer("dispatch", h.Handle, cfg.DB, stream.WithLogger(h.log))
	return h
}

// Handle processes one stream event. It is idempotent: a replay changes nothing that matters (a
// second decision finds the contact offered already). Inside Invoke the decisions it asks for are
// made once per tenant after the batch; called alone, it decides at once.
func (h *Handler) Handle(ctx context.Context, t tenant.ID, e events.Envelope) error {
	switch e.Type {
	case events.TypeTenantCreated:
		q := floor.NewDefaultQueue(h.now().UTC())
		err := h.cfg.DB.Create(ctx, t, floor.QueueKey(q.ID), q)
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("create default queue for %s: %w", t, err)
		}
		h.log.InfoContext(ctx, "tenant provisioned", "tenant", t.String(), "event_id", e.ID, "queue", q.ID)
		return nil
	case events.TypeContactCreated:
		if err := h.enqueue(ctx, t, e); err != nil {
			return err
		}
	case events.TypeContactQueued:
		if err := h.queued(ctx, t, e); err != nil {
			return err
		}
	case events.TypeContactOffered:
		return h.offeredElsewhere(ctx, t, e)
	case events.TypeContactEnded:
		var d events.ContactEnded
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return stream.Permanent(err)
		}
		if d.Outcome != events.OutcomeResolvedByAgent { // the floor's own wrap-up needs no end
			if _, err := h.cfg.Floor.EndByCustomer(ctx, t, e.Subject); err != nil && !errors.Is(err, floor.ErrNotFound) {
				return err
			}
		}
	case events.TypeAgentState:
		var d events.AgentState
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return stream.Permanent(err)
		}
		if d.State != events.AgentAvailable {
			return nil
		}
	case events.TypeUserChanged:
		var d events.UserChanged
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return stream.Permanent(err)
		}
		if _, present, err := h.cfg.Floor.Refresh(ctx, t, d.UserID); err != nil || !present {
			return err
		}
	case events.TypeContactAbandoned:
		var d events.ContactAbandoned
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return stream.Permanent(err)
		}
		if err := h.endUnanswered(ctx, t, e.Subject, d); err != nil {
			return err
		}
	case events.TypeContactTransferred:
	case events.TypeDispatchStrategy:
		if err := h.strategyChanged(ctx, t, e); err != nil {
			return err
		}
	default:
		return nil
	}
	return h.decideSoon(ctx, t)
}

// endUnanswered ends the chat of a contact abandoned for its queue's maximum wait, so the customer
// is told instead of writing into silence. A contact without a chat (a voice call, one created
// through the API) or whose chat ended already is left alone.
func (h *Handler) endUnanswered(ctx context.Context, t tenant.ID, contactID string, d events.ContactAbandoned) error {
	if d.Reason != events.AbandonMaxWait || d.Channel != events.ChannelChat || h.cfg.Conversations == nil {
		return nil
	}
	_, err := h.cfg.Conversations.EndUnanswered(ctx, t, contactID)
	switch {
	case err == nil:
		h.log.InfoContext(ctx, "chat ended: no one answered within the queue's maximum wait", "tenant", t.String(), "contact", contactID)
	case errors.Is(err, conversation.ErrNotFound), errors.Is(err, conversation.ErrEnded), errors.Is(err, conversation.ErrNotHandedOff):
	default:
		return fmt.Errorf("end the unanswered chat %s: %w", contactID, err)
	}
	return nil
}

// enqueue queues the contact of a contact.created event: the conversation's id, its channel and
// queue (the default queue when it names none that exists).
func (h *Handler) enqueue(ctx context.Context, t tenant.ID, e events.Envelope) error {
	var d events.ContactCreated
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return stream.Permanent(err)
	}
	if d.Channel == events.ChannelVoice {
		// A queue with a voice transfer target sends its calls there (the media edge dials it):
		// the call never waits on the floor.
		_, err := voicecfg.NewStore(h.cfg.DB).TransferTarget(ctx, t, d.Queue)
		if err == nil {
			h.cfg.Log.InfoContext(ctx, "voice contact goes to its queue's transfer target, not the floor", "tenant", t.String(), "contact", e.Subject, "queue", d.Queue)
			return nil
		}
		if !errors.Is(err, voicecfg.ErrNotFound) {
			return err
		}
	}
	queue := d.Queue
	if _, _, err := h.cfg.Floor.Queue(ctx, t, queue); errors.Is(err, floor.ErrNotFound) {
		queue = DefaultQueue
	} else if err != nil {
		return err
	}
	attrs := d.Attributes
	if queue != d.Queue {
		attrs = make(map[string]string, len(d.Attributes)+1)
		for k, v := range d.Attributes {
			attrs[k] = v
		}
		attrs["requested_queue"] = d.Queue
	}
	reason := events.QueueHandoff
	if e.Source == "lingxi.api" {
		reason = events.QueueAPI
	}
	c, created, err := h.cfg.Floor.Enqueue(ctx, t, floor.Contact{ID: e.Subject, Channel: d.Channel, Queue: queue,
		CustomerID: d.CustomerID, Intent: d.Intent, Reason: d.Reason, Attributes: attrs, Transcript: d.Transcript}, string(reason))
	if errors.Is(err, floor.ErrInvalid) {
		return stream.Permanent(err)
	}
	if err != nil {
		return err
	}
	if created {
		h.log.InfoContext(ctx, "contact queued", "tenant", t.String(), "contact", c.ID, "queue", c.Queue, "channel", c.Channel)
	}
	return nil
}
