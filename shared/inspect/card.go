package inspect

import "strings"

// Card numbers are 13 to 19 digits that pass the Luhn check, written together or in groups
// parted by spaces or dashes, in ASCII, full-width or spoken Chinese digits (零〇一二三四五六七八九
// and 幺 for one, as said over the phone).
const (
	MinCardDigits = 13
	MaxCardDigits = 19
	// maxSeparators is the most separator characters between two groups ("1234 - 5678").
	maxSeparators = 3
)

// Card is one card number found in a text: where (byte offsets into the text) and its last four
// digits, the only ones a record or an alert may show.
type Card struct {
	Start, End int
	Last4      string
}

// digitOf reads r as a digit: ASCII, full-width, or a spoken Chinese digit.
func digitOf(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r - '0'), true
	case r >= '０' && r <= '９':
		return byte(r - '０'), true
	}
	switch r {
	case '零', '〇':
		return 0, true
	case '一', '幺':
		return 1, true
	case '二':
		return 2, true
	case '三':
		return 3, true
	case '四':
		return 4, true
	case '五':
		return 5, true
	case '六':
		return 6, true
	case '七':
		return 7, true
	case '八':
		return 8, true
	case '九':
		return 9, true
	}
	return 0, false
}

// separator reports whether r may part groups of a card number.
func separator(r rune) bool {
	switch r {
	case ' ', '\t', '-', '\u3000', '－', '‐', '‑', '–', '—', '\u00a0':
		return true
	}
	return false
}

// group is a run of digits: its byte span and digits.
type group struct {
	start, end int
	digits     []byte
}

// FindCards returns the card numbers in text, in order. A run of digit groups (parted by at most
// three separator characters each) is read from its first group: the shortest span of whole
// groups holding 13–19 digits that passes the Luhn check is a card, and the search goes on after
// it. A single group longer than 19 digits is no card (an order or account number), and neither
// is a number of one repeated digit.
func FindCards(text string) []Card {
	var out []Card
	for _, run := range digitRuns(text) {
		for i := 0; i < len(run); {
			j, ok := cardAt(run, i)
			if !ok {
				i++
				continue
			}
			var digits []byte
			for _, g := range run[i : j+1] {
				digits = append(digits, g.digits...)
			}
			out = append(out, Card{Start: run[i].start, End: run[j].end, Last4: digitString(digits[len(digits)-4:])})
			i = j + 1
		}
	}
	return out
}

// cardAt finds the last group j of a card starting at group i: the shortest whole-group span
// with 13–19 digits that passes the Luhn check.
func cardAt(run []group, i int) (int, bool) {
	n := 0
	var digits []byte
	for j := i; j < len(run); j++ {
		n += len(run[j].digits)
		digits = append(digits, run[j].digits...)
		if n > MaxCardDigits {
			return 0, false
		}
		if n >= MinCardDigits && luhn(digits) && !oneDigit(digits) {
			return j, true
		}
	}
	return 0, false
}

// digitRuns splits text into runs of digit groups: groups parted by at most maxSeparators
// separator characters belong to one run.
func digitRuns(text string) [][]group {
	var runs [][]group
	var run []group
	var cur *group
	seps := 0
	flush := func() {
		if cur != nil {
			run = append(run, *cur)
			cur = nil
		}
	}
	endRun := func() {
		flush()
		if len(run) > 0 {
			runs = append(runs, run)
		}
		run, seps = nil, 0
	}
	for i, r := range text {
		if d, ok := digitOf(r); ok {
			if cur == nil {
				cur = &group{start: i}
			}
			cur.digits = append(cur.digits, d)
			cur.end = i + len(string(r))
			seps = 0
			continue
		}
		if separator(r) && (cur != nil || len(run) > 0) {
			flush()
			if seps++; seps > maxSeparators {
				endRun()
			}
			continue
		}
		endRun()
	}
	endRun()
	return runs
}

// luhn reports whether digits pass the Luhn check.
func luhn(digits []byte) bool {
	sum := 0
	for i := range digits {
		d := int(digits[len(digits)-1-i])
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func oneDigit(digits []byte) bool {
	for _, d := range digits[1:] {
		if d != digits[0] {
			return false
		}
	}
	return true
}

func digitString(d []byte) string {
	b := make([]byte, len(d))
	for i, x := range d {
		b[i] = '0' + x
	}
	return string(b)
}

// MaskCards returns text with every digit of each card number but its last four replaced by
// '*', and how many cards there were. Records and alerts keep only the masked text. The last four
// digits kept may start another card with the digits after them: masking goes on until no card
// is left.
func MaskCards(text string) (string, int) {
	total := 0
	for {
		masked, n := maskOnce(text)
		if n == 0 {
			return masked, total
		}
		text, total = masked, total+n
	}
}

func maskOnce(text string) (string, int) {
	cards := FindCards(text)
	if len(cards) == 0 {
		return text, 0
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, c := range cards {
		b.WriteString(text[last:c.Start])
		span := text[c.Start:c.End]
		total := 0
		for _, r := range span {
			if _, ok := digitOf(r); ok {
				total++
			}
		}
		seen := 0
		for _, r := range span {
			if _, ok := digitOf(r); ok {
				seen++
				if seen <= total-4 {
					b.WriteByte('*')
					continue
				}
			}
			b.WriteRune(r)
		}
		last = c.End
	}
	b.WriteString(text[last:])
	return b.String(), len(cards)
}
