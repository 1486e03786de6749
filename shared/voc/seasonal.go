package voc

import (
	"math"
	"slices"
	"time"

	"github.com/lingxi/lingxi/shared/spikes"
)

// Seasonal is shared/spikes' detector behind the Detector seam: a key's baseline is learnt per
// weekday × time of day (UTC slots, as the counters keep them) from the history the spike part
// reads, and the check is spikes.Check with its defaults (score 8, at least 5 contacts and 1.5×
// the expectation; a cold key expects the floor of 2 contacts an hour). A cold key — one with no
// history, which on a tenant's first days is every key — needs ColdMinCount contacts, so that a
// new tenant's ordinary traffic does not alert on each intent it meets. A baseline that is not
// Seasonal's own (a queue's rolling forecast) is used through spikes' WithExpected.
type Seasonal struct {
	Config spikes.Config // zero fields: spikes' defaults, with Step intervals
}

// ColdMinCount is the least count that alerts on a key without history.
const ColdMinCount = 10

func (s Seasonal) config() spikes.Config {
	c := s.Config
	if c.Interval == 0 {
		c.Interval = Step
	}
	return c
}

// seasonalBaseline is a learnt spikes baseline.
type seasonalBaseline struct{ b *spikes.Baseline }

func (b seasonalBaseline) Expected(key string, at time.Time) float64 { return b.b.Expected(key, at) }

// Learn learns a key's baseline from its history.
func (s Seasonal) Learn(history []Count) Baseline {
	hs := make([]spikes.Count, len(history))
	for i, c := range history {
		hs[i] = spikes.Count{Start: c.Start, Topic: c.Key, N: c.N}
	}
	b := spikes.Learn(hs, s.config())
	if len(history) > 0 {
		if tp := b.Topics[history[0].Key]; tp != nil {
			tp.Alpha = dayAlpha(b, history)
		}
	}
	return seasonalBaseline{b}
}

// dayAlpha is the key's overdispersion (a count's variance is μ + αμ²) measured on the days the
// history holds. spikes.Learn reads a series as dense, so the days History leaves out (other
// weekdays) would count as zeros and widen its estimate to the maximum: here each day's total T
// against its expectation E gives ((T−E)² − E)/E², and the median over the days, within
// [0.01, 2], is the key's α.
func dayAlpha(b *spikes.Baseline, history []Count) float64 {
	type day struct{ got, want float64 }
	days := map[time.Time]*day{}
	for _, c := range history {
		k := c.Start.UTC().Truncate(24 * time.Hour)
		if days[k] == nil {
			days[k] = &day{}
		}
		days[k].got += c.N
		days[k].want += b.Expected(c.Key, c.Start)
	}
	var as []float64
	for _, d := range days {
		if d.want > 0 {
			as = append(as, ((d.got-d.want)*(d.got-d.want)-d.want)/(d.want*d.want))
		}
	}
	if len(as) == 0 {
		return spikes.DefaultColdAlpha
	}
	slices.Sort(as)
	return math.Min(2, math.Max(0.01, as[len(as)/2]))
}

// Check decides on a key's recent intervals (oldest first, the last one partial by elapsed).
func (s Seasonal) Check(b Baseline, recent []Count, elapsed float64) (Spike, bool) {
	cfg := s.config()
	sb, ok := b.(seasonalBaseline)
	if !ok {
		sb = seasonalBaseline{spikes.Learn(nil, cfg).WithExpected(func(key string, at time.Time) (float64, bool) {
			return b.Expected(key, at), true
		})}
	}
	if len(recent) > 0 && sb.b.Topics[recent[0].Key] == nil && ok {
		cfg.MinCount = max(cfg.MinCount, ColdMinCount)
	}
	rs := make([]spikes.Count, len(recent))
	for i, c := range recent {
		rs[i] = spikes.Count{Start: c.Start, Topic: c.Key, N: c.N}
	}
	a, hit := spikes.Check(sb.b, rs, elapsed, cfg)
	if !hit {
		return Spike{}, false
	}
	return Spike{At: a.At, Onset: a.Onset, Count: a.Count, Expected: a.Expected, Score: a.Score}, true
}
