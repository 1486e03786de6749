package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/shared/webhooks"
)

// partner is a partner's webhook receiver on loopback: it verifies every request, answers 503
// while it is down, and records what it accepted.
type partner struct {
	t      *testing.T
	ln     net.Listener
	srv    *http.Server
	mu     sync.Mutex
	secret string
	down   func(n int) bool // whether the n-th request (from 1) is refused
	n      int
	badSig int
	got    []events.Envelope // accepted, in arrival order
	seen   map[string]bool
	poke   chan struct{}
}

func newPartner(t *testing.T, down func(n int) bool) *partner {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &partner{t: t, ln: ln, down: down, seen: map[string]bool{}, poke: make(chan struct{}, 1)}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	t.Cleanup(func() { _ = p.srv.Close() })
	return p
}

func (p *partner) port() uint16 { return uint16(p.ln.Addr().(*net.TCPAddr).Port) }

func (p *partner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	p.mu.Lock()
	defer func() {
		p.mu.Unlock()
		select {
		case p.poke <- struct{}{}:
		default:
		}
	}()
	p.n++
	if err := webhooks.Verify([]string{p.secret}, r.Header, body, time.Minute); err != nil {
		p.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if p.down != nil && p.down(p.n) {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	e, err := events.Decode(body)
	if err != nil {
		p.badSig++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if !p.seen[e.ID] {
		p.seen[e.ID] = true
		p.got = append(p.got, e)
	}
	w.WriteHeader(http.StatusNoContent)
}

// wait blocks until cond holds over what p accepted, or fails t after d.
func (p *partner) wait(t *testing.T, what string, d time.Duration, cond func(got []events.Envelope) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		p.mu.Lock()
		ok := cond(p.got)
		p.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-p.poke:
		case <-deadline:
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("%s: not within %s; %d requests, accepted %s", what, d, p.n, summary(p.got))
		}
	}
}

func (p *partner) accepted() []events.Envelope {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

func summary(evs []events.Envelope) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Type+"@"+e.Subject)
	}
	return fmt.Sprint(s)
}

// inOrderPerSubject fails t unless, for each subject, evs arrived in the order they happened.
func inOrderPerSubject(t *testing.T, who string, evs []events.Envelope) {
	t.Helper()
	last := map[string]events.Envelope{}
	for _, e := range evs {
		if prev, ok := last[e.Subject]; ok && e.Time.Before(prev.Time) {
			t.Fatalf("%s: %s (%s) arrived after %s (%s) of subject %s", who, e.Type, e.Time, prev.Type, prev.Time, e.Subject)
		}
		last[e.Subject] = e
	}
}

var partnerTypes = []string{events.TypeContactCreated, events.TypeContactEnded, events.TypeChatMessage, events.TypeBusinessEvent, events.TypeNLUModelTrained}

func hasTypes(types ...string) func([]events.Envelope) bool {
	return func(got []events.Envelope) bool {
		for _, typ := range types {
			if !slices.ContainsFunc(got, func(e events.Envelope) bool { return e.Type == typ }) {
				return false
			}
		}
		return true
	}
}

// Partners' event webhooks through the local stack: the webhooks function fans the demo tenant's
// events out, the deliver function sends them signed. A healthy endpoint receives every listed
// type in order per subject; one that fails for a while receives everything once it recovers;
// one that never recovers is parked, visible in the delivery log, and a replay reaches it once
// it works again.
func TestPartnerWebhooksEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	good := newPartner(t, nil)
	flaky := newPartner(t, func(n int) bool { return n <= 2 })
	var deadMu sync.Mutex
	dead := true
	never := newPartner(t, func(int) bool { deadMu.Lock(); defer deadMu.Unlock(); return dead })

	log := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := Start(ctx, Options{
		Template: "../../template.yaml", StateDir: t.TempDir(), Log: log, HTTPClient: contractClient(t),
		WebhookPorts: []uint16{good.port(), flaky.port(), never.port()},
		// Retries every second or so, parked after 20 s: room for the recovered endpoint's third
		// attempt on a loaded machine (with 8 s, a CI run with the browser and hotline tests beside
		// it parked one of its deliveries), short for the one that never recovers.
		WebhookRetryBase: time.Second, WebhookRetryMaxAge: 20 * time.Second,
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

	call := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		code, b, err := l.Call(ctx, method, path, l.DemoKey, body)
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
	endpoint := func(p *partner, types []string) string {
		t.Helper()
		r := call("POST", "/v1/webhooks", map[string]any{
			"url": fmt.Sprintf("http://127.0.0.1:%d/lingxi", p.port()), "event_types": types, "description": "e2e",
		}, http.StatusCreated)
		p.mu.Lock()
		p.secret = r["secret"].(string)
		p.mu.Unlock()
		return r["id"].(string)
	}
	goodID := endpoint(good, partnerTypes)
	endpoint(flaky, partnerTypes)
	neverID := endpoint(never, []string{events.TypeBusinessEvent})
	// A port nobody named stays refused at save time.
	if code, _, _ := l.Call(ctx, "POST", "/v1/webhooks", l.DemoKey, map[string]any{"url": "http://127.0.0.1:1/x", "event_types": partnerTypes}); code != http.StatusBadRequest {
		t.Fatalf("an unnamed loopback port: %d", code)
	}

	// The events: a conversation handed to a person (chat.message, contact.created, contact.ended), two business
	// events of one customer, a trained model.
	conv := call("POST", "/v1/conversations", map[string]any{"customer": map[string]string{"id": "hooks-customer"}}, http.StatusCreated)
	convID := conv["id"].(string)
	call("POST", "/v1/conversations/"+convID+"/messages", map[string]string{"text": "hello"}, http.StatusOK)
	call("POST", "/v1/conversations/"+convID+"/messages", map[string]string{"text": "talk to a human"}, http.StatusOK) // contact.created: handed to a person
	call("POST", "/v1/conversations/"+convID+"/end", nil, http.StatusOK)
	for _, kind := range []string{"payment_failed", "card_shipped"} {
		call("POST", "/v1/business-events", map[string]any{"customer_id": "hooks-customer", "kind": kind, "occurred_at": time.Now().UTC().Format(time.RFC3339)}, http.StatusAccepted)
	}
	if job, err := l.Train(ctx, l.DemoKey, false); err != nil || job.State != "succeeded" {
		t.Fatalf("train: %+v %v", job, err)
	}

	good.wait(t, "the healthy endpoint gets every type", 2*time.Minute, hasTypes(partnerTypes...))
	good.wait(t, "the healthy endpoint gets the conversation's end", time.Minute, func(got []events.Envelope) bool {
		return slices.ContainsFunc(got, func(e events.Envelope) bool { return e.Type == events.TypeContactEnded && e.Subject == convID })
	})
	goodGot := good.accepted()
	inOrderPerSubject(t, "healthy", goodGot)
	var convTypes []string
	for _, e := range goodGot {
		if e.Subject == convID {
			convTypes = append(convTypes, e.Type)
		}
	}
	created := slices.Index(convTypes, events.TypeContactCreated)
	if len(convTypes) < 3 || convTypes[0] != events.TypeChatMessage || created < 0 || convTypes[len(convTypes)-1] != events.TypeContactEnded {
		t.Fatalf("the conversation's events arrived as %v", convTypes)
	}

	// The endpoint that refused its first requests gets every event the healthy one got.
	flaky.wait(t, "the recovered endpoint catches up", 2*time.Minute, func(got []events.Envelope) bool {
		for _, e := range goodGot {
			if !slices.ContainsFunc(got, func(f events.Envelope) bool { return f.ID == e.ID }) {
				return false
			}
		}
		return true
	})
	inOrderPerSubject(t, "recovered", flaky.accepted())

	// The endpoint that never recovers: both business events parked, in the delivery log.
	deadline := time.Now().Add(2 * time.Minute)
	var parked []string
	for {
		log := call("GET", "/v1/webhooks/"+neverID+"/deliveries", nil, http.StatusOK)
		parked = parked[:0]
		for _, it := range log["items"].([]any) {
			d := it.(map[string]any)
			if d["status"] == "parked" && d["last_response_code"] == float64(503) && d["attempts"].(float64) >= 1 {
				parked = append(parked, d["id"].(string))
			}
		}
		if len(parked) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries to the dead endpoint: %v", log["items"])
		}
		select {
		case <-never.poke:
		case <-time.After(time.Second): // parking is a table write after the last request
		}
	}
	// The first was retried (1 s, 2 s, 4 s … within 8 s); the log says so.
	first := call("GET", "/v1/webhooks/"+neverID+"/deliveries?limit=1", nil, http.StatusOK)["items"].([]any)[0].(map[string]any)
	if first["attempts"].(float64) < 3 {
		t.Fatalf("the first parked delivery had %v attempts", first["attempts"])
	}
	goodLog := call("GET", "/v1/webhooks/"+goodID+"/deliveries", nil, http.StatusOK)["items"].([]any)
	for _, it := range goodLog {
		if d := it.(map[string]any); d["status"] != "delivered" || d["last_response_code"] != float64(204) {
			t.Fatalf("healthy endpoint's log: %v", d)
		}
	}

	// Replay: once the endpoint works, a parked delivery re-sent reaches it.
	deadMu.Lock()
	dead = false
	deadMu.Unlock()
	call("POST", "/v1/webhooks/"+neverID+"/deliveries/"+parked[0]+"/replay", nil, http.StatusAccepted)
	never.wait(t, "the replay", time.Minute, func(got []events.Envelope) bool {
		return len(got) == 1 && got[0].ID == parked[0]
	})
	for _, p := range []*partner{good, flaky, never} {
		if p.badSig > 0 {
			t.Fatalf("%d requests failed verification", p.badSig)
		}
	}
	t.Logf("healthy endpoint: %d events; recovered endpoint: %d requests; parked: %d", len(goodGot), flaky.n, len(parked))
}
