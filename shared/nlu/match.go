package nlu

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"unicode"
)

// Pair is two questions and whether they ask the same thing (the FAQ
// matching task: does a customer's question match a knowledge-base
// question?).
type Pair struct {
	A, B string
	Same bool
}

// MatcherOptions tunes TrainMatcher. The zero value uses the defaults.
type MatcherOptions struct {
	Seed   uint64
	Epochs int     // passes of SGD over the pairs (default 15)
	L2     float64 // L2 penalty per example (default 1e-6)
	// Folds is the number of internal folds whose out-of-fold scores pick
	// the decision threshold (default 3; 1 picks it on the training scores).
	Folds int
}

func (o MatcherOptions) withDefaults() MatcherOptions {
	if o.Epochs <= 0 {
		o.Epochs = 15
	}
	if o.L2 <= 0 {
		o.L2 = 1e-6
	}
	if o.Folds <= 0 {
		o.Folds = 3
	}
	return o
}

var (
	errNoPairs     = errors.New("nlu: no training pairs")
	errOneSidedSet = errors.New("nlu: training pairs need both matching and non-matching examples")
)

// matchBits is log2 of the hashed weight vector's size.
const matchBits = 22

// Matcher scores whether two short questions ask the same thing. It is a
// logistic regression over pair features, trained by TrainMatcher from
// labelled pairs:
//
//   - similarity measures on characters: Jaccard and overlap of character
//     1-, 2- and 3-grams, TF-IDF cosine, BM25 each way relative to a
//     verbatim match, IDF mass left unmatched on each side, edit distance,
//     longest common substring, length ratio, number and negation
//     mismatches; each both as a value and bucketed, so the linear model can
//     bend;
//   - lexical evidence: the characters and bigrams found on one side only
//     ("花呗" against "借呗"), the pairs of such characters and of such
//     bigrams across the two sides, the bigrams both share, and every
//     character of one side crossed with every character of the other.
//
// A Matcher is safe for concurrent use once trained.
type Matcher struct {
	idf       map[uint64]float64 // char 1-2-gram -> IDF over training sentences
	defIDF    float64            // IDF of an unseen n-gram
	avgLen    float64            // mean terms per training sentence (BM25)
	w         []float64
	bias      float64
	threshold float64
}

// pairText is one side of a pair, analysed once.
type pairText struct {
	runes   []rune
	uni     map[uint64]int // char unigram -> count
	bi      map[uint64]int
	tri     map[uint64]int
	numbers []string
	neg     int
}

var negations = map[rune]bool{'不': true, '没': true, '无': true, '未': true, '别': true, '非': true, '否': true}

func analysePair(s string) pairText {
	var t pairText
	for _, r := range s {
		r = normalizeRune(r)
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '*' {
			t.runes = append(t.runes, r)
		}
	}
	t.uni, t.bi, t.tri = map[uint64]int{}, map[uint64]int{}, map[uint64]int{}
	var num []rune
	for i, r := range t.runes {
		t.uni[hashRune(hashStart('1'), r)]++
		if i > 0 {
			t.bi[hashRune(hashRune(hashStart('2'), t.runes[i-1]), r)]++
		}
		if i > 1 {
			t.tri[hashRune(hashRune(hashRune(hashStart('3'), t.runes[i-2]), t.runes[i-1]), r)]++
		}
		if negations[r] {
			t.neg++
		}
		if unicode.IsDigit(r) {
			num = append(num, r)
		} else if len(num) > 0 {
			t.numbers = append(t.numbers, string(num))
			num = num[:0]
		}
	}
	if len(num) > 0 {
		t.numbers = append(t.numbers, string(num))
	}
	slices.Sort(t.numbers)
	return t
}

// terms are the BM25/TF-IDF terms of a side: its char unigrams and bigrams.
func (t *pairText) terms(yield func(h uint64, tf int)) {
	for h, c := range t.uni {
		yield(h, c)
	}
	for h, c := range t.bi {
		yield(h, c)
	}
}

func (t *pairText) termCount() int { return len(t.runes) + max(0, len(t.runes)-1) }

func (m *Matcher) idfOf(h uint64) float64 {
	if v, ok := m.idf[h]; ok {
		return v
	}
	return m.defIDF
}

// fitIDF computes IDF over the distinct sentences of pairs.
func (m *Matcher) fitIDF(texts []pairText) {
	df := map[uint64]int{}
	var total int
	for i := range texts {
		texts[i].terms(func(h uint64, _ int) { df[h]++ })
		total += texts[i].termCount()
	}
	n := float64(len(texts))
	m.idf = make(map[uint64]float64, len(df))
	for h, d := range df {
		m.idf[h] = math.Log((n+1)/(float64(d)+1)) + 1
	}
	m.defIDF = math.Log(n+1) + 1
	m.avgLen = math.Max(1, float64(total)/math.Max(1, n))
}

// feature is one active input of the linear model.
type feature struct {
	h uint64
	v float64
}

// dense feature ids, also used as bucket feature names.
const (
	fJac1 = iota
	fJac2
	fJac3
	fOver1
	fOver2
	fCos
	fBM25AB
	fBM25BA
	fBM25Min
	fMissA
	fMissB
	fMissMax
	fLenRatio
	fLenDiff
	fEdit
	fLCSMin
	fLCSMax
	fNumDiff
	fNumOne
	fNegDiff
	fIdentical
	numDense
)

func jaccard(a, b map[uint64]int) (jac, over float64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0
	}
	inter := 0
	for h := range a {
		if _, ok := b[h]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter), float64(inter) / float64(min(len(a), len(b)))
}

// bm25Rel is the BM25 score of doc for query, relative to the score of a
// document equal to the query.
func (m *Matcher) bm25Rel(q, d *pairText) float64 {
	const k1, b = 1.2, 0.75
	dl, ql := float64(d.termCount()), float64(q.termCount())
	var s, self float64
	q.terms(func(h uint64, _ int) {
		idf := m.idfOf(h)
		self += idf * (k1 + 1) / (1 + k1*(1-b+b*ql/m.avgLen))
		tf := float64(d.uni[h] + d.bi[h])
		if tf > 0 {
			s += idf * tf * (k1 + 1) / (tf + k1*(1-b+b*dl/m.avgLen))
		}
	})
	if self == 0 {
		return 0
	}
	return s / self
}

// missing is the share of a's IDF mass that b lacks.
func (m *Matcher) missing(a, b *pairText) float64 {
	var all, miss float64
	a.terms(func(h uint64, _ int) {
		idf := m.idfOf(h)
		all += idf
		if b.uni[h]+b.bi[h] == 0 {
			miss += idf
		}
	})
	if all == 0 {
		return 0
	}
	return miss / all
}

func (m *Matcher) cosine(a, b *pairText) float64 {
	var dot, na, nb float64
	a.terms(func(h uint64, c int) {
		w := (1 + math.Log(float64(c))) * m.idfOf(h)
		na += w * w
		if cb := b.uni[h] + b.bi[h]; cb > 0 {
			dot += w * (1 + math.Log(float64(cb))) * m.idfOf(h)
		}
	})
	b.terms(func(h uint64, c int) {
		w := (1 + math.Log(float64(c))) * m.idfOf(h)
		nb += w * w
	})
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c = 1 + min(prev[j-1], prev[j], cur[j-1])
			}
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func longestCommonSubstring(a, b []rune) int {
	best := 0
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				best = max(best, cur[j])
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return best
}

// dense computes the similarity measures of a pair, each in about [0, 1].
func (m *Matcher) dense(a, b *pairText) [numDense]float64 {
	var d [numDense]float64
	d[fJac1], d[fOver1] = jaccard(a.uni, b.uni)
	d[fJac2], d[fOver2] = jaccard(a.bi, b.bi)
	d[fJac3], _ = jaccard(a.tri, b.tri)
	d[fCos] = m.cosine(a, b)
	d[fBM25AB], d[fBM25BA] = m.bm25Rel(a, b), m.bm25Rel(b, a)
	d[fBM25Min] = min(d[fBM25AB], d[fBM25BA])
	d[fMissA], d[fMissB] = m.missing(a, b), m.missing(b, a)
	d[fMissMax] = max(d[fMissA], d[fMissB])
	la, lb := float64(len(a.runes)), float64(len(b.runes))
	if mx := max(la, lb); mx > 0 {
		d[fLenRatio] = min(la, lb) / mx
		d[fEdit] = float64(levenshtein(a.runes, b.runes)) / mx
		lcs := float64(longestCommonSubstring(a.runes, b.runes))
		d[fLCSMax] = lcs / mx
		if mn := min(la, lb); mn > 0 {
			d[fLCSMin] = lcs / mn
		}
	}
	d[fLenDiff] = math.Min(1, math.Abs(la-lb)/20)
	if len(a.numbers) > 0 && len(b.numbers) > 0 && !slices.Equal(a.numbers, b.numbers) {
		d[fNumDiff] = 1
	}
	if (len(a.numbers) == 0) != (len(b.numbers) == 0) {
		d[fNumOne] = 1
	}
	if a.neg%2 != b.neg%2 {
		d[fNegDiff] = 1
	}
	if string(a.runes) == string(b.runes) {
		d[fIdentical] = 1
	}
	return d
}

const denseBuckets = 10

func keyed(kind byte, parts ...uint64) uint64 {
	h := hashStart(kind)
	for _, p := range parts {
		for i := 0; i < 64; i += 8 {
			h = (h ^ (p >> i & 0xff)) * fnvPrime
		}
	}
	return h
}

// features lists the model inputs of a pair; they do not depend on the
// order of the two sides.
func (m *Matcher) features(dst []feature, a, b *pairText) []feature {
	d := m.dense(a, b)
	for i, v := range d {
		dst = append(dst, feature{keyed('v', uint64(i)), v})
		bucket := min(denseBuckets-1, int(math.Max(0, v)*denseBuckets))
		dst = append(dst, feature{keyed('k', uint64(i), uint64(bucket)), 1})
	}
	// Two measures crossed, coarse, for their interaction.
	cb := min(4, int(d[fCos]*5))
	mb := min(4, int(d[fMissMax]*5))
	dst = append(dst, feature{keyed('x', uint64(cb), uint64(mb)), 1})

	onlyA, onlyB := oneSided(a.uni, b.uni), oneSided(b.uni, a.uni)
	for _, h := range onlyA {
		dst = append(dst, feature{keyed('d', h), 1})
	}
	for _, h := range onlyB {
		dst = append(dst, feature{keyed('d', h), 1})
	}
	if len(onlyA) <= 6 && len(onlyB) <= 6 {
		for _, x := range onlyA {
			for _, y := range onlyB {
				dst = append(dst, feature{keyed('p', min(x, y), max(x, y)), 1})
			}
		}
	}
	if len(onlyA) == 0 && len(onlyB) == 0 {
		dst = append(dst, feature{keyed('d'), 1})
	}
	for _, h := range oneSided(a.bi, b.bi) {
		dst = append(dst, feature{keyed('e', h), 1})
	}
	for _, h := range oneSided(b.bi, a.bi) {
		dst = append(dst, feature{keyed('e', h), 1})
	}
	for h := range a.bi {
		if _, ok := b.bi[h]; ok {
			dst = append(dst, feature{keyed('s', h), 0.5})
		}
	}
	{
		ea, eb := oneSided(a.bi, b.bi), oneSided(b.bi, a.bi)
		if len(ea) <= 6 && len(eb) <= 6 {
			for _, x := range ea {
				for _, y := range eb {
					dst = append(dst, feature{keyed('q', min(x, y), max(x, y)), 1})
				}
			}
		}
	}
	// Every character of one side against every character of the other:
	// a quadratic kernel on characters, weak per feature.
	{
		for x := range a.uni {
			for y := range b.uni {
				dst = append(dst, feature{keyed('c', min(x, y), max(x, y)), 0.1})
			}
		}
	}
	return dst
}

// oneSided returns the keys of a missing from b, sorted.
func oneSided(a, b map[uint64]int) []uint64 {
	var out []uint64
	for h := range a {
		if _, ok := b[h]; !ok {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out
}

func (m *Matcher) score(fs []feature) float64 {
	z := m.bias
	mask := uint64(len(m.w) - 1)
	for _, f := range fs {
		z += m.w[f.h&mask] * f.v
	}
	return 1 / (1 + math.Exp(-z))
}

// TrainMatcher fits a Matcher to labelled pairs and picks its decision
// threshold on out-of-fold scores.
func TrainMatcher(pairs []Pair, opts MatcherOptions) (*Matcher, error) {
	opts = opts.withDefaults()
	if len(pairs) == 0 {
		return nil, errNoPairs
	}
	pos := 0
	for _, p := range pairs {
		if p.Same {
			pos++
		}
	}
	if pos == 0 || pos == len(pairs) {
		return nil, errOneSidedSet
	}
	as := make([]pairText, len(pairs))
	bs := make([]pairText, len(pairs))
	for i, p := range pairs {
		as[i], bs[i] = analysePair(p.A), analysePair(p.B)
	}
	labels := make([]string, len(pairs))
	for i, p := range pairs {
		labels[i] = fmt.Sprint(p.Same)
	}
	var oof []scored
	if opts.Folds > 1 && len(pairs) >= 2*opts.Folds {
		fold := StratifiedFolds(labels, opts.Folds, opts.Seed+1)
		for f := range opts.Folds {
			var in, out []int
			for i := range pairs {
				if fold[i] == f {
					out = append(out, i)
				} else {
					in = append(in, i)
				}
			}
			sub := fitMatcher(pairs, as, bs, in, opts)
			for _, i := range out {
				oof = append(oof, scored{sub.score(sub.features(nil, &as[i], &bs[i])), pairs[i].Same})
			}
		}
	}
	all := make([]int, len(pairs))
	for i := range all {
		all[i] = i
	}
	m := fitMatcher(pairs, as, bs, all, opts)
	if oof == nil {
		for i := range pairs {
			oof = append(oof, scored{m.score(m.features(nil, &as[i], &bs[i])), pairs[i].Same})
		}
	}
	m.threshold = bestThreshold(oof)
	return m, nil
}

type scored struct {
	p    float64
	same bool
}

// bestThreshold returns the cut that maximises accuracy, midway between
// neighbouring scores.
func bestThreshold(s []scored) float64 {
	slices.SortFunc(s, func(a, b scored) int { return cmp.Compare(a.p, b.p) })
	// Cut below index i: items [0,i) say "different", [i,n) say "same".
	correct := 0
	for _, x := range s {
		if !x.same {
			correct++ // everything "different" at first
		}
	}
	correct = len(s) - correct // cut at 0: all "same"
	best, bestAt := correct, 0
	for i, x := range s {
		if x.same {
			correct--
		} else {
			correct++
		}
		if i+1 < len(s) && s[i+1].p == x.p {
			continue
		}
		if correct > best {
			best, bestAt = correct, i+1
		}
	}
	switch {
	case bestAt == 0:
		return s[0].p
	case bestAt == len(s):
		return math.Nextafter(s[len(s)-1].p, 2)
	}
	return (s[bestAt-1].p + s[bestAt].p) / 2
}

// fitMatcher trains one logistic regression on the pairs at idx, with IDF from
// their sentences, by AdaGrad.
func fitMatcher(pairs []Pair, as, bs []pairText, idx []int, opts MatcherOptions) *Matcher {
	m := &Matcher{w: make([]float64, 1<<matchBits)}
	seen := map[string]bool{}
	var texts []pairText
	for _, i := range idx {
		for _, t := range []struct {
			s string
			p *pairText
		}{{pairs[i].A, &as[i]}, {pairs[i].B, &bs[i]}} {
			if !seen[t.s] {
				seen[t.s] = true
				texts = append(texts, *t.p)
			}
		}
	}
	m.fitIDF(texts)
	feats := make([][]feature, len(idx))
	for k, i := range idx {
		feats[k] = m.features(nil, &as[i], &bs[i])
	}
	g2 := make([]float64, len(m.w))
	var gb2 float64
	const lr = 0.02
	mask := uint64(len(m.w) - 1)
	order := make([]int, len(idx))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x3a7c))
	for range opts.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			y := 0.0
			if pairs[idx[k]].Same {
				y = 1
			}
			g := m.score(feats[k]) - y
			for _, f := range feats[k] {
				j := f.h & mask
				gj := g*f.v + opts.L2*m.w[j]
				g2[j] += gj * gj
				m.w[j] -= lr * gj / (math.Sqrt(g2[j]) + 1e-8)
			}
			gb2 += g * g
			m.bias -= lr * g / (math.Sqrt(gb2) + 1e-8)
		}
	}
	return m
}

// Score is the probability that a and b ask the same thing.
func (m *Matcher) Score(a, b string) float64 {
	ta, tb := analysePair(a), analysePair(b)
	return m.score(m.features(nil, &ta, &tb))
}

// Match reports whether a and b ask the same thing: Score at or above the
// threshold.
func (m *Matcher) Match(a, b string) bool { return m.Score(a, b) >= m.threshold }

// Threshold is the decision threshold on Score, chosen on out-of-fold
// scores to maximise accuracy.
func (m *Matcher) Threshold() float64 { return m.threshold }
