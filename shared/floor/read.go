package floor

import (
	"context"
	"fmt"
	"strings"

	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Queue returns queue id and its version.
func (f *Floor) Queue(ctx context.Context, t tenant.ID, id string) (Queue, int64, error) {
	var q Queue
	v, err := f.db.Get(ctx, t, QueueKey(id), &q)
	if err != nil {
		return Queue{}, 0, fmt.Errorf("read queue %s: %w", id, err)
	}
	return q, v, nil
}

// Queues returns the tenant's queues in id order.
func (f *Floor) Queues(ctx context.Context, t tenant.ID) ([]Queue, error) {
	qs, _, err := store.QueryAll[Queue](ctx, f.db, t, KindQueue, "", -1)
	if err != nil {
		return nil, fmt.Errorf("read queues: %w", err)
	}
	return qs, nil
}

// Contact returns contact id and its version.
func (f *Floor) Contact(ctx context.Context, t tenant.ID, id string) (Contact, int64, error) {
	var c Contact
	v, err := f.db.Get(ctx, t, ContactKey(id), &c)
	if err != nil {
		return Contact{}, 0, fmt.Errorf("read contact %s: %w", id, err)
	}
	return c, v, nil
}

// Waiting returns the queued contacts in id order, without their transcripts and decisions (read
// Contact for those): one Query.
func (f *Floor) Waiting(ctx context.Context, t tenant.ID) ([]Contact, error) {
	cs, _, err := store.QueryAll[Contact](ctx, f.db, t, KindContactWaiting, "", -1)
	if err != nil {
		return nil, fmt.Errorf("read waiting contacts: %w", err)
	}
	return cs, nil
}

// OpenFor returns the contacts offered or assigned to agentID or in wrap-up with them.
func (f *Floor) OpenFor(ctx context.Context, t tenant.ID, agentID string) ([]Contact, error) {
	var out []Contact
	for rec, err := range store.Records(ctx, f.db, t, KindContactOpen, agentID+"#", store.PageRequest{Limit: store.MaxLimit}) {
		if err != nil {
			return nil, fmt.Errorf("read open contacts of %s: %w", agentID, err)
		}
		id := strings.TrimPrefix(rec.Key.ID, agentID+"#")
		c, _, err := f.Contact(ctx, t, id)
		if err != nil {
			return nil, err
		}
		if c.State.open() && (c.AgentID == agentID || c.Offer != nil && c.Offer.AgentID == agentID) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Presences returns every agent's presence in user id order.
func (f *Floor) Presences(ctx context.Context, t tenant.ID) ([]Presence, error) {
	ps, _, err := store.QueryAll[Presence](ctx, f.db, t, KindAgent, "", -1)
	if err != nil {
		return nil, fmt.Errorf("read presences: %w", err)
	}
	return ps, nil
}

// Presence returns user id's presence and its version.
func (f *Floor) Presence(ctx context.Context, t tenant.ID, userID string) (Presence, int64, error) {
	var p Presence
	v, err := f.db.Get(ctx, t, PresenceKey(userID), &p)
	if err != nil {
		return Presence{}, 0, fmt.Errorf("read presence %s: %w", userID, err)
	}
	return p, v, nil
}

// Snapshot reads what routing.Decide needs: the queues (Name = queue id), the waiting contacts
// and the agents. Three Queries; each is consistent on its own, not with the others, which Offer's
// conditions make harmless. QueueMap turns the queues into Decide's map.
func (f *Floor) Snapshot(ctx context.Context, t tenant.ID) ([]routing.Queue, []routing.Contact, []routing.Agent, error) {
	qs, err := f.Queues(ctx, t)
	if err != nil {
		return nil, nil, nil, err
	}
	cs, err := f.Waiting(ctx, t)
	if err != nil {
		return nil, nil, nil, err
	}
	ps, err := f.Presences(ctx, t)
	if err != nil {
		return nil, nil, nil, err
	}
	rq := make([]routing.Queue, 0, len(qs))
	for _, q := range qs {
		rq = append(rq, q.Routing())
	}
	rc := make([]routing.Contact, 0, len(cs))
	for _, c := range cs {
		rc = append(rc, c.Routing())
	}
	ra := make([]routing.Agent, 0, len(ps))
	for _, p := range ps {
		ra = append(ra, p.Routing()) // offline agents too: they tell "no one skilled" from "no one available"
	}
	return rq, rc, ra, nil
}

// QueueMap keys queues by Name (the queue id, as Snapshot returns them) for routing.Decide.
func QueueMap(qs []routing.Queue) map[string]routing.Queue {
	m := make(map[string]routing.Queue, len(qs))
	for _, q := range qs {
		m[q.Name] = q
	}
	return m
}
