package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// clock is a test's time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is an outbox over a table of its own on dynalite, with a flaky publisher and a hand clock.
type env struct {
	t     *testing.T
	s     *store.Store
	pub   *flakyPublisher
	clock *clock
	box   *Outbox
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, s: newStore(t), pub: &flakyPublisher{}, clock: &clock{t: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)}}
	e.box = e.instance(e.clock)
	return e
}

// instance is another function instance over the same table and stream, with its own clock.
func (e *env) instance(c *clock) *Outbox {
	box := New(e.s, e.pub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	box.now = c.now
	return box
}

// commit commits evs through box with a note per event, and moves the clock on a millisecond.
func (e *env) commit(box *Outbox, evs ...events.Envelope) {
	e.t.Helper()
	var ops []store.Op
	for _, ev := range evs {
		ten, _ := ev.TenantID()
		ops = append(ops, store.CreateOp(ten, store.Key{Kind: "note", ID: ev.ID}, note{ev.Subject}))
	}
	if err := box.Commit(e.t.Context(), ops, evs...); err != nil {
		e.t.Fatalf("commit: %v", err)
	}
	e.clock.advance(time.Millisecond)
}

func (e *env) relay(box *Outbox, grace time.Duration, want int) {
	e.t.Helper()
	got, err := box.Relay(e.t.Context(), grace)
	if err != nil || got != want {
		e.t.Fatalf("relay delivered %d (%v), want %d", got, err, want)
	}
}

// chat returns a chat message of the tenant's conversation subject.
func chat(t *testing.T, ten, subject string) events.Envelope {
	t.Helper()
	id, err := tenant.Parse(ten)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := events.New(id, events.TypeChatMessage, subject, "test", events.ChatMessage{
		ConversationID: subject, Channel: events.ChannelChat, Role: events.RoleCustomer, Text: "hello",
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func ids(evs ...events.Envelope) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.ID)
	}
	return out
}

// TestSubjectOrderAcrossPublishFailures pins defect 8 of issue 7: events committed while the
// stream was down were published after newer events of the same conversation, because a Commit
// published at once whatever of its subject was still waiting. Now a Commit behind a waiting event
// leaves its own to the relay, which publishes each subject in commit order.
func TestSubjectOrderAcrossPublishFailures(t *testing.T) {
	e := newEnv(t)
	a1, a2, a3, a4 := chat(t, "acme", "conv-a"), chat(t, "acme", "conv-a"), chat(t, "acme", "conv-a"), chat(t, "acme", "conv-a")
	b1, b2 := chat(t, "acme", "conv-b"), chat(t, "acme", "conv-b")
	c1 := chat(t, "globex", "conv-a") // same subject name, another tenant: another partition key

	e.pub.down = true
	e.commit(e.box, a1, a2) // two events of one subject in one call keep their order
	e.commit(e.box, b1)
	e.pub.down = false
	e.commit(e.box, a3)
	e.commit(e.box, b2)
	e.commit(e.box, c1)
	if got, want := e.pub.got, ids(c1); !slices.Equal(got, want) {
		t.Fatalf("published at commit %v, want only %v: the others have older events waiting", got, want)
	}
	if n := len(waiting(t, e.s)); n != 5 {
		t.Fatalf("outbox holds %d records, want 5", n)
	}
	e.clock.advance(time.Minute)
	e.relay(e.box, 30*time.Second, 5)
	for key, want := range map[string][]string{
		a1.PartitionKey(): ids(a1, a2, a3),
		b1.PartitionKey(): ids(b1, b2),
		c1.PartitionKey(): ids(c1),
	} {
		if got := e.pub.order(key); !slices.Equal(got, want) {
			t.Errorf("%s on the stream: %v, want %v", key, got, want)
		}
	}
	e.commit(e.box, a4) // nothing waits any more: published at once
	if got := e.pub.order(a1.PartitionKey()); !slices.Equal(got, ids(a1, a2, a3, a4)) {
		t.Errorf("after the relay, a commit published %v", got)
	}
	if left := waiting(t, e.s); len(left) != 0 {
		t.Errorf("outbox still holds %v", left)
	}
}

// A Commit on an instance whose clock is behind still sorts after the event an instance with a
// clock ahead left waiting: it stamps its record after the newest waiting one of its subject.
func TestCommitOrderDoesNotTrustClocks(t *testing.T) {
	e := newEnv(t)
	ahead := &clock{t: e.clock.now().Add(time.Hour)}
	a1, a2 := chat(t, "acme", "conv-a"), chat(t, "acme", "conv-a")
	e.pub.down = true
	e.commit(e.instance(ahead), a1)
	e.pub.down = false
	e.commit(e.box, a2)
	if len(e.pub.got) != 0 {
		t.Fatalf("published %v while an older event of the subject waits", e.pub.got)
	}
	ahead.advance(time.Hour)
	e.relay(e.instance(ahead), 30*time.Second, 2)
	if got := e.pub.order(a1.PartitionKey()); !slices.Equal(got, ids(a1, a2)) {
		t.Fatalf("stream order %v, want %v", got, ids(a1, a2))
	}
}

// The relay stops a subject at its first failure, across pages too, and the other subjects go on.
func TestRelayStopsSubjectAtFirstFailure(t *testing.T) {
	for _, page := range []int32{1, 2, relayPage} {
		t.Run(fmt.Sprintf("page %d", page), func(t *testing.T) {
			e := newEnv(t)
			e.box.page = page
			a := []events.Envelope{chat(t, "acme", "conv-a"), chat(t, "acme", "conv-a"), chat(t, "acme", "conv-a")}
			b := []events.Envelope{chat(t, "acme", "conv-b"), chat(t, "acme", "conv-b")}
			e.pub.down = true
			for i := range 3 {
				e.commit(e.box, a[i])
				if i < len(b) {
					e.commit(e.box, b[i])
				}
			}
			e.pub.down = false
			e.pub.fail = map[string]bool{a[1].ID: true}
			e.clock.advance(time.Minute)
			e.relay(e.box, 30*time.Second, 3)
			if got := e.pub.order(a[0].PartitionKey()); !slices.Equal(got, ids(a[0])) {
				t.Fatalf("conv-a on the stream: %v, want only %v (the second failed)", got, ids(a[0]))
			}
			if got := e.pub.order(b[0].PartitionKey()); !slices.Equal(got, ids(b...)) {
				t.Fatalf("conv-b on the stream: %v, want %v", got, ids(b...))
			}
			e.pub.fail = nil
			e.relay(e.box, 30*time.Second, 2)
			if got := e.pub.order(a[0].PartitionKey()); !slices.Equal(got, ids(a...)) {
				t.Fatalf("conv-a on the stream: %v, want %v", got, ids(a...))
			}
		})
	}
}

// The relay leaves a subject alone while its oldest record is younger than the grace period (its
// Commit may be publishing it), but takes young records behind one it publishes.
func TestRelayGrace(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ages  []time.Duration // of the subject's records when the relay runs, oldest first
		relay int
	}{
		{"young and first: left to its commit", []time.Duration{10 * time.Second}, 0},
		{"old: relayed", []time.Duration{40 * time.Second}, 1},
		{"young behind an old one: relayed after it", []time.Duration{40 * time.Second, 10 * time.Second}, 2},
		{"young behind a young one: left", []time.Duration{20 * time.Second, 10 * time.Second}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.pub.down = true
			var evs []events.Envelope
			for i, age := range tc.ages {
				if i > 0 {
					e.clock.advance(tc.ages[i-1] - age)
				}
				ev := chat(t, "acme", "conv-a")
				evs = append(evs, ev)
				e.commit(e.box, ev)
			}
			e.pub.down = false
			e.clock.advance(tc.ages[len(tc.ages)-1])
			e.relay(e.box, 30*time.Second, tc.relay)
			if got := e.pub.order(evs[0].PartitionKey()); !slices.Equal(got, ids(evs[:tc.relay]...)) {
				t.Fatalf("on the stream: %v, want %v", got, ids(evs[:tc.relay]...))
			}
		})
	}
}

// Records spread over the shards by tenant and subject, each subject's in one shard, and the relay
// drains every shard.
func TestOutboxSpreadsOverShards(t *testing.T) {
	e := newEnv(t)
	e.pub.down = true
	const subjects = 48
	for i := range subjects {
		ten := []string{"acme", "globex", "initech"}[i%3]
		subject := fmt.Sprintf("conv-%d", i)
		e.commit(e.box, chat(t, ten, subject), chat(t, ten, subject))
	}
	shardOf := make(map[string]string) // subject prefix -> kind
	used := make(map[string]int)
	for n := range Shards {
		res, err := e.s.PlatformQuery(t.Context(), ShardKind(n), "", store.PageRequest{Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Items {
			prefix, _, err := parseID(r.Key.ID)
			if err != nil {
				t.Fatal(err)
			}
			if k, ok := shardOf[prefix]; ok && k != r.Key.Kind {
				t.Fatalf("subject %s has records in %s and %s", prefix, k, r.Key.Kind)
			}
			shardOf[prefix] = r.Key.Kind
			used[r.Key.Kind]++
		}
	}
	if len(shardOf) != subjects {
		t.Fatalf("%d subjects in the outbox, want %d", len(shardOf), subjects)
	}
	if len(used) < Shards/2 {
		t.Fatalf("%d subjects landed in %d of %d shards: %v", subjects, len(used), Shards, used)
	}
	e.pub.down = false
	e.clock.advance(time.Minute)
	e.relay(e.box, 30*time.Second, 2*subjects)
	if left := waiting(t, e.s); len(left) != 0 {
		t.Fatalf("outbox still holds %d records", len(left))
	}
}

// An event the stream would refuse is refused at commit, with nothing written: stored, it would
// wait in the outbox forever.
func TestCommitRefusesWhatTheStreamWould(t *testing.T) {
	e := newEnv(t)
	ev := chat(t, "acme", "conv-a")
	ev.Subject = strings.Repeat("x", 129)
	acme, _ := tenant.Parse("acme")
	k := store.Key{Kind: "note", ID: "n1"}
	err := e.box.Commit(t.Context(), []store.Op{store.CreateOp(acme, k, note{"x"})}, ev)
	if !errors.Is(err, stream.ErrInvalidRecord) {
		t.Fatalf("commit: %v, want ErrInvalidRecord", err)
	}
	if _, err := e.s.Get(t.Context(), acme, k, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the write was kept: %v", err)
	}
	if left := waiting(t, e.s); len(left) != 0 {
		t.Fatalf("outbox holds %v", left)
	}
}

// Records an older build left in the unsharded outbox ("P#outbox", ids "<time>#<event id>") are
// moved into the shards and published, before newer waiting events of their subject.
func TestRelayMovesLegacyRecords(t *testing.T) {
	e := newEnv(t)
	old, later := chat(t, "acme", "conv-a"), chat(t, "acme", "conv-a")
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	k := store.Key{Kind: legacyKind, ID: e.clock.now().Format(stampLayout) + "#" + old.ID}
	if err := e.s.PlatformCreate(t.Context(), k, record{Event: string(b)}); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Second)
	e.pub.down = true
	e.commit(e.box, later)
	e.pub.down = false
	e.clock.advance(time.Minute)
	e.relay(e.box, 30*time.Second, 2)
	if got := e.pub.order(old.PartitionKey()); !slices.Equal(got, ids(old, later)) {
		t.Fatalf("on the stream: %v, want %v", got, ids(old, later))
	}
	if res, err := e.s.PlatformQuery(t.Context(), legacyKind, "", store.PageRequest{}); err != nil || len(res.Items) != 0 {
		t.Fatalf("legacy outbox holds %d records (%v)", len(res.Items), err)
	}
}

// hookStore runs afterTx once, right after the next transaction that succeeds.
type hookStore struct {
	Store
	afterTx func()
}

func (h *hookStore) Tx(ctx context.Context, ops ...store.Op) error {
	err := h.Store.Tx(ctx, ops...)
	if f := h.afterTx; err == nil && f != nil {
		h.afterTx = nil
		f()
	}
	return err
}

// hookPublisher runs before once, before the next Publish call, outside the publisher's lock.
type hookPublisher struct {
	*flakyPublisher
	before func()
}

func (h *hookPublisher) Publish(ctx context.Context, evs ...events.Envelope) error {
	if f := h.before; f != nil {
		h.before = nil
		f()
	}
	return h.flakyPublisher.Publish(ctx, evs...)
}

// A relay run that falls between a Commit's transaction and its publishing never puts the
// subject's events out of order: with the grace period it takes a young record only behind an
// older one, and the Commit then finds nothing of its own left to publish; without it (grace 0,
// the relay racing the Commit's own publish) the event goes out twice, the same both times.
func TestCommitRacingRelay(t *testing.T) {
	t.Run("relay between transaction and check", func(t *testing.T) {
		e := newEnv(t)
		a1, a2 := chat(t, "acme", "conv-a"), chat(t, "acme", "conv-a")
		e.pub.down = true
		e.commit(e.box, a1)
		e.pub.down = false
		e.clock.advance(time.Minute)
		relay := e.instance(e.clock)
		hs := &hookStore{Store: e.s}
		hs.afterTx = func() { e.relay(relay, 30*time.Second, 2) }
		racing := New(hs, e.pub, slog.New(slog.NewTextHandler(io.Discard, nil)))
		racing.now = e.clock.now
		e.commit(racing, a2)
		if got := e.pub.got; !slices.Equal(got, ids(a1, a2)) {
			t.Fatalf("on the stream: %v, want %v once each", got, ids(a1, a2))
		}
	})
	t.Run("relay without grace during the commit's publish", func(t *testing.T) {
		e := newEnv(t)
		a1, a2 := chat(t, "acme", "conv-a"), chat(t, "acme", "conv-a")
		relay := e.instance(e.clock)
		hp := &hookPublisher{flakyPublisher: e.pub}
		hp.before = func() { e.relay(relay, 0, 1) }
		racing := New(e.s, hp, slog.New(slog.NewTextHandler(io.Discard, nil)))
		racing.now = e.clock.now
		e.commit(racing, a1)
		e.commit(racing, a2)
		if got := e.pub.got; !slices.Equal(got, ids(a1, a1, a2)) {
			t.Fatalf("on the stream: %v, want %v", got, ids(a1, a1, a2))
		}
		first, _ := json.Marshal(e.pub.evs[0])
		second, _ := json.Marshal(e.pub.evs[1])
		if string(first) != string(second) {
			t.Fatalf("the two copies differ:\n%s\n%s", first, second)
		}
		if left := waiting(t, e.s); len(left) != 0 {
			t.Fatalf("outbox holds %v", left)
		}
	})
}
