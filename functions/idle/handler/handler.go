// Package handler is the idle function: it consumes the idle checks of conversations
// (shared/idlequeue, delayed SQS messages) and ends each conversation that had no turn for its
// idle timeout, or asks for the next check (shared/conversation's CheckIdle).
package handler

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/idlequeue"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Checker runs one idle check; *conversation.Service is one.
type Checker interface {
	CheckIdle(ctx context.Context, t tenant.ID, id string) (conversation.IdleCheck, error)
}

var _ Checker = (*conversation.Service)(nil)

// Handler handles batches of idle checks.
type Handler struct {
	check Checker
	log   *slog.Logger
}

// New returns a Handler over c.
func New(c Checker, log *slog.Logger) *Handler { return &Handler{check: c, log: log} }

// Handle is the Lambda handler for the SQS event source mapping (ReportBatchItemFailures): a check
// that failed (the table or the queue did not answer) is reported and comes back after the queue's
// visibility timeout; a message that is not a check is logged and dropped.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, rec := range ev.Records {
		t, id, err := idlequeue.Parse(rec.Body)
		if err != nil {
			h.log.ErrorContext(ctx, "dropping a message that is not an idle check", "message_id", rec.MessageId, "err", err)
			continue
		}
		res, err := h.check.CheckIdle(ctx, t, id)
		switch {
		case err != nil:
			h.log.WarnContext(ctx, "idle check will be retried", "tenant", t, "conversation", id, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		case res.Ended:
			h.log.InfoContext(ctx, "ended an idle conversation", "tenant", t, "conversation", id, "outcome", res.Outcome)
		case res.Next > 0:
			h.log.DebugContext(ctx, "conversation still in use; checked again later", "tenant", t, "conversation", id, "in", res.Next)
		}
	}
	return resp, nil
}
