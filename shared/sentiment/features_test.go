package sentiment

import (
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	cases := map[string][]string{
		"I can't believe it!!! soooo good :) http://t.co/x @bob": {"i", "cant", "believe", "it", "!", "|", "!", "|", "!", "|", "soo", "good", ":)", "_url", "_user"},
		"服务很好，但是太慢了。":                                            {"服务很好", "|", "但是太慢了", "|"},
		"ＡＢＣ退款😡":                                                 {"abc", "退款", "😡"},
		"hasn't arrived; still waiting":                          {"hasnt", "arrived", "|", "still", "waiting"},
	}
	an := newAnalyzer(DefaultFeatures())
	for text, want := range cases {
		if got := an.tokenStrings(text); !slices.Equal(got, want) {
			t.Errorf("%q: got %q, want %q", text, got, want)
		}
	}
}

func hasFeature(an *analyzer, text string, h uint64) bool {
	return slices.Contains(an.features(nil, text), h)
}

func TestNegationScopes(t *testing.T) {
	an := newAnalyzer(DefaultFeatures())
	negGood := finish(hashRunes(kindNegWord, []rune("good")), groupWord)
	if !hasFeature(an, "this is not very good", negGood) {
		t.Error(`"not very good" lacks negated "good"`)
	}
	if hasFeature(an, "not bad. good", negGood) {
		t.Error("the negation scope crossed a full stop")
	}
	if hasFeature(an, "this is good", negGood) {
		t.Error(`"good" negated without a negator`)
	}
	negSatisfied := finish(hashRunes(kindNegCJK, []rune("满意")), groupWord)
	if !hasFeature(an, "我很不满意", negSatisfied) {
		t.Error(`"不满意" lacks negated "满意"`)
	}
	if hasFeature(an, "我很满意", negSatisfied) {
		t.Error(`"满意" negated without a negator`)
	}
	off := newAnalyzer(FeatureConfig{CJKMax: 3})
	if hasFeature(off, "not good 不满意", negGood) || hasFeature(off, "不满意", negSatisfied) {
		t.Error("negation features with the scopes off")
	}
}

// TestNegationFlips trains on sentences where "never" reverses a word's
// polarity and checks that another negator ("not", which training never
// saw) flips unseen sentences too: the negated words carry the polarity.
func TestNegationFlips(t *testing.T) {
	var ex []Example
	pos := []string{"good", "helpful", "fast", "friendly", "clear"}
	neg := []string{"bad", "rude", "slow", "useless", "confusing"}
	subjects := []string{"the agent was", "the app is", "your service was", "the answer was"}
	for _, s := range subjects {
		for i := range pos {
			ex = append(ex,
				Example{Text: s + " " + pos[i], Label: Positive},
				Example{Text: s + " " + neg[i], Label: Negative},
				Example{Text: s + " never " + neg[i], Label: Positive},
				Example{Text: s + " never " + pos[i], Label: Negative})
		}
	}
	for _, s := range []string{"满意", "方便", "专业"} {
		ex = append(ex, Example{Text: "服务很" + s, Label: Positive}, Example{Text: "服务很不" + s, Label: Negative},
			Example{Text: "价格" + s, Label: Positive}, Example{Text: "价格不" + s, Label: Negative})
	}
	m, err := Train(ex, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]Label{
		"the delivery was not good": Negative,
		"the delivery was good":     Positive,
		"the delivery was not slow": Positive,
		"the delivery was slow":     Negative,
		"售后很满意":                     Positive,
		"售后很不满意":                    Negative,
	}
	for text, want := range cases {
		if got := m.Predict(text); got.Label != want {
			t.Errorf("%q: got %+v, want %s", text, got, want)
		}
	}
}
