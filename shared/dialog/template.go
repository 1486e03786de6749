package dialog

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// tmplPart is a literal or a slot reference of a message template.
type tmplPart struct {
	lit  string
	slot string
}

var errTemplate = errors.New("template")

// parseTemplate splits "Card ending {{card_last4}} is locked" into parts.
// Slot names are trimmed of spaces and must be valid slot names.
func parseTemplate(s string) ([]tmplPart, error) {
	var parts []tmplPart
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				parts = append(parts, tmplPart{lit: s})
			}
			return parts, nil
		}
		if i > 0 {
			parts = append(parts, tmplPart{lit: s[:i]})
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			return nil, fmt.Errorf(`%w: "{{" without "}}"`, errTemplate)
		}
		name := strings.TrimSpace(s[i+2 : i+2+j])
		if !validSlotName(name) {
			return nil, fmt.Errorf("%w: %q is not a slot name", errTemplate, name)
		}
		parts = append(parts, tmplPart{slot: name})
		s = s[i+2+j+2:]
	}
}

// render fills a message's slot references with the slots' values, written
// for lang. A slot without a value renders as nothing.
func (f *Flow) render(t Text, lang Lang, slots map[string]string) string {
	s, ok := t[lang]
	if !ok {
		s = t[f.defaultLang()]
	}
	parts, err := parseTemplate(s)
	if err != nil {
		return s // ParseFlow rejects bad templates; keep the text if one slips by
	}
	var b strings.Builder
	for _, p := range parts {
		if p.slot == "" {
			b.WriteString(p.lit)
			continue
		}
		if v, ok := slots[p.slot]; ok {
			b.WriteString(f.display(p.slot, v, lang))
		}
	}
	return b.String()
}

// display writes slot name's value v for people in lang: an enum value by
// its label (EnumValue.Label), dates and amounts as displayValue does.
func (f *Flow) display(name, v string, lang Lang) string {
	if sp, ok := f.specs[name]; ok && sp.Type == SlotEnum {
		for _, ev := range sp.Values {
			if ev.Value == v {
				return ev.Label(lang)
			}
		}
	}
	return displayValue(f.SlotType(name), v, lang)
}

var currencyDisplay = map[string]struct{ en, zhSuffix string }{
	"CNY": {"¥", "元"}, "USD": {"$", "美元"}, "EUR": {"€", "欧元"}, "GBP": {"£", "英镑"},
	"HKD": {"HK$", "港币"}, "JPY": {"JPY ", "日元"},
}

// displayValue writes a canonical slot value for people: dates and amounts
// in the conversation's language, everything else as is.
func displayValue(t SlotType, v string, lang Lang) string {
	switch t {
	case SlotDate:
		d, err := time.Parse(dateLayout, v)
		if err != nil {
			return v
		}
		if lang == LangZh {
			return fmt.Sprintf("%d年%d月%d日", d.Year(), d.Month(), d.Day())
		}
		return d.Format("2 January 2006")
	case SlotAmount:
		a, ok := parseAmountSlot(v)
		if !ok {
			return v
		}
		num := formatMinor(a.Minor)
		if a.Currency == "JPY" {
			num = formatMinor(a.Minor)[:len(num)-3]
		}
		d, known := currencyDisplay[a.Currency]
		switch {
		case a.Currency == "":
			return num
		case !known:
			return num + " " + a.Currency
		case lang == LangZh:
			return num + d.zhSuffix
		}
		return d.en + num
	}
	return v
}
