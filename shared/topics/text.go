package topics

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// term is one feature of a message: key is what vectors count (stemmed
// English, Chinese n-grams as written), surface how a person would read it.
type term struct {
	key, surface string
	// phrase marks a candidate for a topic's name: English words and
	// bigrams, Chinese n-grams of two or more characters that neither start
	// nor end with a function character.
	phrase bool
}

// maxCJK is the longest Chinese character n-gram.
const maxCJK = 3

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

// span is a token: a Latin-script word or a run of a continuous script.
// clause counts punctuation and script changes, so bigrams never join
// words across them.
type span struct {
	text   string
	cjk    bool
	clause int
}

// tokenize splits normalised text into spans.
func tokenize(text string) []span {
	var out []span
	var b strings.Builder
	inTok, cjk, clause := false, false, 0
	closeTok := func() {
		if inTok {
			out = append(out, span{text: b.String(), cjk: cjk, clause: clause})
			b.Reset()
			inTok = false
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		r = normalizeRune(r)
		switch {
		case isContinuous(r) || isWordRune(r):
			c := isContinuous(r)
			if inTok && c != cjk {
				closeTok()
				clause++
			}
			if !inTok {
				inTok, cjk = true, c
			}
			b.WriteRune(r)
		case isApostrophe(r) && inTok && !cjk:
			// "hasn't" -> "hasnt": keep the word whole.
		case unicode.IsSpace(r), r == '-' && inTok && !cjk:
			// "top-up" is "top up": two words of one clause.
			closeTok()
		default:
			closeTok()
			clause++
		}
	}
	closeTok()
	return out
}

// analyze returns the terms of text, duplicates kept (they are term
// frequencies).
func analyze(text string) []term {
	var out []term
	type word struct {
		stem, surface string
		clause, pos   int
	}
	var words []word
	flush := func() {
		for i, w := range words {
			out = append(out, term{key: w.stem, surface: w.surface, phrase: !isDigits(w.stem) && !enNegation[w.stem]})
			if i > 0 && words[i-1].clause == w.clause {
				// The key ignores order: "password reset" and "reset
				// password" are one term, named as most often written.
				p := words[i-1]
				a, b := p.stem, w.stem
				if a > b {
					a, b = b, a
				}
				// Across a dropped stopword it is a feature, not a name.
				out = append(out, term{key: a + " " + b, surface: p.surface + " " + w.surface, phrase: w.pos == p.pos+1 && !(isDigits(a) && isDigits(b))})
			}
		}
		words = words[:0]
	}
	for pos, s := range tokenize(text) {
		if s.cjk {
			out = appendCJK(out, []rune(s.text))
			continue
		}
		if enStop[s.text] || utf8.RuneCountInString(s.text) < 2 && !isDigits(s.text) {
			continue
		}
		words = append(words, word{stem: stem(s.text), surface: s.text, clause: s.clause, pos: pos})
	}
	flush()
	return out
}

// appendCJK appends the character 1..maxCJK-grams of a run. N-grams of
// function characters only are not terms; n-grams that start or end with
// one are terms but not phrases.
func appendCJK(out []term, run []rune) []term {
	for n := 1; n <= maxCJK; n++ {
		for i := 0; i+n <= len(run); i++ {
			g := run[i : i+n]
			if !slices.ContainsFunc(g, func(r rune) bool { return !zhStopChar[r] }) {
				continue // function characters only
			}
			s := string(g)
			phrase := n > 1 && !zhStopChar[g[0]] && !zhStopChar[g[n-1]] && !zhStopPhrase[s]
			out = append(out, term{key: s, surface: s, phrase: phrase})
		}
	}
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// stem is a light English stemmer: plural and verb endings and a final
// silent e, so "charge", "charges", "charged" and "charging" meet. It only
// touches lower-case ASCII words longer than three letters.
func stem(w string) string {
	if len(w) <= 3 || !isASCIILower(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		w = undouble(w[:len(w)-2])
	}
	if strings.HasSuffix(w, "e") && len(w) > 4 {
		w = w[:len(w)-1]
	}
	return w
}

// undouble drops a doubled final consonant: "stopp" → "stop".
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

func isASCIILower(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// enStop are English function words, dropped before stemming. Words that
// carry a customer's meaning in this domain ("up" in "top up", "not",
// "no") stay.
var enStop = set(`a an the and or but if then so as of at by for with about
	into onto from to in on over under again further once here there when where why how
	all any both each few more most other some such only own same than too very
	i me my mine myself we our ours us you your yours he him his she her hers it its
	they them their theirs this that these those what which who whom whose
	am is are was were be been being have has had having do does did doing done
	will would shall should can could may might must ought
	im ive id youre its dont didnt doesnt cant wont isnt arent wasnt werent hasnt havent
	please hi hello hey thanks thank ok okay yes just also get got still
	want need like know tell let make use able`)

// enNegation are kept as terms (they tell "not received" from "received")
// but name nothing alone.
var enNegation = set(`not no never nothing`)

// zhStopChar are Chinese function characters: alone they are no term, and
// a phrase may not start or end with one.
var zhStopChar = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "的了吗呢吧啊呀么嘛哦哈呗我你您他她它们这那个是在和与及或就都也被把给让请没" {
		m[r] = true
	}
	// 呗 ends 花呗 and 借呗: a product, not a particle, in this domain.
	delete(m, '呗')
	return m
}()

// zhStopPhrase are common Chinese function words of two or three
// characters: terms, never a topic's name.
var zhStopPhrase = set(`怎么 什么 为什么 如何 可以 可不可以 能不能 是不是 有没有 一下 已经 没有
	怎样 怎么办 为啥 多少 多久 哪里 哪个 何时 一般 现在 时候 的话 请问 你好 您好 谢谢 不能 不了 不是 一个 这个 那个 自己 知道 还是 但是 因为 所以 如果`)
