package dialog_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/dialog"
)

// Regression: digit groups were joined by repeated string concatenation,
// quadratic in the number of groups (0.6 s for 60 KB of "1 1 1 …"). The
// extractors now read at most MaxExtractBytes and build groups linearly.
func TestExtractorsBoundedOnLongInput(t *testing.T) {
	inputs := map[string]string{
		"digits spaced": strings.Repeat("1 ", 30000),
		"ending":        strings.Repeat("ending 1 ", 8000),
		"zh":            strings.Repeat("一二三四五六七八九十百千万", 5000),
		"en words":      strings.Repeat("one hundred and ", 5000),
		"a":             strings.Repeat("a ", 30000),
		"yuan":          strings.Repeat("5块5", 10000),
		"not":           strings.Repeat("not debit ", 6000),
		"plus":          strings.Repeat("+1 ", 20000),
		"stars":         strings.Repeat("**", 30000) + "1234",
		"dots":          strings.Repeat("1.", 30000),
	}
	vals := []dialog.EnumValue{{Value: "debit", Synonyms: map[dialog.Lang][]string{"en": {"debit card"}}}, {Value: "credit"}}
	now := time.Now()
	for name, s := range inputs {
		for fname, fn := range map[string]func(){
			"number": func() { dialog.ExtractNumber(s) },
			"amount": func() { dialog.ExtractAmount(s) },
			"date":   func() { dialog.ExtractDate(s, now, nil) },
			"phone":  func() { dialog.ExtractPhone(s) },
			"card":   func() { dialog.ExtractCardLast4(s) },
			"enum":   func() { dialog.MatchEnum(s, vals) },
			"yes":    func() { dialog.IsYes(s) },
		} {
			b := time.Now()
			fn()
			if d := time.Since(b); d > 250*time.Millisecond {
				t.Errorf("%s/%s: %v (%d bytes)", name, fname, d, len(s))
			}
		}
	}
}
