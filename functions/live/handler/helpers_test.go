package handler

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// pushed is one message the fake pusher was asked to send.
type pushed struct {
	to   string // "user:<id>", "role:<role>" or "conv:<id>"
	kind string // the message's "type"
	msg  map[string]any
}

// fakePusher records what would be pushed. Safe for concurrent use.
type fakePusher struct {
	mu   sync.Mutex
	sent []pushed
}

var _ Pusher = (*fakePusher)(nil)

func (f *fakePusher) record(to string, msg any) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, pushed{to: to, kind: m["type"].(string), msg: m})
	return nil
}

func (f *fakePusher) NotifyUser(_ context.Context, _ tenant.ID, userID string, msg any) error {
	return f.record("user:"+userID, msg)
}

func (f *fakePusher) NotifyRole(_ context.Context, _ tenant.ID, role auth.Role, msg any) error {
	return f.record("role:"+string(role), msg)
}

func (f *fakePusher) NotifyConversation(_ context.Context, _ tenant.ID, convID string, msg any) error {
	return f.record("conv:"+convID, msg)
}

// take returns what was pushed since the last take.
func (f *fakePusher) take() []pushed {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.sent
	f.sent = nil
	return out
}

// of returns the messages of kind among ps.
func of(ps []pushed, kind string) []pushed {
	var out []pushed
	for _, p := range ps {
		if p.kind == kind {
			out = append(out, p)
		}
	}
	return out
}

// clock is a test clock: waiting moves it on instead of sleeping.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	waited time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.t = c.t.Add(d)
		c.waited += d
	}
	return nil
}

// conflictCounter wraps the store and counts the writes that lost a race; while failFor is set,
// that tenant's board writes fail.
type conflictCounter struct {
	*store.Store
	conflicts atomic.Int64
	failFor   atomic.Value // tenant.ID
}

func (c *conflictCounter) Put(ctx context.Context, t tenant.ID, k store.Key, v any, version int64, opts ...store.Option) (int64, error) {
	if f, _ := c.failFor.Load().(tenant.ID); f == t && k.Kind == "wallboard" {
		return 0, errors.New("injected: table unavailable")
	}
	n, err := c.Store.Put(ctx, t, k, v, version, opts...)
	if errors.Is(err, store.ErrConflict) {
		c.conflicts.Add(1)
	}
	return n, err
}

type fixture struct {
	db    *conflictCounter
	push  *fakePusher
	clock *clock
	h     *Handler
	t     tenant.ID
}

func newFixture(t *testing.T, now time.Time) *fixture { return newBenchFixture(t, now) }

func newBenchFixture(t testing.TB, now time.Time) *fixture {
	t.Helper()
	c := &clock{t: now}
	// The store reads the test's clock too: it decides the items' TTL.
	f := &fixture{db: &conflictCounter{Store: store.New(emulators.NewTable(t, store.CreateTable)).WithClock(c.now)}, push: &fakePusher{}, clock: c}
	f.t, _ = tenant.Parse("acme")
	f.h = New(f.db, f.push, Config{}, slog.New(slog.DiscardHandler), WithClock(f.clock.now, f.clock.wait))
	for _, q := range []floor.Queue{{ID: "general", Name: "General", TargetSeconds: 20, TargetPercent: 80}, {ID: "vip", Name: "VIP", TargetSeconds: 10, TargetPercent: 90}} {
		if err := f.db.Create(t.Context(), f.t, floor.QueueKey(q.ID), q); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// batch wraps envelopes as one Kinesis batch.
func batch(t testing.TB, evs ...events.Envelope) lambdaevents.KinesisEvent {
	t.Helper()
	var ev lambdaevents.KinesisEvent
	for i, e := range evs {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		seq := strconv.Itoa(i + 1)
		ev.Records = append(ev.Records, lambdaevents.KinesisEventRecord{EventID: "shardId-000000000000:" + seq,
			Kinesis: lambdaevents.KinesisRecord{Data: data, SequenceNumber: seq, PartitionKey: e.PartitionKey()}})
	}
	return ev
}

func (f *fixture) handle(t *testing.T, evs ...events.Envelope) {
	t.Helper()
	resp, err := f.h.Handle(t.Context(), batch(t, evs...))
	if err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("batch: err %v, failures %v", err, resp.BatchItemFailures)
	}
}

// recordedDay reads shared/wallboard's recorded day (2026-03-02, tenant acme).
func recordedDay(t *testing.T) []events.Envelope {
	t.Helper()
	b, err := os.ReadFile("../../../shared/wallboard/testdata/day.json")
	if err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		t.Fatal(err)
	}
	var out []events.Envelope
	for _, r := range raws {
		e, err := events.Decode(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func at(clock string) time.Time {
	t, err := time.Parse(time.RFC3339, "2026-03-02T"+clock+"Z")
	if err != nil {
		panic(err)
	}
	return t
}

func event(t *testing.T, typ, subject string, when time.Time, data any) events.Envelope {
	return benchEvent(t, typ, subject, when, data)
}

func benchEvent(t testing.TB, typ, subject string, when time.Time, data any) events.Envelope {
	t.Helper()
	ten, _ := tenant.Parse("acme")
	e, err := events.New(ten, typ, subject, "test", data)
	if err != nil {
		t.Fatal(err)
	}
	e.Time = when
	return e
}
