// Package devstack runs a SAM template on one machine the way AWS runs it: the same bootstrap
// binaries (built from each function's CodeUri) behind a local Lambda Runtime API, API Gateway HTTP
// (payload 2.0) and WebSocket APIs, Kinesis event source mappings with Lambda's batching, partial
// failure, bisect, retry and on-failure semantics, EventBridge schedules, and the tables, streams
// and buckets of the template created in the DynamoDB/Kinesis/S3 emulators (infra/emulators). A
// small SQS endpoint holds the queues the template declares (on-failure destinations).
//
// Everything listens on 127.0.0.1. Start builds and starts the stack; Close stops every child
// process and waits for it.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
)

// Config says which template to run and how.
type Config struct {
	// Template is the path of the SAM template (template.yaml).
	Template string
	// StackName names the stack; local resource names default to <StackName>-<LogicalId>.
	// Default: the template folder's name.
	StackName string
	// StateDir holds everything that survives a restart: emulator data, SQS queues, stream
	// checkpoints, built binaries. Default: .devstack beside the template.
	StateDir string
	// BinDir is where function binaries are built. Default: <StateDir>/bin.
	BinDir string
	// Parameters override the template's parameter defaults.
	Parameters map[string]string
	// Endpoints of running emulators; nil starts them with their data in <StateDir>/emulators,
	// supervised (restarted on their ports when they die) and with DynamoDB behind the
	// transactions front (see infra/emulators). Given endpoints must offer TransactWriteItems.
	Endpoints *emulators.Endpoints
	// Ports on 127.0.0.1; 0 picks a free one. WebSocket APIs get WebSocketPort, +1, +2, … in the
	// order of their logical ids (all free ones when 0).
	HTTPPort, WebSocketPort, SQSPort, RuntimePort int
	// LambdaPort is the port of Lambda's Invoke API (lambdaapi.go) on 127.0.0.1; 0 picks a free one.
	LambdaPort int
	// Concurrency is the most instances one function runs at once (default 10); a function's
	// ReservedConcurrentExecutions lowers it.
	Concurrency int
	// Static answers the paths under each prefix ("/console/") on the HTTP API's port instead of
	// its routes, as a CDN in front of the API serves other origins under its own path patterns
	// (CloudFront with the console's files in S3); the longest matching prefix wins.
	Static map[string]http.Handler
	// MaxBodyBytes is the HTTP API's request body limit (default 10 MiB, API Gateway's).
	MaxBodyBytes int64
	// InitTimeout bounds a cold start's init phase (default 10s, Lambda's).
	InitTimeout time.Duration
	// StreamPollInterval is how often an idle shard is polled (default 1s, Lambda's).
	StreamPollInterval time.Duration
	// PushPollInterval is how often an idle shard is polled for a mapping that reads through an
	// enhanced fan-out consumer (AWS::Kinesis::StreamConsumer): Kinesis pushes those records about
	// 70 ms after they are written, and kinesalite has no SubscribeToShard (default 50ms).
	PushPollInterval time.Duration
	// StreamRetryBackoff is the pause before the first retry of a failed batch; it doubles up to
	// 10s (default 500ms).
	StreamRetryBackoff time.Duration
	// TTLSweepInterval is how often expired items of each table whose template enables TTL are
	// deleted; no local DynamoDB deletes them itself (default 1 minute).
	TTLSweepInterval time.Duration
	// Clock drives schedules, the TTL sweeper and the record-age check (default: real time).
	Clock Clock
	// Log receives devstack's log and every function's output (default os.Stderr).
	Log io.Writer
}

// Stack is a running local stack.
type Stack struct {
	cfg       Config
	sink      *logSink
	log       *slog.Logger
	clock     Clock
	model     *model
	endpoints emulators.Endpoints
	emu       *emulators.Running
	clients   *clients

	runtime *runtimeAPI
	lambda  *lambdaAPI
	sqs     *sqsServer
	http    *httpAPI
	ws      []*wsAPI
	pools   map[string]*pool
	servers []*http.Server

	ctx    context.Context    // cancelled by Close: stop polling, firing and sweeping
	cancel context.CancelFunc //
	hard   chan struct{}      // closed when the shutdown grace is over: abandon invocations
	bg     sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

func (cfg *Config) defaults(t *Template) {
	if cfg.StackName == "" {
		cfg.StackName = physicalName("", filepath.Base(t.Dir), 64, true)[1:]
	}
	if cfg.StateDir == "" {
		cfg.StateDir = filepath.Join(t.Dir, ".devstack")
	}
	if cfg.BinDir == "" {
		cfg.BinDir = filepath.Join(cfg.StateDir, "bin")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 10
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 10 << 20
	}
	if cfg.InitTimeout <= 0 {
		cfg.InitTimeout = 10 * time.Second
	}
	if cfg.StreamPollInterval <= 0 {
		cfg.StreamPollInterval = time.Second
	}
	if cfg.PushPollInterval <= 0 {
		cfg.PushPollInterval = 50 * time.Millisecond
	}
	if cfg.StreamRetryBackoff <= 0 {
		cfg.StreamRetryBackoff = 500 * time.Millisecond
	}
	if cfg.TTLSweepInterval <= 0 {
		cfg.TTLSweepInterval = time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
}

func listen(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1:%d: %w", port, err)
	}
	return ln, nil
}

// Start reads the template, creates its resources, builds its functions and serves it. ctx bounds
// the start only; Close stops the stack.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	if cfg.Template == "" {
		return nil, errors.New("devstack: Config.Template is required")
	}
	tmpl, err := ParseTemplate(cfg.Template)
	if err != nil {
		return nil, err
	}
	cfg.defaults(tmpl)
	if cfg.StateDir, err = filepath.Abs(cfg.StateDir); err != nil {
		return nil, err
	}
	if cfg.BinDir, err = filepath.Abs(cfg.BinDir); err != nil {
		return nil, err
	}
	sink := &logSink{w: cfg.Log}
	st := &Stack{cfg: cfg, sink: sink, clock: cfg.Clock, pools: map[string]*pool{},
		log: slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelInfo})).With("component", "devstack")}
	st.ctx, st.cancel = context.WithCancel(context.Background())
	st.hard = make(chan struct{})
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	if st.model, err = newModel(cfg.StackName, tmpl, cfg.Parameters, st.log); err != nil {
		return nil, err
	}

	// Listeners first: local URLs go into the functions' environment.
	ln, err := listen(cfg.RuntimePort)
	if err != nil {
		return nil, err
	}
	st.runtime = newRuntimeAPI(ln)
	st.serve(st.runtime.srv, ln)
	// The Invoke API listens now (functions get its URL); it answers once the pools exist.
	if ln, err = listen(cfg.LambdaPort); err != nil {
		return nil, err
	}
	st.lambda = newLambdaAPI(st, ln)
	st.serve(st.lambda.srv, ln)
	if ln, err = listen(cfg.SQSPort); err != nil {
		return nil, err
	}
	if st.sqs, err = newSQSServer(filepath.Join(cfg.StateDir, "sqs"), ln); err != nil {
		ln.Close()
		return nil, err
	}
	st.serve(st.sqs.srv, ln)
	st.model.sqsBase = st.sqs.base
	if ln, err = listen(cfg.HTTPPort); err != nil {
		return nil, err
	}
	st.http = &httpAPI{st: st, maxBody: cfg.MaxBodyBytes, ln: ln}
	httpBase := "http://" + ln.Addr().String()
	for _, id := range append(tmpl.sortedIDs(typeHTTPAPI), implicitHTTPAPI) {
		st.model.localAPIs[st.model.apiID(id)] = httpBase
	}
	wsLns := map[string]net.Listener{}
	for i, id := range tmpl.sortedIDs(typeV2API) {
		r := tmpl.Resources[id]
		if !st.model.active[id] {
			continue
		}
		if !strings.EqualFold(st.model.strProp(r, "ProtocolType"), "WEBSOCKET") {
			st.model.localAPIs[st.model.apiID(id)] = httpBase
			continue
		}
		port := 0
		if cfg.WebSocketPort != 0 {
			port = cfg.WebSocketPort + i
		}
		wl, err := listen(port)
		if err != nil {
			return nil, err
		}
		wsLns[id] = wl
		st.model.localAPIs[st.model.apiID(id)] = "http://" + wl.Addr().String()
	}
	if err := st.model.build(); err != nil {
		for _, l := range wsLns {
			l.Close()
		}
		st.http.ln.Close()
		return nil, err
	}

	// Build the functions while the emulators start and the resources are created.
	buildErr := make(chan error, 1)
	go func() { buildErr <- st.buildFunctions(ctx) }()
	setupErr := st.setupResources(ctx)
	if err := <-buildErr; err != nil {
		return nil, err
	}
	if setupErr != nil {
		return nil, setupErr
	}

	for id, fn := range st.model.functions {
		st.pools[id] = newPool(st, fn, cfg.Concurrency)
	}
	for _, spec := range st.model.routes {
		rt, err := newHTTPRoute(spec, st.pools[spec.Function])
		if err != nil {
			return nil, err
		}
		st.http.routes = append(st.http.routes, rt)
	}
	st.http.srv = &http.Server{Handler: st.http, ReadHeaderTimeout: 30 * time.Second}
	st.serve(st.http.srv, st.http.ln)
	st.lambda.ready.Store(true)
	for _, spec := range st.model.wsAPIs {
		a := &wsAPI{st: st, spec: spec, pools: map[string]*pool{}, ln: wsLns[spec.LogicalID], conns: map[string]*wsConn{}}
		for key, r := range spec.Routes {
			a.pools[key] = st.pools[r.Function]
		}
		a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 30 * time.Second}
		st.serve(a.srv, a.ln)
		st.ws = append(st.ws, a)
	}
	for _, spec := range st.model.esms {
		e, err := newESM(st, spec, st.clients.kin)
		if err != nil {
			return nil, err
		}
		if err := e.run(st.ctx, &st.bg); err != nil {
			return nil, err
		}
	}
	for _, spec := range st.model.sqsESMs {
		st.startSQSESM(spec)
	}
	for _, spec := range st.model.schedules {
		sched, _ := parseSchedule(spec.Expr)
		s := &scheduler{st: st, spec: spec, sched: sched, pool: st.pools[spec.Function]}
		st.bg.Add(1)
		go func() {
			defer st.bg.Done()
			s.run(st.ctx, &st.bg)
		}()
	}
	st.log.Info("devstack ready", "http", st.HTTPURL(), "sqs", st.SQSURL(), "lambda", st.LambdaURL(), "functions", len(st.pools))
	return st, nil
}

func (st *Stack) serve(srv *http.Server, ln net.Listener) {
	st.servers = append(st.servers, srv)
	go srv.Serve(ln)
}

// setupResources starts the emulators when needed and creates every table, stream, bucket and
// queue of the template; all of it is idempotent.
func (st *Stack) setupResources(ctx context.Context) error {
	if st.cfg.Endpoints != nil {
		st.endpoints = *st.cfg.Endpoints
	} else {
		emu, err := emulators.Start(ctx, emulators.Options{
			DataDir:   filepath.Join(st.cfg.StateDir, "emulators"),
			Log:       &lineWriter{sink: st.sink, prefix: "[emulators] "},
			Supervise: true, // an emulator that dies comes back on its port with its data
		})
		if err != nil {
			return fmt.Errorf("start emulators: %w", err)
		}
		st.emu = emu
		st.endpoints = emu.Endpoints
	}
	st.clients = newClients(st.endpoints.DynamoDB, st.endpoints.Kinesis, st.endpoints.S3)
	for _, t := range st.model.tables {
		if err := st.clients.ensureTable(ctx, t); err != nil {
			return err
		}
		if t.TTLAttr != "" {
			st.log.Info("devstack deletes expired items", "table", t.Name, "attribute", t.TTLAttr, "every", st.cfg.TTLSweepInterval)
			st.bg.Add(1)
			go func() {
				defer st.bg.Done()
				st.sweepLoop(t)
			}()
		}
	}
	for _, s := range st.model.streams {
		if err := st.clients.ensureStream(ctx, s); err != nil {
			return err
		}
	}
	for _, b := range st.model.buckets {
		if err := st.clients.ensureBucket(ctx, b); err != nil {
			return err
		}
	}
	for _, q := range st.model.queues {
		if err := st.sqs.ensure(q.Name, q.Attrs); err != nil {
			return fmt.Errorf("create queue %s: %w", q.Name, err)
		}
	}
	return nil
}

func (st *Stack) sweepLoop(t *tableSpec) {
	for {
		select {
		case <-st.clock.After(st.cfg.TTLSweepInterval):
		case <-st.ctx.Done():
			return
		}
		n, err := st.clients.sweepTTL(st.ctx, t, st.clock.Now())
		if err != nil && st.ctx.Err() == nil {
			st.log.Warn("TTL sweep", "table", t.Name, "err", err)
		}
		if n > 0 {
			st.log.Info("TTL expired items", "table", t.Name, "deleted", n)
		}
	}
}

// HTTPURL is the base URL of the HTTP APIs (every HttpApi route of the template is served there).
func (st *Stack) HTTPURL() string { return "http://" + st.http.ln.Addr().String() }

// WebSocketURL is the client URL (ws://127.0.0.1:port/<stage>) of the WebSocket API with that
// logical id; "" names the only one.
func (st *Stack) WebSocketURL(api string) string {
	for _, a := range st.ws {
		if api == "" || a.spec.LogicalID == api {
			return a.url()
		}
	}
	return ""
}

// WebSocketAPIs lists the logical ids of the WebSocket APIs.
func (st *Stack) WebSocketAPIs() []string {
	var ids []string
	for _, a := range st.ws {
		ids = append(ids, a.spec.LogicalID)
	}
	return ids
}

// RuntimeAPIAddr is the address of the local Lambda Runtime API (each instance talks to its own
// path under it).
func (st *Stack) RuntimeAPIAddr() string { return st.runtime.addr() }

// SQSURL is the endpoint of the local SQS service (AWS_ENDPOINT_URL_SQS for an SDK client).
func (st *Stack) SQSURL() string { return st.sqs.base }

// QueueURL is the URL of the queue with that logical id.
func (st *Stack) QueueURL(logicalID string) string {
	for _, q := range st.model.queues {
		if q.LogicalID == logicalID {
			return st.sqs.queueURL(q.Name)
		}
	}
	return ""
}

// Ref is the local physical name of a resource, as !Ref gives it (table, stream, bucket and
// function names; a queue's URL; an API's id).
func (st *Stack) Ref(logicalID string) string {
	v, err := st.model.ref(logicalID)
	if err != nil {
		return ""
	}
	return scalarString(v)
}

// Outputs resolves the template's Outputs against the local stack (API URLs become local ones).
// An output that cannot be resolved locally is left out.
func (st *Stack) Outputs() map[string]string {
	out := map[string]string{}
	for name, v := range st.model.tmpl.Outputs {
		if s, err := st.model.res.str(v); err == nil {
			out[name] = st.model.localize(s)
		}
	}
	return out
}

// Endpoints are the emulators' URLs.
func (st *Stack) Endpoints() emulators.Endpoints { return st.endpoints }

// Functions lists the logical ids of the functions.
func (st *Stack) Functions() []string {
	ids := make([]string, 0, len(st.pools))
	for id := range st.pools {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Invoke calls a function synchronously (RequestResponse), like Lambda's Invoke API.
func (st *Stack) Invoke(ctx context.Context, function string, payload []byte) (Result, error) {
	p, ok := st.pools[function]
	if !ok {
		return Result{}, fmt.Errorf("%s: %w", function, errUnknownFunction)
	}
	res, err := p.invoke(ctx.Done(), payload)
	if err != nil && ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, err
}

// Stats reports what a function's pool has done.
func (st *Stack) Stats(function string) FunctionStats {
	if p, ok := st.pools[function]; ok {
		return p.snapshot()
	}
	return FunctionStats{}
}

// shutdownGrace is how long Close lets in-flight stream batches and scheduled invocations finish.
const shutdownGrace = 5 * time.Second

// Close stops serving, ends WebSocket connections (each gets its $disconnect), stops the stream
// pollers and schedules (letting batches in flight finish for up to 5 seconds), kills every
// function instance and waits for it, then stops the emulators it started.
func (st *Stack) Close() error {
	st.closeOnce.Do(func() {
		st.cancel()
		if st.http != nil && st.http.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			st.http.srv.Shutdown(ctx)
			cancel()
		}
		for _, a := range st.ws {
			a.close()
		}
		// Batches and scheduled events in flight may finish (and be checkpointed) for a while.
		drained := make(chan struct{})
		go func() {
			st.bg.Wait()
			close(drained)
		}()
		select {
		case <-drained:
		case <-time.After(shutdownGrace):
			close(st.hard)
			<-drained
		}
		for _, p := range st.pools {
			p.close()
		}
		for _, srv := range st.servers {
			srv.Close()
		}
		if st.emu != nil {
			st.closeErr = st.emu.Close()
		}
	})
	return st.closeErr
}
