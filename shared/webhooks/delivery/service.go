package delivery

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Store is the table access deliveries need; *store.Store is one.
type Store interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	Put(ctx context.Context, t tenant.ID, k store.Key, v any, version int64, opts ...store.Option) (int64, error)
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
	Tx(ctx context.Context, ops ...store.Op) error
}

var _ Store = (*store.Store)(nil)

// Service fans events out into deliveries and sends them.
type Service struct {
	db     Store
	slots  Slots
	queue  Queue
	client *http.Client
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	rand   func(n int64) int64
}

// Option changes a Service.
type Option func(*Service)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithSlots sets where tenants' slots are kept (by default the Store, when it is also Slots, as
// *store.Store is); without any, attempts take no slots.
func WithSlots(sl Slots) Option { return func(s *Service) { s.slots = sl } }

// WithHTTPClient sets the client deliveries go out with (the egress client of the function's
// policy: egress.NewClient); without it the Service cannot send (fan-out and replay only).
func WithHTTPClient(c *http.Client) Option { return func(s *Service) { s.client = c } }

// New returns a Service.
func New(db Store, q Queue, cfg Config, log *slog.Logger, opts ...Option) *Service {
	s := &Service{db: db, queue: q, cfg: cfg.withDefaults(), log: log, now: time.Now, rand: rand.Int64N}
	if sl, ok := db.(Slots); ok {
		s.slots = sl
	}
	for _, o := range opts {
		o(s)
	}
	return s
}
