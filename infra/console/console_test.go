package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/vocreport"
)

// stack is the local stack the browser tests share, with what the scripts need to know.
type stack struct {
	l   *local.Local
	web string
	env []string
	log *logbuf.Buffer
}

// startStack builds the pages and brings the whole product up once (the media edge left out).
func startStack(t *testing.T) *stack {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the whole local stack and a browser")
	}
	if _, err := os.Stat(Chromium); err != nil {
		t.Skipf("no %s: make deps installs Debian's chromium", Chromium)
	}
	web, err := WebDir()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := Build(ctx, web); err != nil {
		t.Fatalf("build the pages: %v", err)
	}
	log := &logbuf.Buffer{}
	state := t.TempDir()
	l, err := local.Start(ctx, local.Options{
		Template: filepath.Join(web, "..", "template.yaml"),
		StateDir: state,
		WebDir:   filepath.Join(web, "dist"),
		Log:      log,
		Edge:     local.EdgeOptions{Off: true},
	})
	if err != nil {
		t.Fatalf("start the local stack: %v\n%s", err, log.String())
	}
	t.Cleanup(func() {
		l.Close()
		if t.Failed() {
			t.Logf("stack log (last 20000 bytes):\n%s", tail(log.String(), 20000))
		}
	})
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(state, name))
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		return strings.TrimSpace(string(b))
	}
	s := &stack{l: l, web: web, log: log}
	s.env = append(os.Environ(),
		"BASE_URL="+l.Stack.HTTPURL(),
		"TENANT="+local.DemoTenant,
		"AGENT_USER="+local.DemoAgent,
		"AGENT_PASSWORD="+read("agent-password"),
		"SUPERVISOR_USER="+local.DemoSupervisor,
		"SUPERVISOR_PASSWORD="+read("supervisor-password"),
		"WIDGET_URL="+l.WidgetURL(),
		"CHROMIUM="+Chromium,
	)
	// SCREENSHOTS names the folder the scripts keep their screenshots in (make screenshots: docs/);
	// a relative one is taken from the repository's root.
	if dir := os.Getenv("SCREENSHOTS"); dir != "" {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(web, "..", dir)
		}
		s.env = append(s.env, "SCREENSHOTS="+filepath.Clean(dir))
	}
	return s
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// script runs web/tests/<name> with node and fails the test with its output when it fails.
func (s *stack) script(t *testing.T, name string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(s.web, "tests", name))
	cmd.Dir = s.web
	cmd.Env = append(s.env, env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", name, out)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestConsole runs the browser tests against one local stack.
func TestConsole(t *testing.T) {
	s := startStack(t)
	base := s.l.Stack.HTTPURL()

	// The pages and config.json on the HTTP API's port, beside /v1.
	t.Run("serving", func(t *testing.T) {
		for path, want := range map[string]string{
			"/console/":             `<script type="module" src="app.js">`,
			"/console/?tenant=demo": `<script type="module" src="app.js">`,
			"/widget/?widget=x":     `<script type="module" src="app.js">`,
			"/console/app.js":       "",
			"/console/style.css":    "",
			"/widget/app.js":        "",
			"/console/config.json":  `"api":""`,
			"/widget/config.json":   `"api":""`,
		} {
			resp, body := get(t, base+path)
			if resp.StatusCode != 200 || !strings.Contains(body, want) {
				t.Errorf("GET %s: %d %.200s; want 200 with %q", path, resp.StatusCode, body, want)
			}
		}
		var cfg struct{ API, WebSocket string }
		_, body := get(t, base+"/console/config.json")
		if err := json.Unmarshal([]byte(body), &cfg); err != nil || cfg.WebSocket != s.l.Stack.WebSocketURL("") {
			t.Errorf("config.json %s; want websocket %q", body, s.l.Stack.WebSocketURL(""))
		}
		resp, _ := get(t, base+"/console")
		if resp.Request.URL.Path != "/console/" {
			t.Errorf("/console ended at %s; want a redirect to /console/", resp.Request.URL)
		}
		if resp, _ := get(t, base+"/console/missing.js"); resp.StatusCode != 404 {
			t.Errorf("/console/missing.js: %d; want 404", resp.StatusCode)
		}
		// Only web/dist is served: no way up to the repository or the state folder.
		for _, path := range []string{"/console/..%2f..%2fgo.mod", "/console/%2e%2e/%2e%2e/go.mod", "/widget/..%2f..%2f..%2ftemplate.yaml"} {
			if resp, body := get(t, base+path); resp.StatusCode == 200 && (strings.Contains(body, "module ") || strings.Contains(body, "AWSTemplateFormatVersion")) {
				t.Errorf("GET %s served a file outside web/dist", path)
			}
		}
		// The API is still the API.
		if resp, _ := get(t, base+"/v1/openapi.json"); resp.StatusCode != 200 {
			t.Errorf("/v1/openapi.json: %d", resp.StatusCode)
		}
	})

	t.Run("signin", func(t *testing.T) { s.script(t, "signin.mjs") })

	t.Run("widget", func(t *testing.T) {
		if s.l.WidgetID == "" {
			t.Skip("the platform has no widgets (PUT /v1/widget, hs-ws)")
		}
		s.script(t, "widget.mjs")
	})

	t.Run("human", func(t *testing.T) {
		if missing := s.missing(t); len(missing) > 0 {
			t.Skipf("the human path needs what is not on this branch yet: %s", strings.Join(missing, "; "))
		}
		// A canned response for the desktop's picker. (A widget visitor's customer id is a claim,
		// not the tenant's id for them: their profile has no business events to show.)
		ctx := context.Background()
		const customer = "cust-e2e"
		s.call(t, ctx, "POST", "/v1/canned-responses", map[string]any{"title": "Anything else?",
			"text": "Is there anything else I can help you with?", "language": "en", "tags": []string{"closing"}}, http.StatusCreated)
		s.script(t, "human.mjs", "CUSTOMER_ID="+customer)
	})

	t.Run("supervisor", func(t *testing.T) {
		if missing := s.missing(t); len(missing) > 0 {
			t.Skipf("the supervisor's controls need what is not on this branch yet: %s", strings.Join(missing, "; "))
		}
		s.script(t, "supervisor.mjs", "DEMO_KEY="+s.l.DemoKey)
	})

	t.Run("strategies", func(t *testing.T) {
		if s.l.Stack.WebSocketURL("") == "" {
			t.Skip("the live wallboard needs the WebSocket API (hs-ws)")
		}
		s.strategies(t)
	})
	t.Run("alerts", func(t *testing.T) {
		if s.l.Stack.WebSocketURL("") == "" {
			t.Skip("the live Alerts panel needs the WebSocket API (hs-ws)")
		}
		s.alerts(t)
	})
	t.Run("quality", func(t *testing.T) {
		if s.l.Stack.WebSocketURL("") == "" {
			t.Skip("the live Quality alerts panel needs the WebSocket API (hs-ws)")
		}
		s.quality(t)
	})

	t.Run("reports", func(t *testing.T) {
		// Last week's transactions, 100,000 a day: the report shows their sum and the rate.
		// The week the console's button builds: the one holding this day last week, in UTC. Its dates
		// are the same in the demo tenant's time zone.
		w := vocreport.WeekOf(time.Now().AddDate(0, 0, -7), time.UTC)
		days := make([]map[string]any, 0, 7)
		for _, d := range w.Days() {
			days = append(days, map[string]any{"date": d, "count": 100000})
		}
		s.call(t, context.Background(), "POST", "/v1/voc/transactions", map[string]any{"days": days}, http.StatusOK)
		// And its chat contacts, 10 an hour in the demo tenant's week (history of the _all series:
		// live counting began when the stack started, after that week): 1,680, so 24.00 per 10,000.
		sh, err := time.LoadLocation(local.DemoTimeZone)
		if err != nil {
			t.Fatal(err)
		}
		lw, _ := vocreport.ParseWeek(w.ID, sh)
		csv := intervals.HistoryHeader + "\n"
		for at := lw.From; at.Before(lw.To); at = at.Add(time.Hour) {
			csv += at.Format(time.RFC3339) + ",_all,chat,10\n"
		}
		req, _ := http.NewRequest("POST", base+"/v1/forecast/history", strings.NewReader(csv))
		req.Header.Set("Authorization", "Bearer "+s.l.DemoKey)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
			t.Fatalf("import the week's contacts: %d", resp.StatusCode)
		}
		s.script(t, "reports.mjs", "WEEK="+w.ID, "TRANSACTIONS=700000", "CONTACTS=1680", "RATE=24.00")
	})

	t.Run("offer-gone", func(t *testing.T) {
		if missing := s.missing(t); len(missing) > 0 {
			t.Skipf("offers need what is not on this branch yet: %s", strings.Join(missing, "; "))
		}
		s.script(t, "offergone.mjs", "DEMO_KEY="+s.l.DemoKey)
	})
}

// missing names the parts of the human path the running stack does not have (routes that answer
// no-route, no WebSocket API, no widget).
func (s *stack) missing(t *testing.T) []string {
	var out []string
	if s.l.Stack.WebSocketURL("") == "" {
		out = append(out, "the WebSocket API (hs-ws)")
	}
	if s.l.WidgetID == "" {
		out = append(out, "widgets: PUT /v1/widget and POST /v1/widgets/{widget}/conversations (hs-ws)")
	}
	for _, r := range []struct{ path, who string }{
		{"/v1/contacts?state=queued", "contacts routes (hs-api)"},
		{"/v1/agents", "agents routes (hs-api)"},
		{"/v1/canned-responses", "canned responses (hs-api)"},
	} {
		code, body, err := s.l.Call(context.Background(), "GET", r.path, s.l.DemoKey, nil)
		if err != nil {
			t.Fatalf("GET %s: %v", r.path, err)
		}
		if code == http.StatusNotFound && strings.Contains(string(body), "no-route") {
			out = append(out, "GET "+strings.Split(r.path, "?")[0]+": "+r.who)
		}
	}
	if _, err := os.Stat(filepath.Join(s.web, "..", "shared", "floor")); err != nil {
		out = append(out, "shared/floor and the dispatch function's offers (hs-floor)")
	}
	return out
}

// call sends one request with the demo tenant's admin key and fails unless it answers want.
func (s *stack) call(t *testing.T, ctx context.Context, method, path string, body any, want int) []byte {
	t.Helper()
	code, out, err := s.l.Call(ctx, method, path, s.l.DemoKey, body)
	if err != nil || code != want {
		t.Fatalf("%s %s: %d %s %v; want %d", method, path, code, out, err, want)
	}
	return out
}
