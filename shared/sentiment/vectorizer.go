package sentiment

import (
	"math"
	"slices"
)

// sparse is a sparse feature vector: columns in ascending order and values.
type sparse struct {
	idx []int32
	val []float32
}

// vectorizer maps text to TF-IDF vectors over the features seen in training.
type vectorizer struct {
	cfg   FeatureConfig
	hash  []uint64 // feature hash per column, ascending
	idf   []float32
	col   map[uint64]int32
	group [numGroups]float64 // weight per group
}

// fitVectorizer builds the vocabulary and idf from the training texts.
// Features in fewer than minDF texts are dropped.
func fitVectorizer(cfg FeatureConfig, texts []string, minDF int) *vectorizer {
	an := newAnalyzer(cfg)
	df := make(map[uint64]int32)
	var buf []uint64
	for _, t := range texts {
		buf = an.features(buf[:0], t)
		slices.Sort(buf)
		buf = slices.Compact(buf)
		for _, h := range buf {
			df[h]++
		}
	}
	hashes := make([]uint64, 0, len(df))
	for h, n := range df {
		if int(n) >= minDF {
			hashes = append(hashes, h)
		}
	}
	slices.Sort(hashes)
	n := float64(len(texts))
	idf := make([]float32, len(hashes))
	for i, h := range hashes {
		// Smoothed idf, as scikit-learn: ln((1+n)/(1+df)) + 1.
		idf[i] = float32(math.Log((1+n)/(1+float64(df[h]))) + 1)
	}
	return newVectorizer(cfg, hashes, idf)
}

func newVectorizer(cfg FeatureConfig, hashes []uint64, idf []float32) *vectorizer {
	v := &vectorizer{cfg: cfg, hash: hashes, idf: idf, col: make(map[uint64]int32, len(hashes))}
	for i, h := range hashes {
		v.col[h] = int32(i)
	}
	v.group[groupWord] = 1
	v.group[groupChar] = cfg.CharWeight
	return v
}

func (v *vectorizer) dim() int { return len(v.hash) }

// transformer holds per-goroutine scratch space for vectorising text.
type transformer struct {
	v      *vectorizer
	an     *analyzer
	buf    []uint64
	groups []uint8
	vec    sparse
	scores []float64
}

func (v *vectorizer) newTransformer() *transformer {
	return &transformer{v: v, an: newAnalyzer(v.cfg)}
}

// transform vectorises text into dst (reusing its storage): sublinear tf
// times idf, each group l2-normalised and scaled by its weight. Features
// not in the vocabulary are ignored.
func (t *transformer) transform(dst sparse, text string) sparse {
	v := t.v
	t.buf = t.an.features(t.buf[:0], text)
	slices.Sort(t.buf)
	dst.idx = dst.idx[:0]
	dst.val = dst.val[:0]
	var norm [numGroups]float64
	groups := t.groups[:0]
	for i := 0; i < len(t.buf); {
		h := t.buf[i]
		j := i + 1
		for j < len(t.buf) && t.buf[j] == h {
			j++
		}
		tf := j - i
		i = j
		c, ok := v.col[h]
		if !ok {
			continue
		}
		w := (1 + math.Log(float64(tf))) * float64(v.idf[c])
		g := groupOf(h)
		norm[g] += w * w
		dst.idx = append(dst.idx, c)
		dst.val = append(dst.val, float32(w))
		groups = append(groups, uint8(g))
	}
	var scale [numGroups]float64
	for g := range norm {
		if norm[g] > 0 {
			scale[g] = v.group[g] / math.Sqrt(norm[g])
		}
	}
	for i := range dst.val {
		dst.val[i] = float32(float64(dst.val[i]) * scale[groups[i]])
	}
	t.groups = groups
	// Hash order is column order, and buf was sorted by hash.
	return dst
}
