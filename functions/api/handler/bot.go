package handler

// The tenant's bot configuration (shared/botconfig): intents, knowledge-base articles, flows and
// settings. Every route needs an admin key and acts on the key's tenant only. Items carry a
// version, returned in the body ("version") and as an ETag; a write may name the version it
// replaces with If-Match (or demand that nothing exists with If-None-Match: *) and gets 412 if the
// item moved on. Every accepted write commits one bot.config.changed event with it.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Option adds an optional dependency to New.
type Option func(*API)

// Problem kinds of the bot configuration routes, beyond httpapi's.
var (
	kindPrecondition = &httpapi.Kind{Slug: "precondition-failed", Title: "The resource is not at the version the request names", Status: http.StatusPreconditionFailed}
	kindUntrainable  = &httpapi.Kind{Slug: "untrainable", Title: "The bot's configuration cannot be trained", Status: http.StatusUnprocessableEntity}
)

// configSubject is the subject of every bot.config.changed event, so a tenant's configuration
// changes keep their order on the stream.
const configSubject = "botconfig"

// invalid turns botconfig problems into a validation error.
func invalid(p botconfig.Problems) error {
	return httpapi.Invalid(p...)
}

// precondition is what a write's If-Match / If-None-Match headers ask.
type precondition struct {
	version int64 // If-Match: <version>; 0 when absent
	exists  bool  // If-Match: *
	absent  bool  // If-None-Match: *
}

func (pc precondition) any() bool { return pc.version > 0 || pc.exists || pc.absent }

// preconditions reads If-Match and If-None-Match. A version is written as the ETag ("3"), or bare.
func preconditions(r *httpapi.Request) (precondition, error) {
	var pc precondition
	if m := strings.TrimSpace(r.Header("if-match")); m != "" {
		if m == "*" {
			pc.exists = true
		} else {
			n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(m, "W/"), `"`), 10, 64)
			if err != nil || n < 1 {
				return pc, httpapi.Invalid(httpapi.FieldError{Field: "If-Match", Reason: `must be a version from an ETag ("3") or *`})
			}
			pc.version = n
		}
	}
	if m := strings.TrimSpace(r.Header("if-none-match")); m != "" {
		if m != "*" {
			return pc, httpapi.Invalid(httpapi.FieldError{Field: "If-None-Match", Reason: "only * is supported (create only if absent)"})
		}
		if pc.version > 0 || pc.exists {
			return pc, httpapi.Invalid(httpapi.FieldError{Field: "If-None-Match", Reason: "cannot be combined with If-Match"})
		}
		pc.absent = true
	}
	return pc, nil
}

func etag(version int64) map[string]string {
	return map[string]string{"ETag": `"` + strconv.FormatInt(version, 10) + `"`}
}

// configChanged is the event of an accepted configuration write.
func configChanged(p auth.Principal, changes ...lxevents.BotConfigChange) (lxevents.Envelope, error) {
	return lxevents.New(p.Tenant, lxevents.TypeBotConfigChanged, configSubject, Source,
		lxevents.BotConfigChanged{Changes: changes, ChangedBy: p.Actor()})
}

// currentVersion returns the version of t's item k, 0 if it does not exist.
func (api *API) currentVersion(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error) {
	v, err := api.store.Get(ctx, t, k, out)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get %s: %w", k, err)
	}
	return v, nil
}

// checkPrecondition compares the item's current version (0: absent) with what the request asks.
func checkPrecondition(pc precondition, current int64, what string) error {
	switch {
	case pc.version > 0 && current != pc.version:
		if current == 0 {
			return httpapi.Errorf(kindPrecondition, "%s does not exist (If-Match: %d)", what, pc.version)
		}
		return httpapi.Errorf(kindPrecondition, "%s is at version %d, not %d", what, current, pc.version)
	case pc.exists && current == 0:
		return httpapi.Errorf(kindPrecondition, "%s does not exist (If-Match: *)", what)
	case pc.absent && current > 0:
		return httpapi.Errorf(kindPrecondition, "%s already exists, at version %d (If-None-Match: *)", what, current)
	}
	return nil
}

// loadForWrite reads t's item k into out for a write under pc: 400 for If-None-Match (the item
// is created by the route createdBy names, e.g. "POST /v1/users"), 404 when absent, 412 when pc
// names another version. what names the item in messages, plural its kind.
func (api *API) loadForWrite(ctx context.Context, t tenant.ID, k store.Key, what, plural, createdBy string, pc precondition, out any) (int64, error) {
	if pc.absent {
		return 0, httpapi.Invalid(httpapi.FieldError{Field: "If-None-Match", Reason: "means nothing here: " + plural + " are created by " + createdBy})
	}
	cur, err := api.currentVersion(ctx, t, k, out)
	if err != nil {
		return 0, err
	}
	if cur == 0 && pc.version == 0 {
		return 0, httpapi.Errorf(httpapi.KindNotFound, "no %s", what)
	}
	return cur, checkPrecondition(pc, cur, what)
}

// putItem creates or replaces the tenant's item k with build(newVersion) under the request's
// preconditions, with its event, and returns the new version and whether it created the item.
func (api *API) putItem(ctx context.Context, p auth.Principal, k store.Key, kind lxevents.BotConfigKind, what string,
	pc precondition, build func(newVersion int64) any) (int64, bool, error) {
	current := pc.version
	if current == 0 {
		var err error
		if current, err = api.currentVersion(ctx, p.Tenant, k, nil); err != nil {
			return 0, false, err
		}
		if err := checkPrecondition(pc, current, what); err != nil {
			return 0, false, err
		}
	}
	ev, err := configChanged(p, lxevents.BotConfigChange{Kind: kind, ID: k.ID, Action: lxevents.BotConfigPut, Version: current + 1})
	if err != nil {
		return 0, false, err
	}
	c, err := api.countItems(ctx, p.Tenant, k.Kind, current == 0, 1)
	if err != nil {
		return 0, false, err
	}
	ops := append(c.Ops, store.PutOp(p.Tenant, k, build(current+1), current))
	if err := api.commit.Commit(ctx, ops, ev); err != nil {
		if qerr := api.ledger.Refused(ctx, p.Tenant, c, err); qerr != nil {
			return 0, false, qerr
		}
		return 0, false, writeConflict(err, pc, what)
	}
	return current + 1, current == 0, nil
}

// writeConflict maps a failed conditional write: 412 when the request named a version, 409 when
// another writer got in between our read and our write.
func writeConflict(err error, pc precondition, what string) error {
	if !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("write %s: %w", what, err)
	}
	if pc.any() {
		return httpapi.Errorf(kindPrecondition, "%s is not at the version the request names", what)
	}
	return httpapi.Errorf(httpapi.KindConflict, "%s changed while this request was served; read it again and retry", what)
}

// deleteItem deletes the tenant's item k under the request's preconditions, with its event.
func (api *API) deleteItem(ctx context.Context, p auth.Principal, k store.Key, kind lxevents.BotConfigKind, what string, pc precondition) error {
	if pc.absent {
		return httpapi.Invalid(httpapi.FieldError{Field: "If-None-Match", Reason: "means nothing on a delete"})
	}
	current := pc.version
	if current == 0 {
		var err error
		if current, err = api.currentVersion(ctx, p.Tenant, k, nil); err != nil {
			return err
		}
		if current == 0 {
			return httpapi.Errorf(httpapi.KindNotFound, "no %s", what)
		}
	}
	ev, err := configChanged(p, lxevents.BotConfigChange{Kind: kind, ID: k.ID, Action: lxevents.BotConfigDelete})
	if err != nil {
		return err
	}
	c, err := api.countItems(ctx, p.Tenant, k.Kind, true, -1)
	if err != nil {
		return err
	}
	if err := api.commit.Commit(ctx, append(c.Ops, store.DeleteOp(p.Tenant, k, current)), ev); err != nil {
		return writeConflict(err, pc, what)
	}
	return nil
}

// getItem reads the tenant's item k into out; 404 when it does not exist.
func (api *API) getItem(ctx context.Context, t tenant.ID, k store.Key, what string, out any) (int64, error) {
	v, err := api.store.Get(ctx, t, k, out)
	if errors.Is(err, store.ErrNotFound) {
		return 0, httpapi.Errorf(httpapi.KindNotFound, "no %s", what)
	}
	if err != nil {
		return 0, fmt.Errorf("get %s: %w", k, err)
	}
	return v, nil
}

// maxFilterQueries bounds the store pages one filtered listing request reads.
const maxFilterQueries = 10

// listItems serves one page of the tenant's items of kind: keep decodes a record and says whether
// it belongs in the page (a filter) and as what. A filtered page can hold fewer than limit items
// while next_cursor is not empty; callers follow the cursor until it is.
func (api *API) listItems(ctx context.Context, r *httpapi.Request, t tenant.ID, kind string,
	keep func(store.Record) (any, bool, error)) (httpapi.Response, error) {
	page, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	limit := page.Limit
	items := []any{}
	for q := 0; q < maxFilterQueries; q++ {
		// Ask for no more than still fits, so every item the store evaluated is either returned
		// or filtered out, and its cursor resumes exactly after them.
		page.Limit = limit - int32(len(items))
		res, err := api.store.Query(ctx, t, kind, "", page)
		if errors.Is(err, store.ErrInvalidCursor) {
			return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
		}
		if err != nil {
			return httpapi.Response{}, fmt.Errorf("list %s of %s: %w", kind, t, err)
		}
		for _, rec := range res.Items {
			v, ok, err := keep(rec)
			if err != nil {
				return httpapi.Response{}, err
			}
			if ok {
				items = append(items, v)
			}
		}
		page.Cursor = res.Next
		if res.Next == "" || int32(len(items)) >= limit {
			break
		}
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": page.Cursor}), nil
}

// ---- intents ----------------------------------------------------------------------------------

// intentBody is the body of PUT /v1/intents/{id}; the id comes from the path.
type intentBody struct {
	Description string         `json:"description" text:"multiline"`
	Examples    []string       `json:"examples" jsonschema:"minItems=1,maxItems=1000"` // botconfig.MaxExamples
	Answer      botconfig.Text `json:"answer"`
	Flow        string         `json:"flow"`
	Queue       string         `json:"queue"`
}

func (b intentBody) intent(id string) botconfig.Intent {
	in := botconfig.Intent{ID: id, Description: b.Description, Examples: b.Examples, Answer: b.Answer, Flow: b.Flow, Queue: b.Queue}
	in.Normalize()
	return in
}

// intentOut is an intent as the API shows it.
type intentOut struct {
	botconfig.Intent
	Version int64 `json:"version"`
}

// intentSummary is an intent in a listing: its examples are counted, not listed.
type intentSummary struct {
	ID           string         `json:"id"`
	Description  string         `json:"description,omitempty"`
	ExampleCount int            `json:"example_count"`
	Answer       botconfig.Text `json:"answer,omitempty"`
	Flow         string         `json:"flow,omitempty"`
	Queue        string         `json:"queue,omitempty"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Version      int64          `json:"version"`
}

func intentKey(id string) store.Key { return store.Key{Kind: botconfig.KindIntent, ID: id} }

// pathID returns the {id} path parameter if it is a valid id. For reads and deletes an invalid id
// names nothing (404); for writes it is a validation error.
func pathID(r *httpapi.Request, what string, write bool) (string, error) {
	id := r.Params["id"]
	if botconfig.ValidID(id) {
		return id, nil
	}
	if write {
		return "", httpapi.Invalid(httpapi.FieldError{Field: "id", Reason: botconfig.IDRule})
	}
	return "", httpapi.Errorf(httpapi.KindNotFound, "no %s %q", what, id)
}

// deleteTarget reads what a DELETE of /{id} needs, in the order every such route checks it: the
// {id} path parameter (404 if invalid), no body, then the If-Match/If-None-Match preconditions.
func deleteTarget(r *httpapi.Request, what string) (string, precondition, error) {
	id, err := pathID(r, what, false)
	if err != nil {
		return "", precondition{}, err
	}
	if err := r.NoBody(); err != nil {
		return "", precondition{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return "", precondition{}, err
	}
	return id, pc, nil
}

// checkFlowRefs reports intents (at ptr(i)) whose flow does not exist.
func (api *API) checkFlowRefs(ctx context.Context, t tenant.ID, intents []botconfig.Intent, ptr func(i int) string) (botconfig.Problems, error) {
	var p botconfig.Problems
	exists := map[string]bool{}
	for i, in := range intents {
		if in.Flow == "" {
			continue
		}
		ok, seen := exists[in.Flow]
		if !seen {
			v, err := api.currentVersion(ctx, t, store.Key{Kind: botconfig.KindFlow, ID: in.Flow}, nil)
			if err != nil {
				return nil, err
			}
			ok = v > 0
			exists[in.Flow] = ok
		}
		if !ok {
			p.Add(ptr(i)+"/flow", "no flow %q; create it first (PUT /v1/flows/%s)", in.Flow, in.Flow)
		}
	}
	return p, nil
}

func (api *API) putIntent(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathID(r, "intent", true)
	if err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var body intentBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	in := body.intent(id)
	if probs := in.Validate(); len(probs) > 0 {
		return httpapi.Response{}, invalid(probs)
	}
	probs, err := api.checkFlowRefs(ctx, p.Tenant, []botconfig.Intent{in}, func(int) string { return "" })
	if err != nil {
		return httpapi.Response{}, err
	}
	if len(probs) > 0 {
		return httpapi.Response{}, invalid(probs)
	}
	in.UpdatedAt = api.now().UTC()
	ver, created, err := api.putItem(ctx, p, intentKey(id), lxevents.BotConfigIntent, fmt.Sprintf("intent %q", id), pc,
		func(int64) any { return in })
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpapi.Response{Status: status, Body: intentOut{in, ver}, Headers: etag(ver)}, nil
}

func (api *API) getIntent(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathID(r, "intent", false)
	if err != nil {
		return httpapi.Response{}, err
	}
	var in botconfig.Intent
	ver, err := api.getItem(ctx, p.Tenant, intentKey(id), fmt.Sprintf("intent %q", id), &in)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: intentOut{in, ver}, Headers: etag(ver)}, nil
}

func (api *API) listIntents(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.listItems(ctx, r, p.Tenant, botconfig.KindIntent, func(rec store.Record) (any, bool, error) {
		var in botconfig.Intent
		if err := rec.Decode(&in); err != nil {
			return nil, false, err
		}
		return intentSummary{ID: in.ID, Description: in.Description, ExampleCount: len(in.Examples), Answer: in.Answer,
			Flow: in.Flow, Queue: in.Queue, UpdatedAt: in.UpdatedAt, Version: rec.Version}, true, nil
	})
}

func (api *API) deleteIntent(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, pc, err := deleteTarget(r, "intent")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.deleteItem(ctx, p, intentKey(id), lxevents.BotConfigIntent, fmt.Sprintf("intent %q", id), pc); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

// ---- articles ---------------------------------------------------------------------------------

// articleBody is the body of PUT /v1/articles/{id}; the id comes from the path.
type articleBody struct {
	Questions      []string                             `json:"questions" jsonschema:"minItems=1,maxItems=100"` // botconfig.MaxQuestions
	Answer         botconfig.Text                       `json:"answer"`
	ChannelAnswers map[botconfig.Channel]botconfig.Text `json:"channel_answers"`
	ValidFrom      string                               `json:"valid_from"`
	ValidUntil     string                               `json:"valid_until"`
	Tags           []string                             `json:"tags" jsonschema:"maxItems=20"` // botconfig.MaxTags
}

// article builds the article; problems are about the times, which the body holds as text so that
// a bad one is reported at its field.
func (b articleBody) article(id string) (botconfig.Article, botconfig.Problems) {
	a := botconfig.Article{ID: id, Questions: b.Questions, Answer: b.Answer, ChannelAnswers: b.ChannelAnswers, Tags: b.Tags}
	var p botconfig.Problems
	a.ValidFrom = parseTime(&p, "/valid_from", b.ValidFrom)
	a.ValidUntil = parseTime(&p, "/valid_until", b.ValidUntil)
	a.Normalize()
	return a, p
}

// parseTime reads an RFC 3339 time, or a date (midnight UTC); "" is no time.
func parseTime(p *botconfig.Problems, field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, s); err != nil {
			p.Add(field, `must be an RFC 3339 time ("2025-07-01T00:00:00Z") or a date ("2025-07-01")`)
			return nil
		}
	}
	t = t.UTC()
	return &t
}

// articleOut is an article as the API shows it.
type articleOut struct {
	botconfig.Article
	Version int64 `json:"version"`
}

// articleSummary is an article in a listing: its first question stands for it.
type articleSummary struct {
	ID            string     `json:"id"`
	Question      string     `json:"question"`
	QuestionCount int        `json:"question_count"`
	Tags          []string   `json:"tags,omitempty"`
	ValidFrom     *time.Time `json:"valid_from,omitempty"`
	ValidUntil    *time.Time `json:"valid_until,omitempty"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Version       int64      `json:"version"`
}

func articleKey(id string) store.Key { return store.Key{Kind: botconfig.KindArticle, ID: id} }

func (api *API) putArticle(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathID(r, "article", true)
	if err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var body articleBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	a, probs := body.article(id)
	if probs = append(probs, a.Validate()...); len(probs) > 0 {
		return httpapi.Response{}, invalid(probs)
	}
	a.UpdatedAt = api.now().UTC()
	ver, created, err := api.putItem(ctx, p, articleKey(id), lxevents.BotConfigArticle, fmt.Sprintf("article %q", id), pc,
		func(int64) any { return a })
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpapi.Response{Status: status, Body: articleOut{a, ver}, Headers: etag(ver)}, nil
}

func (api *API) getArticle(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathID(r, "article", false)
	if err != nil {
		return httpapi.Response{}, err
	}
	var a botconfig.Article
	ver, err := api.getItem(ctx, p.Tenant, articleKey(id), fmt.Sprintf("article %q", id), &a)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: articleOut{a, ver}, Headers: etag(ver)}, nil
}

// listArticles lists articles, optionally only those tagged ?tag=.
func (api *API) listArticles(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	tag, filter := r.QueryStringParameters["tag"]
	if filter && !botconfig.ValidTag(tag) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "tag", Reason: "is not a valid tag"})
	}
	return api.listItems(ctx, r, p.Tenant, botconfig.KindArticle, func(rec store.Record) (any, bool, error) {
		var a botconfig.Article
		if err := rec.Decode(&a); err != nil {
			return nil, false, err
		}
		if filter && !a.HasTag(tag) {
			return nil, false, nil
		}
		s := articleSummary{ID: a.ID, QuestionCount: len(a.Questions), Tags: a.Tags, ValidFrom: a.ValidFrom,
			ValidUntil: a.ValidUntil, UpdatedAt: a.UpdatedAt, Version: rec.Version}
		if len(a.Questions) > 0 {
			s.Question = a.Questions[0]
		}
		return s, true, nil
	})
}

func (api *API) deleteArticle(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, pc, err := deleteTarget(r, "article")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.deleteItem(ctx, p, articleKey(id), lxevents.BotConfigArticle, fmt.Sprintf("article %q", id), pc); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}
