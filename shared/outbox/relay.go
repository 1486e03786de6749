package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

const (
	// relayWorkers is how many shards Relay reads and publishes at once.
	relayWorkers = 4
	// relayPage is how many records Relay reads, and publishes in one Publish call, at a time.
	relayPage int32 = 500
)

// Relay publishes the events waiting in the outbox and deletes their records, every shard (up to
// relayWorkers at once), and returns how many it delivered. Within a subject it goes in key
// order, which is commit order, and stops at the subject's first record that fails, so nothing of
// a subject is published while an older event of it is still waiting. It leaves a subject alone
// when its oldest record is younger than grace: that record's Commit may be publishing it right
// now. Younger records behind one it has just published are fair game, since their Commits found
// that one waiting and left them. A record whose event cannot be decoded is logged and kept for a
// person to look at; it holds nothing back, as it can never be published. First it moves what
// an older build left in the unsharded outbox into the shards.
//
// The error joins the failures of the shards; the other shards' deliveries count.
func (o *Outbox) Relay(ctx context.Context, grace time.Duration) (int, error) {
	cutoff := o.now().Add(-grace)
	var (
		delivered atomic.Int64
		mu        sync.Mutex
		errs      []error
		wg        sync.WaitGroup
		shards    = make(chan int)
	)
	if err := o.moveLegacy(ctx, cutoff); err != nil {
		errs = append(errs, err)
	}
	for range min(relayWorkers, Shards) {
		wg.Go(func() {
			for n := range shards {
				d, err := o.relayShard(ctx, ShardKind(n), cutoff)
				delivered.Add(int64(d))
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("relay %s: %w", ShardKind(n), err))
					mu.Unlock()
				}
			}
		})
	}
	for n := range Shards {
		shards <- n
	}
	close(shards)
	wg.Wait()
	return int(delivered.Load()), errors.Join(errs...)
}

// progress is how far one run of the relay got with a subject.
type progress struct {
	started bool // one of its records was published, or is in the batch being published
	stopped bool // one failed, or is too young: leave the rest for another run
}

// pending is one record on its way to the stream.
type pending struct {
	key    store.Key
	prefix string
	ev     events.Envelope
}

// relayShard relays the records of one shard, page by page, one Publish call per page.
func (o *Outbox) relayShard(ctx context.Context, kind string, cutoff time.Time) (int, error) {
	subjects := make(map[string]*progress)
	delivered := 0
	page := store.PageRequest{Limit: o.page}
	for {
		res, err := o.store.PlatformQuery(ctx, kind, "", page)
		if err != nil {
			return delivered, fmt.Errorf("read outbox: %w", err)
		}
		batch := o.take(ctx, res.Items, subjects, cutoff)
		if len(batch) > 0 {
			evs := make([]events.Envelope, len(batch))
			for i, p := range batch {
				evs[i] = p.ev
			}
			pubErr := o.pub.Publish(ctx, evs...)
			failed, _ := published(pubErr, evs)
			for _, p := range batch {
				if failed[p.ev.ID] {
					subjects[p.prefix].stopped = true
					continue
				}
				if err := o.store.PlatformDelete(ctx, p.key); err != nil && !errors.Is(err, store.ErrNotFound) {
					o.log.WarnContext(ctx, "delete relayed outbox record; it will be published again", "record", p.key.ID, "err", err)
				}
				delivered++
			}
			if pubErr != nil && !partial(pubErr) {
				return delivered, fmt.Errorf("publish: %w", pubErr) // the stream is unreachable: stop
			}
			if pubErr != nil {
				o.log.WarnContext(ctx, "relay: some events were not published; their subjects wait for the next run", "failed", len(failed), "err", pubErr)
			}
		}
		if res.Next == "" {
			return delivered, nil
		}
		page.Cursor = res.Next
	}
}

// take picks the records of items to publish now, in key order, and updates subjects.
func (o *Outbox) take(ctx context.Context, items []store.Record, subjects map[string]*progress, cutoff time.Time) []pending {
	var batch []pending
	for _, rec := range items {
		prefix, stamp, err := parseID(rec.Key.ID)
		if err != nil {
			o.log.ErrorContext(ctx, "outbox holds a record it did not write", "kind", rec.Key.Kind, "err", err)
			continue
		}
		sp := subjects[prefix]
		if sp == nil {
			sp = &progress{}
			subjects[prefix] = sp
		}
		if sp.stopped {
			continue
		}
		if !sp.started && stamp.After(cutoff) {
			sp.stopped = true // its Commit may still be publishing it
			continue
		}
		var r record
		if err := rec.Decode(&r); err != nil {
			o.log.ErrorContext(ctx, "outbox record does not decode; kept", "record", rec.Key.ID, "err", err)
			continue
		}
		ev, err := events.Decode([]byte(r.Event))
		if err == nil {
			err = stream.Check(ev)
		}
		if err != nil {
			// Commit checks events before it stores them, so this is a record of another build.
			o.log.ErrorContext(ctx, "outbox record holds an event the stream would refuse; kept", "record", rec.Key.ID, "err", err)
			continue
		}
		sp.started = true
		batch = append(batch, pending{key: rec.Key, prefix: prefix, ev: ev})
	}
	return batch
}

// partial reports whether a Publish error left the stream reachable: records failed one by one
// (throttled, say), not the call itself.
func partial(err error) bool {
	perr, ok := errors.AsType[*stream.PublishError](err)
	return ok && perr.Err == nil
}
