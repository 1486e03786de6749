package docs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/store"
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

// The rate-limit answers of docs/limits.md are what the router and the limiter (against the
// emulators, the default plan) answer to a burst of chat turns at one instant: the third turn's
// RateLimit fields, and the whole 429 of the 41st.
func TestRateLimitSamples(t *testing.T) {
	db, table := emulators.NewTable(t, store.CreateTable)
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	l := ratelimit.New(db, table, ratelimit.Options{Now: func() time.Time { return now }, Timeout: time.Minute})
	rt := httpapi.NewRouter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	rt.Handle("POST /v1/conversations/{id}/messages", func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if _, err := httpapi.TenantPrincipal(ctx, keyIsTenant{}, r, auth.RolePartner); err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, map[string]string{"reply": "hi"}), nil
	})
	rt.SetRateLimiter(l, httpapi.ClassByMethod(httpapi.RateChat))
	var answers []events.APIGatewayV2HTTPResponse
	for range 41 {
		req := events.APIGatewayV2HTTPRequest{RawPath: "/v1/conversations/conv_1/messages", Body: `{"text":"hi"}`,
			Headers: map[string]string{"authorization": "Bearer acme", "content-type": "application/json"}}
		req.RequestContext.HTTP.Method = http.MethodPost
		resp, err := rt.Serve(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, resp)
	}
	header := func(m map[string]string, only ...string) http.Header {
		h := http.Header{}
		for k, v := range m {
			if len(only) == 0 || strings.HasPrefix(k, only[0]) {
				h.Set(k, v)
			}
		}
		return h
	}
	for _, b := range blocksOf(t, "http ratelimit-headers") {
		checkHeaders(t, b, parseHTTPSample(t, b), header(answers[2].Headers, "RateLimit"))
	}
	for _, b := range blocksOf(t, "http ratelimit-refusal") {
		s := parseHTTPSample(t, b)
		got := answers[40]
		if want := fmt.Sprintf("HTTP/1.1 %d %s", got.StatusCode, http.StatusText(got.StatusCode)); s.start != want {
			t.Errorf("%s: %q; the 41st turn is answered %q", b.Where(), s.start, want)
		}
		checkHeaders(t, b, s, header(got.Headers))
		if err := jsonMatches(s.body, got.Body); err != nil {
			t.Errorf("%s: body: %v\n(the code: %s)", b.Where(), err, got.Body)
		}
	}
}
