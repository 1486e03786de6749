package docs

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/webhooks"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

// docsEndpointSecret is the endpoint secret docs/webhooks.md says its sample request is signed with.
const docsEndpointSecret = "whsec_ZG9jcy1leGFtcGxlLXNlY3JldA"

// sentMessages is the webhook queue: it keeps what the service sends.
type sentMessages struct {
	mu   sync.Mutex
	msgs []delivery.Message
}

func (q *sentMessages) Send(_ context.Context, m delivery.Message, _ time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, m)
	return nil
}

// The partner webhook request of docs/webhooks.md is byte for byte what the delivery service
// sends (against the emulators) for the event in its body, to an endpoint with the page's secret,
// at the time of its X-Lingxi-Timestamp: the request line's method, every header field, the body.
// A receiver that checks the page's signature with the page's secret and body accepts it.
func TestPartnerWebhookSample(t *testing.T) {
	page, err := os.ReadFile(filepath.Join(docsDir, "webhooks.md"))
	if err != nil || !strings.Contains(string(page), "`"+docsEndpointSecret+"`") {
		t.Fatalf("webhooks.md no longer names the sample's secret %s (%v)", docsEndpointSecret, err)
	}
	for _, b := range blocksOf(t, "http webhook-request") {
		s := parseHTTPSample(t, b)
		method, _, _ := strings.Cut(s.start, " ")
		ev, err := lxevents.Decode([]byte(s.body))
		if err != nil {
			t.Fatalf("%s: the body is not a valid event: %v", b.Where(), err)
		}
		var ts int64
		for _, h := range s.headers {
			if h[0] == webhooks.HeaderTimestamp {
				ts, _ = strconv.ParseInt(h[1], 10, 64)
			}
		}
		if ts == 0 {
			t.Fatalf("%s: no %s with a time", b.Where(), webhooks.HeaderTimestamp)
		}
		h := sampleHeader(s)
		if err := webhooks.VerifyAt([][]byte{[]byte(docsEndpointSecret)}, h.Get(webhooks.HeaderTimestamp), h.Get(webhooks.HeaderSignature), []byte(s.body), time.Unix(ts, 0), time.Minute); err != nil {
			t.Errorf("%s: the page's signature does not verify with the page's secret: %v", b.Where(), err)
		}

		var (
			mu     sync.Mutex
			got    *http.Request
			gotRaw []byte
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			got, gotRaw = r.Clone(context.Background()), body
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		u, _ := url.Parse(srv.URL)
		_, p, _ := net.SplitHostPort(u.Host)
		port, _ := strconv.Atoi(p)
		ddb, table := emulators.NewTable(t, store.CreateTable)
		clock := func() time.Time { return time.Unix(ts, 0) }
		db := store.New(ddb, table).WithClock(clock)
		q := &sentMessages{}
		svc := delivery.New(db, q, delivery.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)),
			delivery.WithClock(clock), delivery.WithHTTPClient(egress.NewClient(egress.Policy{LoopbackPorts: []uint16{uint16(port)}})))
		tn, err := tenant.Parse(ev.Tenant)
		if err != nil {
			t.Fatal(err)
		}
		ep := delivery.Endpoint{ID: "we_docs", URL: srv.URL + "/lingxi/events", EventTypes: []string{ev.Type}, Enabled: true,
			Secrets: []delivery.Secret{{Value: docsEndpointSecret}}, CreatedAt: clock()}
		ctx := context.Background()
		if err := db.Create(ctx, tn, delivery.EndpointKey(ep.ID), ep); err != nil {
			t.Fatal(err)
		}
		if err := svc.Fanout(ctx, tn, ev); err != nil {
			t.Fatal(err)
		}
		for _, m := range q.msgs {
			if err := svc.Deliver(ctx, tn, m); err != nil {
				t.Fatal(err)
			}
		}
		srv.Close()
		mu.Lock()
		if got == nil {
			t.Fatalf("%s: nothing was delivered", b.Where())
		}
		if got.Method != method {
			t.Errorf("%s: %s; the service sends %s", b.Where(), s.start, got.Method)
		}
		checkHeaders(t, b, s, got.Header, "Content-Length", "Accept-Encoding")
		if string(gotRaw) != s.body {
			t.Errorf("%s: the body is not the one sent:\n%s\nthe service sends\n%s", b.Where(), s.body, gotRaw)
		}
		mu.Unlock()
	}
}

func sampleHeader(s httpSample) http.Header {
	h := http.Header{}
	for _, f := range s.headers {
		h.Add(f[0], f[1])
	}
	return h
}
