package handler

// recover.go: POST /v1/tenants/{id}/admin-keys, the platform admin's way back into a tenant that
// has lost its admin keys: a new admin key, audited by tenant.recovered.

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
)

type recoverBody struct {
	Reason string `json:"reason"`
	Name   string `json:"name"`
}

// recoverTenant issues a new admin key for tenant {id}. The key counts towards the API-key quota
// but is issued even when the quota is reached: recovery must not depend on the tenant tidying up
// first. The body's reason is kept in the audit event.
func (api *API) recoverTenant(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
	t, err := api.knownTenant(ctx, r.Params["id"])
	if err != nil {
		return httpapi.Response{}, err
	}
	var body recoverBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	var fields []httpapi.FieldError
	reason := strings.TrimSpace(body.Reason)
	if reason == "" || len([]rune(reason)) > 500 {
		fields = append(fields, httpapi.FieldError{Field: "/reason", Reason: "must be 1-500 characters: why the tenant is recovered (kept in the audit event)"})
	}
	name := strings.TrimSpace(body.Name)
	if len([]rune(name)) > 100 {
		fields = append(fields, httpapi.FieldError{Field: "/name", Reason: "must be at most 100 characters"})
	}
	if len(fields) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fields...)
	}
	if name == "" {
		name = "recovery admin key"
	}
	if _, err := api.ledger.Ensure(ctx, t, quota.APIKeys); err != nil {
		return httpapi.Response{}, err
	}
	key, keyOps, created, err := api.newKey(t, auth.RoleAdmin, name, "platform-admin", api.now().UTC())
	if err != nil {
		return httpapi.Response{}, err
	}
	recovered, err := lxevents.New(t, lxevents.TypeTenantRecovered, "apikey/"+key.ID, Source,
		lxevents.TenantRecovered{KeyID: key.ID, Prefix: key.Prefix, Reason: reason, IssuedBy: "platform-admin"})
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := append([]store.Op{quota.TakeKey(t, true, -1)}, keyOps...)
	if err := api.commit.Commit(ctx, ops, recovered, created); err != nil {
		return httpapi.Response{}, fmt.Errorf("recover tenant %s: %w", t, err)
	}
	api.log.InfoContext(ctx, "tenant recovered: new admin key issued by the platform admin", "tenant", t.String(), "key_id", key.ID)
	return httpapi.JSON(http.StatusCreated, key), nil
}
