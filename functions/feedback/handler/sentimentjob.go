package handler

import (
	"context"
	"errors"
	"fmt"

	"github.com/lingxi/lingxi/shared/store"
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

// sentimentJob retrains the due tenants among the job's; Msgs counts the models trained.
func (h *Handler) sentimentJob(ctx context.Context, job Job) (JobResult, error) {
	res := JobResult{Job: job.Job}
	if h.retrain == nil {
		return res, nil
	}
	tenants, err := h.jobTenants(ctx, job)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, t := range tenants {
		res.Tenants++
		trained, err := h.retrain.Retrain(ctx, t)
		if err != nil {
			res.Failed++
			errs = append(errs, fmt.Errorf("retrain sentiment of %s: %w", t, err))
		}
		if trained {
			res.Msgs++
		}
	}
	h.cfg.Log.InfoContext(ctx, "feedback: job done", "job", job.Job, "tenants", res.Tenants, "failed", res.Failed, "trained", res.Msgs)
	return res, errors.Join(errs...)
}

// jobTenants is the job's tenant, or every tenant the function has seen.
func (h *Handler) jobTenants(ctx context.Context, job Job) ([]tenant.ID, error) {
	if job.Tenant != "" {
		t, err := tenant.Parse(job.Tenant)
		if err != nil {
			return nil, fmt.Errorf("job for tenant %q: %w", job.Tenant, err)
		}
		return []tenant.ID{t}, nil
	}
	var out []tenant.ID
	for rec, err := range store.PlatformRecords(ctx, h.cfg.DB, kindTenant, "", store.PageRequest{Limit: 100}) {
		if err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		if t, err := tenant.Parse(rec.Key.ID); err == nil {
			out = append(out, t)
		}
	}
	return out, nil
}
