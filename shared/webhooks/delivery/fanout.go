package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Endpoints lists t's endpoints.
func Endpoints(ctx context.Context, db interface {
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
}, t tenant.ID) ([]Endpoint, error) {
	var out []Endpoint
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		res, err := db.Query(ctx, t, KindEndpoint, "", page)
		if err != nil {
			return nil, fmt.Errorf("list webhook endpoints of %s: %w", t, err)
		}
		for _, rec := range res.Items {
			var e Endpoint
			if err := rec.Decode(&e); err != nil {
				return nil, fmt.Errorf("decode webhook endpoint %s: %w", rec.Key.ID, err)
			}
			out = append(out, e)
		}
		if res.Next == "" {
			return out, nil
		}
		page.Cursor = res.Next
	}
}

// Fanout is the stream consumer's handler (a stream.Handler): it queues e for every enabled
// endpoint of t subscribed to e's type. It only writes to the table and the queue. Called again
// for the same event it queues nothing twice.
func (s *Service) Fanout(ctx context.Context, t tenant.ID, e events.Envelope) error {
	eps, err := Endpoints(ctx, s.db, t)
	if err != nil {
		return err
	}
	var body []byte
	var errs []error
	for i := range eps {
		ep := &eps[i]
		if !ep.Enabled || !ep.Subscribed(e.Type) {
			continue
		}
		if body == nil {
			if body, err = json.Marshal(e); err != nil {
				return fmt.Errorf("encode event %s: %w", e.ID, err)
			}
		}
		if err := s.enqueue(ctx, t, ep.ID, e, body); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) enqueue(ctx context.Context, t tenant.ID, endpoint string, e events.Envelope, body []byte) error {
	now := s.now().UTC()
	d := Delivery{
		ID: e.ID, EndpointID: endpoint, EventType: e.Type, Subject: e.Subject, Status: StatusPending,
		QueuedAt: now, CreatedAt: now, Body: string(body),
	}
	head, err := s.join(ctx, t, d, 0)
	if errors.Is(err, errDeliveryChanged) {
		// Queued by an earlier call for this event: make sure its lane is moving.
		l, _, err := s.lane(ctx, t, endpoint, e.Subject)
		if err != nil || len(l.Queue) == 0 || l.Queue[0] != e.ID {
			return err
		}
		return s.sendFor(ctx, t, endpoint, e.Subject, e.ID)
	}
	if err != nil || !head {
		return err
	}
	return s.queue.Send(ctx, Message{Tenant: t.String(), Endpoint: endpoint, Subject: e.Subject, Delivery: e.ID}, 0)
}
