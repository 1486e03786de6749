package dialog

import "strings"

// ExtractPhone returns the first phone number in text in E.164 form
// ("+8613812345678"). It recognises Chinese mobile numbers (1[3-9] and nine
// more digits, with spaces or dashes, optionally after +86, 0086 or 86,
// also said digit by digit: "幺三八…", "one three eight…") and
// international numbers written with a leading "+" ("+1 415 555 2671", "+44
// 20 7946 0958"). A number without a country code that is not a Chinese
// mobile is not recognised.
func ExtractPhone(text string) (string, bool) {
	s := normalize(text)
	for _, g := range digitGroups(s, scanNumbers(s)) {
		if p, ok := phoneFromGroup(g); ok {
			return p, true
		}
	}
	return "", false
}

func phoneFromGroup(g digitGroup) (string, bool) {
	d := g.digits
	if p, ok := e164(d, g.plus); ok {
		return p, true
	}
	// The group may join a phone number with its neighbours ("1234
	// 13812345678"): try each run of whole parts.
	for i := range g.parts {
		acc := ""
		for j := i; j < len(g.parts); j++ {
			acc += g.parts[j]
			if len(acc) > 15 {
				break
			}
			if i == 0 && j == len(g.parts)-1 {
				break // the whole group, tried above
			}
			if p, ok := e164(acc, g.plus && i == 0); ok {
				return p, true
			}
		}
	}
	return "", false
}

// e164 checks digits (with or without an international prefix) as a phone
// number and formats it.
func e164(d string, plus bool) (string, bool) {
	intl := plus
	if !intl && strings.HasPrefix(d, "00") {
		d, intl = d[2:], true
	}
	if !intl && len(d) == 13 && strings.HasPrefix(d, "86") && isCNMobile(d[2:]) {
		return "+" + d, true
	}
	if !intl {
		if isCNMobile(d) {
			return "+86" + d, true
		}
		return "", false
	}
	switch {
	case strings.HasPrefix(d, "86"):
		rest := d[2:]
		if isCNMobile(rest) || (len(rest) >= 9 && len(rest) <= 11 && rest[0] != '1' && rest[0] != '0') {
			return "+" + d, true
		}
		return "", false
	case strings.HasPrefix(d, "1"):
		// North America: +1, then a 3-digit area code not starting with 0 or 1.
		if len(d) == 11 && d[1] >= '2' && d[4] >= '2' {
			return "+" + d, true
		}
		return "", false
	case len(d) >= 8 && len(d) <= 15 && d[0] != '0':
		return "+" + d, true
	}
	return "", false
}

// isCNMobile reports whether d is a mainland China mobile number:
// 1[3-9]\d{9}.
func isCNMobile(d string) bool {
	if len(d) != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9' {
		return false
	}
	for i := 2; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}
