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
	if dir := os.Getenv("SCREENSHOTS"); dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		s.env = append(s.env, "SCREENSHOTS="+abs)
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
func (s *stack) script(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(s.web, "tests", name))
	cmd.Dir = s.web
	cmd.Env = s.env
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
		// The API is still the API.
		if resp, _ := get(t, base+"/v1/openapi.json"); resp.StatusCode != 200 {
			t.Errorf("/v1/openapi.json: %d", resp.StatusCode)
		}
	})

	t.Run("signin", func(t *testing.T) { s.script(t, "signin.mjs") })
}
