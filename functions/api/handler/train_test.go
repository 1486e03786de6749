package handler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	lxevents "github.com/lingxi/lingxi/events"
	trainhandler "github.com/lingxi/lingxi/functions/train/handler"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

// memQueue is a JobQueue that keeps the messages for the test to hand to the train worker; fail,
// when set, is what Enqueue returns instead.
type memQueue struct {
	mu   sync.Mutex
	msgs []string
	fail error
}

func (q *memQueue) Enqueue(_ context.Context, m botconfig.JobMessage) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil {
		return q.fail
	}
	q.msgs = append(q.msgs, `{"tenant":"`+m.Tenant+`","job":"`+m.Job+`"}`)
	return nil
}

func (q *memQueue) take() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.msgs
	q.msgs = nil
	return out
}

// trainer is the API's job queue and the real train worker over the same table, stream and a
// fresh bucket.
type trainer struct {
	ms     *modelstore.Store
	queue  *memQueue
	worker *trainhandler.Worker
}

// withModels rebuilds e's API over the same table and stream with a job queue, and returns the
// trainer that runs what it queues.
func withModels(t *testing.T, e *env, opts ...Option) *trainer {
	t.Helper()
	client, bucket := emulators.NewBucket(t, modelstore.NewClient)
	tr := &trainer{ms: modelstore.New(client, bucket), queue: &memQueue{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr.worker = trainhandler.New(e.api.store.(*store.Store), e.api.commit, tr.ms, log)
	human, fc, fcData, dispatch, qa, vocs, reports := e.api.human, e.api.fc, e.api.fcData, e.api.dispatch, e.api.qa, e.api.voc, e.api.reports // the floor, conversations, forecasts, forecast data, dispatch engine, QA records and VOC of humanOptions; newEnv's VOC reports
	e.api = New(e.api.store, e.api.commit, e.api.auth, log, append([]Option{WithJobQueue(tr.queue)}, opts...)...)
	e.api.human, e.api.fc, e.api.fcData, e.api.dispatch, e.api.qa, e.api.voc, e.api.reports = human, fc, fcData, dispatch, qa, vocs, reports
	return tr
}

// drain delivers every queued message to the worker as the SQS event source mapping would, and
// fails t if one is reported for retry.
func (tr *trainer) drain(t *testing.T) {
	t.Helper()
	for _, body := range tr.queue.take() {
		resp, err := tr.worker.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-1", Body: body}}})
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("worker on %s: %v %v", body, resp, err)
		}
	}
}

// trainNow queues a training, runs it and returns the finished job.
func (tr *trainer) trainNow(t *testing.T, e *env, key, body string) map[string]any {
	t.Helper()
	r := e.call(t, "POST", "/v1/nlu/train", key, body)
	r.want(t, "train", http.StatusAccepted)
	tr.drain(t)
	id := r.body["id"].(string)
	job := e.call(t, "GET", "/v1/nlu/jobs/"+id, key, "")
	job.want(t, "get job", http.StatusOK)
	if job.body["state"] != string(botconfig.JobSucceeded) {
		t.Fatalf("job %s: %v", id, job.body)
	}
	return job.body
}

// Regression (issue 7, defect 7): POST /v1/nlu/train trained inside the request (up to ~30 s, past
// API Gateway's 30 s integration limit). It now answers 202 with a job at once; the worker trains;
// the job shows state, progress and the evaluation; a second training waits its turn (409).
func TestTrainJobActivateRollback(t *testing.T) {
	e := newEnv(t)
	tr := withModels(t, e)
	key := e.createTenant(t, "trainer")
	ctx := context.Background()

	// Too little to train: refused at once, and no job recorded.
	e.call(t, "PUT", "/v1/intents/thin", key, `{"examples":["only one"]}`).want(t, "setup", http.StatusCreated)
	e.call(t, "POST", "/v1/nlu/train", key, "").want(t, "untrainable", http.StatusUnprocessableEntity, "/intents", "/intents/thin/examples")
	e.call(t, "DELETE", "/v1/intents/thin", key, "").want(t, "cleanup", http.StatusNoContent)
	if n := len(e.call(t, "GET", "/v1/nlu/jobs", key, "").items()); n != 0 {
		t.Fatalf("%d jobs after an untrainable request", n)
	}

	trainingSet(t, e, key)
	r := e.call(t, "POST", "/v1/nlu/train", key, "")
	r.want(t, "train", http.StatusAccepted)
	jobID, _ := r.body["id"].(string)
	if !botconfig.ValidJobID(jobID) || r.body["state"] != "queued" || r.headers["Location"] != "/v1/nlu/jobs/"+jobID {
		t.Fatalf("accepted: %v %v", r.headers, r.body)
	}
	// One training at a time: the second request names the first job.
	busy := e.call(t, "POST", "/v1/nlu/train", key, `{"activate":true}`)
	busy.want(t, "second training", http.StatusConflict)
	if !strings.Contains(busy.body["detail"].(string), jobID) {
		t.Fatalf("409 does not name job %s: %v", jobID, busy.body)
	}
	if got := e.call(t, "GET", "/v1/nlu/jobs/"+jobID, key, "").body; got["state"] != "queued" {
		t.Fatalf("before the worker: %v", got)
	}

	tr.drain(t)
	job := e.call(t, "GET", "/v1/nlu/jobs/"+jobID, key, "")
	job.want(t, "job", http.StatusOK)
	first, _ := job.body["model_version"].(string)
	eval, _ := job.body["evaluation"].(map[string]any)
	progress, _ := job.body["progress"].(map[string]any)
	if job.body["state"] != "succeeded" || !botconfig.ValidModelVersion(first) || job.body["activated"] != true ||
		job.body["started_at"] == nil || job.body["finished_at"] == nil || progress["fraction"] != 1.0 ||
		eval["examples"] != 30.0 || len(eval["intents"].([]any)) != 6 || eval["method"] != modelstore.EvaluationMethod {
		t.Fatalf("finished job: %v", job.body)
	}
	// The bundle is in S3 and answers as trained.
	b, err := tr.ms.Get(ctx, mustTenant(t, "trainer"), first)
	if err != nil {
		t.Fatal(err)
	}
	if p := b.Model.Predict("I think my card was stolen"); p.Intent != "card_lost" {
		t.Fatalf("predict: %+v", p)
	}

	// A retrained model is recorded but not activated...
	e.call(t, "PUT", "/v1/intents/goodbye", key, `{"examples":["bye","goodbye","再见","see you"]}`).want(t, "more", http.StatusCreated)
	done := tr.trainNow(t, e, key, "")
	second := done["model_version"].(string)
	if done["activated"] != false || second <= first {
		t.Fatalf("second training: %v (first %s)", done, first)
	}
	if r := e.call(t, "GET", "/v1/nlu/active", key, ""); r.body["version"] != first {
		t.Fatalf("a retrained model became active: %v", r.body)
	}
	// ...unless the request asks for it.
	done = tr.trainNow(t, e, key, `{"activate":true}`)
	third := done["model_version"].(string)
	if done["activated"] != true {
		t.Fatalf("activate:true: %v", done)
	}
	if r := e.call(t, "GET", "/v1/nlu/active", key, ""); r.body["version"] != third {
		t.Fatalf("active after activate:true: %v", r.body)
	}
	list := e.call(t, "GET", "/v1/nlu/jobs", key, "").items()
	if len(list) != 3 || list[2]["id"] != jobID || list[0]["evaluation"] != nil || list[0]["model_version"] != third {
		t.Fatalf("jobs: %v", list)
	}

	// Activation and rollback through the activate route, as before.
	e.call(t, "POST", "/v1/nlu/models/"+second+"/activate", key, "").want(t, "activate second", http.StatusOK)
	r = e.call(t, "POST", "/v1/nlu/models/"+first+"/activate", key, "{}")
	r.want(t, "rollback", http.StatusOK)
	if r.body["previous"] != second {
		t.Fatalf("rollback: %v", r.body)
	}
	// One model with its whole evaluation report.
	if r := e.call(t, "GET", "/v1/nlu/models/"+first, key, ""); r.status != http.StatusOK || r.body["active"] != true ||
		r.body["version"] != first || r.body["evaluation"] == nil {
		t.Fatalf("model %s: %d %v", first, r.status, r.body)
	}
	if r := e.call(t, "GET", "/v1/nlu/active", key, ""); r.body["version"] != first || r.body["model"].(map[string]any)["intents"] != 4.0 {
		t.Fatalf("active after rollback: %v", r.body)
	}

	var types []string
	for _, ev := range e.streamEvents(t) {
		if strings.HasPrefix(ev.Type, "nlu.") {
			types = append(types, ev.Type)
		}
	}
	want := []string{lxevents.TypeNLUModelTrained, lxevents.TypeNLUModelActivated, // first: activated at once
		lxevents.TypeNLUModelTrained,                                 // second: waits
		lxevents.TypeNLUModelTrained, lxevents.TypeNLUModelActivated, // third: activate:true
		lxevents.TypeNLUModelActivated, lxevents.TypeNLUModelActivated} // the route, twice
	if !slices.Equal(types, want) {
		t.Fatalf("model events %v, want %v", types, want)
	}
}

// Without a job queue the API still serves everything else; training says it is unavailable.
func TestTrainWithoutQueue(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "nostore")
	e.call(t, "POST", "/v1/nlu/train", key, "").want(t, "train", http.StatusServiceUnavailable)
}

// A job whose message cannot be sent fails at once and frees the tenant to train again.
func TestTrainEnqueueFails(t *testing.T) {
	e := newEnv(t)
	tr := withModels(t, e)
	key := e.createTenant(t, "unqueued")
	trainingSet(t, e, key)
	tr.queue.fail = errors.New("queue down")
	e.call(t, "POST", "/v1/nlu/train", key, "").want(t, "queue down", http.StatusServiceUnavailable)
	jobs := e.call(t, "GET", "/v1/nlu/jobs", key, "").items()
	if len(jobs) != 1 || jobs[0]["state"] != "failed" || jobs[0]["error"].(map[string]any)["type"] != botconfig.JobErrNotQueued {
		t.Fatalf("jobs: %v", jobs)
	}
	tr.queue.fail = nil
	tr.trainNow(t, e, key, "")
}

// A job nobody finished within its lease reads as failed, and its lock no longer holds the tenant.
func TestTrainLeaseEnds(t *testing.T) {
	e := newEnv(t)
	tr := withModels(t, e)
	key := e.createTenant(t, "lost")
	trainingSet(t, e, key)
	id := e.call(t, "POST", "/v1/nlu/train", key, "").body["id"].(string)
	tr.queue.take() // the message is lost
	e.call(t, "POST", "/v1/nlu/train", key, "").want(t, "while queued", http.StatusConflict)

	later := time.Now().Add(botconfig.QueuedLease + time.Minute)
	e.api.now = func() time.Time { return later }
	clocked := e.api.store.(*store.Store).WithClock(func() time.Time { return later })
	e.api.store = clocked
	e.api.commit = outbox.New(clocked, stream.NewPublisher(e.kin, e.stream), slog.New(slog.NewTextHandler(io.Discard, nil)))
	job := e.call(t, "GET", "/v1/nlu/jobs/"+id, key, "").body
	if job["state"] != "failed" || job["error"].(map[string]any)["type"] != botconfig.JobErrAbandoned {
		t.Fatalf("job past its lease: %v", job)
	}
	r := e.call(t, "POST", "/v1/nlu/train", key, "")
	r.want(t, "after the lease", http.StatusAccepted)
}

// Regression (issue 7, defect 4): the training and activation routes acted on any body
// (malformed JSON, 1 MB of garbage, text/plain). They take an empty body or JSON of their shape,
// and refuse anything else without acting.
func TestTrainAndActivateBodies(t *testing.T) {
	e := newEnv(t)
	tr := withModels(t, e)
	key := e.createTenant(t, "bodies")
	trainingSet(t, e, key)
	first := tr.trainNow(t, e, key, "")["model_version"].(string)
	e.call(t, "PUT", "/v1/intents/goodbye", key, `{"examples":["bye","goodbye","再见","see you"]}`).want(t, "more", http.StatusCreated)
	second := tr.trainNow(t, e, key, "")["model_version"].(string)

	garbage := strings.Repeat("\x01garbage", 1<<17) // 1 MiB
	bad := map[string]struct {
		body, contentType string
		status            int
		kind              string
	}{
		"malformed JSON":   {`{"activate":`, "application/json", 400, "malformed-body"},
		"not JSON":         {`activate please`, "application/json", 400, "malformed-body"},
		"1 MB of garbage":  {garbage, "application/json", 413, "too-large"},
		"text/plain":       {`{"activate":true}`, "text/plain", 415, "unsupported-media-type"},
		"no content type":  {`{"activate":true}`, "", 415, "unsupported-media-type"},
		"form":             {`activate=true`, "application/x-www-form-urlencoded", 415, "unsupported-media-type"},
		"array":            {`[]`, "application/json", 400, "validation"},
		"null":             {`null`, "application/json", 400, "validation"}, // JSON, but not an object
		"two values":       {`{} {}`, "application/json", 400, "malformed-body"},
		"unknown field":    {`{"activate":true,"tenant":"other"}`, "application/json", 400, "validation"},
		"wrong type":       {`{"activate":"yes"}`, "application/json", 400, "validation"},
		"invalid UTF-8":    {"{\"activate\":\"\xff\"}", "application/json", 400, "validation"},
		"whitespace only":  {"  \n", "application/json", 400, "malformed-body"},
		"truncated object": {`{`, "application/json", 400, "malformed-body"},
	}
	routes := map[string]string{
		"train":    "/v1/nlu/train",
		"activate": "/v1/nlu/models/" + second + "/activate",
	}
	for route, path := range routes {
		for name, tc := range bad {
			t.Run(route+"/"+name, func(t *testing.T) {
				headers := []string{"Content-Type: " + tc.contentType}
				r := e.call(t, "POST", path, key, tc.body, headers...)
				if r.status != tc.status || r.body["type"] != "urn:lingxi:problem:"+tc.kind {
					t.Fatalf("got %d %v, want %d %s", r.status, r.body, tc.status, tc.kind)
				}
			})
		}
	}
	// Nothing acted: no new job, the first model still active.
	if n := len(e.call(t, "GET", "/v1/nlu/jobs", key, "").items()); n != 2 {
		t.Fatalf("%d jobs after bad bodies, want 2", n)
	}
	if r := e.call(t, "GET", "/v1/nlu/active", key, ""); r.body["version"] != first {
		t.Fatalf("active after bad bodies: %v", r.body)
	}
	// The documented shapes still work: empty and {} for activation, {"activate":true} for training.
	e.call(t, "POST", routes["activate"], key, "", "Content-Type: text/plain").want(t, "empty activate", http.StatusOK)
	e.call(t, "POST", "/v1/nlu/models/"+first+"/activate", key, "{}").want(t, "{} activate", http.StatusOK)
	e.call(t, "POST", routes["activate"], key, `{"activate":true}`).want(t, "activate takes no fields", http.StatusBadRequest, "/activate")
	tr.trainNow(t, e, key, `{"activate":true}`)
}

// Many training requests at once for one tenant: exactly one is accepted, every other gets 409,
// and only the accepted job is recorded.
func TestTrainOneAtATime(t *testing.T) {
	e := newEnv(t)
	tr := withModels(t, e)
	key := e.createTenant(t, "racer")
	trainingSet(t, e, key)
	const n = 8
	start := make(chan struct{})
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start // a barrier: every request leaves together
			codes[i] = e.call(t, "POST", "/v1/nlu/train", key, "").status
		})
	}
	close(start)
	wg.Wait()
	accepted, conflicts := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusAccepted:
			accepted++
		case http.StatusConflict:
			conflicts++
		}
	}
	if accepted != 1 || conflicts != n-1 {
		t.Fatalf("statuses %v: want one 202 and %d 409", codes, n-1)
	}
	if jobs := e.call(t, "GET", "/v1/nlu/jobs", key, "").items(); len(jobs) != 1 {
		t.Fatalf("%d jobs recorded, want 1: %v", len(jobs), jobs)
	}
	if msgs := tr.queue.take(); len(msgs) != 1 {
		t.Fatalf("%d messages queued, want 1", len(msgs))
	}
}

// The models quota keeps the newest models through the API: with a plan of 2, three trainings
// leave the active model and the newest one, the pruned one's bundle is gone, and GET /v1/tenant
// shows the usage from the models counter the worker keeps.
func TestModelsQuotaPrunesThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	tr := withModels(t, e)
	key := e.createTenant(t, "q-models")
	e.call(t, "PUT", "/v1/tenants/q-models/plan", adminKey, `{"quotas":{"models":2}}`).want(t, "set plan", http.StatusOK)
	trainingSet(t, e, key)
	var versions []string
	for range 3 {
		versions = append(versions, tr.trainNow(t, e, key, "")["model_version"].(string))
	}
	var listed []string
	for _, m := range e.call(t, "GET", "/v1/nlu/models", key, "").items() {
		listed = append(listed, m["version"].(string))
	}
	slices.Sort(listed)
	if want := []string{versions[0], versions[2]}; !slices.Equal(listed, want) {
		t.Fatalf("models %v, want %v (trained %v)", listed, want, versions)
	}
	if _, err := tr.ms.Get(context.Background(), mustTenant(t, "q-models"), versions[1]); !errors.Is(err, modelstore.ErrNotFound) {
		t.Fatalf("pruned bundle: %v", err)
	}
	// The counter item the worker keeps, which GET /v1/tenant reads.
	var u struct {
		N int64 `dynamodbav:"n"`
	}
	if _, err := e.api.store.Get(context.Background(), mustTenant(t, "q-models"), store.Key{Kind: "usage", ID: "models"}, &u); err != nil || u.N != 2 {
		t.Fatalf("models counter %d, %v", u.N, err)
	}
	if usage, limit := e.usage(t, key, "models"); usage != 2 || limit != 2 {
		t.Fatalf("GET /v1/tenant models: %d of %d", usage, limit)
	}
}
