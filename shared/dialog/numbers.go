package dialog

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// numKind says how a number was written.
type numKind uint8

const (
	numArabic numKind = iota // 123, 1,234.5, 5万
	numZh                    // 一二三, 三百五十, 两千
	numEn                    // one two three, twenty five
)

// numSpan is one number found in normalised text.
type numSpan struct {
	start, end int // byte offsets in the normalised text
	val        float64
	// digits is the number as a plain digit string when it is a whole
	// number ("0123" keeps its leading zero); "" for fractions.
	digits string
	// seq is true when the number was written or said digit by digit (plain
	// Arabic digits, "一三八", "one three eight"), so that neighbouring
	// groups may be joined into one phone or card number.
	seq  bool
	kind numKind
}

// maxNumber bounds every number the extractors return; larger numbers are
// ignored rather than rounded.
const maxNumber = 1e15

// ExtractNumber returns the first number in text, written with Arabic
// digits (ASCII or full-width: "42", "１２３", "1,234.5", "1.5万"), Chinese
// numerals ("三百五十", "两千", "一万二", "三点五", "一二三四" digit by
// digit, formal "壹佰") or English words ("twenty five", "one hundred and
// five", "three point five"). Negative numbers are not recognised.
func ExtractNumber(text string) (float64, bool) {
	spans := scanNumbers(normalize(text))
	if len(spans) == 0 {
		return 0, false
	}
	return spans[0].val, true
}

// scanNumbers finds every number in normalised text, in order.
func scanNumbers(s string) []numSpan {
	var out []numSpan
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= '0' && r <= '9':
			spans, end := scanArabic(s, i)
			out = append(out, spans...)
			i = max(end, i+size)
		case isZhNumeral(r):
			sp, end, ok := scanZh(s, i)
			if ok {
				out = append(out, sp)
			}
			i = max(end, i+size)
		case r >= 'a' && r <= 'z':
			if i > 0 {
				if p, _ := utf8.DecodeLastRuneInString(s[:i]); isLatinLetter(p) {
					// Inside a word ("someone"): skip the rest of it.
					i += size
					for i < len(s) {
						r, size = utf8.DecodeRuneInString(s[i:])
						if !isLatinLetter(r) {
							break
						}
						i += size
					}
					continue
				}
			}
			spans, end := scanEnglish(s, i)
			out = append(out, spans...)
			i = max(end, i+size) // always move on
		default:
			i += size
		}
	}
	return out
}

// scanArabic reads the number of ASCII digits starting at i, with
// thousands separators, a decimal point and Chinese multipliers (5万,
// 1.5亿, 3千). A run that cannot be one number ("138.1234.5678",
// "1,2,3") gives one span per group of digits.
func scanArabic(s string, i int) ([]numSpan, int) {
	j := i
	for j < len(s) {
		c := s[j]
		if c >= '0' && c <= '9' {
			j++
			continue
		}
		if (c == '.' || c == ',') && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' {
			j++
			continue
		}
		break
	}
	raw := s[i:j]
	dots, commas := strings.Count(raw, "."), strings.Count(raw, ",")
	grouped := commas > 0 && validThousands(raw)
	if dots > 1 || (commas > 0 && !grouped) {
		var out []numSpan
		start := i
		for k := i; k <= j; k++ {
			if k == j || s[k] == '.' || s[k] == ',' {
				d := s[start:k]
				out = append(out, numSpan{start: start, end: k, val: parseDigits(d), digits: d, seq: true, kind: numArabic})
				start = k + 1
			}
		}
		return out, j
	}
	plain := strings.ReplaceAll(raw, ",", "")
	val, err := strconv.ParseFloat(plain, 64)
	if err != nil || val > maxNumber {
		return nil, j
	}
	sp := numSpan{start: i, end: j, val: val, kind: numArabic}
	if dots == 0 {
		sp.digits = plain
		sp.seq = commas == 0
	}
	// Chinese multipliers: 5万, 3千万, 1.5亿.
	for sp.end < len(s) {
		r, size := utf8.DecodeRuneInString(s[sp.end:])
		m := zhMultiplier(r)
		if m == 0 || r == '十' || r == '拾' {
			break
		}
		sp.val *= m
		sp.end += size
		sp.seq = false
	}
	if sp.end != j {
		if sp.val > maxNumber {
			return nil, sp.end
		}
		sp.digits = wholeDigits(sp.val)
	}
	return []numSpan{sp}, sp.end
}

func validThousands(raw string) bool {
	intPart, _, _ := strings.Cut(raw, ".")
	groups := strings.Split(intPart, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// parseDigits is the value of a string of ASCII digits (capped).
func parseDigits(d string) float64 {
	v, err := strconv.ParseFloat(d, 64)
	if err != nil {
		return 0
	}
	return v
}

// wholeDigits formats v as digits when it is a whole number, else "".
func wholeDigits(v float64) string {
	if v != math.Trunc(v) || v > maxNumber {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

var zhDigit = map[rune]int{
	'零': 0, '〇': 0, '○': 0,
	'一': 1, '壹': 1, '幺': 1,
	'二': 2, '贰': 2, '貳': 2, '两': 2, '兩': 2,
	'三': 3, '叁': 3, '參': 3,
	'四': 4, '肆': 4,
	'五': 5, '伍': 5,
	'六': 6, '陆': 6, '陸': 6,
	'七': 7, '柒': 7,
	'八': 8, '捌': 8,
	'九': 9, '玖': 9,
}

// zhMultiplier is the value of a Chinese unit character, or 0.
func zhMultiplier(r rune) float64 {
	switch r {
	case '十', '拾':
		return 10
	case '百', '佰':
		return 100
	case '千', '仟':
		return 1000
	case '万', '萬':
		return 1e4
	case '亿', '億':
		return 1e8
	}
	return 0
}

func isZhNumeral(r rune) bool {
	_, ok := zhDigit[r]
	return ok || zhMultiplier(r) != 0
}

// scanZh reads a run of Chinese numerals starting at i.
func scanZh(s string, i int) (numSpan, int, bool) {
	var rs []rune
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if isZhNumeral(r) {
			rs = append(rs, r)
			j += size
			continue
		}
		// 点 is a decimal point between numerals: 三点五.
		if r == '点' && len(rs) > 0 && j+size < len(s) {
			if n, _ := utf8.DecodeRuneInString(s[j+size:]); isZhDigit(n) {
				rs = append(rs, r)
				j += size
				continue
			}
		}
		break
	}
	start := i
	// A leading unit other than 十 is not a number: 万一, 千万别, 百分之.
	for len(rs) > 0 && zhMultiplier(rs[0]) != 0 && rs[0] != '十' && rs[0] != '拾' {
		start += utf8.RuneLen(rs[0])
		rs = rs[1:]
	}
	if len(rs) == 0 {
		return numSpan{}, j, false
	}
	val, digits, seq, ok := parseZh(rs)
	if !ok {
		return numSpan{}, j, false
	}
	return numSpan{start: start, end: j, val: val, digits: digits, seq: seq, kind: numZh}, j, true
}

func isZhDigit(r rune) bool { _, ok := zhDigit[r]; return ok }

// parseZh evaluates Chinese numerals: digit by digit when there is no unit
// (一三八 = 138, 二〇二五 = 2025), else by units with the spoken
// abbreviations (三百五 = 350, 一万二 = 12000, 十五 = 15).
func parseZh(rs []rune) (val float64, digits string, seq, ok bool) {
	intPart, fracPart := rs, []rune(nil)
	for k, r := range rs {
		if r == '点' {
			intPart, fracPart = rs[:k], rs[k+1:]
			break
		}
	}
	if len(intPart) == 0 {
		return 0, "", false, false
	}
	hasUnit := false
	for _, r := range intPart {
		if zhMultiplier(r) != 0 {
			hasUnit = true
		}
	}
	var whole float64
	if !hasUnit {
		var b strings.Builder
		for _, r := range intPart {
			b.WriteByte(byte('0' + zhDigit[r]))
		}
		digits = b.String()
		whole = parseDigits(digits)
		seq = true
	} else {
		w, ok := parseZhUnits(intPart)
		if !ok {
			return 0, "", false, false
		}
		whole = w
		digits = wholeDigits(w)
	}
	if len(fracPart) == 0 {
		return whole, digits, seq, whole <= maxNumber
	}
	var b strings.Builder
	b.WriteString(strconv.FormatFloat(whole, 'f', -1, 64))
	b.WriteByte('.')
	for _, r := range fracPart {
		d, isD := zhDigit[r]
		if !isD {
			return 0, "", false, false
		}
		b.WriteByte(byte('0' + d))
	}
	v, err := strconv.ParseFloat(b.String(), 64)
	if err != nil || v > maxNumber {
		return 0, "", false, false
	}
	return v, "", false, true
}

func parseZhUnits(rs []rune) (float64, bool) {
	var total, section float64
	pending := -1.0 // a digit not yet multiplied
	var lastUnit float64
	zero := false
	for _, r := range rs {
		if d, isD := zhDigit[r]; isD {
			if d == 0 {
				zero = true
				continue
			}
			if pending >= 0 {
				return 0, false // 三五百: a range, not a number
			}
			pending = float64(d)
			continue
		}
		u := zhMultiplier(r)
		switch {
		case u < 1e4:
			if pending < 0 {
				if u != 10 {
					return 0, false
				}
				pending = 1 // 十五 = 15
			}
			section += pending * u
		default:
			if pending >= 0 {
				section += pending
			}
			if section == 0 {
				return 0, false
			}
			if u == 1e8 {
				total = (total + section) * u
			} else {
				total += section * u
			}
			section = 0
		}
		pending = -1
		lastUnit = u
		zero = false
	}
	if pending >= 0 {
		if !zero && lastUnit > 0 {
			pending *= lastUnit / 10 // 三百五 = 350, 一万二 = 12000
		}
		section += pending
	}
	v := total + section
	return v, v <= maxNumber
}

var (
	enOnes = map[string]int{
		"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
		"six": 6, "seven": 7, "eight": 8, "nine": 9,
	}
	enTeens = map[string]int{
		"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
		"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
	}
	enTens = map[string]int{
		"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
		"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
	}
	enScales = map[string]float64{"thousand": 1e3, "million": 1e6, "billion": 1e9}
)

type enTok struct {
	w          string
	start, end int
}

// scanEnglish reads number words starting at the word at i. It returns the
// spans found and where scanning resumes; a word that is not a number word
// gives no span and resumes after it.
func scanEnglish(s string, i int) ([]numSpan, int) {
	// Tokenise the number-word run: words separated by spaces, hyphens or
	// commas.
	var toks []enTok
	j := i
	for j < len(s) {
		k := j
		for k < len(s) && s[k] >= 'a' && s[k] <= 'z' {
			k++
		}
		if k == j {
			break
		}
		if k < len(s) {
			if r, _ := utf8.DecodeRuneInString(s[k:]); isLatinLetter(r) {
				// "twentyé", "a号": not a plain word.
				if len(toks) == 0 {
					return nil, k
				}
				break
			}
		}
		w := s[j:k]
		if !isEnNumberWord(w) {
			if len(toks) == 0 {
				return nil, k
			}
			break
		}
		toks = append(toks, enTok{w, j, k})
		// Skip one separator run.
		m := k
		for m < len(s) && (s[m] == ' ' || s[m] == '-' || s[m] == ',') {
			m++
		}
		if m == k {
			j = k
			break
		}
		j = m
	}
	if len(toks) == 0 {
		return nil, j
	}
	// Trim trailing connectors ("and", "a", "point", "oh").
	for len(toks) > 0 {
		w := toks[len(toks)-1].w
		if w == "and" || w == "a" || w == "point" || w == "oh" {
			toks = toks[:len(toks)-1]
			continue
		}
		break
	}
	var out []numSpan
	for k := 0; k < len(toks); {
		sp, n := parseEnglish(toks[k:])
		if n == 0 {
			k++
			continue
		}
		out = append(out, sp)
		k += n
	}
	end := j
	if len(toks) > 0 && end < toks[len(toks)-1].end {
		end = toks[len(toks)-1].end
	}
	return out, end
}

func isEnNumberWord(w string) bool {
	if _, ok := enOnes[w]; ok {
		return true
	}
	if _, ok := enTeens[w]; ok {
		return true
	}
	if _, ok := enTens[w]; ok {
		return true
	}
	if _, ok := enScales[w]; ok {
		return true
	}
	switch w {
	case "hundred", "and", "a", "point", "oh":
		return true
	}
	return false
}

func enDigit(w string) (int, bool) {
	if w == "oh" {
		return 0, true
	}
	d, ok := enOnes[w]
	return d, ok
}

// parseEnglish parses one number from the start of toks and says how many
// tokens it used (0: none).
func parseEnglish(toks []enTok) (numSpan, int) {
	// Digit by digit: "one three eight", "four oh two".
	n := 0
	for n < len(toks) {
		if _, ok := enDigit(toks[n].w); !ok {
			break
		}
		n++
	}
	if n >= 2 {
		var b strings.Builder
		for _, t := range toks[:n] {
			d, _ := enDigit(t.w)
			b.WriteByte(byte('0' + d))
		}
		d := b.String()
		return numSpan{start: toks[0].start, end: toks[n-1].end, val: parseDigits(d), digits: d, seq: true, kind: numEn}, n
	}
	const (
		none = iota
		ones
		teen
		tens
		hundred
		scale
	)
	var total, cur float64
	last := none
	lastScale := math.Inf(1)
	used := 0
	any := false
loop:
	for k := 0; k < len(toks); k++ {
		w := toks[k].w
		next := ""
		if k+1 < len(toks) {
			next = toks[k+1].w
		}
		switch {
		case w == "a":
			if last != none || (next != "hundred" && enScales[next] == 0) {
				break loop
			}
			cur = 1
			continue
		case w == "and":
			if (last != hundred && last != scale) || !isEnValueWord(next) {
				break loop
			}
			continue
		case w == "oh":
			break loop
		case w == "point":
			if !any || k+1 >= len(toks) {
				break loop
			}
			var b strings.Builder
			m := k + 1
			for m < len(toks) {
				d, ok := enDigit(toks[m].w)
				if !ok {
					break
				}
				b.WriteByte(byte('0' + d))
				m++
			}
			if b.Len() == 0 {
				break loop
			}
			frac, _ := strconv.ParseFloat("0."+b.String(), 64)
			v := total + cur + frac
			return numSpan{start: toks[0].start, end: toks[m-1].end, val: v, kind: numEn}, m
		}
		if d, ok := enOnes[w]; ok {
			if last == ones || last == teen {
				break loop
			}
			if d == 0 && any {
				break loop
			}
			cur += float64(d)
			last = ones
		} else if d, ok := enTeens[w]; ok {
			if last == ones || last == teen || last == tens {
				break loop
			}
			cur += float64(d)
			last = teen
		} else if d, ok := enTens[w]; ok {
			if last == ones || last == teen || last == tens {
				break loop
			}
			cur += float64(d)
			last = tens
		} else if w == "hundred" {
			if last == hundred || last == tens || (last == none && cur == 0) {
				break loop
			}
			if cur == 0 {
				cur = 1
			}
			if math.Mod(cur, 100) == 0 && cur >= 100 {
				break loop
			}
			cur *= 100
			last = hundred
		} else if sc, ok := enScales[w]; ok {
			if cur == 0 || sc >= lastScale {
				break loop
			}
			total += cur * sc
			cur = 0
			lastScale = sc
			last = scale
		} else {
			break loop
		}
		any = true
		used = k + 1
	}
	if !any || used == 0 {
		return numSpan{}, 0
	}
	v := total + cur
	if v > maxNumber {
		return numSpan{}, used
	}
	return numSpan{start: toks[0].start, end: toks[used-1].end, val: v, digits: wholeDigits(v), kind: numEn}, used
}

func isEnValueWord(w string) bool {
	if _, ok := enOnes[w]; ok {
		return true
	}
	if _, ok := enTeens[w]; ok {
		return true
	}
	_, ok := enTens[w]
	return ok
}

// arabize rewrites every number in normalised text as Arabic digits
// ("十一月二十一日" → "11月21日", "twenty one" → "21").
func arabize(s string) string {
	spans := scanNumbers(s)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	prev := 0
	for _, sp := range spans {
		if sp.kind == numArabic || sp.start < prev {
			continue
		}
		b.WriteString(s[prev:sp.start])
		if sp.digits != "" {
			b.WriteString(sp.digits)
		} else {
			b.WriteString(strconv.FormatFloat(sp.val, 'f', -1, 64))
		}
		prev = sp.end
	}
	b.WriteString(s[prev:])
	return b.String()
}

// digitGroup is a run of numbers said or written digit by digit and
// separated only by spaces, dashes, dots, commas or brackets ("138 1234
// 5678", "一三八 一二三四 五六七八"), or a single whole number.
type digitGroup struct {
	digits string
	parts  []string // the digits of each joined number
	start  int
	end    int
	plus   bool // preceded by "+" (or "plus")
}

// digitGroups joins the whole numbers of normalised text into groups.
func digitGroups(s string, spans []numSpan) []digitGroup {
	var out []digitGroup
	for k := 0; k < len(spans); {
		sp := spans[k]
		if sp.digits == "" {
			k++
			continue
		}
		g := digitGroup{parts: []string{sp.digits}, start: sp.start, end: sp.end}
		k++
		if sp.seq {
			for k < len(spans) && spans[k].seq && spans[k].digits != "" && isDigitGap(s[g.end:spans[k].start]) {
				g.parts = append(g.parts, spans[k].digits)
				g.end = spans[k].end
				k++
			}
		}
		g.digits = strings.Join(g.parts, "")
		before := strings.TrimRight(s[:g.start], " (")
		g.plus = strings.HasSuffix(before, "+") || strings.HasSuffix(before, "plus")
		out = append(out, g)
	}
	return out
}

func isDigitGap(gap string) bool {
	if len(gap) > 3 {
		return false
	}
	for i := 0; i < len(gap); i++ {
		if !strings.ContainsRune(" -.(),/", rune(gap[i])) {
			return false
		}
	}
	return true
}
