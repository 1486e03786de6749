package botconfig

// Training jobs. POST /v1/nlu/train records a TrainingJob (queued) and the tenant's TrainingLock in
// one transaction, then queues a JobMessage; the train function moves the job queued → running →
// succeeded or failed and releases the lock in the transaction that records the outcome. The lock
// item is what keeps a tenant to one training at a time: it is created only where none is live.
// Lock and job share a lease (the lock's TTL is the job's LeaseUntil, written together), so a
// worker that dies leaves a job that reads as failed once the lease ends, and a tenant free to
// train again.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Store kinds of training jobs and the per-tenant lock.
const (
	KindJob     = "nlu-job"  // id: job id (sortable: time-based)
	KindJobLock = "nlu-lock" // id: JobLockID → TrainingLock
	JobLockID   = "training"
)

// Leases. QueuedLease bounds how long a job may wait in the queue for a worker; RunningLease how
// long a worker may train (the train function's timeout, 300 s, and a margin). Past its lease a job
// that has not finished reads as failed, and the tenant may train again.
const (
	QueuedLease  = 15 * time.Minute
	RunningLease = 6 * time.Minute
)

// JobRetention is how long a job's record is kept after its last change (its TTL).
const JobRetention = 30 * 24 * time.Hour

// JobState is where a training job is.
type JobState string

// Job states: queued → running → succeeded | failed (queued → failed when it cannot start).
const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobSucceeded JobState = "succeeded"
	JobFailed    JobState = "failed"
)

// Finished reports whether s is a final state.
func (s JobState) Finished() bool { return s == JobSucceeded || s == JobFailed }

// JobProgress is how far a running training has come: the trainer's stage and units of work done
// out of total (one solved classifier problem or one epoch), and their fraction.
type JobProgress struct {
	Stage    string  `dynamodbav:"stage" json:"stage"`
	Done     int     `dynamodbav:"done" json:"done"`
	Total    int     `dynamodbav:"total" json:"total"`
	Fraction float64 `dynamodbav:"fraction" json:"fraction"`
}

// JobError says why a job failed. Type is a problem type slug ("untrainable", "internal",
// "abandoned"); Fields point at the configuration at fault when the bot could not be trained.
type JobError struct {
	Type   string   `dynamodbav:"type" json:"type"`
	Detail string   `dynamodbav:"detail" json:"detail"`
	Fields Problems `dynamodbav:"fields" json:"errors,omitempty"`
}

// Job error types.
const (
	JobErrUntrainable   = "untrainable"    // the configuration cannot be trained (Fields say why)
	JobErrInternal      = "internal"       // the worker failed; the detail is in its log
	JobErrAbandoned     = "abandoned"      // no worker finished it within its lease
	JobErrNotQueued     = "not-queued"     // the job could not be handed to the queue
	JobErrQuotaExceeded = "quota-exceeded" // the models quota is full of models that cannot be pruned
)

// TrainingJob is one training request and what became of it.
type TrainingJob struct {
	ID          string     `dynamodbav:"id" json:"id"`
	State       JobState   `dynamodbav:"state" json:"state"`
	Activate    bool       `dynamodbav:"activate" json:"activate"`
	RequestedBy string     `dynamodbav:"requested_by" json:"requested_by"`
	CreatedAt   time.Time  `dynamodbav:"created_at" json:"created_at"`
	StartedAt   *time.Time `dynamodbav:"started_at,omitempty" json:"started_at,omitempty"`
	FinishedAt  *time.Time `dynamodbav:"finished_at,omitempty" json:"finished_at,omitempty"`
	// LeaseUntil is when a queued or running job is given up for lost.
	LeaseUntil time.Time    `dynamodbav:"lease_until" json:"-"`
	Attempts   int          `dynamodbav:"attempts" json:"attempts"`
	Progress   *JobProgress `dynamodbav:"progress,omitempty" json:"progress,omitempty"`
	// On success: the model trained, whether this job activated it, and its evaluation.
	ModelVersion string          `dynamodbav:"model_version,omitempty" json:"model_version,omitempty"`
	Activated    bool            `dynamodbav:"activated" json:"activated"`
	Evaluation   json.RawMessage `dynamodbav:"evaluation,omitempty" json:"evaluation,omitempty"`
	Error        *JobError       `dynamodbav:"error,omitempty" json:"error,omitempty"`
}

// View is the job as a reader should see it at now: a queued or running job past its lease has
// failed (its worker died or never came), whatever the record still says.
func (j TrainingJob) View(now time.Time) TrainingJob {
	if !j.State.Finished() && now.After(j.LeaseUntil) {
		j.State = JobFailed
		end := j.LeaseUntil
		j.FinishedAt = &end
		j.Error = &JobError{Type: JobErrAbandoned, Detail: "no worker finished the training within its lease; train again"}
	}
	return j
}

// TrainingLock is the per-tenant lock: the job that holds the tenant's one training slot. Its TTL
// is the job's lease.
type TrainingLock struct {
	JobID string `dynamodbav:"job_id" json:"job_id"`
}

// JobMessage is the queue message that asks the train function to run a job.
type JobMessage struct {
	Tenant string `json:"tenant"`
	Job    string `json:"job"`
}

// jobIDLayout is the time part of a job id: UTC to the millisecond, so ids sort by request time.
const jobIDLayout = "20060102T150405.000Z"

var reJobID = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9a-f]{8}$`)

// NewJobID returns a job id for a request at t: "20250603T101304.882Z-4f9a1c07", the UTC time and
// 32 random bits.
func NewJobID(t time.Time) (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random job id: %w", err)
	}
	return t.UTC().Format(jobIDLayout) + "-" + hex.EncodeToString(b), nil
}

// ValidJobID reports whether s has the form NewJobID makes.
func ValidJobID(s string) bool { return reJobID.MatchString(s) }

// ModelEventSubject is the subject of the nlu.model.* events, so trainings and activations keep
// their order on the stream whichever function emits them.
const ModelEventSubject = "nlu"
