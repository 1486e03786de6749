package handler

// widget.go: the tenant's web chat widget (shared/widget): GET and PUT /v1/widget, admin. The
// first PUT makes the widget's public id; later ones change its origins and title and keep it.

import (
	"context"
	"net/http"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
	"github.com/lingxi/lingxi/shared/widget"
)

// widgetBody is the body of PUT /v1/widget.
type widgetBody struct {
	// Origins are the sites that may start conversations from a browser: https://host[:port]
	// (http only for localhost or 127.0.0.1). Empty: any site.
	Origins []string `json:"origins" jsonschema:"maxItems=20"`
	// Title is shown in the widget's header.
	Title string `json:"title,omitempty" jsonschema:"maxLength=80"`
}

func (api *API) widgetRoutes() {
	api.router.Handle("GET /v1/widget", api.tenantKey(auth.RoleAdmin, api.getWidget))
	api.router.Handle("PUT /v1/widget", api.tenantKey(auth.RoleAdmin, api.putWidget))
}

// widgetOperations are the widget routes as the contract describes them; op is Contract's tenantOp
// with the admin role.
func widgetOperations(op func(openapi.Operation) openapi.Operation) []openapi.Operation {
	const tag = "Widget"
	return []openapi.Operation{
		op(openapi.Operation{Route: "GET /v1/widget", ID: "getWidget", Tag: tag,
			Summary:   "The tenant's web chat widget: its public id, the origins that may embed it, its title",
			Responses: []openapi.Response{{Status: http.StatusOK, Body: widget.Widget{}, ETag: true}}, Problems: notFound}),
		op(openapi.Operation{Route: "PUT /v1/widget", ID: "putWidget", Tag: tag,
			Summary:     "Create or change the tenant's web chat widget; the first call makes its public id (lxw_…)",
			Description: "Pages embed the widget with its id; conversations start at POST /v1/widgets/{widget}/conversations without a key.",
			Body:        openapi.BodyRequired, Request: widgetBody{}, Preconditions: true, Responses: versioned(widget.Widget{}),
			Problems: openapi.Problems(kindPrecondition, httpapi.KindConflict)}),
	}
}

func (api *API) getWidget(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var w widget.Widget
	ver, err := api.currentVersion(ctx, p.Tenant, widget.Key(), &w)
	if err != nil {
		return httpapi.Response{}, err
	}
	if ver == 0 {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "the tenant has no widget yet; PUT /v1/widget makes one")
	}
	return httpapi.Response{Status: http.StatusOK, Body: w, Headers: etag(ver)}, nil
}

func (api *API) putWidget(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var body widgetBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	w := widget.Widget{Origins: body.Origins, Title: body.Title}
	w.Normalize()
	if fe := w.Check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	var old widget.Widget
	current, err := api.currentVersion(ctx, p.Tenant, widget.Key(), &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := checkPrecondition(pc, current, "the widget"); err != nil {
		return httpapi.Response{}, err
	}
	now := api.now().UTC()
	w.ID, w.CreatedAt, w.UpdatedAt = old.ID, old.CreatedAt, now
	status := http.StatusOK
	if current == 0 {
		if w.ID, err = widget.NewID(); err != nil {
			return httpapi.Response{}, err
		}
		w.CreatedAt, status = now, http.StatusCreated
	}
	if err := api.commit.Commit(ctx, widget.PutOps(p.Tenant, w, current)); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, "the widget")
	}
	return httpapi.Response{Status: status, Body: w, Headers: etag(current + 1)}, nil
}
