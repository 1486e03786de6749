package nlu

import (
	"errors"
	"math"
	"testing"
)

func matchPairs() []Pair {
	products := []string{"花呗", "借呗", "余额宝", "信用卡"}
	asks := [][2]string{
		{"怎么还款", "如何还钱"}, {"额度怎么提高", "怎么提升额度"}, {"可以分期吗", "能不能分期"},
		{"利息怎么算", "利息是怎么计算的"}, {"为什么不能用了", "怎么用不了"}, {"账单几号出", "什么时候出账单"},
	}
	var out []Pair
	for i, p := range products {
		q := products[(i+1)%len(products)]
		for _, a := range asks {
			out = append(out,
				Pair{A: p + a[0], B: p + a[1], Same: true},
				Pair{A: p + a[0], B: q + a[0], Same: false},
				Pair{A: p + a[1], B: q + a[1], Same: false})
		}
	}
	return out
}

func TestMatcherLearnsProductMismatch(t *testing.T) {
	m, err := TrainMatcher(matchPairs(), MatcherOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"花呗怎么还款呢", "花呗如何还钱", true},
		{"借呗怎么还款呢", "花呗怎么还款呢", false},
		{"余额宝额度怎么提高", "余额宝怎么提升额度", true},
	} {
		if got := m.Match(c.a, c.b); got != c.same {
			t.Errorf("Match(%s, %s) = %v (score %.3f, threshold %.3f), want %v", c.a, c.b, got, m.Score(c.a, c.b), m.Threshold(), c.same)
		}
	}
	if s1, s2 := m.Score("花呗怎么还款", "借呗怎么还款"), m.Score("借呗怎么还款", "花呗怎么还款"); math.Abs(s1-s2) > 1e-12 {
		t.Errorf("Score depends on the order of the sides: %v vs %v", s1, s2)
	}
}

func TestTrainMatcherRejectsOneSidedData(t *testing.T) {
	if _, err := TrainMatcher(nil, MatcherOptions{}); !errors.Is(err, errNoPairs) {
		t.Errorf("no pairs: %v", err)
	}
	if _, err := TrainMatcher([]Pair{{A: "a", B: "b", Same: true}, {A: "c", B: "d", Same: true}}, MatcherOptions{}); !errors.Is(err, errOneSidedSet) {
		t.Errorf("one label: %v", err)
	}
}

func TestBestThresholdSeparates(t *testing.T) {
	s := []scored{{0.1, false}, {0.2, false}, {0.35, true}, {0.3, false}, {0.8, true}, {0.9, true}}
	if got := bestThreshold(s); got <= 0.3 || got > 0.35 {
		t.Errorf("threshold %v, want in (0.3, 0.35]", got)
	}
	if got := bestThreshold([]scored{{0.5, true}, {0.5, true}}); got > 0.5 {
		t.Errorf("all same: threshold %v above every score", got)
	}
}

func TestPairFeatureMeasures(t *testing.T) {
	if d := levenshtein([]rune("花呗还款"), []rune("借呗还钱")); d != 2 {
		t.Errorf("levenshtein %d, want 2", d)
	}
	if l := longestCommonSubstring([]rune("怎么开通花呗"), []rune("花呗怎么开通")); l != 4 {
		t.Errorf("longest common substring %d, want 4", l)
	}
	a, b := analysePair("我还了500元"), analysePair("我还了５００元")
	if a.numbers[0] != "500" || b.numbers[0] != "500" {
		t.Errorf("numbers %v %v, want full-width digits folded", a.numbers, b.numbers)
	}
}
