package voicecfg_test

import (
	"context"
	"errors"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// fixture is a table on the emulators with a clock that tests move, and two tenants.
type fixture struct {
	db       *store.Store
	vs       *voicecfg.Store
	skew     atomic.Int64
	acme, zz tenant.ID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{}
	ddb, table := emulators.NewTable(t, store.CreateTable)
	clock := func() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) }
	f.db = store.New(ddb, table).WithClock(clock)
	f.vs = voicecfg.NewStore(f.db, voicecfg.WithClock(clock))
	f.acme, _ = tenant.Parse("acme")
	f.zz, _ = tenant.Parse("zz-bank")
	return f
}

// tx writes ops, as the api function does.
func (f *fixture) tx(t *testing.T, ops ...store.Op) {
	t.Helper()
	if err := f.db.Tx(context.Background(), ops...); err != nil {
		t.Fatal(err)
	}
}

func TestDirectoryNumber(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ha1 := voicecfg.HA1("carrier", "s3cret-pass")
	f.tx(t,
		store.CreateOp(f.acme, voicecfg.TrunkKey("carrier"), voicecfg.TrunkRecord{Name: "carrier", CIDRs: []string{"203.0.113.0/24", "2001:db8::/48"},
			Transport: "udp", Username: "carrier", HA1: ha1}),
		store.CreateOp(f.acme, voicecfg.TrunkKey("backup"), voicecfg.TrunkRecord{Name: "backup", CIDRs: []string{"127.0.0.1/32"}, Transport: "tls", SRTP: true}),
		store.CreateOp(f.acme, voicecfg.NumberKey("+862160001234"), voicecfg.NumberRecord{E164: "+862160001234", Language: "zh", Trunks: []string{"carrier"}}),
		store.PlatformCreateOp(voicecfg.NumberKey("+862160001234"), voicecfg.Owner{Tenant: "acme"}),
		store.CreateOp(f.acme, voicecfg.NumberKey("+14155550100"), voicecfg.NumberRecord{E164: "+14155550100"}),
		store.PlatformCreateOp(voicecfg.NumberKey("+14155550100"), voicecfg.Owner{Tenant: "acme"}),
	)

	n, trunks, err := f.vs.Number(ctx, "+862160001234")
	if err != nil {
		t.Fatal(err)
	}
	if n.Tenant != f.acme || n.Language != "zh" || len(n.Trunks) != 1 || len(trunks) != 1 {
		t.Fatalf("number %+v trunks %+v", n, trunks)
	}
	tr := trunks[0]
	want := []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/48")}
	if tr.Name != "carrier" || tr.Tenant != f.acme || tr.HA1 != ha1 || tr.Username != "carrier" || len(tr.CIDRs) != 2 || tr.CIDRs[0] != want[0] || tr.CIDRs[1] != want[1] {
		t.Fatalf("trunk %+v", tr)
	}

	// A number that names no trunk is delivered by any trunk of its tenant.
	_, trunks, err = f.vs.Number(ctx, "+14155550100")
	if err != nil || len(trunks) != 2 {
		t.Fatalf("all trunks: %v %+v", err, trunks)
	}
	for _, tr := range trunks {
		if tr.Name == "backup" && (!tr.SRTP || tr.Transport != "tls" || tr.CIDRs[0] != netip.MustParsePrefix("127.0.0.1/32")) {
			t.Fatalf("backup trunk %+v", tr)
		}
	}

	for _, missing := range []string{"+862160009999", "not-a-number", "", "+0123456789"} {
		if _, _, err := f.vs.Number(ctx, missing); !errors.Is(err, voicecfg.ErrNotFound) {
			t.Fatalf("Number(%q): %v", missing, err)
		}
	}
}

func TestDirectoryAccountAndTransfer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ha1 := voicecfg.HA1("alice", "correct horse")
	f.tx(t,
		store.CreateOp(f.zz, voicecfg.AccountKey("alice"), voicecfg.AccountRecord{Username: "alice", HA1: ha1}),
		store.PlatformCreateOp(voicecfg.AccountKey("alice"), voicecfg.Owner{Tenant: "zz-bank"}),
		store.CreateOp(f.zz, voicecfg.TransferKey("cards"), voicecfg.TransferRecord{Queue: "cards", Target: "account:alice"}),
	)
	a, err := f.vs.Account(ctx, "alice")
	if err != nil || a.Tenant != f.zz || a.HA1 != ha1 || a.Username != "alice" {
		t.Fatalf("account %+v %v", a, err)
	}
	for _, missing := range []string{"bob", "Alice", "", "../alice"} {
		if _, err := f.vs.Account(ctx, missing); !errors.Is(err, voicecfg.ErrNotFound) {
			t.Fatalf("Account(%q): %v", missing, err)
		}
	}
	tt, err := f.vs.TransferTarget(ctx, f.zz, "cards")
	if err != nil || tt.Target != "account:alice" || tt.Tenant != f.zz || tt.Queue != "cards" {
		t.Fatalf("target %+v %v", tt, err)
	}
	// Another tenant's queue of the same name is not this one.
	if _, err := f.vs.TransferTarget(ctx, f.acme, "cards"); !errors.Is(err, voicecfg.ErrNotFound) {
		t.Fatalf("acme's cards queue: %v", err)
	}
}

func TestRegistrations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := time.Now()
	a := voicecfg.Registration{Tenant: f.zz, Username: "alice", Contact: "sip:alice@127.0.0.1:5070;transport=udp", Expires: now.Add(time.Hour), Edge: "127.0.0.1:5060"}
	b := voicecfg.Registration{Tenant: f.zz, Username: "alice", Contact: "sip:alice@127.0.0.1:5080", Expires: now.Add(2 * time.Minute), Edge: "127.0.0.1:5062"}
	other := voicecfg.Registration{Tenant: f.zz, Username: "alice2", Contact: "sip:alice2@127.0.0.1:5090", Expires: now.Add(time.Hour)}
	for _, r := range []voicecfg.Registration{a, b, other} {
		if err := f.vs.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	regs, err := f.vs.Lookup(ctx, f.zz, "alice")
	if err != nil || len(regs) != 2 || regs[0].Contact != b.Contact || regs[1].Contact != a.Contact || regs[1].Edge != a.Edge {
		t.Fatalf("lookup: %v %+v", err, regs)
	}
	if !regs[0].Expires.Equal(b.Expires.UTC()) && regs[0].Expires.Sub(b.Expires).Abs() > time.Millisecond {
		t.Fatalf("expires %v, want %v", regs[0].Expires, b.Expires)
	}
	// Another tenant sees none of them.
	if regs, err := f.vs.Lookup(ctx, f.acme, "alice"); err != nil || len(regs) != 0 {
		t.Fatalf("acme sees %+v %v", regs, err)
	}

	// A refresh replaces the contact's registration rather than adding one.
	a.Expires = now.Add(3 * time.Hour)
	if err := f.vs.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
	if regs, _ := f.vs.Lookup(ctx, f.zz, "alice"); len(regs) != 2 || !regs[1].Expires.Equal(a.Expires.UTC()) {
		t.Fatalf("after refresh: %+v", regs)
	}

	// Expires in the past (REGISTER with Expires: 0) removes it; removing twice is fine.
	b.Expires = now.Add(-time.Second)
	for range 2 {
		if err := f.vs.Put(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if regs, _ := f.vs.Lookup(ctx, f.zz, "alice"); len(regs) != 1 || regs[0].Contact != a.Contact {
		t.Fatalf("after unregister: %+v", regs)
	}

	// Time passes: a registration past its Expires is gone for Lookup, before any sweeper ran.
	f.skew.Store(int64(4 * time.Hour))
	if regs, _ := f.vs.Lookup(ctx, f.zz, "alice"); len(regs) != 0 {
		t.Fatalf("expired registrations returned: %+v", regs)
	}
	// And a new registration of the same contact takes the expired item's place.
	a.Expires = time.Now().Add(5 * time.Hour)
	if err := f.vs.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
	if regs, _ := f.vs.Lookup(ctx, f.zz, "alice"); len(regs) != 1 {
		t.Fatalf("re-registered: %+v", regs)
	}
}

// Concurrent refreshes of one contact by edge tasks all succeed and leave one registration.
func TestRegistrationRefreshRace(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := voicecfg.Registration{Tenant: f.zz, Username: "bob", Contact: "sip:bob@127.0.0.1:5072", Expires: time.Now().Add(time.Hour)}
	errs := make(chan error, 3)
	for i := range 3 {
		go func() {
			r := r
			r.Expires = r.Expires.Add(time.Duration(i) * time.Second)
			errs <- f.vs.Put(ctx, r)
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if regs, err := f.vs.Lookup(ctx, f.zz, "bob"); err != nil || len(regs) != 1 {
		t.Fatalf("%v %+v", err, regs)
	}
}
