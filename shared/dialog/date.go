package dialog

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// datePref resolves dates said without a year, month or week.
type datePref uint8

const (
	dateAny    datePref = iota // this year, this month, the coming weekday
	datePast                   // the latest such date on or before today
	dateFuture                 // the earliest such date on or after today
)

// dateLayout is the canonical slot form of a date.
const dateLayout = "2006-01-02"

// ExtractDate returns the first date in text as midnight in loc (UTC when
// loc is nil), relative to now:
//
//   - ISO and numeric: "2025-11-21", "2025/11/21", "20251121" (8 digits
//     alone, as typed on a keypad);
//   - Chinese: "2025年11月21日", "十一月二十一号", "11月21日", "21号";
//   - English: "Nov 21", "November 21st, 2025", "21 November", "the
//     twenty-first of November";
//   - relative: "today"/"今天", "tomorrow"/"明天", "the day after
//     tomorrow"/"后天", "大后天", "yesterday"/"昨天", "前天", "3天后", "in 3
//     days", "2 days ago";
//   - weekdays: "Friday", "next Monday", "last Friday", "周五", "星期天",
//     "下周一", "上星期三" (weeks start on Monday; a bare weekday is the
//     coming one, today included).
//
// A date without a year is in now's year, a day without a month in now's
// month. Impossible dates ("2月30日") are not dates.
func ExtractDate(text string, now time.Time, loc *time.Location) (time.Time, bool) {
	return extractDate(text, now, loc, dateAny)
}

const enMonths = `(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)`

var (
	reCompactDate = regexp.MustCompile(`^\s*(\d{4})(\d{2})(\d{2})\s*#?\s*$`)
	reYMD         = regexp.MustCompile(`(?:^|[^\d])(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?:[^\d]|$)`)
	reMonthDayEn  = regexp.MustCompile(`\b` + enMonths + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4})\b)?`)
	reDayMonthEn  = regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?` + enMonths + `\b\.?(?:,?\s*(\d{4})\b)?`)
	reMonthDayZh  = regexp.MustCompile(`(?:^|[^\d])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?`)
	reDaysLater   = regexp.MustCompile(`(\d{1,3})\s*天\s*(?:后|以后|之后)|\bin\s+(\d{1,3})\s+days?\b`)
	reDaysAgo     = regexp.MustCompile(`(\d{1,3})\s*天\s*(?:前|以前|之前)|\b(\d{1,3})\s+days?\s+ago\b`)
	reWeekdayZh   = regexp.MustCompile(`(上上|下下|上|下|这|本|今)?\s*(?:周|星期|礼拜)\s*([1-7日天])`)
	reWeekdayEn   = regexp.MustCompile(`\b(?:(next|this|last|coming)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b`)
	reDayZh       = regexp.MustCompile(`(?:^|[^\d])(\d{1,2})\s*[日号]`)
	reDayEn       = regexp.MustCompile(`^\s*(?:on\s+)?(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\s*$|\bon\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b`)

	reOrdinalTens = regexp.MustCompile(`\b(twenty|thirty)[\s-]+(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b`)
	reOrdinal     = regexp.MustCompile(`\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)\b`)
)

var ordinalValue = map[string]int{
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
	"eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
	"fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
	"nineteenth": 19, "twentieth": 20, "thirtieth": 30, "twenty": 20, "thirty": 30,
}

var monthValue = map[string]time.Month{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
	"sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

var relativeDays = []struct {
	phrase string
	days   int
}{
	{"大后天", 3}, {"大前天", -3}, {"后天", 2}, {"前天", -2}, {"明天", 1}, {"明日", 1},
	{"昨天", -1}, {"昨日", -1}, {"今天", 0}, {"今日", 0},
	{"day after tomorrow", 2}, {"day before yesterday", -2}, {"tomorrow", 1},
	{"yesterday", -1}, {"today", 0}, {"tonight", 0},
}

var weekdayZh = map[string]int{"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "日": 7, "天": 7}

var weekdayEn = map[string]int{"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}

func extractDate(text string, now time.Time, loc *time.Location, pref datePref) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	s := normalize(text)
	s = reOrdinalTens.ReplaceAllStringFunc(s, func(m string) string {
		f := strings.FieldsFunc(m, func(r rune) bool { return r == ' ' || r == '-' })
		return strconv.Itoa(ordinalValue[f[0]]+ordinalValue[f[len(f)-1]]) + "th"
	})
	s = reOrdinal.ReplaceAllStringFunc(s, func(m string) string { return strconv.Itoa(ordinalValue[m]) + "th" })
	a := arabize(s)

	if m := reCompactDate.FindStringSubmatch(a); m != nil {
		return mkDate(atoi(m[1]), atoi(m[2]), atoi(m[3]), loc)
	}
	if m := reYMD.FindStringSubmatch(a); m != nil {
		return mkDate(atoi(m[1]), atoi(m[2]), atoi(m[3]), loc)
	}
	if m := reMonthDayEn.FindStringSubmatch(a); m != nil {
		return withYear(m[3], int(monthValue[m[1]]), atoi(m[2]), today, pref)
	}
	if m := reDayMonthEn.FindStringSubmatch(a); m != nil {
		return withYear(m[3], int(monthValue[m[2]]), atoi(m[1]), today, pref)
	}
	if m := reMonthDayZh.FindStringSubmatch(a); m != nil {
		return withYear("", atoi(m[1]), atoi(m[2]), today, pref)
	}
	for _, r := range relativeDays {
		if strings.Contains(s, r.phrase) {
			return today.AddDate(0, 0, r.days), true
		}
	}
	if m := reDaysLater.FindStringSubmatch(a); m != nil {
		return today.AddDate(0, 0, atoi(m[1]+m[2])), true
	}
	if m := reDaysAgo.FindStringSubmatch(a); m != nil {
		return today.AddDate(0, 0, -atoi(m[1]+m[2])), true
	}
	if m := reWeekdayZh.FindStringSubmatch(a); m != nil {
		q := map[string]string{"上上": "last2", "下下": "next2", "上": "last", "下": "next", "这": "this", "本": "this", "今": "this"}[m[1]]
		return weekdayDate(today, weekdayZh[m[2]], q, pref), true
	}
	if m := reWeekdayEn.FindStringSubmatch(a); m != nil {
		q := m[1]
		if q == "coming" {
			q = ""
		}
		return weekdayDate(today, weekdayEn[m[2]], q, pref), true
	}
	if m := reDayZh.FindStringSubmatch(a); m != nil {
		return withMonth(atoi(m[1]), today, pref)
	}
	if m := reDayEn.FindStringSubmatch(a); m != nil {
		return withMonth(atoi(m[1]+m[2]), today, pref)
	}
	return time.Time{}, false
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// mkDate builds a calendar date, refusing ones that do not exist.
func mkDate(y, m, d int, loc *time.Location) (time.Time, bool) {
	if y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// withYear completes a month and day with the year the preference picks.
func withYear(year string, m, d int, today time.Time, pref datePref) (time.Time, bool) {
	if year != "" {
		return mkDate(atoi(year), m, d, today.Location())
	}
	y := today.Year()
	t, ok := mkDate(y, m, d, today.Location())
	switch {
	case pref == datePast && (!ok || t.After(today)):
		return mkDate(y-1, m, d, today.Location())
	case pref == dateFuture && (!ok || t.Before(today)):
		return mkDate(y+1, m, d, today.Location())
	}
	return t, ok
}

// withMonth completes a day of the month with the month the preference
// picks.
func withMonth(d int, today time.Time, pref datePref) (time.Time, bool) {
	y, m := today.Year(), int(today.Month())
	t, ok := mkDate(y, m, d, today.Location())
	if !ok {
		return t, false
	}
	switch {
	case pref == datePast && t.After(today):
		prev := time.Date(y, time.Month(m)-1, 1, 0, 0, 0, 0, today.Location())
		return mkDate(prev.Year(), int(prev.Month()), d, today.Location())
	case pref == dateFuture && t.Before(today):
		next := time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, today.Location())
		return mkDate(next.Year(), int(next.Month()), d, today.Location())
	}
	return t, true
}

// weekdayDate resolves ISO weekday wd (1 = Monday … 7 = Sunday) with a
// qualifier: "this" week, "next"/"next2" weeks on, "last"/"last2" weeks
// back, or "" for the coming one (the latest past one when pref is
// datePast).
func weekdayDate(today time.Time, wd int, qual string, pref datePref) time.Time {
	cur := int(today.Weekday())
	if cur == 0 {
		cur = 7
	}
	monday := today.AddDate(0, 0, 1-cur)
	weeks := map[string]int{"this": 0, "next": 1, "next2": 2, "last": -1, "last2": -2}
	if w, ok := weeks[qual]; ok {
		return monday.AddDate(0, 0, 7*w+wd-1)
	}
	if pref == datePast {
		return today.AddDate(0, 0, -((cur - wd + 7) % 7))
	}
	return today.AddDate(0, 0, (wd-cur+7)%7)
}
