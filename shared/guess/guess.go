// Package guess ranks the questions a customer is likely to ask before they ask them (未问先答,
// "guess your question"): from the customer's recent business events (a failed payment, a shipped
// order) and the tenant's own history of which intents followed which events.
//
// # Model
//
// For a customer whose recent events have the distinct kinds E, intent i scores
//
//	score(i | E) = Σ_{e∈E} w(e) · (count(e→i) + α·P(i)) / (count(e) + α)
//
// where count(e→i) is how many of the tenant's conversations had i as their first recognised
// intent after an event of kind e (within Window before the conversation started), count(e) how
// many conversations followed e at all, P(i) the share of all first recognised intents that were
// i (the popularity prior), α the prior's weight, and w(e) = 2^(−age/HalfLife) weighs recent
// events above old ones. Each term is the posterior mean of P(i | e) under a Dirichlet prior
// centred on the popularity: a kind seen rarely falls back to what is popular, a kind seen often
// speaks for itself. Customers with no recent event are a kind of their own ("none"): what they
// ask differs from the overall popularity, which event-driven contacts skew; with no history of
// them either, the score is P(i), the popularity baseline.
//
// # Learning
//
// Counts are sums, so learning is one atomic store.Add per counter when a conversation's first
// intent is recognised (Learn): no read-modify-write, no lost updates under concurrency.
package guess

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Defaults of Options.
const (
	DefaultAlpha    = 2.0
	DefaultHalfLife = 72 * time.Hour
	DefaultWindow   = 7 * 24 * time.Hour
)

// Options tune the ranker. The zero value of a field means its default.
type Options struct {
	// Alpha is the weight of the popularity prior in each event kind's estimate, in pseudo-counts.
	Alpha float64
	// HalfLife is the age at which an event counts half as much as a fresh one. Negative disables
	// the recency weight.
	HalfLife time.Duration
	// Window is how far back events count: older ones are ignored, in ranking and in learning.
	Window time.Duration
}

func (o Options) withDefaults() Options {
	if o.Alpha <= 0 {
		o.Alpha = DefaultAlpha
	}
	if o.HalfLife == 0 {
		o.HalfLife = DefaultHalfLife
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	return o
}

// Event is one business event of a customer, as the ranker sees it.
type Event struct {
	Kind string
	At   time.Time
}

// Counts are the tenant's learnt statistics. The zero value is empty history.
type Counts struct {
	// Intent counts first recognised intents of all conversations; Total is their sum.
	Intent map[string]int64
	Total  int64
	// Pair counts, per event kind, the first intents of conversations that followed it; Kind is
	// each kind's sum.
	Pair map[string]map[string]int64
	Kind map[string]int64
	// None counts the first intents of conversations with no recent event; NoneTotal is its sum.
	None      map[string]int64
	NoneTotal int64
}

// Learn adds one conversation whose first recognised intent was intent, after events of kinds.
// Store.Learn does the same to the stored counters.
func (c *Counts) Learn(kinds []string, intent string) {
	if c.Intent == nil {
		c.Intent, c.Pair, c.Kind = map[string]int64{}, map[string]map[string]int64{}, map[string]int64{}
	}
	if c.None == nil {
		c.None = map[string]int64{}
	}
	c.Intent[intent]++
	c.Total++
	if len(distinct(kinds)) == 0 {
		c.None[intent]++
		c.NoneTotal++
	}
	for _, k := range distinct(kinds) {
		if c.Pair[k] == nil {
			c.Pair[k] = map[string]int64{}
		}
		c.Pair[k][intent]++
		c.Kind[k]++
	}
}

// Popularity is P(intent): its share of all first recognised intents (0 with no history).
func (c *Counts) Popularity(intent string) float64 {
	if c.Total == 0 {
		return 0
	}
	return float64(c.Intent[intent]) / float64(c.Total)
}

// Scored is an intent with its score.
type Scored struct {
	Intent string  `json:"intent"`
	Score  float64 `json:"score"`
}

// Popular returns up to n intents by popularity alone, best first: the baseline Rank is measured
// against.
func Popular(c *Counts, n int) []Scored {
	if c == nil || c.Total == 0 || n <= 0 {
		return nil
	}
	out := make([]Scored, 0, len(c.Intent))
	for i := range c.Intent {
		out = append(out, Scored{Intent: i, Score: c.Popularity(i)})
	}
	return sortScored(c, out, n)
}

// Rank returns up to n intents for a customer with events evs at now, best first. Events outside
// the window (older than Window, or later than now) are ignored; of several events of one kind the
// most recent counts. Intents the history has never seen are not ranked. Ties go to the more
// popular intent, then to the smaller id, so the order is deterministic.
func Rank(c *Counts, evs []Event, now time.Time, opt Options, n int) []Scored {
	opt = opt.withDefaults()
	if c == nil || c.Total == 0 || n <= 0 {
		return nil
	}
	recent := Recent(evs, now, opt.Window)
	scores := make(map[string]float64, len(c.Intent))
	if len(recent) == 0 {
		denom := float64(c.NoneTotal) + opt.Alpha
		for i := range c.Intent {
			scores[i] = (float64(c.None[i]) + opt.Alpha*c.Popularity(i)) / denom
		}
	} else {
		for _, ev := range recent {
			w := 1.0
			if opt.HalfLife > 0 {
				w = math.Exp2(-float64(now.Sub(ev.At)) / float64(opt.HalfLife))
			}
			denom := float64(c.Kind[ev.Kind]) + opt.Alpha
			pair := c.Pair[ev.Kind]
			for i := range c.Intent {
				scores[i] += w * (float64(pair[i]) + opt.Alpha*c.Popularity(i)) / denom
			}
		}
	}
	out := make([]Scored, 0, len(scores))
	for i, s := range scores {
		out = append(out, Scored{Intent: i, Score: s})
	}
	return sortScored(c, out, n)
}

func sortScored(c *Counts, out []Scored, n int) []Scored {
	slices.SortFunc(out, func(a, b Scored) int {
		if d := cmp.Compare(b.Score, a.Score); d != 0 {
			return d
		}
		if d := cmp.Compare(c.Intent[b.Intent], c.Intent[a.Intent]); d != 0 {
			return d
		}
		return cmp.Compare(a.Intent, b.Intent)
	})
	return out[:min(n, len(out))]
}

// Recent returns the events within window before now (inclusive of now), one per kind (its most
// recent), most recent first.
func Recent(evs []Event, now time.Time, window time.Duration) []Event {
	var out []Event
	for _, ev := range evs {
		if ev.At.After(now) || now.Sub(ev.At) > window || ev.Kind == "" {
			continue
		}
		if j := slices.IndexFunc(out, func(o Event) bool { return o.Kind == ev.Kind }); j >= 0 {
			if ev.At.After(out[j].At) {
				out[j] = ev
			}
			continue
		}
		out = append(out, ev)
	}
	slices.SortStableFunc(out, func(a, b Event) int { return b.At.Compare(a.At) })
	return out
}

// Kinds returns the distinct kinds of evs, in order of first appearance.
func Kinds(evs []Event) []string {
	kinds := make([]string, 0, len(evs))
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	return distinct(kinds)
}

func distinct(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
