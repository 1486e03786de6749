package handler

// dispatch.go: the real-time dispatch engine (shared/steering, docs/dispatch-engine.md) as
// supervisors and admins see and steer it. Supervisors read everything and override a strategy on
// a queue for a while; admins also write the engine's settings.
//
//	GET    /v1/dispatch/strategies         the catalog × the settings × the measured effect per context × in force now
//	GET    /v1/dispatch/settings           the engine's settings (defaults until written)
//	PUT    /v1/dispatch/settings
//	GET    /v1/dispatch/now                the last decision's gaps per queue and what is in force
//	GET    /v1/dispatch/decisions          decisions (from, to), newest first
//	GET    /v1/dispatch/decisions/{id}     one decision: the gap per queue, the options, the choice and why
//	GET    /v1/dispatch/activations        activations (active=true: in force only), newest first
//	GET    /v1/dispatch/activations/{id}   one activation, its withdrawal and its judgement
//	POST   /v1/dispatch/overrides          force a strategy on or off on a queue for 1–1440 minutes
//	GET    /v1/dispatch/overrides          the overrides in force
//	DELETE /v1/dispatch/overrides/{id}     end an override

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// DispatchEngine is what the dispatch routes need of the engine; *steering.Engine is one. Reads of
// one item answer store.ErrNotFound when there is none; listings store.ErrInvalidCursor for a
// cursor they did not make.
type DispatchEngine interface {
	Settings(ctx context.Context, t tenant.ID) (strategy.Settings, error)
	PutSettings(ctx context.Context, t tenant.ID, s strategy.Settings) (strategy.Settings, error)
	Decisions(ctx context.Context, t tenant.ID, from, to time.Time, page store.PageRequest) ([]strategy.Decision, string, error)
	Decision(ctx context.Context, t tenant.ID, id string) (strategy.Decision, error)
	Activations(ctx context.Context, t tenant.ID, activeOnly bool, page store.PageRequest) ([]ActivationRecord, string, error)
	Activation(ctx context.Context, t tenant.ID, id string) (ActivationRecord, error)
	Strategies(ctx context.Context, t tenant.ID) ([]StrategyView, error)
	PutOverride(ctx context.Context, t tenant.ID, o strategy.Override) (strategy.Override, error)
	DeleteOverride(ctx context.Context, t tenant.ID, id string) error
	Overrides(ctx context.Context, t tenant.ID) ([]strategy.Override, error)
	State(ctx context.Context, t tenant.ID) (overlay.State, error)
}

// WithDispatch serves the /v1/dispatch routes from e. Without it they answer 503.
func WithDispatch(e DispatchEngine) Option { return func(api *API) { api.dispatch = e } }

// kindOverrideRejected: an override that decodes and checks but names what the tenant does not
// have (a queue).
var kindOverrideRejected = &httpapi.Kind{Slug: "dispatch-override-rejected", Title: "The override names a queue the tenant does not have", Status: http.StatusUnprocessableEntity}

// MaxOverrideMinutes bounds an override (a day); a supervisor renews a longer one.
const MaxOverrideMinutes = 1440

// DecisionsSpan is the default window of GET /v1/dispatch/decisions: the last day.
const DecisionsSpan = 24 * time.Hour

func (api *API) dispatchRoutes() {
	reader, admin := auth.RoleSupervisor, auth.RoleAdmin
	api.router.Handle("GET /v1/dispatch/strategies", api.tenantKey(reader, api.listStrategies))
	api.router.Handle("GET /v1/dispatch/settings", api.tenantKey(reader, api.getDispatchSettings))
	api.router.Handle("PUT /v1/dispatch/settings", api.tenantKey(admin, api.putDispatchSettings))
	api.router.Handle("GET /v1/dispatch/now", api.tenantKey(reader, api.dispatchNow))
	api.router.Handle("GET /v1/dispatch/decisions", api.tenantKey(reader, api.listDecisions))
	api.router.Handle("GET /v1/dispatch/decisions/{id}", api.tenantKey(reader, api.getDecision))
	api.router.Handle("GET /v1/dispatch/activations", api.tenantKey(reader, api.listActivations))
	api.router.Handle("GET /v1/dispatch/activations/{id}", api.tenantKey(reader, api.getActivation))
	api.router.Handle("POST /v1/dispatch/overrides", api.tenantKey(reader, api.createOverride))
	api.router.Handle("GET /v1/dispatch/overrides", api.tenantKey(reader, api.listOverrides))
	api.router.Handle("DELETE /v1/dispatch/overrides/{id}", api.tenantKey(reader, api.deleteOverride))
}

func (api *API) engine() (DispatchEngine, error) {
	if api.dispatch == nil {
		return nil, httpapi.Errorf(httpapi.KindUnavailable, "the dispatch engine is not configured")
	}
	return api.dispatch, nil
}

// engineError turns the engine's sentinels into problems: what was not found (or cannot be an
// id of it) is a 404 naming what, a cursor of another listing a 400.
func engineError(err error, what string) error {
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalidKey):
		return httpapi.Errorf(httpapi.KindNotFound, "no %s", what)
	case errors.Is(err, store.ErrInvalidCursor):
		return httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
	}
	return err
}

// ---- strategies and settings ------------------------------------------------------------------

// strategiesOut is GET /v1/dispatch/strategies: every strategy of the catalog, in its order.
type strategiesOut struct {
	Items []StrategyView `json:"items"`
}

func (api *API) listStrategies(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	views, err := e.Strategies(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("dispatch strategies of %s: %w", p.Tenant, err)
	}
	if views == nil {
		views = []StrategyView{}
	}
	return httpapi.JSON(http.StatusOK, strategiesOut{Items: views}), nil
}

func (api *API) getDispatchSettings(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	s, err := e.Settings(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("dispatch settings of %s: %w", p.Tenant, err)
	}
	return httpapi.JSON(http.StatusOK, s), nil
}

// putDispatchSettings replaces the settings: the body is the whole settings, decoded strictly
// (unknown members are 400) and checked by Settings.Check; strategies left out keep the catalog's
// defaults. It answers the settings as stored.
func (api *API) putDispatchSettings(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	var s strategy.Settings
	if err := r.DecodeJSON(&s); err != nil {
		return httpapi.Response{}, err
	}
	stored, err := e.PutSettings(ctx, p.Tenant, s) // defaults filled, then checked: a validation error is the 400
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("put dispatch settings of %s: %w", p.Tenant, err)
	}
	return httpapi.JSON(http.StatusOK, stored), nil
}

// ---- now, decisions, activations --------------------------------------------------------------

// dispatchNowOut is GET /v1/dispatch/now: the last decision's explanation per queue and the
// activations in force at At.
type dispatchNowOut struct {
	At time.Time `json:"at"`
	// LastDecision is the last decision's id (GET /v1/dispatch/decisions/{id}), "" before the
	// first; LastAt when it was made (absent before the first).
	LastDecision string     `json:"last_decision"`
	LastAt       *time.Time `json:"last_at,omitempty"`
	// Queues are the last decision's gaps, options and choices per queue.
	Queues []strategy.QueueDecision `json:"queues"`
	// InForce are the activations in force now (engine and overrides).
	InForce []strategy.Activation `json:"in_force"`
}

func (api *API) dispatchNow(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	st, err := e.State(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("dispatch state of %s: %w", p.Tenant, err)
	}
	now := api.now().UTC()
	out := dispatchNowOut{At: now, LastDecision: st.LastDecision, Queues: st.Queues, InForce: st.InForce(now)}
	if !st.LastAt.IsZero() {
		out.LastAt = &st.LastAt
	}
	if out.Queues == nil {
		out.Queues = []strategy.QueueDecision{}
	}
	if out.InForce == nil {
		out.InForce = []strategy.Activation{}
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

// decisionIDRE is strategy.DecisionID's form: the decision's minute in UTC.
var decisionIDRE = regexp.MustCompile(`^[0-9]{8}T[0-9]{4}$`)

func (api *API) listDecisions(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	from, fe := queryTime(r, "from")
	to, fe2 := queryTime(r, "to")
	fe = append(fe, fe2...)
	pr, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	if len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	if to.IsZero() {
		to = api.now().UTC()
	}
	if from.IsZero() {
		from = to.Add(-DecisionsSpan)
	}
	if !to.After(from) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "to", Reason: "must be after from"})
	}
	items, next, err := e.Decisions(ctx, p.Tenant, from, to, pr)
	if err != nil {
		return httpapi.Response{}, engineError(err, "decisions")
	}
	if items == nil {
		items = []strategy.Decision{}
	}
	return httpapi.JSON(http.StatusOK, page[strategy.Decision]{Items: items, NextCursor: next}), nil
}

func (api *API) getDecision(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["id"]
	if !decisionIDRE.MatchString(id) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no decision %q (ids are minutes in UTC, such as 20260603T0201)", id)
	}
	d, err := e.Decision(ctx, p.Tenant, id)
	if err != nil {
		return httpapi.Response{}, engineError(err, fmt.Sprintf("decision %q", id))
	}
	return httpapi.JSON(http.StatusOK, d), nil
}

func (api *API) listActivations(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	var active bool
	switch r.QueryStringParameters["active"] {
	case "true":
		active = true
	case "false", "":
	default:
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "active", Reason: "must be true or false"})
	}
	pr, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := e.Activations(ctx, p.Tenant, active, pr)
	if err != nil {
		return httpapi.Response{}, engineError(err, "activations")
	}
	if items == nil {
		items = []ActivationRecord{}
	}
	return httpapi.JSON(http.StatusOK, page[ActivationRecord]{Items: items, NextCursor: next}), nil
}

// validEngineID says whether id can name an activation or an override: printable, one line, no
// slash, at most 200 bytes. Anything else is a 404 without a store read.
func validEngineID(id string) bool {
	return id != "" && len(id) <= 200 && !strings.ContainsAny(id, "/#") && httpapi.TextProblem(id, false) == ""
}

func (api *API) getActivation(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["id"]
	if !validEngineID(id) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no activation %q", id)
	}
	a, err := e.Activation(ctx, p.Tenant, id)
	if err != nil {
		return httpapi.Response{}, engineError(err, fmt.Sprintf("activation %q", id))
	}
	return httpapi.JSON(http.StatusOK, a), nil
}

// ---- overrides ---------------------------------------------------------------------------------

// overrideBody is the body of POST /v1/dispatch/overrides. Who overrides is the caller (a
// supervisor's or admin's session, or the key): never a member of the body.
type overrideBody struct {
	// Queue is the queue's id (GET /v1/queues).
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=64"`
	// Strategy is one of the catalog's (GET /v1/dispatch/strategies).
	Strategy strategy.Kind `json:"strategy"`
	// On forces the strategy on; false keeps it off (and withdraws the engine's activation).
	On bool `json:"on"`
	// Minutes is how long the override holds: 1–1440.
	Minutes int `json:"minutes" jsonschema:"minimum=1,maximum=1440"`
	// Params replace the catalog's default settings of a forced activation (on only).
	Params *strategy.Params `json:"params,omitempty"`
	// Reason is why, for the record and the event.
	Reason string `json:"reason,omitempty" jsonschema:"maxLength=500"`
}

func (b overrideBody) check() []httpapi.FieldError {
	var fe []httpapi.FieldError
	if !botconfig.ValidID(b.Queue) {
		fe = append(fe, httpapi.FieldError{Field: "/queue", Reason: "must be a queue id: 1-64 of a-z, 0-9, _ and -"})
	}
	if !strategy.Known(b.Strategy) {
		fe = append(fe, httpapi.FieldError{Field: "/strategy", Reason: "must be one of " + strategy.KindList()})
	}
	if b.Minutes < 1 || b.Minutes > MaxOverrideMinutes {
		fe = append(fe, httpapi.FieldError{Field: "/minutes", Reason: fmt.Sprintf("must be from 1 to %d", MaxOverrideMinutes)})
	}
	if b.Params != nil && !b.On {
		fe = append(fe, httpapi.FieldError{Field: "/params", Reason: "only an override that turns the strategy on takes params"})
	}
	if n := len([]rune(b.Reason)); n > strategy.MaxOverrideReason {
		fe = append(fe, httpapi.FieldError{Field: "/reason", Reason: fmt.Sprintf("must be at most %d characters", strategy.MaxOverrideReason)})
	}
	if b.Params != nil && b.On {
		fe = append(fe, b.Params.Check("/params")...)
	}
	return fe
}

func (api *API) createOverride(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	var b overrideBody
	if err := r.DecodeJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	if fe := b.check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	if v, err := api.currentVersion(ctx, p.Tenant, floor.QueueKey(b.Queue), nil); err != nil {
		return httpapi.Response{}, err
	} else if v == 0 {
		return httpapi.Response{}, &httpapi.Error{Kind: kindOverrideRejected, Detail: fmt.Sprintf("no queue %q in this tenant (/v1/queues)", b.Queue),
			Fields: []httpapi.FieldError{{Field: "/queue", Reason: fmt.Sprintf("no queue %q in this tenant", b.Queue)}}}
	}
	u, err := uuid.NewV7()
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("override id: %w", err)
	}
	now := api.now().UTC()
	o := strategy.Override{ID: "ovr-" + u.String(), Queue: b.Queue, Strategy: b.Strategy, On: b.On, Params: b.Params,
		By: p.Actor(), Reason: strings.TrimSpace(b.Reason), Created: now, Until: now.Add(time.Duration(b.Minutes) * time.Minute)}
	stored, err := e.PutOverride(ctx, p.Tenant, o)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("override %s of %s on %s: %w", b.Strategy, p.Tenant, b.Queue, err)
	}
	return httpapi.JSON(http.StatusCreated, stored), nil
}

// overridesOut is GET /v1/dispatch/overrides: the overrides in force, by their end.
type overridesOut struct {
	Items []strategy.Override `json:"items"`
}

func (api *API) listOverrides(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	kept, err := e.Overrides(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("overrides of %s: %w", p.Tenant, err)
	}
	now := api.now()
	out := overridesOut{Items: []strategy.Override{}}
	for _, o := range kept { // the engine keeps ended ones a while; the route lists those in force
		if now.Before(o.Until) {
			out.Items = append(out.Items, o)
		}
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

func (api *API) deleteOverride(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	e, err := api.engine()
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["id"]
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	if !validEngineID(id) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no override %q", id)
	}
	if err := e.DeleteOverride(ctx, p.Tenant, id); err != nil {
		return httpapi.Response{}, engineError(err, fmt.Sprintf("override %q", id))
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}
