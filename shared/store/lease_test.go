package store

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A lease set holds at most limit live leases; a released lease makes room at once, an ended one
// (its holder crashed) once its time is up; the set survives as an item of its own.
func TestLeases(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	k := Key{Kind: "slots", ID: "pool"}
	take := func(holder string, d time.Duration) bool {
		t.Helper()
		ok, err := e.s.TakeLease(e.ctx, acme, k, holder, 2, d)
		if err != nil {
			t.Fatalf("take %s: %v", holder, err)
		}
		return ok
	}
	if !take("a", time.Minute) || !take("b", 2*time.Minute) {
		t.Fatal("an empty set refused a lease")
	}
	if take("c", time.Minute) {
		t.Fatal("a third lease under a limit of 2")
	}
	if err := e.s.ReleaseLease(e.ctx, acme, k, "a"); err != nil {
		t.Fatal(err)
	}
	if !take("c", time.Minute) {
		t.Fatal("a released lease did not make room")
	}
	if err := e.s.ReleaseLease(e.ctx, acme, k, "nobody"); err != nil {
		t.Fatalf("releasing what is not held: %v", err)
	}
	// "c" crashes: its lease ends after a minute; "b"'s (two minutes) still holds.
	e.clock.Advance(time.Minute)
	if !take("d", time.Minute) {
		t.Fatal("an ended lease still takes a place")
	}
	if take("e", time.Minute) {
		t.Fatal("b's live lease and d's were not counted")
	}
	leases, err := e.s.Leases(e.ctx, acme, k)
	if err != nil || len(leases) != 2 || leases["b"].IsZero() || leases["d"].IsZero() {
		t.Fatalf("leases %v (%v), want b and d", leases, err)
	}
	// Another tenant's set is its own.
	if ok, err := e.s.TakeLease(e.ctx, mustTenant(t, "other"), k, "x", 1, time.Minute); err != nil || !ok {
		t.Fatalf("another tenant's set: %v %v", ok, err)
	}
	if _, err := e.s.TakeLease(e.ctx, acme, k, "", 1, time.Minute); err == nil {
		t.Fatal("an empty holder was taken")
	}
}

// Racing takers never hold more than the limit at once: every taker that wins holds its lease
// until all have tried.
func TestLeasesRacing(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	k := Key{Kind: "slots", ID: "race"}
	const takers, limit = 12, 3
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range takers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := e.s.TakeLease(e.ctx, acme, k, "h"+string(rune('a'+i)), limit, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
			}
		}()
	}
	wg.Wait()
	leases, err := e.s.Leases(e.ctx, acme, k)
	if err != nil {
		t.Fatal(err)
	}
	if won.Load() != limit || len(leases) != limit {
		t.Fatalf("%d takers won, %d leases held; limit %d", won.Load(), len(leases), limit)
	}
}
