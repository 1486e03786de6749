package topics

import (
	"slices"
	"strings"
	"testing"
)

func TestNamesGrowFragmentsAndTrimFunctionWords(t *testing.T) {
	topUp := []string{
		"my auto top-up did not work",
		"auto top-up failed again",
		"how do I turn off auto top-up",
		"auto top-up charged me twice",
		"is there a limit on auto top-up",
		"auto top-up is not showing",
	}
	quota := []string{
		"花呗额度不够用",
		"借呗额度不够怎么办",
		"为什么花呗额度不够",
		"借呗额度不够了能提升吗",
		"花呗额度不够付款",
		"额度不够借呗用不了",
	}
	msgs, _ := messages(topUp, quota)
	ts := Cluster(msgs, Options{})
	if len(ts) != 2 {
		t.Fatalf("%d topics, want 2", len(ts))
	}
	var names []string
	for _, tp := range ts {
		names = append(names, tp.Phrases...)
		for _, p := range tp.Phrases {
			if strings.HasPrefix(p, "呗") {
				t.Errorf("phrase %q starts inside 花呗/借呗", p)
			}
			if strings.HasPrefix(p, "is ") || strings.HasSuffix(p, " my") || strings.HasPrefix(p, "怎么") || strings.HasSuffix(p, "怎么") {
				t.Errorf("phrase %q keeps a function word at an end", p)
			}
		}
	}
	for _, want := range []string{"auto top up", "额度不够"} {
		if !slices.Contains(names, want) {
			t.Errorf("phrases %q lack %q", names, want)
		}
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"charges": "charg", "charged": "charg", "charging": "charg", "charge": "charg",
		"cards": "card", "stopped": "stop", "replies": "reply", "access": "access",
		"status": "status", "top": "top", "used": "used", "café": "café",
	} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnalyze(t *testing.T) {
	keys := func(text string) []string {
		var out []string
		for _, tm := range analyze(text) {
			out = append(out, tm.key)
		}
		return out
	}
	got := keys("My TOP-UP failed")
	for _, want := range []string{"top", "up", "fail", "top up", "fail up"} {
		if !slices.Contains(got, want) {
			t.Errorf("analyze: %q lacks %q", got, want)
		}
	}
	if slices.Contains(got, "my") {
		t.Errorf("analyze kept the stopword: %q", got)
	}
	// A comma ends a clause: no bigram across it.
	if slices.Contains(keys("refund, please card"), "card refund") {
		t.Error("bigram across a comma")
	}
	zh := keys("花呗的额度")
	for _, want := range []string{"花", "花呗", "额度", "的额度", "呗的额"} {
		if !slices.Contains(zh, want) {
			t.Errorf("analyze: %q lacks %q", zh, want)
		}
	}
	if slices.Contains(zh, "的") {
		t.Errorf("analyze kept a lone function character: %q", zh)
	}
	// Full-width forms fold to ASCII.
	if got := keys("ＲＥＦＵＮＤ"); !slices.Equal(got, []string{"refund"}) {
		t.Errorf("full width: %q", got)
	}
}

func TestOverlaps(t *testing.T) {
	for _, c := range []struct {
		p, q string
		want bool
	}{
		{"top up", "top", true},
		{"disposable cards", "disposable virtual", true},
		{"electric bill", "water bill", false},
		{"refund", "return", false},
		{"信用", "用卡", true},
		{"信用卡", "信用", true},
		{"自动扣款", "自动还款", false},
		{"花呗", "refund", false},
	} {
		if got := overlaps(c.p, c.q); got != c.want {
			t.Errorf("overlaps(%q, %q) = %v", c.p, c.q, got)
		}
	}
}
