//go:build linux

package handler

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/store"
)

// killProxy fronts the DynamoDB emulator for a local stack. Armed with a match, it lets the first
// write whose request body holds every part of the match reach the table, then kills the function
// instances of binary before it answers: a function killed between its commit and its response.
type killProxy struct {
	next   http.RoundTripper
	binary string
	mu     sync.Mutex
	match  [][]byte
	killed atomic.Int32
}

func (p *killProxy) arm(parts ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.match = nil
	for _, s := range parts {
		p.match = append(p.match, []byte(s))
	}
}

func (p *killProxy) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := p.next.RoundTrip(r)
	op := r.Header.Get("X-Amz-Target")
	if err != nil || resp.StatusCode != http.StatusOK || !(strings.HasSuffix(op, ".PutItem") || strings.HasSuffix(op, ".TransactWriteItems")) {
		return resp, err
	}
	p.mu.Lock()
	hit := len(p.match) > 0
	for _, m := range p.match {
		hit = hit && bytes.Contains(body, m)
	}
	if hit {
		p.match = nil
	}
	p.mu.Unlock()
	if hit {
		// Counted before the signal: the caller may see its 502 before this returns.
		killBinary(p.binary, func() { p.killed.Add(1) })
	}
	return resp, nil
}

// killBinary SIGKILLs every process running the executable path, calling before ahead of each.
func killBinary(path string, before func()) {
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid := 0
		for _, c := range d.Name() {
			if c < '0' || c > '9' {
				pid = -1
				break
			}
			pid = pid*10 + int(c-'0')
		}
		if pid <= 0 {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe")); err == nil && exe == path {
			before()
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// Regression for issue 7, defect 2, through the local stack: the chat function's real binary is
// killed (SIGKILL) right after its turn's writes reach the table and before it answers, so the
// caller gets API Gateway's 502. The retry with the same Idempotency-Key replays the turn's
// response, and the transcript shows the turn once. (Before the fix the response was written after
// the turn's commit, so the retry got 409, and a later one ran the turn again.)
func TestKilledInstanceReplays(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the local stack")
	}
	ep := emulators.ForTest(t)
	target, err := url.Parse(ep.DynamoDB)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	kp := &killProxy{next: http.DefaultTransport, binary: filepath.Join(state, "bin", "ChatFunction", "bootstrap")}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = kp
	front := httptest.NewServer(rp)
	defer front.Close()
	proxied := ep
	proxied.DynamoDB = front.URL

	suffix := make([]byte, 4)
	rand.Read(suffix)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log bytes.Buffer
	var logMu sync.Mutex
	st, err := devstack.Start(ctx, devstack.Config{
		Template: "../../../template.yaml", StackName: "idem-" + hex.EncodeToString(suffix), StateDir: state,
		Endpoints: &proxied, Parameters: map[string]string{"AdminKeySha256": auth.Hash("unused-" + hex.EncodeToString(suffix))},
		Log: writerFunc(func(b []byte) (int, error) { logMu.Lock(); defer logMu.Unlock(); return log.Write(b) }),
	})
	if err != nil {
		t.Fatalf("start the local stack: %v", err)
	}
	defer st.Close()

	// A tenant with a partner key, written straight to the table.
	db := store.New(dynamodb.NewFromConfig(emulators.AWSConfig(t)), st.Ref("Table"))
	tid := mustTenant(t, "killed")
	key, err := auth.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	id, err := auth.NewID()
	if err != nil {
		t.Fatal(err)
	}
	_, ops := auth.Records(tid, key, auth.Key{ID: id, Role: auth.RolePartner, CreatedAt: time.Now()})
	if err := db.Tx(ctx, ops...); err != nil {
		t.Fatal(err)
	}

	call := func(method, path, body, idemKey string) (int, map[string]any, http.Header) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, st.HTTPURL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		if idemKey != "" {
			req.Header.Set("Idempotency-Key", idemKey)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out, resp.Header
	}
	code, started, _ := call("POST", "/v1/conversations", `{"language":"en"}`, "")
	conv, _ := started["id"].(string)
	if code != http.StatusCreated || conv == "" {
		t.Fatalf("start: %d %v", code, started)
	}

	// The turn's commit writes its chat.message events to the outbox: the first write that does
	// is the commit (or its first part, where the emulator has no transactions).
	kp.arm("outbox", conv, "chat.message")
	msgs := "/v1/conversations/" + conv + "/messages"
	body := `{"text":"is anybody there"}`
	if code, out, _ := call("POST", msgs, body, "killed-1"); code != http.StatusBadGateway || kp.killed.Load() == 0 {
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("the killed request: %d %v (%d instances killed), want 502\n%s", code, out, kp.killed.Load(), log.String())
	}
	code, replay, h := call("POST", msgs, body, "killed-1")
	if code != http.StatusOK || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %v %v, want the turn's response replayed", code, replay, h)
	}
	code, again, _ := call("POST", msgs, body, "killed-1")
	if code != http.StatusOK || !equalJSON(again, replay) {
		t.Fatalf("second retry: %d %v, want %v", code, again, replay)
	}
	code, transcript, _ := call("GET", "/v1/conversations/"+conv, "", "")
	n := 0
	for _, m := range list(transcript["messages"]) {
		if str(obj(m)["text"]) == "is anybody there" {
			n++
		}
	}
	if code != http.StatusOK || n != 1 {
		t.Fatalf("the turn is in the transcript %d times: %d %v", n, code, transcript)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
