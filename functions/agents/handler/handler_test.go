package handler

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

func ev(route, connID, token, body string) events.APIGatewayWebsocketProxyRequest {
	req := events.APIGatewayWebsocketProxyRequest{Body: body}
	req.RequestContext.RouteKey = route
	req.RequestContext.ConnectionID = connID
	if token != "" {
		req.QueryStringParameters = map[string]string{"token": token}
	}
	return req
}

// $connect opens a connection for a live session or visitor token and refuses every other token
// with 401; $disconnect forgets the connection; $default answers ping with pong.
func TestRoutes(t *testing.T) {
	ctx := t.Context()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	db := store.New(ddb, table)
	acme, _ := tenant.Parse("acme")
	now := time.Now()
	session, _ := auth.NewSessionToken()
	supSession, ops := auth.SessionRecords(acme, session, "usr_1", auth.RoleSupervisor, now)
	revoked, _ := auth.NewSessionToken()
	rsess, rops := auth.SessionRecords(acme, revoked, "usr_2", auth.RoleAgent, now)
	expired, _ := auth.NewSessionToken()
	_, eops := auth.SessionRecords(acme, expired, "usr_3", auth.RoleAgent, now.Add(-auth.SessionTTL-time.Minute))
	visitor, _ := auth.NewVisitorToken()
	key, _ := auth.NewKey()
	_, kops := auth.Records(acme, key, auth.Key{ID: "key_1", Role: auth.RolePartner})
	all := append(append(append(append(ops, rops...), eops[0]), kops...), auth.VisitorRecord(acme, visitor, "conv_1", "lxw_1", now))
	if err := db.Tx(ctx, all...); err != nil {
		t.Fatal(err)
	}
	if err := db.Tx(ctx, auth.EndSessionOps(acme, rsess)...); err != nil {
		t.Fatal(err)
	}
	authn, _ := auth.NewAuthenticator(db, "")
	reg := push.NewRegistry(db)
	h := New(authn, reg, slog.New(slog.NewTextHandler(io.Discard, nil)))

	for name, token := range map[string]string{"missing": "", "unknown": auth.SessionPrefix + "nope", "revoked": revoked, "expired": expired,
		"api key": key, "garbage": "hello"} {
		resp, err := h.Handle(ctx, ev(RouteConnect, "c-"+name, token, ""))
		if err != nil || resp.StatusCode != 401 {
			t.Errorf("%s token: %d %v, want 401", name, resp.StatusCode, err)
		}
		if _, _, err := reg.Lookup(ctx, "c-"+name); err != push.ErrUnknownConn {
			t.Errorf("%s token registered a connection: %v", name, err)
		}
	}
	for id, token := range map[string]string{"sup": session, "vis": visitor} {
		resp, err := h.Handle(ctx, ev(RouteConnect, id, token, ""))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("connect %s: %d %s %v", id, resp.StatusCode, resp.Body, err)
		}
	}
	if c, err := reg.ForRole(ctx, acme, auth.RoleSupervisor); err != nil || len(c) != 1 || c[0].UserID != "usr_1" || c[0].SessionID != auth.Hash(session) {
		t.Fatalf("supervisor connections %+v %v", c, err)
	}
	if c, err := reg.ForConversation(ctx, acme, "conv_1"); err != nil || len(c) != 1 || c[0].ID != "vis" {
		t.Fatalf("visitor connections %+v %v", c, err)
	}
	for body, want := range map[string]string{
		`{"action":"ping"}`: `{"type":"pong"}`,
		`{"action":"x"}`:    `{"type":"error","error":"unknown-action","detail":"the only action is \"ping\"; everything else goes over HTTP"}`,
		`nope`:              `{"type":"error","error":"bad-message","detail":"messages are JSON objects like {\"action\":\"ping\"}"}`,
	} {
		resp, err := h.Handle(ctx, ev(RouteDefault, "sup", "", body))
		if err != nil || resp.StatusCode != 200 || resp.Body != want {
			t.Errorf("%s → %d %s %v, want %s", body, resp.StatusCode, resp.Body, err, want)
		}
	}
	// The supervisor's session ends: a ping says so.
	if err := db.Tx(ctx, auth.EndSessionOps(acme, supSession)...); err != nil {
		t.Fatal(err)
	}
	resp, err := h.Handle(ctx, ev(RouteDefault, "sup", "", `{"action":"ping"}`))
	if err != nil || resp.Body != `{"type":"error","error":"unauthenticated","detail":"the session has ended; sign in again"}` {
		t.Fatalf("ping after sign-out: %s %v", resp.Body, err)
	}
	if resp, err := h.Handle(ctx, ev(RouteDefault, "vis", "", `{"action":"ping"}`)); err != nil || resp.Body != `{"type":"pong"}` {
		t.Fatalf("visitor's ping: %s %v", resp.Body, err)
	}
	for range 2 {
		if resp, err := h.Handle(ctx, ev(RouteDisconnect, "sup", "", "")); err != nil || resp.StatusCode != 200 {
			t.Fatalf("disconnect: %d %v", resp.StatusCode, err)
		}
	}
	if c, err := reg.ForUser(ctx, acme, "usr_1"); err != nil || len(c) != 0 {
		t.Fatalf("after $disconnect: %+v %v", c, err)
	}
}
