package topics

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxExampleRunes bounds an example message's length.
const maxExampleRunes = 200

// describe turns groups of message indexes into named topics.
func describe(msgs []Message, docs [][]term, voc *vocab, vecs []sparse, groups [][]int, opt Options) []Topic {
	if len(groups) == 0 {
		return nil
	}
	col := make(map[string]int, len(voc.keys))
	for i, k := range voc.keys {
		col[k] = i
	}
	// avg is the mean messages per topic: c-TF-IDF's A.
	clustered := 0
	for _, g := range groups {
		clustered += len(g)
	}
	avg := float64(clustered) / float64(len(groups))
	topics := make([]Topic, 0, len(groups))
	for _, g := range groups {
		c := centroid(vecs, g, len(voc.keys))
		t := Topic{Size: len(g), Centroid: topCentroid(c, voc, opt.CentroidTerms)}
		t.Phrases = phrases(docs, g, voc, col, avg, opt.Phrases)
		t.Name = strings.Join(t.Phrases[:min(len(t.Phrases), opt.NamePhrases)], " / ")
		t.Examples = examples(msgs, vecs, g, c, opt.Examples)
		for _, i := range g {
			m := msgs[i]
			if m.ID != "" {
				t.MessageIDs = append(t.MessageIDs, m.ID)
			}
			if !m.At.IsZero() && (t.First.IsZero() || m.At.Before(t.First)) {
				t.First = m.At
			}
			if m.At.After(t.Last) {
				t.Last = m.At
			}
		}
		topics = append(topics, t)
	}
	return topics
}

// topCentroid keeps the heaviest terms of a dense centroid, renormalised.
func topCentroid(c []float64, voc *vocab, limit int) Centroid {
	var out Centroid
	for k, w := range c {
		if w > 0 {
			out = append(out, Term{Text: voc.keys[k], Weight: w, IDF: voc.idf[k]})
		}
	}
	sortTerms(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out.normalized()
}

func sortTerms(ts []Term) {
	slices.SortFunc(ts, func(a, b Term) int {
		return cmp.Or(cmp.Compare(b.Weight, a.Weight), cmp.Compare(a.Text, b.Text))
	})
}

// normalized returns c scaled to unit length.
func (c Centroid) normalized() Centroid {
	var norm float64
	for _, t := range c {
		norm += t.Weight * t.Weight
	}
	if norm = math.Sqrt(norm); norm == 0 {
		return c
	}
	for k := range c {
		c[k].Weight /= norm
	}
	return c
}

// candidate is a phrase that may name a topic.
type candidate struct {
	col   int
	key   string
	count int // members containing it
	score float64
}

// phrases ranks the naming candidates of one group by class-based TF-IDF:
// count in the group × ln(1 + A / df in the run), A the mean topic size.
// A phrase inside a longer candidate that most of its occurrences belong to
// ("top" in "top up", "信用" in "信用卡") gives way to the longer one, and
// a phrase overlapping one already taken is skipped.
func phrases(docs [][]term, group []int, voc *vocab, col map[string]int, avg float64, limit int) []string {
	count := map[int]int{}
	seen := map[int]bool{}
	for _, i := range group {
		clear(seen)
		for _, t := range docs[i] {
			if c, ok := col[t.key]; ok && voc.phrase[c] && !seen[c] {
				seen[c] = true
				count[c]++
			}
		}
	}
	minCount := 2
	if len(group) < 4 {
		minCount = 1
	}
	var cands []candidate
	for c, n := range count {
		if n < minCount {
			continue
		}
		cands = append(cands, candidate{col: c, key: voc.keys[c], count: n,
			score: float64(n) * math.Log(1+avg/float64(voc.df[c]))})
	}
	// A phrase yields to a longer one that covers most of its occurrences.
	var kept []candidate
	for _, p := range cands {
		covered := slices.ContainsFunc(cands, func(q candidate) bool {
			return len(q.key) > len(p.key) && contains(q.key, p.key) && float64(q.count) >= 0.85*float64(p.count)
		})
		if !covered {
			kept = append(kept, p)
		}
	}
	slices.SortFunc(kept, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(b.count, a.count), cmp.Compare(a.key, b.key))
	})
	var out []string
	var taken []string
	for _, p := range kept {
		if len(out) == limit {
			break
		}
		if slices.ContainsFunc(taken, func(q string) bool { return overlaps(p.key, q) }) {
			continue
		}
		taken = append(taken, p.key)
		out = append(out, voc.surface[p.col])
	}
	return out
}

// contains reports whether phrase q contains p: as whole words for English,
// as a substring for Chinese.
func contains(q, p string) bool {
	if isCJKString(p) {
		return strings.Contains(q, p)
	}
	return slices.Contains(strings.Fields(q), p) || strings.Contains(" "+q+" ", " "+p+" ")
}

// overlaps reports whether two phrases repeat each other: one contains the
// other, or (Chinese) one's end is the other's start ("信用" and "用卡").
func overlaps(p, q string) bool {
	if contains(p, q) || contains(q, p) {
		return true
	}
	if !isCJKString(p) || !isCJKString(q) {
		return false
	}
	pr, qr := []rune(p), []rune(q)
	return pr[len(pr)-1] == qr[0] || qr[len(qr)-1] == pr[0]
}

func isCJKString(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isContinuous(r)
}

// examples returns up to limit distinct member texts, nearest the centroid
// first.
func examples(msgs []Message, vecs []sparse, group []int, c []float64, limit int) []string {
	type near struct {
		i   int
		sim float64
	}
	ns := make([]near, len(group))
	for k, i := range group {
		ns[k] = near{i, vecs[i].dotDense(c)}
	}
	slices.SortStableFunc(ns, func(a, b near) int { return cmp.Compare(b.sim, a.sim) })
	var out []string
	seen := map[string]bool{}
	for _, n := range ns {
		if len(out) == limit {
			break
		}
		text := strings.TrimSpace(msgs[n.i].Text)
		key := strings.ToLower(strings.Join(strings.Fields(text), " "))
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		if r := []rune(text); len(r) > maxExampleRunes {
			text = string(r[:maxExampleRunes]) + "…"
		}
		out = append(out, text)
	}
	return out
}
