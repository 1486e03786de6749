package push_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	return store.New(ddb, table)
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func ids(conns []push.Conn) []string {
	var out []string
	for _, c := range conns {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

// The registry indexes connections by user, role and conversation within a tenant, forgets them on
// Remove (twice is fine) and never shows one tenant's connections to another.
func TestRegistry(t *testing.T) {
	ctx := t.Context()
	reg := push.NewRegistry(newStore(t))
	acme, globex := mustTenant(t, "acme"), mustTenant(t, "globex")
	conns := []struct {
		t tenant.ID
		c push.Conn
	}{
		{acme, push.Conn{ID: "a1", UserID: "usr_agent", Role: auth.RoleAgent}},
		{acme, push.Conn{ID: "a2", UserID: "usr_agent", Role: auth.RoleAgent}},
		{acme, push.Conn{ID: "s1", UserID: "usr_sup", Role: auth.RoleSupervisor}},
		{acme, push.Conn{ID: "v1", Role: auth.RoleVisitor, ConversationID: "conv_1"}},
		{globex, push.Conn{ID: "g1", UserID: "usr_agent", Role: auth.RoleAgent}},
	}
	for _, c := range conns {
		if err := reg.Add(ctx, c.t, c.c); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.Add(ctx, globex, push.Conn{ID: "a1", UserID: "x", Role: auth.RoleAgent}); err == nil {
		t.Fatal("a connection id registered twice must be refused")
	}
	check := func(name string, got []push.Conn, err error, want ...string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g := ids(got); !slices.Equal(g, want) {
			t.Errorf("%s = %v, want %v", name, g, want)
		}
	}
	got, err := reg.ForUser(ctx, acme, "usr_agent")
	check("acme ForUser(usr_agent)", got, err, "a1", "a2")
	got, err = reg.ForUser(ctx, globex, "usr_agent")
	check("globex ForUser(usr_agent)", got, err, "g1")
	got, err = reg.ForRole(ctx, acme, auth.RoleSupervisor)
	check("ForRole(supervisor)", got, err, "s1")
	got, err = reg.ForConversation(ctx, acme, "conv_1")
	check("ForConversation(conv_1)", got, err, "v1")
	got, err = reg.ForConversation(ctx, globex, "conv_1")
	check("globex ForConversation(conv_1)", got, err)

	tn, c, err := reg.Lookup(ctx, "v1")
	if err != nil || tn != acme || c.ConversationID != "conv_1" || c.Role != auth.RoleVisitor || c.At.IsZero() {
		t.Fatalf("Lookup(v1) = %v %+v %v", tn, c, err)
	}
	// Another tenant cannot remove acme's connection by naming its id.
	if err := reg.Remove(ctx, globex, "a1"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := reg.Remove(ctx, acme, "a1"); err != nil {
			t.Fatalf("Remove(a1): %v", err)
		}
	}
	got, err = reg.ForUser(ctx, acme, "usr_agent")
	check("after Remove(a1)", got, err, "a2")
	got, err = reg.ForRole(ctx, acme, auth.RoleAgent)
	check("ForRole(agent) after Remove(a1)", got, err, "a2")
	if _, _, err := reg.Lookup(ctx, "a1"); err != push.ErrUnknownConn {
		t.Fatalf("Lookup(removed) = %v", err)
	}
}

const wsTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Agents:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: agents
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Agents
      StageName: live
      AutoDeploy: true
Outputs:
  Endpoint:
    Value: !Sub "https://${Agents}.execute-api.${AWS::Region}.amazonaws.com/${Stage}"
`

// connects reads devstack's log for "CONNECT <id>" lines and hands the ids over in order.
type connects struct {
	ids chan string
}

func (c *connects) run(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if _, id, ok := strings.Cut(sc.Text(), "] CONNECT "); ok {
			c.ids <- strings.TrimSpace(id)
		}
	}
}

// The sender reaches connections through devstack's @connections API with the real
// apigatewaymanagementapi client: each user's, role's and conversation's connections get the
// message, and a connection that went away (410 Gone) leaves the registry.
func TestSenderThroughConnectionsAPI(t *testing.T) {
	eps := emulators.ForTest(t)
	db := newStore(t)
	dir := t.TempDir()
	tpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tpl, []byte(wsTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	seen := &connects{ids: make(chan string, 8)}
	done := make(chan struct{})
	go func() { defer close(done); seen.run(pr) }()
	st, err := devstack.Start(t.Context(), devstack.Config{Template: tpl, StateDir: filepath.Join(dir, "state"), Endpoints: &eps, Log: pw})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(); pw.Close(); <-done })
	endpoint := st.Outputs()["Endpoint"]
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") || !strings.HasSuffix(endpoint, "/live") {
		t.Fatalf("endpoint %q was not localized", endpoint)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	dial := func() (*websocket.Conn, string) {
		c, _, err := websocket.Dial(ctx, st.WebSocketURL("Agents"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		select {
		case id := <-seen.ids:
			return c, id
		case <-ctx.Done():
			t.Fatal("no CONNECT line")
		}
		return nil, ""
	}
	agent, agentID := dial()
	sup, supID := dial()
	visitor, visitorID := dial()
	acme := mustTenant(t, "acme")
	reg := push.NewRegistry(db)
	supToken, _ := auth.NewSessionToken()
	supSession, ops := auth.SessionRecords(acme, supToken, "usr_sup", auth.RoleSupervisor, time.Now())
	if err := db.Tx(ctx, ops...); err != nil {
		t.Fatal(err)
	}
	for _, c := range []push.Conn{
		{ID: agentID, UserID: "usr_agent", Role: auth.RoleAgent},
		{ID: supID, UserID: "usr_sup", Role: auth.RoleSupervisor, SessionID: supSession.ID},
		{ID: visitorID, Role: auth.RoleVisitor, ConversationID: "conv_1"},
		{ID: "gone-already", UserID: "usr_agent", Role: auth.RoleAgent},
	} {
		if err := reg.Add(ctx, acme, c); err != nil {
			t.Fatal(err)
		}
	}
	s := push.NewSender(reg, push.NewClient(emulators.AWSConfig(t), endpoint))
	read := func(c *websocket.Conn, want string) {
		t.Helper()
		_, got, err := c.Read(ctx)
		if err != nil || string(got) != want {
			t.Fatalf("read %q, %v; want %s", got, err, want)
		}
	}
	if err := s.NotifyUser(ctx, acme, "usr_agent", map[string]string{"type": "offer", "contact_id": "c1"}); err != nil {
		t.Fatal(err)
	}
	read(agent, `{"contact_id":"c1","type":"offer"}`)
	if conns, _ := reg.ForUser(ctx, acme, "usr_agent"); len(conns) != 1 || conns[0].ID != agentID {
		t.Fatalf("the 410 Gone connection was not removed: %+v", conns)
	}
	if err := s.NotifyRole(ctx, acme, auth.RoleSupervisor, map[string]string{"type": "wallboard"}); err != nil {
		t.Fatal(err)
	}
	read(sup, `{"type":"wallboard"}`)
	// The supervisor signs out: the next push closes the connection instead and forgets it.
	if err := db.Tx(ctx, auth.EndSessionOps(acme, supSession)...); err != nil {
		t.Fatal(err)
	}
	if err := s.NotifyRole(ctx, acme, auth.RoleSupervisor, map[string]string{"type": "wallboard"}); err != nil {
		t.Fatal(err)
	}
	if _, got, err := sup.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after sign-out the supervisor read %q, %v; want the connection closed", got, err)
	}
	if conns, err := reg.ForRole(ctx, acme, auth.RoleSupervisor); err != nil || len(conns) != 0 {
		t.Fatalf("the signed-out supervisor's connection stayed: %+v %v", conns, err)
	}
	if err := s.NotifyConversation(ctx, acme, "conv_1", map[string]string{"type": "message", "text": "你好"}); err != nil {
		t.Fatal(err)
	}
	read(visitor, `{"text":"你好","type":"message"}`)

	// The visitor leaves; the next push to the conversation finds it gone and forgets it.
	visitor.Close(websocket.StatusNormalClosure, "bye")
	for {
		if err := s.NotifyConversation(ctx, acme, "conv_1", map[string]string{"type": "message"}); err != nil {
			t.Fatal(err)
		}
		conns, err := reg.ForConversation(ctx, acme, "conv_1")
		if err != nil {
			t.Fatal(err)
		}
		if len(conns) == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the closed visitor's connection stayed registered")
		}
	}
}
