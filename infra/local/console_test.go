package local

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The console's files: served from the web folder, a clear 503 before it is built, only GET and
// HEAD, and /console redirected to /console/ with its query.
func TestConsoleFiles(t *testing.T) {
	web := t.TempDir()
	l := &Local{}
	h := l.staticHandlers(web)
	serve := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(method, path, nil)
		var best string
		for prefix := range h {
			if strings.HasPrefix(r.URL.Path, prefix) && len(prefix) > len(best) {
				best = prefix
			}
		}
		h[best].ServeHTTP(w, r)
		return w
	}
	if w := serve("GET", "/console/"); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "make web") {
		t.Errorf("before the build: %d %q; want 503 naming make web", w.Code, w.Body)
	}
	for _, f := range []string{"console/index.html", "widget/index.html", "console/app.js"} {
		if err := os.MkdirAll(filepath.Join(web, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(web, f), []byte("<!-- "+f+" -->"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range map[string]string{"/console/": "console/index.html", "/widget/": "widget/index.html", "/console/app.js": "console/app.js"} {
		w := serve("GET", path)
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d %q %q; want %s, no-cache", path, w.Code, w.Body, w.Header().Get("Cache-Control"), want)
		}
	}
	if w := serve("POST", "/console/"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /console/: %d; want 405", w.Code)
	}
	if w := serve("GET", "/console?tenant=demo"); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/console/?tenant=demo" {
		t.Errorf("GET /console?tenant=demo: %d → %q; want 301 to /console/?tenant=demo", w.Code, w.Header().Get("Location"))
	}
	if w := serve("GET", "/consoles"); w.Code != http.StatusNotFound {
		t.Errorf("GET /consoles: %d; want 404", w.Code)
	}
}
