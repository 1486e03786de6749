package ratelimit

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/tenant"
)

// keyIsTenant authenticates the key "<tenant>" as a partner key of that tenant.
type keyIsTenant struct{}

func (keyIsTenant) Authenticate(_ context.Context, key string) (auth.Principal, error) {
	id, err := tenant.Parse(key)
	if err != nil {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return auth.Principal{Tenant: id, Role: auth.RolePartner}, nil
}

// Through the HTTP layer: N concurrent chat turns of one tenant beyond its burst → the excess get
// 429 with Retry-After, RateLimit fields and a rate-limited problem; another tenant's turns at the
// same moment all pass.
func TestHTTPConcurrentBeyondBurst(t *testing.T) {
	db, table := newTable(t)
	clk := newClock()
	l := New(db, table, Options{Now: clk.Now, Timeout: time.Minute}) // the defaults: chat 20/s burst 40
	rt := httpapi.NewRouter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	rt.Handle("POST /v1/conversations", func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if _, err := httpapi.TenantPrincipal(ctx, keyIsTenant{}, r, auth.RolePartner); err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(201, map[string]string{"id": "c"}), nil
	})
	rt.SetRateLimiter(l, httpapi.ClassByMethod(httpapi.RateChat))

	const n = 60
	type result struct {
		tenant string
		resp   events.APIGatewayV2HTTPResponse
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n + 20 {
		who := "spiky"
		if i >= n {
			who = "steady"
		}
		wg.Go(func() {
			req := events.APIGatewayV2HTTPRequest{RawPath: "/v1/conversations", Body: "{}",
				Headers: map[string]string{"authorization": "Bearer " + who, "content-type": "application/json"}}
			req.RequestContext.HTTP.Method = "POST"
			<-start
			resp, _ := rt.Serve(context.Background(), req)
			mu.Lock()
			results = append(results, result{who, resp})
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()

	count := map[string]map[int]int{"spiky": {}, "steady": {}}
	for _, r := range results {
		count[r.tenant][r.resp.StatusCode]++
		if r.resp.Headers["RateLimit-Policy"] != `"chat";q=20;w=1;burst=40` {
			t.Fatalf("policy field %q", r.resp.Headers["RateLimit-Policy"])
		}
		if r.resp.StatusCode != 429 {
			continue
		}
		if s, err := strconv.Atoi(r.resp.Headers["Retry-After"]); err != nil || s < 1 {
			t.Fatalf("429 without a Retry-After in seconds: %v", r.resp.Headers)
		}
		var p httpapi.Problem
		if err := json.Unmarshal([]byte(r.resp.Body), &p); err != nil || p.Type != "urn:lingxi:problem:rate-limited" ||
			r.resp.Headers["Content-Type"] != "application/problem+json" {
			t.Fatalf("429 body %s (%v)", r.resp.Body, err)
		}
	}
	if count["spiky"][201] != 40 || count["spiky"][429] != n-40 || count["steady"][201] != 20 {
		t.Fatalf("statuses by tenant %v: want spiky 40×201 and %d×429, steady 20×201", count, n-40)
	}
}
