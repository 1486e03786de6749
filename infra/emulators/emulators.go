// Package emulators starts the AWS API emulators (dynalite, kinesalite, s3rver from npm, pinned in
// this folder's package.json) on loopback, installing them first if they are missing, and points the
// AWS SDK at them through its standard AWS_ENDPOINT_URL_* variables.
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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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
		// s3rver accepts only its built-in account; dynalite and kinesalite accept any.
		"AWS_ACCESS_KEY_ID=S3RVER",
		"AWS_SECRET_ACCESS_KEY=S3RVER",
	}
}

// Options say where the emulators keep their data.
type Options struct {
	// DataDir holds dynalite/, kinesalite/ and s3/ when set; empty keeps DynamoDB and Kinesis in
	// memory and S3 in a temporary directory removed on Close.
	DataDir string
	// Log receives the emulators' stderr; nil discards it.
	Log io.Writer
}

// Running is a started set of emulators. Close stops them.
type Running struct {
	Endpoints
	procs  []*exec.Cmd
	stdins []io.Closer
	tmp    string
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

// Start installs the emulators if needed and starts all three on free loopback ports. It returns
// once each has printed that it listens.
func Start(ctx context.Context, opt Options) (*Running, error) {
	if err := Install(ctx); err != nil {
		return nil, err
	}
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	r := &Running{}
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
		port, err := r.spawn(ctx, dir, kind, data, opt.Log)
		if err != nil {
			return "", fmt.Errorf("start %s: %w", kind, err)
		}
		return fmt.Sprintf("http://127.0.0.1:%d", port), nil
	}
	if r.DynamoDB, err = start("dynalite", dynDir); err == nil {
		if r.Kinesis, err = start("kinesalite", kinDir); err == nil {
			r.S3, err = start("s3rver", s3dir)
		}
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Running) spawn(ctx context.Context, dir, kind, data string, log io.Writer) (int, error) {
	cmd := exec.Command("node", "serve.js", kind, "0", data)
	cmd.Dir = dir
	if log == nil {
		log = io.Discard
	}
	cmd.Stderr = log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	// The emulator exits when its stdin closes, and the kernel kills it if we die first.
	if err := procs.Start(cmd); err != nil {
		return 0, err
	}
	r.procs = append(r.procs, cmd)
	r.stdins = append(r.stdins, stdin)
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
	select {
	case p, ok := <-ports:
		if !ok {
			return 0, errors.New("exited before it listened")
		}
		return p, nil
	case <-timer.C:
		return 0, errors.New("did not listen within 30s")
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Close stops the emulators and waits for them to exit.
func (r *Running) Close() error {
	for _, in := range r.stdins {
		in.Close()
	}
	for _, p := range r.procs {
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	if r.tmp != "" {
		os.RemoveAll(r.tmp)
	}
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
// run) and reachable, it reuses them; otherwise it starts a private set that dies with the test
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
