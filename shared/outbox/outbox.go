// Package outbox makes "write the item and emit its event" one decision, and keeps each subject's
// events in commit order on the stream even when publishing fails.
//
// Commit writes the store operations and an outbox record per event in one DynamoDB transaction,
// then publishes the events itself when nothing older of their subject is waiting, and deletes
// their records. Whatever it does not publish (the stream failed, an older event of the subject is
// still waiting, the function died) stays in the outbox, and Relay, run on a schedule, publishes
// it subject by subject in commit order. docs/events.md states what is guaranteed and why.
//
// Files:
//   - outbox.go: the Outbox, the interfaces it needs, the stored record.
//   - key.go: where records live: Shards partitions, keys that sort by subject, then commit order.
//   - commit.go: Commit.
//   - relay.go: Relay.
//   - legacy.go: moving records of the unsharded outbox an older build wrote into the shards.
package outbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
)

// Publisher sends events to the stream, keeping the order of the events of one partition key and
// not writing an event after an earlier one of its key failed (stream.Publisher's default). An
// error that is a *stream.PublishError names the events not written; any other error means none
// was.
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
	page  int32 // records Relay reads, and publishes in one call, at a time
}

// New returns an outbox over s that publishes with p.
func New(s Store, p Publisher, log *slog.Logger) *Outbox {
	return &Outbox{store: s, pub: p, log: log, now: time.Now, page: relayPage}
}
