package quota

import (
	"fmt"
	"testing"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/store"
)

// Recording models beyond the quota prunes the oldest ones not kept; the count stays at the limit.
func TestRecordModelPrunes(t *testing.T) {
	s, ctx := newStore(t)
	acme := mustTenant(t, "acme")
	if err := s.Tx(ctx, CreateOps(acme, 1)...); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, acme, plan.Key, plan.Plan{Quotas: plan.Quotas{Models: 3}}); err != nil {
		t.Fatal(err)
	}
	l := New(s)
	record := func(version string, keep ...string) (ModelRecord, error) {
		rec, err := l.RecordModel(ctx, acme, keep...)
		if err != nil {
			return rec, err
		}
		ops := append(rec.Ops, store.CreateOp(acme, store.Key{Kind: botconfig.KindModel, ID: version}, botconfig.Model{Version: version}))
		return rec, s.Tx(ctx, ops...)
	}
	versions := func() []string {
		res, err := s.Query(ctx, acme, botconfig.KindModel, "", store.PageRequest{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range res.Items {
			out = append(out, r.Key.ID)
		}
		return out
	}
	for i := range 3 {
		if rec, err := record(fmt.Sprintf("v%d", i)); err != nil || len(rec.Pruned) != 0 {
			t.Fatalf("record v%d: %+v %v", i, rec, err)
		}
	}
	// At the quota: v0 is active and kept, v1 is the oldest other one.
	rec, err := record("v3", "v0")
	if err != nil || fmt.Sprint(rec.Pruned) != "[v1]" {
		t.Fatalf("record v3: pruned %v, %v", rec.Pruned, err)
	}
	if got := fmt.Sprint(versions()); got != "[v0 v2 v3]" {
		t.Fatalf("models %s", got)
	}
	if u, _, _ := l.Get(ctx, acme, Models); u.Count != 3 {
		t.Fatalf("count %d", u.Count)
	}
	// Every model kept: nothing can go, so the recording is refused by the quota.
	if _, err := record("v4", "v0", "v2", "v3"); !Exceeded(err, Models) {
		t.Fatalf("record with all kept: %v", err)
	}
	// The quota lowered to 1: the next recording catches up.
	if _, err := s.Put(ctx, acme, plan.Key, plan.Plan{Quotas: plan.Quotas{Models: 1}}, 1); err != nil {
		t.Fatal(err)
	}
	if rec, err := record("v5", "v5"); err != nil || fmt.Sprint(rec.Pruned) != "[v0 v2 v3]" {
		t.Fatalf("record after lowering: %+v %v", rec, err)
	}
	if got := fmt.Sprint(versions()); got != "[v5]" {
		t.Fatalf("models %s", got)
	}
}
