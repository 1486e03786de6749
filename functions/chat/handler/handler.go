// Package handler is the chat function's HTTP API: customer conversations over chat and voice
// (one turn at a time: understand → decide → reply; handoff), the media edge's voice turns, and
// the partner's business events that feed "guess your question". Every route authenticates a
// partner (or admin) key first; the tenant comes from the key and from nowhere else. Another
// tenant's conversation is "not found", never "forbidden".
//
// The function has a second entry besides API Gateway (invoke.go): the media edge invokes it
// directly, under its IAM role, with voice turns whose tenant it resolved from the dialled number.
package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/guess"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/idempotency"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxBody is the largest request body the chat routes take; larger ones are 413.
const MaxBody = 64 << 10

// Conversations is what the API needs of the conversation service; *conversation.Service is one.
type Conversations interface {
	Start(ctx context.Context, t tenant.ID, in conversation.StartInput) (conversation.Reply, error)
	Message(ctx context.Context, t tenant.ID, id string, in conversation.Input) (conversation.Reply, error)
	End(ctx context.Context, t tenant.ID, id string) (conversation.Reply, error)
	Get(ctx context.Context, t tenant.ID, id string) (*conversation.Conversation, error)
	Voice(ctx context.Context, t tenant.ID, in conversation.VoiceInput) (conversation.Reply, error)
}

var _ Conversations = (*conversation.Service)(nil)

// Committer writes store operations and their events together (shared/outbox).
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...lxevents.Envelope) error
}

// Authenticator resolves API keys; *auth.Authenticator is one.
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (auth.Principal, error)
}

var _ Authenticator = (*auth.Authenticator)(nil)

// API serves the chat routes. Build it with New.
type API struct {
	conv   Conversations
	commit Committer
	auth   Authenticator
	idem   *idempotency.Guard // nil: Idempotency-Key is refused (idempotency.go)
	// limiter is the tenants' rate limiter (ratelimit.go); nil: none. The router has it too; the
	// direct voice turns (invoke.go) ask it themselves.
	limiter httpapi.RateLimiter
	router  *httpapi.Router
	widgets *Widgets // the widget's visitors (widget.go); nil: not served
	// feedback reads contacts and their feedback (feedback.go); nil: the route answers 503.
	feedback satisfaction.Getter
	log      *slog.Logger
	now      func() time.Time
}

// New wires the API.
func New(conv Conversations, c Committer, a Authenticator, log *slog.Logger, opts ...Option) *API {
	api := &API{conv: conv, commit: c, auth: a, router: httpapi.NewRouter(log), log: log, now: time.Now}
	api.router.SetMaxBody(MaxBody)
	for _, o := range opts {
		o(api)
	}
	// Every POST honours Idempotency-Key (idempotency.go).
	post := func(route string, h tenantHandler) {
		api.router.Handle(route, api.partner(api.idempotent(route, h)))
	}
	// A conversation's own routes also take its widget visitor's token (widget.go).
	visitorPost := func(route string, h tenantHandler) {
		api.router.Handle(route, api.partnerOrVisitor(api.idempotent(route, h)))
	}
	post("POST /v1/conversations", api.startConversation)
	api.router.Handle("GET /v1/conversations/{id}", api.partnerOrVisitor(api.getConversation))
	visitorPost("POST /v1/conversations/{id}/messages", api.postMessage)
	visitorPost("POST /v1/conversations/{id}/end", api.endConversation)
	api.router.Handle("POST /v1/widgets/{widget}/conversations", api.startWidgetConversation)
	post("POST /v1/voice/turns", api.voiceTurn)
	post("POST /v1/business-events", api.postBusinessEvent)
	post("POST /v1/contacts/{id}/feedback", api.postFeedback)
	return api
}

// Handle is the Lambda handler.
func (api *API) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return api.router.Serve(ctx, req)
}

// Routes lists the route keys served, for the template test and the isolation test.
func (api *API) Routes() []string { return api.router.Routes() }

type tenantHandler func(ctx context.Context, r *httpapi.Request, t tenant.ID) (httpapi.Response, error)

// partner admits tenant keys with the partner role (admin keys may do anything a partner may),
// then refuses bodies over MaxBody (the router's limit) before anything reads them.
func (api *API) partner(h tenantHandler) httpapi.HandlerFunc {
	return func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		p, err := httpapi.TenantPrincipal(ctx, api.auth, r, auth.RolePartner)
		if err != nil {
			return httpapi.Response{}, err
		}
		// Before the idempotency guard reads and records anything of the body.
		if err := r.CheckBodySize(); err != nil {
			return httpapi.Response{}, err
		}
		return h(ctx, r, p.Tenant)
	}
}

// problem maps the conversation service's errors to what the caller sees.
func problem(err error, id string) error {
	switch {
	case errors.Is(err, conversation.ErrNotFound):
		return httpapi.Errorf(httpapi.KindNotFound, "no conversation %q", id)
	case errors.Is(err, conversation.ErrEnded):
		return httpapi.Errorf(httpapi.KindConflict, "conversation %q has ended", id)
	case errors.Is(err, conversation.ErrBusy) && id == "":
		return httpapi.Errorf(httpapi.KindConflict, "too many conversations are starting at this moment; retry")
	case errors.Is(err, conversation.ErrBusy):
		return httpapi.Errorf(httpapi.KindConflict, "conversation %q is busy with other messages; retry", id)
	case errors.Is(err, conversation.ErrUnknownIntent):
		return httpapi.Invalid(httpapi.FieldError{Field: "/suggestion", Reason: "is not an intent of this bot"})
	case errors.Is(err, conversation.ErrOtherCall):
		return httpapi.Invalid(httpapi.FieldError{Field: "/conversation_id", Reason: "belongs to another call"})
	}
	return err
}

func (api *API) startConversation(ctx context.Context, r *httpapi.Request, t tenant.ID) (httpapi.Response, error) {
	var body startBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	in, err := body.input()
	if err != nil {
		return httpapi.Response{}, err
	}
	reply, err := api.conv.Start(answerInCommit(ctx, http.StatusCreated, startView), t, in)
	if err != nil {
		return httpapi.Response{}, problem(err, "")
	}
	return httpapi.JSON(http.StatusCreated, startView(reply)), nil
}

func (api *API) getConversation(ctx context.Context, r *httpapi.Request, t tenant.ID) (httpapi.Response, error) {
	id := r.Params["id"]
	c, err := api.conv.Get(ctx, t, id)
	if err != nil {
		return httpapi.Response{}, problem(err, id)
	}
	return httpapi.JSON(http.StatusOK, transcriptView(c)), nil
}

func (api *API) postMessage(ctx context.Context, r *httpapi.Request, t tenant.ID) (httpapi.Response, error) {
	id := r.Params["id"]
	var body messageBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	in, err := body.input()
	if err != nil {
		return httpapi.Response{}, err
	}
	reply, err := api.conv.Message(answerInCommit(ctx, http.StatusOK, turnView), t, id, in)
	if err != nil {
		return httpapi.Response{}, problem(err, id)
	}
	return httpapi.JSON(http.StatusOK, turnView(reply)), nil
}

func (api *API) endConversation(ctx context.Context, r *httpapi.Request, t tenant.ID) (httpapi.Response, error) {
	id := r.Params["id"]
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	reply, err := api.conv.End(answerInCommit(ctx, http.StatusOK, endView), t, id)
	if err != nil {
		return httpapi.Response{}, problem(err, id)
	}
	return httpapi.JSON(http.StatusOK, endView(reply)), nil
}

func (api *API) voiceTurn(ctx context.Context, r *httpapi.Request, t tenant.ID) (httpapi.Response, error) {
	var body voiceBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	in, err := body.input()
	if err != nil {
		return httpapi.Response{}, err
	}
	reply, err := api.conv.Voice(answerInCommit(ctx, http.StatusOK, voiceView), t, in)
	if err != nil {
		return httpapi.Response{}, problem(err, in.ConversationID)
	}
	return httpapi.JSON(http.StatusOK, voiceView(reply)), nil
}

func (api *API) postBusinessEvent(ctx context.Context, r *httpapi.Request, t tenant.ID) (httpapi.Response, error) {
	var body businessEventBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	now := api.now().UTC()
	data, err := body.event(now)
	if err != nil {
		return httpapi.Response{}, err
	}
	ev, err := lxevents.New(t, lxevents.TypeBusinessEvent, data.CustomerID, conversation.Source, data)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("build business event: %w", err)
	}
	var ops []store.Op
	op, stored := guess.EventOp(t, ev.ID, data, now)
	if stored {
		ops = append(ops, op)
	}
	if err := api.commit.Commit(ctx, ops, ev); err != nil {
		return httpapi.Response{}, fmt.Errorf("record business event: %w", err)
	}
	return httpapi.JSON(http.StatusAccepted, map[string]any{"id": ev.ID, "stored": stored}), nil
}
