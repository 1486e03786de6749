package intervals

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Step is the length of a live counting interval.
const Step = 5 * time.Minute

// Counter names.
const (
	Offered       = "offered"
	BotHandled    = "bot_handled"
	HandedOff     = "handed_off"
	Answered      = "answered"
	Abandoned     = "abandoned"
	HandleSeconds = "handle_seconds"
)

// AllQueues is the series of every contact of a channel, bot ones included.
const AllQueues = "_all"

// MarkerTTL is how long a counted event's marker is kept: longer than the stream keeps a record
// (Kinesis: at most 7 days), so every redelivery finds it.
const MarkerTTL = 8 * 24 * time.Hour

// MaxQueueLen is the longest queue name a series takes (the events' limit).
const MaxQueueLen = 128

// Store kinds (doc.go).
const (
	kindLive   = "ivl"
	kindMarker = "ivlmark"
	kindRef    = "ivlref"
	kindHist   = "ivlhist"
	kindImport = "ivlimport"
	kindHead   = "ivlhead"
)

// countTries bounds the attempts of a Count whose transaction concurrent ones keep cancelling.
const countTries = 8

// Counters reads and writes a tenant's interval counters and history. It is safe for concurrent
// use.
type Counters struct {
	db  *store.Store
	now func() time.Time
	// firsts remembers the first counted slot of the series this process counted (refs.go).
	firsts *firstCache
	// beforeSwitch, when set, runs between an import's chunks and its head switch; an error fails
	// the import there. For tests.
	beforeSwitch func() error
}

// New returns Counters over db.
func New(db *store.Store) *Counters {
	return &Counters{db: db, now: time.Now, firsts: &firstCache{m: map[string]time.Time{}}}
}

// WithClock returns a copy of c that reads the time from now (which slots are in the future, the
// markers' TTL). For tests.
func (c *Counters) WithClock(now func() time.Time) *Counters {
	d := *c
	d.now = now
	d.db = c.db.WithClock(now)
	return &d
}

// Counter names in a fixed order.
var counterNames = []string{Offered, BotHandled, HandedOff, Answered, Abandoned, HandleSeconds}

// ValidCounter reports whether name is one of the counters.
func ValidCounter(name string) bool { return slices.Contains(counterNames, name) }

// checkSeries validates a series' queue and channel.
func checkSeries(queue string, ch events.Channel) error {
	if queue == "" || len(queue) > MaxQueueLen || strings.ContainsAny(queue, "|\x00") {
		return fmt.Errorf("%w: queue %q", ErrInvalid, queue)
	}
	if ch != events.ChannelChat && ch != events.ChannelVoice {
		return fmt.Errorf("%w: channel %q", ErrInvalid, ch)
	}
	return nil
}

// slotName is the attribute of the 5-minute (or history step) slot starting at t (UTC).
func slotName(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("s%02d%02d", t.Hour(), t.Minute())
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func liveKey(queue string, ch events.Channel, counter string, d string) store.Key {
	return store.Key{Kind: kindLive, ID: queue + "|" + string(ch) + "|" + counter + "|" + d}
}

func refKey(queue string, ch events.Channel) store.Key {
	return store.Key{Kind: kindRef, ID: queue + "|" + string(ch)}
}

// Count adds deltas to the 5-minute interval holding at, exactly once per (eventID, queue,
// channel): a redelivered event adds nothing. It is one DynamoDB transaction of the event's marker
// and the ADDs; a transaction cancelled by a concurrent one is tried again. Zero deltas are
// skipped; unknown counters, a bad queue or channel are ErrInvalid.
func (c *Counters) Count(ctx context.Context, t tenant.ID, eventID, queue string, ch events.Channel, at time.Time, deltas map[string]int64) error {
	if err := checkSeries(queue, ch); err != nil {
		return err
	}
	if eventID == "" || strings.ContainsRune(eventID, '|') || len(eventID) > 256 {
		return fmt.Errorf("%w: event id %q", ErrInvalid, eventID)
	}
	if at.IsZero() {
		return fmt.Errorf("%w: zero time", ErrInvalid)
	}
	for name := range deltas {
		if !ValidCounter(name) {
			return fmt.Errorf("%w: counter %q", ErrInvalid, name)
		}
	}
	start := at.Truncate(Step)
	slot, d := slotName(start), day(at)
	ops := []store.Op{store.CreateOp(t, store.Key{Kind: kindMarker, ID: eventID + "|" + queue + "|" + string(ch)},
		marker{At: at.UTC()}, store.WithTTL(c.now().Add(MarkerTTL)))}
	for _, name := range counterNames {
		if deltas[name] == 0 {
			continue
		}
		ops = append(ops, store.IncrOp(t, liveKey(queue, ch, name, d), map[string]int64{slot: deltas[name]}))
	}
	if len(ops) == 1 {
		return nil
	}
	// The ref is written before the counts (and only when this slot is earlier than the series'
	// recorded first), so no reader sees a count its series' first slot does not cover.
	if err := c.noteFirst(ctx, t, queue, ch, start); err != nil {
		return fmt.Errorf("count %s for %s: %w", eventID, t, err)
	}
	for try := 0; ; try++ {
		err := c.db.Tx(ctx, ops...)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, store.ErrTxConflict) && try+1 < countTries:
			wait := time.Duration(5<<try)*time.Millisecond + rand.N(10*time.Millisecond)
			select {
			case <-ctx.Done():
				return fmt.Errorf("count %s for %s: %w", eventID, t, context.Cause(ctx))
			case <-time.After(wait):
			}
		case errors.Is(err, store.ErrTxConflict):
			return fmt.Errorf("count %s for %s: %w", eventID, t, err)
		case errors.Is(err, store.ErrConflict):
			return nil // the marker exists: counted before
		default:
			return fmt.Errorf("count %s for %s: %w", eventID, t, err)
		}
	}
}

// marker is what a counted event leaves behind.
type marker struct {
	At time.Time `dynamodbav:"at"`
}
