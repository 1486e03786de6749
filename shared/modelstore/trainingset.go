package modelstore

import (
	"context"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Querier reads a tenant's items of one kind, a page at a time (store.Store.Query).
type Querier interface {
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
}

var _ Querier = (*store.Store)(nil)

// LoadTrainingSet reads what tenant t's model is trained on: every intent and article, and checks
// it with CheckTrainable. A configuration beyond the limits or too thin to train is an
// *UntrainableError (with the intents and articles read so far); reading stops one item past a
// limit, so a huge configuration costs no more than a trainable one.
func LoadTrainingSet(ctx context.Context, q Querier, t tenant.ID) ([]botconfig.Intent, []botconfig.Article, error) {
	intents, moreIntents, err := store.QueryAll[botconfig.Intent](ctx, q, t, botconfig.KindIntent, "", botconfig.MaxTrainingIntents)
	if err != nil {
		return nil, nil, err
	}
	articles, moreArticles, err := store.QueryAll[botconfig.Article](ctx, q, t, botconfig.KindArticle, "", botconfig.MaxTrainingArticles)
	if err != nil {
		return nil, nil, err
	}
	var over botconfig.Problems
	if moreIntents {
		over.Add("/intents", "more than %d intents; training takes at most %d", botconfig.MaxTrainingIntents, botconfig.MaxTrainingIntents)
	}
	if moreArticles {
		over.Add("/articles", "more than %d articles; the knowledge-base index takes at most %d", botconfig.MaxTrainingArticles, botconfig.MaxTrainingArticles)
	}
	if len(over) > 0 {
		return intents, articles, &UntrainableError{Problems: over}
	}
	if ue := CheckTrainable(intents, articles); ue != nil {
		return intents, articles, ue
	}
	return intents, articles, nil
}
