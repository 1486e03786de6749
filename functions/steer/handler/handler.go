// Package handler is the steer function: the real-time dispatch engine's minute (shared/steering,
// docs/dispatch-engine.md). Its schedule, rate(1 minute), invokes it with EventBridge's scheduled
// event: it decides every tenant of the registry (steering.Engine.RunAll, a bounded pool, tenants
// in a new random order each minute) within a deadline inside the invocation's budget, and a run
// cut by that deadline still succeeds (the tenants not reached are likely reached next minute). An
// operator or the local stack may invoke it with {"tenant":"demo"} to decide one tenant now.
package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lingxi/lingxi/shared/steering"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Run bounds.
const (
	// RunBudget is the most a run of every tenant takes: the schedule starts one a minute.
	RunBudget = 50 * time.Second
	// Margin is left of the invocation's own deadline for returning the report.
	Margin = 3 * time.Second
)

// Runner is the engine the function runs; *steering.Engine is one.
type Runner interface {
	RunAll(ctx context.Context) (steering.RunReport, error)
	RunTenant(ctx context.Context, t tenant.ID) (strategy.Decision, error)
}

var _ Runner = (*steering.Engine)(nil)

// Request is the invocation: a scheduled event (no tenant) or one tenant's minute.
type Request struct {
	Tenant string `json:"tenant,omitempty"`
}

// Result is what a run did: the report of every tenant's minute, and the decision of the one
// tenant asked for.
type Result struct {
	steering.RunReport
	Decision *strategy.Decision `json:"decision,omitempty"`
}

// Handler is the steer function.
type Handler struct {
	eng    Runner
	log    *slog.Logger
	budget time.Duration
}

// New returns the handler running eng.
func New(eng Runner, log *slog.Logger) *Handler {
	return &Handler{eng: eng, log: log, budget: RunBudget}
}

// WithBudget returns a copy of h whose runs take at most budget. For tests.
func (h *Handler) WithBudget(budget time.Duration) *Handler {
	c := *h
	c.budget = budget
	return &c
}

// Invoke is the Lambda entry point.
func (h *Handler) Invoke(ctx context.Context, raw json.RawMessage) (Result, error) {
	var req Request
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &req); err != nil {
			return Result{}, fmt.Errorf("decode the invocation: %w", err)
		}
	}
	deadline := time.Now().Add(h.budget)
	if d, ok := ctx.Deadline(); ok && d.Add(-Margin).Before(deadline) {
		deadline = d.Add(-Margin)
	}
	run, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if req.Tenant != "" {
		t, err := tenant.Parse(req.Tenant)
		if err != nil {
			return Result{}, fmt.Errorf("steer tenant %q: %w", req.Tenant, err)
		}
		d, err := h.eng.RunTenant(run, t)
		res := Result{RunReport: steering.RunReport{Tenants: 1}}
		if err != nil {
			res.Failed = 1
			return res, err
		}
		res.Activated, res.Withdrawn, res.Decision = len(d.Activate), len(d.Withdraw), &d
		return res, nil
	}
	rep, err := h.eng.RunAll(run)
	h.log.InfoContext(ctx, "steer: minute done", "tenants", rep.Tenants, "failed", rep.Failed, "skipped", rep.Skipped,
		"activated", rep.Activated, "withdrawn", rep.Withdrawn, "decisions", rep.Decisions, "timed_out", rep.TimedOut)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		// Cut by the run's own deadline: the minute did what it could; the next one goes on.
		return Result{RunReport: rep}, nil
	}
	return Result{RunReport: rep}, err
}
