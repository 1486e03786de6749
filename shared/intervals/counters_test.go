package intervals

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// now is the tests' clock: the day after the counted days.
var now = time.Date(2025, 6, 4, 12, 0, 0, 0, time.UTC)

func newCounters(t *testing.T) (*Counters, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	ddb, table := emulators.NewTable(t, store.CreateTable)
	return New(store.New(ddb, table)).WithClock(func() time.Time { return now }), ctx
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// sameValues compares series values, NaN equal to NaN.
func sameValues(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.IsNaN(got[i]) != math.IsNaN(want[i]) || !math.IsNaN(got[i]) && math.Abs(got[i]-want[i]) > 1e-9 {
			return false
		}
	}
	return true
}

var nan = math.NaN()

// Counting: adds land in their 5-minute slot, a redelivered event adds nothing, other tenants and
// series see nothing, and Series reads the slots back at any step.
func TestCountAndSeries(t *testing.T) {
	c, ctx := newCounters(t)
	acme, other := mustTenant(t, "acme"), mustTenant(t, "other")
	count := func(id, queue string, when string, d map[string]int64) {
		t.Helper()
		if err := c.Count(ctx, acme, id, queue, events.ChannelVoice, at(when), d); err != nil {
			t.Fatal(err)
		}
	}
	count("e1", "billing", "2025-06-03T09:01:00Z", map[string]int64{Offered: 1})
	count("e2", "billing", "2025-06-03T09:04:59Z", map[string]int64{Offered: 1, Answered: 1})
	count("e3", "billing", "2025-06-03T09:05:00Z", map[string]int64{Offered: 1})
	count("e4", "billing", "2025-06-03T09:31:00Z", map[string]int64{Offered: 2})
	count("e1", "billing", "2025-06-03T09:01:00Z", map[string]int64{Offered: 1}) // redelivered
	count("e1", AllQueues, "2025-06-03T09:01:00Z", map[string]int64{Offered: 1}) // same event, another series
	count("e5", "billing", "2025-06-03T09:02:00Z", map[string]int64{Offered: 0}) // nothing to add

	from, to := at("2025-06-03T09:00:00Z"), at("2025-06-03T10:00:00Z")
	tests := map[string]struct {
		queue, counter string
		step           time.Duration
		want           []float64
	}{
		"5m":        {"billing", Offered, 5 * time.Minute, []float64{2, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0}},
		"15m":       {"billing", Offered, 15 * time.Minute, []float64{3, 0, 2, 0}},
		"30m":       {"billing", Offered, 30 * time.Minute, []float64{3, 2}},
		"answered":  {"billing", Answered, 30 * time.Minute, []float64{1, 0}},
		"_all":      {AllQueues, Offered, 30 * time.Minute, []float64{1, 0}},
		"no counts": {"sales", Offered, 30 * time.Minute, []float64{nan, nan}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := c.Series(ctx, acme, tc.queue, events.ChannelVoice, tc.counter, from, to, tc.step)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Start.Equal(from) || s.Step != tc.step || !sameValues(s.Values, tc.want) {
				t.Fatalf("got %v from %v step %v; want %v", s.Values, s.Start, s.Step, tc.want)
			}
		})
	}
	// Before the first counted slot: no data; after now: no data yet.
	s, err := c.Series(ctx, acme, "billing", events.ChannelVoice, Offered, at("2025-06-03T08:30:00Z"), at("2025-06-03T09:30:00Z"), 30*time.Minute)
	if err != nil || !sameValues(s.Values, []float64{nan, 3}) {
		t.Fatalf("around the first slot: %v %v", s.Values, err)
	}
	s, err = c.Series(ctx, acme, "billing", events.ChannelVoice, Offered, at("2025-06-04T11:00:00Z"), at("2025-06-04T13:00:00Z"), time.Hour)
	if err != nil || !sameValues(s.Values, []float64{0, nan}) {
		t.Fatalf("around now: %v %v", s.Values, err)
	}
	if s, err := c.Series(ctx, acme, "billing", events.ChannelVoice, Offered, from, from, Step); err != nil || len(s.Values) != 0 {
		t.Fatalf("an empty range: %v %v", s.Values, err)
	}
	if s, err := c.Series(ctx, other, "billing", events.ChannelVoice, Offered, from, to, time.Hour); err != nil || !math.IsNaN(s.Values[0]) {
		t.Fatalf("another tenant sees %v %v", s.Values, err)
	}
	refs, err := c.Refs(ctx, acme)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(refs) != "[{_all voice} {billing voice}]" {
		t.Fatalf("refs %v", refs)
	}
	for name, f := range map[string]func() error{
		"bad counter": func() error {
			return c.Count(ctx, acme, "x", "billing", events.ChannelVoice, now, map[string]int64{"calls": 1})
		},
		"bad channel": func() error { return c.Count(ctx, acme, "x", "billing", "fax", now, map[string]int64{Offered: 1}) },
		"bad queue": func() error {
			return c.Count(ctx, acme, "x", "a|b", events.ChannelVoice, now, map[string]int64{Offered: 1})
		},
		"bad step": func() error {
			_, err := c.Series(ctx, acme, "billing", events.ChannelVoice, Offered, from, to, 7*time.Minute)
			return err
		},
		"unaligned from": func() error {
			_, err := c.Series(ctx, acme, "billing", events.ChannelVoice, Offered, from.Add(time.Minute), to, Step)
			return err
		},
	} {
		if err := f(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Concurrent adds lose nothing, and concurrent redeliveries of one event add once.
func TestConcurrentCounts(t *testing.T) {
	c, ctx := newCounters(t)
	acme := mustTenant(t, "acme")
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				errs <- c.Count(ctx, acme, id, "billing", events.ChannelChat, at("2025-06-03T09:02:00Z"), map[string]int64{Offered: 1})
				// Every worker also delivers the shared event "dup".
				errs <- c.Count(ctx, acme, "dup", "billing", events.ChannelChat, at("2025-06-03T09:02:00Z"), map[string]int64{Offered: 1})
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Series(ctx, acme, "billing", events.ChannelChat, Offered, at("2025-06-03T09:00:00Z"), at("2025-06-03T09:05:00Z"), Step)
	if err != nil {
		t.Fatal(err)
	}
	if want := float64(workers*each + 1); s.Values[0] != want {
		t.Fatalf("counted %v, want %v", s.Values[0], want)
	}
}

// The accumulator shares intervals out by overlap: 60 over an hour is 5 per 5 minutes, 6-minute
// data sums into 30 minutes, and partial cover is missing.
func TestAccumulator(t *testing.T) {
	t0 := at("2025-06-03T00:00:00Z")
	a := newAccumulator(t0, 5*time.Minute, 12)
	a.add(t0, time.Hour, 60)
	for _, v := range a.values() {
		if v != 5 {
			t.Fatalf("spread: %v", a.values())
		}
	}
	b := newAccumulator(t0, 30*time.Minute, 3)
	for i := range 10 {
		b.add(t0.Add(time.Duration(i)*6*time.Minute), 6*time.Minute, 1)
	}
	b.add(t0.Add(60*time.Minute), 6*time.Minute, nan)
	if got := b.values(); !sameValues(got, []float64{5, 5, nan}) {
		t.Fatalf("6m into 30m: %v", got)
	}
	if !strings.HasPrefix(slotName(at("2025-06-03T09:35:00+08:00")), "s0135") {
		t.Fatalf("slot name %s", slotName(at("2025-06-03T09:35:00+08:00")))
	}
}

// A transaction cancelled by a concurrent one (TransactionConflict, which the emulators never
// answer, so it is injected here) is tried again whole, and counts once; one that keeps being
// cancelled fails with store.ErrTxConflict for the stream to retry.
func TestCountRetriesTransactionConflicts(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	var conflicts atomic.Int64
	inject := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("conflict", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if _, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok && conflicts.Add(-1) >= 0 {
				return middleware.InitializeOutput{}, middleware.Metadata{}, &types.TransactionCanceledException{Message: aws.String("injected"),
					CancellationReasons: []types.CancellationReason{{Code: aws.String("None")}, {Code: aws.String("TransactionConflict")}}}
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	}
	client := dynamodb.New(ddb.Options(), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, inject) })
	c := New(store.New(client, table)).WithClock(func() time.Time { return now })
	acme := mustTenant(t, "acme")
	conflicts.Store(3)
	if err := c.Count(ctx, acme, "e1", "billing", events.ChannelChat, at("2025-06-03T09:00:00Z"), map[string]int64{Offered: 1}); err != nil {
		t.Fatalf("after 3 conflicts: %v", err)
	}
	conflicts.Store(countTries)
	err := c.Count(ctx, acme, "e2", "billing", events.ChannelChat, at("2025-06-03T09:00:00Z"), map[string]int64{Offered: 1})
	if !errors.Is(err, store.ErrTxConflict) {
		t.Fatalf("after %d conflicts: %v, want ErrTxConflict", countTries, err)
	}
	conflicts.Store(0)
	s, err := c.Series(ctx, acme, "billing", events.ChannelChat, Offered, at("2025-06-03T09:00:00Z"), at("2025-06-03T09:05:00Z"), Step)
	if err != nil || s.Values[0] != 1 {
		t.Fatalf("counted %v %v, want 1", s.Values, err)
	}
}

// History fills every slot before the series' first counted 5-minute slot, also on that slot's
// UTC day; live counts (0 where nothing was counted) from that slot on. A 30-minute history
// interval live counts take over part of gives its share of the rest.
func TestHistoryUntilFirstCountedSlot(t *testing.T) {
	c, ctx := newCounters(t)
	acme := mustTenant(t, "acme")
	var body strings.Builder
	body.WriteString(HistoryHeader + "\n")
	for i := range 48 {
		fmt.Fprintf(&body, "%s,billing,voice,6\n", at("2025-06-03T00:00:00Z").Add(time.Duration(i)*30*time.Minute).Format(time.RFC3339))
	}
	h, err := ParseHistory(strings.NewReader(body.String()), known)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Import(ctx, acme, h); err != nil {
		t.Fatal(err)
	}
	if err := c.Count(ctx, acme, "e1", "billing", events.ChannelVoice, at("2025-06-03T09:37:00Z"), map[string]int64{Offered: 1}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Series(ctx, acme, "billing", events.ChannelVoice, Offered, at("2025-06-03T08:00:00Z"), at("2025-06-03T11:00:00Z"), 30*time.Minute)
	if err != nil || !sameValues(s.Values, []float64{6, 6, 6, 1 + 1, 0, 0}) {
		t.Fatalf("30m: %v %v", s.Values, err)
	}
	s, err = c.Series(ctx, acme, "billing", events.ChannelVoice, Offered, at("2025-06-03T09:25:00Z"), at("2025-06-03T09:45:00Z"), Step)
	if err != nil || !sameValues(s.Values, []float64{1, 1, 1, 0}) {
		t.Fatalf("5m: %v %v", s.Values, err)
	}
}

// The series' ref item is written when a series is first counted and when an earlier slot is
// counted, not on every count (it would be one hot item per series); a new process reads it
// once. Its first slot moves only earlier.
func TestRefWrittenOnlyForEarlierSlots(t *testing.T) {
	c, ctx := newCounters(t)
	acme := mustTenant(t, "acme")
	ref := func() (time.Time, int64) {
		t.Helper()
		var r refItem
		ver, err := c.db.Get(ctx, acme, refKey("billing", events.ChannelChat), &r)
		if err != nil {
			t.Fatal(err)
		}
		return r.First, ver
	}
	count := func(c *Counters, id, when string) {
		t.Helper()
		if err := c.Count(ctx, acme, id, "billing", events.ChannelChat, at(when), map[string]int64{Offered: 1}); err != nil {
			t.Fatal(err)
		}
	}
	count(c, "e1", "2025-06-03T09:12:00Z")
	for i := range 5 {
		count(c, fmt.Sprint("later", i), "2025-06-03T10:00:00Z")
	}
	if first, ver := ref(); !first.Equal(at("2025-06-03T09:10:00Z")) || ver != 1 {
		t.Fatalf("after later counts: first %v version %d, want 09:10 at version 1", first, ver)
	}
	count(c, "late", "2025-06-03T08:59:00Z")
	if first, ver := ref(); !first.Equal(at("2025-06-03T08:55:00Z")) || ver != 2 {
		t.Fatalf("after an earlier count: first %v version %d", first, ver)
	}
	other := New(c.db).WithClock(func() time.Time { return now }) // another process
	count(other, "e2", "2025-06-03T09:00:00Z")
	if first, ver := ref(); !first.Equal(at("2025-06-03T08:55:00Z")) || ver != 2 {
		t.Fatalf("another process moved first to %v (version %d)", first, ver)
	}
}

// Reads under about 13 months query by month, so a 12-week read does not fetch the day items of
// whole years; longer ones by year.
func TestDatePrefixes(t *testing.T) {
	tests := []struct {
		from, to string
		want     string
	}{
		{"2025-12-20T00:00:00Z", "2026-01-05T00:00:00Z", "[2025-12- 2026-01-]"},
		{"2025-11-10T00:00:00Z", "2026-02-02T00:00:00Z", "[2025-11- 2025-12- 2026-01- 2026-02-]"}, // 12 weeks
		{"2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "[2025-01- 2025-02- 2025-03- 2025-04- 2025-05- 2025-06- 2025-07- 2025-08- 2025-09- 2025-10- 2025-11- 2025-12-]"},
		{"2024-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "[2024- 2025-]"},
	}
	for _, tc := range tests {
		if got := fmt.Sprint(datePrefixes(at(tc.from), at(tc.to))); got != tc.want {
			t.Errorf("%s to %s: %s, want %s", tc.from, tc.to, got, tc.want)
		}
	}
}
