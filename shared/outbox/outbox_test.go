package outbox

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// flakyPublisher keeps stream.Publisher's contract: it fails every call while down is set, fails
// the events whose ids are in fail one by one (and then, as the order-keeping publisher does, the
// later events of their partition key in the call), and records what it delivered.
type flakyPublisher struct {
	mu   sync.Mutex
	down bool
	fail map[string]bool
	got  []string
	evs  []events.Envelope
}

func (p *flakyPublisher) Publish(_ context.Context, evs ...events.Envelope) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return errors.New("stream unavailable")
	}
	perr := &stream.PublishError{Total: len(evs)}
	dead := make(map[string]bool)
	for i, ev := range evs {
		if dead[ev.PartitionKey()] || p.fail[ev.ID] {
			dead[ev.PartitionKey()] = true
			perr.Failed = append(perr.Failed, stream.FailedRecord{Index: i, EventID: ev.ID, ErrorCode: "ProvisionedThroughputExceededException"})
			continue
		}
		p.got = append(p.got, ev.ID)
		p.evs = append(p.evs, ev)
	}
	if len(perr.Failed) > 0 {
		return perr
	}
	return nil
}

// order returns the ids of the events delivered for partition key, in delivery order.
func (p *flakyPublisher) order(key string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []string
	for _, ev := range p.evs {
		if ev.PartitionKey() == key {
			ids = append(ids, ev.ID)
		}
	}
	return ids
}

func newStore(t *testing.T) *store.Store {
	t.Helper()
	return store.New(emulators.NewTable(t, store.CreateTable))
}

type note struct {
	Text string `dynamodbav:"text"`
}

// A write whose publish fails is kept, and the relay delivers its event later, once.
func TestCommitThenRelayAfterPublishFailure(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	pub := &flakyPublisher{down: true}
	box := New(s, pub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	clock := time.Now()
	box.now = func() time.Time { return clock }
	acme, _ := tenant.Parse("acme")

	ev, err := events.New(acme, events.TypeTenantCreated, "acme", "test", events.TenantCreated{Name: "Acme", CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	k := store.Key{Kind: "note", ID: "n1"}
	if err := box.Commit(ctx, []store.Op{store.CreateOp(acme, k, note{"hello"})}, ev); err != nil {
		t.Fatalf("commit with the stream down: %v", err)
	}
	var n note
	if _, err := s.Get(ctx, acme, k, &n); err != nil || n.Text != "hello" {
		t.Fatalf("write not kept: %v %v", n, err)
	}
	// Within the grace period the relay leaves the record alone.
	pub.down = false
	if got, err := box.Relay(ctx, time.Minute); err != nil || got != 0 {
		t.Fatalf("relay inside grace: %d %v", got, err)
	}
	clock = clock.Add(2 * time.Minute)
	if got, err := box.Relay(ctx, time.Minute); err != nil || got != 1 {
		t.Fatalf("relay: %d %v", got, err)
	}
	if got, err := box.Relay(ctx, time.Minute); err != nil || got != 0 {
		t.Fatalf("second relay: %d %v", got, err)
	}
	if len(pub.got) != 1 || pub.got[0] != ev.ID {
		t.Fatalf("delivered %v, want [%s]", pub.got, ev.ID)
	}
}

// A failed write records no event, and a successful one leaves no outbox record behind.
func TestCommitIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	pub := &flakyPublisher{}
	box := New(s, pub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	acme, _ := tenant.Parse("acme")
	k := store.Key{Kind: "note", ID: "n1"}
	mk := func() events.Envelope {
		ev, err := events.New(acme, events.TypeTenantCreated, "acme", "test", events.TenantCreated{Name: "Acme", CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	if err := box.Commit(ctx, []store.Op{store.CreateOp(acme, k, note{"a"})}, mk()); err != nil {
		t.Fatal(err)
	}
	if err := box.Commit(ctx, []store.Op{store.CreateOp(acme, k, note{"b"})}, mk()); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second create: %v, want conflict", err)
	}
	if len(pub.got) != 1 {
		t.Fatalf("published %d events, want 1", len(pub.got))
	}
	if n := len(waiting(t, s)); n != 0 {
		t.Fatalf("outbox holds %d records, want 0", n)
	}
}

// waiting returns the ids of the records in every shard of the outbox, shard by shard in key order.
func waiting(t *testing.T, s Store) []string {
	t.Helper()
	var ids []string
	for n := range Shards {
		page := store.PageRequest{Limit: store.MaxLimit}
		for {
			res, err := s.PlatformQuery(t.Context(), ShardKind(n), "", page)
			if err != nil {
				t.Fatalf("read outbox shard %d: %v", n, err)
			}
			for _, r := range res.Items {
				ids = append(ids, r.Key.ID)
			}
			if res.Next == "" {
				break
			}
			page.Cursor = res.Next
		}
	}
	return ids
}
