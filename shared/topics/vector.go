package topics

import (
	"math"
	"slices"
)

// sparse is a sparse vector: column indexes in ascending order and their
// values.
type sparse struct {
	idx []int32
	val []float32
}

func (s sparse) dot(o sparse) float64 {
	var sum float64
	i, j := 0, 0
	for i < len(s.idx) && j < len(o.idx) {
		switch {
		case s.idx[i] < o.idx[j]:
			i++
		case s.idx[i] > o.idx[j]:
			j++
		default:
			sum += float64(s.val[i]) * float64(o.val[j])
			i++
			j++
		}
	}
	return sum
}

// dotDense is s·d for a dense d.
func (s sparse) dotDense(d []float64) float64 {
	var sum float64
	for k, c := range s.idx {
		sum += float64(s.val[k]) * d[c]
	}
	return sum
}

// vocab is one run's vocabulary: a column per term seen in at least two
// messages (a term of one message cannot make two alike), its idf, its surface forms and
// whether it may name a topic.
type vocab struct {
	keys    []string
	idf     []float64
	surface []string // the most frequent surface form
	phrase  []bool
	df      []int
}

// vectorize builds the vocabulary of docs and their TF-IDF vectors:
// sublinear tf (1 + ln tf) times smoothed idf (ln((1+n)/(1+df)) + 1, as
// scikit-learn), l2-normalised. A message without a known term gets an
// empty vector.
func vectorize(docs [][]term) (*vocab, []sparse) {
	const minDF = 2
	type stat struct {
		df       int
		phrase   bool
		surfaces map[string]int
	}
	stats := map[string]*stat{}
	seen := map[string]bool{}
	for _, d := range docs {
		clear(seen)
		for _, t := range d {
			st := stats[t.key]
			if st == nil {
				st = &stat{phrase: t.phrase, surfaces: map[string]int{}}
				stats[t.key] = st
			}
			st.surfaces[t.surface]++
			if !seen[t.key] {
				seen[t.key] = true
				st.df++
			}
		}
	}
	keys := make([]string, 0, len(stats))
	for k, st := range stats {
		if st.df >= minDF {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	v := &vocab{keys: keys, idf: make([]float64, len(keys)), surface: make([]string, len(keys)),
		phrase: make([]bool, len(keys)), df: make([]int, len(keys))}
	col := make(map[string]int32, len(keys))
	n := float64(len(docs))
	for i, k := range keys {
		st := stats[k]
		col[k] = int32(i)
		v.idf[i] = math.Log((1+n)/(1+float64(st.df))) + 1
		v.phrase[i] = st.phrase
		v.df[i] = st.df
		best := ""
		for s, c := range st.surfaces {
			if c > st.surfaces[best] || c == st.surfaces[best] && s < best {
				best = s
			}
		}
		v.surface[i] = best
	}
	vecs := make([]sparse, len(docs))
	tf := map[int32]int{}
	for i, d := range docs {
		clear(tf)
		for _, t := range d {
			if c, ok := col[t.key]; ok {
				tf[c]++
			}
		}
		vecs[i] = weigh(tf, v.idf)
	}
	return v, vecs
}

// weigh turns term counts into an l2-normalised sublinear TF-IDF vector.
func weigh(tf map[int32]int, idf []float64) sparse {
	s := sparse{idx: make([]int32, 0, len(tf)), val: make([]float32, 0, len(tf))}
	for c := range tf {
		s.idx = append(s.idx, c)
	}
	slices.Sort(s.idx)
	var norm float64
	w := make([]float64, len(s.idx))
	for k, c := range s.idx {
		w[k] = (1 + math.Log(float64(tf[c]))) * idf[c]
		norm += w[k] * w[k]
	}
	norm = math.Sqrt(norm)
	for k := range w {
		s.val = append(s.val, float32(w[k]/norm))
	}
	return s
}

// similarities fills the upper triangle of an n×n cosine matrix through an
// inverted index, so pairs that share no term cost nothing. check is
// called between rows and stops the work when it returns an error.
func similarities(vecs []sparse, dim int, check func() error) ([]float32, error) {
	n := len(vecs)
	type posting struct {
		doc int32
		val float32
	}
	post := make([][]posting, dim)
	for i, v := range vecs {
		for k, c := range v.idx {
			post[c] = append(post[c], posting{int32(i), v.val[k]})
		}
	}
	sim := make([]float32, n*n)
	for i, v := range vecs {
		if i%64 == 0 {
			if err := check(); err != nil {
				return nil, err
			}
		}
		row := sim[i*n : (i+1)*n]
		for k, c := range v.idx {
			x := v.val[k]
			ps := post[c]
			// Postings are in document order: start after i.
			lo, _ := slices.BinarySearchFunc(ps, int32(i+1), func(p posting, d int32) int { return int(p.doc - d) })
			for _, p := range ps[lo:] {
				row[p.doc] += x * p.val
			}
		}
	}
	return sim, nil
}
