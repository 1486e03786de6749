package overlay

import (
	"context"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Read answers the empty state before the engine's first decision, then what was written, only
// to its tenant; For and InForce see an activation only before its Until.
func TestReadForInForce(t *testing.T) {
	ctx := context.Background()
	db := store.New(emulators.NewTable(t, store.CreateTable))
	acme, _ := tenant.Parse("acme")
	other, _ := tenant.Parse("other")
	st, ver, err := Read(ctx, db, acme)
	if err != nil || ver != 0 || len(st.Active) != 0 {
		t.Fatalf("before any decision: %+v %d %v", st, ver, err)
	}
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	a := strategy.Activation{ID: "act-20261208T1000-general-overflow", Queue: "general", Strategy: strategy.Overflow,
		Params: strategy.Params{OverflowSkills: []string{"spare"}}, Source: strategy.ByEngine, Since: now, Until: now.Add(15 * time.Minute)}
	if _, err := db.Put(ctx, acme, Key, State{Active: []strategy.Activation{a}, LastDecision: "20261208T1000", LastAt: now}, 0); err != nil {
		t.Fatal(err)
	}
	st, ver, err = Read(ctx, db, acme)
	if err != nil || ver != 1 || len(st.Active) != 1 || st.Active[0].Params.OverflowSkills[0] != "spare" {
		t.Fatalf("after a decision: %+v %d %v", st, ver, err)
	}
	if got, ok := st.For("general", strategy.Overflow, now.Add(14*time.Minute)); !ok || got.ID != a.ID {
		t.Fatalf("For before Until: %+v %v", got, ok)
	}
	if _, ok := st.For("general", strategy.Overflow, now.Add(15*time.Minute)); ok {
		t.Fatal("For at Until: still in force")
	}
	if _, ok := st.For("general", strategy.Divert, now); ok {
		t.Fatal("For another strategy")
	}
	if n := len(st.InForce(now)); n != 1 {
		t.Fatalf("InForce now: %d", n)
	}
	if n := len(st.InForce(now.Add(time.Hour))); n != 0 {
		t.Fatalf("InForce after Until: %d", n)
	}
	if st, ver, err := Read(ctx, db, other); err != nil || ver != 0 || len(st.Active) != 0 {
		t.Fatalf("another tenant reads %+v %d %v", st, ver, err)
	}
}
