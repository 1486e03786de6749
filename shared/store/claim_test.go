package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/tenant"
)

func TestClaim(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	const lease, keep = time.Minute, 24 * time.Hour
	type step struct {
		advance time.Duration // move the clock first
		do      string        // claim, complete, release
		want    bool          // claim's answer
		held    bool          // claim must fail with ErrClaimed (a live lease, not done)
	}
	tests := map[string][]step{
		"first claim wins, a second loses": {
			{do: "claim", want: true},
			{do: "claim", held: true},
		},
		"a live lease holds": {
			{do: "claim", want: true},
			{advance: lease - time.Millisecond, do: "claim", held: true},
		},
		"an expired lease can be taken over": {
			{do: "claim", want: true},
			{advance: lease, do: "claim", want: true},
			{advance: lease / 2, do: "claim", held: true}, // the new holder's lease is live
		},
		"done is not claimable while kept": {
			{do: "claim", want: true},
			{do: "complete"},
			{do: "claim", want: false},
			{advance: 2 * lease, do: "claim", want: false}, // a done record has no lease to expire
			{advance: keep - 2*lease - time.Second, do: "claim", want: false},
		},
		"done is claimable again once keep passes": {
			{do: "claim", want: true},
			{do: "complete"},
			{advance: keep + time.Second, do: "claim", want: true}, // the TTL is rounded up to the second
		},
		"release lets a retry claim at once": {
			{do: "claim", want: true},
			{do: "release"},
			{do: "claim", want: true},
			{do: "claim", held: true},
		},
		"release never drops done": {
			{do: "claim", want: true},
			{do: "complete"},
			{do: "release"},
			{do: "claim", want: false},
		},
		"release without a claim does nothing": {
			{do: "release"},
			{do: "claim", want: true},
		},
		"complete without a claim marks done": {
			{do: "complete"},
			{do: "claim", want: false},
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) {
			c := &clock{t: e.clock.Now()}
			s := e.s.WithClock(c.Now)
			for i, st := range steps {
				c.Advance(st.advance)
				switch st.do {
				case "claim":
					got, err := s.Claim(e.ctx, acme, name, lease)
					if st.held {
						if got || !errors.Is(err, ErrClaimed) {
							t.Fatalf("step %d: Claim = %v, %v; want ErrClaimed", i, got, err)
						}
						continue
					}
					if err != nil || got != st.want {
						t.Fatalf("step %d: Claim = %v, %v; want %v", i, got, err, st.want)
					}
				case "complete":
					if err := s.Complete(e.ctx, acme, name, keep); err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
				case "release":
					if err := s.Release(e.ctx, acme, name); err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
				}
			}
		})
	}

	t.Run("concurrent claims: one wins", func(t *testing.T) {
		var won atomic.Int32
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				ok, err := e.s.Claim(e.ctx, acme, "contended", lease)
				if err != nil && !errors.Is(err, ErrClaimed) {
					t.Error(err)
				}
				if ok {
					won.Add(1)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d claims won", won.Load())
		}
	})
}

// A consumer that processes each event once: claim, do the work, then complete, or release on
// failure so that the stream's retry can claim it again.
func processOnce(ctx context.Context, s *Store, t tenant.ID, eventID string, work func() error) error {
	ok, err := s.Claim(ctx, t, eventID, 5*time.Minute)
	if err != nil || !ok {
		return err // !ok: done already, or another consumer holds it
	}
	if err := work(); err != nil {
		if rerr := s.Release(ctx, t, eventID); rerr != nil {
			return rerr
		}
		return err
	}
	return s.Complete(ctx, t, eventID, 7*24*time.Hour)
}

func TestProcessOnce(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	var runs atomic.Int32
	fail := true
	work := func() error {
		runs.Add(1)
		if fail {
			fail = false
			return context.DeadlineExceeded
		}
		return nil
	}
	if err := processOnce(e.ctx, e.s, acme, "ev-1", work); err == nil {
		t.Fatal("the failing first run reported success")
	}
	for range 3 { // the retry runs it; redeliveries after that do not
		if err := processOnce(e.ctx, e.s, acme, "ev-1", work); err != nil {
			t.Fatal(err)
		}
	}
	if runs.Load() != 2 {
		t.Fatalf("work ran %d times, want 2 (one failure, one success)", runs.Load())
	}
}
