package handler

// canned.go: the tenant's canned responses (话术, shared/canned) at /v1/canned-responses. Admins
// write them; agents and supervisors read them (the desktop's list and its suggestions). Each one
// carries a version, in the body and as the ETag; PATCH and DELETE take If-Match. Every accepted
// write commits one bot.config.changed event (kind canned_response) with it.

import (
	"context"
	"fmt"
	"net/http"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/canned"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
)

func (api *API) cannedRoutes() {
	api.router.Handle("POST /v1/canned-responses", api.tenantKey(auth.RoleAdmin, api.createCanned))
	api.router.Handle("GET /v1/canned-responses", api.tenantKey(auth.RoleAgent, api.listCanned))
	api.router.Handle("PATCH /v1/canned-responses/{id}", api.tenantKey(auth.RoleAdmin, api.patchCanned))
	api.router.Handle("DELETE /v1/canned-responses/{id}", api.tenantKey(auth.RoleAdmin, api.deleteCanned))
}

// cannedOut is a canned response as the API shows it.
type cannedOut struct {
	canned.Response
	Version int64 `json:"version"`
}

func cannedWhat(id string) string { return fmt.Sprintf("canned response %q", id) }

// pathCanned reads {id}; an id that cannot be a canned response's is 404, as an unknown one is.
func pathCanned(r *httpapi.Request) (string, error) {
	id := r.Params["id"]
	if !canned.ValidID(id) {
		return "", httpapi.Errorf(httpapi.KindNotFound, "no %s", cannedWhat(id))
	}
	return id, nil
}

func cannedChanged(p auth.Principal, id string, action lxevents.BotConfigAction, version int64) (lxevents.Envelope, error) {
	return configChanged(p, lxevents.BotConfigChange{Kind: lxevents.BotConfigCannedResponse, ID: id, Action: action, Version: version})
}

func (api *API) createCanned(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var body canned.Patch
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if fe := body.Check(true); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	id, err := canned.NewID()
	if err != nil {
		return httpapi.Response{}, err
	}
	c := body.Apply(canned.Response{ID: id}, api.now().UTC())
	ev, err := cannedChanged(p, id, lxevents.BotConfigPut, 1)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.CreateOp(p.Tenant, canned.Key(id), c)}, ev); err != nil {
		return httpapi.Response{}, fmt.Errorf("create %s: %w", cannedWhat(id), err)
	}
	return httpapi.Response{Status: http.StatusCreated, Body: cannedOut{Response: c, Version: 1}, Headers: etag(1)}, nil
}

func (api *API) listCanned(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.listItems(ctx, r, p.Tenant, canned.Kind, func(rec store.Record) (any, bool, error) {
		var c canned.Response
		if err := rec.Decode(&c); err != nil {
			return nil, false, err
		}
		return cannedOut{Response: c, Version: rec.Version}, true, nil
	})
}

// loadCanned reads response id for a write under pc: 404 when absent, 412 when pc names another
// version.
func (api *API) loadCanned(ctx context.Context, r *httpapi.Request, p auth.Principal, out any) (string, precondition, int64, error) {
	id, err := pathCanned(r)
	if err != nil {
		return "", precondition{}, 0, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return "", pc, 0, err
	}
	cur, err := api.loadForWrite(ctx, p.Tenant, canned.Key(id), cannedWhat(id), "canned responses", "POST /v1/canned-responses", pc, out)
	return id, pc, cur, err
}

func (api *API) patchCanned(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := pathCanned(r); err != nil {
		return httpapi.Response{}, err
	}
	var body canned.Patch
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if fe := body.Check(false); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	var old canned.Response
	id, pc, cur, err := api.loadCanned(ctx, r, p, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	if body.Empty() {
		return httpapi.Response{Status: http.StatusOK, Body: cannedOut{Response: old, Version: cur}, Headers: etag(cur)}, nil
	}
	c := body.Apply(old, api.now().UTC())
	ev, err := cannedChanged(p, id, lxevents.BotConfigPut, cur+1)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.PutOp(p.Tenant, canned.Key(id), c, cur)}, ev); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, cannedWhat(id))
	}
	return httpapi.Response{Status: http.StatusOK, Body: cannedOut{Response: c, Version: cur + 1}, Headers: etag(cur + 1)}, nil
}

func (api *API) deleteCanned(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := pathCanned(r); err != nil {
		return httpapi.Response{}, err
	}
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	id, pc, cur, err := api.loadCanned(ctx, r, p, nil)
	if err != nil {
		return httpapi.Response{}, err
	}
	ev, err := cannedChanged(p, id, lxevents.BotConfigDelete, 0)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.DeleteOp(p.Tenant, canned.Key(id), cur)}, ev); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, cannedWhat(id))
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}
