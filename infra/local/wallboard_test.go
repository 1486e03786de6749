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

// The wallboard through the local stack: a supervisor signs in and connects to the agents'
// WebSocket API; a customer of the demo tenant asks the bot for a person, so the contact is queued
// (dispatch) and the live function pushes the figures with the contact waiting; the customer
// leaves, and the next figures show it abandoned.
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

	const username, password = "wallboard.sup@demo.example", "a long supervisor passphrase"
	call("POST", "/v1/users", l.DemoKey, map[string]any{"username": username, "display_name": "Supervisor", "role": "supervisor", "password": password}, http.StatusCreated)
	token := call("POST", "/v1/sessions", "", map[string]string{"tenant": DemoTenant, "username": username, "password": password}, http.StatusCreated)["token"].(string)
	ws, _, err := websocket.Dial(ctx, l.Stack.WebSocketURL("AgentsApi")+"?token="+url.QueryEscape(token), nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer ws.CloseNow()
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
	// next waits for a pushed message that satisfies cond.
	next := func(what string, cond func(map[string]any) bool) map[string]any {
		t.Helper()
		deadline := time.After(2 * time.Minute)
		for {
			select {
			case m, ok := <-msgs:
				if !ok {
					t.Fatalf("%s: the connection closed", what)
				}
				if cond(m) {
					return m
				}
			case <-deadline:
				t.Fatalf("%s: no such push within 2 minutes", what)
			}
		}
	}
	general := func(m map[string]any) map[string]any {
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

	conv := call("POST", "/v1/conversations", l.DemoKey, map[string]any{"customer": map[string]string{"id": "wallboard-customer"}}, http.StatusCreated)
	convID := conv["id"].(string)
	call("POST", "/v1/conversations/"+convID+"/messages", l.DemoKey, map[string]string{"text": "talk to a human"}, http.StatusOK)

	next("the contact's queued update", func(m map[string]any) bool {
		return m["type"] == "contact" && m["contact_id"] == convID && m["state"] == "queued" && m["queue"] == "general"
	})
	q := general(next("figures with the contact waiting", func(m map[string]any) bool {
		q := general(m)
		return q != nil && q["waiting"] == 1.0 && q["offered"] == 1.0
	}))
	if q["oldest_enqueued_at"] == nil || q["service_level"] != nil {
		t.Errorf("waiting figures %v", q)
	}

	call("POST", "/v1/conversations/"+convID+"/end", l.DemoKey, nil, http.StatusOK)
	q = general(next("figures with the contact abandoned", func(m map[string]any) bool {
		q := general(m)
		return q != nil && q["waiting"] == 0.0 && q["abandoned"] == 1.0
	}))
	if q["abandon_rate"] != 100.0 || q["offered"] != 1.0 || q["answered"] != 0.0 {
		t.Errorf("abandoned figures %s", fmt.Sprint(q))
	}
}
