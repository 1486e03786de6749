package handler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

// Partners' event webhooks (docs/webhooks.md): endpoints, their secrets, the delivery log and
// replay. The deliveries themselves are made by the webhooks and deliver functions.

// DefaultSecretGrace is how long a rotated-out secret keeps signing unless the request says.
const DefaultSecretGrace = 24 * time.Hour

// maxSecretGrace bounds a rotation's grace period.
const maxSecretGrace = 7 * 24 * time.Hour

// Replayer queues a delivery again; *delivery.Service is one.
type Replayer interface {
	Replay(ctx context.Context, t tenant.ID, endpoint, id string) (delivery.Delivery, error)
}

// WithWebhookReplay sets what replays deliveries; without it the replay route answers 503.
func WithWebhookReplay(r Replayer) Option { return func(api *API) { api.replay = r } }

func (api *API) webhookRoutes() {
	api.router.Handle("POST /v1/webhooks", api.tenantKey(auth.RoleAdmin, api.createWebhook))
	api.router.Handle("GET /v1/webhooks", api.tenantKey(auth.RoleAdmin, api.listWebhooks))
	api.router.Handle("GET /v1/webhooks/{id}", api.tenantKey(auth.RoleAdmin, api.getWebhook))
	api.router.Handle("PATCH /v1/webhooks/{id}", api.tenantKey(auth.RoleAdmin, api.patchWebhook))
	api.router.Handle("DELETE /v1/webhooks/{id}", api.tenantKey(auth.RoleAdmin, api.deleteWebhook))
	api.router.Handle("POST /v1/webhooks/{id}/secret", api.tenantKey(auth.RoleAdmin, api.rotateWebhookEndpointSecret))
	api.router.Handle("GET /v1/webhooks/{id}/deliveries", api.tenantKey(auth.RoleAdmin, api.listDeliveries))
	api.router.Handle("POST /v1/webhooks/{id}/deliveries/{delivery}/replay", api.tenantKey(auth.RoleAdmin, api.replayDelivery))
}

// webhookBody is POST /v1/webhooks and PATCH /v1/webhooks/{id}: absent fields are not changed
// (a POST needs url and event_types; enabled defaults to true).
type webhookBody struct {
	URL         *string   `json:"url"`
	EventTypes  *[]string `json:"event_types" jsonschema:"minItems=1"`
	Description *string   `json:"description"`
	Enabled     *bool     `json:"enabled"`
}

// apply checks b and copies it onto ep, reporting every bad field.
func (api *API) applyWebhook(b webhookBody, ep *delivery.Endpoint, create bool) error {
	var fields []httpapi.FieldError
	if b.URL == nil && create {
		fields = append(fields, httpapi.FieldError{Field: "/url", Reason: "is required"})
	}
	if b.URL != nil {
		if err := dialog.CheckWebhookURL(*b.URL); err != nil {
			fields = append(fields, httpapi.FieldError{Field: "/url", Reason: err.Error()})
		} else if u, _ := url.Parse(*b.URL); u != nil {
			if err := dialog.CheckURL(api.egress, u); err != nil {
				fields = append(fields, httpapi.FieldError{Field: "/url", Reason: "must not point at a non-public address (" + err.Error() + ")"})
			} else {
				ep.URL = *b.URL
			}
		}
	}
	if b.EventTypes == nil && create {
		fields = append(fields, httpapi.FieldError{Field: "/event_types", Reason: "is required: the event types to deliver"})
	}
	if b.EventTypes != nil {
		types := *b.EventTypes
		known := lxevents.Types()
		if len(types) == 0 || len(types) > len(known) {
			fields = append(fields, httpapi.FieldError{Field: "/event_types", Reason: fmt.Sprintf("must name 1 to %d event types", len(known))})
		}
		var out []string
		for i, typ := range types {
			if !slices.Contains(known, typ) {
				fields = append(fields, httpapi.FieldError{Field: fmt.Sprintf("/event_types/%d", i), Reason: "is not an event type (docs/webhooks.md lists them)"})
			} else if !slices.Contains(out, typ) {
				out = append(out, typ)
			}
		}
		slices.Sort(out)
		ep.EventTypes = out
	}
	if b.Description != nil {
		d := strings.TrimSpace(*b.Description)
		if len([]rune(d)) > 500 || strings.ContainsAny(d, "\x00\r\n") {
			fields = append(fields, httpapi.FieldError{Field: "/description", Reason: "must be one line of at most 500 characters"})
		}
		ep.Description = d
	}
	if b.Enabled != nil {
		ep.Enabled = *b.Enabled
	}
	if len(fields) > 0 {
		return httpapi.Invalid(fields...)
	}
	return nil
}

// webhookCreated is the answer to POST /v1/webhooks: the only time the secret is shown.
type webhookCreated struct {
	*delivery.Endpoint
	Secret string `json:"secret"`
}

func (api *API) createWebhook(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var b webhookBody
	if err := r.DecodeJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	now := api.now().UTC()
	ep := &delivery.Endpoint{Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := api.applyWebhook(b, ep, true); err != nil {
		return httpapi.Response{}, err
	}
	id, err := delivery.NewID()
	if err != nil {
		return httpapi.Response{}, err
	}
	ep.ID = id
	secret, err := ep.Rotate(now, 0)
	if err != nil {
		return httpapi.Response{}, err
	}
	// The plan's webhook_endpoints quota, counted in the same transaction as the endpoint.
	counted, err := api.ledger.Count(ctx, p.Tenant, quota.WebhookEndpoints, 1)
	if err != nil {
		return httpapi.Response{}, err
	}
	ev, err := webhookChanged(p, id, lxevents.WebhookEndpointCreated, 1)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := append(counted.Ops, store.CreateOp(p.Tenant, delivery.EndpointKey(id), ep))
	if err := api.commit.Commit(ctx, ops, ev); err != nil {
		if refused := api.ledger.Refused(ctx, p.Tenant, counted, err); refused != nil {
			return httpapi.Response{}, refused
		}
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "the tenant's webhook endpoints changed meanwhile; retry")
		}
		return httpapi.Response{}, fmt.Errorf("create webhook endpoint for %s: %w", p.Tenant, err)
	}
	ep.Version = 1
	return httpapi.Response{Status: http.StatusCreated, Body: webhookCreated{Endpoint: ep.View(now), Secret: secret}, Headers: versionedNoStore(1)}, nil
}

// versionedNoStore is the headers of an answer that shows a secret (kept out of every cache) and
// the endpoint's version.
func versionedNoStore(version int64) map[string]string {
	h := etag(version)
	h["Cache-Control"] = "no-store"
	return h
}

// webhookChanged is the event of an accepted endpoint write; version is the endpoint's after it.
func webhookChanged(p auth.Principal, id string, change lxevents.WebhookEndpointChange, version int64) (lxevents.Envelope, error) {
	return lxevents.New(p.Tenant, lxevents.TypeWebhookEndpointChanged, id, Source,
		lxevents.WebhookEndpointChanged{EndpointID: id, Change: change, Version: version, ChangedBy: p.Actor()})
}

// writeWebhook commits ops for endpoint id at version ver with the change's event; a conflict is
// 412 when the request named a version, 409 otherwise.
func (api *API) writeWebhook(ctx context.Context, p auth.Principal, pc precondition, id string, change lxevents.WebhookEndpointChange, version int64, ops []store.Op) error {
	ev, err := webhookChanged(p, id, change, version)
	if err != nil {
		return err
	}
	if err := api.commit.Commit(ctx, ops, ev); err != nil {
		return writeConflict(err, pc, fmt.Sprintf("webhook endpoint %q", id))
	}
	return nil
}

// loadWebhookFor loads the endpoint of a write and checks the request's If-Match against it.
func (api *API) loadWebhookFor(ctx context.Context, r *httpapi.Request, p auth.Principal, pc precondition) (*delivery.Endpoint, int64, error) {
	ep, ver, err := api.loadWebhook(ctx, r, p)
	if err != nil {
		return nil, 0, err
	}
	if err := checkPrecondition(pc, ver, fmt.Sprintf("webhook endpoint %q", ep.ID)); err != nil {
		return nil, 0, err
	}
	return ep, ver, nil
}

// webhookID reads the {id} of a webhook route; an id that cannot be one is not found.
func webhookID(r *httpapi.Request) (string, error) {
	id := r.Params["id"]
	if !strings.HasPrefix(id, "we_") || len(id) > 64 || strings.ContainsAny(id, "/ ") {
		return "", httpapi.Errorf(httpapi.KindNotFound, "no webhook endpoint %q", id)
	}
	return id, nil
}

func (api *API) loadWebhook(ctx context.Context, r *httpapi.Request, p auth.Principal) (*delivery.Endpoint, int64, error) {
	id, err := webhookID(r)
	if err != nil {
		return nil, 0, err
	}
	var ep delivery.Endpoint
	ver, err := api.store.Get(ctx, p.Tenant, delivery.EndpointKey(id), &ep)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, httpapi.Errorf(httpapi.KindNotFound, "no webhook endpoint %q", id)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("get webhook endpoint %s: %w", id, err)
	}
	ep.Version = ver
	return &ep, ver, nil
}

func (api *API) listWebhooks(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	page, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := api.store.Query(ctx, p.Tenant, delivery.KindEndpoint, "", page)
	if errors.Is(err, store.ErrInvalidCursor) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("list webhook endpoints of %s: %w", p.Tenant, err)
	}
	now := api.now()
	items := make([]*delivery.Endpoint, 0, len(res.Items))
	for _, rec := range res.Items {
		var ep delivery.Endpoint
		if err := rec.Decode(&ep); err != nil {
			return httpapi.Response{}, fmt.Errorf("decode webhook endpoint %s: %w", rec.Key.ID, err)
		}
		ep.Version = rec.Version
		items = append(items, ep.View(now))
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": res.Next}), nil
}

func (api *API) getWebhook(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	ep, ver, err := api.loadWebhook(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: ep.View(api.now()), Headers: etag(ver)}, nil
}

func (api *API) patchWebhook(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	ep, ver, err := api.loadWebhookFor(ctx, r, p, pc)
	if err != nil {
		return httpapi.Response{}, err
	}
	var b webhookBody
	if err := r.DecodeJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	if err := api.applyWebhook(b, ep, false); err != nil {
		return httpapi.Response{}, err
	}
	ep.UpdatedAt = api.now().UTC()
	ops := []store.Op{store.PutOp(p.Tenant, delivery.EndpointKey(ep.ID), ep, ver)}
	if err := api.writeWebhook(ctx, p, pc, ep.ID, lxevents.WebhookEndpointUpdated, ver+1, ops); err != nil {
		return httpapi.Response{}, err
	}
	ep.Version = ver + 1
	return httpapi.Response{Status: http.StatusOK, Body: ep.View(api.now()), Headers: etag(ver + 1)}, nil
}

func (api *API) deleteWebhook(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	if pc.absent {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "If-None-Match", Reason: "means nothing on a delete"})
	}
	ep, ver, err := api.loadWebhookFor(ctx, r, p, pc)
	if err != nil {
		return httpapi.Response{}, err
	}
	counted, err := api.ledger.Count(ctx, p.Tenant, quota.WebhookEndpoints, -1)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := append(counted.Ops, store.DeleteOp(p.Tenant, delivery.EndpointKey(ep.ID), ver))
	if err := api.writeWebhook(ctx, p, pc, ep.ID, lxevents.WebhookEndpointDeleted, 0, ops); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

type rotateBody struct {
	// GraceSeconds is how long the current secret keeps signing beside the new one (86400 by
	// default; 0 retires it at once).
	GraceSeconds *int64 `json:"grace_seconds"`
}

func (api *API) rotateWebhookEndpointSecret(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var b rotateBody
	if err := r.DecodeOptionalJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	grace := DefaultSecretGrace
	if b.GraceSeconds != nil {
		if *b.GraceSeconds < 0 || time.Duration(*b.GraceSeconds)*time.Second > maxSecretGrace {
			return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/grace_seconds", Reason: fmt.Sprintf("must be 0 to %d", int64(maxSecretGrace/time.Second))})
		}
		grace = time.Duration(*b.GraceSeconds) * time.Second
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	ep, ver, err := api.loadWebhookFor(ctx, r, p, pc)
	if err != nil {
		return httpapi.Response{}, err
	}
	now := api.now().UTC()
	secret, err := ep.Rotate(now, grace)
	if err != nil {
		return httpapi.Response{}, err
	}
	ep.UpdatedAt = now
	ops := []store.Op{store.PutOp(p.Tenant, delivery.EndpointKey(ep.ID), ep, ver)}
	if err := api.writeWebhook(ctx, p, pc, ep.ID, lxevents.WebhookEndpointSecretRotated, ver+1, ops); err != nil {
		return httpapi.Response{}, err
	}
	ep.Version = ver + 1
	return httpapi.Response{Status: http.StatusOK, Body: webhookCreated{Endpoint: ep.View(now), Secret: secret}, Headers: versionedNoStore(ver + 1)}, nil
}

func (api *API) listDeliveries(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	ep, _, err := api.loadWebhook(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	page, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := api.store.Query(ctx, p.Tenant, delivery.KindDelivery, delivery.DeliveryPrefix(ep.ID), page)
	if errors.Is(err, store.ErrInvalidCursor) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("list deliveries of %s: %w", ep.ID, err)
	}
	items := make([]delivery.Delivery, 0, len(res.Items))
	for _, rec := range res.Items {
		var d delivery.Delivery
		if err := rec.Decode(&d); err != nil {
			return httpapi.Response{}, fmt.Errorf("decode delivery %s: %w", rec.Key.ID, err)
		}
		items = append(items, d)
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": res.Next}), nil
}

func (api *API) replayDelivery(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	ep, _, err := api.loadWebhook(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["delivery"]
	if id == "" || len(id) > 128 || strings.ContainsAny(id, "/ ") {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no delivery %q", id)
	}
	if api.replay == nil {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "webhook replay is not configured")
	}
	d, err := api.replay.Replay(ctx, p.Tenant, ep.ID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no delivery %q", id)
	case errors.Is(err, delivery.ErrNotReplayable):
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "delivery %q is %s: only a delivered or parked delivery can be replayed", id, d.Status)
	case errors.Is(err, store.ErrConflict):
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "delivery %q changed meanwhile; retry", id)
	case err != nil:
		return httpapi.Response{}, fmt.Errorf("replay %s/%s: %w", ep.ID, id, err)
	}
	return httpapi.JSON(http.StatusAccepted, d), nil
}
