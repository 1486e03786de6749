package conversation

import (
	"strconv"
	"testing"
)

func TestSurveyScore(t *testing.T) {
	for text, want := range map[string]int{
		"4": 4, " 5 ": 5, "４": 4, "4分": 4, "5星": 5, "3颗星": 3, "4/5": 4, "四": 4, "一": 1, "五分": 5,
	} {
		if n, ok := SurveyScore(text, 1, 5); !ok || n != want {
			t.Errorf("CSAT %q: %d %v, want %d", text, n, ok, want)
		}
	}
	for text, want := range map[string]int{"0": 0, "10": 10, "十": 10, "10/10": 10, "零": 0, "9分": 9} {
		if n, ok := SurveyScore(text, 0, 10); !ok || n != want {
			t.Errorf("NPS %q: %d %v, want %d", text, n, ok, want)
		}
	}
	for _, text := range []string{"", "0", "6", "45", "04", "4.5", "-4", "4 stars please", "four", "我的卡丢了", "十一", "4/10", "四五"} {
		if n, ok := SurveyScore(text, 1, 5); ok {
			t.Errorf("CSAT %q read as %d", text, n)
		}
	}
	if got := SurveyNPS.Replies(); len(got) != 11 || got[0] != "0" || got[10] != "10" {
		t.Errorf("NPS replies %v", got)
	}
	if SurveyQuestion("").Replies() != nil {
		t.Error("no question has replies")
	}
}

// A customer's survey answer is untrusted text: SurveyScore takes anything, and what it accepts is
// in the scale and reads back from its own quick reply.
func FuzzSurveyScore(f *testing.F) {
	for _, s := range []string{"4", "４分", "十", "10/10", "4/5", "", "\xff", "99", "五颗星", "0"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, csat bool) {
		lo, hi := 0, 10
		if csat {
			lo, hi = 1, 5
		}
		n, ok := SurveyScore(s, lo, hi)
		if ok && (n < lo || n > hi) {
			t.Fatalf("%q read as %d outside %d–%d", s, n, lo, hi)
		}
		if ok {
			if m, ok2 := SurveyScore(strconv.Itoa(n), lo, hi); !ok2 || m != n {
				t.Fatalf("%d's own reply reads %d %v", n, m, ok2)
			}
		}
	})
}
