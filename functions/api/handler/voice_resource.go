package handler

import (
	"context"
	"net/http"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// voiceResource is what sets one kind of telephony item apart (numbers, trunks, softphone
// accounts, transfer targets: voice_*.go); its methods put, get, list and del are the routes the
// four share: path and body checks, preconditions, one transaction with the voice.config.changed
// event and the quota counter (commitVoice), the version as ETag. B is the PUT body, R the stored
// record.
type voiceResource[B, R any] struct {
	api *API
	// path reads the item's id from the request path (pathParam).
	path func(r *httpapi.Request, write bool) (string, error)
	// item is the item of id.
	item func(id string) voiceItem
	// kind is the store kind a listing reads (voicecfg.Kind*).
	kind string
	// view is rec at version ver as the API shows it.
	view func(ctx context.Context, t tenant.ID, rec R, ver int64) (any, error)
	// check refuses a body bad on its own, before any read of the item.
	check func(ctx context.Context, p auth.Principal, id string, b B) error
	// build is the record a PUT of b writes over old (at version cur; 0 and zero: absent), the ops
	// of its transaction besides the put, and the mapping of failures particular to them (nil:
	// none; commitVoice).
	build func(ctx context.Context, p auth.Principal, it voiceItem, id string, b B, old R, cur int64) (R, []store.Op, func(error) error, error)
	// remove is the ops of a DELETE's transaction besides the item's own: old is the item.
	remove func(ctx context.Context, p auth.Principal, it voiceItem, id string, old R) ([]store.Op, error)
}

// pureView adapts a view that needs neither the context nor the tenant.
func pureView[R, O any](view func(R, int64) O) func(context.Context, tenant.ID, R, int64) (any, error) {
	return func(_ context.Context, _ tenant.ID, rec R, ver int64) (any, error) { return view(rec, ver), nil }
}

func (v voiceResource[B, R]) put(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := v.path(r, true)
	if err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var b B
	if err := r.DecodeJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	if err := v.check(ctx, p, id, b); err != nil {
		return httpapi.Response{}, err
	}
	it := v.item(id)
	var old R
	cur, err := v.api.loadFor(ctx, p.Tenant, it, pc, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	rec, ops, refused, err := v.build(ctx, p, it, id, b, old, cur)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops = append([]store.Op{store.PutOp(p.Tenant, it.key, rec, cur)}, ops...)
	if err := v.api.commitVoice(ctx, p, it, pc, cur, false, ops, refused); err != nil {
		return httpapi.Response{}, err
	}
	out, err := v.view(ctx, p.Tenant, rec, cur+1)
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if cur == 0 {
		status = http.StatusCreated
	}
	return httpapi.Response{Status: status, Body: out, Headers: etag(cur + 1)}, nil
}

func (v voiceResource[B, R]) get(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := v.path(r, false)
	if err != nil {
		return httpapi.Response{}, err
	}
	it := v.item(id)
	var rec R
	ver, err := v.api.getItem(ctx, p.Tenant, it.key, it.what, &rec)
	if err != nil {
		return httpapi.Response{}, err
	}
	out, err := v.view(ctx, p.Tenant, rec, ver)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: out, Headers: etag(ver)}, nil
}

func (v voiceResource[B, R]) list(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return v.api.listItems(ctx, r, p.Tenant, v.kind, func(rec store.Record) (any, bool, error) {
		var item R
		if err := rec.Decode(&item); err != nil {
			return nil, false, err
		}
		out, err := v.view(ctx, p.Tenant, item, rec.Version)
		return out, err == nil, err
	})
}

func (v voiceResource[B, R]) del(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := v.path(r, false)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	pc, err := voiceDeletePreconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	it := v.item(id)
	var old R
	cur, err := v.api.loadDeleted(ctx, p, it, pc, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops, err := v.remove(ctx, p, it, id, old)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops = append([]store.Op{store.DeleteOp(p.Tenant, it.key, cur)}, ops...)
	if err := v.api.commitVoice(ctx, p, it, pc, cur, true, ops, nil); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

// voiceDeletePreconditions reads a delete's If-Match; If-None-Match means nothing there.
func voiceDeletePreconditions(r *httpapi.Request) (precondition, error) {
	pc, err := preconditions(r)
	if err != nil {
		return pc, err
	}
	if pc.absent {
		return pc, httpapi.Invalid(httpapi.FieldError{Field: "If-None-Match", Reason: "means nothing on a delete"})
	}
	return pc, nil
}

// loadDeleted reads the item a delete removes into out: 404 when it does not exist, 412 when the
// request's If-Match names another version.
func (api *API) loadDeleted(ctx context.Context, p auth.Principal, it voiceItem, pc precondition, out any) (int64, error) {
	cur, err := api.currentVersion(ctx, p.Tenant, it.key, out)
	if err != nil {
		return 0, err
	}
	if cur == 0 && !pc.any() {
		return 0, httpapi.Errorf(httpapi.KindNotFound, "no %s", it.what)
	}
	return cur, checkPrecondition(pc, cur, it.what)
}
