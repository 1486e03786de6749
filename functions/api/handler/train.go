package handler

// NLU models and training jobs. POST /v1/nlu/train checks that the tenant's intents and articles
// can be trained (shared/modelstore), records a training job (botconfig.TrainingJob, queued) with
// the tenant's training lock in one transaction, queues the job for the train function and answers
// 202 with the job; GET /v1/nlu/jobs/{id} follows it. The worker records the model (botconfig.Model,
// with its evaluation report). The tenant's first model becomes active at once; later ones only
// when the POST asked for it ({"activate": true}) or through POST /v1/nlu/models/{version}/activate,
// which also rolls back to an older one.

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
	"github.com/lingxi/lingxi/shared/store"
)

// modelSubject is the subject of the nlu.model.* events, so training and activation keep their
// order on the stream.
const modelSubject = botconfig.ModelEventSubject

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

// activateBody is the body of POST /v1/nlu/models/{version}/activate: empty, or an empty object.
type activateBody struct{}

// activate makes a model the one the bot uses; activating an older one is the rollback.
// Activating the active model changes nothing.
func (api *API) activate(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var body activateBody
	if err := r.DecodeOptionalJSON(&body, httpapi.MaxBody(maxSmallBody)); err != nil {
		return httpapi.Response{}, err
	}
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
		lxevents.NLUModelActivated{ModelVersion: m.Version, Previous: prev.Version, ActivatedBy: p.Actor()})
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
