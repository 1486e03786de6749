package guess

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// SynthConfig describes a generated conversation history for measuring the ranker. The zero value
// of a field means its default (in brackets).
//
// The ground truth, which the ranker never sees, is this process:
//
//   - Intents "intent_00"… [30] have a popularity π(i) ∝ 1/(i+1) (Zipf).
//   - Event kinds "event_00"… [20] occur with frequency ∝ 1/√(k+1). Each kind e has two
//     primary intents a(e) ≠ b(e), drawn uniformly once, and the conditional distribution
//     Q(i | e) = 0.60·[i = a(e)] + 0.25·[i = b(e)] + 0.15·π(i).
//   - A conversation starts at a uniform time over Days [120]. Its customer had m recent events
//     (within the 7 days before it) with P(m = 0, 1, 2, 3) = 0.40, 0.35, 0.18, 0.07, each of a
//     kind drawn by frequency and an age uniform in [0, 7 d), plus 0–2 stale events 7–30 days
//     old that have no effect (distractors for the window).
//   - Its first intent: with no recent event, or with probability Noise [0.30] regardless,
//     drawn from π; otherwise one recent event "causes" the contact, chosen with weight
//     2^(−age/48 h), and the intent is drawn from Q(· | its kind).
//
// So the Bayes-optimal ranking is by noise·π(i) + (1 − noise)·Σ_e c(e)·Q(i | e), with c the
// normalised cause weights; Evaluate reports it as the ceiling.
type SynthConfig struct {
	Intents       int
	Kinds         int
	Conversations int // [20000]
	Days          int
	Noise         float64 // in [0, 1]; 0 means the default, use a tiny value for none
	Seed          uint64
}

func (c SynthConfig) withDefaults() SynthConfig {
	if c.Intents <= 0 {
		c.Intents = 30
	}
	if c.Kinds <= 0 {
		c.Kinds = 20
	}
	if c.Conversations <= 0 {
		c.Conversations = 20000
	}
	if c.Days <= 0 {
		c.Days = 120
	}
	if c.Noise <= 0 {
		c.Noise = 0.30
	}
	return c
}

// SynthConversation is one generated conversation.
type SynthConversation struct {
	At     time.Time
	Events []Event // recent and stale, in no particular order
	Intent string  // the first intent, drawn by the ground truth
}

// History is a generated history with its ground truth.
type History struct {
	Config        SynthConfig
	Conversations []SynthConversation // by time
	popularity    map[string]float64
	cond          map[string]map[string]float64 // Q(i | e)
}

const (
	causeHalfLife = 48 * time.Hour
	truthWindow   = 7 * 24 * time.Hour
)

// Synthesize generates a history by the process SynthConfig describes; deterministic for a seed.
func Synthesize(cfg SynthConfig) *History {
	cfg = cfg.withDefaults()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e55))
	intents := make([]string, cfg.Intents)
	pop := make([]float64, cfg.Intents)
	for i := range intents {
		intents[i] = fmt.Sprintf("intent_%02d", i)
		pop[i] = 1 / float64(i+1)
	}
	normalise(pop)
	kinds := make([]string, cfg.Kinds)
	freq := make([]float64, cfg.Kinds)
	for k := range kinds {
		kinds[k] = fmt.Sprintf("event_%02d", k)
		freq[k] = 1 / math.Sqrt(float64(k+1))
	}
	normalise(freq)
	h := &History{Config: cfg, popularity: map[string]float64{}, cond: map[string]map[string]float64{}}
	for i, name := range intents {
		h.popularity[name] = pop[i]
	}
	condRows := make([][]float64, cfg.Kinds)
	for k, name := range kinds {
		a := rng.IntN(cfg.Intents)
		b := rng.IntN(cfg.Intents - 1)
		if b >= a {
			b++
		}
		row := make([]float64, cfg.Intents)
		for i := range row {
			row[i] = 0.15 * pop[i]
		}
		row[a] += 0.60
		row[b] += 0.25
		condRows[k] = row
		h.cond[name] = map[string]float64{}
		for i, p := range row {
			h.cond[name][intents[i]] = p
		}
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Duration(cfg.Days) * 24 * time.Hour
	for range cfg.Conversations {
		at := start.Add(time.Duration(rng.Int64N(int64(span))))
		var recent []Event
		m := draw(rng, []float64{0.40, 0.35, 0.18, 0.07})
		for range m {
			age := time.Duration(rng.Int64N(int64(truthWindow)))
			recent = append(recent, Event{Kind: kinds[draw(rng, freq)], At: at.Add(-age)})
		}
		evs := slices.Clone(recent)
		for range rng.IntN(3) {
			age := truthWindow + time.Minute + time.Duration(rng.Int64N(int64(23*24*time.Hour)))
			evs = append(evs, Event{Kind: kinds[draw(rng, freq)], At: at.Add(-age)})
		}
		var intent int
		if len(recent) == 0 || rng.Float64() < cfg.Noise {
			intent = draw(rng, pop)
		} else {
			w := make([]float64, len(recent))
			for j, ev := range recent {
				w[j] = math.Exp2(-float64(at.Sub(ev.At)) / float64(causeHalfLife))
			}
			cause := recent[draw(rng, w)]
			intent = draw(rng, condRows[slices.Index(kinds, cause.Kind)])
		}
		h.Conversations = append(h.Conversations, SynthConversation{At: at, Events: evs, Intent: intents[intent]})
	}
	slices.SortStableFunc(h.Conversations, func(a, b SynthConversation) int { return a.At.Compare(b.At) })
	return h
}

// truth returns the ground-truth distribution of the first intent of c.
func (h *History) truth(c SynthConversation) map[string]float64 {
	var recent []Event
	for _, ev := range c.Events {
		if !ev.At.After(c.At) && c.At.Sub(ev.At) < truthWindow {
			recent = append(recent, ev)
		}
	}
	out := make(map[string]float64, len(h.popularity))
	if len(recent) == 0 {
		for i, p := range h.popularity {
			out[i] = p
		}
		return out
	}
	noise := h.Config.Noise
	w := make([]float64, len(recent))
	for j, ev := range recent {
		w[j] = math.Exp2(-float64(c.At.Sub(ev.At)) / float64(causeHalfLife))
	}
	normalise(w)
	for i, p := range h.popularity {
		out[i] = noise * p
		for j, ev := range recent {
			out[i] += (1 - noise) * w[j] * h.cond[ev.Kind][i]
		}
	}
	return out
}

// Rates are hit rates: the share of conversations whose first intent was the top suggestion
// (Top1) or among the top three (Top3).
type Rates struct {
	Top1 float64 `json:"top1"`
	Top3 float64 `json:"top3"`
}

// Evaluation compares the ranker with the popularity-only baseline and the ground-truth ceiling
// on a time split of a history.
type Evaluation struct {
	Train, Test int // conversations learnt from, and scored
	// TestWithEvents is how many test conversations had at least one event in the window.
	TestWithEvents int
	Ours           Rates // this package's ranker, over all test conversations
	Baseline       Rates // popularity only
	Oracle         Rates // ranking by the ground-truth distribution: the ceiling
	// The same over the test conversations with recent events, where ranking can differ.
	OursWithEvents, BaselineWithEvents, OracleWithEvents Rates
}

// Evaluate learns counts from the conversations before the trainShare quantile of time, as
// Store.Learn would (the kinds of events within the window before each conversation), then ranks
// the later conversations' first intents with counts frozen at the split.
func Evaluate(h *History, trainShare float64, opt Options) Evaluation {
	opt = opt.withDefaults()
	split := int(float64(len(h.Conversations)) * trainShare)
	var c Counts
	for _, conv := range h.Conversations[:split] {
		c.Learn(Kinds(Recent(conv.Events, conv.At, opt.Window)), conv.Intent)
	}
	var ev Evaluation
	ev.Train, ev.Test = split, len(h.Conversations)-split
	var ours, base, oracle, oursE, baseE, oracleE hits
	for _, conv := range h.Conversations[split:] {
		mine := Rank(&c, conv.Events, conv.At, opt, 3)
		pop := Popular(&c, 3)
		best := top(h.truth(conv), 3)
		withEvents := len(Recent(conv.Events, conv.At, opt.Window)) > 0
		ours.add(conv.Intent, intentsOf(mine))
		base.add(conv.Intent, intentsOf(pop))
		oracle.add(conv.Intent, best)
		if withEvents {
			ev.TestWithEvents++
			oursE.add(conv.Intent, intentsOf(mine))
			baseE.add(conv.Intent, intentsOf(pop))
			oracleE.add(conv.Intent, best)
		}
	}
	ev.Ours, ev.Baseline, ev.Oracle = ours.rates(), base.rates(), oracle.rates()
	ev.OursWithEvents, ev.BaselineWithEvents, ev.OracleWithEvents = oursE.rates(), baseE.rates(), oracleE.rates()
	return ev
}

// String is the evaluation as a small table.
func (e Evaluation) String() string {
	row := func(name string, all, withEv Rates) string {
		return fmt.Sprintf("%-22s %6.1f%% %6.1f%%   %6.1f%% %6.1f%%\n", name, 100*all.Top1, 100*all.Top3, 100*withEv.Top1, 100*withEv.Top3)
	}
	return fmt.Sprintf("train %d, test %d conversations (%d with recent events)\n", e.Train, e.Test, e.TestWithEvents) +
		fmt.Sprintf("%-22s %7s %7s   %7s %7s\n", "ranker", "top-1", "top-3", "top-1*", "top-3*") +
		row("events + popularity", e.Ours, e.OursWithEvents) +
		row("popularity only", e.Baseline, e.BaselineWithEvents) +
		row("ground truth (ceiling)", e.Oracle, e.OracleWithEvents) +
		"* over the test conversations with recent events\n"
}

type hits struct{ n, top1, top3 int }

func (h *hits) add(want string, ranked []string) {
	h.n++
	if len(ranked) > 0 && ranked[0] == want {
		h.top1++
	}
	if slices.Contains(ranked[:min(3, len(ranked))], want) {
		h.top3++
	}
}

func (h hits) rates() Rates {
	if h.n == 0 {
		return Rates{}
	}
	return Rates{Top1: float64(h.top1) / float64(h.n), Top3: float64(h.top3) / float64(h.n)}
}

func intentsOf(s []Scored) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.Intent
	}
	return out
}

// top returns the n most probable intents of dist, ties by id.
func top(dist map[string]float64, n int) []string {
	keys := make([]string, 0, len(dist))
	for k := range dist {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if dist[a] != dist[b] {
			if dist[a] > dist[b] {
				return -1
			}
			return 1
		}
		return cmp.Compare(a, b)
	})
	return keys[:min(n, len(keys))]
}

func normalise(w []float64) {
	var sum float64
	for _, x := range w {
		sum += x
	}
	for i := range w {
		w[i] /= sum
	}
}

// draw returns an index with probability proportional to w.
func draw(rng *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	r := rng.Float64() * sum
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}
