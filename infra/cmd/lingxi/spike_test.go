package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// contactsServer answers POST /v1/contacts as the api does: 201 for the key it knows, a problem
// for anything else; with acceptUp > 0 it refuses (429) every contact after the first acceptUp.
type contactsServer struct {
	mu       sync.Mutex
	bodies   []string
	auth     map[string]int
	acceptUp int // 0: accept every one
}

func (c *contactsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.auth[r.Header.Get("Authorization")]++
	if r.Method != http.MethodPost || r.URL.Path != "/v1/contacts" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "wrong request", http.StatusBadRequest)
		return
	}
	c.bodies = append(c.bodies, string(b))
	if c.acceptUp > 0 && len(c.bodies) > c.acceptUp {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"type":"urn:lingxi:problem:rate-limited","detail":"slow down"}`))
		return
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(`{"id":"ct-1"}`))
}

func keyFile(t *testing.T, key string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "demo-key")
	if err := os.WriteFile(p, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSpike(t *testing.T) {
	srv := &contactsServer{auth: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"spike", "--api", ts.URL, "--key", keyFile(t, "lx_demo_key")}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var line spikeLine
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("%v: %q", err, out.String())
	}
	if line != (spikeLine{Queue: "general", Channel: "chat", Sent: 60, Created: 60}) {
		t.Fatalf("line %+v", line)
	}
	if len(srv.bodies) != 60 || srv.bodies[0] != `{"channel":"chat","queue":"general"}` || srv.auth["Bearer lx_demo_key"] != 60 {
		t.Fatalf("%d bodies (first %q), auth %v", len(srv.bodies), srv.bodies[0], srv.auth)
	}
	if strings.Contains(out.String()+errb.String(), "lx_demo_key") {
		t.Fatal("the key was printed")
	}
}

func TestSpikeRefused(t *testing.T) {
	srv := &contactsServer{auth: map[string]int{}, acceptUp: 5}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"spike", "--api", ts.URL + "/", "--key", keyFile(t, "k"), "-n", "8", "--queue", "cards", "--channel", "voice", "--concurrency", "1"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errb.String())
	}
	var line spikeLine
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line.Sent != 8 || line.Created != 5 || line.Failed != 3 || line.FirstError != "429 urn:lingxi:problem:rate-limited slow down" || srv.bodies[0] != `{"channel":"voice","queue":"cards"}` {
		t.Fatalf("line %+v, first body %q", line, srv.bodies[0])
	}
	if !strings.Contains(errb.String(), "3 of 8 contacts refused") {
		t.Fatalf("stderr %q", errb.String())
	}
}

func TestSpikeUsage(t *testing.T) {
	key := keyFile(t, "k")
	for name, args := range map[string][]string{
		"zero contacts":    {"-n", "0", "--key", key},
		"bad channel":      {"--channel", "fax", "--key", key},
		"not a URL":        {"--api", "127.0.0.1:3000", "--key", key},
		"stray argument":   {"--key", key, "now"},
		"too many at once": {"--concurrency", "100", "--key", key},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(context.Background(), append([]string{"spike"}, args...), &out, &errb); code != 2 || out.Len() != 0 {
				t.Fatalf("exit %d, stdout %q", code, out.String())
			}
		})
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"spike", "--key", filepath.Join(t.TempDir(), "none")}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "make run") {
		t.Fatalf("missing key file: exit %d, %q", code, errb.String())
	}
}
