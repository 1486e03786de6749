package devstack

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
)

// testBinDir is shared by every stack in the test binary, so each test function is compiled once
// and later stacks find their bootstrap up to date.
var testBinDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "devstack-bin-")
	if err != nil {
		panic(err)
	}
	testBinDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// logBuffer collects a stack's log lines and lets a test wait for a condition on them.
type logBuffer struct {
	mu      sync.Mutex
	partial string
	lines   []string
	changed chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.partial + string(p)
	parts := strings.Split(s, "\n")
	b.partial = parts[len(parts)-1]
	b.lines = append(b.lines, parts[:len(parts)-1]...)
	close(b.changed)
	b.changed = make(chan struct{})
	return len(p), nil
}

func (b *logBuffer) snapshot() ([]string, chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...), b.changed
}

// count returns how many lines contain all of the substrings.
func (b *logBuffer) count(subs ...string) int {
	lines, _ := b.snapshot()
	n := 0
	for _, l := range lines {
		if containsAll(l, subs...) {
			n++
		}
	}
	return n
}

func containsAll(l string, subs ...string) bool {
	for _, s := range subs {
		if !strings.Contains(l, s) {
			return false
		}
	}
	return true
}

// waitFor waits until cond holds for the log lines, or fails the test after timeout.
func (b *logBuffer) waitFor(t testing.TB, timeout time.Duration, what string, cond func(lines []string) bool) []string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		lines, changed := b.snapshot()
		if cond(lines) {
			return lines
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

// waitLines waits until at least n lines contain all of subs.
func (b *logBuffer) waitLines(t testing.TB, timeout time.Duration, n int, subs ...string) []string {
	t.Helper()
	return b.waitFor(t, timeout, strings.Join(subs, " ")+" ×"+strconv.Itoa(n), func(lines []string) bool {
		c := 0
		for _, l := range lines {
			if containsAll(l, subs...) {
				c++
			}
		}
		return c >= n
	})
}

// startStack starts a stack from testdata/<template> against the shared test emulators. The stack
// name is unique per test so tests never share tables, streams or queues.
func startStack(t testing.TB, template string, edit func(*Config)) (*Stack, *logBuffer) {
	t.Helper()
	e := emulators.ForTest(t)
	logs := newLogBuffer()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	cfg := Config{
		Template:           filepath.Join("testdata", template),
		StackName:          name + "-" + newUUID()[:6],
		StateDir:           t.TempDir(),
		BinDir:             testBinDir,
		Endpoints:          &e,
		StreamPollInterval: 50 * time.Millisecond,
		StreamRetryBackoff: 20 * time.Millisecond,
		Log:                logs,
	}
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	st, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start %s: %v", template, err)
	}
	t.Cleanup(func() {
		st.Close()
		if t.Failed() {
			lines, _ := logs.snapshot()
			t.Logf("stack log:\n%s", strings.Join(lines, "\n"))
		}
	})
	return st, logs
}

// waitStats polls a function's stats (they change when a child process exits, which has no other
// signal a test can wait on) until cond holds or 5 seconds pass, and returns the last value.
func waitStats(t testing.TB, st *Stack, fn string, cond func(FunctionStats) bool) FunctionStats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := st.Stats(fn)
		if cond(s) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fakeClock is a Clock whose time moves only when the test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	added   chan struct{}
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now, added: make(chan struct{})} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	close(c.added)
	c.added = make(chan struct{})
	return ch
}

// Advance moves time on and fires every timer that is due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// waitTimers blocks until at least n timers are pending (the code under test is waiting).
func (c *fakeClock) waitTimers(t testing.TB, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		pending, added := len(c.waiters), c.added
		c.mu.Unlock()
		if pending >= n {
			return
		}
		select {
		case <-added:
		case <-deadline:
			t.Fatalf("only %d of %d timers pending", pending, n)
		}
	}
}
