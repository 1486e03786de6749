package stream_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The store is the Consumer's idempotency record in production.
var _ stream.Idempotency = (*store.Store)(nil)

// networkTimeout bounds every test that talks to the emulators.
const networkTimeout = 2 * time.Minute

// networkContext returns a context bounded by networkTimeout, for a test that talks to the
// emulators.
func networkContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), networkTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newStore creates a table of the test's own on dynalite and returns a store over it.
func newStore(t *testing.T) (context.Context, *store.Store) {
	t.Helper()
	return networkContext(t), store.New(emulators.NewTable(t, store.CreateTable))
}

// TestAcceptanceBadRecordInBatchOfHundred is the acceptance case: 100 real events, one of
// them bad JSON; only the bad one is reported, and however often the batch comes back the other 99
// are each handled exactly once, with the idempotency records in the real store on dynalite.
func TestAcceptanceBadRecordInBatchOfHundred(t *testing.T) {
	ctx, st := newStore(t)
	const bad = 37
	var (
		items []item
		good  []events.Envelope
	)
	for i := range 100 {
		if i == bad {
			items = append(items, item{raw: []byte(`{"id":"evt-bad","type":"call.dtmf","version":1,"tenant":"acme"`), key: "acme#call-7"})
			continue
		}
		e := dtmf(t, []string{"acme", "globex"}[i%2], fmt.Sprintf("call-%d", i%10), i)
		good = append(good, e)
		items = append(items, item{env: e})
	}
	var n calls
	h := func(_ context.Context, ten tenant.ID, e events.Envelope) error {
		if ten.String() != e.Tenant {
			return fmt.Errorf("tenant %s for an event of %s", ten, e.Tenant)
		}
		n.add(e.ID)
		return nil
	}
	var logs logBuffer
	c := stream.NewConsumer("acceptance", h, st, stream.WithLogger(jsonLogger(&logs)))
	batch := kinesisEvent(t, 0, items)
	deliveries := map[string]lambdaevents.KinesisEvent{
		"first delivery":                           batch,
		"same batch again":                         batch,
		"redelivery from the lowest failed record": kinesisEvent(t, bad, items[bad:]),
	}
	for _, name := range []string{"first delivery", "same batch again", "redelivery from the lowest failed record"} {
		resp, err := c.Handle(ctx, deliveries[name])
		if err != nil {
			t.Fatalf("%s: Handle failed the whole batch: %v", name, err)
		}
		if got := failedSeqs(resp); !slices.Equal(got, []string{seqOf(bad)}) {
			t.Fatalf("%s: BatchItemFailures = %v, want only the bad record %s", name, got, seqOf(bad))
		}
	}
	for _, e := range good {
		if got := n.get(e.ID); got != 1 {
			t.Errorf("event %s handled %d times, want 1", e.ID, got)
		}
	}
	if n.total() != 99 {
		t.Errorf("%d handler calls, want 99", n.total())
	}
	warned := 0
	for _, l := range logs.warnLines() {
		if l["seq"] == seqOf(bad) && l["event_id"] == "evt-bad" {
			warned++
		}
	}
	if warned != 3 {
		t.Errorf("bad record logged at warn %d times with its seq and event id, want once per delivery (3):\n%s", warned, logs.String())
	}
}

// flakyClaims fails the first Claim of one event, passing everything else to the store.
type flakyClaims struct {
	*store.Store
	mu     sync.Mutex
	failID string
	failed bool
}

func (f *flakyClaims) Claim(ctx context.Context, t tenant.ID, id string, lease time.Duration) (bool, error) {
	f.mu.Lock()
	fail := !f.failed && strings.HasSuffix(id, f.failID)
	f.failed = f.failed || fail
	f.mu.Unlock()
	if fail {
		return false, errors.New("ProvisionedThroughputExceededException: injected")
	}
	return f.Store.Claim(ctx, t, id, lease)
}

// TestTransientFailureInTheMiddle: a record that fails for now is the only one reported; the
// later records of its subject wait, other subjects go on; the redelivery from the failed record
// handles the waiting ones once and skips what was done.
func TestTransientFailureInTheMiddle(t *testing.T) {
	// Records alternate between two calls: index 2k is call-a's k-th event, 2k+1 call-b's.
	const target = 4 // call-a's third event
	tests := map[string]struct {
		handler func() error // for the target's first call
		claims  bool         // fail the target's first Claim instead
	}{
		"handler error": {handler: func() error { return errors.New("queue service unavailable") }},
		"handler panic": {handler: func() error { panic("index out of range") }},
		"claim error":   {claims: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, st := newStore(t)
			var envs []events.Envelope
			var items []item
			for i := range 10 {
				e := dtmf(t, "acme", []string{"call-a", "call-b"}[i%2], i/2)
				envs = append(envs, e)
				items = append(items, item{env: e})
			}
			var (
				idem stream.Idempotency = st
				n    calls
				seen []int // successful handler calls, by index, in order
				once sync.Once
			)
			if tc.claims {
				idem = &flakyClaims{Store: st, failID: envs[target].ID}
			}
			h := func(_ context.Context, _ tenant.ID, e events.Envelope) error {
				i := slices.IndexFunc(envs, func(x events.Envelope) bool { return x.ID == e.ID })
				if i == target && tc.handler != nil {
					var err error
					failed := false
					once.Do(func() { failed = true; err = tc.handler() })
					if failed {
						return err
					}
				}
				n.add(e.ID)
				seen = append(seen, i)
				return nil
			}
			c := stream.NewConsumer("dispatch", h, idem, stream.WithLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))))

			resp, err := c.Handle(ctx, kinesisEvent(t, 0, items))
			if err != nil {
				t.Fatal(err)
			}
			if got := failedSeqs(resp); !slices.Equal(got, []string{seqOf(target)}) {
				t.Fatalf("first delivery: failed = %v, want only %s", got, seqOf(target))
			}
			if want := []int{0, 1, 2, 3, 5, 7, 9}; !slices.Equal(seen, want) {
				t.Fatalf("first delivery handled %v, want %v (call-a's events after the failure wait)", seen, want)
			}

			// Lambda resumes the shard from the lowest failed sequence number.
			resp, err = c.Handle(ctx, kinesisEvent(t, target, items[target:]))
			if err != nil {
				t.Fatal(err)
			}
			if got := failedSeqs(resp); len(got) != 0 {
				t.Fatalf("redelivery: failed = %v, want none", got)
			}
			if want := []int{0, 1, 2, 3, 5, 7, 9, 4, 6, 8}; !slices.Equal(seen, want) {
				t.Fatalf("after redelivery handled %v, want %v", seen, want)
			}
			for i, e := range envs {
				if got := n.get(e.ID); got != 1 {
					t.Errorf("record %d handled %d times, want 1", i, got)
				}
			}
		})
	}
}

// TestPublishToKinesalite publishes 1,200 events to a two-shard stream and reads them back: all
// arrive once, with the envelope's partition key, in Publish order per subject, across both shards;
// and a Consumer fed the shards' records handles each once.
func TestPublishToKinesalite(t *testing.T) {
	tests := map[string][]stream.PublisherOption{
		"default":                  nil,
		"reorder on retry allowed": {stream.AllowReorderOnRetry()},
	}
	for name, opts := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := networkContext(t)
			kc, streamName := emulators.NewStream(t, 2)

			var envs []events.Envelope
			order := make(map[string]int) // event id -> position in its subject
			for i := range 1200 {
				ten := []string{"acme", "globex"}[i%2]
				subject := fmt.Sprintf("call-%02d", i%30)
				e := dtmf(t, ten, subject, i)
				order[e.ID] = i / 30
				envs = append(envs, e)
			}
			if err := stream.NewPublisher(kc, streamName, opts...).Publish(ctx, envs...); err != nil {
				t.Fatalf("Publish: %v", err)
			}

			shards := emulators.ReadShards(t, kc, streamName)
			if len(shards) < 2 {
				t.Fatalf("%d shards", len(shards))
			}
			seen := make(map[string]bool)
			last := make(map[string]int) // partition key -> last position read
			for shard, recs := range shards {
				if len(recs) == 0 {
					t.Errorf("shard %s got no records; 30 subjects should spread over both", shard)
				}
				for _, r := range recs {
					e, err := events.Decode(r.Data)
					if err != nil {
						t.Fatalf("record %s does not decode: %v", aws.ToString(r.SequenceNumber), err)
					}
					if pk := aws.ToString(r.PartitionKey); pk != e.PartitionKey() {
						t.Errorf("record %s has partition key %q, want %q", e.ID, pk, e.PartitionKey())
					}
					if seen[e.ID] {
						t.Errorf("event %s arrived twice", e.ID)
					}
					seen[e.ID] = true
					pos, ok := order[e.ID]
					if !ok {
						t.Fatalf("unknown event %s", e.ID)
					}
					if p, ok := last[e.PartitionKey()]; ok && pos <= p {
						t.Errorf("subject %s: event at position %d read after position %d", e.PartitionKey(), pos, p)
					}
					last[e.PartitionKey()] = pos
				}
			}
			if len(seen) != len(envs) {
				t.Fatalf("read %d distinct events, published %d", len(seen), len(envs))
			}

			// The consumer side takes what the publisher wrote, in Lambda-sized batches.
			var n calls
			c := stream.NewConsumer("e2e", func(_ context.Context, _ tenant.ID, e events.Envelope) error { n.add(e.ID); return nil },
				&memIdem{}, stream.WithLogger(slog.New(slog.DiscardHandler)))
			for _, recs := range shards {
				for b := range slices.Chunk(recs, 100) {
					resp, err := c.Handle(ctx, lambdaBatch(b))
					if err != nil || len(resp.BatchItemFailures) != 0 {
						t.Fatalf("Handle: %v, failures %v", err, resp.BatchItemFailures)
					}
				}
			}
			if n.total() != len(envs) || len(n.n) != len(envs) {
				t.Fatalf("consumer handled %d calls for %d events, want %d each once", n.total(), len(n.n), len(envs))
			}
		})
	}
}

// lambdaBatch wraps records read from a shard as the event source mapping delivers them.
func lambdaBatch(recs []types.Record) lambdaevents.KinesisEvent {
	var ev lambdaevents.KinesisEvent
	for _, r := range recs {
		ev.Records = append(ev.Records, lambdaevents.KinesisEventRecord{
			EventSource: "aws:kinesis",
			Kinesis: lambdaevents.KinesisRecord{
				Data: r.Data, PartitionKey: aws.ToString(r.PartitionKey), SequenceNumber: aws.ToString(r.SequenceNumber),
			},
		})
	}
	return ev
}
