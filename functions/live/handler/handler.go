// Package handler is the live function's stream consumer: it keeps each tenant's wallboard (one
// store item per tenant and day, shared/wallboard) and pushes what changes to the people and
// visitors connected over the WebSocket API (shared/push):
//
//   - "wallboard" (the figures, with the dispatch engine's strategies in force from
//     dispatch.strategy) to supervisors and admins, at most once per tenant per second, the last
//     state always sent (throttle.go);
//   - "contact" updates to the agents concerned and supervisors, "agent" status changes to the
//     agent and supervisors (messages.go);
//   - "message" for chat.message to the contact's assigned agent and the conversation's visitors.
//
// A batch's events are folded per tenant with one versioned write per board and day, so a burst
// costs one write per tenant and batch, not one per event; their claims are completed only after
// that write (batch.go).
//
// Files: handler.go (wiring, the batch's steps), batch.go (collecting a batch's events, completing
// or releasing their claims), board.go (the day item's versioned write, seeding a first board),
// messages.go (what is pushed to whom), throttle.go (the wallboard push's rate).
package handler

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// ConsumerName is the stream consumer's name (its idempotency records' prefix).
const ConsumerName = "live"

// Pusher sends messages to WebSocket connections; *push.Sender is one.
type Pusher interface {
	NotifyUser(ctx context.Context, t tenant.ID, userID string, msg any) error
	NotifyRole(ctx context.Context, t tenant.ID, role auth.Role, msg any) error
	NotifyConversation(ctx context.Context, t tenant.ID, convID string, msg any) error
}

var _ Pusher = (*push.Sender)(nil)

// Store is the table access the consumer needs; *store.Store is one.
type Store interface {
	wallboard.Getter
	Put(ctx context.Context, t tenant.ID, k store.Key, v any, version int64, opts ...store.Option) (int64, error)
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
	stream.Idempotency
}

var _ Store = (*store.Store)(nil)

// FloorReader reads the floor (shared/floor) to seed a tenant's first board; *floor.Floor is one.
type FloorReader interface {
	Presences(ctx context.Context, t tenant.ID) ([]floor.Presence, error)
	Waiting(ctx context.Context, t tenant.ID) ([]floor.Contact, error)
	Contact(ctx context.Context, t tenant.ID, id string) (floor.Contact, int64, error)
}

var _ FloorReader = (*floor.Floor)(nil)

// Defaults of Config.
const (
	DefaultThrottle    = time.Second
	DefaultQueuesEvery = time.Minute
	DefaultAttempts    = 25
)

// Config tunes the consumer; zero fields take the defaults.
type Config struct {
	// Throttle is the least time between two wallboard pushes of a tenant (DefaultThrottle).
	Throttle time.Duration
	// QueuesEvery is how often a tenant's queue settings (names, service-level targets) are read
	// again into its board (DefaultQueuesEvery).
	QueuesEvery time.Duration
	// Attempts bounds the versioned writes of one day item for one event, each after a lost race
	// (DefaultAttempts).
	Attempts int
}

// Handler is the live consumer.
type Handler struct {
	db       Store
	push     Pusher
	floor    FloorReader
	log      *slog.Logger
	cfg      Config
	now      func() time.Time
	wait     func(ctx context.Context, d time.Duration) error
	consumer *stream.Consumer
}

// Option changes a Handler for tests.
type Option func(*Handler)

// WithClock makes the Handler read the time from now and wait (for the throttle, and between
// attempts) with wait instead of a timer.
func WithClock(now func() time.Time, wait func(ctx context.Context, d time.Duration) error) Option {
	return func(h *Handler) { h.now, h.wait = now, wait }
}

// WithFloor makes a tenant's first board (no earlier day to carry over) start from the floor
// as it stands instead of empty.
func WithFloor(f FloorReader) Option {
	return func(h *Handler) { h.floor = f }
}

// New returns the consumer over db pushing through p.
func New(db Store, p Pusher, cfg Config, log *slog.Logger, opts ...Option) *Handler {
	if cfg.Throttle <= 0 {
		cfg.Throttle = DefaultThrottle
	}
	if cfg.QueuesEvery <= 0 {
		cfg.QueuesEvery = DefaultQueuesEvery
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultAttempts
	}
	h := &Handler{db: db, push: p, log: log, cfg: cfg, now: time.Now, wait: sleep}
	for _, o := range opts {
		o(h)
	}
	h.consumer = stream.NewConsumer(ConsumerName, h.Event, deferredCompletion{db}, stream.WithLogger(log))
	return h
}

// Handle is the Lambda handler. The stream consumer (partial batch failures, per-subject order,
// claims) hands each event to Event, which only checks it and collects it; then each tenant's
// events are folded into its boards with one versioned write per board and day, what changed is
// pushed, and the claims are completed, or, for a tenant whose boards could not be written,
// released and its records reported for retry. Last, the wallboards the throttle held back are
// sent.
func (h *Handler) Handle(ctx context.Context, ev lambdaevents.KinesisEvent) (lambdaevents.KinesisEventResponse, error) {
	w := newWork()
	ctx = withWork(withHeld(ctx, &w.held), w)
	resp, err := h.consumer.Handle(ctx, ev)
	failed := map[tenant.ID]bool{}
	for _, t := range w.order {
		if err := h.safely(ctx, t, w.events[t]); err != nil {
			h.log.WarnContext(ctx, "live: a tenant's events failed, their records will be retried", "tenant", t.String(), "err", err)
			failed[t] = true
		}
	}
	resp.BatchItemFailures = append(resp.BatchItemFailures, h.settle(ctx, w, failed, ev)...)
	h.flush(ctx, &w.held)
	return resp, err
}

// Event takes one event from the stream consumer (a stream.Handler). Within Handle it checks and
// collects the event for the batch's end; called on its own, it processes the event at once.
func (h *Handler) Event(ctx context.Context, t tenant.ID, e events.Envelope) error {
	if e.Type != events.TypeChatMessage && !slices.Contains(wallboard.Types(), e.Type) {
		return nil
	}
	if err := wallboard.Check(e); err != nil {
		return stream.Permanent(err)
	}
	if e.Type == events.TypeChatMessage {
		if _, err := events.DataAs[events.ChatMessage](e); err != nil {
			return stream.Permanent(err)
		}
	}
	if w := workFrom(ctx); w != nil {
		w.add(t, e)
		return nil
	}
	return h.process(ctx, t, []events.Envelope{e})
}

// safely runs process, turning a panic into an error (the tenant's records are retried) rather
// than losing the batch.
func (h *Handler) safely(ctx context.Context, t tenant.ID, evs []events.Envelope) (err error) {
	defer func() {
		if r := recover(); r != nil {
			h.log.ErrorContext(ctx, "live: processing a tenant's events panicked", "tenant", t.String(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return h.process(ctx, t, evs)
}

// process folds t's events (in stream order) into the boards of their days, with one versioned
// write per board, then pushes: contact and agent updates, the figures (throttled), and chat
// messages. An error means no board was written for some day: the caller retries every event.
func (h *Handler) process(ctx context.Context, t tenant.ID, evs []events.Envelope) error {
	loc := wallboard.Location(t)
	today := wallboard.DayOf(h.now(), loc)
	byDay := map[string][]events.Envelope{}
	pos := map[string]int{} // event id → place in the stream, to push in that order
	var chats []events.Envelope
	for i, e := range evs {
		pos[e.ID] = i
		if e.Type == events.TypeChatMessage {
			chats = append(chats, e)
			continue
		}
		day := wallboard.DayOf(e.Time, loc)
		byDay[day] = append(byDay[day], e)
		if day < today {
			byDay[today] = append(byDay[today], e) // a late event moves today's floor too
		}
	}
	var notes []note
	var todays *wallboard.State
	var boards []wallboard.Board
	for _, day := range slices.Sorted(maps.Keys(byDay)) {
		r, err := h.writeDay(ctx, t, day, byDay[day], day >= today)
		if err != nil {
			return err
		}
		for _, n := range r.notes {
			if wallboard.DayOf(n.e.Time, loc) == day { // a late event's own day tells of it, not today's
				notes = append(notes, n)
			}
		}
		if day == today {
			todays = r.state
		}
		if r.pushNow {
			boards = append(boards, r.board)
		}
	}
	slices.SortStableFunc(notes, func(a, b note) int { return pos[a.e.ID] - pos[b.e.ID] })
	for _, n := range notes {
		h.notify(ctx, t, n.e, n.before, n.after)
	}
	for _, b := range boards {
		h.sendBoard(ctx, t, b)
	}
	if len(chats) > 0 && todays == nil {
		s, err := wallboard.Latest(ctx, h.db, t, today)
		if err != nil {
			h.log.WarnContext(ctx, "live: read the board for messages' agents failed", "tenant", t.String(), "err", err)
		}
		todays = s
	}
	for _, e := range chats {
		h.message(ctx, t, e, todays)
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
