package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// counts is the counter item the AddOp tests use.
type counts struct {
	N      int64 `dynamodbav:"n"`
	Admins int64 `dynamodbav:"admins"`
}

func TestAddOp(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	read := func(t *testing.T, k Key) counts {
		t.Helper()
		var c counts
		if _, err := e.s.Get(e.ctx, acme, k, &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := map[string]struct {
		start   *counts // nil: no counter item
		ops     func(k, other Key) []Op
		want    counts
		wantErr bool
	}{
		"adds within bounds": {
			start: &counts{N: 1, Admins: 1},
			ops: func(k, _ Key) []Op {
				return []Op{AddOp(acme, k, map[string]int64{"n": 1, "admins": 1}, AtMost("n", 2))}
			},
			want: counts{N: 2, Admins: 2},
		},
		"upper bound refuses and applies nothing": {
			start: &counts{N: 2, Admins: 1},
			ops: func(k, other Key) []Op {
				return []Op{CreateOp(acme, other, doc{}), AddOp(acme, k, map[string]int64{"n": 1}, AtMost("n", 2))}
			},
			want:    counts{N: 2, Admins: 1},
			wantErr: true,
		},
		"lower bound refuses": {
			start: &counts{N: 2, Admins: 1},
			ops: func(k, _ Key) []Op {
				return []Op{AddOp(acme, k, map[string]int64{"n": -1, "admins": -1}, AtLeast("admins", 1))}
			},
			want:    counts{N: 2, Admins: 1},
			wantErr: true,
		},
		"lower bound admits": {
			start: &counts{N: 2, Admins: 2},
			ops: func(k, _ Key) []Op {
				return []Op{AddOp(acme, k, map[string]int64{"n": -1, "admins": -1}, AtLeast("admins", 1))}
			},
			want: counts{N: 1, Admins: 1},
		},
		"absent item refuses": {
			ops: func(k, _ Key) []Op {
				return []Op{AddOp(acme, k, map[string]int64{"n": 1})}
			},
			wantErr: true,
		},
	}
	i := 0
	for name, tc := range tests {
		i++
		k, other := Key{"usage", fmt.Sprintf("c%d", i)}, Key{"doc", fmt.Sprintf("o%d", i)}
		t.Run(name, func(t *testing.T) {
			if tc.start != nil {
				if err := e.s.Create(e.ctx, acme, k, *tc.start); err != nil {
					t.Fatal(err)
				}
			}
			err := e.s.Tx(e.ctx, tc.ops(k, other)...)
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if got := read(t, k); got != tc.want {
					t.Fatalf("counter %+v, want %+v", got, tc.want)
				}
				return
			}
			var be *BoundError
			if !errors.As(err, &be) || be.Key != k || !errors.Is(err, ErrConflict) {
				t.Fatalf("Tx = %v, want a *BoundError on %s", err, k)
			}
			if tc.start != nil {
				if got := read(t, k); got != tc.want {
					t.Fatalf("counter %+v, want %+v", got, tc.want)
				}
			}
			if _, err := e.s.Get(e.ctx, acme, other, nil); !errors.Is(err, ErrNotFound) {
				t.Fatalf("the other op applied: %v", err)
			}
		})
	}
}

func TestAddOpInvalid(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	k := Key{"usage", "x"}
	for name, op := range map[string]Op{
		"no deltas":      AddOp(acme, k, nil),
		"reserved field": AddOp(acme, k, map[string]int64{AttrVersion: 1}),
		"bad bound":      AddOp(acme, k, map[string]int64{"n": 1}, AtMost("", 1)),
	} {
		if err := e.s.Tx(e.ctx, op); err == nil || errors.Is(err, ErrConflict) {
			t.Errorf("%s: Tx = %v, want an argument error", name, err)
		}
	}
}

// TestAddOpConcurrentBound: many transactions racing to add under one upper bound; exactly as many
// as the bound allows succeed, whichever Tx path the endpoint takes.
func TestAddOpConcurrentBound(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	k := Key{"usage", "race"}
	if err := e.s.Create(e.ctx, acme, k, counts{}); err != nil {
		t.Fatal(err)
	}
	const racers, limit = 12, 5
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			err := e.s.Tx(e.ctx, CreateOp(acme, Key{"doc", fmt.Sprint(i)}, doc{}),
				AddOp(acme, k, map[string]int64{"n": 1}, AtMost("n", limit)))
			if err == nil {
				ok.Add(1)
			} else if !errors.Is(err, ErrConflict) {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	var c counts
	if _, err := e.s.Get(e.ctx, acme, k, &c); err != nil {
		t.Fatal(err)
	}
	res, err := e.s.Query(e.ctx, acme, "doc", "", PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if ok.Load() != limit || c.N != limit || len(res.Items) != limit {
		t.Fatalf("%d succeeded, counter %d, %d docs; want %d of each", ok.Load(), c.N, len(res.Items), limit)
	}
}
