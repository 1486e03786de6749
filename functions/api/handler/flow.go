package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
)

// Flows: the body of PUT /v1/flows/{id} is the flow definition itself, as shared/dialog reads it
// (dialog.ParseFlow: strict, every issue reported with a JSON pointer; a body that is not one JSON
// value is malformed-body, as on every route), with the text rules of every body (httpapi's
// text.go: prompts are multi-line, ids and queues one line). Its "id" must be the path's
// id. Its "version" is the store's and read-only: the API sets it on every write and ignores the
// body's. As for every resource, only If-Match (or If-None-Match: *) makes a write conditional, so
// a definition read with GET, edited and sent back with If-Match: <its version> is refused with 412
// if someone changed the flow meanwhile.

func flowKey(id string) store.Key { return store.Key{Kind: botconfig.KindFlow, ID: id} }

// flowOut is a flow as the API shows it; the definition holds the same version.
type flowOut struct {
	ID         string          `json:"id"`
	Version    int64           `json:"version"`
	UpdatedAt  time.Time       `json:"updated_at"`
	Definition json.RawMessage `json:"definition"`
}

// flowSummary is a flow in a listing.
type flowSummary struct {
	ID        string      `json:"id"`
	Name      dialog.Text `json:"name,omitempty"`
	Steps     int         `json:"steps"`
	UpdatedAt time.Time   `json:"updated_at"`
	Version   int64       `json:"version"`
}

func (api *API) putFlow(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathID(r, "flow", true)
	if err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	body, err := r.JSONBody(dialog.MaxFlowBytes)
	if err != nil {
		return httpapi.Response{}, err
	}
	f, err := dialog.ParseFlow(body)
	if se, ok := errors.AsType[*dialog.SyntaxError](err); ok {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindMalformed, "invalid JSON at byte %d", se.Offset)
	}
	if fe, ok := errors.AsType[*dialog.FlowError](err); ok {
		return httpapi.Response{}, httpapi.Invalid(fe.Issues...)
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("parse flow %s: %w", id, err)
	}
	if fields := httpapi.CheckText(f); len(fields) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fields...)
	}
	var probs botconfig.Problems
	if f.ID != id {
		probs.Add("/id", "must be the flow id in the path, %q", id)
	}
	hostProbs, err := api.checkWebhookHosts(ctx, p, f)
	if err != nil {
		return httpapi.Response{}, err
	}
	if probs = append(probs, hostProbs...); len(probs) > 0 {
		return httpapi.Response{}, invalid(probs)
	}
	if _, err := json.Marshal(f); err != nil {
		return httpapi.Response{}, fmt.Errorf("encode flow %s: %w", id, err)
	}
	now := api.now().UTC()
	var def json.RawMessage
	ver, created, err := api.putItem(ctx, p, flowKey(id), lxevents.BotConfigFlow, fmt.Sprintf("flow %q", id), pc,
		func(newVersion int64) any {
			f.Version = int(newVersion)
			def, _ = json.Marshal(f) // encoded above; only the version changed
			return botconfig.Flow{ID: id, Definition: def, UpdatedAt: now}
		})
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpapi.Response{Status: status, Body: flowOut{ID: id, Version: ver, UpdatedAt: now, Definition: def}, Headers: etag(ver)}, nil
}

// WithEgress sets the egress policy flows are saved under: a webhook URL whose host is a loopback
// address (or "localhost") is accepted only on the policy's loopback ports. Without it, none.
func WithEgress(p egress.Policy) Option { return func(api *API) { api.egress = p } }

// checkWebhookHosts refuses webhook steps whose host the settings' webhook_hosts do not allow. The
// chat function checks again when it calls: the settings may change after the flow is stored.
func (api *API) checkWebhookHosts(ctx context.Context, p auth.Principal, f *dialog.Flow) (botconfig.Problems, error) {
	var s botconfig.Settings
	if _, err := api.currentVersion(ctx, p.Tenant, settingsKey, &s); err != nil {
		return nil, err
	}
	var probs botconfig.Problems
	for i, st := range f.Steps {
		if st.Kind != dialog.KindWebhook {
			continue
		}
		u, err := url.Parse(st.URL)
		if err != nil { // ParseFlow accepted it; cannot happen
			continue
		}
		if !s.WebhookHostAllowed(u.Hostname()) {
			probs.Add(fmt.Sprintf("/steps/%d/url", i), "host %q is not in the bot settings' webhook_hosts", u.Hostname())
		} else if err := dialog.CheckURL(api.egress, u); err != nil {
			probs.Add(fmt.Sprintf("/steps/%d/url", i), "must not point at a non-public address (%s)", err.Error())
		}
	}
	return probs, nil
}

func (api *API) getFlow(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathID(r, "flow", false)
	if err != nil {
		return httpapi.Response{}, err
	}
	var f botconfig.Flow
	ver, err := api.getItem(ctx, p.Tenant, flowKey(id), fmt.Sprintf("flow %q", id), &f)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: flowOut{ID: f.ID, Version: ver, UpdatedAt: f.UpdatedAt, Definition: f.Definition},
		Headers: etag(ver)}, nil
}

func (api *API) listFlows(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.listItems(ctx, r, p.Tenant, botconfig.KindFlow, func(rec store.Record) (any, bool, error) {
		var f botconfig.Flow
		if err := rec.Decode(&f); err != nil {
			return nil, false, err
		}
		var head struct {
			Name  dialog.Text       `json:"name"`
			Steps []json.RawMessage `json:"steps"`
		}
		if err := json.Unmarshal(f.Definition, &head); err != nil {
			return nil, false, fmt.Errorf("flow %s: stored definition: %w", f.ID, err)
		}
		return flowSummary{ID: f.ID, Name: head.Name, Steps: len(head.Steps), UpdatedAt: f.UpdatedAt, Version: rec.Version}, true, nil
	})
}

// deleteFlow deletes a flow no intent starts; deleting one that intents still name is a 409 that
// lists them.
func (api *API) deleteFlow(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, pc, err := deleteTarget(r, "flow")
	if err != nil {
		return httpapi.Response{}, err
	}
	intents, _, err := store.QueryAll[botconfig.Intent](ctx, api.store, p.Tenant, botconfig.KindIntent, "", -1)
	if err != nil {
		return httpapi.Response{}, err
	}
	var users []string
	for _, in := range intents {
		if in.Flow == id {
			users = append(users, in.ID)
		}
	}
	if len(users) > 0 {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "intents %s start flow %q; change them first", strings.Join(users, ", "), id)
	}
	if err := api.deleteItem(ctx, p, flowKey(id), lxevents.BotConfigFlow, fmt.Sprintf("flow %q", id), pc); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}
