package topics

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"
)

// Message is one customer message to cluster. Lang ("zh", "en" or empty)
// is informative only: the script of each part of the text decides how it
// is analysed, so mixed text works.
type Message struct {
	ID   string    `json:"id"`
	Text string    `json:"text"`
	Lang string    `json:"lang,omitempty"`
	At   time.Time `json:"at"`
}

// Topic is a cluster of messages, named. ID is empty from Cluster and set
// by Tracker.Update.
type Topic struct {
	ID       string   `json:"id,omitempty"`
	Name     string   `json:"name"`     // the first phrases joined by " / "
	Phrases  []string `json:"phrases"`  // most telling first
	Examples []string `json:"examples"` // the messages nearest the centroid, distinct
	Size     int      `json:"size"`
	// MessageIDs are the members' ids, in input order.
	MessageIDs []string `json:"message_ids,omitempty"`
	// First and Last are the earliest and latest At of the members.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Centroid is the members' mean TF-IDF vector over its heaviest terms,
	// l2-normalised: what the Tracker matches and assigns by.
	Centroid Centroid `json:"centroid"`
}

// Centroid is a sparse unit vector over terms, heaviest first.
type Centroid []Term

// Term is one coordinate of a centroid. Text is the analysed term (English
// stemmed, Chinese as written) and IDF its inverse document frequency in the
// run that found it, which Assign weights new messages with.
type Term struct {
	Text   string  `json:"t"`
	Weight float64 `json:"w"`
	IDF    float64 `json:"idf"`
}

// Options tune Cluster. Zero fields take the defaults of DefaultOptions.
type Options struct {
	// Threshold is the lowest mean cosine similarity between the messages
	// of two clusters that still merge them (average linkage). The default
	// is 0.12 on TF-IDF vectors and 0.4 with LSA.
	Threshold float64
	// LSA, when positive, compares messages by their projection on that
	// many latent directions of the run's TF-IDF matrix (a randomized SVD)
	// instead of by TF-IDF itself: words that occur in the same contexts
	// then count as alike. Topics are still named, centred and assigned in
	// TF-IDF terms. It costs a few seconds more per 2,000 messages.
	LSA int
	// MinSize is the smallest cluster kept as a topic; smaller ones are noise.
	MinSize int
	// MaxMessages bounds the messages clustered pairwise (memory grows as its
	// square: 3000 take 36 MB); beyond it an even sample is clustered and
	// the others join the nearest topic when close enough.
	MaxMessages int
	// Phrases is how many phrases a topic keeps, NamePhrases how many of
	// them make its Name.
	Phrases, NamePhrases int
	// Examples is how many example messages a topic keeps.
	Examples int
	// CentroidTerms bounds a centroid's terms.
	CentroidTerms int
}

// DefaultOptions are the settings chosen on folds of the BANKING77 and
// CLINC150 training files (BENCH.md, "Emerging topics").
func DefaultOptions() Options {
	return Options{Threshold: tfidfThreshold, MinSize: 3, MaxMessages: 3000, Phrases: 5, NamePhrases: 3, Examples: 5, CentroidTerms: 64}
}

// The default cuts: on TF-IDF cosines and on LSA cosines (higher: the
// projection drops what two messages do not share with the rest).
const (
	tfidfThreshold = 0.12
	lsaThreshold   = 0.4
)

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Threshold <= 0 || o.Threshold >= 1 {
		o.Threshold = d.Threshold
		if o.LSA > 0 {
			o.Threshold = lsaThreshold
		}
	}
	if o.MinSize <= 0 {
		o.MinSize = d.MinSize
	}
	if o.MaxMessages <= 1 {
		o.MaxMessages = d.MaxMessages
	}
	if o.Phrases <= 0 {
		o.Phrases = d.Phrases
	}
	if o.NamePhrases <= 0 {
		o.NamePhrases = d.NamePhrases
	}
	if o.Examples <= 0 {
		o.Examples = d.Examples
	}
	if o.CentroidTerms <= 0 {
		o.CentroidTerms = d.CentroidTerms
	}
	return o
}

// Cluster finds the topics among msgs, largest first. Messages in no topic
// (noise) are left out. It is deterministic for a given input.
func Cluster(msgs []Message, opt Options) []Topic {
	ts, _ := ClusterContext(context.Background(), msgs, opt)
	return ts
}

// ClusterContext is Cluster that stops with ctx's error when ctx ends.
func ClusterContext(ctx context.Context, msgs []Message, opt Options) ([]Topic, error) {
	opt = opt.withDefaults()
	docs := make([][]term, len(msgs))
	for i, m := range msgs {
		docs[i] = analyze(m.Text)
	}
	voc, vecs := vectorize(docs)
	groups, err := clusterVectors(ctx, vecs, len(voc.keys), opt)
	if err != nil {
		return nil, err
	}
	return describe(msgs, docs, voc, vecs, groups, opt), nil
}

// clusterVectors returns the clusters of at least opt.MinSize members, each
// a list of message indexes in input order, largest first.
func clusterVectors(ctx context.Context, vecs []sparse, dim int, opt Options) ([][]int, error) {
	// Messages without a term shared with another are noise at once.
	var live []int
	for i, v := range vecs {
		if len(v.idx) > 0 {
			live = append(live, i)
		}
	}
	n := len(live)
	if n == 0 {
		return nil, nil
	}
	sample := live
	if n > opt.MaxMessages {
		sample = make([]int, opt.MaxMessages)
		for k := range sample {
			sample[k] = live[k*n/opt.MaxMessages]
		}
	}
	sv := make([]sparse, len(sample))
	for k, i := range sample {
		sv[k] = vecs[i]
	}
	check := ctx.Err
	var sim []float32
	var err error
	if opt.LSA > 0 {
		sim, err = denseSimilarities(lsa(sv, dim, opt.LSA), check)
	} else {
		sim, err = similarities(sv, dim, check)
	}
	if err != nil {
		return nil, err
	}
	merges, err := averageLinkage(sim, len(sv), check)
	if err != nil {
		return nil, err
	}
	labels := cut(merges, len(sv), 1-opt.Threshold)
	byLabel := map[int][]int{}
	for k, l := range labels {
		byLabel[l] = append(byLabel[l], sample[k])
	}
	var groups [][]int
	for _, g := range byLabel {
		if len(g) >= opt.MinSize {
			groups = append(groups, g)
		}
	}
	// The floors below are cosines to a TF-IDF centroid: with LSA the cut
	// is on another scale, so they take the TF-IDF default's.
	floor := math.Sqrt(opt.Threshold)
	if opt.LSA > 0 {
		floor = math.Sqrt(tfidfThreshold)
	}
	if n > len(sample) && len(groups) > 0 {
		groups = attach(vecs, dim, live, sample, groups, floor)
	}
	if len(groups) > 0 {
		groups = refine(vecs, dim, live, groups, refineFloor*floor, opt.MinSize)
	}
	for _, g := range groups {
		slices.Sort(g)
	}
	slices.SortFunc(groups, func(a, b []int) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), cmp.Compare(a[0], b[0]))
	})
	return groups, nil
}

// attach adds the messages outside the sample to the group whose centroid
// is nearest, when the cosine reaches floor (about what a member has at
// the cut: the centroid of unit vectors with mean pairwise cosine t has a
// length near √t).
func attach(vecs []sparse, dim int, live, sample []int, groups [][]int, floor float64) [][]int {
	cents := make([][]float64, len(groups))
	for g, members := range groups {
		cents[g] = centroid(vecs, members, dim)
	}
	inSample := make(map[int]bool, len(sample))
	for _, i := range sample {
		inSample[i] = true
	}
	for _, i := range live {
		if inSample[i] {
			continue
		}
		v := vecs[i]
		best, bestSim := -1, floor
		for g, c := range cents {
			if s := v.dotDense(c); s >= bestSim {
				best, bestSim = g, s
			}
		}
		if best >= 0 {
			groups[best] = append(groups[best], i)
		}
	}
	return groups
}

// centroid is the l2-normalised mean of the members' vectors, dense.
func centroid(vecs []sparse, members []int, dim int) []float64 {
	c := make([]float64, dim)
	for _, i := range members {
		v := vecs[i]
		for k, col := range v.idx {
			c[col] += float64(v.val[k])
		}
	}
	var norm float64
	for _, x := range c {
		norm += x * x
	}
	if norm = math.Sqrt(norm); norm > 0 {
		for k := range c {
			c[k] /= norm
		}
	}
	return c
}

// merge is one step of the dendrogram: clusters a and b (named by one of
// their members) joined at distance h.
type merge struct {
	a, b int32
	h    float32
}

// averageLinkage clusters n items agglomeratively with average linkage by
// the nearest-neighbour chain algorithm. sim holds cosine similarities in
// its upper triangle (row-major n×n); it is overwritten with distances.
// The merges come in chain order, not height order; average linkage is
// reducible, so sorting them by height gives the dendrogram.
func averageLinkage(sim []float32, n int, check func() error) ([]merge, error) {
	d := sim
	for i := range n {
		d[i*n+i] = 0
		for j := i + 1; j < n; j++ {
			x := 1 - d[i*n+j]
			d[i*n+j], d[j*n+i] = x, x
		}
	}
	size := make([]float32, n)
	active := make([]int32, n) // the active items, compacted as they merge
	for i := range n {
		size[i] = 1
		active[i] = int32(i)
	}
	alive := make([]bool, n)
	for i := range alive {
		alive[i] = true
	}
	merges := make([]merge, 0, n)
	chain := make([]int32, 0, n)
	for len(active) > 1 {
		if len(merges)%64 == 0 {
			if err := check(); err != nil {
				return nil, err
			}
		}
		if len(chain) == 0 {
			chain = append(chain, active[0])
		}
		a := chain[len(chain)-1]
		prev, best := int32(-1), int32(-1)
		bestD := float32(math.Inf(1))
		if len(chain) > 1 {
			prev = chain[len(chain)-2]
			best, bestD = prev, d[int(a)*n+int(prev)]
		}
		row := d[int(a)*n : int(a+1)*n]
		for _, k := range active {
			if k != a && row[k] < bestD {
				best, bestD = k, row[k]
			}
		}
		if best != prev {
			chain = append(chain, best)
			continue
		}
		chain = chain[:len(chain)-2]
		merges = append(merges, merge{a: a, b: prev, h: bestD})
		na, nb := size[a], size[prev]
		for _, k := range active {
			if k == a || k == prev {
				continue
			}
			x := (na*d[int(a)*n+int(k)] + nb*d[int(prev)*n+int(k)]) / (na + nb)
			d[int(a)*n+int(k)], d[int(k)*n+int(a)] = x, x
		}
		size[a] += nb
		alive[prev] = false
		active = slices.DeleteFunc(active, func(k int32) bool { return !alive[k] })
	}
	return merges, nil
}

// cut applies the merges no higher than h (lowest first) and returns a
// label per item.
func cut(merges []merge, n int, h float64) []int {
	ms := slices.Clone(merges)
	slices.SortStableFunc(ms, func(x, y merge) int { return cmp.Compare(x.h, y.h) })
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, m := range ms {
		if float64(m.h) > h {
			break
		}
		ra, rb := find(int(m.a)), find(int(m.b))
		if ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = find(i)
	}
	return labels
}

// refineFloor scales √Threshold, about a member's cosine to its centroid at
// the cut, into the least cosine at which refine keeps a message in a
// topic. One pass with 0.6 gained about 0.01 ARI on the bench samples of
// BANKING77 and CLINC150 and put a few noise messages in topics; more
// passes gained nothing.
const refineFloor = 0.6

// refine moves every message to the group whose centroid is nearest (when
// at least floor) and drops groups left under minSize: one k-means step
// seeded by the dendrogram's cut, so members are where Assign would put
// them.
func refine(vecs []sparse, dim int, live []int, groups [][]int, floor float64, minSize int) [][]int {
	cents := make([][]float64, len(groups))
	for g, members := range groups {
		cents[g] = centroid(vecs, members, dim)
	}
	next := make([][]int, len(groups))
	for _, i := range live {
		best, bestSim := -1, floor
		for g, c := range cents {
			if s := vecs[i].dotDense(c); s > bestSim {
				best, bestSim = g, s
			}
		}
		if best >= 0 {
			next[best] = append(next[best], i)
		}
	}
	return slices.DeleteFunc(next, func(g []int) bool { return len(g) < minSize })
}
