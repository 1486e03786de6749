package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/guess"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/openapi/openapitest"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/widget"
)

// env is the chat API wired to a fresh table, stream and bucket on the emulators, through the
// real aws-sdk-go-v2 clients, as main.go wires it.
type env struct {
	ctx     context.Context
	api     *API
	ddb     *dynamodb.Client
	table   string
	db      *store.Store
	kin     *kinesis.Client
	stream  string
	models  *modelstore.Store
	commit  *gatedCommitter
	retries *atomic.Int64 // turns run again after losing a race
	// skew moves the store's clock (TTL expiry) ahead of the wall clock; see advance.
	skew atomic.Int64
}

// advance moves the store's clock d ahead, so items whose TTL falls within d read as expired.
func (e *env) advance(d time.Duration) { e.skew.Add(int64(d)) }

// clock is the store's clock: the wall clock plus the skew.
func (e *env) clock() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }

// gatedCommitter lets a test hold the first n commits until all n have arrived, so that n turns
// surely read the same version before any of them writes.
type gatedCommitter struct {
	next Committer
	mu   sync.Mutex
	gate *gate
	// conflicts is how many of the next commits fail as if another writer got in first.
	conflicts atomic.Int64
	// paused, when set, holds the next commit: it closes entered and waits for release.
	paused atomic.Pointer[pause]
	// killed, when set, makes the next commit the last thing its request does: the commit is
	// written, then the request stops as if its function instance were killed (see killNext).
	killed atomic.Pointer[kill]
}

type kill struct {
	skip      atomic.Int64 // commits to let through first
	committed chan struct{}
	dead      <-chan struct{}
}

// killNext makes the commit after the next skip ones kill its request right after writing:
// committed is closed once the write stands, and the request's goroutine then waits for dead (the
// test's end), so nothing the request would do after that commit (store the response, answer)
// happens while the test runs.
func (g *gatedCommitter) killNext(skip int, dead <-chan struct{}) (committed <-chan struct{}) {
	k := &kill{committed: make(chan struct{}), dead: dead}
	k.skip.Store(int64(skip))
	g.killed.Store(k)
	return k.committed
}

type pause struct{ entered, release chan struct{} }

// pauseNext holds the next commit until the returned release is called; entered is closed once
// that commit has arrived.
func (g *gatedCommitter) pauseNext() (entered <-chan struct{}, release func()) {
	p := &pause{entered: make(chan struct{}), release: make(chan struct{})}
	g.paused.Store(p)
	return p.entered, sync.OnceFunc(func() { close(p.release) })
}

type gate struct {
	n       int
	arrived int
	open    chan struct{}
}

func (g *gatedCommitter) hold(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = &gate{n: n, open: make(chan struct{})}
}

func (g *gatedCommitter) Commit(ctx context.Context, ops []store.Op, evs ...lxevents.Envelope) error {
	if g.conflicts.Add(-1) >= 0 {
		return fmt.Errorf("test: %w", store.ErrConflict)
	}
	g.conflicts.Store(0)
	if p := g.paused.Swap(nil); p != nil {
		close(p.entered)
		select {
		case <-p.release:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("test pause: never released")
		}
	}
	g.mu.Lock()
	gt := g.gate
	if gt != nil {
		gt.arrived++
		if gt.arrived == gt.n {
			close(gt.open)
			g.gate = nil
		}
	}
	g.mu.Unlock()
	if gt != nil {
		select {
		case <-gt.open:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("test gate: only %d of %d commits arrived", gt.arrived, gt.n)
		}
	}
	k := g.killed.Load()
	if k != nil && k.skip.Add(-1) >= 0 {
		k = nil
	} else if k != nil && !g.killed.CompareAndSwap(k, nil) {
		k = nil
	}
	err := g.next.Commit(ctx, ops, evs...)
	if k != nil && err == nil {
		close(k.committed)
		<-k.dead
		return errors.New("test: the function instance was killed after its commit")
	}
	return err
}

// countingHandler counts log records with a given message.
type countingHandler struct {
	slog.Handler
	msg string
	n   *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return nil
}
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	e := &env{ctx: ctx, retries: &atomic.Int64{}}
	e.ddb, e.table = emulators.NewTable(t, store.CreateTable)
	e.kin, e.stream = emulators.NewStream(t, 1)
	s3c, bucket := emulators.NewBucket(t, modelstore.NewClient)
	e.models = modelstore.New(s3c, bucket)
	e.db = store.New(e.ddb, e.table).WithClock(e.clock)
	log := slog.New(countingHandler{Handler: slog.NewTextHandler(io.Discard, nil), msg: "conversation changed during the turn; running it again", n: e.retries})
	box := outbox.New(e.db, stream.NewPublisher(e.kin, e.stream), log)
	e.commit = &gatedCommitter{next: box}
	authn, err := auth.NewAuthenticator(e.db, "")
	if err != nil {
		t.Fatal(err)
	}
	svc := conversation.New(conversation.Config{
		DB: e.db, Commit: e.commit, Models: conversation.NewModels(e.db, conversation.BundleLoader(e.models), 0, 0, log),
		Guess: guess.NewStore(e.db, guess.Options{}), Log: log,
		Quota: quota.New(e.db),
	})
	e.api = New(svc, e.commit, authn, log, WithIdempotency(e.db), WithFeedback(e.db),
		WithWidgets(Widgets{Store: e.db, Visitors: authn, Limiter: ratelimit.New(e.ddb, e.table, ratelimit.Options{Limits: widget.Limits})}))
	e.api.now = e.clock
	return e
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// tenant onboards a tenant with the test bot (settings, intents, articles, the lock_card flow and
// a model trained on them and activated, the way the admin API does) and returns a partner key.
func (e *env) tenant(t *testing.T, name string) string {
	t.Helper()
	tid := mustTenant(t, name)
	key := e.key(t, tid, auth.RolePartner)
	now := time.Now().UTC()
	put := func(kind, id string, v any) {
		t.Helper()
		if err := e.db.Create(e.ctx, tid, store.Key{Kind: kind, ID: id}, v); err != nil {
			t.Fatalf("seed %s/%s: %v", kind, id, err)
		}
	}
	put(botconfig.KindSettings, botconfig.SettingsID, testSettings())
	intents, articles := testIntents(), testArticles(now)
	for _, in := range intents {
		put(botconfig.KindIntent, in.ID, in)
	}
	for _, a := range articles {
		put(botconfig.KindArticle, a.ID, a)
	}
	put(botconfig.KindFlow, "lock_card", botconfig.Flow{ID: "lock_card", Definition: lockCardFlow, UpdatedAt: now})
	version, err := botconfig.NewModelVersion(now)
	if err != nil {
		t.Fatal(err)
	}
	bundle, eval, err := modelstore.Build(name, version, now, intents, articles)
	if err != nil {
		t.Fatal(err)
	}
	objKey, err := e.models.Put(e.ctx, tid, bundle)
	if err != nil {
		t.Fatal(err)
	}
	evalJSON, _ := json.Marshal(eval)
	put(botconfig.KindModel, version, botconfig.Model{Version: version, CreatedAt: now, Intents: len(intents), Articles: len(articles), Evaluation: evalJSON, Key: objKey})
	put(botconfig.KindActive, botconfig.ActiveID, botconfig.Active{Version: version, ActivatedAt: now})
	return key
}

// key makes an API key of role for tenant tid.
func (e *env) key(t *testing.T, tid tenant.ID, role auth.Role) string {
	t.Helper()
	secret, err := auth.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	id, err := auth.NewID()
	if err != nil {
		t.Fatal(err)
	}
	_, ops := auth.Records(tid, secret, auth.Key{ID: id, Role: role, CreatedAt: time.Now()})
	if err := e.db.Tx(e.ctx, ops...); err != nil {
		t.Fatal(err)
	}
	return secret
}

// response is a decoded answer.
type response struct {
	code    int
	body    map[string]any
	raw     string
	headers map[string]string
}

// do sends one request through the Lambda handler the way API Gateway would.
func (e *env) do(t *testing.T, method, path, key, body string) response {
	t.Helper()
	return e.doWith(t, method, path, key, body, map[string]string{"content-type": "application/json"})
}

func (e *env) doWith(t *testing.T, method, path, key, body string, headers map[string]string) response {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{RawPath: path, Headers: map[string]string{}, Body: body}
	for k, v := range headers {
		req.Headers[k] = v
	}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.Path = path
	if key != "" {
		req.Headers["authorization"] = "Bearer " + key
	}
	resp, err := e.api.Handle(e.ctx, req)
	if err != nil {
		t.Fatalf("%s %s: handler error %v", method, path, err)
	}
	openapitest.Check(t, req, resp)
	r := response{code: resp.StatusCode, raw: resp.Body, headers: resp.Headers}
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &r.body); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", method, path, resp.Body)
		}
	}
	if resp.StatusCode >= 400 && resp.Headers["Content-Type"] != "application/problem+json" {
		t.Fatalf("%s %s: error without problem JSON: %d %v", method, path, resp.StatusCode, resp.Headers)
	}
	return r
}

// must sends a request and fails unless it gets want.
func (e *env) must(t *testing.T, want int, method, path, key, body string) map[string]any {
	t.Helper()
	r := e.do(t, method, path, key, body)
	if r.code != want {
		t.Fatalf("%s %s %s: %d %s, want %d", method, path, body, r.code, r.raw, want)
	}
	return r.body
}

// start opens a conversation and returns its response.
func (e *env) start(t *testing.T, key, body string) map[string]any {
	t.Helper()
	return e.must(t, 201, "POST", "/v1/conversations", key, body)
}

// say posts a text message and returns the reply.
func (e *env) say(t *testing.T, key, id, text string) map[string]any {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"text": text})
	return e.must(t, 200, "POST", "/v1/conversations/"+id+"/messages", key, string(b))
}

// voice sends a voice turn.
func (e *env) voice(t *testing.T, key string, body map[string]any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	return e.must(t, 200, "POST", "/v1/voice/turns", key, string(b))
}

// texts returns the texts of a reply's messages.
func texts(reply map[string]any) []string {
	var out []string
	for _, m := range list(reply["messages"]) {
		out = append(out, str(obj(m)["text"]))
	}
	return out
}

func list(v any) []any          { x, _ := v.([]any); return x }
func obj(v any) map[string]any  { x, _ := v.(map[string]any); return x }
func str(v any) string          { x, _ := v.(string); return x }
func joined(xs []string) string { return strings.Join(xs, " | ") }

// events reads every event on the stream.
func (e *env) events(t *testing.T) []lxevents.Envelope {
	t.Helper()
	return emulators.ReadStream(t, e.kin, e.stream, lxevents.Decode)
}

// eventsOf returns the events of typ about subject (all subjects when empty).
func (e *env) eventsOf(t *testing.T, typ, subject string) []lxevents.Envelope {
	t.Helper()
	var out []lxevents.Envelope
	for _, ev := range e.events(t) {
		if ev.Type == typ && (subject == "" || ev.Subject == subject) {
			out = append(out, ev)
		}
	}
	return out
}

// one returns the only event of typ about subject, decoded.
func one[T any](t *testing.T, e *env, typ, subject string) T {
	t.Helper()
	evs := e.eventsOf(t, typ, subject)
	if len(evs) != 1 {
		t.Fatalf("%d %s events about %s, want 1", len(evs), typ, subject)
	}
	d, err := lxevents.DataAs[T](evs[0])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// rawItem reads a conversation item as stored.
func (e *env) rawItem(t *testing.T, tenantID, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.ddb.GetItem(e.ctx, &dynamodb.GetItemInput{
		TableName: aws.String(e.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			store.AttrPK: &types.AttributeValueMemberS{Value: "T#" + tenantID + "#" + conversation.Kind},
			store.AttrSK: &types.AttributeValueMemberS{Value: id},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// version is a conversation's stored version (0 when absent).
func (e *env) version(t *testing.T, tenantID, id string) string {
	t.Helper()
	item := e.rawItem(t, tenantID, id)
	if item == nil {
		return "0"
	}
	return item[store.AttrVersion].(*types.AttributeValueMemberN).Value
}
