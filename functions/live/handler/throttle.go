package handler

import (
	"context"
	"errors"
	"sync"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// The wallboard push's rate: at most one push per tenant per Config.Throttle, and the last state
// always sent. The day item records when its figures were last pushed (PushedAt) and whether they
// changed since (Pending), so concurrent invocations (one per shard) share one throttle. A write
// the throttle holds back marks the item pending and joins the batch's held boards; when the batch
// is done, flush waits out each one's throttle, takes the push with a versioned write (unless
// another invocation has pushed since) and sends the figures as they are then. Should the
// invocation die first, the tenant's next event pushes.

// heldBoards are the boards a batch's writes held back. Safe for concurrent use.
type heldBoards struct {
	mu   sync.Mutex
	keys []heldKey
}

type heldKey struct {
	t   tenant.ID
	day string
}

func (hb *heldBoards) add(t tenant.ID, day string) {
	if hb == nil {
		return
	}
	hb.mu.Lock()
	defer hb.mu.Unlock()
	k := heldKey{t, day}
	for _, have := range hb.keys {
		if have == k {
			return
		}
	}
	hb.keys = append(hb.keys, k)
}

func (hb *heldBoards) list() []heldKey {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	return append([]heldKey(nil), hb.keys...)
}

type heldCtxKey struct{}

func withHeld(ctx context.Context, hb *heldBoards) context.Context {
	return context.WithValue(ctx, heldCtxKey{}, hb)
}

// heldFrom returns the batch's held boards; nil (add does nothing) outside Handle.
func heldFrom(ctx context.Context) *heldBoards {
	hb, _ := ctx.Value(heldCtxKey{}).(*heldBoards)
	return hb
}

// flush sends each held board once its throttle allows.
func (h *Handler) flush(ctx context.Context, hb *heldBoards) {
	for _, k := range hb.list() {
		h.flushOne(ctx, k.t, k.day)
	}
}

func (h *Handler) flushOne(ctx context.Context, t tenant.ID, day string) {
	log := h.log.With("tenant", t.String(), "day", day)
	for attempt := 1; attempt <= h.cfg.Attempts; attempt++ {
		s, it, ver, err := wallboard.Read(ctx, h.db, t, day)
		if err != nil {
			log.WarnContext(ctx, "live: read a held wallboard failed; the next event pushes it", "err", err)
			return
		}
		if !it.Pending {
			return // pushed by another write since
		}
		if d := it.PushedAt.Add(h.cfg.Throttle).Sub(h.now()); d > 0 {
			if err := h.wait(ctx, d); err != nil {
				log.WarnContext(ctx, "live: invocation ended before a held wallboard's turn; the next event pushes it", "err", err)
				return
			}
			continue // read again: the figures may have moved meanwhile
		}
		now := h.now()
		it.PushedAt, it.Pending = now, false
		_, err = h.db.Put(ctx, t, wallboard.Key(day), it, ver, store.WithTTL(now.Add(wallboard.Keep)))
		if err == nil {
			h.sendBoard(ctx, t, s.Board(now))
			return
		}
		if !errors.Is(err, store.ErrConflict) {
			log.WarnContext(ctx, "live: mark a held wallboard pushed failed; the next event pushes it", "err", err)
			return
		}
		if err := h.wait(ctx, jitter(attempt)); err != nil {
			return
		}
	}
	log.WarnContext(ctx, "live: a held wallboard lost every race; the next event pushes it")
}
