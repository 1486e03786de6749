package handler

// agents.go: the floor's people (shared/floor's Presence) at /v1/agents. Supervisors and admins
// see every agent's state and contacts; a person sets their own state, and a supervisor or admin
// anyone's (agent.state, reason self or supervisor); signing out of one's last session goes offline
// (reason sign_out).

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/users"
)

func (api *API) agentRoutes() {
	api.router.Handle("GET /v1/agents", api.tenantKey(auth.RoleSupervisor, api.listAgents))
	api.router.Handle("PUT /v1/agents/{id}/state", api.tenantKey(auth.RoleAgent, api.putAgentState))
}

// agentStateBody is PUT /v1/agents/{id}/state.
type agentStateBody struct {
	State floor.AgentState `json:"state"`
}

// agentList is GET /v1/agents: every agent who ever set a state, and those who never did as
// offline with no presence.
type agentList struct {
	Items []floor.Presence `json:"items"`
}

func (api *API) listAgents(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	f, err := api.needFloor()
	if err != nil {
		return httpapi.Response{}, err
	}
	ps, err := f.Presences(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("presences of %s: %w", p.Tenant, err)
	}
	if ps == nil {
		ps = []floor.Presence{}
	}
	for i := range ps {
		if ps[i].Slots == nil {
			ps[i].Slots = []floor.Slot{}
		}
	}
	return httpapi.JSON(http.StatusOK, agentList{Items: ps}), nil
}

func (api *API) putAgentState(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	f, err := api.needFloor()
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["id"]
	if id == "me" && p.UserID != "" {
		id = p.UserID
	}
	var body agentStateBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if !body.State.Valid() {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/state", Reason: `must be "available", "break" or "offline"`})
	}
	reason := lxevents.AgentReasonSelf
	if id != p.UserID {
		if !p.Role.Allows(auth.RoleSupervisor) {
			// An agent may not learn whether another person exists.
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no agent %q", id)
		}
		reason = lxevents.AgentReasonSupervisor
	}
	if !users.ValidID(id) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no agent %q", id)
	}
	pr, err := f.SetState(ctx, p.Tenant, id, body.State, string(reason), p.Actor())
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no agent %q", id)
	}
	if err != nil {
		return httpapi.Response{}, floorError(err, fmt.Sprintf("agent %q", id))
	}
	if pr.Slots == nil {
		pr.Slots = []floor.Slot{}
	}
	return httpapi.JSON(http.StatusOK, pr), nil
}

// signedOut puts a person who signed out of their last live session offline (agent.state, reason
// sign_out), so that the dispatcher stops offering them contacts. The sign-out stands whatever
// happens here: a failure is logged.
func (api *API) signedOut(ctx context.Context, p auth.Principal) {
	f := api.human.floor
	if f == nil {
		return
	}
	pr, _, err := f.Presence(ctx, p.Tenant, p.UserID)
	if err != nil || pr.State == floor.AgentOffline {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			api.log.WarnContext(ctx, "sign-out: read the presence", "tenant", p.Tenant.String(), "user", p.UserID, "err", err)
		}
		return
	}
	live, err := api.sessionsOf(ctx, p.Tenant, p.UserID)
	if err != nil {
		api.log.WarnContext(ctx, "sign-out: list the sessions", "tenant", p.Tenant.String(), "user", p.UserID, "err", err)
		return
	}
	now := api.now()
	for _, s := range live {
		if s.ID != p.SessionID && s.ExpiresAt.After(now) {
			return // still signed in elsewhere
		}
	}
	if _, err := f.SetState(ctx, p.Tenant, p.UserID, floor.AgentOffline, string(lxevents.AgentReasonSignOut), p.Actor()); err != nil {
		api.log.WarnContext(ctx, "sign-out: go offline", "tenant", p.Tenant.String(), "user", p.UserID, "err", err)
	}
}
