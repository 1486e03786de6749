// Package handler is the deliver function: it takes a batch of webhook delivery attempts from the
// SQS queue and makes them concurrently, so a slow endpoint delays no other endpoint's attempt in
// the batch beyond its own timeout.
package handler

import (
	"context"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

// Deliverer makes one attempt; *delivery.Service is one.
type Deliverer interface {
	Deliver(ctx context.Context, t tenant.ID, m delivery.Message) error
}

var _ Deliverer = (*delivery.Service)(nil)

// Handler handles batches of delivery messages.
type Handler struct {
	d   Deliverer
	log *slog.Logger
}

// New returns a Handler over d.
func New(d Deliverer, log *slog.Logger) *Handler { return &Handler{d: d, log: log} }

// Handle is the Lambda handler for the SQS event source mapping (ReportBatchItemFailures). A
// failed endpoint is not a failure here (the service schedules the retry); a message whose table
// or queue work failed is reported and comes back after the visibility timeout. A message that is
// not a delivery is logged and dropped.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var (
		resp events.SQSEventResponse
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	for _, rec := range ev.Records {
		t, m, err := delivery.Parse(rec.Body)
		if err != nil {
			h.log.ErrorContext(ctx, "dropping a message that is not a webhook delivery", "message_id", rec.MessageId, "err", err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					h.log.ErrorContext(ctx, "webhook delivery panicked", "tenant", t.String(), "endpoint", m.Endpoint, "delivery", m.Delivery, "panic", p)
					mu.Lock()
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
					mu.Unlock()
				}
			}()
			if err := h.d.Deliver(ctx, t, m); err != nil {
				h.log.WarnContext(ctx, "webhook delivery will be retried", "tenant", t.String(), "endpoint", m.Endpoint, "delivery", m.Delivery, "err", err)
				mu.Lock()
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return resp, nil
}
