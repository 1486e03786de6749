package httpapi

import (
	"context"
	"errors"

	"github.com/lingxi/lingxi/shared/auth"
)

// Authenticator resolves an API key; *auth.Authenticator is one.
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (auth.Principal, error)
}

var _ Authenticator = (*auth.Authenticator)(nil)

// Principal resolves the request's bearer API key. Its errors are caller-facing: 401 for a missing
// or unknown key; a store failure stays internal.
func Principal(ctx context.Context, a Authenticator, r *Request) (auth.Principal, error) {
	key, ok := auth.BearerKey(r.Header("authorization"))
	if !ok {
		return auth.Principal{}, Errorf(KindUnauthenticated, "send Authorization: Bearer <api key>")
	}
	p, err := a.Authenticate(ctx, key)
	if errors.Is(err, auth.ErrUnauthenticated) {
		return auth.Principal{}, Errorf(KindUnauthenticated, "the API key is not valid")
	}
	return p, err
}

// TenantPrincipal resolves the request's key and admits only a tenant key whose role allows need:
// the tenant a route acts for comes from here. It also takes the request from the tenant's rate
// limit when the router has a limiter (ratelimit.go).
func TenantPrincipal(ctx context.Context, a Authenticator, r *Request, need auth.Role) (auth.Principal, error) {
	p, err := Principal(ctx, a, r)
	if err != nil {
		return auth.Principal{}, err
	}
	if p.Admin || p.Tenant.IsZero() {
		return auth.Principal{}, Errorf(KindForbidden, "the platform-admin key only creates tenants; use a tenant key")
	}
	if !p.Role.Allows(need) {
		return auth.Principal{}, Errorf(KindForbidden, "this route needs a key with role %q", need)
	}
	if err := r.takeRate(ctx, p.Tenant); err != nil {
		return auth.Principal{}, err
	}
	return p, nil
}

// Marshal encodes v as JSON the way responses are written (no HTML escaping), so a stored
// response can be replayed byte for byte.
func Marshal(v any) ([]byte, error) { return marshal(v) }
