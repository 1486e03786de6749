package delivery

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// poolQueue is the webhook queue as a FIFO that a pool of workers drains, as the deliver
// function's bounded concurrency does. While held, messages sent with a delay (put back, or
// retries) are kept aside instead of coming round again at once.
type poolQueue struct {
	ch      chan Message
	mu      sync.Mutex
	held    bool
	closed  bool
	aside   []Message
	putBack int
}

// close ends the workers' loop; later sends are dropped.
func (q *poolQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
}

func (q *poolQueue) Send(_ context.Context, m Message, delay time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	if delay > 0 {
		q.putBack++
		if q.held {
			q.aside = append(q.aside, m)
			return nil
		}
	}
	q.ch <- m
	return nil
}

// unhold sends the messages kept aside and stops keeping them.
func (q *poolQueue) unhold() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.held = false
	for _, m := range q.aside {
		q.ch <- m
	}
	q.aside = nil
}

func (q *poolQueue) counts() (putBack, aside int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.putBack, len(q.aside)
}

// One tenant never holds up another: tenant "slow" has six endpoints that do not answer and a
// share of 2; its six deliveries are queued ahead of tenant "fast"'s one, and three workers
// drain the queue. Two slow attempts take the slow tenant's slots and hang; the third worker puts
// every other slow message back and delivers fast's event while both slow slots are still held
// (the slow receiver answers only after that). Then everything is delivered and every slot is
// given back. Without the share all three workers would hang on slow endpoints.
func TestSlowTenantHoldsUpNoOtherTenant(t *testing.T) {
	ddb, table := emulators.NewTable(t, store.CreateTable)
	db := store.New(ddb, table)
	ctx := t.Context()

	var (
		mu       sync.Mutex
		inFlight int // slow requests waiting for release
		maxSlow  int
	)
	entered := make(chan struct{}, 16)
	release := make(chan struct{})
	var releaseOnce sync.Once
	answer := func() { releaseOnce.Do(func() { close(release) }) }
	fastGot := make(chan string, 1)
	slowDone := make(chan struct{}, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if strings.HasPrefix(r.URL.Path, "/fast/") {
			fastGot <- r.Header.Get(HeaderEventID)
			return
		}
		mu.Lock()
		inFlight++
		maxSlow = max(maxSlow, inFlight)
		mu.Unlock()
		entered <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		slowDone <- struct{}{}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	_, p, _ := net.SplitHostPort(u.Host)
	port, _ := strconv.Atoi(p)

	q := &poolQueue{ch: make(chan Message, 64), held: true}
	svc := New(db, q, Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)),
		WithHTTPClient(egress.NewClient(egress.Policy{LoopbackPorts: []uint16{uint16(port)}})))

	slow, _ := tenant.Parse("slow")
	fast, _ := tenant.Parse("fast")
	if err := db.Create(ctx, slow, plan.Key, plan.Plan{WebhookConcurrency: 2}); err != nil {
		t.Fatal(err)
	}
	endpoint := func(tn tenant.ID, id, path string) {
		t.Helper()
		ep := &Endpoint{ID: id, URL: srv.URL + path + id, EventTypes: []string{events.TypeBusinessEvent}, Enabled: true, CreatedAt: time.Now()}
		if _, err := ep.Rotate(time.Now(), 0); err != nil {
			t.Fatal(err)
		}
		if err := db.Create(ctx, tn, EndpointKey(id), ep); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		endpoint(slow, "we_s"+strconv.Itoa(i), "/slow/")
	}
	endpoint(fast, "we_f", "/fast/")
	event := func(tn tenant.ID) events.Envelope {
		t.Helper()
		e, err := events.New(tn, events.TypeBusinessEvent, "conv-1", "test", events.BusinessEvent{CustomerID: "c1", Kind: "paid", OccurredAt: time.Now().UTC()})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	if err := svc.Fanout(ctx, slow, event(slow)); err != nil { // six deliveries, queued first
		t.Fatal(err)
	}
	fastEvent := event(fast)
	if err := svc.Fanout(ctx, fast, fastEvent); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range q.ch {
				tn, _ := tenant.Parse(m.Tenant)
				if err := svc.Deliver(ctx, tn, m); err != nil {
					t.Errorf("deliver %+v: %v", m, err)
				}
			}
		}()
	}
	stop := func() {
		answer()
		q.close()
		wg.Wait()
	}
	defer stop()
	guard := func(what string, ch <-chan struct{}) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(30 * time.Second): // a guard against a hang, not a measure
			t.Fatalf("%s never happened", what)
		}
	}
	guard("a first slow attempt", entered)
	guard("a second slow attempt", entered)
	select {
	case id := <-fastGot:
		if id != fastEvent.ID {
			t.Fatalf("fast received %s, want %s", id, fastEvent.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the fast tenant's delivery waited behind the slow tenant's")
	}
	mu.Lock()
	held := inFlight
	mu.Unlock()
	putBack, aside := q.counts()
	if held != 2 || putBack != 4 || aside != 4 {
		t.Fatalf("when fast was delivered: %d slow attempts in flight, %d put back (%d kept); want 2, 4, 4", held, putBack, aside)
	}
	q.mu.Lock()
	for _, m := range q.aside {
		if m.Tenant != "slow" || m.Busy != 1 {
			t.Errorf("put back: %+v, want a slow tenant's message put back once", m)
		}
	}
	q.mu.Unlock()

	// The slow receiver answers; the put-back messages come round and are delivered.
	answer()
	q.unhold()
	for i := range 6 {
		guard("slow delivery "+strconv.Itoa(i+1), slowDone)
	}
	if maxSlow > 2 {
		t.Errorf("%d slow attempts at once over a share of 2", maxSlow)
	}
	// Every delivery is done, so no message is left to send: the workers stop. Every delivery is
	// recorded delivered, and the slots are all given back.
	stop()
	if leases, err := db.Leases(ctx, slow, slotsKey); err != nil || len(leases) != 0 {
		t.Fatalf("slots still held after every delivery: %v (%v)", leases, err)
	}
	for i := range 6 {
		id := "we_s" + strconv.Itoa(i)
		res, err := db.Query(ctx, slow, KindDelivery, DeliveryPrefix(id), store.PageRequest{})
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("deliveries of %s: %v %v", id, res.Items, err)
		}
		var d Delivery
		if err := res.Items[0].Decode(&d); err != nil || d.Status != StatusDelivered || d.Attempts != 1 {
			t.Errorf("delivery of %s: %+v %v", id, d, err)
		}
	}
}

// A message put back again and again waits longer each time, up to MaxBusyDelay, so a large
// backlog of one tenant does not spin through the queue.
func TestBusyDelayGrows(t *testing.T) {
	c := Config{}.withDefaults()
	lo := func(int64) int64 { return 0 }
	hi := func(n int64) int64 { return n - 1 }
	for busy, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 3: 8 * time.Second, 6: time.Minute, 100: time.Minute} {
		if got := c.busyDelay(busy, hi); got != want {
			t.Errorf("put back %d times: at most %s, want %s", busy, got, want)
		}
		if got := c.busyDelay(busy, lo); got != want/2 {
			t.Errorf("put back %d times: at least %s, want %s", busy, got, want/2)
		}
	}
}
