package local

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/logbuf"
)

// The voice of the customer on the local stack, as `make run` brings it up: a partner subscribes
// a webhook endpoint (a loopback server) to alert.raised; 15 customers complain through the real
// chat API, each in a conversation of their own (the demo bot classifies the message as its
// complaint intent); the feedback function counts them from the stream and, the demo tenant having
// no history (a cold start), raises one alert on intent:complaint, which the partner receives
// signed and GET /v1/voc/alerts shows with the customers' messages (the complaints queue they are
// handed to may alert as well, on its own key); then it is acknowledged,
// assigned to the demo supervisor and resolved, each step an alert.changed. The detector is the
// feedback function's own voc.Simple (main.go). Deadlines are generous guards, not assertions
// on speed.
func TestVOCAlertEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	hook := newPartner(t, nil)
	log := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	l, err := Start(ctx, Options{Template: "../../template.yaml", StateDir: t.TempDir(), Log: log, HTTPClient: contractClient(t),
		WebhookPorts: []uint16{hook.port()}, WebhookRetryBase: time.Second})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	defer l.Close()
	defer func() {
		if t.Failed() {
			t.Log(log.String())
		}
	}()
	call := func(method, path string, body any, want int, out any) {
		t.Helper()
		code, b, err := l.Call(ctx, method, path, l.DemoKey, body)
		if err != nil || code != want {
			t.Fatalf("%s %s: %d %.500s %v", method, path, code, b, err)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v: %.300s", method, path, err, b)
			}
		}
	}
	var ep struct {
		Secret string `json:"secret"`
	}
	call("POST", "/v1/webhooks", map[string]any{"url": fmt.Sprintf("http://127.0.0.1:%d/alerts", hook.port()),
		"event_types": []string{events.TypeAlertRaised}, "description": "alerts"}, http.StatusCreated, &ep)
	hook.mu.Lock()
	hook.secret = ep.Secret
	hook.mu.Unlock()

	complaints := []string{"I want to make a complaint", "this is unacceptable, I want to complain", "your service is terrible"}
	for i := range 15 {
		var conv struct {
			ID string `json:"id"`
		}
		call("POST", "/v1/conversations", map[string]any{"customer": map[string]string{"id": fmt.Sprintf("voc-customer-%d", i)}}, http.StatusCreated, &conv)
		call("POST", "/v1/conversations/"+conv.ID+"/messages", map[string]string{"text": complaints[i%len(complaints)]}, http.StatusOK, nil)
	}

	complaint := func(e events.Envelope) bool {
		d, err := events.DataAs[events.AlertRaised](e)
		return e.Type == events.TypeAlertRaised && err == nil && d.Key == "intent:complaint"
	}
	hook.wait(t, "the partner's endpoint receives alert.raised on intent:complaint", 3*time.Minute, func(got []events.Envelope) bool {
		return slices.ContainsFunc(got, complaint)
	})
	var raised events.AlertRaised
	for _, e := range hook.accepted() {
		if complaint(e) {
			raised, _ = events.DataAs[events.AlertRaised](e)
		}
	}
	t.Logf("alert.raised: key %s count %v expected %v score %.1f onset %s examples %q", raised.Key, raised.Count, raised.Expected, raised.Score, raised.Onset, raised.Examples)
	if raised.Key != "intent:complaint" || raised.Count < 10 || len(raised.Examples) == 0 || !slices.Contains(complaints, raised.Examples[0]) {
		t.Fatalf("alert.raised %+v", raised)
	}

	type alert struct {
		ID                string  `json:"id"`
		Key               string  `json:"key"`
		State             string  `json:"state"`
		OwnerID           string  `json:"owner_id"`
		ResolutionSeconds *int64  `json:"resolution_seconds"`
		Count             float64 `json:"count"`
	}
	var open struct {
		Items []alert `json:"items"`
	}
	call("GET", "/v1/voc/alerts?state=open", nil, http.StatusOK, &open)
	// The complaint intent hands the customers to the complaints queue, which may spike too: one
	// alert per key.
	if !slices.ContainsFunc(open.Items, func(a alert) bool { return a.ID == raised.AlertID }) {
		t.Fatalf("open alerts %+v, want %s", open.Items, raised.AlertID)
	}
	for _, a := range open.Items {
		t.Logf("open: %s on %s (%v)", a.ID, a.Key, a.Count)
		if a.Key == raised.Key && a.ID != raised.AlertID {
			t.Fatalf("two open alerts on %s: %+v", a.Key, open.Items)
		}
	}
	var people struct {
		Items []struct {
			ID   string `json:"id"`
			Role string `json:"role"`
		} `json:"items"`
	}
	call("GET", "/v1/users", nil, http.StatusOK, &people)
	owner := ""
	for _, p := range people.Items {
		if p.Role == "supervisor" {
			owner = p.ID
		}
	}
	if owner == "" {
		t.Fatalf("no demo supervisor in %+v", people.Items)
	}
	var a alert
	path := "/v1/voc/alerts/" + raised.AlertID
	call("POST", path+"/acknowledge", nil, http.StatusOK, &a)
	call("POST", path+"/assign", map[string]string{"owner_id": owner}, http.StatusOK, &a)
	call("POST", path+"/resolve", map[string]string{"note": "reminder text corrected"}, http.StatusOK, &a)
	if a.State != "resolved" || a.OwnerID != owner || a.ResolutionSeconds == nil {
		t.Fatalf("resolved alert %+v", a)
	}
	t.Logf("resolved %s %d s after onset", a.ID, *a.ResolutionSeconds)
	var topics struct {
		Items []struct {
			Key   string  `json:"key"`
			Count float64 `json:"count"`
		} `json:"items"`
	}
	// Every complaint is counted once the stream has brought the last of them to the function (the
	// alert came at ten; the rest may still be on their way).
	all := func() bool {
		return slices.ContainsFunc(topics.Items, func(k struct {
			Key   string  `json:"key"`
			Count float64 `json:"count"`
		}) bool {
			return k.Key == "intent:complaint" && k.Count >= 15
		})
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(time.Second) {
		call("GET", "/v1/voc/topics", nil, http.StatusOK, &topics)
		if all() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("topics %+v, want intent:complaint counted 15 times", topics.Items)
		}
	}
}
