package devstack

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lingxi/lingxi/infra/procs"
)

// maxPayload is Lambda's limit for a synchronous invocation's request and response.
const maxPayload = 6 << 20

const runtimeAPIPrefix = "/2018-06-01/runtime/"

// runtimeAPI is the local Lambda Runtime API. There is one listener; every function instance gets
// its own path prefix in AWS_LAMBDA_RUNTIME_API (127.0.0.1:port/<key>), which aws-lambda-go simply
// prepends to /2018-06-01/runtime/…, so the unmodified bootstrap talks to it.
type runtimeAPI struct {
	ln  net.Listener
	srv *http.Server

	mu        sync.Mutex
	instances map[string]*instance
}

func newRuntimeAPI(ln net.Listener) *runtimeAPI {
	ra := &runtimeAPI{ln: ln, instances: map[string]*instance{}}
	ra.srv = &http.Server{Handler: ra, ReadHeaderTimeout: 10 * time.Second}
	return ra
}

func (ra *runtimeAPI) addr() string { return ra.ln.Addr().String() }

func (ra *runtimeAPI) register(inst *instance) {
	ra.mu.Lock()
	ra.instances[inst.key] = inst
	ra.mu.Unlock()
}

func (ra *runtimeAPI) unregister(inst *instance) {
	ra.mu.Lock()
	delete(ra.instances, inst.key)
	ra.mu.Unlock()
}

func (ra *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	ra.mu.Lock()
	inst := ra.instances[key]
	ra.mu.Unlock()
	rest = "/" + rest
	if inst == nil || !strings.HasPrefix(rest, runtimeAPIPrefix) {
		runtimeError(w, http.StatusNotFound, "NotFound", "unknown runtime API path")
		return
	}
	rest = strings.TrimPrefix(rest, runtimeAPIPrefix)
	switch {
	case r.Method == http.MethodGet && rest == "invocation/next":
		inst.pool.next(inst, w, r)
	case r.Method == http.MethodPost && rest == "init/error":
		inst.pool.initError(inst, w, r)
	case r.Method == http.MethodPost && strings.HasPrefix(rest, "invocation/"):
		id, op, _ := strings.Cut(strings.TrimPrefix(rest, "invocation/"), "/")
		switch op {
		case "response":
			inst.pool.response(inst, id, w, r)
		case "error":
			inst.pool.invocationError(inst, id, w, r)
		default:
			runtimeError(w, http.StatusNotFound, "NotFound", "unknown runtime API path")
		}
	default:
		runtimeError(w, http.StatusNotFound, "NotFound", "unknown runtime API path")
	}
}

func runtimeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

func runtimeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

// Result is the outcome of one invocation, as Lambda's Invoke API would report it.
type Result struct {
	RequestID string
	// Payload is the function's response, or the error document when FunctionError is set.
	Payload []byte
	// FunctionError is "Unhandled" when the invocation failed (function error, panic, crash,
	// timeout), like the X-Amz-Function-Error header; empty on success.
	FunctionError string
	// ErrorType is the error's type, e.g. "Sandbox.Timedout", "Runtime.ExitError", or the Go type
	// the handler returned.
	ErrorType string
	Duration  time.Duration
	ColdStart bool
}

// FunctionStats counts what a function's pool did since the stack started.
type FunctionStats struct {
	Invocations int
	Errors      int
	Timeouts    int
	ColdStarts  int // instances started
	Running     int // instances alive now
	Replaced    int // instances that ended (crash, panic, timeout, init error) and will be replaced
	Peak        int // most instances alive at once
}

// invocation is one event on its way through an instance.
type invocation struct {
	id        string
	payload   []byte
	traceID   string
	delivered chan struct{} // closed when the runtime has received the event
	at        time.Time     // when the event was delivered
	deadline  time.Time

	once sync.Once
	done chan struct{}
	out  Result
	end  time.Time
}

func (inv *invocation) finish(out Result) bool {
	won := false
	inv.once.Do(func() {
		inv.out = out
		inv.end = time.Now()
		won = true
		close(inv.done)
	})
	return won
}

func errorResult(id, typ, msg string) Result {
	b, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": msg})
	return Result{RequestID: id, Payload: b, FunctionError: "Unhandled", ErrorType: typ}
}

// instance is one running bootstrap process (an execution environment).
type instance struct {
	key     string
	pool    *pool
	cmd     *exec.Cmd
	started time.Time
	out     []*lineWriter

	invokeCh chan *invocation // the pool hands the reserved instance its event here
	dead     chan struct{}    // closed when the process has exited

	finishing bool // guarded by pool.mu

	mu       sync.Mutex
	current  *invocation
	nexts    int
	initDur  time.Duration
	exitErr  error
	killedBy string
}

func (inst *instance) kill(reason string) {
	inst.mu.Lock()
	if inst.killedBy == "" {
		inst.killedBy = reason
	}
	inst.mu.Unlock()
	if inst.cmd.Process != nil {
		syscall.Kill(-inst.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// maxMemoryMB reads the process's peak resident set (VmHWM), which is what Lambda reports as Max
// Memory Used.
func (inst *instance) maxMemoryMB() int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", inst.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return (kb + 1023) / 1024
		}
	}
	return 0
}

// platform writes a line of the Lambda platform (START, END, REPORT) to the log.
func (p *pool) platform(line string) { p.st.sink.line("["+p.fn.LogicalID+"] ", line) }

func (p *pool) report(inst *instance, inv *invocation, cold bool, status string) {
	end := inv.end
	var dur time.Duration
	if !inv.at.IsZero() {
		dur = end.Sub(inv.at)
	}
	ms := float64(dur.Microseconds()) / 1000
	billed := int(ms)
	if float64(billed) < ms || billed == 0 {
		billed++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "REPORT RequestId: %s\tDuration: %.2f ms\t", inv.id, ms)
	var initMS float64
	if cold {
		inst.mu.Lock()
		initMS = float64(inst.initDur.Microseconds()) / 1000
		inst.mu.Unlock()
		billed += int(initMS + 0.999) // custom runtimes are billed for init
	}
	mem := inst.maxMemoryMB()
	fmt.Fprintf(&b, "Billed Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB", billed, p.fn.MemoryMB, mem)
	if cold {
		fmt.Fprintf(&b, "\tInit Duration: %.2f ms", initMS)
	}
	if status != "" {
		fmt.Fprintf(&b, "\tStatus: %s", status)
	}
	p.platform(b.String())
	if mem > p.fn.MemoryMB {
		p.st.log.Warn("function used more memory than its MemorySize; in AWS it would fail with Runtime.OutOfMemory",
			"function", p.fn.LogicalID, "maxMemoryMB", mem, "memorySizeMB", p.fn.MemoryMB)
	}
}

// pool runs the instances of one function: reuse an idle warm one, start another while under the
// concurrency limit, queue the caller otherwise.
type pool struct {
	st    *Stack
	fn    *function
	limit int

	mu      sync.Mutex
	idle    []*instance // waiting in /next, most recently used last
	live    map[*instance]bool
	n       int         // live plus starting instances
	waiters []chan bool // FIFO; true = an instance slot was granted (start one), see acquire
	handoff map[chan bool]*instance
	// finishing counts live instances that have answered their event but not yet asked for the
	// next one.
	finishing int
	closed    bool
	stats     FunctionStats
	wg        sync.WaitGroup
}

func newPool(st *Stack, fn *function, limit int) *pool {
	if fn.Reserved >= 0 && fn.Reserved < limit {
		limit = fn.Reserved
	}
	return &pool{st: st, fn: fn, limit: limit, live: map[*instance]bool{}, handoff: map[chan bool]*instance{}}
}

// finishGrace is how long an invocation waits for an instance that has just answered (and is
// about to ask for its next event) before starting another one, so back-to-back requests reuse the
// warm instance as they do in AWS.
const finishGrace = 50 * time.Millisecond

// acquire returns an instance reserved for one invocation, and whether it is freshly started.
func (p *pool) acquire(done <-chan struct{}) (*instance, bool, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, errClosed
	}
	if n := len(p.idle); n > 0 {
		inst := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return inst, false, nil
	}
	if p.limit == 0 {
		p.mu.Unlock()
		return nil, false, fmt.Errorf("function %s has ReservedConcurrentExecutions 0: every invocation is throttled", p.fn.LogicalID)
	}
	if p.n < p.limit && p.finishing == 0 {
		p.n++
		p.mu.Unlock()
		return p.startGranted()
	}
	brief := p.n < p.limit // only waiting for a finishing instance
	w := make(chan bool, 1)
	p.waiters = append(p.waiters, w)
	p.mu.Unlock()
	var grace <-chan time.Time
	if brief {
		t := time.NewTimer(finishGrace)
		defer t.Stop()
		grace = t.C
	}
	for {
		select {
		case start := <-w:
			return p.granted(w, start)
		case <-done:
			if !p.dequeue(w) {
				p.passOn(w) // already granted: pass the grant on rather than lose it
			}
			return nil, false, errClosed
		case <-grace:
			grace = nil
			if !p.dequeue(w) {
				continue // a grant is on its way
			}
			p.mu.Lock()
			if p.n < p.limit && !p.closed {
				p.n++
				p.mu.Unlock()
				return p.startGranted()
			}
			p.waiters = append(p.waiters, w) // the limit was reached meanwhile: queue
			p.mu.Unlock()
		}
	}
}

// dequeue removes a waiter; false when it was already granted something.
func (p *pool) dequeue(w chan bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

func (p *pool) passOn(w chan bool) {
	if start := <-w; start {
		p.mu.Lock()
		p.n--
		p.grantNext()
		p.mu.Unlock()
	} else if inst, _, err := p.granted(w, false); err == nil {
		p.release(inst)
	}
}

func (p *pool) granted(w chan bool, start bool) (*instance, bool, error) {
	if start {
		return p.startGranted()
	}
	p.mu.Lock()
	inst := p.handoff[w]
	delete(p.handoff, w)
	closed := p.closed
	p.mu.Unlock()
	if inst == nil || closed {
		return nil, false, errClosed
	}
	return inst, false, nil
}

// startGranted starts an instance in a slot already counted in p.n.
func (p *pool) startGranted() (*instance, bool, error) {
	inst, err := p.start()
	if err != nil {
		p.mu.Lock()
		p.n--
		p.grantNext()
		p.mu.Unlock()
		return nil, false, err
	}
	return inst, true, nil
}

// grantNext gives a freed slot to the first waiter. Called with p.mu held.
func (p *pool) grantNext() {
	if len(p.waiters) == 0 || p.closed {
		return
	}
	w := p.waiters[0]
	p.waiters = p.waiters[1:]
	p.n++
	w <- true
}

// release makes an instance available again: to the first waiter, or to the idle list.
func (p *pool) release(inst *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if inst.finishing {
		inst.finishing = false
		p.finishing--
	}
	if !p.live[inst] {
		return
	}
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.handoff[w] = inst
		w <- false
		return
	}
	p.idle = append(p.idle, inst)
}

func (p *pool) start() (*instance, error) {
	inst := &instance{
		key:      strings.ReplaceAll(newUUID(), "-", ""),
		pool:     p,
		started:  time.Now(),
		invokeCh: make(chan *invocation, 1),
		dead:     make(chan struct{}),
	}
	cmd := exec.Command(p.fn.Bin)
	cmd.Dir = p.st.binDir(p.fn)
	cmd.Env = p.st.functionEnv(p.fn, p.st.runtime.addr()+"/"+inst.key)
	stdout := &lineWriter{sink: p.st.sink, prefix: "[" + p.fn.LogicalID + "] "}
	stderr := &lineWriter{sink: p.st.sink, prefix: "[" + p.fn.LogicalID + "] "}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	inst.cmd = cmd
	inst.out = []*lineWriter{stdout, stderr}
	if !p.track() {
		return nil, errClosed
	}
	p.st.runtime.register(inst)
	if err := procs.Start(cmd); err != nil {
		p.st.runtime.unregister(inst)
		p.wg.Done()
		return nil, fmt.Errorf("start %s: %w", p.fn.LogicalID, err)
	}
	p.mu.Lock()
	p.live[inst] = true
	closed := p.closed
	p.stats.ColdStarts++
	p.stats.Running = len(p.live)
	if p.stats.Running > p.stats.Peak {
		p.stats.Peak = p.stats.Running
	}
	p.mu.Unlock()
	if closed { // close took its list of instances before this one was live
		inst.kill("shutdown")
	}
	go func() {
		defer p.wg.Done()
		err := cmd.Wait()
		for _, w := range inst.out {
			w.flush()
		}
		inst.mu.Lock()
		inst.exitErr = err
		cur := inst.current
		inst.mu.Unlock()
		p.st.runtime.unregister(inst)
		close(inst.dead)
		if cur != nil {
			cur.finish(errorResult(cur.id, "Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", cur.id, exitText(err))))
		}
		p.mu.Lock()
		if inst.finishing {
			inst.finishing = false
			p.finishing--
		}
		if p.live[inst] && !p.closed {
			p.stats.Replaced++
		}
		delete(p.live, inst)
		for i, x := range p.idle {
			if x == inst {
				p.idle = append(p.idle[:i], p.idle[i+1:]...)
				break
			}
		}
		p.stats.Running = len(p.live)
		p.n--
		p.grantNext()
		p.mu.Unlock()
	}()
	return inst, nil
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ProcessState.String()
	}
	return err.Error()
}

// track counts a goroutine that close must wait for, unless the pool is already closing.
func (p *pool) track() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.wg.Add(1)
	return true
}

// invoke runs one invocation synchronously. done (may be nil) abandons the wait, not the
// invocation: like Lambda, it runs to completion or timeout.
func (p *pool) invoke(done <-chan struct{}, payload []byte) (Result, error) {
	if len(payload) > maxPayload {
		return Result{}, errPayloadTooLarge
	}
	inst, cold, err := p.acquire(done)
	if err != nil {
		return Result{}, err
	}
	inv := &invocation{
		id:        newUUID(),
		payload:   payload,
		traceID:   newTraceID(),
		delivered: make(chan struct{}),
		done:      make(chan struct{}),
	}
	inst.invokeCh <- inv
	resc := make(chan Result, 1)
	if !p.track() {
		return Result{}, errClosed
	}
	go func() {
		defer p.wg.Done()
		resc <- p.supervise(inst, inv, cold)
	}()
	select {
	case r := <-resc:
		return r, nil
	case <-done:
		return Result{}, errClosed
	}
}

// supervise waits for the invocation's outcome and enforces the init limit and the timeout.
func (p *pool) supervise(inst *instance, inv *invocation, cold bool) Result {
	var initTimer <-chan time.Time
	if cold {
		t := time.NewTimer(p.st.cfg.InitTimeout)
		defer t.Stop()
		initTimer = t.C
	}
	select {
	case <-inv.delivered:
		timer := time.NewTimer(time.Until(inv.deadline))
		defer timer.Stop()
		select {
		case <-inv.done:
		case <-timer.C:
			secs := p.fn.Timeout.Seconds()
			if inv.finish(errorResult(inv.id, "Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, secs))) {
				p.platform(fmt.Sprintf("%s %s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, secs))
				p.report(inst, inv, cold, "timeout")
				inst.kill("timeout")
				p.count(inv.out, true)
				return p.result(inv, cold)
			}
		case <-inst.dead:
		}
	case <-inv.done: // init error reported before delivery
	case <-inst.dead:
		inst.mu.Lock()
		err := inst.exitErr
		inst.mu.Unlock()
		inv.finish(errorResult(inv.id, "Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited without providing a reason (%s)", inv.id, exitText(err))))
	case <-initTimer:
		if inv.finish(errorResult(inv.id, "Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: init did not finish within %s", inv.id, p.st.cfg.InitTimeout))) {
			inst.kill("init timeout")
		}
	}
	<-inv.done
	status := ""
	if inv.out.FunctionError != "" {
		status = "error\tError Type: " + inv.out.ErrorType
	}
	p.report(inst, inv, cold, status)
	p.count(inv.out, false)
	return p.result(inv, cold)
}

func (p *pool) result(inv *invocation, cold bool) Result {
	r := inv.out
	r.RequestID = inv.id
	r.ColdStart = cold
	if !inv.at.IsZero() {
		r.Duration = inv.end.Sub(inv.at)
	}
	return r
}

func (p *pool) count(r Result, timeout bool) {
	p.mu.Lock()
	p.stats.Invocations++
	if r.FunctionError != "" {
		p.stats.Errors++
	}
	if timeout {
		p.stats.Timeouts++
	}
	p.mu.Unlock()
}

func (p *pool) snapshot() FunctionStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// next is GET /runtime/invocation/next: the instance is ready for (another) event.
func (p *pool) next(inst *instance, w http.ResponseWriter, r *http.Request) {
	inst.mu.Lock()
	if cur := inst.current; cur != nil {
		// The runtime asked for the next event without answering this one.
		inst.current = nil
		inst.mu.Unlock()
		cur.finish(errorResult(cur.id, "Runtime.NoResponse", "RequestId: "+cur.id+" Error: the runtime asked for the next event without responding"))
		inst.mu.Lock()
	}
	first := inst.nexts == 0
	inst.nexts++
	if first {
		inst.initDur = time.Since(inst.started)
	}
	inst.mu.Unlock()
	if !first {
		p.release(inst)
	}
	var inv *invocation
	select {
	case inv = <-inst.invokeCh:
	case <-inst.dead:
		return
	case <-r.Context().Done():
		return
	}
	now := time.Now()
	inv.at = now
	inv.deadline = now.Add(p.fn.Timeout)
	inst.mu.Lock()
	inst.current = inv
	inst.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", p.fn.ARN)
	h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
	p.platform(fmt.Sprintf("START RequestId: %s Version: $LATEST", inv.id))
	w.WriteHeader(http.StatusOK)
	w.Write(inv.payload)
	close(inv.delivered)
}

// take detaches the current invocation if id names it.
func (inst *instance) take(id string) *invocation {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.current == nil || inst.current.id != id {
		return nil
	}
	inv := inst.current
	inst.current = nil
	return inv
}

// response is POST /runtime/invocation/{id}/response.
func (p *pool) response(inst *instance, id string, w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	inv := inst.take(id)
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	if err != nil {
		inv.finish(errorResult(id, "Runtime.InvalidResponse", "RequestId: "+id+" Error: reading the response: "+err.Error()))
		runtimeError(w, http.StatusBadRequest, "InvalidResponse", err.Error())
		return
	}
	if len(body) > maxPayload {
		inv.finish(errorResult(id, "Function.ResponseSizeTooLarge", fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxPayload)))
		runtimeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", maxPayload))
		return
	}
	// aws-lambda-go reports a failure while streaming the body in trailers.
	if typ := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); typ != "" {
		inv.finish(errorResult(id, typ, "RequestId: "+id+" Error: the response stream failed"))
		runtimeAccepted(w)
		return
	}
	p.markFinishing(inst)
	inv.finish(Result{Payload: body})
	p.platform("END RequestId: " + id)
	runtimeAccepted(w)
}

func (p *pool) markFinishing(inst *instance) {
	p.mu.Lock()
	if p.live[inst] && !inst.finishing {
		inst.finishing = true
		p.finishing++
	}
	p.mu.Unlock()
}

// invocationError is POST /runtime/invocation/{id}/error.
func (p *pool) invocationError(inst *instance, id string, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	inv := inst.take(id)
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	p.markFinishing(inst)
	inv.finish(functionErrorResult(id, r.Header.Get("Lambda-Runtime-Function-Error-Type"), body))
	p.platform("END RequestId: " + id)
	runtimeAccepted(w)
}

// initError is POST /runtime/init/error: the instance could not start; its pending event fails and
// the instance is not reused.
func (p *pool) initError(inst *instance, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	runtimeAccepted(w)
	res := functionErrorResult("", r.Header.Get("Lambda-Runtime-Function-Error-Type"), body)
	p.platform("INIT_REPORT Status: error\tError Type: " + res.ErrorType)
	select {
	case inv := <-inst.invokeCh:
		res.RequestID = inv.id
		inv.finish(res)
	default:
	}
	inst.kill("init error")
}

func functionErrorResult(id, typ string, body []byte) Result {
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.ErrorType != "" && typ == "" {
		typ = doc.ErrorType
	}
	if typ == "" {
		typ = "Unhandled"
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body, _ = json.Marshal(map[string]string{"errorType": typ, "errorMessage": "RequestId: " + id + " Error: " + typ})
	}
	return Result{RequestID: id, Payload: body, FunctionError: "Unhandled", ErrorType: typ}
}

// close stops the pool: waiters fail, every instance is killed, and close waits for all of them.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	waiters := p.waiters
	p.waiters = nil
	insts := make([]*instance, 0, len(p.live))
	for inst := range p.live {
		insts = append(insts, inst)
	}
	p.mu.Unlock()
	for _, w := range waiters {
		w <- false
	}
	for _, inst := range insts {
		inst.kill("shutdown")
	}
	p.wg.Wait()
}
