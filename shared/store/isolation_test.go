package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestTenantIsolation: tenant A, naming exactly B's keys, ids and cursors, cannot read or change
// anything of B's through any call. After each attack B's items are checked unchanged.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	a, b := mustTenant(t, "acme"), mustTenant(t, "acme-2") // one id a prefix of the other
	ctx := e.ctx
	k := Key{Kind: "contact", ID: "c-1"}
	counter := Key{Kind: "interval", ID: "2025-01-01T10"}
	const event = "evt-1"

	if err := e.s.Create(ctx, b, k, doc{Name: "B's secret"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c-2", "c-3", "c-4"} {
		if err := e.s.Create(ctx, b, Key{Kind: "contact", ID: id}, doc{Name: "B's secret"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.s.Add(ctx, b, counter, "calls", 10); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.s.Claim(ctx, b, event, time.Hour); !ok || err != nil {
		t.Fatalf("B's claim: %v %v", ok, err)
	}
	bPage, err := e.s.Query(ctx, b, "contact", "", PageRequest{Limit: 2})
	if err != nil || bPage.Next == "" {
		t.Fatalf("B's first page: %+v %v", bPage, err)
	}

	// unchanged checks that B still has exactly what it wrote.
	unchanged := func(t *testing.T) {
		t.Helper()
		var d doc
		if ver, err := e.s.Get(ctx, b, k, &d); err != nil || ver != 1 || d.Name != "B's secret" {
			t.Fatalf("B's item is %d %+v %v", ver, d, err)
		}
		var c struct {
			Calls int64 `dynamodbav:"calls"`
		}
		if ver, err := e.s.Get(ctx, b, counter, &c); err != nil || ver != 1 || c.Calls != 10 {
			t.Fatalf("B's counter is %d at %d, %v", c.Calls, ver, err)
		}
		if ok, err := e.s.Claim(ctx, b, event, time.Hour); ok || !errors.Is(err, ErrClaimed) {
			t.Fatalf("B's claim was dropped or taken: Claim = %v, %v", ok, err)
		}
		res, err := e.s.Query(ctx, b, "contact", "", PageRequest{})
		if err != nil || len(res.Items) != 4 {
			t.Fatalf("B has %d contacts, %v", len(res.Items), err)
		}
	}

	tests := map[string]func(t *testing.T, ctx context.Context, s *Store){
		"get": func(t *testing.T, ctx context.Context, s *Store) {
			var d doc
			if _, err := s.Get(ctx, a, k, &d); !errors.Is(err, ErrNotFound) || d.Name != "" {
				t.Fatalf("A's Get of B's key = %+v, %v", d, err)
			}
		},
		"query": func(t *testing.T, ctx context.Context, s *Store) {
			res, err := s.Query(ctx, a, "contact", "", PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Items {
				var d doc
				if r.Decode(&d); d.Name == "B's secret" {
					t.Fatalf("A's Query returned B's %v", r.Key)
				}
			}
		},
		"query with B's cursor": func(t *testing.T, ctx context.Context, s *Store) {
			for _, desc := range []bool{false, true} {
				res, err := s.Query(ctx, a, "contact", "", PageRequest{Limit: 2, Cursor: bPage.Next, Descending: desc})
				if !errors.Is(err, ErrInvalidCursor) || len(res.Items) != 0 {
					t.Fatalf("A's Query with B's cursor = %d items, %v", len(res.Items), err)
				}
			}
		},
		"put at B's version": func(t *testing.T, ctx context.Context, s *Store) {
			if _, err := s.Put(ctx, a, k, doc{Name: "A was here"}, 1); !errors.Is(err, ErrConflict) {
				t.Fatalf("A's Put = %v, want ErrConflict", err)
			}
		},
		"create and put at 0 make A's own item": func(t *testing.T, ctx context.Context, s *Store) {
			k2 := Key{Kind: "contact", ID: "c-2"}
			if err := s.Create(ctx, a, k2, doc{Name: "A's"}); err != nil {
				t.Fatalf("A's Create where B has an item: %v", err)
			}
			if _, err := s.Put(ctx, a, k, doc{Name: "A's"}, 0); err != nil {
				t.Fatalf("A's Put at 0 where B has an item: %v", err)
			}
			if err := s.Delete(ctx, a, k, 1); err != nil { // A's own, at A's version
				t.Fatal(err)
			}
		},
		"delete": func(t *testing.T, ctx context.Context, s *Store) {
			if err := s.Delete(ctx, a, Key{Kind: "contact", ID: "c-3"}, 0); !errors.Is(err, ErrNotFound) {
				t.Fatalf("A's unconditional Delete = %v, want ErrNotFound", err)
			}
			if err := s.Delete(ctx, a, Key{Kind: "contact", ID: "c-4"}, 1); !errors.Is(err, ErrConflict) {
				t.Fatalf("A's Delete at B's version = %v, want ErrConflict", err)
			}
		},
		"add": func(t *testing.T, ctx context.Context, s *Store) {
			if n, err := s.Add(ctx, a, counter, "calls", 1); err != nil || n != 1 {
				t.Fatalf("A's Add = %d, %v; want A's own counter at 1", n, err)
			}
		},
		"claim, complete, release": func(t *testing.T, ctx context.Context, s *Store) {
			if ok, err := s.Claim(ctx, a, event, time.Hour); !ok || err != nil {
				t.Fatalf("A's Claim = %v, %v; want A's own record", ok, err)
			}
			if err := s.Release(ctx, a, event); err != nil {
				t.Fatal(err)
			}
			if err := s.Complete(ctx, a, event, time.Hour); err != nil {
				t.Fatal(err)
			}
		},
		"tx": func(t *testing.T, ctx context.Context, s *Store) {
			err := s.Tx(ctx, PutOp(a, k, doc{Name: "A was here"}, 1), DeleteOp(a, Key{Kind: "contact", ID: "c-3"}, 1))
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("A's Tx over B's keys = %v, want ErrConflict", err)
			}
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc(t, ctx, e.s)
			unchanged(t)
		})
	}
}
