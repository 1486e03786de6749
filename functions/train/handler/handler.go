// Package handler is the train function: it runs the NLU training jobs that POST /v1/nlu/train
// queues, one SQS message (botconfig.JobMessage) per job.
//
// A job moves queued → running in one conditional transaction with the tenant's training lock, so
// a message delivered twice trains once: the second delivery finds the job running (and is retried
// later, by when it has finished) or finished (and is dropped). The worker then trains the bundle
// (shared/modelstore), writes it to S3 and, in one transaction through the outbox, records the
// model, marks the job succeeded, releases the lock and emits nlu.model.trained (and
// nlu.model.activated when the job asked for activation, or the tenant had no active model).
// The same transaction counts the model under the tenant's "models" quota, a retention limit: at
// the quota it deletes the oldest models other than the active one (shared/quota.RecordModel),
// and the worker removes their bundles from S3 after the commit.
// A configuration that cannot be trained, or a failure while training, fails the job and releases
// the lock. Only failures to record an outcome are returned to SQS for another delivery.
package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/sqsmsg"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Source names this function in the events it emits.
const Source = "lingxi.train"

// progressEvery is the least time between two progress writes of one job.
const progressEvery = 2 * time.Second

// Store is the table access the worker needs.
type Store interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	Put(ctx context.Context, t tenant.ID, k store.Key, v any, version int64, opts ...store.Option) (int64, error)
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
	Create(ctx context.Context, t tenant.ID, k store.Key, v any, opts ...store.Option) error
}

var _ Store = (*store.Store)(nil)

// Committer writes store operations and their events together (shared/outbox).
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...lxevents.Envelope) error
}

// ModelStore keeps trained NLU bundles (shared/modelstore over S3).
type ModelStore interface {
	Put(ctx context.Context, t tenant.ID, b *modelstore.Bundle) (string, error)
	Delete(ctx context.Context, t tenant.ID, version string) error
}

var _ ModelStore = (*modelstore.Store)(nil)

// Worker runs training jobs. Build it with New.
type Worker struct {
	store  Store
	commit Committer
	models ModelStore
	log    *slog.Logger
	now    func() time.Time
	every  time.Duration // between progress writes: progressEvery
}

// New wires a worker.
func New(s Store, c Committer, m ModelStore, log *slog.Logger) *Worker {
	return &Worker{store: s, commit: c, models: m, log: log, now: time.Now, every: progressEvery}
}

// errRetry marks a message to be delivered again later: the job is in another delivery's hands,
// or its outcome could not be recorded.
var errRetry = errors.New("retry later")

// errDrop marks a message that no delivery can act on (not a job message, or no such job).
var errDrop = errors.New("drop message")

// Handle is the Lambda handler for the SQS event source mapping (ReportBatchItemFailures): a
// message whose job must be tried again is reported; every other one is deleted.
func (w *Worker) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, rec := range ev.Records {
		err := w.Run(ctx, rec.Body)
		switch {
		case err == nil:
		case errors.Is(err, errDrop):
			w.log.ErrorContext(ctx, "dropping a message no job can use", "message_id", rec.MessageId, "err", err)
		default:
			w.log.WarnContext(ctx, "training job will be retried", "message_id", rec.MessageId, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
	}
	return resp, nil
}

func jobKey(id string) store.Key { return store.Key{Kind: botconfig.KindJob, ID: id} }

var (
	lockKey   = store.Key{Kind: botconfig.KindJobLock, ID: botconfig.JobLockID}
	activeKey = store.Key{Kind: botconfig.KindActive, ID: botconfig.ActiveID}
)

// ParseMessage decodes a job message strictly.
func ParseMessage(body string) (tenant.ID, string, error) {
	var m botconfig.JobMessage
	if err := sqsmsg.Decode(body, &m); err != nil {
		return tenant.ID{}, "", fmt.Errorf("job message: %w: %w", errDrop, err)
	}
	t, err := tenant.Parse(m.Tenant)
	if err != nil {
		return tenant.ID{}, "", fmt.Errorf("job message tenant %q: %w: %w", m.Tenant, errDrop, err)
	}
	if !botconfig.ValidJobID(m.Job) {
		return tenant.ID{}, "", fmt.Errorf("job message job %q: %w", m.Job, errDrop)
	}
	return t, m.Job, nil
}

// run is one job in a worker's hands: the job record and the versions of it and of the lock.
type run struct {
	w       *Worker
	t       tenant.ID
	job     botconfig.TrainingJob
	mu      sync.Mutex // guards job and jobVer against the progress writer
	jobVer  int64
	lockVer int64
}

// Run runs the job a message names. It returns nil when the message is done with (the job ran,
// failed, or had already finished), an error wrapping errDrop for a message no job can use, and
// any other error when the message should come back later.
func (w *Worker) Run(ctx context.Context, body string) error {
	t, id, err := ParseMessage(body)
	if err != nil {
		return err
	}
	r := &run{w: w, t: t}
	r.jobVer, err = w.store.Get(ctx, t, jobKey(id), &r.job)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("job %s/%s: %w: no such job", t, id, errDrop)
	}
	if err != nil {
		return fmt.Errorf("read job %s/%s: %w", t, id, err)
	}
	log := w.log.With("tenant", t, "job", id)
	now := w.now().UTC()
	switch {
	case r.job.State.Finished():
		log.InfoContext(ctx, "job already finished; duplicate message", "state", r.job.State)
		return nil
	case now.After(r.job.LeaseUntil):
		// Its lease is over (a worker died, or the job waited too long): record what readers see.
		// The lock expired with the lease and may be another job's now: leave it.
		v := r.job.View(now)
		return r.record(ctx, v, false)
	case r.job.State == botconfig.JobRunning:
		return fmt.Errorf("job %s/%s is running in another delivery: %w", t, id, errRetry)
	}

	// queued → running, if the tenant's lock is still this job's.
	var lock botconfig.TrainingLock
	r.lockVer, err = w.store.Get(ctx, t, lockKey, &lock)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("read training lock of %s: %w", t, err)
	}
	if errors.Is(err, store.ErrNotFound) || lock.JobID != id {
		failed := r.job
		failed.State, failed.FinishedAt = botconfig.JobFailed, &now
		failed.Error = &botconfig.JobError{Type: botconfig.JobErrAbandoned, Detail: "the job lost its training slot before a worker started it; train again"}
		return r.record(ctx, failed, false)
	}
	running := r.job
	running.State, running.StartedAt, running.Attempts = botconfig.JobRunning, &now, r.job.Attempts+1
	running.LeaseUntil = now.Add(botconfig.RunningLease)
	running.Progress = &botconfig.JobProgress{Stage: "loading"}
	err = w.commit.Commit(ctx, []store.Op{
		store.PutOp(t, jobKey(id), running, r.jobVer, store.WithTTL(now.Add(botconfig.JobRetention))),
		store.PutOp(t, lockKey, lock, r.lockVer, store.WithTTL(running.LeaseUntil)),
	})
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("start job %s/%s: another delivery got there first: %w", t, id, errRetry)
	}
	if err != nil {
		return fmt.Errorf("start job %s/%s: %w", t, id, err)
	}
	r.job, r.jobVer, r.lockVer = running, r.jobVer+1, r.lockVer+1
	log.InfoContext(ctx, "training started", "attempt", running.Attempts, "activate", running.Activate)
	return r.train(ctx, log)
}

// train trains, stores and records the model, or fails the job.
func (r *run) train(ctx context.Context, log *slog.Logger) error {
	w, t := r.w, r.t
	intents, articles, err := modelstore.LoadTrainingSet(ctx, w.store, t)
	if err != nil {
		return r.fail(ctx, log, err)
	}
	start := w.now().UTC()
	version, err := botconfig.NewModelVersion(start)
	if err != nil {
		return r.fail(ctx, log, err)
	}
	stop := r.reportProgress(ctx, log)
	clock := time.Now()
	bundle, eval, err := modelstore.Build(t.String(), version, start, intents, articles, modelstore.WithProgress(r.progress))
	stop()
	if err != nil {
		return r.fail(ctx, log, err)
	}
	trainedFor := time.Since(clock)
	key, err := w.models.Put(ctx, t, bundle)
	if err != nil {
		return r.fail(ctx, log, err)
	}
	evalJSON, err := json.Marshal(eval)
	if err != nil {
		return r.fail(ctx, log, fmt.Errorf("encode evaluation: %w", err))
	}
	examples := 0
	for _, in := range intents {
		examples += len(in.Examples)
	}
	model := botconfig.Model{Version: version, CreatedAt: start, Intents: len(intents), Examples: examples,
		Articles: len(articles), Evaluation: evalJSON, Key: key}
	trained, err := lxevents.New(t, lxevents.TypeNLUModelTrained, botconfig.ModelEventSubject, Source, lxevents.NLUModelTrained{
		ModelVersion: version, Intents: model.Intents, Examples: examples, Articles: model.Articles,
		Accuracy: eval.Accuracy, MacroF1: eval.MacroF1, TrainedBy: r.job.RequestedBy,
	})
	if err != nil {
		return r.fail(ctx, log, err)
	}
	activated, err := r.succeed(ctx, model, trained)
	if err != nil {
		// Nothing names the bundle: remove it. The job stays running until a later delivery
		// records its outcome, or its lease ends; a full models quota fails it now.
		if derr := w.models.Delete(context.WithoutCancel(ctx), t, version); derr != nil {
			err = fmt.Errorf("%w (and removing its bundle failed: %w)", err, derr)
		}
		if errors.Is(err, errModelsKept) {
			return r.fail(ctx, log, err)
		}
		return fmt.Errorf("record model %s of %s: %w: %w", version, t, errRetry, err)
	}
	log.InfoContext(ctx, "model trained", "version", version, "intents", model.Intents, "examples", examples,
		"articles", model.Articles, "accuracy", eval.Accuracy, "activated", activated, "train_ms", trainedFor.Milliseconds())
	return nil
}

// succeed records the model, finishes the job and releases the lock in one transaction with the
// events; it activates the model when the job asked or the tenant has no active model. A change of
// the active pointer meanwhile is retried.
func (r *run) succeed(ctx context.Context, model botconfig.Model, trained lxevents.Envelope) (bool, error) {
	w, t := r.w, r.t
	for attempt := 0; ; attempt++ {
		var prev botconfig.Active
		activeVer, err := w.store.Get(ctx, t, activeKey, &prev)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, fmt.Errorf("read active model of %s: %w", t, err)
		}
		activate := r.job.Activate || activeVer == 0
		now := w.now().UTC()
		r.mu.Lock()
		done := r.job
		jobVer := r.jobVer
		r.mu.Unlock()
		done.State, done.FinishedAt = botconfig.JobSucceeded, &now
		total := 1
		if done.Progress != nil && done.Progress.Total > 0 {
			total = done.Progress.Total
		}
		done.Progress = &botconfig.JobProgress{Stage: "done", Done: total, Total: total, Fraction: 1}
		done.ModelVersion, done.Evaluation, done.Activated = model.Version, model.Evaluation, activate
		keep := []string{prev.Version}
		if activate {
			keep = []string{model.Version}
		}
		rec, err := quota.New(w.store).RecordModel(ctx, t, keep...)
		if err != nil {
			return false, fmt.Errorf("count model %s of %s: %w", model.Version, t, err)
		}
		ops := []store.Op{
			store.PutOp(t, jobKey(done.ID), done, jobVer, store.WithTTL(now.Add(botconfig.JobRetention))),
			store.DeleteOp(t, lockKey, r.lockVer),
			store.CreateOp(t, store.Key{Kind: botconfig.KindModel, ID: model.Version}, model),
		}
		ops = append(ops, rec.Ops...)
		if len(rec.Pruned) > 0 && !activate && activeVer > 0 {
			// Pruning spares the active model: the pointer must still name it at commit, so an
			// activation of a pruned model meanwhile makes this transaction conflict and run again.
			ops = append(ops, store.PutOp(t, activeKey, prev, activeVer))
		}
		evs := []lxevents.Envelope{trained}
		if activate {
			ev, err := lxevents.New(t, lxevents.TypeNLUModelActivated, botconfig.ModelEventSubject, Source,
				lxevents.NLUModelActivated{ModelVersion: model.Version, Previous: prev.Version, ActivatedBy: done.RequestedBy})
			if err != nil {
				return false, err
			}
			ops = append(ops, store.PutOp(t, activeKey, botconfig.Active{Version: model.Version, ActivatedAt: now}, activeVer))
			evs = append(evs, ev)
		}
		err = w.commit.Commit(ctx, ops, evs...)
		if err == nil {
			r.job = done
			r.prune(ctx, rec.Pruned)
			return activate, nil
		}
		if quota.Exceeded(err, quota.Models) {
			return false, fmt.Errorf("%w: %w", errModelsKept, err)
		}
		if !errors.Is(err, store.ErrConflict) || attempt == 2 {
			return false, err
		}
	}
}

// errModelsKept: the tenant keeps its quota of models and none of them may be pruned (the quota
// is 1 and the one model is the active one, or the quota was lowered under the models in use).
var errModelsKept = errors.New("models quota reached and every kept model is in use")

// prune deletes the bundles of models the committed transaction deleted. A bundle left behind is
// only storage (nothing names it any more), so a failure is logged, not retried.
func (r *run) prune(ctx context.Context, versions []string) {
	ctx = context.WithoutCancel(ctx)
	for _, v := range versions {
		if err := r.w.models.Delete(ctx, r.t, v); err != nil {
			r.w.log.WarnContext(ctx, "delete pruned model bundle", "tenant", r.t, "version", v, "err", err)
			continue
		}
		r.w.log.InfoContext(ctx, "pruned model under the models quota", "tenant", r.t, "version", v)
	}
}

// fail records the job as failed for cause and releases the lock. A configuration that cannot be
// trained says why, field by field; any other cause is logged and shown as an internal error.
func (r *run) fail(ctx context.Context, log *slog.Logger, cause error) error {
	now := r.w.now().UTC()
	r.mu.Lock()
	failed := r.job
	r.mu.Unlock()
	failed.State, failed.FinishedAt = botconfig.JobFailed, &now
	if errors.Is(cause, errModelsKept) {
		failed.Error = &botconfig.JobError{Type: botconfig.JobErrQuotaExceeded,
			Detail: "the plan's models quota is reached and the models kept cannot be pruned (the active one is never pruned); activate a newer model, or ask for a larger plan"}
		log.InfoContext(ctx, "training job failed: models quota", "err", cause)
	} else if ue, ok := errors.AsType[*modelstore.UntrainableError](cause); ok {
		failed.Error = &botconfig.JobError{Type: botconfig.JobErrUntrainable,
			Detail: ue.Problems[0].Field + ": " + ue.Problems[0].Reason, Fields: ue.Problems}
		log.InfoContext(ctx, "training job failed: configuration cannot be trained", "problems", len(ue.Problems))
	} else {
		failed.Error = &botconfig.JobError{Type: botconfig.JobErrInternal, Detail: "training failed on our side; train again, and tell us if it keeps failing"}
		log.ErrorContext(ctx, "training job failed", "err", cause)
	}
	return r.record(ctx, failed, true)
}

// record writes a finished job and, with release, deletes the tenant's lock in the same
// transaction. An error asks for the message to come back.
func (r *run) record(ctx context.Context, job botconfig.TrainingJob, release bool) error {
	now := r.w.now().UTC()
	ctx = context.WithoutCancel(ctx) // an outcome worth recording even if the invocation is ending
	r.mu.Lock()
	ops := []store.Op{store.PutOp(r.t, jobKey(job.ID), job, r.jobVer, store.WithTTL(now.Add(botconfig.JobRetention)))}
	r.mu.Unlock()
	if release {
		ops = append(ops, store.DeleteOp(r.t, lockKey, r.lockVer))
	}
	if err := r.w.commit.Commit(ctx, ops); err != nil {
		return fmt.Errorf("record job %s/%s as %s: %w: %w", r.t, job.ID, job.State, errRetry, err)
	}
	r.job = job
	return nil
}

// progress is the nlu progress callback: it keeps the latest figures for reportProgress.
func (r *run) progress(p nlu.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	frac := 0.0
	if p.Total > 0 {
		frac = float64(p.Done) / float64(p.Total)
	}
	r.job.Progress = &botconfig.JobProgress{Stage: p.Stage, Done: p.Done, Total: p.Total, Fraction: frac}
}

// reportProgress writes the job's progress every progressEvery (Worker.every) while training runs,
// so GET /v1/nlu/jobs/{id} can show it. The returned func stops it and waits for a write in flight,
// so the final transaction reads the job's version after the last progress write.
func (r *run) reportProgress(ctx context.Context, log *slog.Logger) func() {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(r.w.every)
		defer tick.Stop()
		var last botconfig.JobProgress
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			r.mu.Lock()
			job, ver := r.job, r.jobVer
			r.mu.Unlock()
			if job.Progress == nil || *job.Progress == last {
				continue
			}
			// Only this goroutine writes the job while training runs.
			nv, err := r.w.store.Put(ctx, r.t, jobKey(job.ID), job, ver, store.WithTTL(r.w.now().Add(botconfig.JobRetention)))
			if err != nil {
				// The write may have landed all the same (a timeout): learn the version again.
				log.WarnContext(ctx, "write training progress", "err", err)
				var cur botconfig.TrainingJob
				if v, gerr := r.w.store.Get(context.WithoutCancel(ctx), r.t, jobKey(job.ID), &cur); gerr == nil {
					nv, err = v, nil
				}
			}
			if err == nil {
				r.mu.Lock()
				r.jobVer, last = nv, *job.Progress
				r.mu.Unlock()
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}
