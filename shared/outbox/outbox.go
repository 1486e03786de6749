// Package outbox makes "write the item and emit its event" one decision. Commit writes the store
// operations and an outbox record per event in one DynamoDB transaction, then publishes the events
// and deletes their records. If publishing fails the write still stands: Relay, run on a schedule,
// publishes whatever the outbox still holds. Consumers are idempotent by event id, so an event
// published twice (published, then relayed before its record was deleted) changes nothing.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
)

// Kind is the platform item kind of outbox records. IDs sort by event time.
const Kind = "outbox"

// Publisher sends events to the stream.
type Publisher interface {
	Publish(ctx context.Context, evs ...events.Envelope) error
}

// Store is the table access the outbox needs.
type Store interface {
	Tx(ctx context.Context, ops ...store.Op) error
	PlatformDelete(ctx context.Context, k store.Key) error
	PlatformQuery(ctx context.Context, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
}

var _ Store = (*store.Store)(nil)

// record is what the outbox keeps per event.
type record struct {
	Event string `dynamodbav:"event"` // the envelope as JSON
}

// Outbox commits writes with their events.
type Outbox struct {
	store Store
	pub   Publisher
	log   *slog.Logger
	now   func() time.Time
}

// New returns an outbox over s that publishes with p.
func New(s Store, p Publisher, log *slog.Logger) *Outbox {
	return &Outbox{store: s, pub: p, log: log, now: time.Now}
}

func keyOf(ev events.Envelope) store.Key {
	return store.Key{Kind: Kind, ID: ev.Time.UTC().Format("20060102T150405.000000000Z") + "#" + ev.ID}
}

// Commit applies ops and records evs in one transaction, then publishes evs. An error means
// nothing was written. A publish failure after the write is logged, not returned: the write was
// accepted and Relay will deliver the events.
func (o *Outbox) Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error {
	all := append([]store.Op(nil), ops...)
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode event %s: %w", ev.ID, err)
		}
		all = append(all, store.PlatformCreateOp(keyOf(ev), record{Event: string(b)}))
	}
	if err := o.store.Tx(ctx, all...); err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	if err := o.pub.Publish(ctx, evs...); err != nil {
		o.log.WarnContext(ctx, "publish after commit failed; the relay will retry", "events", len(evs), "err", err)
		return nil
	}
	for _, ev := range evs {
		if err := o.store.PlatformDelete(ctx, keyOf(ev)); err != nil {
			o.log.WarnContext(ctx, "delete outbox record", "event_id", ev.ID, "err", err)
		}
	}
	return nil
}

// Relay publishes the events whose records are older than grace (so it does not race a Commit
// that is still publishing) and deletes their records. It returns how many it delivered.
func (o *Outbox) Relay(ctx context.Context, grace time.Duration) (int, error) {
	cutoff := o.now().Add(-grace).UTC().Format("20060102T150405.000000000Z")
	delivered := 0
	page := store.PageRequest{Limit: 100}
	for {
		res, err := o.store.PlatformQuery(ctx, Kind, "", page)
		if err != nil {
			return delivered, fmt.Errorf("read outbox: %w", err)
		}
		for _, rec := range res.Items {
			if rec.Key.ID > cutoff {
				return delivered, nil // ids sort by time: the rest are newer
			}
			var r record
			if err := rec.Decode(&r); err != nil {
				return delivered, fmt.Errorf("decode outbox record %s: %w", rec.Key.ID, err)
			}
			ev, err := events.Decode([]byte(r.Event))
			if err != nil {
				// Cannot happen for records Commit wrote; keep it for a person to look at.
				o.log.ErrorContext(ctx, "outbox record holds an invalid event", "record", rec.Key.ID, "err", err)
				continue
			}
			if err := o.pub.Publish(ctx, ev); err != nil {
				return delivered, fmt.Errorf("relay event %s: %w", ev.ID, err)
			}
			if err := o.store.PlatformDelete(ctx, rec.Key); err != nil {
				return delivered, fmt.Errorf("delete outbox record %s: %w", rec.Key.ID, err)
			}
			delivered++
		}
		if res.Next == "" {
			return delivered, nil
		}
		page.Cursor = res.Next
	}
}
