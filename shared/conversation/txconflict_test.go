package conversation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// memDB is a table of conversations in memory, enough for Start, End and the turn loop: pure
// logic around the Committer, which is what these tests are about.
type memDB struct {
	mu    sync.Mutex
	convs map[string]Conversation
	vers  map[string]int64
}

func (m *memDB) Get(_ context.Context, _ tenant.ID, k store.Key, out any) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.convs[k.ID]
	if k.Kind != Kind || !ok {
		return 0, store.ErrNotFound
	}
	*out.(*Conversation) = c
	return m.vers[k.ID], nil
}

// flakyCommitter fails its next len(fails) commits with those errors, then accepts (and drops)
// the rest, counting both.
type flakyCommitter struct {
	mu      sync.Mutex
	fails   []error
	commits int
	ok      int
}

func (f *flakyCommitter) Commit(_ context.Context, _ []store.Op, _ ...events.Envelope) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commits++
	if len(f.fails) > 0 {
		err := f.fails[0]
		f.fails = f.fails[1:]
		return err
	}
	f.ok++
	return nil
}

func txConflict() error {
	return fmt.Errorf("commit: tx op 0 (update acme/usage/live_conversations): another transaction is writing it: %w", store.ErrTxConflict)
}

// A conversation start whose transaction DynamoDB cancelled for a concurrent writer of the live
// counter (TransactionConflict) is tried again and succeeds; a real condition failure is not
// retried; cancellations that go on end in ErrBusy, which is no store conflict.
func TestStartRetriesATransactionConflict(t *testing.T) {
	acme, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	realConflict := fmt.Errorf("commit: %w", &store.ConflictError{Key: store.Key{Kind: Kind, ID: "cv-1"}})
	tests := map[string]struct {
		fails       []error
		wantCommits int
		check       func(error) bool
	}{
		"one cancellation":   {fails: []error{txConflict()}, wantCommits: 2, check: func(err error) bool { return err == nil }},
		"two cancellations":  {fails: []error{txConflict(), txConflict()}, wantCommits: 3, check: func(err error) bool { return err == nil }},
		"a failed condition": {fails: []error{realConflict}, wantCommits: 1, check: func(err error) bool { return errors.Is(err, store.ErrConflict) }},
		"cancelled every time": {fails: []error{txConflict(), txConflict(), txConflict(), txConflict(), txConflict()}, wantCommits: MaxAttempts,
			check: func(err error) bool { return errors.Is(err, ErrBusy) && !errors.Is(err, store.ErrConflict) }},
		"another error": {fails: []error{errors.New("throttled")}, wantCommits: 1, check: func(err error) bool { return err != nil && !errors.Is(err, ErrBusy) }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := &flakyCommitter{fails: tc.fails}
			s := New(Config{DB: &memDB{}, Commit: c, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			_, err := s.Start(context.Background(), acme, StartInput{Channel: events.ChannelChat, Language: "en"})
			if !tc.check(err) {
				t.Fatalf("Start: %v", err)
			}
			if c.commits != tc.wantCommits {
				t.Fatalf("%d commits, want %d", c.commits, tc.wantCommits)
			}
		})
	}
}

// A turn that ends a conversation (its transaction carries the live counter's op) and is
// cancelled for a concurrent writer runs again and ends it.
func TestEndRetriesATransactionConflict(t *testing.T) {
	acme, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	db := &memDB{convs: map[string]Conversation{"cv-1": {ID: "cv-1", Channel: events.ChannelChat, State: StateActive}}, vers: map[string]int64{"cv-1": 1}}
	c := &flakyCommitter{fails: []error{txConflict()}}
	s := New(Config{DB: db, Commit: c, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	r, err := s.End(context.Background(), acme, "cv-1")
	if err != nil || r.Conversation.State != StateEnded {
		t.Fatalf("End: %+v %v", r.Conversation, err)
	}
	if c.commits != 2 || c.ok != 1 {
		t.Fatalf("%d commits, %d applied", c.commits, c.ok)
	}
}
