package nlu

import (
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := map[string]struct {
		in   string
		want []string
	}{
		"english lower-cased, punctuation dropped": {"Where's my CARD?!", []string{"wheres", "my", "card"}},
		"curly apostrophe joins":                   {"hasn’t arrived", []string{"hasnt", "arrived"}},
		"trailing apostrophe splits":               {"users' cards", []string{"users", "cards"}},
		"chinese run is one token":                 {"我的卡丢了", []string{"我的卡丢了"}},
		"mixed scripts split at the boundary":      {"我的iPhone坏了", []string{"我的", "iphone", "坏了"}},
		"full-width ascii folded":                  {"ＡＴＭ机", []string{"atm", "机"}},
		"chinese punctuation splits runs":          {"你好，请问余额", []string{"你好", "请问余额"}},
		"digits are word runes":                    {"top up £20", []string{"top", "up", "20"}},
		"empty":                                    {"  ?! ", []string{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := newAnalyzer(DefaultFeatures()).tokenStrings(tc.in)
			if !slices.Equal(got, tc.want) {
				t.Errorf("tokens(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func countGroup(fs []uint64, g int) int {
	n := 0
	for _, h := range fs {
		if groupOf(h) == g {
			n++
		}
	}
	return n
}

func TestFeaturesEnglish(t *testing.T) {
	cfg := FeatureConfig{WordBigrams: true, CharMin: 2, CharMax: 5, CJKMax: 3, CharWeight: 1}
	a := newAnalyzer(cfg)
	fs := a.features(nil, "lost card")
	// Words: 2 unigrams + 3 bigrams (^ lost, lost card, card ^).
	if got := countGroup(fs, groupWord); got != 5 {
		t.Errorf("word features = %d, want 5", got)
	}
	// " lost " has 6 runes: n-grams of 2..5 = 5+4+3+2 = 14; " card " likewise.
	if got := countGroup(fs, groupChar); got != 28 {
		t.Errorf("char features = %d, want 28", got)
	}
	// Same words, same features, in any call.
	if again := a.features(nil, "LOST card!"); !slices.Equal(sorted(fs), sorted(again)) {
		t.Error("features differ for text differing only in case and punctuation")
	}
}

func TestFeaturesTypoSharesCharGrams(t *testing.T) {
	a := newAnalyzer(DefaultFeatures())
	right := sorted(a.features(nil, "transfer"))
	typo := sorted(a.features(nil, "trasnfer"))
	other := sorted(a.features(nil, "balance"))
	shared := func(x, y []uint64) int {
		n := 0
		for _, h := range x {
			if _, ok := slices.BinarySearch(y, h); ok {
				n++
			}
		}
		return n
	}
	if s, o := shared(right, typo), shared(right, other); s < 8 || s <= 3*o {
		t.Errorf("typo shares %d features with the word, an unrelated word %d; want many more for the typo", s, o)
	}
	// The whole word is a feature only when spelt right.
	if shared(right, typo) == len(right) {
		t.Error("typo shares every feature")
	}
}

func TestFeaturesChinese(t *testing.T) {
	cfg := DefaultFeatures()
	a := newAnalyzer(cfg)
	fs := a.features(nil, "信用卡丢了")
	// 5 characters: 5 unigrams + 4 bigrams + 3 trigrams, all in the word
	// group; no Latin char n-grams, no word bigrams.
	if got, want := countGroup(fs, groupWord), 12; got != want {
		t.Errorf("word-group features = %d, want %d", got, want)
	}
	if got := countGroup(fs, groupChar); got != 0 {
		t.Errorf("char-group features = %d, want 0", got)
	}
	// A paraphrase sharing the word 信用卡 shares its n-grams.
	other := sorted(a.features(nil, "我的信用卡"))
	n := 0
	for _, h := range sorted(fs) {
		if _, ok := slices.BinarySearch(other, h); ok {
			n++
		}
	}
	// 信 用 卡, 信用 用卡, 信用卡.
	if n != 6 {
		t.Errorf("shared n-grams = %d, want 6", n)
	}
}

func TestFeaturesCJKMax(t *testing.T) {
	cfg := DefaultFeatures()
	cfg.CJKMax = 1
	if got := len(newAnalyzer(cfg).features(nil, "余额查询")); got != 4 {
		t.Errorf("unigram-only features = %d, want 4", got)
	}
}

func sorted(v []uint64) []uint64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s
}

func TestTransformNormalisesGroups(t *testing.T) {
	texts := []string{"lost my card", "card arrived", "transfer money", "我的卡丢了"}
	v := fitVectorizer(DefaultFeatures(), texts, 1)
	tr := v.newTransformer()
	for _, text := range texts {
		x, known := tr.transform(sparse{}, text)
		if known == 0 {
			t.Fatalf("%q: no known features", text)
		}
		var norm [numGroups]float64
		for i, c := range x.idx {
			norm[groupOf(v.hash[c])] += float64(x.val[i]) * float64(x.val[i])
			if i > 0 && x.idx[i-1] >= c {
				t.Fatalf("%q: columns not ascending", text)
			}
		}
		for g, n := range norm {
			if n != 0 && (n < 0.999 || n > 1.001) {
				t.Errorf("%q group %d: squared norm %.4f, want 1", text, g, n)
			}
		}
	}
	if _, known := tr.transform(sparse{}, "zzqx"); known != 0 {
		t.Errorf("unseen text has %d known features", known)
	}
}

// FuzzFeatures: customer text is untrusted; extraction must not panic and
// must not depend on earlier calls (the analyzer reuses its buffers).
func FuzzFeatures(f *testing.F) {
	for _, s := range []string{"I lost my card", "我的卡丢了", "ＡＴＭ机 hasn’t", "'", "a'b'", "\xff\xfe", "🙂 top-up £20!!"} {
		f.Add(s)
	}
	cfg := DefaultFeatures()
	cfg.SkipWindow = 3
	a := newAnalyzer(cfg)
	f.Fuzz(func(t *testing.T, text string) {
		first := slices.Clone(a.features(nil, text))
		a.features(nil, "warm the buffers with something else 中文")
		if again := a.features(nil, text); !slices.Equal(first, again) {
			t.Errorf("features of %q changed between calls", text)
		}
		a.terms(nil, text)
	})
}
