package sentiment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Feature groups, kept in the top two bits of a feature's hash. Each group
// is l2-normalised on its own and then scaled by its weight.
const (
	groupWord = 0 // words, word bigrams, CJK n-grams, negated forms, symbols
	groupChar = 1 // character n-grams inside Latin words
	numGroups = 2
)

const groupShift = 62

func groupOf(h uint64) int { return int(h >> groupShift) }

// Feature kinds, mixed into the hash so that equal strings of different
// kinds are different features.
const (
	kindWord    = 'w'
	kindBigram  = 'b'
	kindChar    = 'c'
	kindCJK     = 'h'
	kindNegWord = 'n' // a Latin word inside a negation's scope
	kindNegCJK  = 'm' // a CJK n-gram inside a negation's scope
	kindSymbol  = 'y' // emoji, emoticons, ! and ?
)

// FeatureConfig says which features the analyzer extracts. The zero value
// means DefaultFeatures.
type FeatureConfig struct {
	CharMin int // shortest character n-gram inside a padded Latin word (0: none)
	CharMax int // longest character n-gram inside a padded Latin word
	CJKMax  int // longest CJK character n-gram (1..4)
	// NegScope is how many Latin words after a negator ("not", "never",
	// "can't"…) are also counted as negated words; 0 disables English
	// negation. Scopes end at punctuation.
	NegScope int
	// CJKNegScope is how many CJK characters after a negator (不, 没, 无…)
	// start negated n-grams; 0 disables Chinese negation.
	CJKNegScope int
	// CharWeight scales the character n-gram group against the word group.
	CharWeight float64
}

// DefaultFeatures is the configuration chosen on folds of the ChnSentiCorp
// and SemEval-2017 4A training files (see BENCH.md).
func DefaultFeatures() FeatureConfig {
	return FeatureConfig{CharMin: 2, CharMax: 5, CJKMax: 3, NegScope: 3, CJKNegScope: 3, CharWeight: 1}
}

// FNV-1a, 64 bit, fed rune by rune so no string is built per n-gram.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStart(kind byte) uint64 { return (fnvOffset ^ uint64(kind)) * fnvPrime }

func hashRune(h uint64, r rune) uint64 {
	u := uint32(r)
	h = (h ^ uint64(u&0xff)) * fnvPrime
	h = (h ^ uint64((u>>8)&0xff)) * fnvPrime
	h = (h ^ uint64((u>>16)&0xff)) * fnvPrime
	h = (h ^ uint64(u>>24)) * fnvPrime
	return h
}

func hashRunes(kind byte, rs []rune) uint64 {
	h := hashStart(kind)
	for _, r := range rs {
		h = hashRune(h, r)
	}
	return h
}

func finish(h uint64, group int) uint64 {
	return h&^(3<<groupShift) | uint64(group)<<groupShift
}

// Token kinds.
const (
	tokWord   = iota // a Latin-script word (letters, digits)
	tokCJK           // a run of CJK characters
	tokSymbol        // an emoji, an emoticon, ! or ?
	tokBreak         // clause punctuation: ends negation scopes and bigrams
)

type token struct {
	start, end int // indexes into the rune buffer
	kind       int
}

// analyzer turns text into hashed features. It keeps buffers between calls
// and is not safe for concurrent use; make one per goroutine.
type analyzer struct {
	cfg    FeatureConfig
	runes  []rune
	tokens []token
}

func newAnalyzer(cfg FeatureConfig) *analyzer { return &analyzer{cfg: cfg} }

// normalizeRune folds case and full-width ASCII forms.
func normalizeRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	}
	return unicode.ToLower(r)
}

func isCJK(r rune) bool {
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '\u2019' }

// isBreak reports clause punctuation, ASCII and CJK.
func isBreak(r rune) bool {
	switch r {
	case '.', ',', ';', ':', '!', '?', '\n', '(', ')', '"',
		'。', '，', '、', '；', '：', '！', '？', '…', '（', '）', '“', '”', '~', '～':
		return true
	}
	return false
}

// emoticons are ASCII faces read as symbols. Longest first where one is a
// prefix of another.
var emoticons = []string{
	":-)", ":)", ":-(", ":(", ":-d", ":d", ";-)", ";)", ":-p", ":p", ":'(", ":/", ":-/",
	"=)", "=(", "<3", "xd", ":o", ":-o", "^_^", "^^", "t_t", ">:(", ":|", ":*", ":3",
}

// placeholder words for Twitter-style noise, so that every URL or
// mention is one feature.
var (
	urlWord  = []rune("_url")
	userWord = []rune("_user")
)

// tokenize fills a.runes and a.tokens from text.
func (a *analyzer) tokenize(text string) {
	a.runes = a.runes[:0]
	a.tokens = a.tokens[:0]
	cur := token{kind: -1}
	closeTok := func() {
		if cur.kind >= 0 {
			cur.end = len(a.runes)
			a.tokens = append(a.tokens, cur)
			cur.kind = -1
		}
	}
	emit := func(kind int, rs []rune) {
		closeTok()
		start := len(a.runes)
		a.runes = append(a.runes, rs...)
		a.tokens = append(a.tokens, token{start: start, end: len(a.runes), kind: kind})
	}
	for i := 0; i < len(text); {
		rest := text[i:]
		// Whole-token patterns first, at a token start.
		if cur.kind != tokWord {
			if n := prefixURL(rest); n > 0 {
				emit(tokWord, urlWord)
				i += n
				continue
			}
			if rest[0] == '@' && len(rest) > 1 && isASCIIWord(rest[1]) {
				n := 1
				for n < len(rest) && isASCIIWord(rest[n]) {
					n++
				}
				emit(tokWord, userWord)
				i += n
				continue
			}
			if n, face := prefixEmoticon(rest); n > 0 {
				emit(tokSymbol, []rune(face))
				i += n
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(rest)
		i += size
		r = normalizeRune(r)
		switch {
		case isCJK(r):
			if cur.kind != tokCJK {
				closeTok()
				cur = token{start: len(a.runes), kind: tokCJK}
			}
			a.runes = append(a.runes, r)
		case isWordRune(r):
			if cur.kind != tokWord {
				closeTok()
				cur = token{start: len(a.runes), kind: tokWord}
			}
			// Elongations ("soooo") keep two of a repeated letter.
			if n := len(a.runes); n-cur.start >= 2 && a.runes[n-1] == r && a.runes[n-2] == r && unicode.IsLetter(r) {
				continue
			}
			a.runes = append(a.runes, r)
		case isApostrophe(r) && cur.kind == tokWord && i < len(text):
			// "hasn't" -> "hasnt": keep the word whole.
		case r == '!' || r == '?':
			emit(tokSymbol, []rune{r})
			emit(tokBreak, nil)
		case isBreak(r):
			closeTok()
			if n := len(a.tokens); n == 0 || a.tokens[n-1].kind != tokBreak {
				emit(tokBreak, nil)
			}
		case unicode.Is(unicode.So, r) || (r >= 0x1F000 && r <= 0x1FAFF):
			emit(tokSymbol, []rune{r})
		default:
			closeTok()
		}
	}
	closeTok()
}

func isASCIIWord(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// prefixURL returns the length of a URL at the start of s, or 0.
func prefixURL(s string) int {
	if !(hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")) {
		return 0
	}
	n := strings.IndexFunc(s, unicode.IsSpace)
	if n < 0 {
		return len(s)
	}
	return n
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// prefixEmoticon returns the length and the lower-case form of an emoticon
// at the start of s. The face must end the token: ":pizza" is no face.
func prefixEmoticon(s string) (int, string) {
	if s[0] >= 0x80 {
		return 0, ""
	}
	for _, e := range emoticons {
		if !hasPrefixFold(s, e) {
			continue
		}
		if len(s) > len(e) && isASCIIWord(s[len(e)]) && isASCIIWord(e[len(e)-1]) {
			continue
		}
		if e == "xd" && len(s) > 2 && isASCIIWord(s[2]) {
			continue
		}
		return len(e), e
	}
	return 0, ""
}

// Negators. English ones are whole words after apostrophes are dropped.
var enNegators = map[string]bool{
	"not": true, "no": true, "never": true, "nothing": true, "nobody": true, "none": true,
	"nor": true, "neither": true, "without": true, "cannot": true, "cant": true, "dont": true,
	"doesnt": true, "didnt": true, "isnt": true, "arent": true, "wasnt": true, "werent": true,
	"wont": true, "wouldnt": true, "shouldnt": true, "couldnt": true, "hasnt": true,
	"havent": true, "hadnt": true, "aint": true, "barely": true, "hardly": true,
}

// zhNegators are single characters that negate what follows.
var zhNegators = map[rune]bool{'不': true, '没': true, '無': true, '无': true, '未': true, '别': true, '非': true, '莫': true, '勿': true, '毋': true, '甭': true}

func isEnNegator(rs []rune) bool {
	if len(rs) < 2 || len(rs) > 8 {
		return false
	}
	if enNegators[string(rs)] {
		return true
	}
	// Any other "…nt" auxiliary spelled with n't: "mustnt", "neednt".
	n := len(rs)
	return n >= 4 && rs[n-1] == 't' && rs[n-2] == 'n' && (rs[n-3] == 'd' || rs[n-3] == 's' || rs[n-3] == 'e')
}

// features appends the hashed features of text to dst and returns it.
// Duplicates are kept: the caller counts them into term frequencies.
func (a *analyzer) features(dst []uint64, text string) []uint64 {
	a.tokenize(text)
	cfg := a.cfg
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
	prev := uint64(0) // the previous Latin word's hash, 0 at a boundary
	neg := 0          // Latin words left in the current negation scope
	for _, t := range a.tokens {
		rs := a.runes[t.start:t.end]
		switch t.kind {
		case tokBreak:
			if prev != 0 {
				dst = append(dst, bigram(prev, 0))
			}
			prev, neg = 0, 0
		case tokSymbol:
			dst = append(dst, finish(hashRunes(kindSymbol, rs), groupWord))
		case tokCJK:
			if prev != 0 {
				dst = append(dst, bigram(prev, 0))
			}
			prev, neg = 0, 0
			dst = a.cjkFeatures(dst, rs)
		case tokWord:
			h := hashRunes(kindWord, rs)
			dst = append(dst, finish(h, groupWord), bigram(prev, h))
			prev = h
			if neg > 0 {
				dst = append(dst, finish(hashRunes(kindNegWord, rs), groupWord))
				neg--
			}
			if cfg.NegScope > 0 && isEnNegator(rs) {
				neg = cfg.NegScope
			}
			if cfg.CharMin > 0 {
				dst = a.charFeatures(dst, rs)
			}
		}
	}
	if prev != 0 {
		dst = append(dst, bigram(prev, 0))
	}
	return dst
}

// charFeatures emits the character n-grams of " word " for n in
// [CharMin, CharMax].
func (a *analyzer) charFeatures(dst []uint64, word []rune) []uint64 {
	const pad = ' '
	n := len(word) + 2
	at := func(i int) rune {
		if i == 0 || i == n-1 {
			return pad
		}
		return word[i-1]
	}
	for size := a.cfg.CharMin; size <= a.cfg.CharMax && size <= n; size++ {
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

// cjkFeatures emits character n-grams, n = 1..CJKMax, of a CJK run, and
// for the n-grams starting within CJKNegScope characters after a negator,
// the same n-grams marked as negated (so "不满意" also yields negated
// "满", "满意").
func (a *analyzer) cjkFeatures(dst []uint64, run []rune) []uint64 {
	maxN := min(max(a.cfg.CJKMax, 1), 4)
	negUntil := -1 // n-grams starting at or before this index are negated
	for i := range run {
		if a.cfg.CJKNegScope > 0 && zhNegators[run[i]] {
			negUntil = i + a.cfg.CJKNegScope
		}
		for size := 1; size <= maxN && i+size <= len(run); size++ {
			dst = append(dst, finish(hashRunes(kindCJK, run[i:i+size]), groupWord))
			if i <= negUntil && !zhNegators[run[i]] && size <= 2 {
				dst = append(dst, finish(hashRunes(kindNegCJK, run[i:i+size]), groupWord))
			}
		}
	}
	return dst
}

// tokenStrings is for tests: the tokens of text as strings, breaks as "|".
func (a *analyzer) tokenStrings(text string) []string {
	a.tokenize(text)
	out := make([]string, len(a.tokens))
	for i, t := range a.tokens {
		if t.kind == tokBreak {
			out[i] = "|"
			continue
		}
		out[i] = string(a.runes[t.start:t.end])
	}
	return out
}
