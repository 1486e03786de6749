package inspect

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold is the form phrases and texts are compared in: full-width forms folded to their ASCII
// (Ａ→A, ０→0, the ideographic space to a space), lower case, every run of punctuation, symbols
// and white space one space, trimmed, and no space between two characters of unspaced scripts
// (a recogniser's "您 好" is "您好"). "您好，请问" and "您好 请问" fold alike; so do "HELLO!"
// and "hello".
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	var last rune
	for _, r := range s {
		r = foldRune(r)
		if r == ' ' {
			space = b.Len() > 0
			continue
		}
		if space && !(unspaced(last) && unspaced(r)) {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		last = r
	}
	return b.String()
}

// unspaced says whether r is of a script written without spaces between words.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// foldRune folds one rune: full-width ASCII to ASCII, case to lower, every separator, punctuation
// or symbol (and what is not valid text) to ' '.
func foldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	case r == utf8.RuneError:
		return ' '
	}
	if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
		return ' '
	}
	return unicode.ToLower(r)
}

// wordRune says whether r is part of a word whose edges a match must respect: letters and digits
// of scripts written with spaces. Han, kana and hangul are not: "您好" matches inside "您好啊".
func wordRune(r rune) bool {
	if unspaced(r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// Phrases matches texts against a list of phrases. Build it with NewPhrases.
type Phrases struct {
	orig   []string // as written, for the violation's detail
	folded []string // Fold of each; "" for a phrase with nothing to match
}

// NewPhrases folds list once.
func NewPhrases(list []string) Phrases {
	p := Phrases{orig: list, folded: make([]string, len(list))}
	for i, s := range list {
		p.folded[i] = Fold(s)
	}
	return p
}

// Find returns the first phrase (as written) that text contains, and whether one does. A phrase
// matches on the folded forms; where its first or last character is a letter or digit of a
// spaced script, the text's neighbouring character must not be one ("no" is not found in
// "not"); Chinese phrases match anywhere.
func (p Phrases) Find(text string) (string, bool) {
	if len(p.folded) == 0 {
		return "", false
	}
	ft := Fold(text)
	for i, f := range p.folded {
		if f != "" && containsWord(ft, f) {
			return p.orig[i], true
		}
	}
	return "", false
}

// containsWord reports whether folded text holds folded phrase at word edges.
func containsWord(text, phrase string) bool {
	first, _ := utf8.DecodeRuneInString(phrase)
	last, _ := utf8.DecodeLastRuneInString(phrase)
	for from := 0; from <= len(text)-len(phrase); {
		i := strings.Index(text[from:], phrase)
		if i < 0 {
			return false
		}
		i += from
		j := i + len(phrase)
		okStart, okEnd := true, true
		if wordRune(first) && i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:i])
			okStart = !wordRune(prev)
		}
		if wordRune(last) && j < len(text) {
			next, _ := utf8.DecodeRuneInString(text[j:])
			okEnd = !wordRune(next)
		}
		if okStart && okEnd {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		from = i + size
	}
	return false
}

// Words counts the words of text for the speaking share: each Han, kana or hangul character is a
// word, and so is each run of other letters or digits.
func Words(text string) int {
	n, in := 0, false
	for _, r := range text {
		r = foldRune(r)
		switch {
		case unspaced(r):
			n++
			in = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if !in {
				n++
			}
			in = true
		default:
			in = false
		}
	}
	return n
}
