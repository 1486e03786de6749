package handler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// env is a worker over a fresh table, stream and bucket on the emulators.
type env struct {
	w      *Worker
	db     *store.Store
	ms     *modelstore.Store
	s3     *s3.Client
	bucket string
	kin    *kinesis.Client
	stream string
	t      tenant.ID
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, streamName := emulators.NewStream(t, 1)
	client, bucket := emulators.NewBucket(t, modelstore.NewClient)
	db := store.New(ddb, table)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ms := modelstore.New(client, bucket)
	w := New(db, outbox.New(db, stream.NewPublisher(kin, streamName), log), ms, log)
	id, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	return &env{w: w, db: db, ms: ms, s3: client, bucket: bucket, kin: kin, stream: streamName, t: id}
}

// smallBot writes a small bilingual bot: four intents of six examples.
func (e *env) smallBot(t *testing.T) {
	t.Helper()
	intents := map[string][]string{
		"card_lost":     {"I lost my card", "my card was stolen", "can't find my bank card", "lost my debit card", "我的卡丢了", "卡被偷了"},
		"balance":       {"what is my balance", "how much money do I have", "check my account balance", "show my balance", "我的余额是多少", "查余额"},
		"opening_hours": {"when are you open", "what are your opening hours", "are you open on sunday", "what time do you close", "营业时间", "你们几点开门"},
		"transfer":      {"send money to a friend", "transfer money", "make a transfer to another account", "wire money", "我要转账", "给朋友汇款"},
	}
	for id, ex := range intents {
		in := botconfig.Intent{ID: id, Examples: ex, UpdatedAt: time.Now().UTC()}
		if err := e.db.Create(context.Background(), e.t, store.Key{Kind: botconfig.KindIntent, ID: id}, in); err != nil {
			t.Fatal(err)
		}
	}
}

// job records a job in state with the given lease, and the tenant's lock naming lockJob ("" for
// none), as POST /v1/nlu/train and an earlier worker would have; it returns the queue message.
func (e *env) job(t *testing.T, state botconfig.JobState, lease time.Time, lockJob string, activate bool) (botconfig.TrainingJob, string) {
	t.Helper()
	now := time.Now().UTC()
	id, err := botconfig.NewJobID(now)
	if err != nil {
		t.Fatal(err)
	}
	j := botconfig.TrainingJob{ID: id, State: state, Activate: activate, RequestedBy: "key_test", CreatedAt: now, LeaseUntil: lease}
	ops := []store.Op{store.CreateOp(e.t, jobKey(id), j)}
	if lockJob == "self" {
		lockJob = id
	}
	if lockJob != "" {
		ops = append(ops, store.CreateOp(e.t, lockKey, botconfig.TrainingLock{JobID: lockJob}, store.WithTTL(lease)))
	}
	if err := e.db.Tx(context.Background(), ops...); err != nil {
		t.Fatal(err)
	}
	return j, fmt.Sprintf(`{"tenant":%q,"job":%q}`, e.t, id)
}

// deliver hands the worker one SQS event of bodies and returns the message ids reported failed.
func (e *env) deliver(t *testing.T, bodies ...string) []string {
	t.Helper()
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m-%d", i), Body: b, EventSource: "aws:sqs"})
	}
	resp, err := e.w.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed
}

func (e *env) getJob(t *testing.T, id string) botconfig.TrainingJob {
	t.Helper()
	var j botconfig.TrainingJob
	if _, err := e.db.Get(context.Background(), e.t, jobKey(id), &j); err != nil {
		t.Fatal(err)
	}
	return j
}

func (e *env) lock(t *testing.T) (botconfig.TrainingLock, bool) {
	t.Helper()
	var l botconfig.TrainingLock
	_, err := e.db.Get(context.Background(), e.t, lockKey, &l)
	if errors.Is(err, store.ErrNotFound) {
		return l, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return l, true
}

func (e *env) models(t *testing.T) int {
	t.Helper()
	res, err := e.db.Query(context.Background(), e.t, botconfig.KindModel, "", store.PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Items)
}

// bundles counts the objects in the model bucket.
func (e *env) bundles(t *testing.T) int {
	t.Helper()
	out, err := e.s3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(e.bucket)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Contents)
}

func (e *env) eventTypes(t *testing.T) []string {
	t.Helper()
	var types []string
	for _, ev := range emulators.ReadStream(t, e.kin, e.stream, lxevents.Decode) {
		types = append(types, ev.Type)
	}
	return types
}

// An SQS message may arrive twice: the job trains once, and the second delivery is simply done.
func TestWorkerTrainsOnceOnDuplicateDelivery(t *testing.T) {
	e := newEnv(t)
	e.smallBot(t)
	j, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", false)
	if failed := e.deliver(t, msg, msg); len(failed) != 0 {
		t.Fatalf("reported for retry: %v", failed)
	}
	got := e.getJob(t, j.ID)
	if got.State != botconfig.JobSucceeded || got.Attempts != 1 || got.StartedAt == nil || got.FinishedAt == nil ||
		!botconfig.ValidModelVersion(got.ModelVersion) || !got.Activated || len(got.Evaluation) == 0 ||
		got.Progress == nil || got.Progress.Fraction != 1 {
		t.Fatalf("job: %+v", got)
	}
	if _, held := e.lock(t); held {
		t.Fatal("the lock outlived the job")
	}
	if n := e.models(t); n != 1 {
		t.Fatalf("%d models, want 1", n)
	}
	b, err := e.ms.Get(context.Background(), e.t, got.ModelVersion)
	if err != nil {
		t.Fatal(err)
	}
	if p := b.Model.Predict("I think my card was stolen"); p.Intent != "card_lost" {
		t.Fatalf("predict: %+v", p)
	}
	// The tenant's first model is activated; the events say so once.
	want := []string{lxevents.TypeNLUModelTrained, lxevents.TypeNLUModelActivated}
	if types := e.eventTypes(t); !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
}

// A retrained model waits for activation unless the job asked for it.
func TestWorkerActivatesOnlyWhenAsked(t *testing.T) {
	e := newEnv(t)
	e.smallBot(t)
	_, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", false)
	e.deliver(t, msg)
	j2, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", false)
	e.deliver(t, msg)
	j3, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", true)
	e.deliver(t, msg)
	if got := e.getJob(t, j2.ID); got.State != botconfig.JobSucceeded || got.Activated {
		t.Fatalf("retrained without activate: %+v", got)
	}
	got := e.getJob(t, j3.ID)
	var active botconfig.Active
	if _, err := e.db.Get(context.Background(), e.t, activeKey, &active); err != nil {
		t.Fatal(err)
	}
	if !got.Activated || active.Version != got.ModelVersion {
		t.Fatalf("activate:true: job %+v, active %+v", got, active)
	}
}

// A delivery that finds the job running under a live lease leaves it to that worker and asks for
// the message back later, without training.
func TestWorkerLeavesARunningJob(t *testing.T) {
	e := newEnv(t)
	e.smallBot(t)
	_, msg := e.job(t, botconfig.JobRunning, time.Now().Add(botconfig.RunningLease), "self", false)
	if failed := e.deliver(t, msg); !slices.Equal(failed, []string{"m-0"}) {
		t.Fatalf("failed %v, want the message back", failed)
	}
	if n := e.models(t); n != 0 {
		t.Fatalf("trained a running job: %d models", n)
	}
}

// A job past its lease is recorded as failed; the lock (another job's now) is left alone.
func TestWorkerRecordsAnAbandonedJob(t *testing.T) {
	e := newEnv(t)
	e.smallBot(t)
	j, msg := e.job(t, botconfig.JobRunning, time.Now().Add(-time.Minute), "", false)
	_, _ = e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", false)
	before, _ := e.lock(t)
	if failed := e.deliver(t, msg); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	got := e.getJob(t, j.ID)
	if got.State != botconfig.JobFailed || got.Error == nil || got.Error.Type != botconfig.JobErrAbandoned {
		t.Fatalf("job: %+v", got)
	}
	if after, held := e.lock(t); !held || after != before {
		t.Fatalf("the other job's lock changed: %+v → %+v", before, after)
	}
	if n := e.models(t); n != 0 {
		t.Fatalf("%d models", n)
	}
}

// A queued job whose lock is gone (or another's) does not train: it fails, and the lock holder
// keeps its slot.
func TestWorkerNeedsItsLock(t *testing.T) {
	e := newEnv(t)
	e.smallBot(t)
	j, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "", false)
	if failed := e.deliver(t, msg); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	if got := e.getJob(t, j.ID); got.State != botconfig.JobFailed || got.Error.Type != botconfig.JobErrAbandoned {
		t.Fatalf("job: %+v", got)
	}
	if n := e.models(t); n != 0 {
		t.Fatalf("%d models", n)
	}
}

// A configuration that became untrainable after the request fails the job with the fields at
// fault and frees the tenant.
func TestWorkerUntrainable(t *testing.T) {
	e := newEnv(t)
	in := botconfig.Intent{ID: "thin", Examples: []string{"only one"}}
	if err := e.db.Create(context.Background(), e.t, store.Key{Kind: botconfig.KindIntent, ID: "thin"}, in); err != nil {
		t.Fatal(err)
	}
	j, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", false)
	if failed := e.deliver(t, msg); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	got := e.getJob(t, j.ID)
	if got.State != botconfig.JobFailed || got.Error == nil || got.Error.Type != botconfig.JobErrUntrainable ||
		!slices.ContainsFunc(got.Error.Fields, func(f botconfig.FieldError) bool { return f.Field == "/intents/thin/examples" }) {
		t.Fatalf("job: %+v", got)
	}
	if _, held := e.lock(t); held {
		t.Fatal("a failed job kept the lock")
	}
	if types := e.eventTypes(t); len(types) != 0 {
		t.Fatalf("events %v", types)
	}
}

// Messages no job can use are dropped (logged), not retried until they reach the dead-letter queue.
func TestWorkerDropsUselessMessages(t *testing.T) {
	e := newEnv(t)
	id, _ := botconfig.NewJobID(time.Now())
	for name, body := range map[string]string{
		"not JSON":      "hello",
		"unknown field": `{"tenant":"acme","job":"` + id + `","x":1}`,
		"bad tenant":    `{"tenant":"Not A Tenant","job":"` + id + `"}`,
		"bad job id":    `{"tenant":"acme","job":"../other"}`,
		"no such job":   `{"tenant":"acme","job":"` + id + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if failed := e.deliver(t, body); len(failed) != 0 {
				t.Fatalf("failed %v", failed)
			}
		})
	}
}

// progressStore records the progress the worker writes while it trains.
type progressStore struct {
	*store.Store
	mu     sync.Mutex
	writes []botconfig.JobProgress
}

func (s *progressStore) Put(ctx context.Context, t tenant.ID, k store.Key, v any, version int64, opts ...store.Option) (int64, error) {
	if j, ok := v.(botconfig.TrainingJob); ok && j.Progress != nil {
		s.mu.Lock()
		s.writes = append(s.writes, *j.Progress)
		s.mu.Unlock()
	}
	return s.Store.Put(ctx, t, k, v, version, opts...)
}

// While a job trains, its progress is written to the job (the trainer's own stage and counts), and
// those writes do not get in the way of recording the outcome.
func TestWorkerWritesProgress(t *testing.T) {
	e := newEnv(t)
	e.smallBot(t)
	ps := &progressStore{Store: e.db}
	e.w.store, e.w.every = ps, time.Millisecond
	j, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", false)
	if failed := e.deliver(t, msg); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	if got := e.getJob(t, j.ID); got.State != botconfig.JobSucceeded {
		t.Fatalf("job: %+v", got)
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if len(ps.writes) == 0 {
		t.Fatal("no progress written while training")
	}
	for _, p := range ps.writes {
		if p.Fraction < 0 || p.Fraction > 1 || p.Done > p.Total || p.Stage == "" {
			t.Fatalf("progress %+v", p)
		}
	}
	t.Logf("%d progress writes, last %+v", len(ps.writes), ps.writes[len(ps.writes)-1])
}

// The models quota is a retention limit: with a plan keeping 2 models, a third training prunes the
// oldest model that is not active (its item and its bundle), and the tenant's counter says 2. With
// a plan keeping 1, retraining while the one model is active fails the job (nothing can be
// pruned), removes the new bundle and frees the tenant.
func TestWorkerKeepsTheModelsQuota(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.smallBot(t)
	if err := e.db.Create(ctx, e.t, plan.Key, plan.Plan{Quotas: plan.Quotas{Models: 2}}); err != nil {
		t.Fatal(err)
	}
	var versions []string
	for i := range 3 {
		j, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", false)
		if failed := e.deliver(t, msg); len(failed) != 0 {
			t.Fatalf("training %d reported for retry", i)
		}
		got := e.getJob(t, j.ID)
		if got.State != botconfig.JobSucceeded {
			t.Fatalf("training %d: %+v", i, got)
		}
		versions = append(versions, got.ModelVersion)
	}
	res, err := e.db.Query(ctx, e.t, botconfig.KindModel, "", store.PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, r := range res.Items {
		kept = append(kept, r.Key.ID)
	}
	// The first model is active (a tenant's first model is activated): the second one goes.
	if want := []string{versions[0], versions[2]}; !slices.Equal(kept, want) {
		t.Fatalf("models kept %v, want %v (trained %v)", kept, want, versions)
	}
	if n := e.bundles(t); n != 2 {
		t.Fatalf("%d bundles in the bucket, want 2", n)
	}
	if _, err := e.ms.Get(ctx, e.t, versions[1]); err == nil {
		t.Fatalf("the pruned model's bundle %s is still in the bucket", versions[1])
	}
	for _, v := range kept {
		if _, err := e.ms.Get(ctx, e.t, v); err != nil {
			t.Fatalf("kept model %s: %v", v, err)
		}
	}
	u, ok, err := quota.New(e.db).Get(ctx, e.t, quota.Models)
	if err != nil || !ok || u.Count != 2 {
		t.Fatalf("models counter %+v %v %v, want 2", u, ok, err)
	}

}

// A plan keeping 1 model: retraining while the one model is active cannot prune anything, so the
// job fails (quota-exceeded), its bundle is removed and the tenant is free to train again.
func TestWorkerRefusesAModelNothingMakesRoomFor(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.smallBot(t)
	if err := e.db.Create(ctx, e.t, plan.Key, plan.Plan{Quotas: plan.Quotas{Models: 1}}); err != nil {
		t.Fatal(err)
	}
	_, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", false)
	e.deliver(t, msg)
	j, msg := e.job(t, botconfig.JobQueued, time.Now().Add(botconfig.QueuedLease), "self", false)
	if failed := e.deliver(t, msg); len(failed) != 0 {
		t.Fatalf("reported for retry: %v", failed)
	}
	got := e.getJob(t, j.ID)
	if got.State != botconfig.JobFailed || got.Error == nil || got.Error.Type != botconfig.JobErrQuotaExceeded {
		t.Fatalf("job at a full quota: %+v", got)
	}
	if _, held := e.lock(t); held {
		t.Fatal("a failed job kept the lock")
	}
	if n := e.models(t); n != 1 {
		t.Fatalf("%d models after the refused training, want 1", n)
	}
	if u, _, _ := quota.New(e.db).Get(ctx, e.t, quota.Models); u.Count != 1 {
		t.Fatalf("models counter %d, want 1", u.Count)
	}
	if n := e.bundles(t); n != 1 {
		t.Fatalf("%d bundles in the bucket, want 1", n)
	}
}
