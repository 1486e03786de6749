package dialog

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Amount is a sum of money. Minor is in hundredths of the currency unit
// (fen for CNY, cents for USD) whatever the currency's own exponent, so
// ¥500 is {50000, "CNY"}. Currency is an ISO 4217 code, or "" when the text
// named none.
type Amount struct {
	Minor    int64  // hundredths of the currency unit
	Currency string // ISO 4217 code, or ""
}

// Value is the amount in currency units (500.5 for {50050, "CNY"}).
func (a Amount) Value() float64 { return float64(a.Minor) / 100 }

// String is the canonical slot form: "500.00 CNY", or "500.00" without a
// currency.
func (a Amount) String() string {
	v := formatMinor(a.Minor)
	if a.Currency == "" {
		return v
	}
	return v + " " + a.Currency
}

func formatMinor(m int64) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return sign + strconv.FormatInt(m/100, 10) + "." + pad2(m%100)
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// parseAmountSlot reads the canonical form back.
func parseAmountSlot(s string) (Amount, bool) {
	num, cur, _ := strings.Cut(s, " ")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Amount{}, false
	}
	return Amount{Minor: int64(math.Round(v * 100)), Currency: cur}, true
}

// currency markers, longest first within each list.
var (
	amountPrefixes = []struct{ s, cur string }{
		{"人民币", "CNY"}, {"us$", "USD"}, {"hk$", "HKD"}, {"rmb", "CNY"}, {"cny", "CNY"},
		{"usd", "USD"}, {"eur", "EUR"}, {"gbp", "GBP"}, {"hkd", "HKD"}, {"jpy", "JPY"},
		{"¥", "CNY"}, {"$", "USD"}, {"€", "EUR"}, {"£", "GBP"},
	}
	amountSuffixes = []struct{ s, cur string }{
		{"块钱", "CNY"}, {"人民币", "CNY"}, {"美元", "USD"}, {"美金", "USD"}, {"欧元", "EUR"},
		{"英镑", "GBP"}, {"港币", "HKD"}, {"港元", "HKD"}, {"日元", "JPY"}, {"块", "CNY"},
		{"元", "CNY"}, {"圆", "CNY"}, {"円", "JPY"},
		{"dollars", "USD"}, {"dollar", "USD"}, {"bucks", "USD"}, {"buck", "USD"},
		{"euros", "EUR"}, {"euro", "EUR"}, {"pounds", "GBP"}, {"pound", "GBP"},
		{"yuan", "CNY"}, {"kuai", "CNY"}, {"rmb", "CNY"}, {"cny", "CNY"}, {"usd", "USD"},
		{"eur", "EUR"}, {"gbp", "GBP"}, {"hkd", "HKD"}, {"yen", "JPY"}, {"jpy", "JPY"},
	}
)

// ExtractAmount returns the first sum of money in text: "¥500", "500元",
// "五百块", "五块五" (5.50), "3元2角", "1.5万元", "$20.50", "20 dollars",
// "twenty dollars and fifty cents", "USD 20", "人民币500". A number with no
// currency marker is returned with Currency "" when there is no marked
// amount in the text.
func ExtractAmount(text string) (Amount, bool) {
	a, _, ok := extractAmount(text)
	return a, ok
}

// extractAmount also says whether the amount carried a currency marker.
func extractAmount(text string) (Amount, bool, bool) {
	s := normalize(text)
	spans := scanNumbers(s)
	var bare *numSpan
	for k := range spans {
		sp := spans[k]
		if cur, val, ok := amountAt(s, spans, k); ok {
			if a, ok := toAmount(val, cur); ok {
				return a, true, true
			}
			continue
		}
		if bare == nil && sp.val >= 0 {
			bare = &spans[k]
		}
	}
	if bare == nil {
		return Amount{}, false, false
	}
	a, ok := toAmount(bare.val, "")
	return a, false, ok
}

func toAmount(v float64, cur string) (Amount, bool) {
	if v < 0 || v > 1e13 || math.IsNaN(v) {
		return Amount{}, false
	}
	return Amount{Minor: int64(math.Round(v * 100)), Currency: cur}, true
}

// amountAt says whether the number spans[k] carries a currency marker, and
// adds the sub-units that follow a Chinese 块/元 or an English "dollars and
// fifty cents".
func amountAt(s string, spans []numSpan, k int) (string, float64, bool) {
	sp := spans[k]
	before := strings.TrimRight(s[:sp.start], " ")
	for _, p := range amountPrefixes {
		if strings.HasSuffix(before, p.s) && wordStartsAt(before, len(before)-len(p.s)) {
			return p.cur, sp.val, true
		}
	}
	after := s[sp.end:]
	trimmed := strings.TrimLeft(after, " ")
	for _, suf := range amountSuffixes {
		if !strings.HasPrefix(trimmed, suf.s) || !wordEndsAt(trimmed, len(suf.s)) {
			continue
		}
		val := sp.val
		pos := sp.end + (len(after) - len(trimmed)) + len(suf.s)
		switch suf.s {
		case "块", "元", "圆", "块钱":
			val += zhSubunits(s, spans, k+1, pos)
		case "dollars", "dollar", "euros", "euro", "pounds", "pound", "bucks":
			val += enCents(s, spans, k+1, pos)
		}
		return suf.cur, val, true
	}
	return "", 0, false
}

// zhSubunits reads 角/毛 and 分 after 块/元: "五块五" (.5), "三元二角五分".
func zhSubunits(s string, spans []numSpan, k, pos int) float64 {
	if k >= len(spans) || strings.TrimSpace(s[pos:spans[k].start]) != "" {
		return 0
	}
	sp := spans[k]
	if sp.val != math.Trunc(sp.val) || sp.val > 9 {
		return 0
	}
	rest := strings.TrimLeft(s[sp.end:], " ")
	switch {
	case strings.HasPrefix(rest, "角"), strings.HasPrefix(rest, "毛"):
		v := sp.val / 10
		next := sp.end + (len(s[sp.end:]) - len(rest)) + len("角")
		if k+1 < len(spans) && strings.TrimSpace(s[next:spans[k+1].start]) == "" {
			f := spans[k+1]
			if f.val <= 9 && f.val == math.Trunc(f.val) && strings.HasPrefix(strings.TrimLeft(s[f.end:], " "), "分") {
				v += f.val / 100
			}
		}
		return v
	case strings.HasPrefix(rest, "分"):
		return sp.val / 100
	}
	// 五块五: a bare digit after 块 is in 角, unless it starts another amount.
	for _, suf := range amountSuffixes {
		if strings.HasPrefix(rest, suf.s) {
			return 0
		}
	}
	if r, _ := utf8.DecodeRuneInString(rest); r != utf8.RuneError && unicode.IsDigit(r) {
		return 0
	}
	return sp.val / 10
}

// enCents reads "[and] fifty cents" after "dollars".
func enCents(s string, spans []numSpan, k, pos int) float64 {
	if k >= len(spans) {
		return 0
	}
	gap := strings.TrimSpace(s[pos:spans[k].start])
	if gap != "" && gap != "and" && gap != "," {
		return 0
	}
	sp := spans[k]
	rest := strings.TrimLeft(s[sp.end:], " ")
	if (strings.HasPrefix(rest, "cents") || strings.HasPrefix(rest, "cent")) && sp.val < 100 && sp.val == math.Trunc(sp.val) {
		return sp.val / 100
	}
	return 0
}

// wordStartsAt says that a Latin marker at i in s is not the end of a
// longer word ("cny" but not "xcny"); non-Latin markers always qualify.
func wordStartsAt(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	if !isLatinLetter(r) {
		return true
	}
	p, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isLatinLetter(p)
}

// wordEndsAt says that the Latin marker s[:n] is a whole word.
func wordEndsAt(s string, n int) bool {
	if n >= len(s) {
		return true
	}
	last, _ := utf8.DecodeLastRuneInString(s[:n])
	if !isLatinLetter(last) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[n:])
	return !isLatinLetter(r)
}

func isLatinLetter(r rune) bool { return r < 0x250 && unicode.IsLetter(r) }
