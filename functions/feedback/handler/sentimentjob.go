package handler

import (
	"context"
	"fmt"

	"github.com/lingxi/lingxi/shared/tenant"
)

// JobSentiment is the daily schedule that retrains the sentiment model of each tenant whose own
// labelled feedback is due (docs/sentiment.md).
const JobSentiment = "sentiment"

// Retrainer retrains a tenant's sentiment model when it is due (enough labelled contacts, new
// labels since the last training); trained is false when nothing was due.
// shared/sentiment/tenantmodel's Book is one.
type Retrainer interface {
	Retrain(ctx context.Context, t tenant.ID) (trained bool, err error)
}

// WithRetrainer sets the sentiment job's retrainer (nil: the job does nothing).
func (h *Handler) WithRetrainer(r Retrainer) *Handler {
	h.retrain = r
	return h
}

// retrainSentiment retrains t's model when due; Msgs counts the models trained.
func (h *Handler) retrainSentiment(ctx context.Context, t tenant.ID, res *JobResult) error {
	trained, err := h.retrain.Retrain(ctx, t)
	if err != nil {
		return fmt.Errorf("retrain sentiment of %s: %w", t, err)
	}
	if trained {
		res.Msgs++
	}
	return nil
}
