package intervals

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
)

func known(q string) bool { return q == "billing" || q == "sales" }

// csvOf builds a history file: n rows of queue/channel every step minutes from start, count i.
func csvOf(start string, n, step int, queue, ch string) string {
	var b strings.Builder
	t0 := at(start)
	for i := range n {
		fmt.Fprintf(&b, "%s,%s,%s,%d\n", t0.Add(time.Duration(i*step)*time.Minute).Format(time.RFC3339), queue, ch, i)
	}
	return b.String()
}

func TestParseHistoryAccepts(t *testing.T) {
	body := HistoryHeader + "\n" +
		"2025-06-03T09:30:00+08:00,billing,voice,12\n" +
		"2025-06-03T09:00:00+08:00, billing ,voice,10\n" + // any order, spaces trimmed
		"2025-06-03T10:00:00+08:00,billing,voice,\n" + // not observed
		csvOf("2025-06-03T00:00:00Z", 3, 6, AllQueues, "chat")
	h, err := ParseHistory(strings.NewReader("\uFEFF"+body), known)
	if err != nil {
		t.Fatal(err)
	}
	got := h.Summary()
	if h.Rows() != 6 || len(got) != 2 {
		t.Fatalf("rows %d, summary %+v", h.Rows(), got)
	}
	b := got[1]
	if b.Queue != "billing" || b.Step != "30m" || b.Rows != 3 || b.NotObserved != 1 || b.Total != 22 ||
		!b.From.Equal(at("2025-06-03T01:00:00Z")) || !b.To.Equal(at("2025-06-03T02:30:00Z")) {
		t.Fatalf("billing summary %+v", b)
	}
	if got[0].Queue != AllQueues || got[0].Step != "6m" {
		t.Fatalf("_all summary %+v", got[0])
	}
}

// Every rule's rejection points at its row; nothing is returned.
func TestParseHistoryRejects(t *testing.T) {
	h := HistoryHeader + "\n"
	tests := map[string]struct {
		body string
		rows []int
		want string
	}{
		"no header":        {"a,b,c,d\n", []int{0}, "header"},
		"empty":            {"", []int{0}, "header"},
		"header only":      {h, []int{0}, "no data rows"},
		"bad time":         {h + "yesterday,billing,voice,1\n" + csvOf("2025-06-03T09:00:00Z", 2, 30, "billing", "voice"), []int{1}, "RFC 3339"},
		"no offset":        {h + "2025-06-03T09:00:00,billing,voice,1\n", []int{1}, "RFC 3339"},
		"seconds":          {h + "2025-06-03T09:00:30Z,billing,voice,1\n", []int{1}, "whole minute"},
		"unknown queue":    {h + csvOf("2025-06-03T09:00:00Z", 2, 30, "refunds", "voice"), []int{1, 2}, "not a queue"},
		"bad channel":      {h + "2025-06-03T09:00:00Z,billing,fax,1\n", []int{1}, "channel"},
		"negative":         {h + "2025-06-03T09:00:00Z,billing,voice,-1\n2025-06-03T09:30:00Z,billing,voice,1\n", []int{1}, "negative"},
		"fraction":         {h + "2025-06-03T09:00:00Z,billing,voice,1.5\n2025-06-03T09:30:00Z,billing,voice,1\n", []int{1}, "whole number"},
		"field count":      {h + "2025-06-03T09:00:00Z,billing,voice\n", []int{1}, "4"},
		"broken quote":     {h + "\"2025,billing,voice,1\n", []int{1}, "not CSV"},
		"duplicate":        {h + csvOf("2025-06-03T09:00:00Z", 3, 30, "billing", "voice") + "2025-06-03T17:30:00+08:00,billing,voice,4\n", []int{4}, "repeats"},
		"gap":              {h + csvOf("2025-06-03T09:00:00Z", 2, 30, "billing", "voice") + "2025-06-03T11:00:00Z,billing,voice,1\n", []int{3}, "gap"},
		"mixed steps":      {h + csvOf("2025-06-03T09:00:00Z", 3, 30, "billing", "voice") + "2025-06-03T10:45:00Z,billing,voice,1\n", []int{4}, "not on its 30m step"},
		"step not allowed": {h + csvOf("2025-06-03T09:00:00Z", 3, 20, "billing", "voice"), []int{2}, "one of 5, 6"},
		"one row":          {h + "2025-06-03T09:00:00Z,billing,voice,1\n", []int{1}, "one row"},
		"unaligned":        {h + csvOf("2025-06-03T09:10:00Z", 3, 15, "billing", "voice"), []int{1, 2, 3}, "not on its 15m step"},
		// One stray row in a 30-minute series: reported at that row, not as gaps around it.
		"stray row": {h + "2025-06-03T09:00:00Z,billing,voice,1\n2025-06-03T09:30:00Z,billing,voice,1\n2025-06-03T09:45:00Z,billing,voice,1\n" +
			csvOf("2025-06-03T10:00:00Z", 3, 30, "billing", "voice"), []int{3}, "mixes steps"},
		"gap after stray": {h + "2025-06-03T09:00:00Z,billing,voice,1\n2025-06-03T09:30:00Z,billing,voice,1\n2025-06-03T09:45:00Z,billing,voice,1\n" +
			csvOf("2025-06-03T10:30:00Z", 3, 30, "billing", "voice"), []int{3, 4}, "mixes steps"},
		"irregular in step": {h + "2025-06-03T09:00:00Z,billing,voice,1\n2025-06-03T09:10:00Z,billing,voice,1\n2025-06-03T09:25:00Z,billing,voice,1\n", []int{3}, "not on its 10m step"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseHistory(strings.NewReader(tc.body), known)
			he, ok := errors.AsType[*HistoryError](err)
			if !ok {
				t.Fatalf("err %v, want a *HistoryError", err)
			}
			var rows []int
			for _, p := range he.Problems {
				rows = append(rows, p.Row)
			}
			if !slices.Equal(rows, tc.rows) || !strings.Contains(he.Error(), tc.want) || he.Total != len(tc.rows) {
				t.Fatalf("problems %+v (total %d), want rows %v mentioning %q", he.Problems, he.Total, tc.rows, tc.want)
			}
			if he.Problems[0].Pointer() != fmt.Sprintf("/rows/%d", tc.rows[0]) {
				t.Fatalf("pointer %s", he.Problems[0].Pointer())
			}
		})
	}
}

func TestParseHistoryLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(HistoryHeader + "\n")
	for i := range 30 {
		fmt.Fprintf(&b, "2025-06-03T09:%02d:00Z,billing,voice,-1\n", i*2)
	}
	_, err := ParseHistory(strings.NewReader(b.String()), known)
	he, ok := errors.AsType[*HistoryError](err)
	if !ok || len(he.Problems) != MaxListedProblems || he.Total < 30 {
		t.Fatalf("many problems: %v", err)
	}
	big := strings.NewReader(HistoryHeader + "\n" + strings.Repeat("x", MaxHistoryBytes))
	if _, err := ParseHistory(big, known); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too many bytes: %v", err)
	}
	var many strings.Builder
	many.WriteString(HistoryHeader + "\n")
	for range MaxHistoryRows + 1 {
		many.WriteString(",,,\n")
	}
	if _, err := ParseHistory(strings.NewReader(many.String()), known); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too many rows: %v", err)
	}
}

// Import: history is read back through Series, replaces the same series on a second import, and
// a failed import leaves the old history whole and nothing of its own.
func TestImport(t *testing.T) {
	c, ctx := newCounters(t)
	var tick atomic.Int64 // each import a millisecond after the last, so the second is newer
	c = c.WithClock(func() time.Time { return now.Add(time.Duration(tick.Add(1)) * time.Millisecond) })
	acme := mustTenant(t, "acme")
	parse := func(body string) History {
		t.Helper()
		h, err := ParseHistory(strings.NewReader(HistoryHeader+"\n"+body), known)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// 200 days of hourly data (more chunks than one transaction takes), counts 0, 1, 2, ...
	first := parse(csvOf("2025-01-01T00:00:00Z", 200*24, 60, "billing", "voice") + csvOf("2025-01-01T00:00:00Z", 4, 30, "sales", "chat"))
	sum, err := c.Import(ctx, acme, first)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 200*24+4 || len(sum.Series) != 2 || len(sum.Replaced) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	read := func(queue string, ch events.Channel, from string, hours int, step time.Duration) []float64 {
		t.Helper()
		s, err := c.Series(ctx, acme, queue, ch, Offered, at(from), at(from).Add(time.Duration(hours)*time.Hour), step)
		if err != nil {
			t.Fatal(err)
		}
		return s.Values
	}
	// Hour 24*100+3 has count 2403: 30-minute steps halve it; the day sums 24 hours.
	if got := read("billing", events.ChannelVoice, "2025-04-11T03:00:00Z", 1, 30*time.Minute); !sameValues(got, []float64{1201.5, 1201.5}) {
		t.Fatalf("spread: %v", got)
	}
	if got := read("sales", events.ChannelChat, "2025-01-01T00:00:00Z", 3, time.Hour); !sameValues(got, []float64{1, 5, nan}) {
		t.Fatalf("sales: %v", got)
	}
	if got := read("billing", events.ChannelVoice, "2025-01-01T00:00:00Z", 1, time.Hour); !sameValues(got, []float64{0}) {
		t.Fatalf("first hour: %v", got)
	}

	// A failing import: nothing of it is visible, its chunks are gone, the old history stays.
	second := parse(csvOf("2025-01-01T00:00:00Z", 48, 60, "billing", "voice"))
	for i := range second.series[0].Values {
		second.series[0].Values[i] = 7
	}
	c.beforeSwitch = func() error {
		if got := read("billing", events.ChannelVoice, "2025-01-01T05:00:00Z", 1, time.Hour); !sameValues(got, []float64{5}) {
			t.Errorf("before the switch readers see %v", got)
		}
		return errors.New("the function was stopped")
	}
	if _, err := c.Import(ctx, acme, second); err == nil {
		t.Fatal("the failing import succeeded")
	}
	if got := read("billing", events.ChannelVoice, "2025-01-01T05:00:00Z", 1, time.Hour); !sameValues(got, []float64{5}) {
		t.Fatalf("after a failed import: %v", got)
	}
	c.beforeSwitch = nil

	// A second import replaces billing/voice whole and keeps sales/chat; the old chunks are gone.
	sum, err = c.Import(ctx, acme, second)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sum.Replaced) != "[{billing voice}]" {
		t.Fatalf("replaced %v", sum.Replaced)
	}
	if got := read("billing", events.ChannelVoice, "2025-01-01T05:00:00Z", 1, time.Hour); !sameValues(got, []float64{7}) {
		t.Fatalf("after the second import: %v", got)
	}
	if got := read("billing", events.ChannelVoice, "2025-01-03T00:00:00Z", 1, time.Hour); !sameValues(got, []float64{nan}) {
		t.Fatalf("past the second import's range: %v", got)
	}
	if got := read("sales", events.ChannelChat, "2025-01-01T00:00:00Z", 1, time.Hour); !sameValues(got, []float64{1}) {
		t.Fatalf("sales after the second import: %v", got)
	}
	n := 0
	for _, err := range store.Records(ctx, c.db, acme, kindHist, "", store.PageRequest{Limit: store.MaxLimit}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2+1 { // billing: 2 days; sales: 1 day
		t.Fatalf("%d history items left, want 3", n)
	}
	refs, err := c.Refs(ctx, acme)
	if err != nil || fmt.Sprint(refs) != "[{billing voice} {sales chat}]" {
		t.Fatalf("refs %v %v", refs, err)
	}
	// Live counts win from their first slot (00:10) on; the history hour they start in gives its
	// share before it (10 of 60 minutes of its 7).
	if err := c.Count(ctx, acme, "e1", "billing", events.ChannelVoice, at("2025-01-02T00:10:00Z"), map[string]int64{Offered: 3}); err != nil {
		t.Fatal(err)
	}
	if got := read("billing", events.ChannelVoice, "2025-01-01T23:00:00Z", 2, time.Hour); !sameValues(got, []float64{7, 3 + 7.0/6}) {
		t.Fatalf("history then live: %v", got)
	}
}

// Of two imports of one series, the later-started wins even when the earlier one switches last: the
// earlier one fails with ErrNewerImport and leaves nothing (its chunks deleted), readers see the
// later one. The later import runs inside the earlier one's last step, so the race always happens.
func TestImportNewestWins(t *testing.T) {
	base, ctx := newCounters(t)
	var tick atomic.Int64
	c := base.WithClock(func() time.Time { return now.Add(time.Duration(tick.Add(1)) * time.Millisecond) })
	acme := mustTenant(t, "acme")
	parse := func(count int) History {
		t.Helper()
		var b strings.Builder
		b.WriteString(HistoryHeader + "\n")
		for h := range 4 {
			fmt.Fprintf(&b, "2025-01-01T%02d:00:00Z,billing,voice,%d\n", h, count)
		}
		h, err := ParseHistory(strings.NewReader(b.String()), known)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	later := *c // no hook
	ran := false
	c.beforeSwitch = func() error {
		ran = true
		_, err := later.Import(ctx, acme, parse(2))
		return err
	}
	if _, err := c.Import(ctx, acme, parse(1)); !errors.Is(err, ErrNewerImport) {
		t.Fatalf("the earlier import: %v, want ErrNewerImport", err)
	}
	if !ran {
		t.Fatal("the later import never ran inside the earlier one")
	}
	s, err := c.Series(ctx, acme, "billing", events.ChannelVoice, Offered, at("2025-01-01T00:00:00Z"), at("2025-01-01T04:00:00Z"), time.Hour)
	if err != nil || !sameValues(s.Values, []float64{2, 2, 2, 2}) {
		t.Fatalf("readers see %v %v, want the later import's", s.Values, err)
	}
	n := 0
	for _, err := range store.Records(ctx, c.db, acme, kindHist, "", store.PageRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d history items, want the later import's 1", n)
	}
}

// A tenant has at most MaxHistorySeries imported series in all, across imports, so the history
// head that names each stays far under DynamoDB's item limit: an import beyond is refused with
// ErrTooLarge and stores nothing; importing series the tenant has again still works.
func TestImportSeriesCap(t *testing.T) {
	c, ctx := newCounters(t)
	acme := mustTenant(t, "acme")
	series := func(from, to int) History {
		t.Helper()
		var b strings.Builder
		b.WriteString(HistoryHeader + "\n")
		for i := from; i < to; i++ {
			b.WriteString(csvOf("2025-06-03T09:00:00Z", 2, 60, fmt.Sprintf("q%03d", i), "voice"))
		}
		h, err := ParseHistory(strings.NewReader(b.String()), nil)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if _, err := c.Import(ctx, acme, series(0, 150)); err != nil {
		t.Fatal(err)
	}
	before, err := c.Imported(ctx, acme)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 150 {
		t.Fatalf("%d series imported, want 150", len(before))
	}
	if _, err := c.Import(ctx, acme, series(100, 260)); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "260") {
		t.Fatalf("import to 260 series: %v, want ErrTooLarge", err)
	}
	after, err := c.Imported(ctx, acme)
	if err != nil || fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a refused import changed the head: %d series, %v", len(after), err)
	}
	if _, err := c.Import(ctx, acme, series(100, 150)); err != nil { // again: replaces, takes no room
		t.Fatal(err)
	}
	if _, err := c.Import(ctx, acme, series(150, 200)); err != nil { // exactly the cap
		t.Fatal(err)
	}
}
