package handler

// Idempotency keys (shared/idempotency). Every POST honours Idempotency-Key: a retry gets the
// first response again, marked Idempotent-Replayed: true, and nothing runs or is emitted again.
// The handlers commit through api.commit, which holds their writes while the request runs; the
// guard commits them together with the response once the handler has answered, so a function
// killed at any point leaves either nothing or the writes with their response. A write that
// conflicts then is 409 with nothing written, whatever the handler would have said; and one
// request's writes must fit one transaction (an import of more than 98 items does not).
//
// Responses that show a secret once keep it out of the stored record: a replay answers the first
// status and body without it and names what it left out in Idempotent-Secret-Omitted.

import (
	"context"
	"net/http"
	"time"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/idempotency"
)

// secretFields are the JSON pointers of the secrets each POST route shows once.
var secretFields = map[string][]string{
	"POST /v1/tenants":                 {"/api_key/key"},
	"POST /v1/tenants/{id}/admin-keys": {"/key"},
	"POST /v1/api-keys":                {"/key"},
	"POST /v1/bot/webhook-secret":      {"/webhook_secret"},
	"POST /v1/webhooks":                {"/secret"},
	"POST /v1/webhooks/{id}/secret":    {"/secret"},
}

// WithIdempotency keeps Idempotency-Key records in s. Without it a POST with the header is 503:
// silently running it without the guarantee it asks for would be worse.
func WithIdempotency(s idempotency.Store) Option {
	return func(api *API) {
		api.idem = idempotency.New(s, api.commit, api.log).WithClock(func() time.Time { return api.now() })
		api.commit = api.idem.Committer()
	}
}

// idemRoute is what the guard needs of r's route.
func idemRoute(r *httpapi.Request) idempotency.Route {
	return idempotency.Route{Key: r.RouteKey, Secrets: secretFields[r.RouteKey]}
}

// once runs a tenant's POST at most once per Idempotency-Key; other methods go straight to h.
func (api *API) once(ctx context.Context, r *httpapi.Request, p auth.Principal, h tenantHandler) (httpapi.Response, error) {
	if r.RequestContext.HTTP.Method != http.MethodPost {
		return h(ctx, r, p)
	}
	resp, err := api.idem.Do(ctx, r, idempotency.ForTenant(p.Tenant), idemRoute(r), func(ctx context.Context) (httpapi.Response, error) {
		return h(ctx, r, p)
	})
	if err != nil {
		// A held commit refused by a quota's bound fails inside Do, away from the handler that
		// would have named the quota: name it here.
		if qerr := api.ledger.RefusalOf(ctx, p.Tenant, err); qerr != nil {
			return httpapi.Response{}, qerr
		}
	}
	return resp, err
}

// onceAdmin is once for the platform admin's POSTs, whose keys are the platform's.
func (api *API) onceAdmin(ctx context.Context, r *httpapi.Request, h httpapi.HandlerFunc) (httpapi.Response, error) {
	if r.RequestContext.HTTP.Method != http.MethodPost {
		return h(ctx, r)
	}
	return api.idem.Do(ctx, r, idempotency.Platform, idemRoute(r), func(ctx context.Context) (httpapi.Response, error) {
		return h(ctx, r)
	})
}
