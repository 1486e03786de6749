package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/tenant"
)

// oneTenant authenticates every key as an admin key of tenant "acme".
type oneTenant struct{ t tenant.ID }

func (o oneTenant) Authenticate(context.Context, string) (auth.Principal, error) {
	return auth.Principal{Tenant: o.t, Role: auth.RoleAdmin}, nil
}

// scripted answers Allow with its next decision and records the classes asked for.
type scripted struct {
	answers []RateDecision
	err     error
	classes []RateClass
}

func (s *scripted) Allow(_ context.Context, _ tenant.ID, c RateClass) (RateDecision, error) {
	s.classes = append(s.classes, c)
	if s.err != nil {
		return RateDecision{}, s.err
	}
	d := s.answers[0]
	s.answers = s.answers[1:]
	return d, nil
}

func TestRateLimitHook(t *testing.T) {
	acme, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	authn := oneTenant{acme}
	ok := func(ctx context.Context, r *Request) (Response, error) {
		if _, err := TenantPrincipal(ctx, authn, r, auth.RoleAdmin); err != nil {
			return Response{}, err
		}
		if _, err := TenantPrincipal(ctx, authn, r, auth.RoleAdmin); err != nil { // a second gate takes nothing more
			return Response{}, err
		}
		return JSON(200, map[string]string{"ok": "yes"}), nil
	}
	policy := RateDecision{Quota: 20, Window: time.Second, Burst: 40}
	admitted, refused := policy, policy
	admitted.Allowed, admitted.Remaining, admitted.Reset = true, 39, 50*time.Millisecond
	refused.Reset, refused.RetryAfter = 2*time.Second, 1500*time.Millisecond

	tests := map[string]struct {
		route, method string
		limiter       *scripted
		status        int
		headers       map[string]string
		class         RateClass
	}{
		"admitted": {"POST /v1/things", "POST", &scripted{answers: []RateDecision{admitted}}, 200,
			map[string]string{"RateLimit-Policy": `"train";q=20;w=1;burst=40`, "RateLimit": `"train";r=39;t=1`, "Retry-After": ""}, RateTrain},
		"refused": {"POST /v1/things", "POST", &scripted{answers: []RateDecision{refused}}, 429,
			map[string]string{"RateLimit": `"train";r=0;t=2`, "Retry-After": "2"}, RateTrain},
		"read": {"GET /v1/things", "GET", &scripted{answers: []RateDecision{admitted}}, 200,
			map[string]string{"RateLimit": `"read";r=39;t=1`}, RateRead},
		"unlimited": {"GET /v1/things", "GET", &scripted{answers: []RateDecision{{Allowed: true, Unlimited: true}}}, 200,
			map[string]string{"RateLimit": "", "RateLimit-Policy": ""}, RateRead},
		"limiter down fails open": {"POST /v1/things", "POST", &scripted{err: errors.New("dynamodb unreachable")}, 200,
			map[string]string{"RateLimit": "", "Retry-After": ""}, RateTrain},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rt := NewRouter(slog.New(slog.NewTextHandler(io.Discard, nil)))
			rt.Handle(tc.route, ok)
			rt.SetRateLimiter(tc.limiter, func(route string) RateClass {
				if route == "POST /v1/things" {
					return RateTrain
				}
				return ClassByMethod(RateConfig)(route)
			})
			req := request(tc.method, "/v1/things", "")
			req.Headers["authorization"] = "Bearer k"
			resp, err := rt.Serve(t.Context(), req)
			if err != nil || resp.StatusCode != tc.status {
				t.Fatalf("status %d (%v), want %d: %s", resp.StatusCode, err, tc.status, resp.Body)
			}
			for k, want := range tc.headers {
				if got := resp.Headers[k]; got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			if len(tc.limiter.classes) != 1 || tc.limiter.classes[0] != tc.class {
				t.Errorf("limiter asked for %v, want once for %s", tc.limiter.classes, tc.class)
			}
			if tc.status == 429 {
				if p := problemOf(t, resp); p.Type != "urn:lingxi:problem:rate-limited" || p.Status != 429 || p.Detail == "" {
					t.Errorf("problem %+v", p)
				}
			}
		})
	}
}

// Routes that never resolve a tenant key (the platform admin's) and routers without a limiter
// carry no rate headers.
func TestNoRateLimitWithoutTenant(t *testing.T) {
	rt := NewRouter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	rt.Handle("POST /v1/tenants", func(context.Context, *Request) (Response, error) { return JSON(201, nil), nil })
	lim := &scripted{}
	rt.SetRateLimiter(lim, nil)
	resp, _ := rt.Serve(t.Context(), request("POST", "/v1/tenants", ""))
	if resp.StatusCode != 201 || resp.Headers["RateLimit"] != "" || len(lim.classes) != 0 {
		t.Fatalf("%d %v %v", resp.StatusCode, resp.Headers, lim.classes)
	}
	var _ events.APIGatewayV2HTTPResponse = resp
}
