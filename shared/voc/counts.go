package voc

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Step is the length of a counting interval.
const Step = 5 * time.Minute

// MarkerTTL is how long a counted event's marker is kept: longer than the stream keeps a record
// (Kinesis: at most 7 days), so every redelivery finds it.
const MarkerTTL = 8 * 24 * time.Hour

// ExampleTTL is how long a customer message is kept as an example of its key (personal data:
// kept no longer than an alert needs it).
const ExampleTTL = 3 * 24 * time.Hour

// MaxExamples is how many example messages an alert carries.
const MaxExamples = 5

// MaxExampleRunes bounds an example message.
const MaxExampleRunes = 500

// Store kinds (doc.go).
const (
	kindCount     = "vocn"
	kindMarker    = "vocmark"
	kindExample   = "vocex"
	kindCandidate = "voccand"
	kindAlert     = "vocalert"
	kindOpen      = "vocopen"
)

// countTries bounds the attempts of a Count whose transaction concurrent ones keep cancelling.
const countTries = 8

// Count is one interval of one key: N events in [Start, Start+Step).
type Count struct {
	Start time.Time
	Key   string
	N     float64
}

// Example is a customer message kept for its key.
type Example struct {
	Key  string    `dynamodbav:"key" json:"key"`
	Name string    `dynamodbav:"name" json:"name"` // the key's name when counted (a topic's name)
	Text string    `dynamodbav:"text" json:"text"`
	At   time.Time `dynamodbav:"at" json:"at"`
}

// Counters reads and writes a tenant's VOC interval counts. Safe for concurrent use.
type Counters struct {
	db  *store.Store
	now func() time.Time
}

// NewCounters returns Counters over db.
func NewCounters(db *store.Store) *Counters { return &Counters{db: db, now: time.Now} }

// WithClock returns a copy reading the time from now (markers' TTL, "today"). For tests.
func (c *Counters) WithClock(now func() time.Time) *Counters {
	d := *c
	d.now = now
	d.db = c.db.WithClock(now)
	return &d
}

func slotName(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("s%02d%02d", t.Hour(), t.Minute())
}

func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func countKey(day, key string) store.Key { return store.Key{Kind: kindCount, ID: day + "|" + key} }

// Add counts one event: +1 to each of keys in the interval holding at, and example (when not
// nil) kept for its key, all exactly once per eventID. It reports whether this call counted (false:
// counted before).
func (c *Counters) Add(ctx context.Context, t tenant.ID, eventID string, at time.Time, keys []string, example *Example) (bool, error) {
	if eventID == "" || len(eventID) > 256 || strings.ContainsRune(eventID, '|') {
		return false, fmt.Errorf("%w: event id %q", ErrInvalid, eventID)
	}
	if at.IsZero() || len(keys) == 0 {
		return false, fmt.Errorf("%w: nothing to count for %s", ErrInvalid, eventID)
	}
	slot, day := slotName(at.Truncate(Step)), dayOf(at)
	ops := []store.Op{store.CreateOp(t, store.Key{Kind: kindMarker, ID: eventID}, struct {
		At time.Time `dynamodbav:"at"`
	}{at.UTC()}, store.WithTTL(c.now().Add(MarkerTTL)))}
	for _, k := range dedupe(keys) {
		if err := CheckKey(k); err != nil {
			return false, err
		}
		ops = append(ops, store.IncrOp(t, countKey(day, k), map[string]int64{slot: 1}))
	}
	if example != nil {
		ex := *example
		ex.Text = clip(ex.Text, MaxExampleRunes)
		ex.At = ex.At.UTC()
		ops = append(ops, store.CreateOp(t, exampleKey(ex.Key, ex.At, eventID), ex, store.WithTTL(c.now().Add(ExampleTTL))))
	}
	for try := 0; ; try++ {
		err := c.db.Tx(ctx, ops...)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, store.ErrTxConflict) && try+1 < countTries:
			wait := time.Duration(5<<try)*time.Millisecond + rand.N(10*time.Millisecond)
			select {
			case <-ctx.Done():
				return false, fmt.Errorf("count %s for %s: %w", eventID, t, context.Cause(ctx))
			case <-time.After(wait):
			}
		case errors.Is(err, store.ErrTxConflict):
			return false, fmt.Errorf("count %s for %s: %w", eventID, t, err)
		case errors.Is(err, store.ErrConflict):
			return false, nil // the marker exists: counted before
		default:
			return false, fmt.Errorf("count %s for %s: %w", eventID, t, err)
		}
	}
}

func dedupe(keys []string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.Compact(out)
}

func clip(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		return string(r[:n])
	}
	return string(r)
}

// exampleKey sorts a key's examples by time: "<key>|<RFC 3339 nano, fixed width>|<event id>".
func exampleKey(key string, at time.Time, eventID string) store.Key {
	return store.Key{Kind: kindExample, ID: key + "|" + at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "|" + eventID}
}

// day reads one key's counts of one UTC day: slot start → count.
func (c *Counters) day(ctx context.Context, t tenant.ID, key string, d time.Time) (map[time.Time]float64, bool, error) {
	var slots map[string]int64
	if _, err := c.db.Get(ctx, t, countKey(dayOf(d), key), &slots); errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("read %s counts of %s: %w", key, t, err)
	}
	base := d.UTC().Truncate(24 * time.Hour)
	out := make(map[time.Time]float64, len(slots))
	for name, n := range slots {
		var h, m int
		if _, err := fmt.Sscanf(name, "s%02d%02d", &h, &m); err != nil || len(name) != 5 {
			continue
		}
		out[base.Add(time.Duration(h)*time.Hour+time.Duration(m)*time.Minute)] = float64(n)
	}
	return out, true, nil
}

// Recent returns key's last n intervals up to and including the one holding now, oldest first
// (zeros where nothing was counted), and the share of the last one that has passed (0 < elapsed
// <= 1).
func (c *Counters) Recent(ctx context.Context, t tenant.ID, key string, n int) ([]Count, float64, error) {
	now := c.now().UTC()
	last := now.Truncate(Step)
	first := last.Add(-time.Duration(n-1) * Step)
	days := map[string]map[time.Time]float64{}
	out := make([]Count, 0, n)
	for s := first; !s.After(last); s = s.Add(Step) {
		d := dayOf(s)
		if _, ok := days[d]; !ok {
			m, _, err := c.day(ctx, t, key, s)
			if err != nil {
				return nil, 0, err
			}
			days[d] = m
		}
		out = append(out, Count{Start: s, Key: key, N: days[d][s]})
	}
	elapsed := float64(now.Sub(last)) / float64(Step)
	return out, max(elapsed, 1.0/float64(Step/time.Second)), nil
}

// HistoryWeeks is how many past weeks a key's baseline is learnt from.
const HistoryWeeks = 4

// History returns key's counts of the same weekday in the past weeks around now: every slot of
// each UTC day that has counts of the key (zeros included, so a quiet slot reads 0), and of the
// day before and after it (a local weekday spans two UTC days). Days without any count of the key
// are absent: the key was not seen, or the tenant was not counting yet.
func (c *Counters) History(ctx context.Context, t tenant.ID, key string, weeks int) ([]Count, error) {
	now := c.now().UTC()
	var out []Count
	seen := map[string]bool{}
	for w := 1; w <= weeks; w++ {
		for _, off := range []int{-1, 0, 1} {
			d := now.AddDate(0, 0, -7*w+off).Truncate(24 * time.Hour)
			if seen[dayOf(d)] || !d.Before(now.Truncate(24*time.Hour)) {
				continue
			}
			seen[dayOf(d)] = true
			m, ok, err := c.day(ctx, t, key, d)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			for s := d; s.Before(d.Add(24 * time.Hour)); s = s.Add(Step) {
				out = append(out, Count{Start: s, Key: key, N: m[s]})
			}
		}
	}
	slices.SortFunc(out, func(a, b Count) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// KeyTotal is a key's volume over a span.
type KeyTotal struct {
	Key   string
	Total float64
	// Last is the start of the latest interval with a count.
	Last time.Time
}

// Keys returns every key counted (totals and business events excepted) in the UTC days from
// since to now, with its volume over [since, now].
func (c *Counters) Keys(ctx context.Context, t tenant.ID, since time.Time) ([]KeyTotal, error) {
	now := c.now().UTC()
	return c.totals(ctx, t, since, now, func(s time.Time) bool { return !s.Add(Step).Before(since) && !s.After(now) })
}

// Totals returns every key counted (totals and business events excepted) in [from, to), with its
// volume there, largest first.
func (c *Counters) Totals(ctx context.Context, t tenant.ID, from, to time.Time) ([]KeyTotal, error) {
	return c.totals(ctx, t, from, to.Add(-time.Nanosecond), func(s time.Time) bool { return !s.Before(from) && s.Before(to) })
}

// totals sums the keys of the UTC days from first to last over the intervals keep takes.
func (c *Counters) totals(ctx context.Context, t tenant.ID, first, last time.Time, keep func(s time.Time) bool) ([]KeyTotal, error) {
	totals := map[string]*KeyTotal{}
	for d := first.UTC().Truncate(24 * time.Hour); !d.After(last); d = d.Add(24 * time.Hour) {
		for rec, err := range store.Records(ctx, c.db, t, kindCount, dayOf(d)+"|", store.PageRequest{Limit: store.MaxLimit}) {
			if err != nil {
				return nil, fmt.Errorf("list VOC keys of %s: %w", t, err)
			}
			_, key, _ := strings.Cut(rec.Key.ID, "|")
			if isTally(key) {
				continue
			}
			var slots map[string]int64
			if err := rec.Decode(&slots); err != nil {
				return nil, err
			}
			kt := totals[key]
			if kt == nil {
				kt = &KeyTotal{Key: key}
				totals[key] = kt
			}
			for name, n := range slots {
				var h, m int
				if _, err := fmt.Sscanf(name, "s%02d%02d", &h, &m); err != nil || len(name) != 5 {
					continue
				}
				s := d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
				if !keep(s) {
					continue
				}
				kt.Total += float64(n)
				if s.After(kt.Last) {
					kt.Last = s
				}
			}
		}
	}
	out := make([]KeyTotal, 0, len(totals))
	for _, kt := range totals {
		if kt.Total > 0 {
			out = append(out, *kt)
		}
	}
	slices.SortFunc(out, func(a, b KeyTotal) int {
		if a.Total != b.Total {
			if a.Total > b.Total {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// Between returns key's intervals with a count in [from, to), oldest first: each UTC day's
// counts read once (a week is eight reads at most). For per-day sums in any time zone.
func (c *Counters) Between(ctx context.Context, t tenant.ID, key string, from, to time.Time) ([]Count, error) {
	var out []Count
	for d := from.UTC().Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		m, _, err := c.day(ctx, t, key, d)
		if err != nil {
			return nil, err
		}
		for s, n := range m {
			if n > 0 && !s.Before(from) && s.Before(to) {
				out = append(out, Count{Start: s, Key: key, N: n})
			}
		}
	}
	slices.SortFunc(out, func(a, b Count) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// Examples returns key's newest kept example messages, newest first, at most n.
func (c *Counters) Examples(ctx context.Context, t tenant.ID, key string, n int) ([]Example, error) {
	res, err := c.db.Query(ctx, t, kindExample, key+"|", store.PageRequest{Limit: int32(n), Descending: true})
	if err != nil {
		return nil, fmt.Errorf("examples of %s for %s: %w", key, t, err)
	}
	out := make([]Example, 0, len(res.Items))
	for _, rec := range res.Items {
		var ex Example
		if err := rec.Decode(&ex); err != nil {
			return nil, err
		}
		out = append(out, ex)
	}
	return out, nil
}

// Candidate is a customer message no known topic took, kept for the next clustering.
type Candidate struct {
	ID   string    `dynamodbav:"id" json:"id"` // the event id
	Text string    `dynamodbav:"text" json:"text"`
	Lang string    `dynamodbav:"lang,omitempty" json:"lang,omitempty"`
	At   time.Time `dynamodbav:"at" json:"at"`
}

// AddCandidate keeps a message for the clustering (once per event id; TTL ExampleTTL).
func (c *Counters) AddCandidate(ctx context.Context, t tenant.ID, cand Candidate) error {
	cand.Text = clip(cand.Text, MaxExampleRunes)
	k := store.Key{Kind: kindCandidate, ID: cand.At.UTC().Format("2006-01-02T15:04:05.000000000Z") + "|" + cand.ID}
	if err := c.db.Create(ctx, t, k, cand, store.WithTTL(c.now().Add(ExampleTTL))); err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("keep candidate %s of %s: %w", cand.ID, t, err)
	}
	return nil
}

// Candidates returns the kept candidates at or after since, oldest first, at most max.
func (c *Counters) Candidates(ctx context.Context, t tenant.ID, since time.Time, max int) ([]Candidate, error) {
	var out []Candidate
	from := since.UTC().Format("2006-01-02T15:04:05.000000000Z")
	for rec, err := range store.Records(ctx, c.db, t, kindCandidate, "", store.PageRequest{Limit: store.MaxLimit}) {
		if err != nil {
			return nil, fmt.Errorf("candidates of %s: %w", t, err)
		}
		if rec.Key.ID < from {
			continue
		}
		var cand Candidate
		if err := rec.Decode(&cand); err != nil {
			return nil, err
		}
		if out = append(out, cand); len(out) == max {
			break
		}
	}
	return out, nil
}
