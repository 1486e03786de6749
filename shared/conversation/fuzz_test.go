package conversation

import (
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
