package delivery

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/webhooks"
)

// memQueue holds messages in memory; run hands them to the Service in the order they fall due,
// moving a fake clock to each due time instead of sleeping.
type memQueue struct {
	mu   sync.Mutex
	now  time.Time
	seq  int
	msgs []queued
}

type queued struct {
	due time.Time
	seq int
	m   Message
}

func (q *memQueue) Send(_ context.Context, m Message, delay time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	q.msgs = append(q.msgs, queued{due: q.now.Add(min(max(delay, 0), MaxDelay)), seq: q.seq, m: m})
	return nil
}

func (q *memQueue) clock() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.now
}

func (q *memQueue) next() (Message, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.msgs) == 0 {
		return Message{}, false
	}
	sort.Slice(q.msgs, func(i, j int) bool {
		if !q.msgs[i].due.Equal(q.msgs[j].due) {
			return q.msgs[i].due.Before(q.msgs[j].due)
		}
		return q.msgs[i].seq < q.msgs[j].seq
	})
	m := q.msgs[0]
	q.msgs = q.msgs[1:]
	if m.due.After(q.now) {
		q.now = m.due
	}
	return m.m, true
}

// receiver is a partner's endpoint: it verifies every request and answers what fail says.
type receiver struct {
	t       *testing.T
	secrets []string
	mu      sync.Mutex
	fail    func(n int, e events.Envelope) int // status for the n-th request (from 1)
	n       int
	got     []events.Envelope // accepted (2xx), in arrival order
	sigs    []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	ts, _ := strconv.ParseInt(req.Header.Get(webhooks.HeaderTimestamp), 10, 64)
	bs := [][]byte{}
	for _, s := range r.secrets {
		bs = append(bs, []byte(s))
	}
	// The service's clock is fake; check the signature at the time it says it signed.
	if err := webhooks.VerifyAt(bs, req.Header.Get(webhooks.HeaderTimestamp), req.Header.Get(webhooks.HeaderSignature), body, time.Unix(ts, 0), time.Minute); err != nil {
		r.t.Errorf("signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	e, err := events.Decode(body)
	if err != nil {
		r.t.Errorf("body is not an envelope: %v", err)
	}
	if req.Header.Get(HeaderEventID) != e.ID || req.Header.Get(HeaderEventType) != e.Type {
		r.t.Errorf("headers %v do not name event %s %s", req.Header, e.ID, e.Type)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	r.sigs = append(r.sigs, req.Header.Get(webhooks.HeaderSignature))
	code := http.StatusOK
	if r.fail != nil {
		code = r.fail(r.n, e)
	}
	if code < 300 {
		r.got = append(r.got, e)
	}
	w.WriteHeader(code)
}

type fixture struct {
	db   *store.Store
	q    *memQueue
	svc  *Service
	t    tenant.ID
	url  string
	recv *receiver
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	q := &memQueue{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	db := store.New(ddb, table).WithClock(q.clock)
	recv := &receiver{t: t}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	_, p, _ := net.SplitHostPort(u.Host)
	port, _ := strconv.Atoi(p)
	client := egress.NewClient(egress.Policy{LoopbackPorts: []uint16{uint16(port)}})
	svc := New(db, q, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), WithClock(q.clock), WithHTTPClient(client))
	tid, _ := tenant.Parse("acme")
	return &fixture{db: db, q: q, svc: svc, t: tid, url: srv.URL, recv: recv}
}

func (f *fixture) endpoint(t *testing.T, id string, types ...string) *Endpoint {
	t.Helper()
	ep := &Endpoint{ID: id, URL: f.url + "/hook/" + id, EventTypes: types, Enabled: true, CreatedAt: f.q.clock()}
	s, err := ep.Rotate(f.q.clock(), 0)
	if err != nil {
		t.Fatal(err)
	}
	f.recv.secrets = append(f.recv.secrets, s)
	if err := f.db.Create(context.Background(), f.t, EndpointKey(id), ep); err != nil {
		t.Fatal(err)
	}
	return ep
}

func (f *fixture) event(t *testing.T, subject string, n int) events.Envelope {
	t.Helper()
	e, err := events.New(f.t, events.TypeBusinessEvent, subject, "test", events.BusinessEvent{CustomerID: subject, Kind: "step_" + strconv.Itoa(n), OccurredAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// drain runs every queued message to the end, counting them.
func (f *fixture) drain(t *testing.T) int {
	t.Helper()
	n := 0
	for {
		m, ok := f.q.next()
		if !ok {
			return n
		}
		if n++; n > 10000 {
			t.Fatal("the queue never empties")
		}
		tid, err := tenant.Parse(m.Tenant)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Deliver(context.Background(), tid, m); err != nil {
			t.Fatalf("deliver %+v: %v", m, err)
		}
	}
}

func (f *fixture) deliveries(t *testing.T, endpoint string) map[string]Delivery {
	t.Helper()
	res, err := f.db.Query(context.Background(), f.t, KindDelivery, DeliveryPrefix(endpoint), store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Delivery{}
	for _, rec := range res.Items {
		var d Delivery
		if err := rec.Decode(&d); err != nil {
			t.Fatal(err)
		}
		out[d.ID] = d
	}
	return out
}

func subjectsInOrder(t *testing.T, got []events.Envelope, want map[string][]string) {
	t.Helper()
	seen := map[string][]string{}
	for _, e := range got {
		if !slices.Contains(seen[e.Subject], e.ID) {
			seen[e.Subject] = append(seen[e.Subject], e.ID)
		}
	}
	for subj, ids := range want {
		if !slices.Equal(seen[subj], ids) {
			t.Fatalf("subject %s: received %v, want %v in order", subj, seen[subj], ids)
		}
	}
}

// An endpoint that fails for a while gets every event once it recovers, each subject in order,
// although the later events of a subject were queued while the first was being retried.
func TestFailingThenRecoveringInOrder(t *testing.T) {
	f := newFixture(t, Config{Base: time.Second, Cap: 4 * time.Second, MaxAge: time.Hour})
	f.endpoint(t, "we_a", events.TypeBusinessEvent)
	down := true
	f.recv.fail = func(n int, e events.Envelope) int {
		if n == 6 {
			down = false
		}
		if down {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	ctx := context.Background()
	want := map[string][]string{}
	for i := range 4 {
		for _, subj := range []string{"conv-1", "conv-2"} {
			e := f.event(t, subj, i)
			want[subj] = append(want[subj], e.ID)
			if err := f.svc.Fanout(ctx, f.t, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if f.recv.n != 0 {
		t.Fatalf("the fan-out sent %d requests itself", f.recv.n)
	}
	f.drain(t)
	subjectsInOrder(t, f.recv.got, want)
	for id, d := range f.deliveries(t, "we_a") {
		if d.Status != StatusDelivered || d.LastResponseCode != 200 {
			t.Fatalf("delivery %s: %+v", id, d)
		}
	}
}

// The stream's retry of an event already queued sends for its lane's head again, so a message
// lost between the table write and the queue does not stall the lane.
func TestFanoutAgainResendsHead(t *testing.T) {
	f := newFixture(t, Config{})
	f.endpoint(t, "we_a", events.TypeBusinessEvent)
	ctx := context.Background()
	e := f.event(t, "conv-1", 0)
	if err := f.svc.Fanout(ctx, f.t, e); err != nil {
		t.Fatal(err)
	}
	f.q.next()                                        // the message is lost
	if err := f.svc.Fanout(ctx, f.t, e); err != nil { // the stream's retry
		t.Fatal(err)
	}
	f.drain(t)
	if len(f.recv.got) != 1 || len(f.deliveries(t, "we_a")) != 1 {
		t.Fatalf("got %d, %d deliveries", len(f.recv.got), len(f.deliveries(t, "we_a")))
	}
}

// An endpoint that never recovers: each delivery is retried with growing waits until MaxAge,
// then parked; the next delivery of the subject goes on after it.
func TestNeverRecoveringIsParked(t *testing.T) {
	cfg := Config{Base: time.Second, Cap: 8 * time.Second, MaxAge: time.Minute}
	f := newFixture(t, cfg)
	f.endpoint(t, "we_a", events.TypeBusinessEvent)
	f.recv.fail = func(int, events.Envelope) int { return http.StatusInternalServerError }
	ctx := context.Background()
	for i := range 2 {
		if err := f.svc.Fanout(ctx, f.t, f.event(t, "conv-1", i)); err != nil {
			t.Fatal(err)
		}
	}
	start := f.q.clock()
	f.drain(t)
	ds := f.deliveries(t, "we_a")
	if len(ds) != 2 {
		t.Fatalf("%d deliveries", len(ds))
	}
	// The window counts from when the event was queued: the first is retried for MaxAge; the
	// second, which waited behind it, gets what is left of its window (at least one attempt).
	for id, d := range ds {
		if d.Status != StatusParked || d.Attempts < 1 || d.LastResponseCode != 500 || d.NextAttemptAt != nil {
			t.Fatalf("delivery %s: %+v", id, d)
		}
	}
	if f.recv.n < 6 {
		t.Fatalf("only %d attempts in all", f.recv.n)
	}
	if took := f.q.clock().Sub(start); took > cfg.MaxAge || took < cfg.MaxAge-cfg.Cap {
		t.Fatalf("parking both took %s", took)
	}
	// Parked deliveries can be replayed once the endpoint works again.
	f.recv.fail = nil
	for id := range ds {
		if _, err := f.svc.Replay(ctx, f.t, "we_a", id); err != nil {
			t.Fatal(err)
		}
	}
	f.drain(t)
	if len(f.recv.got) != 2 {
		t.Fatalf("replays delivered %d", len(f.recv.got))
	}
	for id, d := range f.deliveries(t, "we_a") {
		if d.Status != StatusDelivered || d.Replays != 1 || d.Attempts != 1 {
			t.Fatalf("replayed %s: %+v", id, d)
		}
	}
}

// Other endpoints and other subjects never wait for a failing one.
func TestFailingEndpointHoldsUpNoOther(t *testing.T) {
	f := newFixture(t, Config{Base: time.Minute, MaxAge: time.Hour})
	f.endpoint(t, "we_good", events.TypeBusinessEvent)
	bad := f.endpoint(t, "we_bad", events.TypeBusinessEvent)
	ctx := context.Background()
	bad.URL = "http://127.0.0.1:1/refused" // a port the egress policy refuses: every attempt fails
	if _, err := f.db.Put(ctx, f.t, EndpointKey("we_bad"), bad, 1); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := f.svc.Fanout(ctx, f.t, f.event(t, "conv-"+strconv.Itoa(i), i)); err != nil {
			t.Fatal(err)
		}
	}
	start := f.q.clock()
	f.drain(t)
	if len(f.recv.got) != 3 {
		t.Fatalf("the good endpoint got %d of 3", len(f.recv.got))
	}
	for id, d := range f.deliveries(t, "we_good") {
		if d.Status != StatusDelivered || d.Attempts != 1 || d.LastAttemptAt == nil || !d.LastAttemptAt.Equal(start) {
			t.Fatalf("good delivery %s waited: %+v (start %s)", id, d, start)
		}
	}
	for id, d := range f.deliveries(t, "we_bad") {
		if d.Status != StatusParked || d.LastError == "" || d.Attempts < 2 {
			t.Fatalf("bad delivery %s: %+v", id, d)
		}
	}
}

// While a secret rotates, both secrets sign; a receiver knowing either accepts.
func TestRotationSignsTwice(t *testing.T) {
	f := newFixture(t, Config{})
	ep := f.endpoint(t, "we_a", events.TypeBusinessEvent)
	ctx := context.Background()
	newSecret, err := ep.Rotate(f.q.clock(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Put(ctx, f.t, EndpointKey("we_a"), ep, 1); err != nil {
		t.Fatal(err)
	}
	oldSecret := f.recv.secrets[0]
	f.recv.secrets = []string{newSecret} // a receiver that already knows the new secret
	if err := f.svc.Fanout(ctx, f.t, f.event(t, "c", 0)); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	if len(f.recv.sigs) != 1 || len(f.recv.got) != 1 {
		t.Fatalf("sigs %v", f.recv.sigs)
	}
	sig := f.recv.sigs[0]
	if n := len(splitSigs(sig)); n != 2 {
		t.Fatalf("%d signatures during rotation: %q", n, sig)
	}
	if ep.View(f.q.clock()).PreviousSecretExpiresAt == nil {
		t.Fatal("the view does not say when the old secret stops")
	}
	if got := ep.SigningSecrets(f.q.clock().Add(2 * time.Hour)); len(got) != 1 || string(got[0]) != newSecret {
		t.Fatalf("after the grace period %d secrets sign", len(got))
	}
	ts := strconv.FormatInt(f.q.clock().Unix(), 10)
	body, _ := json.Marshal(f.recv.got[0])
	if err := webhooks.VerifyAt([][]byte{[]byte(oldSecret)}, ts, sig, body, f.q.clock(), time.Minute); err != nil {
		t.Fatalf("a receiver still on the old secret: %v", err)
	}
}

func splitSigs(h string) []string { return strings.Split(h, ",") }

func TestBackoff(t *testing.T) {
	c := Config{Base: time.Second, Cap: 10 * time.Second}.withDefaults()
	lo := func(int64) int64 { return 0 }
	hi := func(n int64) int64 { return n - 1 }
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		if got := c.backoff(n, hi); got != want {
			t.Errorf("attempt %d: at most %s, want %s", n, got, want)
		}
		if got := c.backoff(n, lo); got != want/2 {
			t.Errorf("attempt %d: at least %s, want %s", n, got, want/2)
		}
	}
}

func TestParseMessage(t *testing.T) {
	for name, body := range map[string]string{
		"not json":      "x",
		"unknown field": `{"tenant":"a","endpoint":"e","subject":"s","delivery":"d","x":1}`,
		"bad tenant":    `{"tenant":"A B","endpoint":"e","subject":"s","delivery":"d"}`,
		"no delivery":   `{"tenant":"a","endpoint":"e","subject":"s"}`,
	} {
		if _, _, err := Parse(body); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, m, err := Parse(`{"tenant":"a","endpoint":"e","subject":"s","delivery":"d","attempt":2}`); err != nil || m.Attempt != 2 {
		t.Fatalf("%v %+v", err, m)
	}
}

// A disabled endpoint gets no new deliveries, and those already queued are parked without an
// attempt; so are a deleted endpoint's.
func TestDisabledOrDeletedEndpoint(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	ep := f.endpoint(t, "we_a", events.TypeBusinessEvent)
	f.endpoint(t, "we_b", events.TypeBusinessEvent)
	if err := f.svc.Fanout(ctx, f.t, f.event(t, "c", 0)); err != nil {
		t.Fatal(err)
	}
	ep.Enabled = false
	if _, err := f.db.Put(ctx, f.t, EndpointKey("we_a"), ep, 1); err != nil {
		t.Fatal(err)
	}
	var b Endpoint
	ver, err := f.db.Get(ctx, f.t, EndpointKey("we_b"), &b)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.Delete(ctx, f.t, EndpointKey("we_b"), ver); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	if f.recv.n != 0 {
		t.Fatalf("%d requests to disabled or deleted endpoints", f.recv.n)
	}
	for _, id := range []string{"we_a", "we_b"} {
		for _, d := range f.deliveries(t, id) {
			if d.Status != StatusParked || d.Attempts != 0 {
				t.Fatalf("%s: %+v", id, d)
			}
		}
	}
	if err := f.svc.Fanout(ctx, f.t, f.event(t, "c", 1)); err != nil {
		t.Fatal(err)
	}
	if n := len(f.deliveries(t, "we_a")); n != 1 {
		t.Fatalf("a disabled endpoint got %d deliveries", n)
	}
}
