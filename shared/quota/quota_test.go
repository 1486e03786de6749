package quota

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

func newStore(t *testing.T) (*store.Store, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	db, table := emulators.NewTable(t, store.CreateTable)
	return store.New(db, table), ctx
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A tenant from before quotas: many requests ensure its counter at once; all get the same count
// and one counter item exists.
func TestEnsureTalliesOnce(t *testing.T) {
	s, ctx := newStore(t)
	acme := mustTenant(t, "acme")
	for i, role := range []auth.Role{auth.RoleAdmin, auth.RolePartner, auth.RoleAdmin} {
		id := fmt.Sprintf("key%d", i)
		if err := s.Create(ctx, acme, store.Key{Kind: auth.KindKey, ID: id}, auth.Key{ID: id, Role: role}); err != nil {
			t.Fatal(err)
		}
	}
	for i, state := range []string{"active", "ended", "handoff"} {
		if err := s.Create(ctx, acme, store.Key{Kind: "conversation", ID: fmt.Sprint(i)}, map[string]string{"state": state}); err != nil {
			t.Fatal(err)
		}
	}
	l := New(s)
	var wg sync.WaitGroup
	got := make([]Usage, 8)
	for i := range got {
		wg.Go(func() {
			u, err := l.Ensure(ctx, acme, APIKeys)
			if err != nil {
				t.Error(err)
			}
			got[i] = u
		})
	}
	wg.Wait()
	for _, u := range got {
		if u != (Usage{Count: 3, Admins: 2}) {
			t.Fatalf("Ensure = %+v, want 3 keys, 2 admins", u)
		}
	}
	if u, err := l.Ensure(ctx, acme, LiveConversations); err != nil || u.Count != 2 {
		t.Fatalf("live conversations %+v %v, want 2", u, err)
	}
}

func TestCountRefusedAndCheck(t *testing.T) {
	s, ctx := newStore(t)
	acme := mustTenant(t, "acme")
	if err := s.Tx(ctx, CreateOps(acme, 1)...); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, acme, plan.Key, plan.Plan{Quotas: plan.Quotas{Flows: 2}}); err != nil {
		t.Fatal(err)
	}
	l := New(s)
	for i := range 2 {
		if err := l.Check(ctx, acme, Flows, 1); err != nil {
			t.Fatalf("check %d: %v", i, err)
		}
		c, err := l.Count(ctx, acme, Flows, 1)
		if err != nil || c.Limit != 2 {
			t.Fatalf("count: %+v %v", c, err)
		}
		if err := s.Tx(ctx, c.Ops...); err != nil {
			t.Fatal(err)
		}
	}
	var he *httpapi.Error
	if err := l.Check(ctx, acme, Flows, 1); !errors.As(err, &he) || he.Quota == nil || *he.Quota != (httpapi.QuotaUsage{Name: "flows", Limit: 2, Usage: 2}) {
		t.Fatalf("check at the limit: %v", err)
	}
	c, err := l.Count(ctx, acme, Flows, 1)
	if err != nil {
		t.Fatal(err)
	}
	txErr := s.Tx(ctx, c.Ops...)
	if err := l.Refused(ctx, acme, c, txErr); !errors.As(err, &he) || he.Kind != httpapi.KindQuotaExceeded {
		t.Fatalf("refused: %v (tx %v)", err, txErr)
	}
	// Another resource's failure is not this quota's refusal.
	if err := l.Refused(ctx, acme, Counted{Resource: Intents, N: 1}, txErr); err != nil {
		t.Fatalf("refused for intents: %v", err)
	}
	// Removing is never bounded.
	c, err = l.Count(ctx, acme, Flows, -2)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, c.Ops...); err != nil {
		t.Fatal(err)
	}
	if u, _, _ := l.Get(ctx, acme, Flows); u.Count != 0 {
		t.Fatalf("flows %d after removing 2", u.Count)
	}
}

// The last admin key cannot be released; a partner key can always be.
func TestReleaseKeyKeepsOneAdmin(t *testing.T) {
	s, ctx := newStore(t)
	acme := mustTenant(t, "acme")
	if err := s.Tx(ctx, CreateOps(acme, 1)...); err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, TakeKey(acme, false, 50)); err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, ReleaseKey(acme, true)); !Exceeded(err, APIKeys) {
		t.Fatalf("releasing the last admin key: %v", err)
	}
	if err := s.Tx(ctx, ReleaseKey(acme, false)); err != nil {
		t.Fatalf("releasing a partner key: %v", err)
	}
	if u, _, _ := New(s).Get(ctx, acme, APIKeys); u != (Usage{Count: 1, Admins: 1}) {
		t.Fatalf("usage %+v", u)
	}
}

func TestResourcesHaveLimitsAndKinds(t *testing.T) {
	d := plan.DefaultQuotas()
	for _, r := range Resources {
		if r.Limit(d) <= 0 {
			t.Errorf("%s has no default limit", r)
		}
		if back, ok := ForKind(kinds[r]); !ok || back != r {
			t.Errorf("%s: kind %q maps back to %q", r, kinds[r], back)
		}
	}
}

// The named resources are the plan's quotas, in its order, and each one's limit is its field.
func TestResourcesArePlanQuotas(t *testing.T) {
	want := []Resource{APIKeys, Models, Intents, Articles, Flows, LiveConversations, WebhookEndpoints, Numbers, Trunks, SIPAccounts, Users}
	if fmt.Sprint(Resources) != fmt.Sprint(want) || len(kinds) != len(Resources) {
		t.Fatalf("Resources %v, kinds %v; want %v", Resources, kinds, want)
	}
	q := plan.Quotas{APIKeys: 1, Models: 2, Intents: 3, Articles: 4, Flows: 5, LiveConversations: 6, WebhookEndpoints: 7, Numbers: 8, Trunks: 9, SIPAccounts: 10, Users: 11}
	for i, r := range want {
		if r.Limit(q) != int64(i+1) {
			t.Errorf("%s.Limit = %d, want %d", r, r.Limit(q), i+1)
		}
	}
	if Resource("nope").Limit(q) != 0 {
		t.Error("an unknown resource has a limit")
	}
}
