package topics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// TrackOptions tune a Tracker. Zero fields take the defaults of
// DefaultTrackOptions.
type TrackOptions struct {
	// MatchFloor is the lowest centroid cosine at which a run's topic is a
	// known topic seen again.
	MatchFloor float64 `json:"match_floor,omitempty"`
	// AssignFloor is the lowest cosine between a message and a known
	// topic's centroid for Assign to count it there.
	AssignFloor float64 `json:"assign_floor,omitempty"`
	// Period is the granularity of the sizes kept per topic.
	Period time.Duration `json:"period,omitempty"`
	// MaxTopics bounds the known topics; the least recently seen go first.
	MaxTopics int `json:"max_topics,omitempty"`
	// MaxPeriods bounds the sizes kept per topic; the oldest go first.
	MaxPeriods int `json:"max_periods,omitempty"`
	// Blend is the weight of a new run's centroid when it updates a known
	// topic's (the rest is the old centroid's), so a topic follows drifting
	// wording without jumping.
	Blend float64 `json:"blend,omitempty"`
	// CentroidTerms bounds a known topic's centroid.
	CentroidTerms int `json:"centroid_terms,omitempty"`
}

// DefaultTrackOptions are the settings the tests and the bench use: daily
// sizes for two months, at most 200 topics, which keeps a tracker's JSON
// under about 1.2 MB (TestTrackerJSONBounded) — an S3 object, not a
// DynamoDB item. Live counts per interval are the caller's (shared/voc).
func DefaultTrackOptions() TrackOptions {
	return TrackOptions{MatchFloor: 0.5, AssignFloor: 0.3, Period: 24 * time.Hour, MaxTopics: 200,
		MaxPeriods: 60, Blend: 0.5, CentroidTerms: 48}
}

func (o TrackOptions) withDefaults() TrackOptions {
	d := DefaultTrackOptions()
	if o.MatchFloor <= 0 || o.MatchFloor > 1 {
		o.MatchFloor = d.MatchFloor
	}
	if o.AssignFloor <= 0 || o.AssignFloor > 1 {
		o.AssignFloor = d.AssignFloor
	}
	if o.Period <= 0 {
		o.Period = d.Period
	}
	if o.MaxTopics <= 0 {
		o.MaxTopics = d.MaxTopics
	}
	if o.MaxPeriods <= 0 {
		o.MaxPeriods = d.MaxPeriods
	}
	if o.Blend <= 0 || o.Blend > 1 {
		o.Blend = d.Blend
	}
	if o.CentroidTerms <= 0 {
		o.CentroidTerms = d.CentroidTerms
	}
	return o
}

// Known is a tracked topic.
type Known struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Phrases  []string `json:"phrases"`
	Examples []string `json:"examples"`
	// FirstSeen and LastSeen are the times of the runs (Update's at) that
	// first and last found it.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Sizes are the messages found per period, oldest first; a period
	// without a run that found the topic has no entry.
	Sizes    []PeriodSize `json:"sizes"`
	Centroid Centroid     `json:"centroid"`
}

// PeriodSize is a topic's size in the period starting at Start.
type PeriodSize struct {
	Start time.Time `json:"start"`
	Size  int       `json:"size"`
}

// Tracker is the set of known topics of one tenant. It marshals to JSON as
// is (its fields are its state) and stays bounded (MaxTopics, MaxPeriods,
// CentroidTerms). Its methods are safe for concurrent use.
type Tracker struct {
	Options TrackOptions `json:"options"`
	// Next numbers the next new topic: ids are "t-1", "t-2", … and never
	// reused.
	Next   int     `json:"next"`
	Topics []Known `json:"topics"`

	mu sync.RWMutex
}

// NewTracker returns an empty tracker.
func NewTracker(opt TrackOptions) *Tracker {
	return &Tracker{Options: opt, Next: 1}
}

// Update matches the topics of a run made at time at to the known ones and
// returns them with their ids: a topic whose centroid is close enough to a
// known one's (one to one, closest pairs first) takes its id, updates its
// name, examples and centroid and adds its size to the period of at; any
// other becomes a new known topic.
func (tr *Tracker) Update(found []Topic, at time.Time) []Topic {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	opt := tr.Options.withDefaults()
	if tr.Next < 1 {
		tr.Next = 1
	}
	type pair struct {
		f, k int
		sim  float64
	}
	var pairs []pair
	for f, t := range found {
		for k := range tr.Topics {
			if s := cosine(t.Centroid, tr.Topics[k].Centroid); s >= opt.MatchFloor {
				pairs = append(pairs, pair{f, k, s})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		return cmp.Or(cmp.Compare(b.sim, a.sim), cmp.Compare(a.f, b.f), cmp.Compare(a.k, b.k))
	})
	match := make([]int, len(found))
	for f := range match {
		match[f] = -1
	}
	taken := make([]bool, len(tr.Topics))
	for _, p := range pairs {
		if match[p.f] < 0 && !taken[p.k] {
			match[p.f], taken[p.k] = p.k, true
		}
	}
	period := at.UTC().Truncate(opt.Period)
	out := make([]Topic, len(found))
	for f, t := range found {
		t.Centroid = trim(t.Centroid, opt.CentroidTerms)
		var k *Known
		if match[f] >= 0 {
			k = &tr.Topics[match[f]]
			k.Centroid = trim(blend(k.Centroid, t.Centroid, opt.Blend), opt.CentroidTerms)
		} else {
			tr.Topics = append(tr.Topics, Known{ID: fmt.Sprintf("t-%d", tr.Next), FirstSeen: at, Centroid: t.Centroid})
			tr.Next++
			k = &tr.Topics[len(tr.Topics)-1]
		}
		k.Name, k.Phrases, k.Examples = t.Name, slices.Clone(t.Phrases), slices.Clone(t.Examples)
		if at.After(k.LastSeen) {
			k.LastSeen = at
		}
		if at.Before(k.FirstSeen) {
			k.FirstSeen = at // runs may be replayed out of order
		}
		k.Sizes = addSize(k.Sizes, period, t.Size, opt.MaxPeriods)
		t.ID = k.ID
		out[f] = t
	}
	tr.evict(opt.MaxTopics)
	return out
}

// addSize adds n to the size of the period starting at start.
func addSize(sizes []PeriodSize, start time.Time, n, limit int) []PeriodSize {
	i, found := slices.BinarySearchFunc(sizes, start, func(p PeriodSize, t time.Time) int { return p.Start.Compare(t) })
	if found {
		sizes[i].Size += n
	} else {
		sizes = slices.Insert(sizes, i, PeriodSize{Start: start, Size: n})
	}
	if len(sizes) > limit {
		sizes = slices.Delete(sizes, 0, len(sizes)-limit)
	}
	return sizes
}

// evict keeps the limit most recently seen topics, in their order.
func (tr *Tracker) evict(limit int) {
	if len(tr.Topics) <= limit {
		return
	}
	byRecency := slices.Clone(tr.Topics)
	slices.SortStableFunc(byRecency, func(a, b Known) int { return b.LastSeen.Compare(a.LastSeen) })
	keep := map[string]bool{}
	for _, k := range byRecency[:limit] {
		keep[k.ID] = true
	}
	tr.Topics = slices.DeleteFunc(tr.Topics, func(k Known) bool { return !keep[k.ID] })
}

// Assign returns the known topic whose centroid is nearest text, when the
// cosine reaches the assign floor. Text is weighted as in the runs: the
// idf a term had when it was found, and for terms no known topic has the
// highest idf known (rare words make a message less like any topic).
func (tr *Tracker) Assign(text string) (id, name string, ok bool) {
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	if len(tr.Topics) == 0 {
		return "", "", false
	}
	opt := tr.Options.withDefaults()
	idf := map[string]float64{}
	maxIDF := 1.0
	for _, k := range tr.Topics {
		for _, t := range k.Centroid {
			idf[t.Text] = max(idf[t.Text], t.IDF)
			maxIDF = max(maxIDF, t.IDF)
		}
	}
	tf := map[string]int{}
	for _, t := range analyze(text) {
		tf[t.key]++
	}
	if len(tf) == 0 {
		return "", "", false
	}
	vec := map[string]float64{}
	var norm float64
	for key, n := range tf {
		w, known := idf[key]
		if !known {
			w = maxIDF
		}
		w *= 1 + math.Log(float64(n))
		norm += w * w
		if known {
			vec[key] = w
		}
	}
	norm = math.Sqrt(norm)
	best, bestSim := -1, opt.AssignFloor
	for i, k := range tr.Topics {
		var s float64
		for _, t := range k.Centroid {
			s += vec[t.Text] * t.Weight
		}
		if s /= norm; s >= bestSim {
			best, bestSim = i, s
		}
	}
	if best < 0 {
		return "", "", false
	}
	return tr.Topics[best].ID, tr.Topics[best].Name, true
}

// List returns a copy of the known topics, most recently seen first.
func (tr *Tracker) List() []Known {
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	out := make([]Known, len(tr.Topics))
	for i, k := range tr.Topics {
		k.Phrases, k.Examples = slices.Clone(k.Phrases), slices.Clone(k.Examples)
		k.Sizes, k.Centroid = slices.Clone(k.Sizes), slices.Clone(k.Centroid)
		out[i] = k
	}
	slices.SortStableFunc(out, func(a, b Known) int {
		return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// cosine is the dot product of two unit centroids.
func cosine(a, b Centroid) float64 {
	w := make(map[string]float64, len(a))
	for _, t := range a {
		w[t.Text] = t.Weight
	}
	var s float64
	for _, t := range b {
		s += w[t.Text] * t.Weight
	}
	return s
}

// blend is (1-share)·old + share·new, renormalised; a term's idf is the
// newer one where both have it.
func blend(old, new Centroid, share float64) Centroid {
	byText := map[string]int{}
	var out Centroid
	for _, t := range old {
		byText[t.Text] = len(out)
		out = append(out, Term{Text: t.Text, Weight: (1 - share) * t.Weight, IDF: t.IDF})
	}
	for _, t := range new {
		if i, ok := byText[t.Text]; ok {
			out[i].Weight += share * t.Weight
			out[i].IDF = t.IDF
			continue
		}
		out = append(out, Term{Text: t.Text, Weight: share * t.Weight, IDF: t.IDF})
	}
	return out
}

// trim keeps a centroid's limit heaviest terms, renormalised, in a new
// slice.
func trim(c Centroid, limit int) Centroid {
	out := slices.Clone(c)
	sortTerms(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out.normalized()
}
