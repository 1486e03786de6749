// Package handler serves the agents WebSocket API (docs/websocket.md): $connect, $disconnect and
// $default. What the server sends is pushed by other functions through shared/push.
package handler

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/push"
)

// Route keys of the API.
const (
	RouteConnect    = "$connect"
	RouteDisconnect = "$disconnect"
	RouteDefault    = "$default"
)

// Handler serves the WebSocket API's routes.
type Handler struct {
	authn *auth.Authenticator
	reg   *push.Registry
	log   *slog.Logger
	now   func() time.Time
}

// New returns a handler that authenticates with authn and records connections in reg.
func New(authn *auth.Authenticator, reg *push.Registry, log *slog.Logger) *Handler {
	return &Handler{authn: authn, reg: reg, log: log, now: time.Now}
}

// Handle serves one WebSocket event.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := req.RequestContext
	log := h.log.With("route", rc.RouteKey, "connection", rc.ConnectionID)
	switch rc.RouteKey {
	case RouteConnect:
		return h.connect(ctx, log, rc.ConnectionID, req.QueryStringParameters["token"]), nil
	case RouteDisconnect:
		return h.disconnect(ctx, log, rc.ConnectionID), nil
	default:
		a := answer(req.Body, req.IsBase64Encoded)
		if _, ping := a.(pong); ping {
			if ended, err := h.sessionEnded(ctx, rc.ConnectionID); err != nil {
				log.Error("check the connection's session", "err", err)
			} else if ended {
				a = errorMessage{Type: "error", Error: "unauthenticated", Detail: "the session has ended; sign in again"}
			}
		}
		return reply(http.StatusOK, a), nil
	}
}

// sessionEnded reports whether the connection was opened with a person's session that has ended
// since (signed out, revoked, expired): a ping tells the client, which then signs in again.
func (h *Handler) sessionEnded(ctx context.Context, connID string) (bool, error) {
	_, c, err := h.reg.Lookup(ctx, connID)
	if errors.Is(err, push.ErrUnknownConn) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	live, err := h.reg.SessionLive(ctx, c)
	return !live, err
}

// principal authenticates a $connect token: a person's session (lxs_) or a widget visitor's token
// (lxv_). API keys do not open connections: the API is for people and visitors.
func (h *Handler) principal(ctx context.Context, token string) (auth.Principal, error) {
	switch {
	case strings.HasPrefix(token, auth.VisitorPrefix):
		return h.authn.Visitor(ctx, token)
	case strings.HasPrefix(token, auth.SessionPrefix):
		p, err := h.authn.Authenticate(ctx, token)
		if err == nil && p.UserID == "" {
			return auth.Principal{}, auth.ErrUnauthenticated
		}
		return p, err
	}
	return auth.Principal{}, auth.ErrUnauthenticated
}

func (h *Handler) connect(ctx context.Context, log *slog.Logger, connID, token string) events.APIGatewayProxyResponse {
	p, err := h.principal(ctx, token)
	if errors.Is(err, auth.ErrUnauthenticated) {
		return problem(httpapi.KindUnauthenticated, "the token is missing, expired or revoked")
	}
	if err != nil {
		log.Error("authenticate", "err", err)
		return problem(httpapi.KindInternal, "the connection could not be opened")
	}
	c := push.Conn{ID: connID, UserID: p.UserID, Role: p.Role, ConversationID: p.ConversationID, SessionID: p.SessionID, At: h.now().UTC()}
	if err := h.reg.Add(ctx, p.Tenant, c); err != nil {
		log.Error("register connection", "tenant", p.Tenant, "err", err)
		return problem(httpapi.KindInternal, "the connection could not be opened")
	}
	log.Info("connected", "tenant", p.Tenant, "role", p.Role, "user", p.UserID, "conversation", p.ConversationID)
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
}

func (h *Handler) disconnect(ctx context.Context, log *slog.Logger, connID string) events.APIGatewayProxyResponse {
	t, _, err := h.reg.Lookup(ctx, connID)
	if errors.Is(err, push.ErrUnknownConn) {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
	}
	if err == nil {
		err = h.reg.Remove(ctx, t, connID)
	}
	if err != nil {
		// The item's TTL removes it in the end; a push to it meanwhile gets 410 and removes it.
		log.Error("remove connection", "err", err)
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
}

// ClientMessage is what a client sends: {"action": …}. Only "ping" is served; everything else
// goes over HTTP.
type ClientMessage struct {
	Action string `json:"action"`
}

// answer is the reply to a client's message.
func answer(body string, base64 bool) any {
	var m ClientMessage
	if base64 || json.Unmarshal([]byte(body), &m) != nil {
		return errorMessage{Type: "error", Error: "bad-message", Detail: `messages are JSON objects like {"action":"ping"}`}
	}
	if m.Action == "ping" {
		return pong{Type: "pong"}
	}
	return errorMessage{Type: "error", Error: "unknown-action", Detail: `the only action is "ping"; everything else goes over HTTP`}
}

type pong struct {
	Type string `json:"type"`
}

type errorMessage struct {
	Type   string `json:"type"`
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

func reply(status int, v any) events.APIGatewayProxyResponse {
	b, _ := json.Marshal(v)
	return events.APIGatewayProxyResponse{StatusCode: status, Body: string(b), Headers: map[string]string{"Content-Type": "application/json"}}
}

// problem is a refusal of $connect: API Gateway answers the upgrade with it.
func problem(k *httpapi.Kind, detail string) events.APIGatewayProxyResponse {
	b, _ := json.Marshal(map[string]any{"type": k.TypeURI(), "title": k.Title, "status": k.Status, "detail": detail})
	return events.APIGatewayProxyResponse{StatusCode: k.Status, Body: string(b), Headers: map[string]string{"Content-Type": "application/problem+json"}}
}
