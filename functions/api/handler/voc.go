package handler

// voc.go: the voice of the customer's alerts (shared/voc, docs/voc.md) as supervisors and admins
// work them, and the keys counted.
//
//	GET  /v1/voc/alerts                    alerts, newest first (state=open|acknowledged|assigned|resolved)
//	GET  /v1/voc/alerts/{id}               one alert
//	POST /v1/voc/alerts/{id}/acknowledge   open → acknowledged
//	POST /v1/voc/alerts/{id}/assign        → assigned to owner_id (a user of the tenant)
//	POST /v1/voc/alerts/{id}/resolve       → resolved, with a note; the time from onset is kept
//	GET  /v1/voc/topics                    the keys counted lately with their volumes

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
	"github.com/lingxi/lingxi/shared/voc"
)

// VOCAlerts is what the alert routes need; *voc.Alerts is one. Unknown alerts are voc.ErrNotFound,
// steps out of order voc.ErrState, a cursor of another listing store.ErrInvalidCursor.
type VOCAlerts interface {
	List(ctx context.Context, t tenant.ID, state lxevents.AlertState, page store.PageRequest) ([]voc.Alert, string, error)
	Get(ctx context.Context, t tenant.ID, id string) (voc.Alert, error)
	Acknowledge(ctx context.Context, t tenant.ID, id, by string) (voc.Alert, error)
	Assign(ctx context.Context, t tenant.ID, id, owner, by string) (voc.Alert, error)
	Resolve(ctx context.Context, t tenant.ID, id, by, note string) (voc.Alert, error)
}

// VOCCounts is what GET /v1/voc/topics reads; *voc.Counters is one.
type VOCCounts interface {
	Keys(ctx context.Context, t tenant.ID, since time.Time) ([]voc.KeyTotal, error)
	Examples(ctx context.Context, t tenant.ID, key string, n int) ([]voc.Example, error)
}

var (
	_ VOCAlerts = (*voc.Alerts)(nil)
	_ VOCCounts = (*voc.Counters)(nil)
)

// vocDeps are the VOC routes' stores.
type vocDeps struct {
	alerts VOCAlerts
	counts VOCCounts
}

// WithVOC serves the /v1/voc alert and topic routes from a and c. Without it they answer 503.
func WithVOC(a VOCAlerts, c VOCCounts) Option {
	return func(api *API) { api.voc = vocDeps{alerts: a, counts: c} }
}

// Problems of the alert workflow.
var (
	kindAlertState = &httpapi.Kind{Slug: "voc-alert-state", Title: "The alert is not in a state for this step", Status: http.StatusConflict}
	kindAlertOwner = &httpapi.Kind{Slug: "voc-alert-owner-unknown", Title: "The owner is not a user of the tenant", Status: http.StatusUnprocessableEntity}
)

// TopicsSpan is the window of GET /v1/voc/topics: the last day.
const TopicsSpan = 24 * time.Hour

func (api *API) vocRoutes() {
	reader := auth.RoleSupervisor
	api.router.Handle("GET /v1/voc/alerts", api.tenantKey(reader, api.listAlerts))
	api.router.Handle("GET /v1/voc/alerts/{id}", api.tenantKey(reader, api.getAlert))
	api.router.Handle("POST /v1/voc/alerts/{id}/acknowledge", api.tenantKey(reader, api.acknowledgeAlert))
	api.router.Handle("POST /v1/voc/alerts/{id}/assign", api.tenantKey(reader, api.assignAlert))
	api.router.Handle("POST /v1/voc/alerts/{id}/resolve", api.tenantKey(reader, api.resolveAlert))
	api.router.Handle("GET /v1/voc/topics", api.tenantKey(reader, api.listVOCTopics))
}

func (api *API) vocAlerts() (VOCAlerts, error) {
	if api.voc.alerts == nil {
		return nil, httpapi.Errorf(httpapi.KindUnavailable, "the voice of the customer is not configured")
	}
	return api.voc.alerts, nil
}

// alertError turns voc's sentinels into problems.
func alertError(err error, id string) error {
	switch {
	case errors.Is(err, voc.ErrNotFound):
		return httpapi.Errorf(httpapi.KindNotFound, "no alert %q", id)
	case errors.Is(err, voc.ErrState):
		return &httpapi.Error{Kind: kindAlertState, Detail: strings.TrimPrefix(err.Error(), voc.ErrState.Error()+": ")}
	case errors.Is(err, store.ErrInvalidCursor):
		return httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
	}
	return err
}

func (api *API) listAlerts(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	a, err := api.vocAlerts()
	if err != nil {
		return httpapi.Response{}, err
	}
	state := lxevents.AlertState(r.QueryStringParameters["state"])
	if state != "" && !voc.ValidState(state) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "state", Reason: "must be open, acknowledged, assigned or resolved"})
	}
	pr, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	items, next, err := a.List(ctx, p.Tenant, state, pr)
	if err != nil {
		return httpapi.Response{}, alertError(err, "")
	}
	return httpapi.JSON(http.StatusOK, page[voc.Alert]{Items: items, NextCursor: next}), nil
}

func (api *API) getAlert(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	a, err := api.vocAlerts()
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["id"]
	al, err := a.Get(ctx, p.Tenant, id)
	if err != nil {
		return httpapi.Response{}, alertError(err, id)
	}
	return httpapi.JSON(http.StatusOK, al), nil
}

func (api *API) acknowledgeAlert(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	a, err := api.vocAlerts()
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["id"]
	al, err := a.Acknowledge(ctx, p.Tenant, id, p.Actor())
	if err != nil {
		return httpapi.Response{}, alertError(err, id)
	}
	return httpapi.JSON(http.StatusOK, al), nil
}

// assignBody is the body of POST /v1/voc/alerts/{id}/assign.
type assignBody struct {
	// OwnerID is the user who owns the alert from now on (GET /v1/users; the console's "assign to
	// me" sends the signed-in user's id).
	OwnerID string `json:"owner_id" jsonschema:"minLength=1,maxLength=64"`
}

func (b assignBody) check() []httpapi.FieldError {
	if !users.ValidID(b.OwnerID) {
		return []httpapi.FieldError{{Field: "/owner_id", Reason: "must be a user id (GET /v1/users)"}}
	}
	return nil
}

func (api *API) assignAlert(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	a, err := api.vocAlerts()
	if err != nil {
		return httpapi.Response{}, err
	}
	var b assignBody
	if err := r.DecodeJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	if fe := b.check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	id := r.Params["id"]
	if _, err := a.Get(ctx, p.Tenant, id); err != nil { // an unknown alert is a 404 before the owner's 422
		return httpapi.Response{}, alertError(err, id)
	}
	var u users.User
	if _, err := api.store.Get(ctx, p.Tenant, users.Key(b.OwnerID), &u); errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		return httpapi.Response{}, &httpapi.Error{Kind: kindAlertOwner, Detail: fmt.Sprintf("no enabled user %q in this tenant", b.OwnerID),
			Fields: []httpapi.FieldError{{Field: "/owner_id", Reason: "is not an enabled user of this tenant"}}}
	} else if err != nil {
		return httpapi.Response{}, fmt.Errorf("owner %s of %s: %w", b.OwnerID, p.Tenant, err)
	}
	al, err := a.Assign(ctx, p.Tenant, id, b.OwnerID, p.Actor())
	if err != nil {
		return httpapi.Response{}, alertError(err, id)
	}
	return httpapi.JSON(http.StatusOK, al), nil
}

// resolveBody is the body of POST /v1/voc/alerts/{id}/resolve (optional).
type resolveBody struct {
	// Note says what was done, for the record and alert.changed.
	Note string `json:"note,omitempty" jsonschema:"maxLength=1000"`
}

func (b resolveBody) check() []httpapi.FieldError {
	if n := len([]rune(b.Note)); n > voc.MaxNoteRunes {
		return []httpapi.FieldError{{Field: "/note", Reason: fmt.Sprintf("must be at most %d characters", voc.MaxNoteRunes)}}
	}
	if reason := httpapi.TextProblem(b.Note, true); reason != "" {
		return []httpapi.FieldError{{Field: "/note", Reason: reason}}
	}
	return nil
}

func (api *API) resolveAlert(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	a, err := api.vocAlerts()
	if err != nil {
		return httpapi.Response{}, err
	}
	var b resolveBody
	if err := r.DecodeOptionalJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	if fe := b.check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	id := r.Params["id"]
	al, err := a.Resolve(ctx, p.Tenant, id, p.Actor(), b.Note)
	if err != nil {
		return httpapi.Response{}, alertError(err, id)
	}
	return httpapi.JSON(http.StatusOK, al), nil
}

// VOCTopic is one key counted lately.
type VOCTopic struct {
	// Key is what was counted ("intent:complaint", "topic:<id>", "queue:<id>", "negative:chat").
	Key string `json:"key"`
	// Kind is the key's kind: intent, topic, queue or negative.
	Kind lxevents.AlertKind `json:"kind"`
	// Name is the key's name: the intent, the queue, the channel, the topic tracker's name of a
	// topic (its id when it has none).
	Name string `json:"name"`
	// Count is the volume over the window; Last the start of its latest 5-minute interval.
	Count float64   `json:"count"`
	Last  time.Time `json:"last"`
}

// vocTopicsOut is GET /v1/voc/topics.
type vocTopicsOut struct {
	From  time.Time  `json:"from"`
	To    time.Time  `json:"to"`
	Items []VOCTopic `json:"items"`
}

func (api *API) listVOCTopics(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if api.voc.counts == nil {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "the voice of the customer is not configured")
	}
	now := api.now().UTC()
	from := now.Add(-TopicsSpan)
	keys, err := api.voc.counts.Keys(ctx, p.Tenant, from)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("VOC keys of %s: %w", p.Tenant, err)
	}
	out := vocTopicsOut{From: from, To: now, Items: []VOCTopic{}}
	for _, k := range keys {
		kind, name, ok := voc.KindOf(k.Key)
		if !ok {
			continue
		}
		if kind == lxevents.AlertTopic { // the topic tracker's name, kept with the topic's latest message
			if exs, err := api.voc.counts.Examples(ctx, p.Tenant, k.Key, 1); err != nil {
				return httpapi.Response{}, fmt.Errorf("VOC topic %s of %s: %w", k.Key, p.Tenant, err)
			} else if len(exs) > 0 && exs[0].Name != "" {
				name = exs[0].Name
			}
		}
		out.Items = append(out.Items, VOCTopic{Key: k.Key, Kind: kind, Name: name, Count: k.Total, Last: k.Last})
	}
	return httpapi.JSON(http.StatusOK, out), nil
}
