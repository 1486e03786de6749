package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

// group is the events of one Commit that share a subject, in argument order, with their keys.
type group struct {
	subject
	evs  []events.Envelope
	keys []store.Key
}

// Commit applies ops and records evs in one transaction, then publishes the events of each subject
// that has nothing older waiting in the outbox. An error means nothing was written. A publish
// failure after the write is logged, not returned: the write was accepted and Relay will deliver
// the events.
//
// Per subject, Commit reads the newest record of the subject still waiting (before the
// transaction) and stamps its own records after it, so they sort after every event of the subject
// that an earlier Commit left, whatever the clocks of the instances say. After the transaction it
// reads the subject's oldest waiting record: only if that is its own does it publish the subject's
// events itself; otherwise it leaves them to the relay, which publishes a subject's records in key
// order. (Checking after the transaction, not before, also catches an older event that a
// concurrent Commit stored meanwhile, and lets this one publish at once if the older event went
// out meanwhile.) Each read is one strongly consistent Query of one item. Events of one subject
// in one call keep their argument order.
func (o *Outbox) Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error {
	if len(evs) == 0 {
		return o.store.Tx(ctx, ops...)
	}
	groups, err := o.plan(ctx, evs)
	if err != nil {
		return err
	}
	all := append([]store.Op(nil), ops...)
	for _, g := range groups {
		for i, ev := range g.evs {
			b, err := json.Marshal(ev)
			if err != nil {
				return fmt.Errorf("encode event %s: %w", ev.ID, err)
			}
			all = append(all, store.PlatformCreateOp(g.keys[i], record{Event: string(b)}))
		}
	}
	if err := o.store.Tx(ctx, all...); err != nil {
		return err
	}
	var (
		direct []events.Envelope
		keys   = make(map[string]store.Key) // event id -> record key, of direct
	)
	for _, g := range groups {
		mine, err := o.myTurn(ctx, g)
		if err != nil {
			o.log.WarnContext(ctx, "read the outbox after commit; the relay will publish", "events", len(g.evs), "err", err)
			continue
		}
		if !mine {
			continue // an older event of the subject is still waiting (or the relay took these already)
		}
		for i, ev := range g.evs {
			direct = append(direct, ev)
			keys[ev.ID] = g.keys[i]
		}
	}
	if len(direct) == 0 {
		return nil
	}
	failed, err := published(o.pub.Publish(ctx, direct...), direct)
	if err != nil {
		o.log.WarnContext(ctx, "publish after commit failed; the relay will retry", "events", len(direct), "failed", len(failed), "err", err)
	}
	for _, ev := range direct {
		if failed[ev.ID] {
			continue
		}
		if err := o.store.PlatformDelete(ctx, keys[ev.ID]); err != nil && !errors.Is(err, store.ErrNotFound) {
			o.log.WarnContext(ctx, "delete outbox record; the relay will publish the event again", "event_id", ev.ID, "err", err)
		}
	}
	return nil
}

// Waiting for an older record of the subject: a few reads, with pauses that double from
// turnPause.
const (
	turnReads = 5
	turnPause = 10 * time.Millisecond
)

// myTurn reports whether g's events may be published by this Commit: the subject's oldest waiting
// record is g's first. An older record is most often a concurrent Commit's (two turns of one
// conversation racing), published and deleted within milliseconds, so myTurn reads again a few
// times, about 150 ms in all, before it leaves g to the relay; when the stream is down the older
// record stays, and so do these. A first record newer than g's, or none, means the relay has taken
// g's already.
func (o *Outbox) myTurn(ctx context.Context, g *group) (bool, error) {
	pause := turnPause
	for read := 1; ; read++ {
		first, found, err := o.edge(ctx, g.subject, false)
		if err != nil {
			return false, err
		}
		if !found || first >= g.keys[0].ID || read == turnReads {
			return found && first == g.keys[0].ID, nil
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, nil
		case <-t.C:
		}
		pause *= 2
	}
}

// plan checks evs, groups them by subject and gives each its key.
func (o *Outbox) plan(ctx context.Context, evs []events.Envelope) ([]*group, error) {
	var (
		groups []*group
		of     = make(map[subject]*group)
	)
	for _, ev := range evs {
		// What the stream would refuse must not be stored: the relay could never publish it.
		if err := stream.Check(ev); err != nil {
			return nil, fmt.Errorf("event %s: %w", ev.ID, err)
		}
		s := subjectOf(ev)
		g := of[s]
		if g == nil {
			g = &group{subject: s}
			of[s] = g
			groups = append(groups, g)
		}
		g.evs = append(g.evs, ev)
	}
	now := o.now()
	for _, g := range groups {
		last, found, err := o.edge(ctx, g.subject, true)
		if err != nil {
			return nil, err
		}
		stamp := now
		if found {
			_, lastStamp, err := parseID(last)
			if err != nil {
				return nil, err
			}
			if !stamp.After(lastStamp) {
				stamp = lastStamp.Add(time.Nanosecond)
			}
		}
		for _, ev := range g.evs {
			g.keys = append(g.keys, g.key(stamp, ev))
			stamp = stamp.Add(time.Nanosecond)
		}
	}
	return groups, nil
}

// edge returns the id of the newest (or oldest) record of s waiting in the outbox, if any.
func (o *Outbox) edge(ctx context.Context, s subject, newest bool) (id string, found bool, err error) {
	res, err := o.store.PlatformQuery(ctx, s.kind, s.prefix, store.PageRequest{Limit: 1, Descending: newest})
	if err != nil {
		return "", false, fmt.Errorf("read outbox: %w", err)
	}
	if len(res.Items) == 0 {
		return "", false, nil
	}
	return res.Items[0].Key.ID, true, nil
}

// published interprets the error of publishing evs: it returns the ids of the events that were
// not written, and err again when there were any.
func published(err error, evs []events.Envelope) (map[string]bool, error) {
	if err == nil {
		return nil, nil
	}
	failed := make(map[string]bool)
	if perr, ok := errors.AsType[*stream.PublishError](err); ok {
		for _, f := range perr.Failed {
			failed[f.EventID] = true
		}
		return failed, err
	}
	for _, ev := range evs {
		failed[ev.ID] = true
	}
	return failed, err
}
