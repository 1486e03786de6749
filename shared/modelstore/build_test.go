package modelstore

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/botconfig"
)

// Articles are trained as classes while the knowledge base fits the training budget, and left to
// retrieval alone when it does not.
func TestArticleExamplesWithinBudget(t *testing.T) {
	articles := func(n, questions int) []botconfig.Article {
		out := make([]botconfig.Article, n)
		for i := range out {
			out[i].ID = fmt.Sprintf("a%d", i)
			for q := 0; q < questions; q++ {
				out[i].Questions = append(out[i].Questions, fmt.Sprintf("question %d of %d", q, i))
			}
		}
		return out
	}
	got := articleExamples(4, 40, articles(8, 3))
	if len(got) != 24 || !strings.HasPrefix(got[0].Intent, botconfig.ArticleClass) {
		t.Fatalf("small knowledge base: %d examples (%v), want 24 article-class examples", len(got), got[:1])
	}
	if got := articleExamples(100, 4000, articles(2000, 2)); got != nil {
		t.Fatalf("knowledge base past the budget trained as %d class examples", len(got))
	}
}
