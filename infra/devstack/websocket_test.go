package devstack

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"
)

func TestWebSocketAPI(t *testing.T) {
	st, logs := startStack(t, "websocket.yaml", nil)
	url := st.WebSocketURL("WebSocketApi")
	if !strings.HasSuffix(url, "/prod") {
		t.Fatalf("WebSocket URL %s, want the stage in the path", url)
	}
	if got := st.Outputs()["WebSocketUrl"]; got != url {
		t.Errorf("output WebSocketUrl = %q, want %q", got, url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("connect, route, push through @connections, disconnect", func(t *testing.T) {
		c, resp, err := websocket.Dial(ctx, url+"?user=u1", nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("status %d", resp.StatusCode)
		}
		defer c.CloseNow()
		lines := logs.waitLines(t, 10*time.Second, 1, "[Agents] CONNECTED", "CONNECT")
		var connID string
		for _, l := range lines {
			if rest, ok := strings.CutPrefix(l, "[Agents] CONNECTED "); ok {
				connID, _, _ = strings.Cut(rest, " ")
			}
		}

		for _, m := range []struct{ send, want string }{
			{`{"action":"echo","text":"hi"}`, "echo:hi via MESSAGE prod"},
			{`not json`, "default:not json"},
			{`{"action":"nosuchroute"}`, `default:{"action":"nosuchroute"}`},
		} {
			if err := c.Write(ctx, websocket.MessageText, []byte(m.send)); err != nil {
				t.Fatal(err)
			}
			typ, got, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("read after %s: %v", m.send, err)
			}
			if typ != websocket.MessageText || string(got) != m.want {
				t.Errorf("sent %s, got %q, want %q", m.send, got, m.want)
			}
		}

		// The management API seen from outside, with the real client.
		api := apigatewaymanagementapi.NewFromConfig(testAWSConfig(), func(o *apigatewaymanagementapi.Options) {
			o.BaseEndpoint = aws.String(strings.Replace(url, "ws://", "http://", 1))
		})
		info, err := api.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(connID)})
		if err != nil {
			t.Fatalf("GetConnection %s: %v", connID, err)
		}
		if info.Identity == nil || aws.ToString(info.Identity.SourceIp) != "127.0.0.1" || info.ConnectedAt == nil {
			t.Errorf("GetConnection = %+v", info)
		}
		if _, err := api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(connID), Data: []byte("from outside")}); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.Read(ctx); err != nil || string(got) != "from outside" {
			t.Errorf("pushed message: %q %v", got, err)
		}
		_, err = api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String("nosuchconnAAAA="), Data: []byte("x")})
		var gone *agtypes.GoneException
		if !errors.As(err, &gone) {
			t.Errorf("post to an unknown connection: %v, want GoneException", err)
		}

		c.Close(websocket.StatusNormalClosure, "bye")
		logs.waitLines(t, 10*time.Second, 1, "[Agents] DISCONNECTED "+connID, "DISCONNECT")
		_, err = api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(connID), Data: []byte("x")})
		if !errors.As(err, &gone) {
			t.Errorf("post after disconnect: %v, want GoneException", err)
		}
	})

	t.Run("$connect refusing rejects the upgrade", func(t *testing.T) {
		_, resp, err := websocket.Dial(ctx, url+"?deny=1", nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			code := 0
			if resp != nil {
				code = resp.StatusCode
			}
			t.Errorf("dial with deny=1: err=%v status=%d, want 403", err, code)
		}
	})

	t.Run("DeleteConnection closes the socket", func(t *testing.T) {
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		lines := logs.waitLines(t, 10*time.Second, 2, "[Agents] CONNECTED")
		last := lines[len(lines)-1]
		for i := len(lines) - 1; i >= 0; i-- {
			if strings.HasPrefix(lines[i], "[Agents] CONNECTED ") {
				last = lines[i]
				break
			}
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(last, "[Agents] CONNECTED "), " ")
		api := apigatewaymanagementapi.NewFromConfig(testAWSConfig(), func(o *apigatewaymanagementapi.Options) {
			o.BaseEndpoint = aws.String(strings.Replace(url, "ws://", "http://", 1))
		})
		if _, err := api.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Read(ctx)
		if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Errorf("read after DeleteConnection: %v", err)
		}
		logs.waitLines(t, 10*time.Second, 1, "[Agents] DISCONNECTED "+id)
	})
}
