package local

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lingxi/lingxi/infra/logbuf"
)

// general returns the "general" queue's figures of a wallboard message (nil for another message).
func general(m map[string]any) map[string]any {
	if m["type"] != "wallboard" {
		return nil
	}
	qs, _ := m["queues"].([]any)
	for _, q := range qs {
		if q := q.(map[string]any); q["queue"] == "general" {
			return q
		}
	}
	return nil
}

// The live pushes through the local stack: a supervisor signs in and connects to the agents'
// WebSocket API; a visitor of the demo tenant's widget connects with its token and asks the bot for
// a person, and gets its own message and the bot's answer pushed; the contact is queued (dispatch)
// and the supervisor gets its update and the figures with it waiting; the customer leaves, and the
// next figures show it abandoned.
func TestWallboardLiveEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	log := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := Start(ctx, Options{Template: "../../template.yaml", StateDir: t.TempDir(), Log: log, Edge: EdgeOptions{Off: true}})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	defer l.Close()
	defer func() {
		if t.Failed() {
			t.Log(log.String())
		}
	}()
	call := func(method, path, key string, body any, want int) map[string]any {
		t.Helper()
		code, b, err := l.Call(ctx, method, path, key, body)
		if err != nil || code != want {
			t.Fatalf("%s %s: %d %s %v", method, path, code, b, err)
		}
		var out map[string]any
		if len(b) > 0 {
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	// listen connects to the WebSocket API with token and returns a wait for a pushed message
	// that satisfies cond.
	listen := func(who, token string) func(what string, cond func(map[string]any) bool) map[string]any {
		t.Helper()
		ws, _, err := websocket.Dial(ctx, l.Stack.WebSocketURL("AgentsApi")+"?token="+url.QueryEscape(token), nil)
		if err != nil {
			t.Fatalf("%s connects: %v", who, err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		msgs := make(chan map[string]any, 64)
		go func() {
			defer close(msgs)
			for {
				_, b, err := ws.Read(ctx)
				if err != nil {
					return
				}
				var m map[string]any
				if json.Unmarshal(b, &m) == nil {
					msgs <- m
				}
			}
		}()
		return func(what string, cond func(map[string]any) bool) map[string]any {
			t.Helper()
			deadline := time.After(2 * time.Minute)
			var seen []string
			for {
				select {
				case m, ok := <-msgs:
					if !ok {
						t.Fatalf("%s, %s: the connection closed", who, what)
					}
					if cond(m) {
						return m
					}
					seen = append(seen, fmt.Sprint(m["type"], m["contact_id"], m["state"], m["role"], general(m)))
				case <-deadline:
					t.Fatalf("%s, %s: no such push within 2 minutes; got %q", who, what, seen)
				}
			}
		}
	}

	const username, password = "wallboard.sup@demo.example", "a long supervisor passphrase"
	call("POST", "/v1/users", l.DemoKey, map[string]any{"username": username, "display_name": "Supervisor", "role": "supervisor", "password": password}, http.StatusCreated)
	session := call("POST", "/v1/sessions", "", map[string]string{"tenant": DemoTenant, "username": username, "password": password}, http.StatusCreated)["token"].(string)
	supervisor := listen("the supervisor", session)

	// A visitor of the demo tenant's widget starts a conversation and connects with its token.
	// The demo tenant already has its widget (seeded by Start): a PUT changes it (200).
	widget := call("PUT", "/v1/widget", l.DemoKey, map[string]any{"origins": []string{}}, http.StatusOK)["widget_id"].(string)
	started := call("POST", "/v1/widgets/"+widget+"/conversations", "", map[string]string{"language": "en"}, http.StatusCreated)
	convID := started["conversation"].(map[string]any)["id"].(string)
	visitorToken := started["token"].(string)
	visitor := listen("the visitor", visitorToken)
	call("POST", "/v1/conversations/"+convID+"/messages", visitorToken, map[string]string{"text": "talk to a human"}, http.StatusOK)
	visitor("the customer's message", func(m map[string]any) bool {
		return m["type"] == "message" && m["contact_id"] == convID && m["role"] == "customer" && m["text"] == "talk to a human"
	})
	visitor("the bot's answer", func(m map[string]any) bool {
		return m["type"] == "message" && m["contact_id"] == convID && m["role"] == "bot" && m["text"] != ""
	})

	supervisor("the contact's queued update", func(m map[string]any) bool {
		return m["type"] == "contact" && m["contact_id"] == convID && m["state"] == "queued" && m["queue"] == "general"
	})
	q := general(supervisor("figures with the contact waiting", func(m map[string]any) bool {
		q := general(m)
		return q != nil && q["waiting"] == 1.0 && q["offered"] == 1.0
	}))
	if q["oldest_enqueued_at"] == nil || q["service_level"] != nil {
		t.Errorf("waiting figures %v", q)
	}

	call("POST", "/v1/conversations/"+convID+"/end", visitorToken, nil, http.StatusOK)
	q = general(supervisor("figures with the contact abandoned", func(m map[string]any) bool {
		q := general(m)
		return q != nil && q["waiting"] == 0.0 && q["abandoned"] == 1.0
	}))
	if q["abandon_rate"] != 100.0 || q["offered"] != 1.0 || q["answered"] != 0.0 {
		t.Errorf("abandoned figures %v", q)
	}
}
