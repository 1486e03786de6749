package inspect

import (
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"case":                {"HeLLo World", "hello world"},
		"full-width letters":  {"ＨＥＬＬＯ　ｗｏｒｌｄ", "hello world"},
		"full-width digits":   {"１２３", "123"},
		"chinese punctuation": {"您好，请问！", "您好请问"},
		"runs of separators":  {"  a -- b\t\n c  ", "a b c"},
		"invalid utf-8":       {"a\xffb", "a b"},
		"zero-width":          {"no\u200bway", "no way"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Fold(tc.in); got != tc.want {
				t.Fatalf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPhrasesFind(t *testing.T) {
	tests := map[string]struct {
		phrases []string
		text    string
		want    string // "" for no match
	}{
		"chinese inside a sentence":    {[]string{"不归我管"}, "这个事情不归我管啊", "不归我管"},
		"chinese with a space between": {[]string{"您好"}, "您 好，请问有什么可以帮您", "您好"},
		"chinese spaces folded":        {[]string{"您好"}, "您好", "您好"},
		"chinese full-width punct":     {[]string{"还有什么可以帮您"}, "好的。还有什么可以帮您？", "还有什么可以帮您"},
		"english case":                 {[]string{"shut up"}, "Just SHUT UP please", "shut up"},
		"english full-width":           {[]string{"shut up"}, "ｓｈｕｔ　ｕｐ", "shut up"},
		"english word edge":            {[]string{"hi"}, "this is fine", ""},
		"english word edge at end":     {[]string{"bye"}, "goodbye", ""},
		"typographic apostrophe":       {[]string{"i don't care"}, "Honestly, I don’t care.", "i don't care"},
		"apostrophe the same":          {[]string{"i don't care"}, "honestly i don't care", "i don't care"},
		"second phrase":                {[]string{"闭嘴", "whatever"}, "Whatever you say", "whatever"},
		"mixed script":                 {[]string{"verify your identity"}, "好的, please verify your identity 谢谢", "verify your identity"},
		"phrase of punctuation only":   {[]string{"!!!"}, "!!!", ""},
		"no phrases":                   {nil, "anything", ""},
		"later occurrence at an edge":  {[]string{"no"}, "not now, no", "no"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := NewPhrases(tc.phrases).Find(tc.text)
			if ok != (tc.want != "") || got != tc.want {
				t.Fatalf("Find(%q) = %q %v, want %q", tc.text, got, ok, tc.want)
			}
		})
	}
}

func TestWords(t *testing.T) {
	tests := map[string]struct {
		in   string
		want int
	}{
		"english":      {"How can I help you today?", 6},
		"chinese":      {"您好请问", 4},
		"mixed":        {"您好 hello 123", 4},
		"punctuation":  {"...!!", 0},
		"contractions": {"don't", 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Words(tc.in); got != tc.want {
				t.Fatalf("Words(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzPhrases: the matcher never panics, finds every phrase in a text that is the phrase, and
// finds alike in a text and its full-width or upper-case form.
func FuzzPhrases(f *testing.F) {
	f.Add("这个不归我管", "不归我管")
	f.Add("Just SHUT UP", "shut up")
	f.Add("goodbye", "bye")
	f.Add("ｓｈｕｔ　ｕｐ", "shut up")
	f.Add("a\xffb", "b")
	f.Fuzz(func(t *testing.T, text, phrase string) {
		p := NewPhrases([]string{phrase})
		_, ok := p.Find(text)
		if Fold(phrase) != "" {
			if _, self := p.Find(phrase); !self {
				t.Fatalf("%q does not find itself", phrase)
			}
		}
		if _, wide := p.Find(toFullWidth(text)); wide != ok {
			t.Fatalf("Find(%q) = %v but its full-width form %v", text, ok, wide)
		}
		if isASCII(text) && isASCII(phrase) {
			if _, up := p.Find(strings.ToUpper(text)); up != ok {
				t.Fatalf("Find(%q) = %v but upper case %v", text, ok, up)
			}
		}
	})
}

func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ':
			b.WriteRune(0x3000)
		case r > 0x20 && r < 0x7f:
			b.WriteRune(r + 0xFEE0)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
