package dialog

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// readSlot reads an answer for sp from DTMF digits or text and returns the
// slot's canonical value. With strict set it reads an utterance that did
// not answer this question (the first one, or an answer to another step)
// and takes only what cannot be mistaken.
func readSlot(sp *SlotSpec, in Input, now time.Time, loc *time.Location, strict bool) (string, bool) {
	if d := strings.TrimRight(in.DTMF, "#"); d != "" && !strict {
		return readDTMF(sp, d, now, loc)
	}
	text := strings.TrimSpace(in.Text)
	if text == "" {
		return "", false
	}
	switch sp.Type {
	case SlotEnum:
		if v, ok := MatchEnum(text, sp.Values); ok {
			return v, true
		}
		if !strict {
			// "1" typed in chat for a keypad option.
			if c := compact(text); c != "" {
				for _, v := range sp.Values {
					if v.DTMF == c {
						return v.Value, true
					}
				}
			}
		}
		return "", false
	case SlotNumber:
		n, ok := ExtractNumber(text)
		if !ok {
			return "", false
		}
		return checkNumber(sp, n)
	case SlotAmount:
		a, marked, ok := extractAmount(text)
		if !ok || (strict && !marked) {
			return "", false
		}
		return checkAmount(sp, a)
	case SlotDate:
		pref := dateAny
		switch sp.Range {
		case "past":
			pref = datePast
		case "future":
			pref = dateFuture
		}
		d, ok := extractDate(text, now, loc, pref)
		if !ok {
			return "", false
		}
		return checkDate(sp, d, now, loc)
	case SlotPhone:
		return ExtractPhone(text)
	case SlotCardLast4:
		return extractCardLast4(text, strict)
	case SlotText:
		lo, hi := 1, defaultTextMaxLen
		if sp.MinLength != nil {
			lo = *sp.MinLength
		}
		if sp.MaxLength != nil {
			hi = *sp.MaxLength
		}
		if n := utf8.RuneCountInString(text); n < max(lo, 1) || n > hi {
			return "", false
		}
		return text, true
	}
	return "", false
}

// readDTMF reads keypad digits: numbers and amounts ("*" is the decimal
// point), dates as YYYYMMDD, Chinese mobile numbers (or 00 and an
// international number), the last four digits of a card, and enum keys.
func readDTMF(sp *SlotSpec, d string, now time.Time, loc *time.Location) (string, bool) {
	for i := 0; i < len(d); i++ {
		if (d[i] < '0' || d[i] > '9') && d[i] != '*' {
			return "", false
		}
	}
	decimal := strings.Replace(d, "*", ".", 1)
	switch sp.Type {
	case SlotEnum:
		for _, v := range sp.Values {
			if v.DTMF != "" && v.DTMF == d {
				return v.Value, true
			}
		}
	case SlotNumber:
		if n, err := strconv.ParseFloat(decimal, 64); err == nil && !strings.Contains(decimal, "*") {
			return checkNumber(sp, n)
		}
	case SlotAmount:
		if n, err := strconv.ParseFloat(decimal, 64); err == nil && !strings.Contains(decimal, "*") {
			if a, ok := toAmount(n, ""); ok {
				return checkAmount(sp, a)
			}
		}
	case SlotDate:
		if m := reCompactDate.FindStringSubmatch(d); m != nil {
			if t, ok := mkDate(atoi(m[1]), atoi(m[2]), atoi(m[3]), locOrUTC(loc)); ok {
				return checkDate(sp, t, now, loc)
			}
		}
	case SlotPhone:
		if !strings.Contains(d, "*") {
			return e164(d, false)
		}
	case SlotCardLast4:
		if len(d) == 4 && !strings.Contains(d, "*") {
			return d, true
		}
	}
	return "", false
}

func locOrUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

func checkNumber(sp *SlotSpec, n float64) (string, bool) {
	if math.IsNaN(n) || math.IsInf(n, 0) || (sp.Integer && n != math.Trunc(n)) ||
		(sp.Min != nil && n < *sp.Min) || (sp.Max != nil && n > *sp.Max) {
		return "", false
	}
	return strconv.FormatFloat(n, 'f', -1, 64), true
}

func checkAmount(sp *SlotSpec, a Amount) (string, bool) {
	switch {
	case a.Currency == "":
		a.Currency = sp.Currency
	case sp.Currency != "" && a.Currency != sp.Currency:
		return "", false
	}
	v := a.Value()
	if (sp.Min != nil && v < *sp.Min) || (sp.Max != nil && v > *sp.Max) {
		return "", false
	}
	return a.String(), true
}

func checkDate(sp *SlotSpec, d, now time.Time, loc *time.Location) (string, bool) {
	now = now.In(locOrUTC(loc))
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, locOrUTC(loc))
	if (sp.Range == "past" && d.After(today)) || (sp.Range == "future" && d.Before(today)) {
		return "", false
	}
	return d.Format(dateLayout), true
}

// Recognition is what a voice channel needs to listen for an ask or confirm
// step: phrases to bias speech recognition towards, and whether (and how
// many) keypad digits answer it.
type Recognition struct {
	// Phrases the customer is expected to say (every synonym), to bias
	// speech recognition.
	Phrases []string `json:"phrases,omitempty"`
	// Options are the answers to offer as buttons, one per option: an
	// enum's labels, yes and no, day words for a future date.
	Options []string `json:"options,omitempty"`
	// DTMF says whether keypad digits answer the step, and MaxDigits how
	// many to collect at most.
	DTMF      bool `json:"dtmf"`
	MaxDigits int  `json:"max_digits,omitempty"`
}

var (
	confirmPhrases = map[Lang][]string{
		LangEn: {"yes", "no", "correct", "confirm", "cancel"},
		LangZh: {"是", "不是", "对", "确认", "取消"},
	}
	confirmOptions = map[Lang][]string{LangEn: {"Yes", "No"}, LangZh: {"是", "不是"}}
	// Day words by the dates they name: a past slot is never offered
	// "tomorrow", a future one never "yesterday".
	weekdayPhrases = map[Lang][]string{
		LangEn: {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
		LangZh: {"星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期天"},
	}
	pastDayPhrases   = map[Lang][]string{LangEn: {"today", "yesterday"}, LangZh: {"今天", "昨天", "前天"}}
	futureDayPhrases = map[Lang][]string{LangEn: {"today", "tomorrow"}, LangZh: {"今天", "明天", "后天"}}
)

// datePhrases are the day words a date slot may be answered with in lang:
// only past ones for a past slot, only future ones for a future slot.
func datePhrases(sp *SlotSpec, lang Lang) []string {
	var out []string
	switch sp.Range {
	case "past":
		out = append(out, pastDayPhrases[lang]...)
	case "future":
		out = append(out, futureDayPhrases[lang]...)
	default:
		out = append(out, pastDayPhrases[lang]...)
		for _, p := range futureDayPhrases[lang] {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return append(out, weekdayPhrases[lang]...)
}

// dateOptions are the buttons of a date question: the next days for a
// future date (an appointment); none otherwise, since a past date (a birth
// date, the day of a loss) is rarely a day or two ago and an open date may
// be years away.
func dateOptions(sp *SlotSpec, lang Lang) []string {
	if sp.Range != "future" {
		return nil
	}
	return slices.Clone(futureDayPhrases[lang])
}

// Label is how value v of an enum reads to people in lang: its first
// synonym in lang, else the value with _ and - read as spaces.
func (v EnumValue) Label(lang Lang) string {
	if syn := v.Synonyms[lang]; len(syn) > 0 {
		return syn[0]
	}
	return strings.NewReplacer("_", " ", "-", " ").Replace(v.Value)
}

// Recognition returns the recognition hints of step stepID in lang: the
// enum's synonyms in lang (the values themselves when it has none), yes and
// no words for a confirm step, day words for a date; DTMF for confirm (1
// yes, 2 no), number, amount, date (YYYYMMDD), phone, card_last4 and enums
// whose values have keys. It returns false for steps that take no answer.
func (f *Flow) Recognition(stepID string, lang Lang) (Recognition, bool) {
	s, ok := f.Step(stepID)
	if !ok {
		return Recognition{}, false
	}
	switch s.Kind {
	case KindConfirm:
		return Recognition{Phrases: confirmPhrases[lang], Options: confirmOptions[lang], DTMF: true, MaxDigits: 1}, true
	case KindAsk:
	default:
		return Recognition{}, false
	}
	sp := s.Slot
	switch sp.Type {
	case SlotEnum:
		var r Recognition
		for _, v := range sp.Values {
			if syn := v.Synonyms[lang]; len(syn) > 0 {
				r.Phrases = append(r.Phrases, syn...)
			} else {
				r.Phrases = append(r.Phrases, v.Label(lang))
			}
			r.Options = append(r.Options, v.Label(lang))
			if v.DTMF != "" {
				r.DTMF = true
				r.MaxDigits = max(r.MaxDigits, len(v.DTMF))
			}
		}
		return r, true
	case SlotNumber, SlotAmount:
		return Recognition{DTMF: true, MaxDigits: 12}, true
	case SlotDate:
		return Recognition{Phrases: datePhrases(sp, lang), Options: dateOptions(sp, lang), DTMF: true, MaxDigits: 8}, true
	case SlotPhone:
		return Recognition{DTMF: true, MaxDigits: 15}, true
	case SlotCardLast4:
		return Recognition{DTMF: true, MaxDigits: 4}, true
	}
	return Recognition{}, true
}
