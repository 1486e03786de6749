// Package handler is the forecast function (docs/forecasting.md). One function, three triggers:
//
//   - the event stream (its own enhanced fan-out consumer): contact events are counted into the
//     5-minute interval counters (count.go, shared/intervals), exactly once per event; nothing
//     else happens on the stream path;
//   - the schedule {"job":"rolling"} every 5 minutes: the rolling product of every series of
//     every tenant, refreshed from the live counts and the day's kept plan (shared/forecastpub),
//     within forecastpub.RollingDeadline for the whole run;
//   - the schedule {"job":"publish"} every hour: the daily, monthly, hiring and scheduling
//     products of every series whose latest forecast is from before the tenant's current day, then
//     the metrics and review of the published forecasts with a whole day (or month) more to score,
//     and the rolling plans of the current and the next local day where missing.
//
// A job may name one tenant and force a publish ({"job":"publish","tenant":"demo","force":true}),
// as the local demo does at start. Tenants run a few at a time (forecastpub.Publisher.RunAll);
// each tenant's work is bounded (forecastpub's timeouts) and one tenant's or series' failure or
// slowness does not stop the others.
//
// Files: handler.go (the triggers), count.go (the stream's counting).
package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/forecastpub"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// ConsumerName is the stream consumer's name (its idempotency records' prefix).
const ConsumerName = "forecast"

// Source names this function in the events it emits.
const Source = "lingxi.forecast"

// Jobs of the schedules.
const (
	JobRolling = "rolling"
	JobPublish = "publish"
)

// Job is a schedule's input.
type Job struct {
	Job    string `json:"job"`
	Tenant string `json:"tenant,omitempty"` // only this tenant; "" for every registered one
	Force  bool   `json:"force,omitempty"`  // publish every product, due or not
}

// JobResult is what a job did.
type JobResult struct {
	Job       string   `json:"job"`
	Tenants   int      `json:"tenants"`
	Failed    int      `json:"failed"` // tenants whose run failed
	Published []string `json:"published"`
	Reviewed  int      `json:"reviewed"`
}

// Publisher is what the jobs run; *forecastpub.Publisher is one.
type Publisher interface {
	Publish(ctx context.Context, t tenant.ID, req forecastpub.Request) (forecastpub.Result, error)
	Rolling(ctx context.Context, t tenant.ID) (forecastpub.Result, error)
	Review(ctx context.Context, t tenant.ID) (int, error)
	RunAll(ctx context.Context, what string, f func(ctx context.Context, t tenant.ID) error) (int, error)
	Store() *forecaststore.Store
}

var _ Publisher = (*forecastpub.Publisher)(nil)

// EventCounter counts one stream event; *Counter (count.go) is one.
type EventCounter interface {
	Event(ctx context.Context, env events.Envelope) error
}

// Handler is the forecast function.
type Handler struct {
	pub      Publisher
	count    EventCounter
	log      *slog.Logger
	consumer *stream.Consumer

	mu         sync.Mutex
	registered map[tenant.ID]bool // tenants this instance has registered for the schedules
}

// New returns the function's handler over db (the stream consumer's claims).
func New(db stream.Idempotency, pub Publisher, count EventCounter, log *slog.Logger) *Handler {
	h := &Handler{pub: pub, count: count, log: log, registered: map[tenant.ID]bool{}}
	h.consumer = stream.NewConsumer(ConsumerName, h.event, db, stream.WithLogger(log))
	return h
}

var _ stream.Idempotency = (*store.Store)(nil)

// Invoke is the Lambda entry point: a batch of stream records, or a schedule's job.
func (h *Handler) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var shape struct {
		Records json.RawMessage `json:"Records"`
		Job     string          `json:"job"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return nil, fmt.Errorf("decode the invocation: %w", err)
	}
	if shape.Records != nil {
		var ev lambdaevents.KinesisEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode Kinesis event: %w", err)
		}
		return h.consumer.Handle(ctx, ev)
	}
	var job Job
	if err := json.Unmarshal(raw, &job); err != nil {
		return nil, fmt.Errorf("decode the job: %w", err)
	}
	return h.Run(ctx, job)
}

// event counts one stream event, registering its tenant for the schedules first.
func (h *Handler) event(ctx context.Context, t tenant.ID, env events.Envelope) error {
	h.mu.Lock()
	known := h.registered[t]
	h.mu.Unlock()
	if !known {
		if err := h.pub.Store().Register(ctx, t, env.Time); err != nil {
			return err
		}
		h.mu.Lock()
		h.registered[t] = true
		h.mu.Unlock()
	}
	return h.count.Event(ctx, env)
}

// Run runs a job for its tenant or for every registered tenant.
func (h *Handler) Run(ctx context.Context, job Job) (JobResult, error) {
	res := JobResult{Job: job.Job, Published: []string{}}
	parent := ctx
	var mu sync.Mutex // RunAll runs tenants concurrently
	var run func(ctx context.Context, t tenant.ID) error
	switch job.Job {
	case JobRolling:
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, forecastpub.RollingDeadline)
		defer cancel()
		run = func(ctx context.Context, t tenant.ID) error {
			r, err := h.pub.Rolling(ctx, t)
			mu.Lock()
			defer mu.Unlock()
			h.collect(&res, r)
			return err
		}
	case JobPublish:
		run = func(ctx context.Context, t tenant.ID) error {
			r, err := h.pub.Publish(ctx, t, forecastpub.Request{Force: job.Force, Plans: true})
			n, rerr := h.pub.Review(ctx, t)
			mu.Lock()
			defer mu.Unlock()
			h.collect(&res, r)
			res.Reviewed += n
			if err != nil {
				return err
			}
			return rerr
		}
	default:
		return res, fmt.Errorf("unknown job %q: want %q or %q", job.Job, JobRolling, JobPublish)
	}
	counted := func(ctx context.Context, t tenant.ID) error {
		mu.Lock()
		res.Tenants++
		mu.Unlock()
		return run(ctx, t)
	}
	if job.Tenant != "" {
		t, err := tenant.Parse(job.Tenant)
		if err != nil {
			return res, fmt.Errorf("job for tenant %q: %w", job.Tenant, err)
		}
		if err := counted(ctx, t); err != nil {
			res.Failed++
			return res, err
		}
		return res, nil
	}
	failed, err := h.pub.RunAll(ctx, job.Job, counted)
	mu.Lock()
	defer mu.Unlock()
	res.Failed = failed
	h.log.InfoContext(ctx, "forecast: job done", "job", job.Job, "tenants", res.Tenants, "failed", failed,
		"published", len(res.Published), "reviewed", res.Reviewed)
	if job.Job == JobRolling && errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil {
		// The rolling run's own deadline: the tenants it did not reach (a random part, RunAll)
		// are refreshed by the next run in 5 minutes. Not an error, or Lambda would retry the
		// schedule's invocation on top of the next ones.
		h.log.WarnContext(ctx, "forecast: the rolling run reached its deadline", "deadline", forecastpub.RollingDeadline, "tenants", res.Tenants)
		return res, nil
	}
	return res, err
}

func (h *Handler) collect(res *JobResult, r forecastpub.Result) {
	for _, f := range r.Published {
		res.Published = append(res.Published, f.ID)
	}
}
