package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// maxTries bounds the optimistic retries of one lane change.
const maxTries = 8

func (s *Service) lane(ctx context.Context, t tenant.ID, endpoint, subject string) (lane, int64, error) {
	var l lane
	ver, err := s.db.Get(ctx, t, laneKey(endpoint, subject), &l)
	if errors.Is(err, store.ErrNotFound) {
		return lane{}, 0, nil
	}
	if err != nil {
		return lane{}, 0, fmt.Errorf("get lane %s/%s: %w", endpoint, subject, err)
	}
	return l, ver, nil
}

// laneOp writes l at ver, deleting the lane when it is empty.
func laneOp(t tenant.ID, endpoint, subject string, l lane, ver int64) store.Op {
	if len(l.Queue) == 0 {
		return store.DeleteOp(t, laneKey(endpoint, subject), ver)
	}
	return store.PutOp(t, laneKey(endpoint, subject), l, ver)
}

// join writes d (created, or put at dver when dver > 0) and appends it to its lane in one
// transaction, unless the lane has it already. It reports whether d is now the lane's head.
func (s *Service) join(ctx context.Context, t tenant.ID, d Delivery, dver int64) (bool, error) {
	k := DeliveryKey(d.EndpointID, d.ID)
	for range maxTries {
		l, ver, err := s.lane(ctx, t, d.EndpointID, d.Subject)
		if err != nil {
			return false, err
		}
		put := store.CreateOp(t, k, d, store.WithTTL(s.now().Add(s.cfg.Keep)))
		if dver > 0 {
			put = store.PutOp(t, k, d, dver, store.WithTTL(s.now().Add(s.cfg.Keep)))
		}
		l.Queue = append(l.Queue, d.ID)
		err = s.db.Tx(ctx, put, laneOp(t, d.EndpointID, d.Subject, l, ver))
		if errors.Is(err, store.ErrConflict) {
			var cur Delivery
			v, gerr := s.db.Get(ctx, t, k, &cur)
			if gerr == nil && v != dver {
				return false, errDeliveryChanged // someone else wrote the delivery
			}
			continue // the lane moved; try again
		}
		if err != nil {
			return false, fmt.Errorf("queue delivery %s: %w", k, err)
		}
		return len(l.Queue) == 1, nil
	}
	return false, fmt.Errorf("queue delivery %s: lane kept changing", k)
}

var errDeliveryChanged = errors.New("delivery changed meanwhile")

// advance takes delivery id off the head of its lane (if it is there) and sends for the next one.
func (s *Service) advance(ctx context.Context, t tenant.ID, endpoint, subject, id string) error {
	for range maxTries {
		l, ver, err := s.lane(ctx, t, endpoint, subject)
		if err != nil {
			return err
		}
		if len(l.Queue) == 0 {
			return nil
		}
		if l.Queue[0] == id {
			l.Queue = l.Queue[1:]
			if err := s.db.Tx(ctx, laneOp(t, endpoint, subject, l, ver)); errors.Is(err, store.ErrConflict) {
				continue
			} else if err != nil {
				return fmt.Errorf("advance lane %s/%s: %w", endpoint, subject, err)
			}
		}
		if len(l.Queue) == 0 {
			return nil
		}
		return s.sendFor(ctx, t, endpoint, subject, l.Queue[0])
	}
	return fmt.Errorf("advance lane %s/%s: lane kept changing", endpoint, subject)
}

// sendFor sends the message of delivery id's next attempt, delayed until it is due.
func (s *Service) sendFor(ctx context.Context, t tenant.ID, endpoint, subject, id string) error {
	var d Delivery
	_, err := s.db.Get(ctx, t, DeliveryKey(endpoint, id), &d)
	if errors.Is(err, store.ErrNotFound) {
		// Its record expired (Keep) while it waited; the next attempt of it drops it from the lane.
		return s.queue.Send(ctx, Message{Tenant: t.String(), Endpoint: endpoint, Subject: subject, Delivery: id}, 0)
	}
	if err != nil {
		return fmt.Errorf("get delivery %s/%s: %w", endpoint, id, err)
	}
	var delay time.Duration
	if d.NextAttemptAt != nil {
		delay = d.NextAttemptAt.Sub(s.now())
	}
	return s.queue.Send(ctx, Message{Tenant: t.String(), Endpoint: endpoint, Subject: subject, Delivery: id, Attempt: d.Attempts}, delay)
}
