package local

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// The console and the widget on the local stack: the built web files (web/dist) at /console/ and
// /widget/ on the HTTP API's own port, as CloudFront serves the S3 bucket beside the API in AWS,
// and the demo tenant's people who sign in to it.
const (
	// DemoSupervisor is the demo tenant's supervisor; DemoAgent (edge.go) is its agent. Their
	// console passwords are kept in the state folder (agent-password, supervisor-password).
	DemoSupervisor         = "supervisor1"
	supervisorPasswordFile = "supervisor-password"
)

// consoleConfig is /console/config.json (and /widget/config.json): where the pages find the APIs.
// API "" is the page's own origin.
type consoleConfig struct {
	API       string `json:"api"`
	WebSocket string `json:"websocket"`
}

// staticHandlers serves web/dist under /console/ and /widget/, and config.json beside each.
func (l *Local) staticHandlers(webDir string) map[string]http.Handler {
	files := http.FileServer(http.Dir(webDir))
	pages := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if _, err := os.Stat(filepath.Join(webDir, "console", "index.html")); err != nil {
			http.Error(w, "the console is not built: run `make web` (npm ci and node build.mjs in web/)", http.StatusServiceUnavailable)
			return
		}
		// index.html names app.js and style.css without a content hash: always revalidate.
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
	config := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(consoleConfig{WebSocket: l.Stack.WebSocketURL("")})
	})
	bare := func(to string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != strings.TrimSuffix(to, "/") {
				http.NotFound(w, r)
				return
			}
			target := to
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
		})
	}
	return map[string]http.Handler{
		"/console": bare("/console/"), "/console/": pages, "/console/config.json": config,
		"/widget": bare("/widget/"), "/widget/": pages, "/widget/config.json": config,
	}
}

// ConsoleURL is the console's address on the local stack, naming the demo tenant.
func (l *Local) ConsoleURL() string { return l.Stack.HTTPURL() + "/console/?tenant=" + DemoTenant }

// WidgetURL is the demo tenant's chat widget page ("" when the platform has no widgets).
func (l *Local) WidgetURL() string {
	if l.WidgetID == "" {
		return ""
	}
	return l.Stack.HTTPURL() + "/widget/?widget=" + url.QueryEscape(l.WidgetID) + "&title=" + url.QueryEscape("Demo Bank")
}

// newPassword makes a console or softphone password (16 characters of 96 random bits).
func newPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// demoPerson is one of the demo tenant's people.
type demoPerson struct {
	username, displayName, role, passwordFile string
	sipAccount                                string
}

// seedPeople gives the demo tenant an agent and a supervisor who sign in to the console, with
// their passwords kept in the state folder. The agent's password is also its softphone's (when
// the media edge runs, the person is linked to that account). A later start sets the kept
// password again, so the files always hold what signs in.
func (l *Local) seedPeople(ctx context.Context, withVoice bool) error {
	agent := demoPerson{username: DemoAgent, displayName: "Agent One 一号坐席", role: "agent", passwordFile: agentPasswordFile}
	if withVoice {
		agent.sipAccount = DemoAgent
	}
	people := []demoPerson{agent, {username: DemoSupervisor, displayName: "Supervisor 值班主管", role: "supervisor", passwordFile: supervisorPasswordFile}}
	code, body, err := l.Call(ctx, "GET", "/v1/users", l.DemoKey, nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("GET /v1/users: %d %s %v", code, body, err)
	}
	var list struct {
		Items []struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return fmt.Errorf("GET /v1/users: %w", err)
	}
	ids := map[string]string{}
	for _, u := range list.Items {
		ids[u.Username] = u.ID
	}
	for _, p := range people {
		pw, err := secret(filepath.Join(l.stateDir, p.passwordFile), newPassword)
		if err != nil {
			return fmt.Errorf("%s password: %w", p.username, err)
		}
		if p.role == "agent" {
			l.AgentPassword = pw
		}
		skills := []map[string]any{}
		for _, q := range demoQueues {
			skills = append(skills, map[string]any{"name": q, "proficiency": 3})
		}
		u := map[string]any{
			"display_name": p.displayName, "role": p.role, "password": pw,
			"skills": skills, "capacity": map[string]int{"voice": 1, "chat": 3},
		}
		if p.sipAccount != "" {
			u["sip_account"] = p.sipAccount
		}
		method, path := "POST", "/v1/users"
		if id, ok := ids[p.username]; ok {
			method, path = "PATCH", "/v1/users/"+url.PathEscape(id)
		} else {
			u["username"] = p.username
		}
		code, body, err := l.Call(ctx, method, path, l.DemoKey, u)
		if err != nil || code >= 300 {
			return fmt.Errorf("%s %s (%s): %d %s %v", method, path, p.username, code, body, err)
		}
		var made struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(body, &made) == nil && made.ID != "" {
			ids[p.username] = made.ID
		}
	}
	return l.seedOnCall(ctx, ids[DemoSupervisor])
}

// seedOnCall puts the demo supervisor on the dispatch engine's on-call list (its call_in
// strategy notifies them over the console's WebSocket), unless the tenant has an on-call list.
func (l *Local) seedOnCall(ctx context.Context, supervisor string) error {
	if supervisor == "" {
		return fmt.Errorf("the demo supervisor has no user id")
	}
	code, body, err := l.Call(ctx, "GET", "/v1/dispatch/settings", l.DemoKey, nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("GET /v1/dispatch/settings: %d %s %v", code, body, err)
	}
	var set map[string]any
	if err := json.Unmarshal(body, &set); err != nil {
		return fmt.Errorf("GET /v1/dispatch/settings: %w", err)
	}
	if list, _ := set["on_call"].([]any); len(list) > 0 {
		return nil
	}
	set["on_call"] = []string{supervisor}
	if code, body, err = l.Call(ctx, "PUT", "/v1/dispatch/settings", l.DemoKey, set); err != nil || code != http.StatusOK {
		return fmt.Errorf("PUT /v1/dispatch/settings: %d %s %v", code, body, err)
	}
	return nil
}

// seedWidget gives the demo tenant its chat widget, allowed on the local stack's own origins,
// and keeps its id. A platform without widgets (no PUT /v1/widget) leaves WidgetID empty.
func (l *Local) seedWidget(ctx context.Context) error {
	base, err := url.Parse(l.Stack.HTTPURL())
	if err != nil {
		return err
	}
	origins := []string{base.Scheme + "://" + base.Host, base.Scheme + "://localhost:" + base.Port()}
	code, body, err := l.Call(ctx, "PUT", "/v1/widget", l.DemoKey, map[string]any{"origins": origins, "title": "Demo Bank"})
	if err != nil {
		return fmt.Errorf("PUT /v1/widget: %w", err)
	}
	if code == http.StatusNotFound {
		return nil
	}
	if code >= 300 {
		return fmt.Errorf("PUT /v1/widget: %d %s", code, body)
	}
	var w struct {
		WidgetID string `json:"widget_id"`
	}
	if json.Unmarshal(body, &w) != nil || w.WidgetID == "" {
		code, body, err = l.Call(ctx, "GET", "/v1/widget", l.DemoKey, nil)
		if err != nil || code != http.StatusOK || json.Unmarshal(body, &w) != nil {
			return fmt.Errorf("GET /v1/widget: %d %s %v", code, body, err)
		}
	}
	l.WidgetID = w.WidgetID
	return nil
}

// seedQueues gives the demo tenant a queue for each kind of contact its bot hands off (general is
// every tenant's first, made by the dispatch function), each needing the skill of its name; the
// demo people have them all. A queue that exists is left as it is; a platform without queues
// (no /v1/queues) is left alone.
func (l *Local) seedQueues(ctx context.Context) error {
	for i, q := range demoQueues {
		if q == "general" {
			continue
		}
		body := map[string]any{"id": q, "name": strings.ToUpper(q[:1]) + q[1:], "skills": []string{q},
			"priority": i, "target_seconds": 20, "target_percent": 80}
		code, out, err := l.Call(ctx, "POST", "/v1/queues", l.DemoKey, body)
		switch {
		case err != nil:
			return fmt.Errorf("POST /v1/queues %s: %w", q, err)
		case code == http.StatusNotFound:
			return nil
		case code == http.StatusConflict, code < 300:
		default:
			return fmt.Errorf("POST /v1/queues %s: %d %s", q, code, out)
		}
	}
	return nil
}
