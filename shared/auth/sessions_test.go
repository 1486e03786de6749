package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// A session token resolves to its user and role until it expires, and never after.
func TestSessionTokens(t *testing.T) {
	token, err := NewSessionToken()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, SessionPrefix) || len(token) != len(SessionPrefix)+43 {
		t.Fatalf("token %q is not the prefix and 256 bits", token)
	}
	acme, _ := tenant.Parse("acme")
	start := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	s, ops := SessionRecords(acme, token, "usr_1", RoleAgent, start)
	if s.ID != Hash(token) || !s.ExpiresAt.Equal(start.Add(SessionTTL)) || len(ops) != 2 {
		t.Fatalf("session %+v, %d ops", s, len(ops))
	}
	owners := map[string]SessionOwner{Hash(token): {Tenant: "acme", UserID: "usr_1", Role: RoleAgent, ExpiresAt: s.ExpiresAt}}
	lookup := lookupFunc(func(_ context.Context, k store.Key, out any) (int64, error) {
		o, ok := owners[k.ID]
		if !ok || k.Kind != KindSessionHash {
			return 0, store.ErrNotFound
		}
		*out.(*SessionOwner) = o
		return 1, nil
	})
	now := start
	a, err := NewAuthenticator(lookup, "")
	if err != nil {
		t.Fatal(err)
	}
	a.WithClock(func() time.Time { return now })
	p, err := a.Authenticate(context.Background(), token)
	if err != nil || p.Tenant != acme || p.Role != RoleAgent || p.UserID != "usr_1" || p.KeyID != "" || p.Actor() != "user/usr_1" {
		t.Fatalf("session: %+v %v", p, err)
	}
	if p.Role.Allows(RoleAdmin) || p.Role.Allows(RolePartner) || !RoleSupervisor.Allows(RoleAgent) {
		t.Fatal("an agent's session must not pass admin or partner routes")
	}
	for _, bad := range []string{SessionPrefix + "unknown", token + "x", strings.Replace(token, SessionPrefix, KeyPrefix, 1)} {
		if _, err := a.Authenticate(context.Background(), bad); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("Authenticate(%q) = %v", bad, err)
		}
	}
	now = s.ExpiresAt
	if _, err := a.Authenticate(context.Background(), token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("expired session: %v", err)
	}
}
