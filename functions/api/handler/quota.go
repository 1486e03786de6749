package handler

// quota.go: the tenant's quotas on stored things (shared/quota) as the routes see them: the counter
// op each counted write carries, the 409 when a quota is reached, usage in GET /v1/tenant, and the
// platform admin's PUT /v1/tenants/{id}/plan.

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// limit returns t's quota for r under its current plan.
func (api *API) limit(ctx context.Context, t tenant.ID, r quota.Resource) (int64, error) {
	p, _, err := plan.Load(ctx, api.store, t)
	if err != nil {
		return 0, err
	}
	return r.Limit(p.Quotas), nil
}

// usageOut is one resource in GET /v1/tenant.
type usageOut struct {
	Usage int64 `json:"usage"`
	Limit int64 `json:"limit"`
}

// tenantOut is GET /v1/tenant: the profile, and the quotas with their usage.
type tenantOut struct {
	Tenant
	Quotas             map[quota.Resource]usageOut `json:"quotas"`
	RateLimits         plan.RateLimits             `json:"rate_limits"`
	WebhookConcurrency int64                       `json:"webhook_concurrency"`
}

func (api *API) getTenant(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var profile Tenant
	if _, err := api.store.Get(ctx, p.Tenant, profileKey, &profile); err != nil {
		return httpapi.Response{}, fmt.Errorf("get tenant %s: %w", p.Tenant, err)
	}
	pl, _, err := plan.Load(ctx, api.store, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	out := tenantOut{Tenant: profile, Quotas: map[quota.Resource]usageOut{}, RateLimits: pl.RateLimits, WebhookConcurrency: pl.WebhookConcurrency}
	for _, res := range quota.Resources {
		u, ok, err := api.ledger.Get(ctx, p.Tenant, res)
		if err != nil {
			return httpapi.Response{}, err
		}
		if !ok { // a tenant from before quotas, with no writes since: count without creating
			if u, err = api.ledger.Tally(ctx, p.Tenant, res); err != nil {
				return httpapi.Response{}, err
			}
		}
		out.Quotas[res] = usageOut{Usage: u.Count, Limit: res.Limit(pl.Quotas)}
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

// planBody is PUT /v1/tenants/{id}/plan: the whole plan. An omitted group or field (or 0) means
// the default.
type planBody struct {
	Quotas             plan.Quotas     `json:"quotas"`
	RateLimits         plan.RateLimits `json:"rate_limits"`
	WebhookConcurrency int64           `json:"webhook_concurrency"`
}

func (b planBody) validate() []httpapi.FieldError {
	var fields []httpapi.FieldError
	for _, f := range plan.QuotaTable {
		if v := *f.Of(&b.Quotas); v < 0 || v > 10_000_000 {
			fields = append(fields, httpapi.FieldError{Field: "/quotas/" + f.Name, Reason: "must be from 1 to 10000000 (0 or absent: the default)"})
		}
	}
	rl := b.RateLimits
	for _, f := range []struct {
		name string
		v    plan.RateLimit
	}{{"chat", rl.Chat}, {"config", rl.Config}, {"training", rl.Training}, {"read", rl.Read}} {
		if f.v.Rate < 0 || f.v.Rate > 100_000 {
			fields = append(fields, httpapi.FieldError{Field: "/rate_limits/" + f.name + "/rate", Reason: "must be a number of requests a second, above 0 and at most 100000 (0 or absent: the default)"})
		}
		if f.v.Burst < 0 || f.v.Burst > 100_000 {
			fields = append(fields, httpapi.FieldError{Field: "/rate_limits/" + f.name + "/burst", Reason: "must be from 1 to 100000 (0 or absent: the default)"})
		}
	}
	if b.WebhookConcurrency < 0 || b.WebhookConcurrency > 200 {
		fields = append(fields, httpapi.FieldError{Field: "/webhook_concurrency", Reason: "must be from 1 to 200 (0 or absent: the default)"})
	}
	return fields
}

// putPlan replaces tenant {id}'s plan (platform admin only). Lowering a quota below the current
// usage is allowed: nothing is deleted, but creating more is refused until usage is under it.
func (api *API) putPlan(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
	t, err := api.knownTenant(ctx, r.Params["id"])
	if err != nil {
		return httpapi.Response{}, err
	}
	var body planBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if fields := body.validate(); len(fields) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fields...)
	}
	stored := plan.Plan{Quotas: body.Quotas, RateLimits: body.RateLimits, WebhookConcurrency: body.WebhookConcurrency}
	_, ver, err := plan.Load(ctx, api.store, t)
	if err != nil {
		return httpapi.Response{}, err
	}
	eff := stored.Effective()
	rl := eff.RateLimits
	rate := func(l plan.RateLimit) lxevents.RateLimit { return lxevents.RateLimit{Rate: l.Rate, Burst: l.Burst} }
	ev, err := lxevents.New(t, lxevents.TypeTenantPlanChanged, t.String(), Source, lxevents.TenantPlanChanged{
		// The event's quotas are the plan's field for field (a conversion: a quota added to one
		// and not the other does not compile).
		Quotas:             lxevents.PlanQuotas(eff.Quotas),
		RateLimits:         lxevents.PlanRateLimits{Chat: rate(rl.Chat), Config: rate(rl.Config), Training: rate(rl.Training), Read: rate(rl.Read)},
		WebhookConcurrency: eff.WebhookConcurrency,
		ChangedBy:          "platform-admin",
		Version:            ver + 1,
	})
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.PutOp(t, plan.Key, stored, ver)}, ev); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "the plan of %s changed meanwhile; retry", t)
		}
		return httpapi.Response{}, fmt.Errorf("put plan of %s: %w", t, err)
	}
	return httpapi.JSON(http.StatusOK, eff), nil
}

// knownTenant parses the path's tenant id and checks that the tenant exists: 404 if not.
func (api *API) knownTenant(ctx context.Context, id string) (tenant.ID, error) {
	t, err := tenant.Parse(id) // the platform admin names the tenant; not a scope claim
	if err != nil {
		return tenant.ID{}, httpapi.Errorf(httpapi.KindNotFound, "no tenant %q", id)
	}
	if _, err := api.store.Get(ctx, t, profileKey, nil); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return tenant.ID{}, httpapi.Errorf(httpapi.KindNotFound, "no tenant %q", id)
		}
		return tenant.ID{}, fmt.Errorf("get tenant %s: %w", t, err)
	}
	return t, nil
}

// countItems counts n more or fewer items of store kind kind (quota.Ledger.Count) when counts is
// true and the kind has a quota; otherwise it counts nothing.
func (api *API) countItems(ctx context.Context, t tenant.ID, kind string, counts bool, n int64) (quota.Counted, error) {
	r, ok := quota.ForKind(kind)
	if !ok || !counts {
		return quota.Counted{}, nil
	}
	return api.ledger.Count(ctx, t, r, n)
}
