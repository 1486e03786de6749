package nlu

import (
	"math"
	"testing"
)

func TestBM25ScoreByHand(t *testing.T) {
	x := NewIndex()
	must(t, x.Add("a", "reset pin"))
	must(t, x.Add("b", "reset password now please"))
	must(t, x.Add("c", "card fees"))
	hits := x.Search("reset pin", 10)
	if len(hits) != 2 || hits[0].ArticleID != "a" || hits[1].ArticleID != "b" {
		t.Fatalf("hits = %+v, want a then b", hits)
	}
	// N=3, avgdl=(2+4+2)/3; k1=1.2, b=0.75.
	avg := 8.0 / 3
	idf := func(df float64) float64 { return math.Log(1 + (3-df+0.5)/(df+0.5)) }
	term := func(df, dl float64) float64 {
		return idf(df) * 2.2 / (1 + 1.2*(1-0.75+0.75*dl/avg))
	}
	wantA := term(2, 2) + term(1, 2) // "reset" in a and b, "pin" in a only
	wantB := term(2, 4)
	if math.Abs(hits[0].Score-wantA) > 1e-9 || math.Abs(hits[1].Score-wantB) > 1e-9 {
		t.Errorf("scores = %.6f, %.6f; want %.6f, %.6f", hits[0].Score, hits[1].Score, wantA, wantB)
	}
	if hits[0].Match < 0.99 || hits[0].Match > 1.01 {
		t.Errorf("verbatim match = %.3f, want about 1", hits[0].Match)
	}
}

func TestBM25BestVariantPerArticle(t *testing.T) {
	x := NewIndex()
	must(t, x.Add("pin", "how do i reset my pin"))
	must(t, x.Add("pin", "forgot pin"))
	must(t, x.Add("fees", "what are the fees for a card"))
	hits := x.Search("forgot my pin", 5)
	if len(hits) == 0 || hits[0].ArticleID != "pin" {
		t.Fatalf("hits = %+v, want pin first", hits)
	}
	for _, h := range hits[1:] {
		if h.ArticleID == "pin" {
			t.Errorf("article pin returned twice: %+v", hits)
		}
	}
	if got := x.Search("nothing matches", 5); len(got) != 0 {
		t.Errorf("unrelated query hits %+v", got)
	}
	if err := x.Add("", "text"); err == nil {
		t.Error("Add with empty article id: no error")
	}
}

func TestBM25Chinese(t *testing.T) {
	x := NewIndex()
	must(t, x.Add("lost-card", "信用卡丢了怎么办"))
	must(t, x.Add("balance", "怎么查询余额"))
	hits := x.Search("我的信用卡丢了", 2)
	if len(hits) == 0 || hits[0].ArticleID != "lost-card" {
		t.Fatalf("hits = %+v, want lost-card first", hits)
	}
}

func TestIndexRoundTrip(t *testing.T) {
	x := NewIndex()
	must(t, x.Add("a", "reset pin"))
	must(t, x.Add("b", "card fees 费用"))
	data, err := x.Marshal()
	must(t, err)
	y, err := UnmarshalIndex(data)
	must(t, err)
	for _, q := range []string{"reset my pin", "fees", "费用"} {
		a, b := x.Search(q, 3), y.Search(q, 3)
		if len(a) != len(b) {
			t.Fatalf("%q: %v vs %v", q, a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%q: hit %d %+v vs %+v", q, i, a[i], b[i])
			}
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
