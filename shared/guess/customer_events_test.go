package guess

import (
	"fmt"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
)

// CustomerEvents reads one customer's events with their attributes, newest first, and never
// another's whose id shares a prefix.
func TestCustomerEvents(t *testing.T) {
	db, ctx := newStore(t)
	acme := mustTenant(t, "acme")
	now := time.Now().UTC()
	for i, c := range []string{"a", "a", "a", "ab", "a#b"} {
		ev := events.BusinessEvent{CustomerID: c, Kind: fmt.Sprintf("k%d", i), OccurredAt: now.Add(-time.Duration(10-i) * time.Hour),
			Attributes: map[string]string{"n": fmt.Sprint(i)}}
		op, _ := EventOp(acme, fmt.Sprintf("ev-%d", i), ev, now)
		if err := db.Tx(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	got, err := CustomerEvents(ctx, db, acme, "a", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Kind != "k2" || got[1].Kind != "k1" || got[0].Attributes["n"] != "2" {
		t.Fatalf("got %+v", got)
	}
	if got, _ := CustomerEvents(ctx, db, acme, "", 5); got != nil {
		t.Fatalf("no customer: %+v", got)
	}
}
