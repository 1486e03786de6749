package store

import (
	"errors"
	"testing"
	"time"
)

// IncrOp creates the item on its first add and adds to it after; paired with a marker's CreateOp,
// a second Tx for the same marker changes nothing.
func TestIncrOp(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	k := Key{Kind: "ivl", ID: "day"}
	type counts struct {
		A int64 `dynamodbav:"a"`
		B int64 `dynamodbav:"b"`
	}
	count := func(marker string, d map[string]int64) error {
		return e.s.Tx(e.ctx, CreateOp(acme, Key{Kind: "mark", ID: marker}, nil, WithTTL(time.Now().Add(time.Hour))), IncrOp(acme, k, d))
	}
	if err := count("e1", map[string]int64{"a": 2}); err != nil {
		t.Fatal(err)
	}
	if err := count("e2", map[string]int64{"a": 1, "b": -3}); err != nil {
		t.Fatal(err)
	}
	if err := count("e1", map[string]int64{"a": 100}); !errors.Is(err, ErrConflict) {
		t.Fatalf("a redelivered marker: %v, want ErrConflict", err)
	}
	var got counts
	ver, err := e.s.Get(e.ctx, acme, k, &got)
	if err != nil {
		t.Fatal(err)
	}
	if got != (counts{A: 3, B: -3}) || ver != 2 {
		t.Fatalf("counts %+v at version %d, want {3 -3} at 2", got, ver)
	}
	for name, op := range map[string]Op{
		"no deltas":      IncrOp(acme, k, nil),
		"reserved field": IncrOp(acme, k, map[string]int64{AttrTTL: 1}),
		"bad key":        IncrOp(acme, Key{Kind: "BAD", ID: "x"}, map[string]int64{"a": 1}),
	} {
		if err := e.s.Tx(e.ctx, op); err == nil {
			t.Errorf("%s: Tx accepted it", name)
		}
	}
}
