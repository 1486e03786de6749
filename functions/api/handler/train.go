package handler

// NLU models. POST /v1/nlu/train trains, synchronously, on the tenant's intents and articles (the
// limits are in shared/botconfig: MaxTrainingIntents, MaxTrainingExamples, MaxTrainingArticles),
// writes the bundle to S3 (shared/modelstore) and records it (botconfig.Model, with its evaluation
// report). The tenant's first model becomes active at once; later ones wait for
// POST /v1/nlu/models/{version}/activate, which also rolls back to an older one.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/store"
)

// modelSubject is the subject of the nlu.model.* events, so training and activation keep their
// order on the stream.
const modelSubject = "nlu"

var activeKey = store.Key{Kind: botconfig.KindActive, ID: botconfig.ActiveID}

func modelKey(version string) store.Key { return store.Key{Kind: botconfig.KindModel, ID: version} }

// modelSummary is a model in a listing: the evaluation's headline figures only.
type modelSummary struct {
	Version   string    `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Intents   int       `json:"intents"`
	Examples  int       `json:"examples"`
	Articles  int       `json:"articles"`
	Accuracy  float64   `json:"accuracy"`
	MacroF1   float64   `json:"macro_f1"`
	Active    bool      `json:"active"`
}

func summarize(m botconfig.Model, active string) modelSummary {
	var head struct {
		Accuracy float64 `json:"accuracy"`
		MacroF1  float64 `json:"macro_f1"`
	}
	_ = json.Unmarshal(m.Evaluation, &head) // written by train; a bad one shows as zeros
	return modelSummary{Version: m.Version, CreatedAt: m.CreatedAt, Intents: m.Intents, Examples: m.Examples,
		Articles: m.Articles, Accuracy: head.Accuracy, MacroF1: head.MacroF1, Active: m.Version == active}
}

// modelOut is one model with its whole evaluation report.
type modelOut struct {
	botconfig.Model
	Active bool `json:"active"`
}

func (api *API) train(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if api.models == nil {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "model storage is not configured")
	}
	intents, moreIntents, err := loadAll[botconfig.Intent](ctx, api.store, p.Tenant, botconfig.KindIntent, botconfig.MaxTrainingIntents)
	if err != nil {
		return httpapi.Response{}, err
	}
	articles, moreArticles, err := loadAll[botconfig.Article](ctx, api.store, p.Tenant, botconfig.KindArticle, botconfig.MaxTrainingArticles)
	if err != nil {
		return httpapi.Response{}, err
	}
	var over []httpapi.FieldError
	if moreIntents {
		over = append(over, httpapi.FieldError{Field: "/intents", Reason: fmt.Sprintf("more than %d intents; training takes at most %d", botconfig.MaxTrainingIntents, botconfig.MaxTrainingIntents)})
	}
	if moreArticles {
		over = append(over, httpapi.FieldError{Field: "/articles", Reason: fmt.Sprintf("more than %d articles; the knowledge-base index takes at most %d", botconfig.MaxTrainingArticles, botconfig.MaxTrainingArticles)})
	}
	if len(over) > 0 {
		return httpapi.Response{}, &httpapi.Error{Kind: kindUntrainable, Detail: over[0].Field + ": " + over[0].Reason, Fields: over}
	}

	start, clock := api.now().UTC(), time.Now()
	version, err := botconfig.NewModelVersion(start)
	if err != nil {
		return httpapi.Response{}, err
	}
	bundle, eval, err := modelstore.Build(p.Tenant.String(), version, start, intents, articles)
	if ue, ok := errors.AsType[*modelstore.UntrainableError](err); ok {
		fields := make([]httpapi.FieldError, len(ue.Problems))
		for i, e := range ue.Problems {
			fields[i] = httpapi.FieldError(e)
		}
		return httpapi.Response{}, &httpapi.Error{Kind: kindUntrainable, Detail: fields[0].Field + ": " + fields[0].Reason, Fields: fields}
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("train %s: %w", p.Tenant, err)
	}
	trainedFor := time.Since(clock)
	key, err := api.models.Put(ctx, p.Tenant, bundle)
	if err != nil {
		return httpapi.Response{}, err
	}
	evalJSON, err := json.Marshal(eval)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("encode evaluation: %w", err)
	}
	examples := 0
	for _, in := range intents {
		examples += len(in.Examples)
	}
	rec := botconfig.Model{Version: version, CreatedAt: start, Intents: len(intents), Examples: examples,
		Articles: len(articles), Evaluation: evalJSON, Key: key}
	trained, err := lxevents.New(p.Tenant, lxevents.TypeNLUModelTrained, modelSubject, Source, lxevents.NLUModelTrained{
		ModelVersion: version, Intents: rec.Intents, Examples: examples, Articles: rec.Articles,
		Accuracy: eval.Accuracy, MacroF1: eval.MacroF1, TrainedBy: p.KeyID,
	})
	if err != nil {
		return httpapi.Response{}, err
	}
	activated, err := api.commitModel(ctx, p, rec, trained)
	if err != nil {
		// The record was not written, so nothing names the object: remove it.
		if derr := api.models.Delete(context.WithoutCancel(ctx), p.Tenant, version); derr != nil {
			err = fmt.Errorf("%w (and removing its bundle failed: %w)", err, derr)
		}
		return httpapi.Response{}, err
	}
	api.log.InfoContext(ctx, "model trained", "tenant", p.Tenant, "version", version, "intents", rec.Intents,
		"examples", examples, "articles", rec.Articles, "accuracy", eval.Accuracy, "train_ms", trainedFor.Milliseconds())
	return httpapi.JSON(http.StatusCreated, map[string]any{
		"version": version, "active": activated, "intents": rec.Intents, "examples": examples,
		"articles": rec.Articles, "evaluation": eval,
	}), nil
}

// commitModel records the model with its event and, if the tenant has no active model, activates
// it in the same transaction. It reports whether it activated the model.
func (api *API) commitModel(ctx context.Context, p auth.Principal, rec botconfig.Model, trained lxevents.Envelope) (bool, error) {
	ops := []store.Op{store.CreateOp(p.Tenant, modelKey(rec.Version), rec)}
	current, err := api.currentVersion(ctx, p.Tenant, activeKey, nil)
	if err != nil {
		return false, err
	}
	if current == 0 {
		activated, err := lxevents.New(p.Tenant, lxevents.TypeNLUModelActivated, modelSubject, Source,
			lxevents.NLUModelActivated{ModelVersion: rec.Version, ActivatedBy: p.KeyID})
		if err != nil {
			return false, err
		}
		act := botconfig.Active{Version: rec.Version, ActivatedAt: api.now().UTC()}
		err = api.commit.Commit(ctx, append(ops, store.CreateOp(p.Tenant, activeKey, act)), trained, activated)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return false, fmt.Errorf("record model %s: %w", rec.Version, err)
		}
		// Another training activated its model meanwhile: record this one without activating.
	}
	if err := api.commit.Commit(ctx, ops, trained); err != nil {
		return false, fmt.Errorf("record model %s: %w", rec.Version, err)
	}
	return false, nil
}

// activeVersion returns the active model version and the pointer's store version ("", 0: none).
func (api *API) activeVersion(ctx context.Context, p auth.Principal) (botconfig.Active, int64, error) {
	var a botconfig.Active
	v, err := api.currentVersion(ctx, p.Tenant, activeKey, &a)
	return a, v, err
}

func (api *API) listModels(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	active, _, err := api.activeVersion(ctx, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	page, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	page.Descending = true // newest first
	res, err := api.store.Query(ctx, p.Tenant, botconfig.KindModel, "", page)
	if errors.Is(err, store.ErrInvalidCursor) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("list models of %s: %w", p.Tenant, err)
	}
	items := make([]modelSummary, 0, len(res.Items))
	for _, rec := range res.Items {
		var m botconfig.Model
		if err := rec.Decode(&m); err != nil {
			return httpapi.Response{}, err
		}
		items = append(items, summarize(m, active.Version))
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": res.Next, "active": active.Version}), nil
}

// getModel returns one model with its whole evaluation report.
func (api *API) getModel(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	m, err := api.model(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	active, _, err := api.activeVersion(ctx, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, modelOut{Model: m, Active: m.Version == active.Version}), nil
}

// model reads the model the {version} path parameter names; 404 if the tenant has none such.
func (api *API) model(ctx context.Context, r *httpapi.Request, p auth.Principal) (botconfig.Model, error) {
	version := r.Params["version"]
	if !botconfig.ValidModelVersion(version) {
		return botconfig.Model{}, httpapi.Errorf(httpapi.KindNotFound, "no model %q", version)
	}
	var m botconfig.Model
	_, err := api.getItem(ctx, p.Tenant, modelKey(version), fmt.Sprintf("model %q", version), &m)
	return m, err
}

// activate makes a model the one the bot uses; activating an older one is the rollback.
// Activating the active model changes nothing.
func (api *API) activate(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	m, err := api.model(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	prev, current, err := api.activeVersion(ctx, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	if prev.Version == m.Version {
		return httpapi.JSON(http.StatusOK, map[string]any{"version": prev.Version, "activated_at": prev.ActivatedAt, "previous": prev.Version}), nil
	}
	act := botconfig.Active{Version: m.Version, ActivatedAt: api.now().UTC()}
	ev, err := lxevents.New(p.Tenant, lxevents.TypeNLUModelActivated, modelSubject, Source,
		lxevents.NLUModelActivated{ModelVersion: m.Version, Previous: prev.Version, ActivatedBy: p.KeyID})
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.PutOp(p.Tenant, activeKey, act, current)}, ev); err != nil {
		return httpapi.Response{}, writeConflict(err, precondition{}, "the active model")
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"version": act.Version, "activated_at": act.ActivatedAt, "previous": prev.Version}), nil
}

// getActive returns the active model; 404 before the first training.
func (api *API) getActive(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	a, v, err := api.activeVersion(ctx, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	if v == 0 {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no model is active yet; train one with POST /v1/nlu/train")
	}
	var m botconfig.Model
	if _, err := api.getItem(ctx, p.Tenant, modelKey(a.Version), fmt.Sprintf("model %q", a.Version), &m); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"version": a.Version, "activated_at": a.ActivatedAt, "model": summarize(m, a.Version)}), nil
}
