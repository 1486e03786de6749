package nlu

import (
	"unicode"
	"unicode/utf8"
)

// Feature groups. A feature's group lives in the top two bits of its hash,
// so the vocabulary needs no separate table for it. Each group is
// l2-normalised on its own and then scaled by its weight.
const (
	groupWord = 0 // Latin word uni/bigrams, CJK character uni/bi/trigrams
	groupChar = 1 // character n-grams inside Latin word boundaries
	numGroups = 2
)

const groupShift = 62

func groupOf(h uint64) int { return int(h >> groupShift) }

// Feature kinds, mixed into the hash so that, say, the word "ab" and the
// character bigram "ab" are different features.
const (
	kindWord   = 'w'
	kindBigram = 'b'
	kindChar   = 'c'
	kindCJK    = 'h'
	kindSkip   = 's'
)

// FeatureConfig says which features the analyzer extracts. The zero value is
// not useful; start from DefaultFeatures.
type FeatureConfig struct {
	WordBigrams bool // adjacent Latin word pairs, with sentence boundaries
	// SkipWindow, when above 1, adds ordered pairs of Latin words 2..SkipWindow
	// apart ("card … arrive"), which tolerate inserted words.
	SkipWindow int
	CharMin    int // shortest character n-gram inside a padded word (0 disables)
	CharMax    int // longest character n-gram inside a padded word
	CJKMax     int // longest CJK character n-gram (1..3)
	// CharWeight scales the character n-gram group against the word group
	// after each is l2-normalised.
	CharWeight float64
}

// DefaultFeatures is the configuration chosen by cross-validation on the
// BANKING77 and CLINC150 training splits (see BENCH.md).
func DefaultFeatures() FeatureConfig {
	return FeatureConfig{WordBigrams: true, CharMin: 2, CharMax: 5, CJKMax: 3, CharWeight: 1}
}

// FNV-1a, 64 bit, fed rune by rune so no string is built per n-gram.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStart(kind byte) uint64 { return (fnvOffset ^ uint64(kind)) * fnvPrime }

func hashRune(h uint64, r rune) uint64 {
	// Runes are mixed as four bytes; n-grams are short, this is cheap.
	u := uint32(r)
	h = (h ^ uint64(u&0xff)) * fnvPrime
	h = (h ^ uint64((u>>8)&0xff)) * fnvPrime
	h = (h ^ uint64((u>>16)&0xff)) * fnvPrime
	h = (h ^ uint64(u>>24)) * fnvPrime
	return h
}

func finish(h uint64, group int) uint64 {
	return h&^(3<<groupShift) | uint64(group)<<groupShift
}

// token is a span of normalised runes: a Latin-script word or a run of a
// script written without spaces.
type token struct {
	start, end int // indexes into the rune buffer
	cjk        bool
}

// analyzer turns text into hashed features. It keeps buffers between calls
// and so is not safe for concurrent use; make one per goroutine.
type analyzer struct {
	cfg    FeatureConfig
	runes  []rune
	tokens []token
	words  []uint64 // hashes of the words of the current Latin run
}

func newAnalyzer(cfg FeatureConfig) *analyzer { return &analyzer{cfg: cfg} }

// normalizeRune folds case and full-width ASCII forms.
func normalizeRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		r -= 0xFEE0
	case r == 0x3000: // ideographic space
		r = ' '
	}
	return unicode.ToLower(r)
}

// isContinuous reports whether r belongs to a script written without spaces
// between words, where character n-grams stand in for words.
func isContinuous(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai,
		unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '\u2019' }

// tokenize fills a.runes and a.tokens from text.
func (a *analyzer) tokenize(text string) {
	a.runes = a.runes[:0]
	a.tokens = a.tokens[:0]
	inTok := false
	var cur token
	closeTok := func() {
		if inTok {
			cur.end = len(a.runes)
			a.tokens = append(a.tokens, cur)
			inTok = false
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		r = normalizeRune(r)
		switch {
		case isContinuous(r):
			if inTok && !cur.cjk {
				closeTok()
			}
			if !inTok {
				cur = token{start: len(a.runes), cjk: true}
				inTok = true
			}
			a.runes = append(a.runes, r)
		case isWordRune(r):
			if inTok && cur.cjk {
				closeTok()
			}
			if !inTok {
				cur = token{start: len(a.runes)}
				inTok = true
			}
			a.runes = append(a.runes, r)
		case isApostrophe(r) && inTok && !cur.cjk && i < len(text):
			// "hasn't" -> "hasnt": keep the word whole.
		default:
			closeTok()
		}
	}
	closeTok()
}

// features appends the hashed features of text to dst and returns it.
// Duplicates are kept: the caller counts them into term frequencies.
func (a *analyzer) features(dst []uint64, text string) []uint64 {
	a.tokenize(text)
	cfg := a.cfg
	prev := uint64(0) // hash of the previous word, 0 at a boundary
	const boundary = '^'
	bigram := func(left, right uint64) uint64 {
		b := hashStart(kindBigram)
		if left == 0 {
			b = hashRune(b, boundary)
		} else {
			b = (b ^ left) * fnvPrime
		}
		if right == 0 {
			b = hashRune(b, boundary)
		} else {
			b = (b ^ right) * fnvPrime
		}
		return finish(b, groupWord)
	}
	a.words = a.words[:0]
	for _, t := range a.tokens {
		rs := a.runes[t.start:t.end]
		if t.cjk {
			a.words = a.words[:0]
			if cfg.WordBigrams && prev != 0 {
				dst = append(dst, bigram(prev, 0))
			}
			prev = 0
			dst = a.cjkFeatures(dst, rs)
			continue
		}
		h := hashStart(kindWord)
		for _, r := range rs {
			h = hashRune(h, r)
		}
		dst = append(dst, finish(h, groupWord))
		if cfg.WordBigrams {
			dst = append(dst, bigram(prev, h))
		}
		prev = h
		if cfg.SkipWindow > 1 {
			for d := 2; d <= cfg.SkipWindow && d <= len(a.words); d++ {
				b := (hashStart(kindSkip) ^ a.words[len(a.words)-d]) * fnvPrime
				b = (b ^ h) * fnvPrime
				dst = append(dst, finish(b, groupWord))
			}
			a.words = append(a.words, h)
		}
		if cfg.CharMin > 0 {
			dst = a.charFeatures(dst, rs)
		}
	}
	if cfg.WordBigrams && prev != 0 {
		dst = append(dst, bigram(prev, 0))
	}
	return dst
}

// charFeatures emits the character n-grams of " word " (padded with a
// boundary marker on both sides) for n in [CharMin, CharMax].
func (a *analyzer) charFeatures(dst []uint64, word []rune) []uint64 {
	const pad = ' '
	n := len(word) + 2
	at := func(i int) rune {
		if i == 0 || i == n-1 {
			return pad
		}
		return word[i-1]
	}
	for size := a.cfg.CharMin; size <= a.cfg.CharMax; size++ {
		if size > n {
			break
		}
		for i := 0; i+size <= n; i++ {
			h := hashStart(kindChar)
			for j := i; j < i+size; j++ {
				h = hashRune(h, at(j))
			}
			dst = append(dst, finish(h, groupChar))
		}
	}
	return dst
}

// cjkFeatures emits character n-grams, n = 1..CJKMax, of a run of CJK (or
// other continuous-script) characters.
func (a *analyzer) cjkFeatures(dst []uint64, run []rune) []uint64 {
	maxN := a.cfg.CJKMax
	if maxN < 1 {
		maxN = 1
	}
	for size := 1; size <= maxN; size++ {
		for i := 0; i+size <= len(run); i++ {
			h := hashStart(kindCJK)
			for _, r := range run[i : i+size] {
				h = hashRune(h, r)
			}
			dst = append(dst, finish(h, groupWord))
		}
	}
	return dst
}

// words returns the normalised Latin words and CJK characters of text, the
// terms BM25 indexes. CJK runs contribute single characters and bigrams.
func (a *analyzer) terms(dst []uint64, text string) []uint64 {
	a.tokenize(text)
	for _, t := range a.tokens {
		rs := a.runes[t.start:t.end]
		if t.cjk {
			for size := 1; size <= 2; size++ {
				for i := 0; i+size <= len(rs); i++ {
					h := hashStart(kindCJK)
					for _, r := range rs[i : i+size] {
						h = hashRune(h, r)
					}
					dst = append(dst, h)
				}
			}
			continue
		}
		h := hashStart(kindWord)
		for _, r := range rs {
			h = hashRune(h, r)
		}
		dst = append(dst, h)
	}
	return dst
}

// tokenStrings is for tests and debugging: the tokens of text as strings.
func (a *analyzer) tokenStrings(text string) []string {
	a.tokenize(text)
	out := make([]string, len(a.tokens))
	for i, t := range a.tokens {
		out[i] = string(a.runes[t.start:t.end])
	}
	return out
}
