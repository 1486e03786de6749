package guess

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

func newStore(t *testing.T) (*store.Store, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return store.New(emulators.NewTable(t, store.CreateTable)), ctx
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Business events are kept per customer, read back within the window, one per kind; customers
// whose ids share a prefix or need escaping never see each other's events.
func TestStoredEvents(t *testing.T) {
	db, ctx := newStore(t)
	acme := mustTenant(t, "acme")
	now := time.Now().UTC()
	put := func(customer, kind string, age time.Duration) {
		t.Helper()
		op, ok := EventOp(acme, fmt.Sprintf("ev-%d", rand.Int64()), events.BusinessEvent{CustomerID: customer, Kind: kind, OccurredAt: now.Add(-age)}, now)
		if !ok {
			t.Fatalf("event of age %v not stored", age)
		}
		if err := db.Tx(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "payment_failed", time.Hour)
	put("a", "payment_failed", 30*time.Hour)
	put("a", "order_shipped", 2*time.Hour)
	put("a", "card_declined", 8*24*time.Hour) // outside the 7-day window
	put("a#b", "refund_issued", time.Hour)
	put("a%23b", "login_failed", time.Hour)
	if _, ok := EventOp(acme, "old", events.BusinessEvent{CustomerID: "a", Kind: "x", OccurredAt: now.Add(-Retention - time.Hour)}, now); ok {
		t.Fatal("an event past its retention would be stored")
	}
	s := NewStore(db, Options{})
	got, err := s.RecentEvents(ctx, acme, "a", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Kind != "payment_failed" || got[1].Kind != "order_shipped" || now.Sub(got[0].At) > 2*time.Hour {
		t.Fatalf("recent events of a: %+v", got)
	}
	for customer, kind := range map[string]string{"a#b": "refund_issued", "a%23b": "login_failed"} {
		got, err := s.RecentEvents(ctx, acme, customer, now)
		if err != nil || len(got) != 1 || got[0].Kind != kind {
			t.Fatalf("recent events of %s: %+v %v", customer, got, err)
		}
	}
	if got, _ := s.RecentEvents(ctx, mustTenant(t, "globex"), "a", now); len(got) != 0 {
		t.Fatalf("another tenant sees a's events: %+v", got)
	}
}

// Learning is one atomic Add per counter: concurrent conversations lose no count.
func TestLearnConcurrently(t *testing.T) {
	db, ctx := newStore(t)
	acme := mustTenant(t, "acme")
	s := NewStore(db, Options{})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			kinds := []string{"payment_failed"}
			intent := "payment_help"
			if i%4 == 0 {
				kinds, intent = nil, "balance"
			}
			if err := s.Learn(ctx, acme, kinds, intent); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	c, err := s.Counts(ctx, acme, []string{"payment_failed"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 20 || c.Intent["payment_help"] != 15 || c.Intent["balance"] != 5 || c.Pair["payment_failed"]["payment_help"] != 15 || c.Kind["payment_failed"] != 15 {
		t.Fatalf("counts %+v", c)
	}
	none, err := s.Counts(ctx, acme, nil)
	if err != nil || none.None["balance"] != 5 || none.NoneTotal != 5 {
		t.Fatalf("no-event counts %+v %v", none, err)
	}
	// The ranking follows: after payment_failed, payment help; with no event, the balance.
	op, _ := EventOp(acme, "e1", events.BusinessEvent{CustomerID: "c9", Kind: "payment_failed", OccurredAt: time.Now().Add(-time.Minute)}, time.Now())
	if err := db.Tx(ctx, op); err != nil {
		t.Fatal(err)
	}
	ranked, kinds, err := s.Suggest(ctx, acme, "c9", time.Now(), 3)
	if err != nil || len(ranked) != 2 || ranked[0].Intent != "payment_help" || len(kinds) != 1 {
		t.Fatalf("suggest after an event: %+v %v %v", ranked, kinds, err)
	}
	ranked, _, err = s.Suggest(ctx, acme, "nobody", time.Now(), 3)
	if err != nil || ranked[0].Intent != "balance" {
		t.Fatalf("suggest without events: %+v %v", ranked, err)
	}
}
