package idempotency

import (
	"context"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
)

// Committer returns the Committer handlers of g's requests commit through. Inside Do, for a request
// with an Idempotency-Key, it holds each commit: it answers nil and Do commits everything held
// together with the response once the handler has returned it (see the package comment). Anywhere
// else it commits at once through g's Committer.
//
// So a held write is not in the table yet when Commit returns. A handler that must act on its
// write before it answers (start a worker that reads it) builds its response first and commits
// the op DoneOps gives with its writes: once DoneOps was called, this Committer commits at once.
func (g *Guard) Committer() Committer { return holding{g: g} }

type holding struct{ g *Guard }

func (h holding) Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error {
	s := slotOf(ctx)
	if s == nil || s.isStaged() {
		return h.g.commit.Commit(ctx, ops, evs...)
	}
	return s.hold(ops, evs)
}

func (s *slot) isStaged() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.staged
}

// hold keeps ops and evs for the commit Do makes with the response.
func (s *slot) hold(ops []store.Op, evs []events.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The outbox adds one op per event, and the response is one more.
	n := len(s.ops) + len(ops) + len(s.evs) + len(evs) + 1
	if n > store.MaxTxOps {
		return httpapi.Errorf(kindTooManyWrites, "this request writes %d items or more and one transaction takes %d; split it, or send it without %s", n, store.MaxTxOps, Header)
	}
	s.ops = append(s.ops, ops...)
	s.evs = append(s.evs, evs...)
	return nil
}

// Active reports whether ctx is inside Do for a request with an Idempotency-Key.
func Active(ctx context.Context) bool { return slotOf(ctx) != nil }

// slotOf is the reservation of ctx's request; nil outside Do, and in the commit Do makes itself.
func slotOf(ctx context.Context) *slot {
	s, _ := ctx.Value(slotKey{}).(*slot)
	return s
}

// DoneOps returns the op that stores resp as the response of ctx's request, for code that commits
// its writes itself and must see the outcome (the conversation service's optimistic-concurrency
// loop): it adds the op to the transaction that commits the writes resp reports. Call it again
// with the new response before every attempt. Outside an idempotent request it returns nothing.
//
// A request that used DoneOps must, when it succeeds, have committed the op of the response it
// returns: Do then trusts that the response is stored.
func DoneOps(ctx context.Context, resp httpapi.Response) ([]store.Op, error) {
	s := slotOf(ctx)
	if s == nil {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ops) > 0 || len(s.evs) > 0 {
		return nil, errCommitHeldAndStaged
	}
	rec, _, err := s.render(resp)
	if err != nil {
		return nil, err
	}
	s.staged = true
	return []store.Op{s.done(rec)}, nil
}

// FreeOps returns the op that frees the key of ctx's request after its response was committed
// with DoneOps, for a request that then fails in a step it cannot take back (a message it could
// not send): committed with the writes that undo the request, it lets a retry with the same key
// run afresh instead of replaying a response that no longer holds. Outside an idempotent request,
// or before DoneOps, it returns nothing.
func FreeOps(ctx context.Context) []store.Op {
	s := slotOf(ctx)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.staged {
		return nil
	}
	s.freed = true
	return []store.Op{s.freeRecord(2)}
}

func (s *slot) isFreed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.freed
}
