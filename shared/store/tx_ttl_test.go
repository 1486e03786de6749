package store

import (
	"testing"
	"time"
)

// CreateOp and PutOp take WithTTL like Create and Put, so an item with a TTL can be written in
// the same transaction as its outbox records.
func TestTxOpsWriteTTL(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	exp := time.Unix(2_000_000_000, 1)
	a, b := Key{"doc", "ttl-a"}, Key{"doc", "ttl-b"}
	if err := e.s.Tx(e.ctx, CreateOp(acme, a, doc{Name: "a"}, WithTTL(exp)), CreateOp(acme, b, doc{Name: "b"})); err != nil {
		t.Fatal(err)
	}
	if got := numAttr(e.raw(t, "T#acme#doc", "ttl-a"), AttrTTL); got != 2_000_000_001 {
		t.Fatalf("created ttl = %d", got)
	}
	if item := e.raw(t, "T#acme#doc", "ttl-b"); item[AttrTTL] != nil {
		t.Fatalf("op without WithTTL wrote a ttl: %v", item)
	}
	if err := e.s.Tx(e.ctx, PutOp(acme, a, doc{Name: "a2"}, 1), PutOp(acme, b, doc{Name: "b2"}, 1, WithTTL(exp.Add(time.Hour)))); err != nil {
		t.Fatal(err)
	}
	if item := e.raw(t, "T#acme#doc", "ttl-a"); item[AttrTTL] != nil {
		t.Fatalf("ttl survived a PutOp without WithTTL: %v", item)
	}
	if got := numAttr(e.raw(t, "T#acme#doc", "ttl-b"), AttrTTL); got != 2_000_003_601 {
		t.Fatalf("put ttl = %d", got)
	}
	// An expired item is absent to the store: a CreateOp may replace it.
	e.clock.Advance(time.Until(exp) + 2*time.Hour) // past b's TTL
	if err := e.s.Tx(e.ctx, CreateOp(acme, b, doc{Name: "again"})); err != nil {
		t.Fatalf("create over an expired item: %v", err)
	}
}
