package dialog

import (
	"regexp"
	"strings"
)

// ExtractCardLast4 returns the last four digits of a payment card named in
// text: after a cue ("尾号1234", "尾数是1234", "后四位 1234", "ending in
// 1234", "ends with 1234", "last four 1234", "last 4 digits are 1234",
// "****1234"), the last four of a whole card number (13 to 19 digits), or
// a bare four-digit number when it is the only number in the text ("1234",
// "一二三四", "one two three four"). Leading zeros are kept ("0123").
func ExtractCardLast4(text string) (string, bool) {
	return extractCardLast4(text, false)
}

var (
	reCardCue = regexp.MustCompile(`尾号|尾数|后四位|后4位|末四位|末4位|最后四位|最后4位|\b(?:ending|ends|end in|end with|last four|last 4|last digits)\b`)
	reMasked  = regexp.MustCompile(`[*x×•·]{2,}[\s-]*(\d{4})(?:[^\d]|$)`)
)

// cueGap is how far (in bytes of normalised text) a number may follow its
// cue: room for "是", "：", " in", " digits are", " of my card is".
const cueGap = 24

// extractCardLast4 with strict set accepts only cued, masked and whole card
// numbers, never a bare four-digit number (a first utterance may hold a
// year or an amount).
func extractCardLast4(text string, strict bool) (string, bool) {
	s := normalize(text)
	spans := scanNumbers(s)
	groups := digitGroups(s, spans)
	for _, loc := range reCardCue.FindAllStringIndex(s, -1) {
		for _, g := range groups {
			if g.start < loc[1] {
				// "last 4 1234" joins the cue's 4 with the number.
				if g.end > loc[1] && len(g.parts) == 2 && len(g.parts[1]) == 4 {
					return g.parts[1], true
				}
				continue
			}
			gap := s[loc[1]:g.start]
			if len(gap) > cueGap || strings.ContainsAny(gap, "0123456789") {
				break
			}
			if len(g.digits) == 4 {
				return g.digits, true
			}
			// "ending in 1234 5678"? Only the first four-digit part counts
			// when the cue is followed by several groups said apart.
			if len(g.parts) > 0 && len(g.parts[0]) == 4 {
				return g.parts[0], true
			}
			break
		}
	}
	if m := reMasked.FindStringSubmatch(s); m != nil {
		return m[1], true
	}
	for _, g := range groups {
		if _, phone := e164(g.digits, g.plus); phone || g.plus {
			continue
		}
		if len(g.digits) >= 13 && len(g.digits) <= 19 {
			return g.digits[len(g.digits)-4:], true
		}
	}
	if strict {
		return "", false
	}
	if len(groups) == 1 && len(groups[0].digits) == 4 && len(spans) == len(groups[0].parts) {
		return groups[0].digits, true
	}
	return "", false
}
