package handler

// Idempotency keys (shared/idempotency). Every POST honours Idempotency-Key: a retry gets the
// first response again, marked Idempotent-Replayed: true, without the turn running or its events
// being emitted again — also when the function was killed after the turn committed, because the
// response commits in the turn's own transaction. Conversation turns get there through the
// conversation service's commit hook (it sees its commit's outcome and re-runs a turn that lost a
// race); business events through the guard's held commits.

import (
	"context"
	"time"

	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/idempotency"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Option configures the API.
type Option func(*API)

// WithIdempotency keeps Idempotency-Key records in s. Without it a request with the header is 503:
// silently running it without the guarantee it asks for would be worse.
func WithIdempotency(s idempotency.Store) Option {
	return func(api *API) {
		api.idem = idempotency.New(s, api.commit, api.log).WithClock(func() time.Time { return api.now() })
		api.commit = api.idem.Committer()
	}
}

// idempotent runs h at most once per tenant, route and Idempotency-Key.
func (api *API) idempotent(route string, h tenantHandler) tenantHandler {
	return func(ctx context.Context, r *httpapi.Request, t tenant.ID) (httpapi.Response, error) {
		return api.idem.Do(ctx, r, idempotency.ForTenant(t), idempotency.Route{Key: route}, func(ctx context.Context) (httpapi.Response, error) {
			return h(ctx, r, t)
		})
	}
}

// answerInCommit has the conversation service commit this request's response, rendered by view
// with status, in the same transaction as the turn, when the request carries an Idempotency-Key.
func answerInCommit[V any](ctx context.Context, status int, view func(conversation.Reply) V) context.Context {
	if !idempotency.Active(ctx) {
		return ctx
	}
	return conversation.WithCommitHook(ctx, func(r conversation.Reply) ([]store.Op, error) {
		return idempotency.DoneOps(ctx, httpapi.JSON(status, view(r)))
	})
}
