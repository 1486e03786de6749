package nlu

import (
	"bytes"
	"cmp"
	"encoding/gob"
	"fmt"
	"math"
	"slices"
	"sync"
)

// Hit is one knowledge-base article found by Search.
type Hit struct {
	ArticleID string
	Score     float64 // BM25 score of the article's best-matching variant
	// Match is Score relative to the score a variant identical to the
	// query would get: about 1 for a verbatim match, near 0 for a weak one.
	// Unlike Score it is comparable across queries.
	Match float64
}

// Index is an Okapi BM25 index over knowledge-base question variants. An
// article may have many variants ("how do I reset my PIN", "forgot PIN");
// Search scores each variant and ranks articles by their best one.
//
// Terms are the analyzer's normalised Latin words, and CJK characters and
// character bigrams, so Chinese questions need no word list.
//
// Add and Search may be called concurrently.
type Index struct {
	K1 float64 // term-frequency saturation (default 1.2)
	B  float64 // length normalisation (default 0.75)

	mu       sync.RWMutex
	articles []string             // article id per document
	lengths  []int32              // terms per document
	postings map[uint64][]posting // term -> documents containing it
	totalLen int64
	an       *analyzer
	buf      []uint64
}

type posting struct {
	Doc int32
	TF  int32
}

// NewIndex returns an empty index with the usual parameters.
func NewIndex() *Index {
	return &Index{K1: 1.2, B: 0.75, postings: map[uint64][]posting{}}
}

func (x *Index) analyzer() *analyzer {
	if x.an == nil {
		x.an = newAnalyzer(DefaultFeatures())
	}
	return x.an
}

// Add indexes one question variant of an article.
func (x *Index) Add(articleID, text string) error {
	if articleID == "" {
		return errEmptyArticle
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.postings == nil {
		x.postings = map[uint64][]posting{}
	}
	x.buf = x.analyzer().terms(x.buf[:0], text)
	terms := x.buf
	slices.Sort(terms)
	doc := int32(len(x.articles))
	x.articles = append(x.articles, articleID)
	x.lengths = append(x.lengths, int32(len(terms)))
	x.totalLen += int64(len(terms))
	for i := 0; i < len(terms); {
		j := i + 1
		for j < len(terms) && terms[j] == terms[i] {
			j++
		}
		x.postings[terms[i]] = append(x.postings[terms[i]], posting{Doc: doc, TF: int32(j - i)})
		i = j
	}
	return nil
}

// Len is the number of indexed variants.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.articles)
}

// idf is the BM25 inverse document frequency, ln(1 + (N - df + 0.5)/(df + 0.5)),
// which stays positive for terms in most documents.
func bm25IDF(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// Search returns up to k articles ranked by the BM25 score of their best
// variant against query, best first; ties go to the smaller article id.
// Articles sharing no term with the query are not returned.
func (x *Index) Search(query string, k int) []Hit {
	if k <= 0 {
		return nil
	}
	an := newAnalyzer(DefaultFeatures())
	terms := an.terms(nil, query)
	qlen := len(terms)
	slices.Sort(terms)
	terms = slices.Compact(terms) // BM25 sums each distinct query term once

	x.mu.RLock()
	defer x.mu.RUnlock()
	n := len(x.articles)
	if n == 0 {
		return nil
	}
	k1, b := x.K1, x.B
	if k1 <= 0 {
		k1 = 1.2
	}
	if b < 0 || b > 1 {
		b = 0.75
	}
	avg := float64(x.totalLen) / float64(n)
	if avg == 0 {
		avg = 1
	}
	scores := map[int32]float64{}
	selfNorm := k1 * (1 - b + b*float64(qlen)/avg)
	var self float64 // score of a variant equal to the query
	for _, t := range terms {
		ps := x.postings[t]
		idf := bm25IDF(n, len(ps))
		self += idf * (k1 + 1) / (1 + selfNorm)
		if len(ps) == 0 {
			continue
		}
		for _, p := range ps {
			tf := float64(p.TF)
			norm := k1 * (1 - b + b*float64(x.lengths[p.Doc])/avg)
			scores[p.Doc] += idf * tf * (k1 + 1) / (tf + norm)
		}
	}
	best := map[string]float64{}
	for doc, s := range scores {
		id := x.articles[doc]
		if s > best[id] {
			best[id] = s
		}
	}
	hits := make([]Hit, 0, len(best))
	for id, s := range best {
		hits = append(hits, Hit{ArticleID: id, Score: s, Match: s / self})
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ArticleID, b.ArticleID))
	})
	return hits[:min(k, len(hits))]
}

// indexFile is the serialised form of an Index.
type indexFile struct {
	Format   string
	K1, B    float64
	Articles []string
	Lengths  []int32
	Terms    []uint64
	Postings [][]posting
}

// Marshal serialises the index.
func (x *Index) Marshal() ([]byte, error) {
	x.mu.RLock()
	f := indexFile{Format: FormatVersion, K1: x.K1, B: x.B, Articles: x.articles, Lengths: x.lengths}
	for t := range x.postings {
		f.Terms = append(f.Terms, t)
	}
	slices.Sort(f.Terms)
	for _, t := range f.Terms {
		f.Postings = append(f.Postings, x.postings[t])
	}
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(&f)
	x.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("marshal bm25 index: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalIndex loads an index written by Index.Marshal.
func UnmarshalIndex(data []byte) (*Index, error) {
	var f indexFile
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: index: %w", errBadModel, err)
	}
	if f.Format != FormatVersion {
		return nil, fmt.Errorf("%w: index %q, want %q", errFormat, f.Format, FormatVersion)
	}
	if len(f.Terms) != len(f.Postings) || len(f.Articles) != len(f.Lengths) {
		return nil, fmt.Errorf("%w: index: inconsistent sizes", errBadModel)
	}
	x := &Index{K1: f.K1, B: f.B, articles: f.Articles, lengths: f.Lengths,
		postings: make(map[uint64][]posting, len(f.Terms))}
	for i, t := range f.Terms {
		for _, p := range f.Postings[i] {
			if p.Doc < 0 || int(p.Doc) >= len(f.Articles) {
				return nil, fmt.Errorf("%w: index: posting out of range", errBadModel)
			}
		}
		x.postings[t] = f.Postings[i]
	}
	for _, l := range f.Lengths {
		x.totalLen += int64(l)
	}
	return x, nil
}
