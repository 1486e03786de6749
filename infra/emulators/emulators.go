// Package emulators starts the AWS API emulators (dynalite, kinesalite, s3rver from npm, pinned in
// this folder's package.json) on loopback, installing them first if they are missing, and points the
// AWS SDK at them through its standard AWS_ENDPOINT_URL_* variables. DynamoDB is reached through a
// front of ours (package dynamotx) that adds the transactions dynalite lacks, so every test and
// the local stack run the store's one path, TransactWriteItems. With Options.Supervise, an
// emulator that dies is restarted on its port with its data.
//
// Tests call ForTest, or the helpers that call it and give a test resources of its own: AWSConfig,
// NewTable, NewStream (ACTIVE when it returns), ReadShards and ReadStream, NewBucket. The local stack
// calls Start with a data directory so data survives restarts.
package emulators

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators/dynamotx"
	"github.com/lingxi/lingxi/infra/procs"
)

// Endpoints are the base URLs of the three emulators.
type Endpoints struct {
	DynamoDB string
	Kinesis  string
	S3       string
}

// Env returns the environment variables that point the AWS SDK (and any child process) at e.
func (e Endpoints) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_DYNAMODB=" + e.DynamoDB,
		"AWS_ENDPOINT_URL_KINESIS=" + e.Kinesis,
		"AWS_ENDPOINT_URL_S3=" + e.S3,
		"AWS_REGION=us-east-1",
		// s3rver sends no checksums of its own: validate them only where an operation requires it
		// (the SDK's own setting, read by config.LoadDefaultConfig; AWS keeps the default).
		"AWS_RESPONSE_CHECKSUM_VALIDATION=when_required",
		// s3rver accepts only its built-in account; dynalite and kinesalite accept any.
		"AWS_ACCESS_KEY_ID=S3RVER",
		"AWS_SECRET_ACCESS_KEY=S3RVER",
	}
}

// Options say where the emulators keep their data and whether they are kept alive.
type Options struct {
	// DataDir holds dynalite/, kinesalite/ and s3/ when set; empty keeps DynamoDB and Kinesis in
	// memory and S3 in a temporary directory removed on Close.
	DataDir string
	// Log receives the emulators' stderr and the supervisor's lines; nil discards them.
	Log io.Writer
	// Supervise restarts an emulator that exits while running (killed, crashed) on the same port
	// with the same data directory, after a backoff that doubles from 100ms to 10s, and says so in
	// Log ("restarted kinesalite after exit …"). Without DataDir they come back empty. Without
	// Supervise an emulator that dies stays dead.
	Supervise bool
}

// Running is a started set of emulators. Close stops them.
//
// Endpoints.DynamoDB is the transactions front (package dynamotx) in front of dynalite, served by
// this process; Dynalite is dynalite's own endpoint behind it.
type Running struct {
	Endpoints
	Dynalite string

	procs   map[string]*proc
	log     io.Writer
	front   *http.Server
	tmp     string
	closing chan struct{} // closed by Close: no more restarts
	wg      sync.WaitGroup
	once    sync.Once
}

// proc is one emulator process, replaced by its supervisor when it dies.
type proc struct {
	kind, data string
	port       int
	mu         sync.Mutex
	cmd        *exec.Cmd
	stdin      io.Closer
	done       chan struct{} // closed when cmd has exited
}

func (p *proc) current() (*exec.Cmd, io.Closer, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd, p.stdin, p.done
}

// Dir returns the folder that holds package.json and serve.js, found from the working directory
// upwards (tests run in their package folder; tools run at the repository root).
func Dir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "infra", "emulators"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

// Install runs `npm ci` in the emulators folder when node_modules is missing. Concurrent callers
// (several test binaries) serialise on a lock file.
func Install(ctx context.Context) error {
	dir, err := Dir()
	if err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("open install lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock install: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if installed(dir) {
		return nil
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, out)
	}
	if !installed(dir) {
		return fmt.Errorf("npm ci in %s left the emulators missing", dir)
	}
	return nil
}

func installed(dir string) bool {
	for _, m := range []string{"dynalite", "kinesalite", "s3rver"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", m, "package.json")); err != nil {
			return false
		}
	}
	return true
}

// Start installs the emulators if needed, starts all three on free loopback ports and the
// transactions front before dynalite. It returns once each has printed that it listens.
func Start(ctx context.Context, opt Options) (*Running, error) {
	if err := Install(ctx); err != nil {
		return nil, err
	}
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	log := opt.Log
	if log == nil {
		log = io.Discard
	}
	r := &Running{procs: map[string]*proc{}, log: log, closing: make(chan struct{})}
	s3dir := ""
	dynDir, kinDir := "", ""
	if opt.DataDir != "" {
		dynDir = filepath.Join(opt.DataDir, "dynalite")
		kinDir = filepath.Join(opt.DataDir, "kinesalite")
		s3dir = filepath.Join(opt.DataDir, "s3")
		for _, d := range []string{dynDir, kinDir, s3dir} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, err
			}
		}
	} else {
		if r.tmp, err = os.MkdirTemp("", "lingxi-s3-"); err != nil {
			return nil, err
		}
		s3dir = r.tmp
	}
	start := func(kind, data string) (string, error) {
		p := &proc{kind: kind, data: data}
		cmd, stdin, port, err := spawn(ctx, dir, kind, 0, data, log)
		if err != nil {
			return "", fmt.Errorf("start %s: %w", kind, err)
		}
		p.port, p.cmd, p.stdin, p.done = port, cmd, stdin, make(chan struct{})
		r.procs[kind] = p
		r.wg.Add(1)
		go r.watch(p, dir, opt.Supervise)
		return fmt.Sprintf("http://127.0.0.1:%d", port), nil
	}
	if r.Dynalite, err = start("dynalite", dynDir); err == nil {
		if r.DynamoDB, err = r.serveFront(); err == nil {
			if r.Kinesis, err = start("kinesalite", kinDir); err == nil {
				r.S3, err = start("s3rver", s3dir)
			}
		}
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// serveFront serves the transactions front before dynalite on a free loopback port.
func (r *Running) serveFront() (string, error) {
	front, err := dynamotx.New(r.Dynalite)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for the DynamoDB front: %w", err)
	}
	r.front = &http.Server{Handler: front, ReadHeaderTimeout: 30 * time.Second}
	go r.front.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// Pid returns the process id of the emulator of that kind ("dynalite", "kinesalite", "s3rver")
// now running, 0 if there is none.
func (r *Running) Pid(kind string) int {
	p, ok := r.procs[kind]
	if !ok {
		return 0
	}
	cmd, _, _ := p.current()
	return cmd.Process.Pid
}

// Supervisor backoff bounds.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
	// stableRun is how long an emulator must have run for its next restart to start again at
	// minBackoff.
	stableRun = 30 * time.Second
)

// watch waits for p to exit and, when supervising and not closing, starts it again on its port.
func (r *Running) watch(p *proc, dir string, supervise bool) {
	defer r.wg.Done()
	backoff := minBackoff
	for {
		cmd, _, done := p.current()
		started := time.Now()
		err := cmd.Wait()
		close(done)
		select {
		case <-r.closing:
			return
		default:
		}
		if err == nil {
			err = errors.New("exit status 0")
		}
		if !supervise {
			fmt.Fprintf(r.log, "%s exited (%v); not restarting\n", p.kind, err)
			return
		}
		if time.Since(started) > stableRun {
			backoff = minBackoff
		}
		exit := err // why it died; err becomes the last failed restart's reason
		for {
			fmt.Fprintf(r.log, "%s exited (%v); restarting it on port %d in %s\n", p.kind, err, p.port, backoff)
			select {
			case <-r.closing:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxBackoff)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			next, stdin, _, serr := spawn(ctx, dir, p.kind, p.port, p.data, r.log)
			cancel()
			if serr != nil {
				err = fmt.Errorf("restart failed: %w", serr)
				continue
			}
			p.mu.Lock()
			select {
			case <-r.closing: // Close began while it started: stop it here
				p.mu.Unlock()
				stdin.Close()
				stop(next, make(chan struct{}), true)
				return
			default:
			}
			p.cmd, p.stdin, p.done = next, stdin, make(chan struct{})
			p.mu.Unlock()
			fmt.Fprintf(r.log, "restarted %s after exit (%v) on port %d with data %q\n", p.kind, exit, p.port, p.data)
			break
		}
	}
}

// spawn starts one emulator on port (0: a free one) and returns once it listens.
func spawn(ctx context.Context, dir, kind string, port int, data string, log io.Writer) (*exec.Cmd, io.Closer, int, error) {
	cmd := exec.Command("node", "serve.js", kind, strconv.Itoa(port), data)
	cmd.Dir = dir
	cmd.Stderr = log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, 0, err
	}
	// The emulator exits when its stdin closes, and the kernel kills it if we die first.
	if err := procs.Start(cmd); err != nil {
		return nil, nil, 0, err
	}
	ports := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var p int
			if _, err := fmt.Sscanf(sc.Text(), "ready %d", &p); err == nil {
				ports <- p
			}
		}
		close(ports)
	}()
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	fail := func(err error) (*exec.Cmd, io.Closer, int, error) {
		stdin.Close()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		return nil, nil, 0, err
	}
	select {
	case p, ok := <-ports:
		if !ok {
			return fail(errors.New("exited before it listened"))
		}
		return cmd, stdin, p, nil
	case <-timer.C:
		return fail(errors.New("did not listen within 30s"))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
}

// stop waits up to 5 seconds for cmd to exit after its stdin closed, then kills its group. done
// is closed when it has exited; waitHere says whether stop itself must reap it.
func stop(cmd *exec.Cmd, done chan struct{}, waitHere bool) {
	if waitHere {
		go func() { cmd.Wait(); close(done) }()
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// Close stops the front and the emulators and waits for them to exit.
func (r *Running) Close() error {
	r.once.Do(func() {
		close(r.closing)
		if r.front != nil {
			r.front.Close()
		}
		for _, p := range r.procs {
			cmd, stdin, done := p.current()
			stdin.Close()
			stop(cmd, done, false)
		}
		r.wg.Wait()
		if r.tmp != "" {
			os.RemoveAll(r.tmp)
		}
	})
	return nil
}

var (
	shared     Endpoints
	sharedRun  *Running // kept reachable: its stdin pipes keep the emulators alive
	sharedErr  error
	sharedOnce sync.Once
)

// ForTest returns endpoints for the emulators, shared by every test in the binary. When all three
// AWS_ENDPOINT_URL_* variables are already set (make test starts the emulators once for the whole
// run) and reachable, it reuses them (AWS_ENDPOINT_URL_DYNAMODB must then name a front with
// transactions, as Start serves one); otherwise it starts a private set that dies with the test
// binary. Either way it sets the SDK's environment variables, so config.LoadDefaultConfig finds
// them. A test that cannot get emulators fails; it never silently skips.
func ForTest(tb testing.TB) Endpoints {
	tb.Helper()
	sharedOnce.Do(func() {
		if e, ok := fromEnv(); ok {
			shared = e
		} else {
			sharedRun, sharedErr = Start(context.Background(), Options{})
			if sharedErr == nil {
				shared = sharedRun.Endpoints // lives until the test binary exits (Pdeathsig)
			}
		}
		if sharedErr == nil {
			for _, kv := range shared.Env() {
				k, v, _ := strings.Cut(kv, "=")
				os.Setenv(k, v)
			}
		}
	})
	if sharedErr != nil {
		tb.Fatalf("emulators: %v", sharedErr)
	}
	return shared
}

func fromEnv() (Endpoints, bool) {
	e := Endpoints{
		DynamoDB: os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"),
		Kinesis:  os.Getenv("AWS_ENDPOINT_URL_KINESIS"),
		S3:       os.Getenv("AWS_ENDPOINT_URL_S3"),
	}
	for _, u := range []string{e.DynamoDB, e.Kinesis, e.S3} {
		host := strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
		if host == "" {
			return e, false
		}
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			return e, false
		}
		c.Close()
	}
	return e, true
}
