package handler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	lxevents "github.com/lingxi/lingxi/events"
	trainhandler "github.com/lingxi/lingxi/functions/train/handler"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/idempotency"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

// idemEnv is the api as main.go wires it (Idempotency-Key records in the table, a model store),
// over the emulators, with a committer that can hold or kill a request at its commit and a store
// clock that tests move.
type idemEnv struct {
	*env
	ddb     *dynamodb.Client
	table   string
	faults  *faultCommitter
	trainer *trainer // runs the training jobs the api queues
	skew    atomic.Int64
}

func newIdemEnv(t *testing.T) *idemEnv {
	t.Helper()
	e := &idemEnv{}
	e.ddb, e.table = emulators.NewTable(t, store.CreateTable)
	kin, streamName := emulators.NewStream(t, 1)
	s3c, bucket := emulators.NewBucket(t, modelstore.NewClient)
	db := store.New(e.ddb, e.table).WithClock(e.clock)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	authn, err := auth.NewAuthenticator(db, auth.Hash(adminKey))
	if err != nil {
		t.Fatal(err)
	}
	ob := outbox.New(db, stream.NewPublisher(kin, streamName), log)
	e.faults = &faultCommitter{next: ob}
	e.trainer = &trainer{ms: modelstore.New(s3c, bucket), queue: &memQueue{}}
	e.trainer.worker = trainhandler.New(db, e.faults, e.trainer.ms, log)
	api := New(db, e.faults, authn, log, append(humanOptions(db, ob, e.clock), WithJobQueue(e.trainer.queue), WithIdempotency(db), reportsOption(t, db))...)
	api.now = e.clock
	e.env = &env{api: api, kin: kin, stream: streamName}
	return e
}

// clock is the store's (and the API's) clock: the wall clock plus the skew.
func (e *idemEnv) clock() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }

// faultCommitter holds the next commit until released, or kills the request right after it.
type faultCommitter struct {
	next   Committer
	paused atomic.Pointer[heldCommit]
	killed atomic.Pointer[killedCommit]
}

type heldCommit struct{ entered, release chan struct{} }

type killedCommit struct {
	committed chan struct{}
	dead      <-chan struct{}
}

// pauseNext holds the next commit until release; entered is closed when it arrives.
func (f *faultCommitter) pauseNext() (entered <-chan struct{}, release func()) {
	h := &heldCommit{entered: make(chan struct{}), release: make(chan struct{})}
	f.paused.Store(h)
	return h.entered, sync.OnceFunc(func() { close(h.release) })
}

// killNext makes the next commit the last thing its request does: once the write stands,
// committed is closed and the request waits for dead, as if its function instance were killed.
func (f *faultCommitter) killNext(dead <-chan struct{}) (committed <-chan struct{}) {
	k := &killedCommit{committed: make(chan struct{}), dead: dead}
	f.killed.Store(k)
	return k.committed
}

func (f *faultCommitter) Commit(ctx context.Context, ops []store.Op, evs ...lxevents.Envelope) error {
	if h := f.paused.Swap(nil); h != nil {
		close(h.entered)
		select {
		case <-h.release:
		case <-time.After(10 * time.Second):
			return errors.New("test pause: never released")
		}
	}
	k := f.killed.Swap(nil)
	err := f.next.Commit(ctx, ops, evs...)
	if k != nil && err == nil {
		close(k.committed)
		<-k.dead
		return errors.New("test: the function instance was killed after its commit")
	}
	return err
}

// idem is the Idempotency-Key header for e.call.
func idem(key string) string { return idempotency.Header + ": " + key }

// problemIs fails unless r is a problem of status and type slug.
func (r response) problemIs(t *testing.T, what string, status int, slug string) {
	t.Helper()
	if r.status != status || r.body["type"] != "urn:lingxi:problem:"+slug {
		t.Fatalf("%s: %d %v, want %d %s", what, r.status, r.body, status, slug)
	}
}

// pointer returns the value at JSON pointer p of doc and a copy of doc without it.
func pointer(doc map[string]any, p string) (any, map[string]any) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	out := maps.Clone(doc)
	cur := out
	for i, part := range parts {
		if i == len(parts)-1 {
			v := cur[part]
			delete(cur, part)
			return v, out
		}
		next, _ := cur[part].(map[string]any)
		next = maps.Clone(next)
		cur[part] = next
		cur = next
	}
	return nil, out
}

// storedRecords returns every idempotency record in the table as text, the attributes as stored.
func (e *idemEnv) storedRecords(t *testing.T) []string {
	t.Helper()
	out, err := e.ddb.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(e.table)})
	if err != nil {
		t.Fatal(err)
	}
	var recs []string
	for _, item := range out.Items {
		if pk := fmt.Sprint(item[store.AttrPK]); strings.Contains(pk, "#"+idempotency.Kind) {
			recs = append(recs, fmt.Sprintf("%#v", item))
		}
	}
	return recs
}

// Every POST of the api honours Idempotency-Key (issue 7, defect 2: they ignored it): the retry
// gets the first status and body, marked as replayed, without the secret shown once; nothing is
// written or emitted again; the same key on another request of the route is 422; and no stored
// record holds a secret.
func TestIdempotencyEveryPOST(t *testing.T) {
	e := newIdemEnv(t)
	key := e.createTenant(t, "acme")
	trainingSet(t, e.env, key)
	first := e.trainer.trainNow(t, e.env, key, "")
	second := e.trainer.trainNow(t, e.env, key, "")
	activate := func(v any) string { return fmt.Sprintf("/v1/nlu/models/%s/activate", v) }
	hookQueue := withWebhookReplay(t, e.env)
	hookID := createHook(t, e.env, key)
	putDelivery(t, e.env, "acme", hookID, "0190dddd-0000-7000-8000-000000000001", delivery.StatusDelivered)
	putDelivery(t, e.env, "acme", hookID, "0190dddd-0000-7000-8000-000000000002", delivery.StatusParked)

	type request struct{ path, body string }
	tests := map[string]struct {
		key     string
		req     request
		other   request // the same route, another request
		secrets []string
		queues  bool // the request queues a training job instead of emitting an event
		// quiet names a GET that shows what the request did, for routes that emit no event: its
		// answer must not change on the retries.
		quiet string
	}{
		"POST /v1/tenants": {
			key: adminKey, req: request{"/v1/tenants", `{"id":"beta","name":"Beta"}`},
			other: request{"/v1/tenants", `{"id":"gamma","name":"Gamma"}`}, secrets: []string{"/api_key/key"},
		},
		"POST /v1/tenants/{id}/admin-keys": {
			key: adminKey, req: request{"/v1/tenants/acme/admin-keys", `{"reason":"every admin key lost"}`},
			other: request{"/v1/tenants/acme/admin-keys", `{"reason":"another reason"}`}, secrets: []string{"/key"},
		},
		"POST /v1/api-keys": {
			key: key, req: request{"/v1/api-keys", `{"name":"crm","role":"partner"}`},
			other: request{"/v1/api-keys", `{"name":"crm","role":"admin"}`}, secrets: []string{"/key"},
		},
		"POST /v1/import": {
			key: key, req: request{"/v1/import", `{"articles":[{"id":"idem-a","questions":["where is the branch"],"answer":{"en":"Main Street."}}]}`},
			other: request{"/v1/import", `{"articles":[{"id":"idem-b","questions":["where is the branch"],"answer":{"en":"Main Street."}}]}`},
		},
		"POST /v1/bot/webhook-secret": {
			key: key, req: request{"/v1/bot/webhook-secret", ""},
			other: request{"/v1/bot/webhook-secret", "{}"}, secrets: []string{"/webhook_secret"},
		},
		"POST /v1/nlu/train": {
			key: key, req: request{"/v1/nlu/train", ""}, other: request{"/v1/nlu/train", "{}"}, queues: true,
		},
		"POST /v1/nlu/models/{version}/activate": {
			key: key, req: request{activate(second["model_version"]), ""}, other: request{activate(first["model_version"]), ""},
		},
		"POST /v1/webhooks": {
			key: key, req: request{"/v1/webhooks", hookBody}, other: request{"/v1/webhooks", strings.Replace(hookBody, "CRM", "ERP", 1)},
			secrets: []string{"/secret"}, quiet: "/v1/webhooks",
		},
		"POST /v1/webhooks/{id}/secret": {
			key: key, req: request{"/v1/webhooks/" + hookID + "/secret", ""}, other: request{"/v1/webhooks/" + hookID + "/secret", `{"grace_seconds":0}`},
			secrets: []string{"/secret"}, quiet: "/v1/webhooks/" + hookID,
		},
		"POST /v1/webhooks/{id}/deliveries/{delivery}/replay": {
			key: key, req: request{"/v1/webhooks/" + hookID + "/deliveries/0190dddd-0000-7000-8000-000000000001/replay", ""},
			other: request{"/v1/webhooks/" + hookID + "/deliveries/0190dddd-0000-7000-8000-000000000002/replay", ""},
			quiet: "/v1/webhooks/" + hookID + "/deliveries",
		},
	}
	tests["POST /v1/users"] = struct {
		key     string
		req     request
		other   request
		secrets []string
		queues  bool
		quiet   string
	}{key: key, req: request{"/v1/users", userBody("idem.user", "agent", pw)}, other: request{"/v1/users", userBody("idem.other", "agent", pw)}}
	for route, c := range forecastDataIdemCases() {
		c.key = key
		tests[route] = struct {
			key     string
			req     request
			other   request
			secrets []string
			queues  bool
			quiet   string
		}{key: c.key, req: request{c.path, c.body}, other: request{c.otherPath, c.otherBody}, quiet: c.quiet}
	}
	idemCases := humanIdemCases(t, e.env, key)
	for route, c := range forecastIdemCases(t, e.env, key, "acme") {
		idemCases[route] = c
	}
	for route, c := range dispatchIdemCases(t, e.env, key) {
		idemCases[route] = c
	}
	for route, c := range qaIdemCases(t, e.env, key, "acme") {
		idemCases[route] = c
	}
	for route, c := range reportIdemCases(key) {
		idemCases[route] = c
	}
	for route, c := range vocIdemCases(t, e.env, key, "acme") {
		idemCases[route] = c
	}
	for route, c := range idemCases {
		tests[route] = struct {
			key     string
			req     request
			other   request
			secrets []string
			queues  bool
			quiet   string
		}{key: c.key, req: request{c.path, c.body}, other: request{c.otherPath, c.otherBody}, quiet: c.quiet}
	}
	for _, route := range e.api.Routes() {
		if _, ok := tests[route]; strings.HasPrefix(route, "POST ") && !ok && !notReplayed[route] {
			t.Errorf("%s has no Idempotency-Key case", route)
		}
	}
	var secrets []string
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := idem("every-post-" + name)
			before := len(e.streamEvents(t))
			r := e.call(t, "POST", tc.req.path, tc.key, tc.req.body, h, mediaOf(name))
			if r.status < 200 || r.status > 299 || r.headers[idempotency.ReplayedHeader] != "" {
				t.Fatalf("first: %d %v %v", r.status, r.body, r.headers)
			}
			emitted := len(e.streamEvents(t))
			var shown string
			if tc.quiet != "" {
				shown = e.call(t, "GET", tc.quiet, tc.key, "").String()
			}
			if tc.queues {
				if n := len(e.trainer.queue.take()); n != 1 {
					t.Fatalf("the first request queued %d jobs, want 1", n)
				}
			} else if tc.quiet == "" && emitted == before {
				t.Fatal("the first request emitted nothing")
			}
			want := r.body
			for _, p := range tc.secrets {
				var v any
				v, want = pointer(want, p)
				s, _ := v.(string)
				if s == "" {
					t.Fatalf("the first response has no secret at %s: %v", p, r.body)
				}
				secrets = append(secrets, s)
			}
			again := e.call(t, "POST", tc.req.path, tc.key, tc.req.body, h, mediaOf(name))
			if again.status != r.status || again.headers[idempotency.ReplayedHeader] != "true" || !reflect.DeepEqual(again.body, want) {
				t.Fatalf("retry: %d %v %v\nwant %d %v", again.status, again.body, again.headers, r.status, want)
			}
			if got := again.headers[idempotency.OmittedHeader]; got != strings.Join(tc.secrets, ",") {
				t.Fatalf("%s: %q, want %q", idempotency.OmittedHeader, got, strings.Join(tc.secrets, ","))
			}
			e.call(t, "POST", tc.other.path, tc.key, tc.other.body, h, mediaOf(name)).problemIs(t, "the key on another request", http.StatusUnprocessableEntity, "idempotency-key-reused")
			if n := len(e.streamEvents(t)); n != emitted {
				t.Fatalf("%d events after the retries, %d after the first request", n, emitted)
			}
			if n := len(e.trainer.queue.take()); n != 0 {
				t.Fatalf("the retries queued %d more jobs", n)
			}
			if tc.quiet != "" {
				if now := e.call(t, "GET", tc.quiet, tc.key, "").String(); now != shown {
					t.Fatalf("the retries changed %s:\nafter the first %s\nafter retries  %s", tc.quiet, shown, now)
				}
				if n := len(hookQueue.take()); n > 1 {
					t.Fatalf("%d replays queued, want at most the first's", n)
				}
			}
		})
	}
	recs := e.storedRecords(t)
	if len(recs) < len(tests) {
		t.Fatalf("%d idempotency records for %d requests", len(recs), len(tests))
	}
	for _, rec := range recs {
		for _, s := range secrets {
			if strings.Contains(rec, s) {
				t.Fatalf("a stored record holds a secret: %s", rec)
			}
		}
	}
}

// A retry while the first request is still running is 409 and runs nothing; once the first has
// answered, the retry gets its response. The first is held at its commit, not raced.
func TestIdempotencyInFlightPOST(t *testing.T) {
	e := newIdemEnv(t)
	key := e.createTenant(t, "acme")
	body := `{"name":"crm","role":"partner"}`

	entered, release := e.faults.pauseNext()
	defer release()
	done := make(chan response, 1)
	go func() { done <- e.call(t, "POST", "/v1/api-keys", key, body, idem("slow-1")) }()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the first request never reached its commit")
	}
	e.call(t, "POST", "/v1/api-keys", key, body, idem("slow-1")).problemIs(t, "retry while running", http.StatusConflict, "idempotency-key-in-flight")
	e.call(t, "POST", "/v1/api-keys", key, `{"role":"admin"}`, idem("slow-1")).problemIs(t, "other body while running", http.StatusUnprocessableEntity, "idempotency-key-reused")
	release()
	first := <-done
	first.want(t, "first", http.StatusCreated)
	retry := e.call(t, "POST", "/v1/api-keys", key, body, idem("slow-1"))
	retry.want(t, "retry after the first answered", http.StatusCreated)
	if retry.body["id"] != first.body["id"] || retry.body["key"] != nil || retry.headers[idempotency.ReplayedHeader] != "true" {
		t.Fatalf("retry: %v %v, want key %v without its secret", retry.body, retry.headers, first.body["id"])
	}
	if n := len(e.call(t, "GET", "/v1/api-keys", key, "").items()); n != 2 {
		t.Fatalf("%d keys, want the first admin key and one more", n)
	}
}

// Regression for issue 7, defect 2, on the api: a request killed right after its commit leaves
// its response with its writes, so a retry at once and one after the pending TTL both replay it
// and nothing is created twice.
func TestIdempotencyKilledAfterCommitPOST(t *testing.T) {
	e := newIdemEnv(t)
	key := e.createTenant(t, "acme")
	tests := map[string]struct {
		key, path, body string
		status          int
		// typ is the event the request emits once.
		typ string
	}{
		"new API key":    {key, "/v1/api-keys", `{"name":"crm","role":"partner"}`, http.StatusCreated, lxevents.TypeAPIKeyCreated},
		"new tenant":     {adminKey, "/v1/tenants", `{"id":"beta","name":"Beta"}`, http.StatusCreated, lxevents.TypeTenantCreated},
		"import":         {key, "/v1/import", `{"articles":[{"id":"crash-a","questions":["where is the branch"],"answer":{"en":"Main Street."}}]}`, http.StatusOK, lxevents.TypeBotConfigChanged},
		"webhook secret": {key, "/v1/bot/webhook-secret", "", http.StatusOK, lxevents.TypeBotConfigChanged},
	}
	count := func(t *testing.T, typ string) int {
		n := 0
		for _, ev := range e.streamEvents(t) {
			if ev.Type == typ {
				n++
			}
		}
		return n
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e.skew.Store(0)
			before := count(t, tc.typ)
			h := idem("crash-" + name)
			dead, gone := make(chan struct{}), make(chan struct{})
			stop := sync.OnceFunc(func() { close(dead); <-gone })
			t.Cleanup(stop)
			committed := e.faults.killNext(dead)
			go func() {
				defer close(gone)
				req := events.APIGatewayV2HTTPRequest{RawPath: tc.path, Body: tc.body, Headers: map[string]string{
					"authorization": "Bearer " + tc.key, "content-type": "application/json", "idempotency-key": "crash-" + name,
				}}
				req.RequestContext.HTTP.Method = "POST"
				_, _ = e.api.Handle(context.Background(), req)
			}()
			select {
			case <-committed:
			case <-time.After(30 * time.Second):
				t.Fatal("the first request never committed")
			}
			now := e.call(t, "POST", tc.path, tc.key, tc.body, h)
			if now.status != tc.status || now.headers[idempotency.ReplayedHeader] != "true" {
				t.Fatalf("retry at once: %d %v %v, want the first response replayed (%d)", now.status, now.body, now.headers, tc.status)
			}
			e.skew.Store(int64(2 * time.Minute)) // past the pending record's TTL
			later := e.call(t, "POST", tc.path, tc.key, tc.body, h)
			if later.status != tc.status || !reflect.DeepEqual(later.body, now.body) || later.headers[idempotency.ReplayedHeader] != "true" {
				t.Fatalf("retry after the pending TTL: %d %v, want %v replayed", later.status, later.body, now.body)
			}
			if n := count(t, tc.typ) - before; n != 1 {
				t.Fatalf("%d %s events, want 1", n, tc.typ)
			}
			stop()
		})
	}
}

// With Idempotency-Key, everything a request writes goes in one transaction: an import larger
// than one is refused whole (nothing written) and frees its key; without the key it is written
// in chunks as before.
func TestIdempotencyTooManyWrites(t *testing.T) {
	e := newIdemEnv(t)
	key := e.createTenant(t, "acme")
	var arts []string
	for i := range store.MaxTxOps {
		arts = append(arts, fmt.Sprintf(`{"id":"bulk-%03d","questions":["question %d"],"answer":{"en":"answer"}}`, i, i))
	}
	big := `{"articles":[` + strings.Join(arts, ",") + `]}`
	e.call(t, "POST", "/v1/import", key, big, idem("bulk")).problemIs(t, "big import with a key", http.StatusUnprocessableEntity, "idempotency-too-many-writes")
	if n := len(e.call(t, "GET", "/v1/articles?limit=100", key, "").items()); n != 0 {
		t.Fatalf("the refused import wrote %d articles", n)
	}
	e.call(t, "POST", "/v1/import", key, big).want(t, "big import without a key", http.StatusOK)
	small := `{"articles":[` + arts[0] + `]}`
	if r := e.call(t, "POST", "/v1/import", key, small, idem("bulk")); r.status != http.StatusOK || r.headers[idempotency.ReplayedHeader] != "" {
		t.Fatalf("the key after the refusal: %d %v %v, want it free", r.status, r.body, r.headers)
	}
}

// With an Idempotency-Key the writes commit after the handler, away from the code that names a
// quota; a request over a quota still gets quota-exceeded with the quota's name, not a bare
// conflict, and nothing is written.
func TestIdempotencyQuotaRefusalNamesTheQuota(t *testing.T) {
	e := newIdemEnv(t)
	key := e.createTenant(t, "acme")
	e.call(t, "PUT", "/v1/tenants/acme/plan", adminKey, `{"quotas":{"api_keys":2}}`).want(t, "plan", http.StatusOK)
	e.call(t, "POST", "/v1/api-keys", key, `{"role":"partner"}`, idem("q-1")).want(t, "second key", http.StatusCreated)
	r := e.call(t, "POST", "/v1/api-keys", key, `{"role":"partner"}`, idem("q-2"))
	r.problemIs(t, "third key", http.StatusConflict, "quota-exceeded")
	if q, _ := r.body["quota"].(map[string]any); q["name"] != "api_keys" {
		t.Fatalf("the problem does not name the quota: %v", r.body)
	}
	if n := len(e.call(t, "GET", "/v1/api-keys", key, "").items()); n != 2 {
		t.Fatalf("%d keys, want 2", n)
	}
}

// A training whose message could not be sent answers 503; under an Idempotency-Key its 202 had
// been stored with the job, so the failure frees the key again: the retry the 503 invites queues
// a new job instead of replaying the dead one's 202.
func TestIdempotencyTrainEnqueueFailsFreesKey(t *testing.T) {
	e := newIdemEnv(t)
	key := e.createTenant(t, "acme")
	trainingSet(t, e.env, key)
	e.trainer.queue.fail = errors.New("queue down")
	e.call(t, "POST", "/v1/nlu/train", key, "", idem("t-1")).want(t, "queue down", http.StatusServiceUnavailable)
	e.trainer.queue.fail = nil
	retry := e.call(t, "POST", "/v1/nlu/train", key, "", idem("t-1"))
	retry.want(t, "retry", http.StatusAccepted)
	if retry.headers[idempotency.ReplayedHeader] != "" {
		t.Fatalf("the retry replayed the failed request's 202: %v", retry.body)
	}
	if n := len(e.trainer.queue.take()); n != 1 {
		t.Fatalf("%d jobs queued by the retry, want 1", n)
	}
	jobs := e.call(t, "GET", "/v1/nlu/jobs", key, "").items()
	if len(jobs) != 2 || jobs[0]["state"] != "queued" || jobs[1]["state"] != "failed" {
		t.Fatalf("jobs: %v", jobs)
	}
}
