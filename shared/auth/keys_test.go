package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

func TestBearerKey(t *testing.T) {
	tests := map[string]struct {
		header, key string
		ok          bool
	}{
		"bearer":           {"Bearer lxk_abc", "lxk_abc", true},
		"case insensitive": {"bearer lxk_abc", "lxk_abc", true},
		"extra spaces":     {"  Bearer   lxk_abc  ", "lxk_abc", true},
		"basic":            {"Basic dXNlcjpwYXNz", "", false},
		"no scheme":        {"lxk_abc", "", false},
		"empty key":        {"Bearer ", "", false},
		"too long":         {"Bearer " + strings.Repeat("k", 257), "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			key, ok := BearerKey(tc.header)
			if ok != tc.ok || (ok && key != tc.key) {
				t.Fatalf("BearerKey(%q) = %q, %v", tc.header, key, ok)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	if !RoleAdmin.Allows(RolePartner) || !RolePartner.Allows(RolePartner) || RolePartner.Allows(RoleAdmin) {
		t.Fatal("admin must allow everything, partner only partner routes")
	}
	if Role("root").Valid() || !RoleAdmin.Valid() {
		t.Fatal("role validity")
	}
}

// lookupFunc adapts a function to Lookup.
type lookupFunc func(ctx context.Context, k store.Key, out any) (int64, error)

func (f lookupFunc) PlatformGet(ctx context.Context, k store.Key, out any) (int64, error) {
	return f(ctx, k, out)
}

func TestAuthenticate(t *testing.T) {
	key, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, KeyPrefix) || len(key) != len(KeyPrefix)+43 {
		t.Fatalf("key %q is not the prefix and 256 bits", key)
	}
	acme, _ := tenant.Parse("acme")
	owners := map[string]Owner{Hash(key): {Tenant: acme.String(), KeyID: "key_1", Role: RolePartner}}
	lookup := lookupFunc(func(_ context.Context, k store.Key, out any) (int64, error) {
		o, ok := owners[k.ID]
		if !ok || k.Kind != KindKeyHash {
			return 0, store.ErrNotFound
		}
		*out.(*Owner) = o
		return 1, nil
	})
	a, err := NewAuthenticator(lookup, Hash("the-admin-key"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(context.Background(), key)
	if err != nil || p.Tenant != acme || p.Role != RolePartner || p.Admin {
		t.Fatalf("tenant key: %+v %v", p, err)
	}
	if p, err := a.Authenticate(context.Background(), "the-admin-key"); err != nil || !p.Admin || !p.Tenant.IsZero() {
		t.Fatalf("admin key: %+v %v", p, err)
	}
	for _, bad := range []string{"lxk_unknown", "the-admin-key ", "", key + "x"} {
		if _, err := a.Authenticate(context.Background(), bad); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("Authenticate(%q) = %v, want ErrUnauthenticated", bad, err)
		}
	}
	if _, err := NewAuthenticator(lookup, "not-hex"); err == nil {
		t.Fatal("a malformed admin hash was accepted")
	}
}
