// Package handler is the feedback function (docs/voc.md): the voice of the customer from the event
// stream. One function, two triggers:
//
//   - the event stream (its own enhanced fan-out consumer, FeedbackStreamConsumer): each event
//     goes to every part, exactly once per event (the stream consumer's processed ids, and each
//     part's own markers); then each key the batch counted is checked for a spike (Spikes), which
//     raises alert.raised through the outbox. Parts: the counting (shared/voc Counting), the push
//     of alerts to supervisors (shared/voc Notifier), and the others' parts the integrator adds
//     (quality inspection, satisfaction: anything with Event);
//   - the schedule {"job":"cluster"} every 15 minutes: the not-understood messages kept as
//     candidates are clustered into topics (Clusterer), per tenant that has any;
//   - the schedule {"job":"reports"} every hour: each tenant seen gets the weekly VOC report of
//     its last complete week (Reports: vocreport.Builder.BuildDue), once; tenants left when the
//     invocation has less than ReportMargin to run wait for the next hour.
package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voc"
	"github.com/lingxi/lingxi/shared/vocreport"
)

// ConsumerName is the stream consumer's name (its idempotency records' prefix).
const ConsumerName = "feedback"

// Source names this function in the events it emits.
const Source = "lingxi.feedback"

// JobCluster is the clustering schedule's job.
const JobCluster = "cluster"

// JobReports is the weekly reports' schedule's job: each tenant seen gets the report of its last
// complete week (in its time zone) once.
const JobReports = "reports"

// ReportMargin is the invocation time a job leaves unused: with less left it starts no other
// tenant (the next run carries on; a built report is never built again).
const ReportMargin = 30 * time.Second

// ClusterWindow is how far back the clustering reads candidates.
const ClusterWindow = 24 * time.Hour

// MaxCandidates bounds one tenant's clustering run.
const MaxCandidates = 5000

// Part is one consumer of the stream's events; idempotent per event id.
type Part interface {
	Event(ctx context.Context, env events.Envelope) error
}

// Sentiment labels a customer message (shared/voc's; shared/sentiment's model through an adapter).
type Sentiment = voc.Sentiment

// Topics assigns a message to a known topic (shared/voc's; shared/topics' tracker through an
// adapter).
type Topics = voc.Topics

// Clusterer clusters a tenant's candidate messages into topics and keeps them (shared/topics:
// Cluster, then Tracker.Update, saved where Topics.Assign reads it). Through an adapter.
type Clusterer interface {
	Cluster(ctx context.Context, t tenant.ID, msgs []voc.Candidate, at time.Time) error
}

// Reports builds a tenant's due weekly report; *vocreport.Builder is one.
type Reports interface {
	BuildDue(ctx context.Context, t tenant.ID, now time.Time) (vocreport.Report, bool, error)
}

var _ Reports = (*vocreport.Builder)(nil)

// Spikes checks the keys a batch counted; *voc.Spikes is one.
type Spikes interface {
	CheckBatch(ctx context.Context, b *voc.Batch) error
}

var _ Spikes = (*voc.Spikes)(nil)

// Job is a schedule's input.
type Job struct {
	Job    string `json:"job"`
	Tenant string `json:"tenant,omitempty"` // only this tenant; "" for every one seen
}

// JobResult is what a job did.
type JobResult struct {
	Job     string `json:"job"`
	Tenants int    `json:"tenants"`
	Failed  int    `json:"failed"`
	Msgs    int    `json:"messages"`
	Built   int    `json:"built"` // reports built
	Left    int    `json:"left"`  // tenants not started: too little of the invocation's time left
}

// Config wires the handler.
type Config struct {
	DB      *store.Store // the consumer's claims and the tenants seen
	Counts  *voc.Counters
	Parts   []Part    // every event goes to each, in order
	Spikes  Spikes    // after each batch
	Cluster Clusterer // nil: the cluster job does nothing
	Reports Reports   // nil: the reports job does nothing
	Log     *slog.Logger
	Now     func() time.Time
}

// Handler is the feedback function.
type Handler struct {
	cfg      Config
	consumer *stream.Consumer
	retrain  Retrainer // the sentiment job's (sentimentjob.go)

	mu   sync.Mutex
	seen map[tenant.ID]bool // tenants this instance has recorded for the schedule
}

// New returns the handler.
func New(cfg Config) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, seen: map[tenant.ID]bool{}}
	h.consumer = stream.NewConsumer(ConsumerName, h.event, cfg.DB, stream.WithLogger(cfg.Log))
	return h
}

// kindTenant records, platform-wide, the tenants the function has seen (the schedule's list).
const kindTenant = "voctenant"

// Invoke is the Lambda entry point: a batch of stream records, or a schedule's job.
func (h *Handler) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var shape struct {
		Records json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return nil, fmt.Errorf("decode the invocation: %w", err)
	}
	if shape.Records != nil {
		var ev lambdaevents.KinesisEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode Kinesis event: %w", err)
		}
		return h.Batch(ctx, ev)
	}
	var job Job
	if err := json.Unmarshal(raw, &job); err != nil {
		return nil, fmt.Errorf("decode the job: %w", err)
	}
	return h.Run(ctx, job)
}

// Batch handles a stream batch, then checks the keys it counted for spikes. A failed check is
// logged: the records are handled, and the key is checked again with its next event.
func (h *Handler) Batch(ctx context.Context, ev lambdaevents.KinesisEvent) (lambdaevents.KinesisEventResponse, error) {
	b := voc.NewBatch()
	resp, err := h.consumer.Handle(voc.WithBatch(ctx, b), ev)
	if h.cfg.Spikes != nil {
		if cerr := h.cfg.Spikes.CheckBatch(ctx, b); cerr != nil {
			h.cfg.Log.ErrorContext(ctx, "feedback: spike checks failed", "err", cerr)
		}
	}
	return resp, err
}

// event runs every part on one event; the first failure fails the event (each part is
// idempotent, so a retry redoes only what did not take).
func (h *Handler) event(ctx context.Context, t tenant.ID, env events.Envelope) error {
	if err := h.note(ctx, t); err != nil {
		return err
	}
	for _, p := range h.cfg.Parts {
		if err := p.Event(ctx, env); err != nil {
			return err
		}
	}
	return nil
}

// note records t for the schedule, once per instance.
func (h *Handler) note(ctx context.Context, t tenant.ID) error {
	h.mu.Lock()
	known := h.seen[t]
	h.mu.Unlock()
	if known {
		return nil
	}
	err := h.cfg.DB.PlatformCreate(ctx, store.Key{Kind: kindTenant, ID: t.String()}, struct {
		Tenant string `dynamodbav:"tenant"`
	}{t.String()})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("record tenant %s: %w", t, err)
	}
	h.mu.Lock()
	h.seen[t] = true
	h.mu.Unlock()
	return nil
}

// Run runs a job for its tenant or every tenant seen; one tenant's failure does not stop the
// others.
func (h *Handler) Run(ctx context.Context, job Job) (JobResult, error) {
	res := JobResult{Job: job.Job}
	var each func(ctx context.Context, t tenant.ID, res *JobResult) error
	switch job.Job {
	case JobCluster:
		if h.cfg.Cluster == nil {
			return res, nil
		}
		each = h.cluster
	case JobReports:
		if h.cfg.Reports == nil {
			return res, nil
		}
		each = h.report
	case JobSentiment:
		if h.retrain == nil {
			return res, nil
		}
		each = h.retrainSentiment
	default:
		return res, fmt.Errorf("unknown job %q: want %q, %q or %q", job.Job, JobCluster, JobReports, JobSentiment)
	}
	tenants, err := h.tenants(ctx, job.Tenant)
	if err != nil {
		return res, err
	}
	var errs []error
	for i, t := range tenants {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < ReportMargin {
			res.Left = len(tenants) - i // the next run does them
			break
		}
		res.Tenants++
		if err := each(ctx, t, &res); err != nil {
			res.Failed++
			errs = append(errs, err)
		}
	}
	h.cfg.Log.InfoContext(ctx, "feedback: job done", "job", job.Job, "tenants", res.Tenants, "failed", res.Failed,
		"messages", res.Msgs, "built", res.Built, "left", res.Left)
	return res, errors.Join(errs...)
}

// tenants is the job's tenant, or every tenant seen.
func (h *Handler) tenants(ctx context.Context, only string) ([]tenant.ID, error) {
	if only != "" {
		t, err := tenant.Parse(only)
		if err != nil {
			return nil, fmt.Errorf("job for tenant %q: %w", only, err)
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

// cluster clusters t's candidates of the last ClusterWindow.
func (h *Handler) cluster(ctx context.Context, t tenant.ID, res *JobResult) error {
	now := h.cfg.Now()
	msgs, err := h.cfg.Counts.Candidates(ctx, t, now.Add(-ClusterWindow), MaxCandidates)
	if err == nil && len(msgs) > 0 {
		res.Msgs += len(msgs)
		err = h.cfg.Cluster.Cluster(ctx, t, msgs, now)
	}
	if err != nil {
		return fmt.Errorf("cluster %s: %w", t, err)
	}
	return nil
}

// report builds t's report of its last complete week unless it exists.
func (h *Handler) report(ctx context.Context, t tenant.ID, res *JobResult) error {
	r, built, err := h.cfg.Reports.BuildDue(ctx, t, h.cfg.Now())
	if err != nil {
		return fmt.Errorf("weekly report of %s: %w", t, err)
	}
	if built {
		res.Built++
		h.cfg.Log.InfoContext(ctx, "feedback: weekly report built", "tenant", t.String(), "week", r.Week)
	}
	return nil
}
