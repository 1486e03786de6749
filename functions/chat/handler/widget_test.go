package handler

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/openapi/openapitest"
	"github.com/lingxi/lingxi/shared/widget"
)

// widgetOf gives tenant name a widget with origins and returns its id.
func (e *env) widgetOf(t *testing.T, name string, origins ...string) string {
	t.Helper()
	id, err := widget.NewID()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	w := widget.Widget{ID: id, Origins: origins, CreatedAt: now, UpdatedAt: now}
	if err := e.db.Tx(e.ctx, widget.PutOps(mustTenant(t, name), w, 0)...); err != nil {
		t.Fatal(err)
	}
	return id
}

// visit sends a request as a browser at ip with origin would, with token as the bearer.
func (e *env) visit(t *testing.T, method, path, token, body, ip, origin string, headers ...string) response {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{RawPath: path, Headers: map[string]string{"content-type": "application/json"}, Body: body}
	req.RequestContext.HTTP.Method, req.RequestContext.HTTP.Path, req.RequestContext.HTTP.SourceIP = method, path, ip
	if token != "" {
		req.Headers["authorization"] = "Bearer " + token
	}
	if origin != "" {
		req.Headers["origin"] = origin
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Headers[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	resp, err := e.api.Handle(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	openapitest.Check(t, req, resp)
	r := response{code: resp.StatusCode, raw: resp.Body, headers: resp.Headers}
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &r.body); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", method, path, resp.Body)
		}
	}
	return r
}

// A visitor starts a conversation through the widget's public id and gets a token that works for
// that conversation alone: its transcript, its messages (up to a handoff) and its end; any other
// conversation is 404, the partner routes 401. A widget id of nobody is 404, another site's Origin
// 403, an Idempotency-Key 400, and starts beyond the per-address burst 429.
func TestWidgetVisitor(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "shop")
	wid := e.widgetOf(t, "shop", "https://shop.example.com")
	start := "/v1/widgets/" + wid + "/conversations"

	r := e.visit(t, "POST", start, "", `{"customer_id":"c-42","language":"en"}`, "198.51.100.7", "https://shop.example.com")
	if r.code != http.StatusCreated || r.headers["Cache-Control"] != "no-store" {
		t.Fatalf("start: %d %s", r.code, r.raw)
	}
	token := str(r.body["token"])
	conv := r.body["conversation"].(map[string]any)
	id := str(conv["id"])
	if !strings.HasPrefix(token, "lxv_") || id == "" || len(list(conv["messages"])) == 0 {
		t.Fatalf("start answered %s", r.raw)
	}
	got := e.visit(t, "GET", "/v1/conversations/"+id, token, "", "198.51.100.7", "")
	if got.code != 200 || got.body["customer"].(map[string]any)["attributes"].(map[string]any)[ClaimedCustomerAttribute] != "c-42" {
		t.Fatalf("visitor reads own conversation: %d %s", got.code, got.raw)
	}
	if c := got.body["customer"].(map[string]any); c["id"] != nil {
		t.Fatalf("an unverified customer id became the conversation's: %v", c)
	}
	if r := e.visit(t, "POST", "/v1/conversations/"+id+"/messages", token, `{"text":"talk to a person"}`, "198.51.100.7", ""); r.code != 200 || r.body["state"] != "handoff" {
		t.Fatalf("visitor's message: %d %s", r.code, r.raw)
	}
	other := str(e.start(t, key, `{"language":"en"}`)["id"])
	for _, p := range []string{"GET /v1/conversations/" + other, "POST /v1/conversations/" + other + "/messages", "POST /v1/conversations/" + other + "/end"} {
		method, path, _ := strings.Cut(p, " ")
		body := ""
		if strings.HasSuffix(path, "messages") {
			body = `{"text":"hi"}`
		}
		if r := e.visit(t, method, path, token, body, "198.51.100.7", ""); r.code != 404 {
			t.Errorf("visitor token on another conversation, %s: %d %s", p, r.code, r.raw)
		}
	}
	for _, p := range []string{"POST /v1/conversations", "POST /v1/business-events", "POST /v1/voice/turns"} {
		method, path, _ := strings.Cut(p, " ")
		if r := e.visit(t, method, path, token, `{}`, "198.51.100.7", ""); r.code != 401 {
			t.Errorf("visitor token on %s: %d", p, r.code)
		}
	}
	if r := e.visit(t, "GET", "/v1/conversations/"+id, "lxv_"+strings.Repeat("A", 43), "", "198.51.100.7", ""); r.code != 401 {
		t.Errorf("unknown visitor token: %d", r.code)
	}
	if r := e.visit(t, "POST", "/v1/conversations/"+id+"/end", token, "", "198.51.100.7", ""); r.code != 200 || r.body["state"] != "ended" {
		t.Fatalf("visitor ends: %d %s", r.code, r.raw)
	}
	nobody, _ := widget.NewID()
	for name, tc := range map[string]struct {
		path, origin string
		headers      []string
		want         int
	}{
		"widget of nobody":   {"/v1/widgets/" + nobody + "/conversations", "", nil, 404},
		"not a widget id":    {"/v1/widgets/nope/conversations", "", nil, 404},
		"another site":       {start, "https://evil.example.com", nil, 403},
		"idempotency key":    {start, "", []string{"Idempotency-Key: k1"}, 400},
		"no origin (no web)": {start, "", nil, 201},
	} {
		if r := e.visit(t, "POST", tc.path, "", "", "198.51.100.8", tc.origin, tc.headers...); r.code != tc.want {
			t.Errorf("%s: %d %s, want %d", name, r.code, r.raw, tc.want)
		}
	}
	// The per-address burst (widget.StartLimit.Burst) then 429; another address is not held back.
	codes := []int{}
	for range widget.StartLimit.Burst + 1 {
		codes = append(codes, e.visit(t, "POST", start, "", "", "203.0.113.9", "").code)
	}
	if codes[0] != 201 || codes[len(codes)-1] != http.StatusTooManyRequests {
		t.Fatalf("starts from one address: %v", codes)
	}
	if r := e.visit(t, "POST", start, "", "", "203.0.113.10", ""); r.code != 201 {
		t.Fatalf("another address: %d", r.code)
	}
}

// widgetBadInputRoutes is the widget route's line of the bad-input suite.
func widgetBadInputRoutes(wid string) map[string]httpapitest.Route {
	return map[string]httpapitest.Route{
		"POST /v1/widgets/{widget}/conversations": {Path: "/v1/widgets/" + wid + "/conversations", Body: `{"customer_id":@}`, Field: "/customer_id", EmptyOK: true},
	}
}

// widgetIsolationCase: a conversation started through A's widget lives in A, and its token reaches
// nothing of B's (nor B's key anything of it).
func widgetIsolationCase(e *env, keyA, keyB string) func(t *testing.T) {
	return func(t *testing.T) {
		wid := e.widgetOf(t, "tenant-a")
		r := e.visit(t, "POST", "/v1/widgets/"+wid+"/conversations", "", "", "192.0.2.1", "")
		if r.code != 201 {
			t.Fatalf("start through A's widget: %d %s", r.code, r.raw)
		}
		token, id := str(r.body["token"]), str(r.body["conversation"].(map[string]any)["id"])
		e.must(t, 200, "GET", "/v1/conversations/"+id, keyA, "")
		if r := e.do(t, "GET", "/v1/conversations/"+id, keyB, ""); r.code != 404 {
			t.Fatalf("B reads A's widget conversation: %d", r.code)
		}
		idB := str(e.start(t, keyB, `{}`)["id"])
		if r := e.visit(t, "GET", "/v1/conversations/"+idB, token, "", "192.0.2.1", ""); r.code != 404 {
			t.Fatalf("A's visitor reads B's conversation: %d", r.code)
		}
	}
}
