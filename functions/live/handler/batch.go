package handler

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// A batch's work: the stream consumer hands each event over (Event collects it), and the events'
// claims are completed only once their tenant's boards are written, so that an event whose board
// write failed is neither lost nor applied twice: its claim is released and its record reported,
// and the redelivery applies it (the board remembers the ids it applied, for the case where the
// write did happen).

// work is one batch's events, per tenant in stream order, and the completions held back.
// Safe for concurrent use.
type work struct {
	mu          sync.Mutex
	order       []tenant.ID
	events      map[tenant.ID][]events.Envelope
	completions []completion
	claimed     map[string]bool // consumer ids claimed in this batch
	held        heldBoards
}

type completion struct {
	t    tenant.ID
	id   string // the consumer's id: ConsumerName + ":" + event id
	keep time.Duration
}

func newWork() *work {
	return &work{events: map[tenant.ID][]events.Envelope{}, claimed: map[string]bool{}}
}

// claimedAlready reports whether id was claimed earlier in the batch, noting it otherwise.
func (w *work) claimedAlready(t tenant.ID, id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := t.String() + "/" + id
	if w.claimed[k] {
		return true
	}
	w.claimed[k] = true
	return false
}

func (w *work) add(t tenant.ID, e events.Envelope) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.events[t]; !ok {
		w.order = append(w.order, t)
	}
	w.events[t] = append(w.events[t], e)
}

func (w *work) complete(c completion) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.completions = append(w.completions, c)
}

type workCtxKey struct{}

func withWork(ctx context.Context, w *work) context.Context {
	return context.WithValue(ctx, workCtxKey{}, w)
}

func workFrom(ctx context.Context) *work {
	w, _ := ctx.Value(workCtxKey{}).(*work)
	return w
}

// deferredCompletion is the stream consumer's idempotency: the store's, except that within a
// batch (Handle) Complete is held back until the batch's boards are written (settle). The
// consumer calls Complete with a context derived from the batch's, which carries the work.
type deferredCompletion struct{ stream.Idempotency }

// Claim skips a record whose event the batch holds already (a producer's retry wrote it twice):
// its claim is this batch's own, not yet completed.
func (d deferredCompletion) Claim(ctx context.Context, t tenant.ID, eventID string, lease time.Duration) (bool, error) {
	if w := workFrom(ctx); w != nil && w.claimedAlready(t, eventID) {
		return false, nil
	}
	return d.Idempotency.Claim(ctx, t, eventID, lease)
}

func (d deferredCompletion) Complete(ctx context.Context, t tenant.ID, eventID string, keep time.Duration) error {
	if w := workFrom(ctx); w != nil {
		w.complete(completion{t: t, id: eventID, keep: keep})
		return nil
	}
	return d.Idempotency.Complete(ctx, t, eventID, keep)
}

// cleanupTimeout bounds settling the claims, which runs even when the invocation's context is
// done.
const cleanupTimeout = 5 * time.Second

// settle completes the held-back claims of the tenants whose events were processed, and releases
// those of the failed tenants, returning their records as failures (by sequence number).
func (h *Handler) settle(ctx context.Context, w *work, failed map[tenant.ID]bool, ev lambdaevents.KinesisEvent) []lambdaevents.KinesisBatchItemFailure {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	retry := map[string]bool{}
	for _, c := range w.completions {
		if failed[c.t] {
			if err := h.db.Release(cctx, c.t, c.id); err != nil {
				h.log.ErrorContext(ctx, "live: release a claim failed; the event waits for its lease to end", "tenant", c.t.String(), "event_id", c.id, "err", err)
			}
			retry[strings.TrimPrefix(c.id, ConsumerName+":")] = true
			continue
		}
		if err := h.db.Complete(cctx, c.t, c.id, c.keep); err != nil {
			h.log.ErrorContext(ctx, "live: event handled but not marked complete", "tenant", c.t.String(), "event_id", c.id, "err", err)
		}
	}
	if len(retry) == 0 {
		return nil
	}
	var out []lambdaevents.KinesisBatchItemFailure
	for _, rec := range ev.Records {
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(rec.Kinesis.Data, &head) == nil && retry[head.ID] {
			out = append(out, lambdaevents.KinesisBatchItemFailure{ItemIdentifier: rec.Kinesis.SequenceNumber})
		}
	}
	return out
}
