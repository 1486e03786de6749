package wallboard_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// A day's item written to the table (real SDK, the emulators) reads back through Read, Latest and
// Current: today's item; before it exists, yesterday's floor carried over; with neither, an empty
// board; and another tenant sees none of it.
func TestItemThroughTheStore(t *testing.T) {
	ctx := t.Context()
	db := store.New(emulators.NewTable(t, store.CreateTable))
	acme, _ := tenant.Parse("acme")
	other, _ := tenant.Parse("other")

	s, err := wallboard.NewState("2026-03-02", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	q, err := events.New(acme, events.TypeContactQueued, "c1", "test",
		events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff})
	if err != nil {
		t.Fatal(err)
	}
	q.Time = time.Date(2026, 3, 2, 23, 50, 0, 0, time.UTC)
	if _, err := s.Apply(q); err != nil {
		t.Fatal(err)
	}
	blob, err := wallboard.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx, acme, wallboard.Key("2026-03-02"), wallboard.Item{Day: "2026-03-02", State: blob, UpdatedAt: q.Time}); err != nil {
		t.Fatal(err)
	}

	got, it, ver, err := wallboard.Read(ctx, db, acme, "2026-03-02")
	if err != nil || ver != 1 || it.Day != "2026-03-02" {
		t.Fatalf("read: %v version %d item day %q", err, ver, it.Day)
	}
	if b := got.Board(q.Time.Add(time.Minute)); b.Totals.Waiting != 1 || b.Totals.Offered != 1 || b.Totals.LongestWaitSeconds != 60 {
		t.Fatalf("read board totals %+v", b.Totals)
	}
	if _, _, _, err := wallboard.Read(ctx, db, acme, "2026-03-03"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("read a day without an item: %v, want ErrNotFound", err)
	}

	// Ten minutes into the 3rd, before its first event: the contact still waits, counters at zero.
	b, err := wallboard.Current(ctx, db, acme, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC).Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if b.Day != "2026-03-03" || b.Totals.Waiting != 1 || b.Totals.Offered != 0 || b.Totals.LongestWaitSeconds != 1200 {
		t.Fatalf("carried board: day %s totals %+v", b.Day, b.Totals)
	}
	// Two days later nothing carries: an empty board.
	b, err = wallboard.Current(ctx, db, acme, time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC))
	if err != nil || b.Day != "2026-03-05" || len(b.Queues) != 0 || len(b.Arrivals) != 37 {
		t.Fatalf("empty board: %v day %s queues %d arrivals %d", err, b.Day, len(b.Queues), len(b.Arrivals))
	}
	// Another tenant's board is its own.
	b, err = wallboard.Current(ctx, db, other, time.Date(2026, 3, 2, 23, 55, 0, 0, time.UTC))
	if err != nil || len(b.Queues) != 0 {
		t.Fatalf("other tenant: %v queues %d", err, len(b.Queues))
	}
	// A corrupt item is ErrBadItem, not a panic or an empty board.
	if err := db.Create(ctx, acme, wallboard.Key("2026-03-04"), wallboard.Item{Day: "2026-03-04", State: []byte("nope")}); err != nil {
		t.Fatal(err)
	}
	if _, err := wallboard.Current(ctx, db, acme, time.Date(2026, 3, 4, 1, 0, 0, 0, time.UTC)); !errors.Is(err, wallboard.ErrBadItem) {
		t.Fatalf("corrupt item: %v, want ErrBadItem", err)
	}
}
