package local

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/coder/websocket"

	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The WebSocket API on the local stack, as the console and the widget use it: a person signs in
// and connects with the session token (ping → pong), a missing, unknown, expired or revoked token
// is refused at $connect with 401, and a push through the @connections API (shared/push) reaches
// the person; a widget visitor's token works for its own conversation only (another conversation
// of the tenant or of another tenant is 404, a widget id of nobody 404), connects, and receives
// what is pushed to its conversation. Signing out closes the person's connection at the next push.
func TestWebSocketAgentsAndVisitors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	log := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := Start(ctx, Options{Template: "../../template.yaml", StateDir: t.TempDir(), Log: log, HTTPClient: contractClient(t), Edge: EdgeOptions{Off: true}})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	defer l.Close()
	call := func(method, path, key string, body any, want int) map[string]any {
		t.Helper()
		code, b, err := l.Call(ctx, method, path, key, body)
		if err != nil || code != want {
			t.Fatalf("%s %s: %d %s %v, want %d", method, path, code, b, err, want)
		}
		var out map[string]any
		if len(b) > 0 {
			json.Unmarshal(b, &out)
		}
		return out
	}
	demo, _ := tenant.Parse(DemoTenant)
	db := store.New(dynamodb.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(l.Stack.Endpoints().DynamoDB),
	}), l.Stack.Ref("Table"))
	reg := push.NewRegistry(db)
	wsURL := l.Stack.WebSocketURL("AgentsApi")
	if got := l.Stack.Outputs()["WebSocketUrl"]; got != wsURL {
		t.Fatalf("output WebSocketUrl %q, want %q", got, wsURL)
	}
	sender := push.NewSender(reg, push.NewClient(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")},
		"http"+strings.TrimPrefix(wsURL, "ws")))

	dial := func(token string) (*websocket.Conn, int) {
		t.Helper()
		u := wsURL
		if token != "" {
			u += "?token=" + token
		}
		c, resp, err := websocket.Dial(ctx, u, nil)
		if err != nil {
			if resp == nil {
				t.Fatalf("dial: %v", err)
			}
			return nil, resp.StatusCode
		}
		t.Cleanup(func() { c.CloseNow() })
		return c, http.StatusSwitchingProtocols
	}
	read := func(c *websocket.Conn) map[string]any {
		t.Helper()
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("message %s: %v", b, err)
		}
		return m
	}

	// A person signs in and connects.
	const pw = "long enough pass"
	user := call("POST", "/v1/users", l.DemoKey, map[string]any{"username": "ws.agent", "display_name": "WS Agent", "role": "agent", "password": pw}, 201)
	userID := user["id"].(string)
	signIn := func() string {
		return call("POST", "/v1/sessions", "", map[string]string{"tenant": DemoTenant, "username": "ws.agent", "password": pw}, 201)["token"].(string)
	}
	token := signIn()
	agent, code := dial(token)
	if agent == nil {
		t.Fatalf("connect with a session token: %d\n%s", code, log.String())
	}
	if err := agent.Write(ctx, websocket.MessageText, []byte(`{"action":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	if m := read(agent); m["type"] != "pong" {
		t.Fatalf("ping answered %v", m)
	}

	// Refused tokens.
	revoked := signIn()
	call("DELETE", "/v1/sessions/current", revoked, nil, 204)
	expired, _ := auth.NewSessionToken()
	_, ops := auth.SessionRecords(demo, expired, userID, auth.RoleAgent, time.Now().Add(-auth.SessionTTL-time.Minute))
	if err := db.Tx(ctx, ops...); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{"missing": "", "unknown": auth.SessionPrefix + strings.Repeat("x", 43), "revoked": revoked,
		"expired": expired, "an API key": l.DemoKey} {
		if c, code := dial(bad); c != nil || code != http.StatusUnauthorized {
			t.Errorf("%s token: %d, want 401", name, code)
		}
	}

	// A push reaches the person's connection.
	offer := map[string]any{"type": "offer", "contact_id": "c-1", "offer_id": "o-1"}
	if err := sender.NotifyUser(ctx, demo, userID, offer); err != nil {
		t.Fatal(err)
	}
	if m := read(agent); m["type"] != "offer" || m["contact_id"] != "c-1" {
		t.Fatalf("pushed %v", m)
	}

	// A widget visitor.
	// The demo tenant already has its widget (seeded by Start): a PUT changes it (200).
	wid := call("PUT", "/v1/widget", l.DemoKey, map[string]any{"origins": []string{}, "title": "Demo"}, 200)["widget_id"].(string)
	started := call("POST", "/v1/widgets/"+wid+"/conversations", "", map[string]string{"language": "en"}, 201)
	visitorToken := started["token"].(string)
	convID := started["conversation"].(map[string]any)["id"].(string)
	call("GET", "/v1/conversations/"+convID, visitorToken, nil, 200)
	otherConv := call("POST", "/v1/conversations", l.DemoKey, map[string]any{"language": "en"}, 201)["id"].(string)
	call("GET", "/v1/conversations/"+otherConv, visitorToken, nil, 404)
	otherKey := call("POST", "/v1/tenants", l.AdminKey, map[string]string{"id": "ws-other", "name": "Other"}, 201)["api_key"].(map[string]any)["key"].(string)
	otherTenantConv := call("POST", "/v1/conversations", otherKey, map[string]any{"language": "en"}, 201)["id"].(string)
	call("GET", "/v1/conversations/"+otherTenantConv, visitorToken, nil, 404)
	call("POST", "/v1/widgets/lxw_"+strings.Repeat("A", 22)+"/conversations", "", nil, 404)

	visitor, code := dial(visitorToken)
	if visitor == nil {
		t.Fatalf("connect with a visitor token: %d", code)
	}
	if err := sender.NotifyConversation(ctx, demo, convID, map[string]any{"type": "message", "contact_id": convID, "role": "agent", "text": "Hello"}); err != nil {
		t.Fatal(err)
	}
	if m := read(visitor); m["type"] != "message" || m["text"] != "Hello" {
		t.Fatalf("visitor got %v", m)
	}

	// Signing out ends the person's connection at the next push to it.
	call("DELETE", "/v1/sessions/current", token, nil, 204)
	if err := sender.NotifyUser(ctx, demo, userID, offer); err != nil {
		t.Fatal(err)
	}
	if _, got, err := agent.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after sign-out the agent read %q, %v; want the connection closed", got, err)
	}

	// $disconnect forgets the visitor's connection.
	visitor.Close(websocket.StatusNormalClosure, "bye")
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		user, err := reg.ForUser(ctx, demo, userID)
		if err != nil {
			t.Fatal(err)
		}
		conv, err := reg.ForConversation(ctx, demo, convID)
		if err != nil {
			t.Fatal(err)
		}
		if len(user)+len(conv) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("closed connections stayed registered: %+v %+v", user, conv)
		case <-tick.C:
		}
	}
}
