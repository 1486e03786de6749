package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// A tenant's share of the sender. The deliver function runs at most 20 at once (its queue's
// MaximumConcurrency), each invocation a batch of attempts; without a share, one tenant whose
// endpoints are slow could fill them all and make every other tenant wait. So an attempt first
// takes one of its tenant's slots — a lease in the tenant's slot set (store.TakeLease), at most
// plan.WebhookConcurrency at once — and gives it back when it is done. An attempt that finds its
// tenant's slots all held puts its message back with a short delay and returns at once, freeing
// the invocation for other tenants' messages. A lease ends on its own after SlotLease, so a
// worker that crashed mid-attempt holds a slot only that long.

// KindSlots is the store kind of a tenant's slot set (one item, id "deliver").
const KindSlots = "webhook.slots"

// slotsKey is the tenant's slot set.
var slotsKey = store.Key{Kind: KindSlots, ID: "deliver"}

// Slots is the table access a tenant's share needs; *store.Store is one.
type Slots interface {
	TakeLease(ctx context.Context, t tenant.ID, k store.Key, holder string, limit int, d time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, t tenant.ID, k store.Key, holder string) error
}

var _ Slots = (*store.Store)(nil)

// Defaults of the share.
const (
	// DefaultSlotLease outlasts any attempt: the egress client gives up after 15 s, and the
	// function's timeout is 60 s.
	DefaultSlotLease = 90 * time.Second
	// DefaultBusyDelay is how long a message whose tenant had no free slot waits before it is
	// tried again (drawn from [d/2, d]).
	DefaultBusyDelay = 2 * time.Second
	// MaxBusyDelay bounds the wait of a message put back many times: a tenant with a large
	// backlog behind slow endpoints cycles its messages through the queue at most this often.
	MaxBusyDelay = time.Minute
)

// slot takes one of t's slots for an attempt. It returns a release func when it got one, nil when
// t's slots are all held.
func (s *Service) slot(ctx context.Context, t tenant.ID) (func(), error) {
	p, _, err := plan.Load(ctx, s.db, t)
	if err != nil {
		return nil, err
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	holder := hex.EncodeToString(b[:])
	ok, err := s.slots.TakeLease(ctx, t, slotsKey, holder, int(p.WebhookConcurrency), s.cfg.SlotLease)
	if err != nil || !ok {
		return nil, err
	}
	return func() {
		// Released whatever became of the attempt's context; a failure leaves the lease to end.
		if err := s.slots.ReleaseLease(context.WithoutCancel(ctx), t, slotsKey, holder); err != nil {
			s.log.WarnContext(ctx, "webhook slot not released; it ends with its lease", "tenant", t.String(), "err", err)
		}
	}, nil
}

// busyDelay is the wait of a message put back for want of a slot for the busy-th time (from 1):
// BusyDelay, doubling each time up to MaxBusyDelay, drawn from [d/2, d].
func (c Config) busyDelay(busy int, r func(n int64) int64) time.Duration {
	d := c.BusyDelay
	for i := 1; i < busy && d < MaxBusyDelay; i++ {
		d *= 2
	}
	d = min(d, max(MaxBusyDelay, c.BusyDelay))
	half := d / 2
	return half + time.Duration(r(int64(d-half)+1))
}
