package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
)

// legacyKind is where the outbox kept every record before it had shards: one partition, "P#outbox",
// ids "<event time>#<event id>". Relay moves what is left there into the shards, keeping the event
// time as the stamp, so records an older build committed are neither stranded nor put behind newer
// events of their subject that wait too.
const legacyKind = "outbox"

// moveLegacy moves the legacy records older than cutoff into their shards.
func (o *Outbox) moveLegacy(ctx context.Context, cutoff time.Time) error {
	for rec, err := range store.PlatformRecords(ctx, o.store, legacyKind, "", store.PageRequest{Limit: o.page}) {
		if err != nil {
			return fmt.Errorf("read legacy outbox: %w", err)
		}
		at, _, _ := strings.Cut(rec.Key.ID, "#")
		stamp, err := time.Parse(stampLayout, at)
		if err != nil {
			o.log.ErrorContext(ctx, "legacy outbox record with a malformed id; kept", "record", rec.Key.ID, "err", err)
			continue
		}
		if stamp.After(cutoff) {
			return nil // ids sort by time: the rest are newer, and their Commit may be publishing them
		}
		var r record
		if err := rec.Decode(&r); err != nil {
			o.log.ErrorContext(ctx, "legacy outbox record does not decode; kept", "record", rec.Key.ID, "err", err)
			continue
		}
		ev, err := events.Decode([]byte(r.Event))
		if err != nil {
			o.log.ErrorContext(ctx, "legacy outbox record holds an invalid event; kept", "record", rec.Key.ID, "err", err)
			continue
		}
		err = o.store.Tx(ctx, store.PlatformCreateOp(subjectOf(ev).key(stamp, ev), r), store.PlatformDeleteOp(rec.Key))
		if err != nil && !errors.Is(err, store.ErrConflict) { // a conflict: another run moved it
			return fmt.Errorf("move legacy outbox record %s: %w", rec.Key.ID, err)
		}
	}
	return nil
}
