package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/logbuf"
)

// hanging is a tenant's slow webhook receiver: it holds every request until released (or until
// the sender gives up), counting how many it holds at once, and then acknowledges it.
type hanging struct {
	ln       net.Listener
	srv      *http.Server
	release  chan struct{}
	once     sync.Once
	entered  chan struct{}
	answer   chan struct{} // poked after each acknowledgement
	mu       sync.Mutex
	inFlight int
	most     int
	answered map[string]bool // request paths acknowledged: one endpoint each
}

func newHanging(t *testing.T) *hanging {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hanging{ln: ln, release: make(chan struct{}), entered: make(chan struct{}, 64), answer: make(chan struct{}, 1), answered: map[string]bool{}}
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	t.Cleanup(func() { h.open(); _ = h.srv.Close() })
	return h
}

func (h *hanging) port() uint16 { return uint16(h.ln.Addr().(*net.TCPAddr).Port) }

func (h *hanging) open() { h.once.Do(func() { close(h.release) }) }

func (h *hanging) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	h.inFlight++
	h.most = max(h.most, h.inFlight)
	h.mu.Unlock()
	select {
	case h.entered <- struct{}{}:
	default: // nobody counts entries past the buffer's
	}
	var ok bool
	select {
	case <-h.release:
		ok = true
	case <-r.Context().Done(): // the sender gave up (its timeout): a failed attempt
	}
	h.mu.Lock()
	h.inFlight--
	if ok {
		h.answered[r.URL.Path] = true
	}
	h.mu.Unlock()
	if ok {
		w.WriteHeader(http.StatusNoContent)
		select {
		case h.answer <- struct{}{}:
		default:
		}
	}
}

func (h *hanging) state() (inFlight, most, answered int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.inFlight, h.most, len(h.answered)
}

// One tenant never holds up another, through the local stack (the webhooks and deliver
// functions' real binaries, devstack's SQS and event source mapping, DynamoDB behind the
// emulators' front): the demo tenant, with a share of 2, has six endpoints on a receiver that
// holds every request; another tenant's delivery arrives while the demo tenant's deliveries are
// still unanswered, the demo tenant never has more than 2 attempts in flight, and once the
// receiver answers, all six are delivered.
func TestWebhookTenantShareEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	slow := newHanging(t)
	fast := newPartner(t, nil)
	log := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := Start(ctx, Options{
		Template: "../../template.yaml", StateDir: t.TempDir(), Log: log, HTTPClient: contractClient(t),
		WebhookPorts:     []uint16{slow.port(), fast.port()},
		WebhookRetryBase: time.Second, WebhookRetryMaxAge: 5 * time.Minute,
	})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	defer l.Close()
	defer func() {
		if t.Failed() {
			t.Log(log.String())
		}
	}()
	call := func(key, method, path string, body any, want int) map[string]any {
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
	call(l.AdminKey, "PUT", "/v1/tenants/"+DemoTenant+"/plan", map[string]any{"webhook_concurrency": 2}, http.StatusOK)
	const slowEndpoints = 6
	for i := range slowEndpoints {
		call(l.DemoKey, "POST", "/v1/webhooks", map[string]any{
			"url": fmt.Sprintf("http://127.0.0.1:%d/hook/%d", slow.port(), i), "event_types": []string{events.TypeBusinessEvent},
		}, http.StatusCreated)
	}
	other := call(l.AdminKey, "POST", "/v1/tenants", map[string]string{"id": "other", "name": "Other"}, http.StatusCreated)
	otherKey := other["api_key"].(map[string]any)["key"].(string)
	ep := call(otherKey, "POST", "/v1/webhooks", map[string]any{
		"url": fmt.Sprintf("http://127.0.0.1:%d/lingxi", fast.port()), "event_types": []string{events.TypeBusinessEvent},
	}, http.StatusCreated)
	fast.mu.Lock()
	fast.secret = ep["secret"].(string)
	fast.mu.Unlock()

	event := func(key string) {
		t.Helper()
		call(key, "POST", "/v1/business-events", map[string]any{"customer_id": "share-customer", "kind": "paid", "occurred_at": time.Now().UTC().Format(time.RFC3339)}, http.StatusAccepted)
	}
	event(l.DemoKey) // six deliveries to the hanging receiver
	for range 2 {
		select {
		case <-slow.entered:
		case <-ctx.Done():
			t.Fatal("the demo tenant's deliveries never reached its receiver")
		}
	}
	event(otherKey)
	fast.wait(t, "the other tenant's delivery", 2*time.Minute, hasTypes(events.TypeBusinessEvent))
	inFlight, most, answered := slow.state()
	t.Logf("when the other tenant's event arrived: %d of the demo tenant's attempts in flight (at most %d), %d of %d answered", inFlight, most, answered, slowEndpoints)
	if answered != 0 {
		t.Fatalf("the receiver answered %d requests before it was released", answered)
	}
	slow.open()
	deadline := time.After(2 * time.Minute)
	for {
		_, _, answered = slow.state()
		if answered == slowEndpoints {
			break
		}
		select {
		case <-slow.answer:
		case <-deadline:
			t.Fatalf("%d of the demo tenant's %d deliveries acknowledged", answered, slowEndpoints)
		}
	}
	if _, most, _ := slow.state(); most > 2 {
		t.Fatalf("the demo tenant had %d attempts in flight at once; its share is 2", most)
	}
	if fast.badSig > 0 {
		t.Fatalf("%d requests failed verification", fast.badSig)
	}
}
