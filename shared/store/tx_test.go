package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Tx has one path, TransactWriteItems, and the emulators answer it (through the front
// infra/emulators puts before dynalite): a raw call commits.
func TestEmulatorsAnswerTransactWriteItems(t *testing.T) {
	e := newEnv(t)
	_, err := e.db.TransactWriteItems(e.ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{
			TableName: &e.table,
			Item:      map[string]types.AttributeValue{AttrPK: str("P#probe"), AttrSK: str("1")},
		}}},
	})
	if err != nil {
		t.Fatalf("TransactWriteItems on the emulators = %v", err)
	}
	if e.raw(t, "P#probe", "1") == nil {
		t.Fatal("the transaction's item is not there")
	}
}

func TestTx(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	get := func(t *testing.T, ctx context.Context, k Key) (int64, string) {
		t.Helper()
		var d doc
		ver, err := e.s.Get(ctx, acme, k, &d)
		if errors.Is(err, ErrNotFound) {
			return 0, ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return ver, d.Name
	}
	tests := map[string]func(t *testing.T, ctx context.Context, s *Store, id string){
		"all ops apply": func(t *testing.T, ctx context.Context, s *Store, id string) {
			tk, hk := Key{"tenant", id}, Key{"apikey-hash", id}
			if err := s.Tx(ctx, CreateOp(acme, tk, doc{Name: "t"}), PlatformCreateOp(hk, doc{Name: "h"})); err != nil {
				t.Fatal(err)
			}
			if ver, name := get(t, ctx, tk); ver != 1 || name != "t" {
				t.Fatalf("tenant item %d %q", ver, name)
			}
			if ver, err := s.PlatformGet(ctx, hk, nil); err != nil || ver != 1 {
				t.Fatalf("platform item %d %v", ver, err)
			}
		},
		"put and delete together": func(t *testing.T, ctx context.Context, s *Store, id string) {
			a, b := Key{"doc", id + "-a"}, Key{"doc", id + "-b"}
			if err := s.Create(ctx, acme, a, doc{Name: "a1"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Create(ctx, acme, b, doc{Name: "b1"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Tx(ctx, PutOp(acme, a, doc{Name: "a2"}, 1), DeleteOp(acme, b, 1)); err != nil {
				t.Fatal(err)
			}
			if ver, name := get(t, ctx, a); ver != 2 || name != "a2" {
				t.Fatalf("a is %d %q", ver, name)
			}
			if ver, _ := get(t, ctx, b); ver != 0 {
				t.Fatal("b survived")
			}
		},
		"a failed condition applies nothing": func(t *testing.T, ctx context.Context, s *Store, id string) {
			a, b, c := Key{"doc", id + "-a"}, Key{"doc", id + "-b"}, Key{"doc", id + "-c"}
			if err := s.Create(ctx, acme, b, doc{Name: "b1"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Create(ctx, acme, c, doc{Name: "c1"}); err != nil {
				t.Fatal(err)
			}
			err := s.Tx(ctx,
				CreateOp(acme, a, doc{Name: "a1"}),
				PutOp(acme, b, doc{Name: "b2"}, 1),
				PutOp(acme, c, doc{Name: "c2"}, 7), // stale
			)
			var ce *ConflictError
			if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) || ce.Key != c || ce.Want != 7 {
				t.Fatalf("Tx = %v; want a ConflictError on %v", err, c)
			}
			if want := "tx op 2 (put acme/doc/" + c.ID + ")"; !strings.Contains(err.Error(), want) {
				t.Fatalf("message %q does not name the op (%q)", err, want)
			}
			if ver, _ := get(t, ctx, a); ver != 0 {
				t.Fatal("a was created")
			}
			if ver, name := get(t, ctx, b); ver != 1 || name != "b1" {
				t.Fatalf("b changed to %d %q", ver, name)
			}
		},
		"create of an existing platform item fails it": func(t *testing.T, ctx context.Context, s *Store, id string) {
			tk, hk := Key{"tenant", id}, Key{"apikey-hash", id}
			if err := s.PlatformCreate(ctx, hk, doc{Name: "taken"}); err != nil {
				t.Fatal(err)
			}
			err := s.Tx(ctx, CreateOp(acme, tk, doc{}), PlatformCreateOp(hk, doc{}))
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("Tx = %v", err)
			}
			if ver, _ := get(t, ctx, tk); ver != 0 {
				t.Fatal("tenant item was created")
			}
		},
		"delete of an absent item fails it": func(t *testing.T, ctx context.Context, s *Store, id string) {
			a := Key{"doc", id + "-a"}
			err := s.Tx(ctx, CreateOp(acme, a, doc{}), PlatformDeleteOp(Key{"apikey-hash", id}))
			if !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrConflict) {
				t.Fatalf("Tx = %v; want ErrNotFound and ErrConflict", err)
			}
			if ver, _ := get(t, ctx, a); ver != 0 {
				t.Fatal("a was created")
			}
		},
		"the reasons name the failed op when several fail": func(t *testing.T, ctx context.Context, s *Store, id string) {
			a, b := Key{"doc", id + "-a"}, Key{"doc", id + "-b"}
			if err := s.Create(ctx, acme, b, doc{Name: "b1"}); err != nil {
				t.Fatal(err)
			}
			err := s.Tx(ctx, CreateOp(acme, a, doc{}), CreateOp(acme, b, doc{}), DeleteOp(acme, Key{"doc", id + "-c"}, 0))
			var ce *ConflictError
			if !errors.As(err, &ce) || ce.Key != b || !strings.Contains(err.Error(), "tx op 1 (create") {
				t.Fatalf("Tx = %v; want op 1's conflict first", err)
			}
			if ver, _ := get(t, ctx, a); ver != 0 {
				t.Fatal("a was created")
			}
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc(t, e.ctx, e.s, name)
		})
	}
}

// TestTxErrorMapping covers every cancellation reason, including TransactionConflict, which the
// local front never gives (it serialises transactions): how DynamoDB's TransactionCanceledException
// maps to the op it names. It builds the SDK's error value; no store or network is involved.
func TestTxErrorMapping(t *testing.T) {
	acme := mustTenant(t, "acme")
	ops := []Op{
		CreateOp(acme, Key{"tenant", "acme"}, nil),
		PutOp(acme, Key{"doc", "1"}, nil, 4),
		DeleteOp(acme, Key{"doc", "2"}, 0),
	}
	reasons := func(codes ...string) error {
		r := make([]types.CancellationReason, len(codes))
		for i, c := range codes {
			r[i].Code = aws.String(c)
		}
		return &types.TransactionCanceledException{Message: aws.String("cancelled"), CancellationReasons: r}
	}
	tests := map[string]struct {
		err      error
		is       []error
		conflict *ConflictError
		text     string
	}{
		"first op's condition": {
			err: reasons("ConditionalCheckFailed", "None", "None"), is: []error{ErrConflict},
			conflict: &ConflictError{Key: Key{"tenant", "acme"}, Want: 0}, text: "tx op 0 (create acme/tenant/acme)",
		},
		"second op's version": {
			err: reasons("None", "ConditionalCheckFailed", "None"), is: []error{ErrConflict},
			conflict: &ConflictError{Key: Key{"doc", "1"}, Want: 4}, text: "tx op 1 (put acme/doc/1)",
		},
		"delete of an absent item": {
			err: reasons("None", "None", "ConditionalCheckFailed"), is: []error{ErrConflict, ErrNotFound},
			text: "tx op 2 (delete acme/doc/2)",
		},
		"another transaction": {
			err: reasons("None", "TransactionConflict", "None"), is: []error{ErrConflict, ErrTxConflict},
			text: "tx op 1 (put acme/doc/1): another transaction",
		},
		"other errors pass through": {
			err: errors.New("throttled"), text: "tx: throttled",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := txError(ops, tc.err)
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("%v is not %v", err, target)
				}
			}
			var ce *ConflictError
			if tc.conflict != nil && (!errors.As(err, &ce) || *ce != *tc.conflict) {
				t.Errorf("%v: want %+v", err, tc.conflict)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("message %q lacks %q", err, tc.text)
			}
		})
	}
}

// Concurrent transfers between two items, racing plain Puts of the same items, keep the invariant
// a transaction exists for: the sum never changes, every committed transfer and plain Put shows in
// the versions, and nothing is lost to a half-applied transaction.
func TestTxConcurrentTransfersAndPlainWrites(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	const total, workers, rounds = 50, 8, 10
	a, b := Key{"doc", "a"}, Key{"doc", "b"}
	if err := e.s.Create(e.ctx, acme, a, doc{Name: "a", N: total}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Create(e.ctx, acme, b, doc{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	var transfers, plainA, plainB, conflicts atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				for attempt := 0; ; attempt++ {
					if attempt == 1000 {
						t.Error("a transfer never committed in 1000 attempts")
						return
					}
					var da, db doc
					va, err := e.s.Get(e.ctx, acme, a, &da)
					if err != nil {
						t.Error(err)
						return
					}
					vb, err := e.s.Get(e.ctx, acme, b, &db)
					if err != nil {
						t.Error(err)
						return
					}
					da.N--
					db.N++
					err = e.s.Tx(e.ctx, PutOp(acme, a, da, va), PutOp(acme, b, db, vb))
					if errors.Is(err, ErrConflict) {
						conflicts.Add(1)
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					transfers.Add(1)
					break
				}
				// A plain write to one of the items: renames it, keeps its number.
				k, n := a, &plainA
				if w%2 == 1 {
					k, n = b, &plainB
				}
				var d doc
				ver, err := e.s.Get(e.ctx, acme, k, &d)
				if err != nil {
					t.Error(err)
					return
				}
				d.Name = fmt.Sprintf("w%d", w)
				if _, err := e.s.Put(e.ctx, acme, k, d, ver); err == nil {
					n.Add(1)
				} else if !errors.Is(err, ErrConflict) {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var da, db doc
	va, err := e.s.Get(e.ctx, acme, a, &da)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := e.s.Get(e.ctx, acme, b, &db)
	if err != nil {
		t.Fatal(err)
	}
	if da.N+db.N != total || int64(db.N) != transfers.Load() {
		t.Errorf("a=%d b=%d after %d transfers; the sum must stay %d", da.N, db.N, transfers.Load(), total)
	}
	if va != 1+transfers.Load()+plainA.Load() || vb != 1+transfers.Load()+plainB.Load() {
		t.Errorf("versions a=%d b=%d; want 1 + %d transfers + %d and %d plain puts", va, vb, transfers.Load(), plainA.Load(), plainB.Load())
	}
	t.Logf("%d transfers, %d retried on conflict, %d+%d plain puts", transfers.Load(), conflicts.Load(), plainA.Load(), plainB.Load())
}

// txError tells a transaction DynamoDB cancelled for a concurrent writer (TransactionConflict: try
// again as is) from one whose condition failed; both still match ErrConflict.
func TestTxErrorClassifiesCancellations(t *testing.T) {
	acme := mustTenant(t, "acme")
	ops := []Op{
		CreateOp(acme, Key{"conversation", "c1"}, doc{Name: "c"}),
		AddOp(acme, Key{"usage", "live_conversations"}, map[string]int64{"n": 1}, AtMost("n", 10)),
	}
	cancelled := func(codes ...string) error {
		var reasons []types.CancellationReason
		for _, c := range codes {
			reasons = append(reasons, types.CancellationReason{Code: aws.String(c)})
		}
		return fmt.Errorf("operation error DynamoDB: TransactWriteItems: %w",
			&types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons})
	}
	tests := map[string]struct {
		err                error
		txConflict, bound  bool
		conflict, notFound bool
		op                 string
	}{
		"a concurrent writer on the counter":  {err: cancelled("None", "TransactionConflict"), txConflict: true, conflict: true, op: "tx op 1"},
		"a concurrent writer on the item":     {err: cancelled("TransactionConflict", "None"), txConflict: true, conflict: true, op: "tx op 0"},
		"the item exists":                     {err: cancelled("ConditionalCheckFailed", "None"), conflict: true, op: "tx op 0"},
		"the quota bound":                     {err: cancelled("None", "ConditionalCheckFailed"), conflict: true, bound: true, op: "tx op 1"},
		"a condition and a concurrent writer": {err: cancelled("TransactionConflict", "ConditionalCheckFailed"), conflict: true, bound: true, op: "tx op 1"},
		"throttled":                           {err: cancelled("ThrottlingError", "None"), op: "tx:"},
		"not a cancellation":                  {err: errors.New("connection reset"), op: "tx:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := txError(ops, tc.err)
			var be *BoundError
			if got := errors.Is(err, ErrTxConflict); got != tc.txConflict {
				t.Errorf("ErrTxConflict %v, want %v: %v", got, tc.txConflict, err)
			}
			if got := errors.Is(err, ErrConflict); got != tc.conflict {
				t.Errorf("ErrConflict %v, want %v: %v", got, tc.conflict, err)
			}
			if got := errors.As(err, &be); got != tc.bound {
				t.Errorf("BoundError %v, want %v: %v", got, tc.bound, err)
			}
			if !strings.HasPrefix(err.Error(), tc.op) {
				t.Errorf("error %q does not start with %q", err, tc.op)
			}
		})
	}
}
