// Package handler is the dispatch function's stream consumer. Today it provisions what a new
// tenant needs to route contacts — its default queue — when it sees tenant.created; routing
// decisions and real-time strategies arrive with the dispatch issues.
package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// DefaultQueue is the queue every tenant starts with; contacts whose intent maps to no queue go here.
const DefaultQueue = botconfig.DefaultQueue

// KindQueue is the store kind of queue definitions (shared/floor owns them).
const KindQueue = floor.KindQueue

// Queue is a skills-based queue definition (shared/floor's).
type Queue = floor.Queue

// Store is the table access dispatch needs.
type Store interface {
	Create(ctx context.Context, t tenant.ID, k store.Key, v any, opts ...store.Option) error
}

// Handler consumes events.
type Handler struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// New returns a handler over s.
func New(s Store, log *slog.Logger) *Handler { return &Handler{store: s, log: log, now: time.Now} }

// Handle processes one event. It is idempotent: a replay changes nothing.
func (h *Handler) Handle(ctx context.Context, t tenant.ID, e events.Envelope) error {
	switch e.Type {
	case events.TypeTenantCreated:
		q := floor.NewDefaultQueue(h.now().UTC())
		err := h.store.Create(ctx, t, store.Key{Kind: KindQueue, ID: q.ID}, q)
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("create default queue for %s: %w", t, err)
		}
		h.log.InfoContext(ctx, "tenant provisioned", "tenant", t.String(), "event_id", e.ID, "queue", q.ID)
	}
	return nil
}
