package vocsource_test

import (
	"testing"

	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/vocreport"
	"github.com/lingxi/lingxi/shared/vocsource"
)

// Rows of one dimension combine weighted by their answers: billing (5, 2; NPS 10, 3) and cards (4;
// NPS 9) are CSAT (5+2+4)/3 = 3.67, 2 of 3 at 4–5 = 66.67 %, NPS (2 − 1)/3 = +33.33; a row with
// NPS answers only adds to NPS alone.
func TestCombine(t *testing.T) {
	billing := satisfaction.Sums{CSATCount: 2, CSATSum: 7, CSATTop: 1, NPSCount: 2, Promoters: 1, Detractors: 1}.Row("billing")
	cards := satisfaction.Sums{CSATCount: 1, CSATSum: 4, CSATTop: 1, NPSCount: 1, Promoters: 1}.Row("cards")
	npsOnly := satisfaction.Sums{NPSCount: 1, Detractors: 1}.Row("voice")
	if got, want := vocsource.Combine([]satisfaction.Row{billing, cards}), (vocreport.Score{CSATCount: 3, CSATMean: 3.67, CSATPercent: 66.67, NPSCount: 3, NPS: 33.33}); got != want {
		t.Fatalf("combined %+v, want %+v", got, want)
	}
	if got, want := vocsource.Combine([]satisfaction.Row{billing, cards, npsOnly}), (vocreport.Score{CSATCount: 3, CSATMean: 3.67, CSATPercent: 66.67, NPSCount: 4, NPS: 0}); got != want {
		t.Fatalf("with an NPS-only row %+v, want %+v", got, want)
	}
	if got := vocsource.Combine(nil); got != (vocreport.Score{}) {
		t.Fatalf("no rows %+v", got)
	}
}
