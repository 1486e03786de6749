package topics

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxExampleRunes bounds an example message's length, maxNameRunes a name
// made of one.
const (
	maxExampleRunes = 200
	maxNameRunes    = 40
)

// truncate cuts text to n runes, marking the cut.
func truncate(text string, n int) string {
	if r := []rune(text); len(r) > n {
		return string(r[:n]) + "…"
	}
	return text
}

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
	glue := newGlue(msgs)
	topics := make([]Topic, 0, len(groups))
	for _, g := range groups {
		c := centroid(vecs, g, len(voc.keys))
		t := Topic{Size: len(g), Centroid: topCentroid(c, voc, opt.CentroidTerms)}
		var seqs []unitSeq
		for _, i := range g {
			seqs = append(seqs, unitSeqs(msgs[i].Text)...)
		}
		t.Phrases = phrases(docs, g, seqs, glue, voc, col, avg, opt.Phrases)
		t.Name = strings.Join(t.Phrases[:min(len(t.Phrases), opt.NamePhrases)], " / ")
		t.Examples = examples(msgs, vecs, g, c, opt.Examples)
		if t.Name == "" && len(t.Examples) > 0 {
			// No phrase could name it (digits, function words): its most
			// central message does.
			t.Name = truncate(t.Examples[0], maxNameRunes)
		}
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

// bigramBoost favours English word pairs over single words in names: "oil
// change" tells more than "oil".
const bigramBoost = 1.5

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
// ("top" in "top up", "信用" in "信用卡") gives way to the longer one; a
// fragment is grown to the words around it (grow), function words at its
// ends are trimmed, and a phrase overlapping one already taken is skipped.
func phrases(docs [][]term, group []int, seqs []unitSeq, glue *glue, voc *vocab, col map[string]int, avg float64, limit int) []string {
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
		score := float64(n) * math.Log(1+avg/float64(voc.df[c]))
		if strings.Contains(voc.keys[c], " ") {
			score *= bigramBoost
		}
		cands = append(cands, candidate{col: c, key: voc.keys[c], count: n, score: score})
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
	// Grow and trim the best candidates, then rank them again by how many
	// members the grown phrase is in: "花呗额度不够" is in fewer than
	// "额度不够".
	type named struct {
		name  string
		score float64
	}
	var grown []named
	for _, p := range kept[:min(len(kept), 4*limit)] {
		surface := voc.surface[p.col]
		cjk := isCJKString(surface)
		var units []string
		if cjk {
			for _, r := range surface {
				units = append(units, string(r))
			}
		} else {
			units = strings.Fields(surface)
		}
		orig := units
		units = trimUnits(grow(units, cjk, seqs), cjk)
		if cjk {
			units = glue.trim(units)
		}
		if len(units) == 0 || cjk && len(units) < 2 || !cjk && len(units) == 1 && enNegation[units[0]] {
			continue
		}
		score := p.score
		if !slices.Equal(units, orig) {
			// Counted on the surface: the share of the original's messages
			// the changed phrase keeps (a trimmed phrase may be in more;
			// it then ranks as its own candidate).
			score *= min(1, float64(occurrences(units, cjk, seqs))/float64(max(1, occurrences(orig, cjk, seqs))))
		}
		grown = append(grown, named{joinUnits(units, cjk), score})
	}
	slices.SortStableFunc(grown, func(a, b named) int { return cmp.Compare(b.score, a.score) })
	var out []string
	for _, g := range grown {
		if len(out) == limit {
			break
		}
		if slices.ContainsFunc(out, func(q string) bool { return overlaps(g.name, q) }) {
			continue
		}
		out = append(out, g.name)
	}
	return out
}

func joinUnits(units []string, cjk bool) string {
	if cjk {
		return strings.Join(units, "")
	}
	return strings.Join(units, " ")
}

// occurrences counts the sequences that hold units.
func occurrences(units []string, cjk bool, seqs []unitSeq) int {
	n := 0
	for _, sq := range seqs {
		if sq.cjk != cjk {
			continue
		}
		for i := 0; i+len(units) <= len(sq.units); i++ {
			if slices.Equal(sq.units[i:i+len(units)], units) {
				n++
				break
			}
		}
	}
	return n
}

// unitSeq is a run of units a phrase may span: the characters of a Chinese
// run or the words of an English clause (stopwords included).
type unitSeq struct {
	units []string
	cjk   bool
}

func unitSeqs(text string) []unitSeq {
	var out []unitSeq
	var cur unitSeq
	clause := -1
	flush := func() {
		if len(cur.units) > 0 {
			out = append(out, cur)
		}
		cur = unitSeq{}
	}
	for _, sp := range tokenize(text) {
		if sp.cjk {
			flush()
			cur.cjk = true
			for _, r := range sp.text {
				cur.units = append(cur.units, string(r))
			}
			flush()
			continue
		}
		if sp.clause != clause {
			flush()
			clause = sp.clause
		}
		cur.units = append(cur.units, sp.text)
	}
	flush()
	return out
}

// Growing a phrase: a neighbour that follows (or precedes) at least
// growShare of its occurrences joins it, up to a length in units.
const (
	growShare   = 0.8
	maxCJKUnits = 6
	maxEnUnits  = 4
)

// grow extends a phrase while one unit on a side accompanies most of its
// occurrences in seqs: "度不够" becomes "额度不够" when nearly every "度不够"
// follows "额"; "auto top" becomes "auto top up".
func grow(units []string, cjk bool, seqs []unitSeq) []string {
	limit := maxEnUnits
	if cjk {
		limit = maxCJKUnits
	}
	units = slices.Clone(units)
	for len(units) < limit {
		occ := 0
		left, right := map[string]int{}, map[string]int{}
		for _, sq := range seqs {
			if sq.cjk != cjk {
				continue
			}
			for i := 0; i+len(units) <= len(sq.units); i++ {
				if !slices.Equal(sq.units[i:i+len(units)], units) {
					continue
				}
				occ++
				if i > 0 {
					left[sq.units[i-1]]++
				}
				if j := i + len(units); j < len(sq.units) {
					right[sq.units[j]]++
				}
			}
		}
		if occ < 2 {
			break
		}
		if u, n := dominant(left); float64(n) >= growShare*float64(occ) {
			units = slices.Insert(units, 0, u)
		} else if u, n := dominant(right); float64(n) >= growShare*float64(occ) {
			units = append(units, u)
		} else {
			break
		}
	}
	return units
}

// dominant is the most frequent unit and its count (ties: the first in
// order, so names are deterministic).
func dominant(m map[string]int) (string, int) {
	best, n := "", 0
	for u, c := range m {
		if c > n || c == n && u < best {
			best, n = u, c
		}
	}
	return best, n
}

// trimUnits drops function words from both ends of a phrase: English
// stopwords; Chinese function characters and function words.
func trimUnits(units []string, cjk bool) []string {
	if !cjk {
		for len(units) > 0 && enStop[units[0]] {
			units = units[1:]
		}
		for len(units) > 0 && enStop[units[len(units)-1]] {
			units = units[:len(units)-1]
		}
		return units
	}
	for changed := true; changed && len(units) > 0; {
		changed = false
		for n := min(3, len(units)); n >= 1; n-- {
			if w := strings.Join(units[:n], ""); n == 1 && zhStopChar[[]rune(w)[0]] || n > 1 && zhStopPhrase[w] {
				units, changed = units[n:], true
				break
			}
		}
		for n := min(3, len(units)); n >= 1 && !changed; n-- {
			if w := strings.Join(units[len(units)-n:], ""); n == 1 && zhStopChar[[]rune(w)[0]] || n > 1 && zhStopPhrase[w] {
				units, changed = units[:len(units)-n], true
				break
			}
		}
	}
	return units
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
// other, two English pairs start with the same word, or (Chinese) one's
// end is the other's start ("信用" and "用卡").
func overlaps(p, q string) bool {
	if contains(p, q) || contains(q, p) {
		return true
	}
	if pc, qc := isCJKString(p), isCJKString(q); !pc && !qc {
		// English pairs with the same first word repeat each other
		// ("disposable cards", "disposable virtual"); the same last word
		// is a family ("electric bill", "water bill").
		pw, qw := strings.Fields(p), strings.Fields(q)
		return len(pw) > 1 && len(qw) > 1 && stem(pw[0]) == stem(qw[0])
	} else if !pc || !qc {
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
		out = append(out, truncate(text, maxExampleRunes))
	}
	return out
}

// glue measures, over a run's Chinese text, how often a character is the
// inside of a longer word: the share of a character's occurrences that
// follow (or precede) a character which is nearly always followed (or
// preceded) by it. 呗 after 花 and 借 is glued to its left, so "呗额度" is
// no phrase; 额 after 呗 is not, so "额度" is.
type glue struct {
	uni   map[rune]int
	bi    map[[2]rune]int
	prevs map[rune][]rune
	nexts map[rune][]rune
}

// glueShare is the conditional probability that binds two characters, and
// gluedShare the share of occurrences so bound that make a character an
// inside one.
const (
	glueMin    = 3
	glueShare  = 0.8
	gluedShare = 0.6
)

func newGlue(msgs []Message) *glue {
	g := &glue{uni: map[rune]int{}, bi: map[[2]rune]int{}, prevs: map[rune][]rune{}, nexts: map[rune][]rune{}}
	for _, m := range msgs {
		for _, sp := range tokenize(m.Text) {
			if !sp.cjk {
				continue
			}
			rs := []rune(sp.text)
			for i, r := range rs {
				g.uni[r]++
				if i == 0 {
					continue
				}
				k := [2]rune{rs[i-1], r}
				if g.bi[k] == 0 {
					g.prevs[r] = append(g.prevs[r], rs[i-1])
					g.nexts[rs[i-1]] = append(g.nexts[rs[i-1]], r)
				}
				g.bi[k]++
			}
		}
	}
	return g
}

// binds reports whether the pair ab, seen c times, binds: c is most of
// total, it is seen a few times, and neither is a function character.
func (g *glue) binds(a, b rune, c, total int) bool {
	return c >= glueMin && float64(c) >= glueShare*float64(total) && !zhStopChar[a] && !zhStopChar[b]
}

// gluedLeft is the share of b's occurrences after a character that is
// nearly always followed by b.
func (g *glue) gluedLeft(b rune) float64 {
	var n int
	for _, a := range g.prevs[b] {
		if c := g.bi[[2]rune{a, b}]; g.binds(a, b, c, g.uni[a]) {
			n += c
		}
	}
	return float64(n) / float64(max(1, g.uni[b]))
}

// gluedRight is the share of a's occurrences before a character that is
// nearly always preceded by a.
func (g *glue) gluedRight(a rune) float64 {
	var n int
	for _, b := range g.nexts[a] {
		if c := g.bi[[2]rune{a, b}]; g.binds(a, b, c, g.uni[b]) {
			n += c
		}
	}
	return float64(n) / float64(max(1, g.uni[a]))
}

// trim drops a character glued to the outside from each end of a phrase
// (one at most: in a small run a whole phrase can look glued), then
// function words it uncovered.
func (g *glue) trim(units []string) []string {
	if len(units) > 2 && g.gluedLeft([]rune(units[0])[0]) >= gluedShare {
		units = units[1:]
	}
	if len(units) > 2 && g.gluedRight([]rune(units[len(units)-1])[0]) >= gluedShare {
		units = units[:len(units)-1]
	}
	return trimUnits(units, true)
}
