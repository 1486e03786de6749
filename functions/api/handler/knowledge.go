package handler

// knowledge.go: what the agent desktop finds in the tenant's knowledge (一站式查询, 话术推荐):
// GET /v1/knowledge/search ranks the knowledge-base articles for a query, and a contact's
// suggestions (GET /v1/contacts/{id}/suggestions, contacts.go) rank articles and canned responses
// for the customer's last message. Articles are ranked by BM25 over their questions, answers and
// tags (shared/nlu's retriever, the one the bot answers from), built from the articles as stored
// now, so an article written a minute ago is found before any training.

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/canned"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Knowledge search limits.
const (
	maxQueryLen      = 500  // characters of a search query
	maxSearchResults = 20   // results one search answers
	maxIndexArticles = 5000 // articles one search reads (the default articles quota)
	suggestArticles  = 3    // articles in a contact's suggestions
	suggestCanned    = 3    // canned responses in a contact's suggestions
)

func (api *API) knowledgeRoutes() {
	api.router.Handle("GET /v1/knowledge/search", api.tenantKey(auth.RoleAgent, api.searchKnowledge))
}

// articleHit is an article as a search finds it: its answer in the language asked, and how well it
// matches (nlu.Hit.Match: about 1 when a question is the query verbatim, near 0 for a weak match).
type articleHit struct {
	ID        string         `json:"id"`
	Questions []string       `json:"questions"`
	Answer    string         `json:"answer" text:"multiline"`
	Answers   botconfig.Text `json:"answers"`
	Tags      []string       `json:"tags"`
	Match     float64        `json:"match"`
}

// knowledgeResults is GET /v1/knowledge/search.
type knowledgeResults struct {
	Query    string         `json:"query"`
	Language botconfig.Lang `json:"language"`
	Items    []articleHit   `json:"items"`
}

// searchQuery reads q, language and limit.
func searchQuery(r *httpapi.Request) (string, botconfig.Lang, int, error) {
	var fe []httpapi.FieldError
	q := strings.TrimSpace(r.QueryStringParameters["q"])
	if n := utf8.RuneCountInString(q); n == 0 || n > maxQueryLen {
		fe = append(fe, httpapi.FieldError{Field: "q", Reason: fmt.Sprintf("must be 1–%d characters", maxQueryLen)})
	} else if p := httpapi.TextProblem(q, false); p != "" {
		fe = append(fe, httpapi.FieldError{Field: "q", Reason: p})
	}
	lang := botconfig.Lang(r.QueryStringParameters["language"])
	if lang != "" && !lang.Valid() {
		fe = append(fe, httpapi.FieldError{Field: "language", Reason: `must be "zh" or "en" (left out: the query's own)`})
	}
	limit := 10
	if s := r.QueryStringParameters["limit"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxSearchResults {
			fe = append(fe, httpapi.FieldError{Field: "limit", Reason: fmt.Sprintf("must be an integer from 1 to %d", maxSearchResults)})
		}
		limit = n
	}
	if len(fe) > 0 {
		return "", "", 0, httpapi.Invalid(fe...)
	}
	if lang == "" {
		lang = queryLanguage(q)
	}
	return q, lang, limit, nil
}

// queryLanguage is the language of text, English when it has no letters.
func queryLanguage(text string) botconfig.Lang {
	if l := dialog.DetectLanguage(text); l != dialog.LangUnknown {
		return l
	}
	return botconfig.LangEN
}

func (api *API) searchKnowledge(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	q, lang, limit, err := searchQuery(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	articles, err := api.articlesNow(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, knowledgeResults{Query: q, Language: lang, Items: rankArticles(articles, q, lang, limit)}), nil
}

// articlesNow reads t's articles that may be served now, at most maxIndexArticles.
func (api *API) articlesNow(ctx context.Context, t tenant.ID) ([]botconfig.Article, error) {
	now := api.now()
	var out []botconfig.Article
	for rec, err := range store.Records(ctx, api.store, t, botconfig.KindArticle, "", store.PageRequest{Limit: 100}) {
		if err != nil {
			return nil, fmt.Errorf("list articles of %s: %w", t, err)
		}
		var a botconfig.Article
		if err := rec.Decode(&a); err != nil {
			return nil, fmt.Errorf("decode article %s: %w", rec.Key.ID, err)
		}
		if a.ValidAt(now) {
			out = append(out, a)
		}
		if len(out) >= maxIndexArticles {
			break
		}
	}
	return out, nil
}

// rankArticles returns up to k of articles that share words with query, best first, each with
// its answer in lang. Each question, each answer and each tag of an article is one BM25 variant;
// an article ranks by its best.
func rankArticles(articles []botconfig.Article, query string, lang botconfig.Lang, k int) []articleHit {
	x := nlu.NewIndex()
	byID := make(map[string]botconfig.Article, len(articles))
	for _, a := range articles {
		if a.ID == "" {
			continue
		}
		byID[a.ID] = a
		variants := append([]string{}, a.Questions...)
		for _, l := range []botconfig.Lang{botconfig.LangEN, botconfig.LangZH} {
			if s := a.Answer[l]; s != "" {
				variants = append(variants, s)
			}
		}
		for _, s := range append(variants, a.Tags...) {
			_ = x.Add(a.ID, s) // Add refuses only an empty id, skipped above
		}
	}
	out := []articleHit{}
	for _, h := range x.Search(query, k) {
		a := byID[h.ArticleID]
		tags := a.Tags
		if tags == nil {
			tags = []string{}
		}
		out = append(out, articleHit{ID: a.ID, Questions: a.Questions, Answer: a.AnswerFor(botconfig.ChannelChat, lang),
			Answers: a.Answer, Tags: tags, Match: h.Match})
	}
	return out
}

// suggestions are what a contact's suggestions answer: for the customer's last message, the
// articles whose answers may serve as a reply and the canned responses that fit.
type suggestions struct {
	// Message is the customer's last message the suggestions are for ("" when the customer has
	// written nothing yet: then there are none).
	Message  string          `json:"message" text:"multiline"`
	Language botconfig.Lang  `json:"language"`
	Articles []articleHit    `json:"articles"`
	Canned   []canned.Scored `json:"canned_responses"`
}

// suggest ranks t's articles and canned responses for message, in lang ("" for the message's own).
func (api *API) suggest(ctx context.Context, t tenant.ID, message string, lang botconfig.Lang) (suggestions, error) {
	out := suggestions{Message: message, Language: lang, Articles: []articleHit{}, Canned: []canned.Scored{}}
	if out.Language == "" {
		out.Language = queryLanguage(message)
	}
	if strings.TrimSpace(message) == "" {
		return out, nil
	}
	articles, err := api.articlesNow(ctx, t)
	if err != nil {
		return out, err
	}
	out.Articles = rankArticles(articles, message, out.Language, suggestArticles)
	rs, err := canned.List(ctx, api.store, t)
	if err != nil {
		return out, err
	}
	if c := canned.Rank(rs, message, out.Language, suggestCanned); c != nil {
		out.Canned = c
	}
	return out, nil
}
