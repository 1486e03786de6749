package spikes

import (
	"math"
	"slices"
	"strings"
	"time"
)

// Alert is a topic in a spike: At is when it was seen, Onset the start of the first interval of
// the rise, Count and Expected the contacts since the onset and what the baseline expected of
// them, Score −log10 of how likely so many were under the baseline.
type Alert struct {
	Topic    string
	At       time.Time
	Onset    time.Time
	Score    float64
	Count    float64
	Expected float64
}

// Check decides on one topic's recent intervals: one Count per interval, oldest first, no gaps
// (an interval without contacts is a Count of 0); the last one may be partial, elapsed being the
// share of it that has passed (0 < elapsed ≤ 1). It returns an alert when the latest interval is
// in a spike (package comment: the score). Check keeps no state: the caller keeps one open alert
// per topic and does not raise again while it is open (Scan does).
func Check(b *Baseline, recent []Count, elapsed float64, cfg Config) (Alert, bool) {
	cfg = cfg.withDefaults()
	if len(recent) == 0 || !(elapsed > 0) {
		return Alert{}, false
	}
	elapsed = min(elapsed, 1)
	if len(recent) > cfg.Window {
		recent = recent[len(recent)-cfg.Window:]
	}
	last := recent[len(recent)-1]
	topic := last.Topic
	exp := make([]float64, len(recent))
	for i, c := range recent {
		exp[i] = b.Expected(topic, c.Start)
	}
	exp[len(exp)-1] *= elapsed
	// A latest interval that is well under way and not above its expectation is not in a spike.
	if elapsed >= 0.5 && !(last.N > exp[len(exp)-1]) {
		return Alert{}, false
	}
	alpha := b.alpha(topic, cfg)
	best, bestFrom := 0.0, -1
	var obs, mu float64
	for i := len(recent) - 1; i >= 0; i-- {
		obs += max(recent[i].N, 0)
		mu += exp[i]
		if obs < cfg.MinCount || obs < cfg.MinRatio*mu {
			continue
		}
		if s := nbScore(obs, mu, alpha); s > best {
			best, bestFrom = s, i
		}
	}
	if bestFrom < 0 || best < cfg.Threshold {
		return Alert{}, false
	}
	// The onset: the window's first interval above its expectation.
	from := bestFrom
	for from < len(recent)-1 && !(recent[from].N > exp[from]) {
		from++
	}
	a := Alert{
		Topic: topic,
		At:    last.Start.Add(time.Duration(elapsed * float64(b.interval()))),
		Onset: recent[from].Start,
		Score: math.Min(best, 999),
	}
	for i := from; i < len(recent); i++ {
		a.Count += recent[i].N
		a.Expected += exp[i]
	}
	return a, true
}

// clearIntervals is how many whole intervals back near the expectation close a topic's open
// alert in Scan.
const clearIntervals = 2

// Calm says whether a topic is back near its expectation: its last two whole intervals of
// recent (oldest first, no gaps) together under MinRatio times what they were expected to have.
// Scan closes a topic's open alert on it; a caller keeping open alerts may do the same.
func Calm(b *Baseline, recent []Count, cfg Config) bool {
	cfg = cfg.withDefaults()
	if len(recent) < clearIntervals {
		return false
	}
	var obs, mu float64
	for _, c := range recent[len(recent)-clearIntervals:] {
		obs += c.N
		mu += b.Expected(c.Topic, c.Start)
	}
	return obs < cfg.MinRatio*mu
}

// Scan is the loop of `lingxi voc spikes`: every interval from the earliest count to the latest,
// in time order, each topic of live checked on its whole intervals (missing ones are 0), one
// open alert per topic at a time; an open alert closes once the topic's last two intervals are
// together under MinRatio times their expectation, and the topic may alert again after that on
// intervals after the close.
// Alerts come in time order, topics in name order within an interval. The baseline's interval is
// the one counted in; Scan allocates one number per topic and interval of live's span.
func Scan(b *Baseline, live []Count, cfg Config) []Alert {
	cfg = cfg.withDefaults()
	if len(live) == 0 {
		return nil
	}
	iv := b.interval()
	first, last := live[0].Start, live[0].Start
	for _, c := range live {
		if c.Start.Before(first) {
			first = c.Start
		}
		if c.Start.After(last) {
			last = c.Start
		}
	}
	n := int(last.Sub(first)/iv) + 1
	series := map[string][]float64{}
	for _, c := range live {
		s := series[c.Topic]
		if s == nil {
			s = make([]float64, n)
			series[c.Topic] = s
		}
		s[int(c.Start.Sub(first)/iv)] += c.N
	}
	topics := make([]string, 0, len(series))
	for t := range series {
		topics = append(topics, t)
	}
	slices.SortFunc(topics, strings.Compare)
	var alerts []Alert
	open := map[string]bool{}
	// since is, per topic, the first interval after its last alert closed: windows start there,
	// so the tail of a spike that ended is not taken for a new one.
	since := map[string]int{}
	recent := make([]Count, 0, cfg.Window)
	for i := range n {
		for _, topic := range topics {
			s := series[topic]
			if open[topic] {
				if i+1 >= clearIntervals {
					recent = recent[:0]
					for j := i + 1 - clearIntervals; j <= i; j++ {
						recent = append(recent, Count{Start: first.Add(time.Duration(j) * iv), Topic: topic, N: s[j]})
					}
					if Calm(b, recent, cfg) {
						open[topic] = false
						since[topic] = i + 1
					}
				}
				continue
			}
			recent = recent[:0]
			for j := max(since[topic], i+1-cfg.Window); j <= i; j++ {
				recent = append(recent, Count{Start: first.Add(time.Duration(j) * iv), Topic: topic, N: s[j]})
			}
			if a, ok := Check(b, recent, 1, cfg); ok {
				alerts = append(alerts, a)
				open[topic] = true
			}
		}
	}
	return alerts
}
