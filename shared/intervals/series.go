package intervals

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxSeriesLen is the most intervals one Series call returns (two years of 5-minute intervals).
const MaxSeriesLen = 2 * 366 * 288

// SeriesRef names one series of a tenant.
type SeriesRef struct {
	Queue   string         `json:"queue"`
	Channel events.Channel `json:"channel"`
}

// Refs lists every series of t that was counted or imported, by queue and channel.
func (c *Counters) Refs(ctx context.Context, t tenant.ID) ([]SeriesRef, error) {
	h, _, err := c.head(ctx, t)
	if err != nil {
		return nil, err
	}
	return c.refs(ctx, t, h)
}

// Overview is Imported and Refs from one read of the history head (GET /v1/forecast/history).
func (c *Counters) Overview(ctx context.Context, t tenant.ID) ([]ImportedSeries, []SeriesRef, error) {
	h, _, err := c.head(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	refs, err := c.refs(ctx, t, h)
	if err != nil {
		return nil, nil, err
	}
	return h.imported(), refs, nil
}

// refs is Refs with the history head h.
func (c *Counters) refs(ctx context.Context, t tenant.ID, h headItem) ([]SeriesRef, error) {
	seen := map[SeriesRef]bool{}
	for rec, err := range store.Records(ctx, c.db, t, kindRef, "", store.PageRequest{Limit: store.MaxLimit}) {
		if err != nil {
			return nil, fmt.Errorf("series of %s: %w", t, err)
		}
		q, ch, ok := strings.Cut(rec.Key.ID, "|")
		if ok {
			seen[SeriesRef{Queue: q, Channel: events.Channel(ch)}] = true
		}
	}
	for _, s := range h.Series {
		seen[SeriesRef{Queue: s.Queue, Channel: s.Channel}] = true
	}
	out := make([]SeriesRef, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b SeriesRef) int {
		return strings.Compare(a.Queue+"|"+string(a.Channel), b.Queue+"|"+string(b.Channel))
	})
	return out, nil
}

// Series reads counter of (queue, ch) over [from, to) at step, a multiple of Step; from must be on
// a 5-minute boundary (to == from is an empty series; a last partial step is read whole). Live
// counts cover every slot from the series' first counted 5-minute slot up to now; imported history
// (Offered only) fills in every instant before that slot; sources on another step are shared out
// by overlap, and an interval not fully covered by observed data is NaN (doc.go).
func (c *Counters) Series(ctx context.Context, t tenant.ID, queue string, ch events.Channel, counter string, from, to time.Time, step time.Duration) (forecast.Series, error) {
	if err := checkSeries(queue, ch); err != nil {
		return forecast.Series{}, err
	}
	if !ValidCounter(counter) {
		return forecast.Series{}, fmt.Errorf("%w: counter %q", ErrInvalid, counter)
	}
	if step <= 0 || step%Step != 0 {
		return forecast.Series{}, fmt.Errorf("%w: step %v is not a multiple of %v", ErrInvalid, step, Step)
	}
	if from.UnixNano()%int64(Step) != 0 || to.Before(from) {
		return forecast.Series{}, fmt.Errorf("%w: range %v to %v (from must be on a 5-minute boundary, not after to)", ErrInvalid, from, to)
	}
	if !to.After(from) {
		return forecast.Series{Start: from.UTC(), Step: step, Values: []float64{}}, nil
	}
	n := int((to.Sub(from) + step - 1) / step)
	if n > MaxSeriesLen {
		return forecast.Series{}, fmt.Errorf("%w: %d intervals; at most %d", ErrInvalid, n, MaxSeriesLen)
	}
	from = from.UTC()
	to = from.Add(time.Duration(n) * step)
	acc := newAccumulator(from, step, n)
	liveFrom, err := c.liveSince(ctx, t, queue, ch)
	if err != nil {
		return forecast.Series{}, err
	}
	histEnd := to
	if !liveFrom.IsZero() {
		histEnd = liveFrom
		if err := c.addLive(ctx, acc, t, queue, ch, counter, forecast.Later(from, liveFrom), to); err != nil {
			return forecast.Series{}, err
		}
	}
	if counter == Offered && histEnd.After(from) {
		if err := c.addHistory(ctx, acc, t, queue, ch, from, histEnd); err != nil {
			return forecast.Series{}, err
		}
	}
	return forecast.Series{Start: from, Step: step, Values: acc.values()}, nil
}

// addLive adds every 5-minute slot of [from, to) that has begun by now.
func (c *Counters) addLive(ctx context.Context, acc *accumulator, t tenant.ID, queue string, ch events.Channel, counter string, from, to time.Time) error {
	end := forecast.Earlier(to, c.now().Truncate(Step).Add(Step))
	if !end.After(from) {
		return nil
	}
	prefix := liveKey(queue, ch, counter, "").ID
	days, err := c.readDays(ctx, t, kindLive, prefix, from, end)
	if err != nil {
		return err
	}
	for s := from.Truncate(Step); s.Before(end); s = s.Add(Step) {
		acc.add(s, Step, float64(days[day(s)][slotName(s)]))
	}
	return nil
}

// addHistory adds the imported history of the series over [from, to).
func (c *Counters) addHistory(ctx context.Context, acc *accumulator, t tenant.ID, queue string, ch events.Channel, from, to time.Time) error {
	h, _, err := c.head(ctx, t)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(h.Series, func(s headSeries) bool { return s.Queue == queue && s.Channel == ch })
	if i < 0 {
		return nil
	}
	hs := h.Series[i]
	step := time.Duration(hs.StepMinutes) * time.Minute
	lo, hi := forecast.Later(from, hs.From), forecast.Earlier(to, hs.To)
	if !hi.After(lo) {
		return nil
	}
	// The first interval overlapping lo, on the series' grid.
	k := lo.Sub(hs.From) / step
	start := hs.From.Add(k * step)
	days, err := c.readDays(ctx, t, kindHist, histPrefix(hs.Import, queue, ch), start, hi)
	if err != nil {
		return err
	}
	for s := start; s.Before(hi); s = s.Add(step) {
		v, ok := days[day(s)][slotName(s)]
		if !ok {
			acc.addUntil(s, step, math.NaN(), hi)
			continue
		}
		acc.addUntil(s, step, float64(v), hi) // an interval live counts take over part of gives only its share before
	}
	return nil
}

// readDays reads the day items of kind under prefix ("…|") that hold [from, to), by day.
func (c *Counters) readDays(ctx context.Context, t tenant.ID, kind, prefix string, from, to time.Time) (map[string]map[string]int64, error) {
	days := map[string]map[string]int64{}
	first, last := day(from), day(to.Add(-time.Nanosecond))
	for _, p := range datePrefixes(from, to) {
		for rec, err := range store.Records(ctx, c.db, t, kind, prefix+p, store.PageRequest{Limit: store.MaxLimit}) {
			if err != nil {
				return nil, fmt.Errorf("read %s/%s%s: %w", t, kind, prefix+p, err)
			}
			d := strings.TrimPrefix(rec.Key.ID, prefix)
			if d < first || d > last {
				continue
			}
			var slots map[string]int64
			if err := rec.Decode(&slots); err != nil {
				return nil, err
			}
			days[d] = slots
		}
	}
	return days, nil
}

// monthPrefixDays is the longest range datePrefixes reads by month (about 13 months): a query per
// month reads no day outside the range's months, one per year up to a year of other days.
const monthPrefixDays = 400

// datePrefixes are the id prefixes that hold the UTC days of [from, to): one per month for up to
// monthPrefixDays, else one per year.
func datePrefixes(from, to time.Time) []string {
	from, last := from.UTC(), to.Add(-time.Nanosecond).UTC()
	var out []string
	if last.Sub(from) <= monthPrefixDays*24*time.Hour {
		for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(last); m = m.AddDate(0, 1, 0) {
			out = append(out, m.Format("2006-01-"))
		}
		return out
	}
	for y := from.Year(); y <= last.Year(); y++ {
		out = append(out, fmt.Sprintf("%04d-", y))
	}
	return out
}

// accumulator shares source intervals out to the output grid by overlap.
type accumulator struct {
	start   time.Time
	step    time.Duration
	sum     []float64
	covered []time.Duration
	missing []bool
}

func newAccumulator(start time.Time, step time.Duration, n int) *accumulator {
	return &accumulator{start: start, step: step, sum: make([]float64, n), covered: make([]time.Duration, n), missing: make([]bool, n)}
}

// add spreads v, the count of [s, s+length), over the output intervals it overlaps; NaN marks
// them missing.
func (a *accumulator) add(s time.Time, length time.Duration, v float64) {
	a.addUntil(s, length, v, s.Add(length))
}

// addUntil is add of only the part of [s, s+length) before until (its share of v by time).
func (a *accumulator) addUntil(s time.Time, length time.Duration, v float64, until time.Time) {
	e := forecast.Earlier(s.Add(length), until)
	i := int(s.Sub(a.start) / a.step)
	if s.Before(a.start) {
		i = 0
	}
	for ; i < len(a.sum); i++ {
		lo := a.start.Add(time.Duration(i) * a.step)
		hi := lo.Add(a.step)
		if !lo.Before(e) {
			break
		}
		o := forecast.Earlier(hi, e).Sub(forecast.Later(lo, s))
		if o <= 0 {
			continue
		}
		if math.IsNaN(v) {
			a.missing[i] = true
			continue
		}
		a.sum[i] += v * float64(o) / float64(length)
		a.covered[i] += o
	}
}

func (a *accumulator) values() []float64 {
	out := make([]float64, len(a.sum))
	for i := range out {
		if a.missing[i] || a.covered[i] < a.step {
			out[i] = math.NaN()
			continue
		}
		out[i] = a.sum[i]
	}
	return out
}
