package voc

import (
	"context"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
)

// business.event counts once under business:all, never as a key the spike checks or the topics
// list see; Between and Totals read intervals of a span across UTC days.
func TestBusinessEventsAndSpans(t *testing.T) {
	f := newFixture(t, at("2026-12-07T10:03:00Z"))
	ctx := context.Background()
	k := NewCounting(f.counts, nil, nil, quiet)
	b := NewBatch()
	bctx := WithBatch(ctx, b)
	for _, when := range []string{"2026-12-06T23:58:00Z", "2026-12-07T00:02:00Z", "2026-12-07T09:00:00Z"} {
		e, err := events.New(f.t, events.TypeBusinessEvent, "cust-1", "test", events.BusinessEvent{CustomerID: "cust-1", Kind: "payment_failed", OccurredAt: at(when)})
		if err != nil {
			t.Fatal(err)
		}
		e.Time = at(when)
		for range 2 { // delivered twice, counted once
			if err := k.Event(bctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := k.Event(bctx, chatEvent(t, f.t, at("2026-12-07T09:01:00Z"), "refund", "退款")); err != nil {
		t.Fatal(err)
	}
	if keys := b.Keys()[f.t]; len(keys) != 1 || keys[0] != "intent:refund" {
		t.Fatalf("batch keys %v", keys)
	}
	got, err := f.counts.Between(ctx, f.t, BusinessKey, at("2026-12-06T23:55:00Z"), at("2026-12-07T09:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Start != at("2026-12-06T23:55:00Z") || got[1].Start != at("2026-12-07T00:00:00Z") || got[0].N != 1 {
		t.Fatalf("between %+v (the 09:00 interval is past the span's end)", got)
	}
	tot, err := f.counts.Totals(ctx, f.t, at("2026-12-06T00:00:00Z"), at("2026-12-08T00:00:00Z"))
	if err != nil || len(tot) != 1 || tot[0].Key != "intent:refund" || tot[0].Total != 1 {
		t.Fatalf("totals %+v %v", tot, err)
	}
	keys, err := f.counts.Keys(ctx, f.t, f.clk.now().Add(-24*time.Hour))
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %+v %v", keys, err)
	}
	if _, _, err := f.alerts.Raise(ctx, f.t, Alert{Key: BusinessKey, Onset: f.clk.now()}); err == nil {
		t.Fatal("an alert on business:all")
	}
}
