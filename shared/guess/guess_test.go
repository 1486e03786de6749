package guess

import (
	"testing"
	"time"
)

func TestRank(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var c Counts
	for range 50 {
		c.Learn(nil, "balance")
	}
	for range 10 {
		c.Learn([]string{"payment_failed"}, "payment_help")
	}
	c.Learn([]string{"payment_failed", "order_shipped"}, "balance")
	c.Learn([]string{"order_shipped"}, "delivery")

	if r := Rank(nil, nil, now, Options{}, 3); r != nil {
		t.Fatal("ranked without history")
	}
	if r := Rank(&c, nil, now, Options{}, 3); r[0].Intent != "balance" {
		t.Fatalf("no events: %+v", r)
	}
	if r := Rank(&c, []Event{{"payment_failed", now.Add(-time.Hour)}}, now, Options{}, 3); r[0].Intent != "payment_help" {
		t.Fatalf("after payment_failed: %+v", r)
	}
	// A kind seen once leans on popularity: one delivery after order_shipped is weak evidence.
	r := Rank(&c, []Event{{"order_shipped", now.Add(-time.Hour)}}, now, Options{Alpha: 20}, 3)
	if r[0].Intent != "balance" {
		t.Fatalf("rare kind with a strong prior: %+v", r)
	}
	// Events outside the window, in the future, or unknown kinds change nothing.
	base := Rank(&c, nil, now, Options{}, 3)
	for _, ev := range []Event{{"payment_failed", now.Add(-8 * 24 * time.Hour)}, {"payment_failed", now.Add(time.Hour)}} {
		if got := Rank(&c, []Event{ev}, now, Options{}, 3); got[0] != base[0] {
			t.Fatalf("event %+v changed the ranking: %+v", ev, got)
		}
	}
	// A recent event outweighs an old one.
	r = Rank(&c, []Event{{"payment_failed", now.Add(-6 * 24 * time.Hour)}, {"order_shipped", now.Add(-time.Hour)}}, now, Options{}, 3)
	if r[0].Intent == "payment_help" {
		t.Fatalf("an old event outweighs a fresh one: %+v", r)
	}
	if got := Recent([]Event{{"a", now.Add(-2 * time.Hour)}, {"a", now.Add(-time.Hour)}, {"b", now.Add(-3 * time.Hour)}}, now, DefaultWindow); len(got) != 2 || got[0].Kind != "a" || !got[0].At.Equal(now.Add(-time.Hour)) {
		t.Fatalf("Recent: %+v", got)
	}
	if p := Popular(&c, 1); p[0].Intent != "balance" {
		t.Fatalf("Popular: %+v", p)
	}
}
