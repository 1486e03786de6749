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

// A visitor token resolves to its conversation until it expires; Authenticate never takes one, so
// no route other than the conversation's own accepts it.
func TestVisitorTokens(t *testing.T) {
	token, err := NewVisitorToken()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, VisitorPrefix) || len(token) != len(VisitorPrefix)+43 {
		t.Fatalf("token %q is not the prefix and 256 bits", token)
	}
	acme, _ := tenant.Parse("acme")
	start := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	owners := map[string]VisitorOwner{Hash(token): {Tenant: "acme", ConversationID: "conv_1", WidgetID: "lxw_1", ExpiresAt: start.Add(VisitorTTL)}}
	lookup := lookupFunc(func(_ context.Context, k store.Key, out any) (int64, error) {
		o, ok := owners[k.ID]
		if !ok || k.Kind != KindVisitorHash {
			return 0, store.ErrNotFound
		}
		*out.(*VisitorOwner) = o
		return 1, nil
	})
	now := start
	a, _ := NewAuthenticator(lookup, "")
	a.WithClock(func() time.Time { return now })
	p, err := a.Visitor(context.Background(), token)
	if err != nil || p.Tenant != acme || p.Role != RoleVisitor || p.ConversationID != "conv_1" || p.WidgetID != "lxw_1" || p.Actor() != "visitor" {
		t.Fatalf("visitor: %+v %v", p, err)
	}
	if p.Role.Allows(RolePartner) || p.Role.Allows(RoleAgent) || p.Role.Valid() || p.Role.ValidUser() {
		t.Fatal("a visitor token must allow nothing but its conversation")
	}
	if _, err := a.Authenticate(context.Background(), token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("Authenticate(visitor token) = %v, want ErrUnauthenticated", err)
	}
	for _, bad := range []string{VisitorPrefix + "unknown", token + "x", strings.Replace(token, VisitorPrefix, SessionPrefix, 1), ""} {
		if _, err := a.Visitor(context.Background(), bad); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("Visitor(%q) = %v", bad, err)
		}
	}
	now = start.Add(VisitorTTL)
	if _, err := a.Visitor(context.Background(), token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("expired visitor token: %v", err)
	}
}
