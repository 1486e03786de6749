package inspect

import (
	"strings"
	"testing"
)

func TestFindCards(t *testing.T) {
	tests := map[string]struct {
		text  string
		last4 []string
	}{
		"visa together":             {"my card is 4111111111111111 thanks", []string{"1111"}},
		"groups of four":            {"4111 1111 1111 1111", []string{"1111"}},
		"dashes":                    {"card 5500-0000-0000-0004.", []string{"0004"}},
		"amex 15":                   {"3782 822463 10005", []string{"0005"}},
		"19 digits, luhn fails":     {"6212345678901234567", nil},
		"unionpay 16, luhn fails":   {"卡号6222021234567890", nil},
		"luhn-valid unionpay":       {"卡号是6222 0212 3456 7894", []string{"7894"}},
		"full-width":                {"４１１１１１１１１１１１１１１１", []string{"1111"}},
		"spoken chinese":            {"我的卡号是四一一一 一一一一 一一一一 一一一一", []string{"1111"}},
		"spoken with yao":           {"四幺幺幺幺幺幺幺幺幺幺幺幺幺幺幺", []string{"1111"}},
		"spoken mixed digits":       {"卡号 六二二二 0212 3456 七八九四", []string{"7894"}},
		"luhn fails":                {"4111111111111112", nil},
		"too short":                 {"411111111111", nil},
		"one long run":              {"41111111111111111111111", nil},
		"repeated digit":            {"0000000000000000", nil},
		"phone number":              {"call 13812345678", nil},
		"number before the card":    {"第一 4111 1111 1111 1111", []string{"1111"}},
		"two cards":                 {"4111111111111111 and 5500000000000004", []string{"1111", "0004"}},
		"comma breaks":              {"4111,1111,1111,1111", nil},
		"too many separators":       {"4111     1111 1111 1111", nil},
		"ordinary chinese sentence": {"一二三四五，上山打老虎", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := FindCards(tc.text)
			var last []string
			for _, c := range got {
				last = append(last, c.Last4)
			}
			if strings.Join(last, ",") != strings.Join(tc.last4, ",") {
				t.Fatalf("FindCards(%q) = %+v, want last four %v", tc.text, got, tc.last4)
			}
		})
	}
}

func TestMaskCards(t *testing.T) {
	tests := map[string]struct {
		in, want string
		n        int
	}{
		"groups":  {"card 4111 1111 1111 1111 ok", "card **** **** **** 1111 ok", 1},
		"spoken":  {"卡号四一一一一一一一一一一一一一一一", "卡号************一一一一", 1},
		"none":    {"no card here 1234", "no card here 1234", 0},
		"two":     {"4111111111111111/5500000000000004", "************1111/************0004", 2},
		"dash":    {"5500-0000-0000-0004", "****-****-****-0004", 1},
		"unicode": {"“4111111111111111”", "“************1111”", 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, n := MaskCards(tc.in)
			if got != tc.want || n != tc.n {
				t.Fatalf("MaskCards(%q) = %q %d, want %q %d", tc.in, got, n, tc.want, tc.n)
			}
			if len(FindCards(got)) != 0 {
				t.Fatalf("the masked %q still holds a card", got)
			}
		})
	}
}

// FuzzCards: finding never panics, every card found passes the Luhn check within its 13–19
// digits and lies inside the text, and masking leaves no card to find.
func FuzzCards(f *testing.F) {
	f.Add("4111 1111 1111 1111")
	f.Add("卡号四幺幺幺 幺幺幺幺 幺幺幺幺 幺幺幺幺")
	f.Add("5500-0000-0000-0004 and 3782 822463 10005")
	f.Add("４１１１１１１１１１１１１１１１")
	f.Add("\xff4111111111111111")
	f.Fuzz(func(t *testing.T, text string) {
		for _, c := range FindCards(text) {
			if c.Start < 0 || c.End > len(text) || c.Start >= c.End {
				t.Fatalf("card span %d-%d outside %q", c.Start, c.End, text)
			}
			var d []byte
			for _, r := range text[c.Start:c.End] {
				if x, ok := digitOf(r); ok {
					d = append(d, x)
				}
			}
			if len(d) < MinCardDigits || len(d) > MaxCardDigits || !luhn(d) || digitString(d[len(d)-4:]) != c.Last4 {
				t.Fatalf("%q: card %+v is not a card (%v)", text, c, d)
			}
		}
		masked, _ := MaskCards(text)
		if len(FindCards(masked)) != 0 {
			t.Fatalf("masking %q left a card in %q", text, masked)
		}
	})
}
