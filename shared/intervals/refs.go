package intervals

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// refItem is a series' ref item (doc.go): Refs lists it, and First is the start (UTC) of the
// earliest 5-minute slot ever counted in the series: live counts cover every slot from it on, and
// imported history every slot before it.
type refItem struct {
	First time.Time `dynamodbav:"first"`
}

// maxFirstCache bounds firstCache; when it is full it starts again empty.
const maxFirstCache = 4096

// firstCache remembers, per process, the recorded first slot of each series Count saw, so that a
// Count writes the series' ref item only when it counts a slot before that (the series' first
// count, or a late event), never on every count: the ref is not one hot item per series.
type firstCache struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (f *firstCache) get(k string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[k]
	return v, ok
}

func (f *firstCache) put(k string, v time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.m) >= maxFirstCache {
		clear(f.m)
	}
	f.m[k] = v
}

// noteFirst makes the series' ref item record slot as its first counted slot unless it records
// an earlier one: a conditional create, or a versioned put that only ever moves First earlier.
// It runs before the counting transaction: should that transaction then fail for good (the event
// goes to the failure destination), First stays at a slot that holds no count, and imported
// history between it and the previous First reads as live zeros. That needs a late event of a
// series with history after its first count and a permanent failure; replaying the event from
// the failure destination fills the slot.
func (c *Counters) noteFirst(ctx context.Context, t tenant.ID, queue string, ch events.Channel, slot time.Time) error {
	slot = slot.UTC()
	ck := t.String() + "|" + queue + "|" + string(ch)
	if f, ok := c.firsts.get(ck); ok && !slot.Before(f) {
		return nil
	}
	k := refKey(queue, ch)
	for range countTries {
		var r refItem
		ver, err := c.db.Get(ctx, t, k, &r)
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = c.db.Create(ctx, t, k, refItem{First: slot})
		case err != nil:
			return fmt.Errorf("read the series ref %s: %w", k, err)
		case !r.First.IsZero() && !slot.Before(r.First):
			c.firsts.put(ck, r.First)
			return nil
		default:
			_, err = c.db.Put(ctx, t, k, refItem{First: slot}, ver)
		}
		if err == nil {
			c.firsts.put(ck, slot)
			return nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("write the series ref %s: %w", k, err)
		}
	}
	return fmt.Errorf("write the series ref %s: %w: concurrent writers kept changing it", k, store.ErrConflict)
}

// liveSince is the series' first counted slot (refItem.First); zero if it was never counted.
func (c *Counters) liveSince(ctx context.Context, t tenant.ID, queue string, ch events.Channel) (time.Time, error) {
	var r refItem
	_, err := c.db.Get(ctx, t, refKey(queue, ch), &r)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read the series ref %s of %s: %w", refKey(queue, ch), t, err)
	}
	return r.First.UTC(), nil
}
