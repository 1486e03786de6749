package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/webhooks"
)

// Delivery request headers besides the signature's.
const (
	HeaderEventID   = "X-Lingxi-Event-Id"
	HeaderEventType = "X-Lingxi-Event-Type"
	HeaderAttempt   = "X-Lingxi-Delivery-Attempt"
)

// maxResponseBytes bounds how much of an endpoint's answer is read.
const maxResponseBytes = 64 << 10

// Deliver handles one queue message: it makes the attempt it asks for, if that is still due and
// the delivery heads its lane, records the result and sends the next message (a retry, or the
// lane's next delivery). An error means the table or the queue did not answer; the message
// should come back (SQS's visibility timeout) and is safe to handle again.
func (s *Service) Deliver(ctx context.Context, t tenant.ID, m Message) error {
	k := DeliveryKey(m.Endpoint, m.Delivery)
	var d Delivery
	dver, err := s.db.Get(ctx, t, k, &d)
	if errors.Is(err, store.ErrNotFound) {
		return s.advance(ctx, t, m.Endpoint, m.Subject, m.Delivery)
	}
	if err != nil {
		return fmt.Errorf("get delivery %s: %w", k, err)
	}
	if d.Status.terminal() {
		return s.advance(ctx, t, m.Endpoint, d.Subject, d.ID)
	}
	switch {
	case m.Attempt == d.Attempts-1 && d.Status == StatusRetrying:
		// The attempt this message asked for was made and recorded, but its retry was not sent.
		return s.sendFor(ctx, t, m.Endpoint, d.Subject, d.ID)
	case m.Attempt != d.Attempts:
		return nil // a stale duplicate
	}
	now := s.now()
	if d.NextAttemptAt != nil && now.Before(*d.NextAttemptAt) {
		return s.queue.Send(ctx, m, d.NextAttemptAt.Sub(now)) // a wait longer than MaxDelay, chained
	}
	l, _, err := s.lane(ctx, t, m.Endpoint, d.Subject)
	if err != nil {
		return err
	}
	if len(l.Queue) == 0 || l.Queue[0] != d.ID {
		return nil // an earlier delivery of its subject is undecided; its end sends for this one
	}
	var ep Endpoint
	_, err = s.db.Get(ctx, t, EndpointKey(m.Endpoint), &ep)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return s.finish(ctx, t, k, d, dver, StatusParked, "endpoint deleted")
	case err != nil:
		return fmt.Errorf("get endpoint %s: %w", m.Endpoint, err)
	case !ep.Enabled:
		return s.finish(ctx, t, k, d, dver, StatusParked, "endpoint disabled")
	}

	if s.slots != nil && s.client != nil {
		release, err := s.slot(ctx, t)
		if err != nil {
			return err
		}
		if release == nil {
			// The tenant's share of the sender is in use: make room for other tenants' messages.
			m.Busy++
			wait := s.cfg.busyDelay(m.Busy, s.rand)
			s.log.DebugContext(ctx, "webhook slots of the tenant all held; attempt put back", "tenant", t.String(), "endpoint", m.Endpoint, "event_id", d.ID, "times", m.Busy, "in", wait)
			return s.queue.Send(ctx, m, wait)
		}
		defer release()
	}
	code, latency, sendErr := s.post(ctx, &ep, &d)
	now = s.now()
	at := now.UTC()
	d.Attempts++
	d.LastAttemptAt, d.NextAttemptAt = &at, nil
	d.LastLatencyMS, d.LastResponseCode, d.LastError = latency.Milliseconds(), code, ""
	if sendErr != nil {
		d.LastError = sendErr.Error()
	}
	log := s.log.With("tenant", t.String(), "endpoint", ep.ID, "event_id", d.ID, "event_type", d.EventType, "attempt", d.Attempts)
	if sendErr == nil && code >= 200 && code < 300 {
		d.DeliveredAt = &at
		log.InfoContext(ctx, "webhook delivered", "status", code, "latency_ms", d.LastLatencyMS)
		return s.finish(ctx, t, k, d, dver, StatusDelivered, "")
	}
	wait := s.cfg.backoff(d.Attempts, s.rand)
	if now.Add(wait).Sub(d.QueuedAt) > s.cfg.MaxAge {
		log.WarnContext(ctx, "webhook parked", "status", code, "err", d.LastError)
		return s.finish(ctx, t, k, d, dver, StatusParked, d.LastError)
	}
	next := at.Add(wait)
	d.Status, d.NextAttemptAt = StatusRetrying, &next
	log.InfoContext(ctx, "webhook attempt failed; retrying", "status", code, "err", d.LastError, "in", wait)
	if _, err := s.db.Put(ctx, t, k, d, dver, store.WithTTL(s.now().Add(s.cfg.Keep))); errors.Is(err, store.ErrConflict) {
		return nil // another copy of this message recorded the attempt and carries on
	} else if err != nil {
		return fmt.Errorf("record attempt of %s: %w", k, err)
	}
	return s.queue.Send(ctx, Message{Tenant: t.String(), Endpoint: m.Endpoint, Subject: d.Subject, Delivery: d.ID, Attempt: d.Attempts}, wait)
}

// finish records d as delivered or parked and moves its lane on.
func (s *Service) finish(ctx context.Context, t tenant.ID, k store.Key, d Delivery, dver int64, st Status, why string) error {
	d.Status, d.NextAttemptAt = st, nil
	if why != "" {
		d.LastError = why
	}
	if _, err := s.db.Put(ctx, t, k, d, dver, store.WithTTL(s.now().Add(s.cfg.Keep))); errors.Is(err, store.ErrConflict) {
		return nil
	} else if err != nil {
		return fmt.Errorf("record %s of %s: %w", st, k, err)
	}
	return s.advance(ctx, t, d.EndpointID, d.Subject, d.ID)
}

// post makes one attempt: the envelope, signed by every secret of ep that signs now.
func (s *Service) post(ctx context.Context, ep *Endpoint, d *Delivery) (int, time.Duration, error) {
	if s.client == nil {
		return 0, 0, errors.New("this function sends no webhooks")
	}
	body := []byte(d.Body)
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("bad url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lingxi-Webhooks/1")
	req.Header.Set(webhooks.HeaderTimestamp, ts)
	req.Header.Set(webhooks.HeaderSignature, webhooks.SignAll(ep.SigningSecrets(s.now()), ts, body))
	req.Header.Set(HeaderEventID, d.ID)
	req.Header.Set(HeaderEventType, d.EventType)
	req.Header.Set(HeaderAttempt, strconv.Itoa(d.Attempts+1))
	req.Header.Set("Idempotency-Key", d.ID)
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, time.Since(start), err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	_ = resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

// ErrNotReplayable is returned by Replay for a delivery still being tried.
var ErrNotReplayable = errors.New("only a delivered or parked delivery can be replayed")

// Replay queues a delivered or parked delivery again: it joins the back of its lane as pending,
// with a new retry window. It returns the delivery as queued.
func (s *Service) Replay(ctx context.Context, t tenant.ID, endpoint, id string) (Delivery, error) {
	k := DeliveryKey(endpoint, id)
	var d Delivery
	dver, err := s.db.Get(ctx, t, k, &d)
	if err != nil {
		return Delivery{}, fmt.Errorf("get delivery %s: %w", k, err)
	}
	if !d.Status.terminal() {
		return d, ErrNotReplayable
	}
	now := s.now().UTC()
	d.Status, d.Attempts, d.NextAttemptAt, d.QueuedAt = StatusPending, 0, nil, now
	d.Replays++
	head, err := s.join(ctx, t, d, dver)
	if errors.Is(err, errDeliveryChanged) {
		return Delivery{}, fmt.Errorf("replay %s: %w", k, store.ErrConflict)
	}
	if err != nil {
		return Delivery{}, err
	}
	if head {
		if err := s.queue.Send(ctx, Message{Tenant: t.String(), Endpoint: endpoint, Subject: d.Subject, Delivery: id}, 0); err != nil {
			return d, err
		}
	}
	return d, nil
}
