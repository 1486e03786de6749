package dialog

import (
	"encoding/json"
	"testing"
	"time"
)

func TestCaseHolds(t *testing.T) {
	slots := map[string]string{
		"method": "DOB", "verified": "true", "amount": "20000.00 CNY", "n": "3", "empty": "", "name": "Li",
	}
	num := func(s string) any { return json.Number(s) }
	tests := map[string]struct {
		c    Case
		want bool
	}{
		"eq text ignores case":       {Case{Slot: "method", Op: OpEq, Value: "dob"}, true},
		"eq bool":                    {Case{Slot: "verified", Op: OpEq, Value: true}, true},
		"eq bool false":              {Case{Slot: "verified", Op: OpEq, Value: false}, false},
		"eq number and amount":       {Case{Slot: "amount", Op: OpEq, Value: num("20000")}, true},
		"eq number as text":          {Case{Slot: "n", Op: OpEq, Value: "3.0"}, true},
		"ne":                         {Case{Slot: "method", Op: OpNe, Value: "phone"}, true},
		"ne on a missing slot":       {Case{Slot: "nope", Op: OpNe, Value: "phone"}, false},
		"in":                         {Case{Slot: "n", Op: OpIn, Values: []any{num("1"), num("3")}}, true},
		"not in":                     {Case{Slot: "n", Op: OpNotIn, Values: []any{"1", "2"}}, true},
		"not in, but in":             {Case{Slot: "n", Op: OpNotIn, Values: []any{"3"}}, false},
		"gt amount":                  {Case{Slot: "amount", Op: OpGt, Value: num("10000")}, true},
		"gte equal":                  {Case{Slot: "n", Op: OpGte, Value: num("3")}, true},
		"lt":                         {Case{Slot: "n", Op: OpLt, Value: num("3")}, false},
		"lte":                        {Case{Slot: "n", Op: OpLte, Value: num("3.5")}, true},
		"gt on text":                 {Case{Slot: "name", Op: OpGt, Value: num("1")}, false},
		"exists":                     {Case{Slot: "name", Op: OpExists}, true},
		"exists empty":               {Case{Slot: "empty", Op: OpExists}, false},
		"missing empty":              {Case{Slot: "empty", Op: OpMissing}, true},
		"missing absent":             {Case{Slot: "nope", Op: OpMissing}, true},
		"missing present":            {Case{Slot: "name", Op: OpMissing}, false},
		"eq on a missing slot":       {Case{Slot: "nope", Op: OpEq, Value: ""}, false},
		"gt on a missing slot":       {Case{Slot: "nope", Op: OpGt, Value: num("0")}, false},
		"eq text is not numeric eq":  {Case{Slot: "name", Op: OpEq, Value: num("0")}, false},
		"in with bools":              {Case{Slot: "verified", Op: OpIn, Values: []any{false, true}}, true},
		"lt amount with fraction":    {Case{Slot: "amount", Op: OpLt, Value: num("20000.01")}, true},
		"gte amount exactly at edge": {Case{Slot: "amount", Op: OpGte, Value: num("20000")}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.c.holds(slots); got != tc.want {
				t.Errorf("%+v holds = %v, want %v", tc.c, got, tc.want)
			}
		})
	}
}

func TestDisplayValue(t *testing.T) {
	tests := map[string]struct {
		typ  SlotType
		v    string
		lang Lang
		want string
	}{
		"date en":          {SlotDate, "2025-11-21", LangEn, "21 November 2025"},
		"date zh":          {SlotDate, "2025-11-21", LangZh, "2025年11月21日"},
		"cny en":           {SlotAmount, "500.00 CNY", LangEn, "¥500.00"},
		"cny zh":           {SlotAmount, "500.00 CNY", LangZh, "500.00元"},
		"usd zh":           {SlotAmount, "20.50 USD", LangZh, "20.50美元"},
		"jpy en":           {SlotAmount, "500.00 JPY", LangEn, "JPY 500"},
		"other currency":   {SlotAmount, "9.99 CHF", LangEn, "9.99 CHF"},
		"no currency":      {SlotAmount, "9.99", LangZh, "9.99"},
		"text is verbatim": {SlotText, "{{x}}", LangEn, "{{x}}"},
		"bad date":         {SlotDate, "soon", LangEn, "soon"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := displayValue(tc.typ, tc.v, tc.lang); got != tc.want {
				t.Errorf("displayValue = %q, want %q", got, tc.want)
			}
		})
	}
}

// A template renders missing slots as nothing, and a slot's value is never
// read as a template itself.
func TestRender(t *testing.T) {
	f := &Flow{Languages: []Lang{LangZh, LangEn}}
	txt := Text{LangEn: "Card {{ card }}{{missing}}.", LangZh: "卡{{card}}。"}
	slots := map[string]string{"card": "{{card}}"}
	if got := f.render(txt, LangEn, slots); got != "Card {{card}}." {
		t.Errorf("render en = %q", got)
	}
	if got := f.render(Text{LangZh: "只有中文"}, LangEn, nil); got != "只有中文" {
		t.Errorf("render falls back to the default language: %q", got)
	}
}

func TestCardLast4Strict(t *testing.T) {
	for text, want := range map[string]string{
		"1234":                         "",
		"I lost my card in 2024":       "",
		"I lost my card ending 1234":   "1234",
		"尾号1234":                       "1234",
		"6222 0212 3456 7890 was lost": "7890",
	} {
		got, _ := extractCardLast4(text, true)
		if got != want {
			t.Errorf("strict %q = %q, want %q", text, got, want)
		}
	}
}

func TestDatePreference(t *testing.T) {
	now := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC) // a Monday
	tests := map[string]struct {
		text string
		pref datePref
		want string
	}{
		"past month-day rolls back":  {"11月21日", datePast, "2024-11-21"},
		"future month-day rolls on":  {"1月5日", dateFuture, "2026-01-05"},
		"any month-day stays":        {"Nov 21", dateAny, "2025-11-21"},
		"past weekday":               {"Friday", datePast, "2025-03-07"},
		"future weekday":             {"Friday", dateFuture, "2025-03-14"},
		"past day of month":          {"21号", datePast, "2025-02-21"},
		"future day of month":        {"5号", dateFuture, "2025-04-05"},
		"year given is kept":         {"2030年1月1日", datePast, "2030-01-01"},
		"feb 29 past to a leap year": {"2月29日", datePast, "2024-02-29"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := extractDate(tc.text, now, time.UTC, tc.pref)
			if !ok || got.Format(dateLayout) != tc.want {
				t.Errorf("extractDate(%q) = %s, %v; want %s", tc.text, got.Format(dateLayout), ok, tc.want)
			}
		})
	}
}
