package conversation

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/dialog"
)

// Customer text is untrusted: the detector must take anything without panicking, and decide the
// same way twice.
func FuzzWantsPerson(f *testing.F) {
	for _, s := range []string{"转人工", "不要转人工", "agent please", "I don't want a human", "人工智能", "", "\xff\xfe", "talk to a real person now", "ok thanks", "好的谢谢", "不用了谢谢再见"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := WantsPerson(s)
		if a != WantsPerson(s) {
			t.Fatal("not deterministic")
		}
		_ = dialog.Follow("", s)
		if closing(s) != closing(s) {
			t.Fatal("closing is not deterministic")
		}
		if utf8.ValidString(s) {
			_ = dialog.DetectLanguage(s)
		}
	})
}

// requestRest reads untrusted customer text too: it takes anything, and what it keeps never
// holds a word of a bare request (a keyword or filler), so a bare request is never sent to the
// model.
func FuzzRequestRest(f *testing.F) {
	for _, s := range []string{"转人工", "转人工，我想问营业时间", "agent please", "talk to a person about my refund", "请帮我转人工吧", "", "\xff\xfe", "人工客服，谢谢", "I'd like to speak with someone about the fees"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rest := requestRest(s)
		if utf8.ValidString(s) && !utf8.ValidString(rest) {
			t.Fatalf("requestRest(%q) = %q is not UTF-8", s, rest)
		}
		for _, w := range strings.Fields(rest) {
			if enKeywords[w] || enFiller[w] {
				t.Fatalf("requestRest(%q) kept %q", s, w)
			}
		}
	})
}
