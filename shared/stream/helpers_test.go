package stream_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// dtmf builds a real call.dtmf event for tenant ten about subject; n goes into the payload.
func dtmf(t testing.TB, ten, subject string, n int) events.Envelope {
	t.Helper()
	e, err := events.New(mustTenant(ten), events.TypeCallDTMF, subject, "test", events.CallDTMF{
		CallID: subject, Digit: "5", DurationMS: int64(n),
	})
	if err != nil {
		t.Fatalf("events.New: %v", err)
	}
	return e
}

// item is one record of a test batch: an envelope, or raw bytes when raw is set.
type item struct {
	env events.Envelope
	raw []byte
	key string // partition key for raw records
}

// seqOf is the sequence number of the i-th record of a test shard.
func seqOf(i int) string {
	return fmt.Sprintf("49590338271490256608559692538361571095921575989136%04d", i)
}

// kinesisEvent wraps items as Lambda receives them from one shard, numbered from first.
func kinesisEvent(t testing.TB, first int, items []item) lambdaevents.KinesisEvent {
	t.Helper()
	var ev lambdaevents.KinesisEvent
	for i, it := range items {
		data, key := it.raw, it.key
		if data == nil {
			var err error
			if data, err = json.Marshal(it.env); err != nil {
				t.Fatal(err)
			}
			key = it.env.PartitionKey()
		}
		ev.Records = append(ev.Records, lambdaevents.KinesisEventRecord{
			EventSource: "aws:kinesis",
			EventID:     "shardId-000000000000:" + seqOf(first+i),
			Kinesis: lambdaevents.KinesisRecord{
				Data: data, PartitionKey: key, SequenceNumber: seqOf(first + i), KinesisSchemaVersion: "1.0",
			},
		})
	}
	return ev
}

// failedSeqs lists the reported sequence numbers.
func failedSeqs(r lambdaevents.KinesisEventResponse) []string {
	var s []string
	for _, f := range r.BatchItemFailures {
		s = append(s, f.ItemIdentifier)
	}
	return s
}

// calls counts handler calls per event id.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = make(map[string]int)
	}
	c.n[id]++
}

func (c *calls) get(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id]
}

func (c *calls) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

// logBuffer collects log output safely.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// warnLines returns the JSON log lines at WARN.
func (l *logBuffer) warnLines() []map[string]any {
	var out []map[string]any
	for line := range strings.Lines(l.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["level"] == "WARN" {
			out = append(out, m)
		}
	}
	return out
}

func jsonLogger(w *logBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// memIdem is an in-memory stream.Idempotency with the store's semantics, and faults to inject.
type memIdem struct {
	mu       sync.Mutex
	claimed  map[string]time.Time // id -> lease end
	done     map[string]bool
	released []string
	// failClaim, failComplete, failRelease fail the operation for ids containing the string.
	failClaim, failComplete, failRelease string
}

func key(t tenant.ID, id string) string { return t.String() + "/" + id }

func (m *memIdem) Claim(_ context.Context, t tenant.ID, id string, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failClaim != "" && strings.Contains(id, m.failClaim) {
		return false, fmt.Errorf("claim %s: throttled", id)
	}
	k := key(t, id)
	if m.done[k] || time.Now().Before(m.claimed[k]) {
		return false, nil
	}
	if m.claimed == nil {
		m.claimed = make(map[string]time.Time)
	}
	m.claimed[k] = time.Now().Add(lease)
	return true, nil
}

func (m *memIdem) Complete(_ context.Context, t tenant.ID, id string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failComplete != "" && strings.Contains(id, m.failComplete) {
		return fmt.Errorf("complete %s: throttled", id)
	}
	if m.done == nil {
		m.done = make(map[string]bool)
	}
	m.done[key(t, id)] = true
	delete(m.claimed, key(t, id))
	return nil
}

func (m *memIdem) Release(_ context.Context, t tenant.ID, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.released = append(m.released, id)
	if m.failRelease != "" && strings.Contains(id, m.failRelease) {
		return fmt.Errorf("release %s: throttled", id)
	}
	delete(m.claimed, key(t, id))
	return nil
}

var _ stream.Idempotency = (*memIdem)(nil)
