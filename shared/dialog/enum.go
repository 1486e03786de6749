package dialog

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// EnumValue is one value of an enum slot: its canonical value (what the slot
// holds and webhooks receive), the phrases customers say for it in each
// language, and an optional keypad key for voice.
type EnumValue struct {
	// Value is what the slot holds ([A-Za-z0-9_.-], at most 64).
	Value string `json:"value"`
	// Synonyms are the phrases for the value, per language. The first in a
	// language is the value's label there (Label): what a chat's button shows
	// and what {{slot}} reads as in that language.
	Synonyms map[Lang][]string `json:"synonyms,omitempty"`
	// DTMF is the keypad key (1–3 digits) that picks the value by phone.
	DTMF string `json:"dtmf,omitempty"`
}

// MatchEnum returns the value of values that text names, matching each
// value's synonyms in every language and the value itself ("debit_card"
// also matches "debit card"). Chinese phrases match anywhere in the text,
// Latin ones as whole words, case- and width-insensitively; a phrase right
// after a negation ("not", "不是", "不要") does not count. The longest
// matching phrase wins over phrases inside it ("credit card" over "card");
// two values named apart ("debit or credit") is no match. Failing any
// match, a single-letter typo in a Latin phrase of five letters or more is
// forgiven.
func MatchEnum(text string, values []EnumValue) (string, bool) {
	n := normalize(text)
	han := compactSpaces(n)
	latin := " " + strings.Join(words(n), " ") + " "
	hits := make([]phraseHit, len(values))
	best := -1
	for i, v := range values {
		for _, p := range enumPhrases(v) {
			if h, ok := findPhrase(p, han, latin); ok && h.score > hits[i].score {
				hits[i] = h
			}
		}
		if hits[i].score > 0 && (best < 0 || hits[i].score > hits[best].score) {
			best = i
		}
	}
	if best >= 0 {
		for i, h := range hits {
			if i == best || h.score == 0 {
				continue
			}
			if h.score == hits[best].score || !h.overlaps(hits[best]) {
				return "", false
			}
		}
		return values[best].Value, true
	}
	// Typos: one edit in a Latin phrase of five letters or more.
	tw := words(n)
	best = -1
	for i, v := range values {
		for _, p := range enumPhrases(v) {
			pn := strings.Join(words(normalize(p)), " ")
			if utf8.RuneCountInString(pn) < 5 || hasHan(pn) || !typoMatch(pn, tw) {
				continue
			}
			if best >= 0 && best != i {
				return "", false
			}
			best = i
		}
	}
	if best >= 0 {
		return values[best].Value, true
	}
	return "", false
}

// phraseHit is where a phrase matched: in the compacted text (han) or the
// space-padded words (Latin), and how long it is.
type phraseHit struct {
	score      int
	han        bool
	start, end int
}

func (h phraseHit) overlaps(o phraseHit) bool {
	return h.han == o.han && h.start < o.end && o.start < h.end
}

func typoMatch(phrase string, textWords []string) bool {
	pw := strings.Fields(phrase)
	for i := 0; i+len(pw) <= len(textWords); i++ {
		if editDistanceAtMost1(phrase, strings.Join(textWords[i:i+len(pw)], " ")) {
			return true
		}
	}
	return false
}

// enumPhrases lists what a value may be called: the value itself (with _
// and - read as spaces) and its synonyms in every language.
func enumPhrases(v EnumValue) []string {
	out := []string{strings.NewReplacer("_", " ", "-", " ").Replace(v.Value)}
	for _, l := range []Lang{LangEn, LangZh} {
		out = append(out, v.Synonyms[l]...)
	}
	for l, ps := range v.Synonyms {
		if l != LangEn && l != LangZh {
			out = append(out, ps...)
		}
	}
	return out
}

// findPhrase looks for phrase p in the text (han: compacted; latin: words
// padded with spaces). A whole-text match scores a bonus.
func findPhrase(p, han, latin string) (phraseHit, bool) {
	pn := normalize(p)
	if hasHan(pn) {
		ph := compactSpaces(pn)
		at := indexUnnegated(han, ph, zhNegations)
		if ph == "" || at < 0 {
			return phraseHit{}, false
		}
		h := phraseHit{score: utf8.RuneCountInString(ph), han: true, start: at, end: at + len(ph)}
		if ph == han {
			h.score += 1000
		}
		return h, true
	}
	pw := strings.Join(words(pn), " ")
	at := indexUnnegated(latin, " "+pw+" ", enNegations)
	if pw == "" || at < 0 {
		return phraseHit{}, false
	}
	h := phraseHit{score: utf8.RuneCountInString(pw), start: at + 1, end: at + 1 + len(pw)}
	if " "+pw+" " == latin {
		h.score += 1000
	}
	return h, true
}

var (
	zhNegations = []string{"不是", "不要", "不用", "不", "没有", "别"}
	enNegations = []string{" not", " not the", " not a", " not my", " no", " don't", " dont", " never"}
)

// indexUnnegated returns the first index of sub in s that does not come
// right after one of the negations, or -1.
func indexUnnegated(s, sub string, negations []string) int {
	for from := 0; from <= len(s); {
		i := strings.Index(s[from:], sub)
		if i < 0 {
			return -1
		}
		at := from + i
		negated := false
		for _, neg := range negations {
			if strings.HasSuffix(strings.TrimRight(s[:at+1], " "), neg) || strings.HasSuffix(s[:at], neg) {
				negated = true
				break
			}
		}
		if !negated {
			return at
		}
		from = at + 1
	}
	return -1
}

// compactSpaces drops spaces and punctuation, keeping letters and digits.
func compactSpaces(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// editDistanceAtMost1 reports whether a and b differ by at most one
// insertion, deletion or substitution.
func editDistanceAtMost1(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	if len(rb)-len(ra) > 1 {
		return false
	}
	i := 0
	for i < len(ra) && ra[i] == rb[i] {
		i++
	}
	if i == len(ra) {
		return true
	}
	if len(ra) == len(rb) {
		return string(ra[i+1:]) == string(rb[i+1:])
	}
	return string(ra[i:]) == string(rb[i+1:])
}
