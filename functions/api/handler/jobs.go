package handler

// Training jobs: POST /v1/nlu/train, GET /v1/nlu/jobs and GET /v1/nlu/jobs/{id}. Training itself
// runs in the train function (functions/train), which an API Gateway HTTP API could not wait for:
// it cuts every integration at 30 s.
//
// The enqueue is made reliable by order: the job and the tenant's lock commit first, then the
// message is sent. If sending fails, the job is marked failed ("not-queued") and the lock
// released, in one transaction, and the caller gets 503 to retry; if even that write fails, the
// job's lease (botconfig.QueuedLease) ends it: it reads as failed and the tenant may train again.
// A message is never sent for a job that was not recorded.

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/idempotency"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/sqsmsg"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// JobQueue hands a recorded training job to the train function.
type JobQueue interface {
	Enqueue(ctx context.Context, m botconfig.JobMessage) error
}

// WithJobQueue lets the API accept training jobs (POST /v1/nlu/train) and queue them on q.
// Without it training answers 503.
func WithJobQueue(q JobQueue) Option { return func(api *API) { api.jobs = q } }

// SQSSender is the part of the SQS client SQSQueue uses.
type SQSSender = sqsmsg.Sender

// SQSQueue is a JobQueue over an SQS queue.
type SQSQueue struct {
	client SQSSender
	url    string
}

// NewSQSQueue returns a JobQueue that sends to the queue at url.
func NewSQSQueue(client SQSSender, url string) *SQSQueue { return &SQSQueue{client: client, url: url} }

// Enqueue sends m as one message.
func (q *SQSQueue) Enqueue(ctx context.Context, m botconfig.JobMessage) error {
	if err := sqsmsg.Send(ctx, q.client, q.url, m, 0); err != nil {
		return fmt.Errorf("queue training job %s/%s: %w", m.Tenant, m.Job, err)
	}
	return nil
}

// maxSmallBody bounds the bodies of routes whose body is at most a few options.
const maxSmallBody = 4 << 10

// trainBody is the body of POST /v1/nlu/train: empty, or options.
type trainBody struct {
	// Activate makes the model active as soon as it is trained. Without it a retrained model waits
	// for POST /v1/nlu/models/{version}/activate (a tenant's first model is activated anyway).
	Activate bool `json:"activate"`
}

func jobKey(id string) store.Key { return store.Key{Kind: botconfig.KindJob, ID: id} }

var jobLockKey = store.Key{Kind: botconfig.KindJobLock, ID: botconfig.JobLockID}

func jobPath(id string) string { return "/v1/nlu/jobs/" + id }

// train accepts a training job: 202 with the job and its Location, 409 naming the job when one is
// already queued or running, 422 when the configuration cannot be trained.
func (api *API) train(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var body trainBody
	if err := r.DecodeOptionalJSON(&body, httpapi.MaxBody(maxSmallBody)); err != nil {
		return httpapi.Response{}, err
	}
	if api.jobs == nil {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "training is not configured")
	}
	// Check now what can be checked now, so a configuration that cannot be trained is a 422 and not
	// a failed job. The worker checks again: the configuration may change meanwhile.
	if _, _, err := modelstore.LoadTrainingSet(ctx, api.store, p.Tenant); err != nil {
		if ue, ok := errors.AsType[*modelstore.UntrainableError](err); ok {
			return httpapi.Response{}, &httpapi.Error{Kind: kindUntrainable, Detail: ue.Problems[0].Field + ": " + ue.Problems[0].Reason, Fields: ue.Problems}
		}
		return httpapi.Response{}, err
	}
	now := api.now().UTC()
	id, err := botconfig.NewJobID(now)
	if err != nil {
		return httpapi.Response{}, err
	}
	job := botconfig.TrainingJob{ID: id, State: botconfig.JobQueued, Activate: body.Activate, RequestedBy: p.Actor(),
		CreatedAt: now, LeaseUntil: now.Add(botconfig.QueuedLease)}
	ops := []store.Op{
		// The lock first: it is the condition that fails when a training is under way.
		store.CreateOp(p.Tenant, jobLockKey, botconfig.TrainingLock{JobID: id}, store.WithTTL(job.LeaseUntil)),
		store.CreateOp(p.Tenant, jobKey(id), job, store.WithTTL(now.Add(botconfig.JobRetention))),
	}
	resp := httpapi.JSON(http.StatusAccepted, job.View(now))
	resp.Headers = map[string]string{"Location": jobPath(id)}
	// Under an Idempotency-Key the response commits with the job, not after the handler: the job
	// must exist before its message is sent, or the worker would find nothing to train.
	done, err := idempotency.DoneOps(ctx, resp)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, append(ops, done...)); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, api.trainingUnderWay(ctx, p.Tenant)
		}
		return httpapi.Response{}, fmt.Errorf("record training job of %s: %w", p.Tenant, err)
	}
	if err := api.jobs.Enqueue(ctx, botconfig.JobMessage{Tenant: p.Tenant.String(), Job: id}); err != nil {
		api.log.ErrorContext(ctx, "queue training job", "tenant", p.Tenant, "job", id, "err", err)
		api.unqueued(ctx, p.Tenant, job)
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "the training could not be queued; retry")
	}
	api.log.InfoContext(ctx, "training job queued", "tenant", p.Tenant, "job", id, "activate", body.Activate)
	return resp, nil
}

// trainingUnderWay is the 409 for a tenant whose lock is taken: it names the job holding it.
func (api *API) trainingUnderWay(ctx context.Context, t tenant.ID) error {
	var lock botconfig.TrainingLock
	if _, err := api.store.Get(ctx, t, jobLockKey, &lock); err != nil {
		if errors.Is(err, store.ErrNotFound) { // it ended meanwhile
			return httpapi.Errorf(httpapi.KindConflict, "another training was being accepted at the same moment; retry")
		}
		return fmt.Errorf("read training lock of %s: %w", t, err)
	}
	return httpapi.Errorf(httpapi.KindConflict, "training job %s is already queued or running; follow it at %s and train again once it has finished",
		lock.JobID, jobPath(lock.JobID))
}

// unqueued fails a job whose message could not be sent and releases the tenant's lock. If that
// fails too, the job's lease ends it.
func (api *API) unqueued(ctx context.Context, t tenant.ID, job botconfig.TrainingJob) {
	ctx = context.WithoutCancel(ctx)
	now := api.now().UTC()
	job.State, job.FinishedAt = botconfig.JobFailed, &now
	job.Error = &botconfig.JobError{Type: botconfig.JobErrNotQueued, Detail: "the training could not be queued; train again"}
	// Under an Idempotency-Key the 202 was stored with the job: free the key with the failure, so
	// the retry that the 503 invites queues a new job instead of replaying the dead one's 202.
	err := api.commit.Commit(ctx, append([]store.Op{
		store.PutOp(t, jobKey(job.ID), job, 1, store.WithTTL(now.Add(botconfig.JobRetention))),
		store.DeleteOp(t, jobLockKey, 1),
	}, idempotency.FreeOps(ctx)...))
	if err != nil {
		api.log.ErrorContext(ctx, "fail unqueued training job; its lease will end it", "tenant", t, "job", job.ID,
			"lease_until", job.LeaseUntil, "err", err)
	}
}

// getJob shows one job as it stands: state, progress, timestamps, and the model version and
// evaluation on success or the error on failure.
func (api *API) getJob(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id := r.Params["id"]
	if !botconfig.ValidJobID(id) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no training job %q", id)
	}
	var job botconfig.TrainingJob
	if _, err := api.getItem(ctx, p.Tenant, jobKey(id), fmt.Sprintf("training job %q", id), &job); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, job.View(api.now().UTC())), nil
}

// listJobs lists the tenant's training jobs, newest first, without their evaluations.
func (api *API) listJobs(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	page, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	page.Descending = true
	res, err := api.store.Query(ctx, p.Tenant, botconfig.KindJob, "", page)
	if errors.Is(err, store.ErrInvalidCursor) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("list training jobs of %s: %w", p.Tenant, err)
	}
	now := api.now().UTC()
	items := make([]botconfig.TrainingJob, 0, len(res.Items))
	for _, rec := range res.Items {
		var job botconfig.TrainingJob
		if err := rec.Decode(&job); err != nil {
			return httpapi.Response{}, fmt.Errorf("decode training job %s: %w", rec.Key.ID, err)
		}
		job = job.View(now)
		job.Evaluation = nil // GET /v1/nlu/jobs/{id} has it
		items = append(items, job)
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": res.Next}), nil
}
