// Package handler is the tenant-facing HTTP API (the `api` function): tenants and API keys for
// now, every tenant configuration route later. Every route authenticates and resolves the tenant
// before any store call; every accepted write commits its event with it.
package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/idempotency"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/vocreport"
)

// Source names this function in the events it emits.
const Source = "lingxi.api"

// Store is the table access the API needs.
type Store interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
	Create(ctx context.Context, t tenant.ID, k store.Key, v any, opts ...store.Option) error // counters (quota.Ledger)
	PlatformGet(ctx context.Context, k store.Key, out any) (int64, error)                    // numbers' and usernames' owners (voice.go)
}

// Committer writes store operations and their events together: either both are accepted or neither.
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...lxevents.Envelope) error
}

// API serves the routes. Build it with New.
type API struct {
	store    Store
	commit   Committer
	auth     *auth.Authenticator
	router   *httpapi.Router
	now      func() time.Time
	log      *slog.Logger
	jobs     JobQueue // training jobs go to the train function; nil: training answers 503
	ledger   *quota.Ledger
	egress   egress.Policy       // which loopback ports a flow's webhook may name (WithEgress); none by default
	idem     *idempotency.Guard  // Idempotency-Key on every POST (idempotency.go); nil: the header is 503
	replay   Replayer            // webhook deliveries' replay (webhooks.go); nil: the route answers 503
	sip      egress.Policy       // which loopback ports a transfer target's SIP URI may name (WithSIPEgress); none by default
	signIn   httpapi.RateLimiter // sign-in attempts (users.go, WithSignInLimiter); nil: not limited
	fc       forecastDeps        // published forecasts and staffing (forecast_read.go, WithForecasts)
	human    humanDeps           // the human service's floor and conversations (human.go)
	fcData   forecastData        // the forecast's history, calendar events and settings (forecast_data.go)
	dispatch DispatchEngine      // the real-time dispatch engine (dispatch.go, WithDispatch); nil: its routes answer 503
	qa       QABook              // quality inspection's records (qa.go, WithQA); nil: its routes answer 503
	reports  *vocreport.Builder  // weekly VOC reports (vocreport.go, WithVOCReports); nil: their routes answer 503
	voc      vocDeps             // the voice of the customer's alerts and counts (voc.go, WithVOC); unset: its routes answer 503
}

// New wires the API.
func New(s Store, c Committer, a *auth.Authenticator, log *slog.Logger, opts ...Option) *API {
	api := &API{store: s, commit: c, auth: a, router: httpapi.NewRouter(log), now: time.Now, log: log, ledger: quota.New(s)}
	for _, o := range opts {
		o(api)
	}
	api.router.Handle("GET /v1/openapi.json", api.specRoute) // contract.go: public, no key
	api.router.Handle("POST /v1/tenants", api.platformAdmin(api.createTenant))
	api.router.Handle("POST /v1/tenants/{id}/admin-keys", api.platformAdmin(api.recoverTenant))
	api.router.Handle("PUT /v1/tenants/{id}/plan", api.platformAdmin(api.putPlan))
	api.router.Handle("GET /v1/tenant", api.tenantKey(auth.RolePartner, api.getTenant))
	api.router.Handle("POST /v1/api-keys", api.tenantKey(auth.RoleAdmin, api.createKey))
	api.router.Handle("GET /v1/api-keys", api.tenantKey(auth.RoleAdmin, api.listKeys))
	api.router.Handle("DELETE /v1/api-keys/{id}", api.tenantKey(auth.RoleAdmin, api.revokeKey))
	// Bot configuration (bot.go, flow.go, settings.go, import.go, train.go).
	api.router.Handle("GET /v1/intents", api.tenantKey(auth.RoleAdmin, api.listIntents))
	api.router.Handle("GET /v1/intents/{id}", api.tenantKey(auth.RoleAdmin, api.getIntent))
	api.router.Handle("PUT /v1/intents/{id}", api.tenantKey(auth.RoleAdmin, api.putIntent))
	api.router.Handle("DELETE /v1/intents/{id}", api.tenantKey(auth.RoleAdmin, api.deleteIntent))
	api.router.Handle("GET /v1/articles", api.tenantKey(auth.RoleAdmin, api.listArticles))
	api.router.Handle("GET /v1/articles/{id}", api.tenantKey(auth.RoleAdmin, api.getArticle))
	api.router.Handle("PUT /v1/articles/{id}", api.tenantKey(auth.RoleAdmin, api.putArticle))
	api.router.Handle("DELETE /v1/articles/{id}", api.tenantKey(auth.RoleAdmin, api.deleteArticle))
	api.router.Handle("POST /v1/import", api.tenantKey(auth.RoleAdmin, api.importConfig))
	api.router.Handle("GET /v1/flows", api.tenantKey(auth.RoleAdmin, api.listFlows))
	api.router.Handle("GET /v1/flows/{id}", api.tenantKey(auth.RoleAdmin, api.getFlow))
	api.router.Handle("PUT /v1/flows/{id}", api.tenantKey(auth.RoleAdmin, api.putFlow))
	api.router.Handle("DELETE /v1/flows/{id}", api.tenantKey(auth.RoleAdmin, api.deleteFlow))
	api.router.Handle("GET /v1/bot/settings", api.tenantKey(auth.RoleAdmin, api.getSettings))
	api.router.Handle("PUT /v1/bot/settings", api.tenantKey(auth.RoleAdmin, api.putSettings))
	api.router.Handle("POST /v1/bot/webhook-secret", api.tenantKey(auth.RoleAdmin, api.rotateWebhookSecret))
	api.router.Handle("POST /v1/nlu/train", api.tenantKey(auth.RoleAdmin, api.train))
	api.router.Handle("GET /v1/nlu/jobs", api.tenantKey(auth.RoleAdmin, api.listJobs))
	api.router.Handle("GET /v1/nlu/jobs/{id}", api.tenantKey(auth.RoleAdmin, api.getJob))
	api.router.Handle("GET /v1/nlu/models", api.tenantKey(auth.RoleAdmin, api.listModels))
	api.router.Handle("GET /v1/nlu/models/{version}", api.tenantKey(auth.RoleAdmin, api.getModel))
	api.router.Handle("POST /v1/nlu/models/{version}/activate", api.tenantKey(auth.RoleAdmin, api.activate))
	api.router.Handle("GET /v1/nlu/active", api.tenantKey(auth.RoleAdmin, api.getActive))
	api.webhookRoutes() // partners' event webhooks (webhooks.go)
	api.voiceRoutes()   // telephony configuration (voice.go)
	api.userRoutes()    // people and their sign-in (users.go)
	api.humanRoutes()   // human service: queues, contacts, agents, canned responses, knowledge (human.go)
	api.widgetRoutes()  // the web chat widget (widget.go)
	// Published forecasts, their accuracy, and staffing (forecast_read.go).
	api.forecastRoutes()
	// What the forecaster learns from: history, calendar events, settings (forecast_data.go).
	api.forecastDataRoutes()
	api.dispatchRoutes()     // the real-time dispatch engine: strategies, settings, decisions, activations, overrides (dispatch.go)
	api.qaRoutes()           // quality inspection: forms, results per contact and agent, reviews (qa.go)
	api.satisfactionRoutes() // customers' satisfaction figures (satisfaction.go)
	api.vocReportRoutes()    // weekly VOC reports and the transactions they compare with (vocreport.go)
	api.vocRoutes()          // the voice of the customer: spike alerts and their workflow, the keys counted (voc.go)
	return api
}

// Handle is the Lambda handler.
func (api *API) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return api.router.Serve(ctx, req)
}

// Routes lists the route keys served, for the template test.
func (api *API) Routes() []string { return api.router.Routes() }

type tenantHandler func(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error)

// tenantKey admits tenant keys whose role allows need.
func (api *API) tenantKey(need auth.Role, h tenantHandler) httpapi.HandlerFunc {
	return func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		p, err := httpapi.TenantPrincipal(ctx, api.auth, r, need)
		if err != nil {
			return httpapi.Response{}, err
		}
		return api.once(ctx, r, p, h)
	}
}

// platformAdmin admits only the platform-admin key.
func (api *API) platformAdmin(h httpapi.HandlerFunc) httpapi.HandlerFunc {
	return func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		p, err := httpapi.Principal(ctx, api.auth, r)
		if err != nil {
			return httpapi.Response{}, err
		}
		if !p.Admin {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindForbidden, "only the platform-admin key may do this")
		}
		return api.onceAdmin(ctx, r, h)
	}
}

// Tenant is a tenant's profile.
type Tenant struct {
	ID        string    `dynamodbav:"id" json:"id"`
	Name      string    `dynamodbav:"name" json:"name"`
	Status    string    `dynamodbav:"status" json:"status"`
	CreatedAt time.Time `dynamodbav:"created_at" json:"created_at"`
}

var profileKey = store.Key{Kind: "tenant", ID: "profile"}

type createTenantBody struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// KeyCreated is the body returned once when a key is made: the only time the key is shown.
type KeyCreated struct {
	auth.Key
	Secret string `json:"key"`
}

func (api *API) createTenant(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
	var body createTenantBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	var fields []httpapi.FieldError
	t, err := tenant.Parse(body.ID) // the admin names the new tenant; it is not a scope claim
	if err != nil {
		fields = append(fields, httpapi.FieldError{Field: "/id", Reason: "must be 1-64 characters of a-z, 0-9 and '-', not starting with '-'"})
	}
	name := strings.TrimSpace(body.Name)
	if name == "" || len([]rune(name)) > 200 {
		fields = append(fields, httpapi.FieldError{Field: "/name", Reason: "must be 1-200 characters"})
	}
	if len(fields) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fields...)
	}
	now := api.now().UTC()
	profile := Tenant{ID: t.String(), Name: name, Status: "active", CreatedAt: now}
	key, keyOps, keyEv, err := api.newKey(t, auth.RoleAdmin, "first admin key", "platform-admin", now)
	if err != nil {
		return httpapi.Response{}, err
	}
	created, err := lxevents.New(t, lxevents.TypeTenantCreated, t.String(), Source,
		lxevents.TenantCreated{Name: name, CreatedBy: "platform-admin"})
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := append([]store.Op{store.CreateOp(t, profileKey, profile)}, keyOps...)
	ops = append(ops, quota.CreateOps(t, 1)...)
	if err := api.commit.Commit(ctx, ops, created, keyEv); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "tenant %q already exists", t)
		}
		return httpapi.Response{}, fmt.Errorf("create tenant %s: %w", t, err)
	}
	return httpapi.JSON(http.StatusCreated, map[string]any{"tenant": profile, "api_key": key}), nil
}

type createKeyBody struct {
	Name string    `json:"name"`
	Role auth.Role `json:"role"`
}

func (api *API) newKey(t tenant.ID, role auth.Role, name, by string, now time.Time) (KeyCreated, []store.Op, lxevents.Envelope, error) {
	secret, err := auth.NewKey()
	if err != nil {
		return KeyCreated{}, nil, lxevents.Envelope{}, err
	}
	id, err := auth.NewID()
	if err != nil {
		return KeyCreated{}, nil, lxevents.Envelope{}, err
	}
	meta, ops := auth.Records(t, secret, auth.Key{ID: id, Name: name, Role: role, CreatedAt: now, CreatedBy: by})
	ev, err := lxevents.New(t, lxevents.TypeAPIKeyCreated, "apikey/"+id, Source,
		lxevents.APIKeyCreated{KeyID: id, Role: lxevents.KeyRole(role), Prefix: meta.Prefix, CreatedBy: by})
	if err != nil {
		return KeyCreated{}, nil, lxevents.Envelope{}, err
	}
	return KeyCreated{Key: meta, Secret: secret}, ops, ev, nil
}

func (api *API) createKey(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var body createKeyBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	var fields []httpapi.FieldError
	if !body.Role.Valid() {
		fields = append(fields, httpapi.FieldError{Field: "/role", Reason: `must be "admin" or "partner"`})
	}
	if len([]rune(body.Name)) > 100 {
		fields = append(fields, httpapi.FieldError{Field: "/name", Reason: "must be at most 100 characters"})
	}
	if len(fields) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fields...)
	}
	if _, err := api.ledger.Ensure(ctx, p.Tenant, quota.APIKeys); err != nil {
		return httpapi.Response{}, err
	}
	limit, err := api.limit(ctx, p.Tenant, quota.APIKeys)
	if err != nil {
		return httpapi.Response{}, err
	}
	key, keyOps, ev, err := api.newKey(p.Tenant, body.Role, strings.TrimSpace(body.Name), p.Actor(), api.now().UTC())
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := append([]store.Op{quota.TakeKey(p.Tenant, body.Role == auth.RoleAdmin, limit)}, keyOps...)
	if err := api.commit.Commit(ctx, ops, ev); err != nil {
		if quota.Exceeded(err, quota.APIKeys) {
			return httpapi.Response{}, api.ledger.Refusal(ctx, p.Tenant, quota.APIKeys, limit, 1)
		}
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "the tenant's keys changed meanwhile; retry")
		}
		return httpapi.Response{}, fmt.Errorf("create key for %s: %w", p.Tenant, err)
	}
	return httpapi.JSON(http.StatusCreated, key), nil
}

func (api *API) listKeys(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	page, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := api.store.Query(ctx, p.Tenant, auth.KindKey, "", page)
	if errors.Is(err, store.ErrInvalidCursor) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("list keys of %s: %w", p.Tenant, err)
	}
	items := make([]auth.Key, 0, len(res.Items))
	for _, rec := range res.Items {
		var k auth.Key
		if err := rec.Decode(&k); err != nil {
			return httpapi.Response{}, fmt.Errorf("decode key %s: %w", rec.Key.ID, err)
		}
		items = append(items, k)
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": res.Next}), nil
}

func (api *API) revokeKey(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id := r.Params["id"]
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	var k auth.Key
	ver, err := api.store.Get(ctx, p.Tenant, store.Key{Kind: auth.KindKey, ID: id}, &k)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no API key %q", id)
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("get key %s: %w", id, err)
	}
	// The key count, and for an admin key the admin count (at least one must remain), change in the
	// same transaction as the delete: concurrent revocations cannot both take the last admin key.
	if _, err := api.ledger.Ensure(ctx, p.Tenant, quota.APIKeys); err != nil {
		return httpapi.Response{}, err
	}
	ev, err := lxevents.New(p.Tenant, lxevents.TypeAPIKeyRevoked, "apikey/"+id, Source,
		lxevents.APIKeyRevoked{KeyID: id, RevokedBy: p.Actor()})
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := []store.Op{
		quota.ReleaseKey(p.Tenant, k.Role == auth.RoleAdmin),
		store.DeleteOp(p.Tenant, store.Key{Kind: auth.KindKey, ID: id}, ver),
		store.PlatformDeleteOp(store.Key{Kind: auth.KindKeyHash, ID: k.Hash}),
	}
	if err := api.commit.Commit(ctx, ops, ev); err != nil {
		if quota.Exceeded(err, quota.APIKeys) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "key %q is the last admin key; create another admin key first", id)
		}
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "key %q changed meanwhile; retry", id)
		}
		return httpapi.Response{}, fmt.Errorf("revoke key %s: %w", id, err)
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

func pageRequest(r *httpapi.Request) (store.PageRequest, error) {
	page := store.PageRequest{Limit: 50, Cursor: r.QueryStringParameters["cursor"]}
	if s := r.QueryStringParameters["limit"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return page, httpapi.Invalid(httpapi.FieldError{Field: "limit", Reason: "must be an integer from 1 to 100"})
		}
		page.Limit = int32(n)
	}
	return page, nil
}
