// Package handler is the live function's stream consumer: it keeps each tenant's wallboard (one
// store item per tenant and day, shared/wallboard) and pushes what changes to the people and
// visitors connected over the WebSocket API (shared/push):
//
//   - "wallboard" (the figures) to supervisors and admins, at most once per tenant per second,
//     the last state always sent (throttle.go);
//   - "contact" updates to the agents concerned and supervisors, "agent" status changes to the
//     agent and supervisors (messages.go);
//   - "message" for chat.message to the contact's assigned agent and the conversation's visitors.
//
// Files: handler.go (wiring, event routing), board.go (the day item's versioned update),
// messages.go (what is pushed to whom), throttle.go (the wallboard push's rate).
package handler

import (
	"context"
	"errors"
	"log/slog"
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
	h.consumer = stream.NewConsumer(ConsumerName, h.Event, db, stream.WithLogger(log))
	return h
}

// Handle is the Lambda handler: it runs the batch through the stream consumer (partial batch
// failures), then sends the wallboards whose push the throttle held back.
func (h *Handler) Handle(ctx context.Context, ev lambdaevents.KinesisEvent) (lambdaevents.KinesisEventResponse, error) {
	held := &heldBoards{}
	resp, err := h.consumer.Handle(withHeld(ctx, held), ev)
	h.flush(ctx, held)
	return resp, err
}

// Event handles one event (a stream.Handler).
func (h *Handler) Event(ctx context.Context, t tenant.ID, e events.Envelope) error {
	switch {
	case e.Type == events.TypeChatMessage:
		return h.message(ctx, t, e)
	case slices.Contains(wallboard.Types(), e.Type):
		return h.fold(ctx, t, e)
	}
	return nil
}

// fold applies e to the tenant's board of e's day (and, for a late event of an earlier day, to
// today's board's live floor), then pushes what changed.
func (h *Handler) fold(ctx context.Context, t tenant.ID, e events.Envelope) error {
	loc := wallboard.Location(t)
	day, today := wallboard.DayOf(e.Time, loc), wallboard.DayOf(h.now(), loc)
	r, err := h.update(ctx, t, day, e, day >= today)
	if err != nil {
		if errors.Is(err, wallboard.ErrBadEvent) {
			return stream.Permanent(err)
		}
		return err
	}
	if !r.changed {
		return nil
	}
	pushNow := r.pushNow
	board := r.board
	if day < today {
		tr, err := h.update(ctx, t, today, e, true)
		if err != nil {
			return err
		}
		pushNow, board = tr.pushNow, tr.board
	}
	h.notify(ctx, t, e, r.before, r.after)
	if pushNow {
		h.sendBoard(ctx, t, board)
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
