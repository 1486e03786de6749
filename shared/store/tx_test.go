package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestDynaliteLacksTransactions pins the fact the emulated Tx exists for: dynalite answers
// TransactWriteItems with UnknownOperationException. If an upgrade adds it, this fails, and Tx's
// tests then exercise the real call.
func TestDynaliteLacksTransactions(t *testing.T) {
	e := newEnv(t)
	_, err := e.db.TransactWriteItems(e.ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{
			TableName: &e.table,
			Item:      map[string]types.AttributeValue{AttrPK: str("P#probe"), AttrSK: str("1")},
		}}},
	})
	if !unknownOperation(err) {
		t.Fatalf("TransactWriteItems on dynalite = %v; want UnknownOperationException", err)
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
		"a write that loses a race after the checks is undone": func(t *testing.T, ctx context.Context, s *Store, id string) {
			a, b, c := Key{"doc", id + "-a"}, Key{"doc", id + "-b"}, Key{"doc", id + "-c"}
			for _, k := range []Key{b, c} {
				if err := s.Create(ctx, acme, k, doc{Name: k.ID + "1"}); err != nil {
					t.Fatal(err)
				}
			}
			racer := *s
			racer.hook = func(i int) {
				if i == 2 { // a and b are written; someone else updates c before we do
					if _, err := s.Put(ctx, acme, c, doc{Name: "racer"}, 1); err != nil {
						t.Error(err)
					}
				}
			}
			err := racer.Tx(ctx,
				CreateOp(acme, a, doc{Name: "a1"}),
				PutOp(acme, b, doc{Name: "b2"}, 1),
				PutOp(acme, c, doc{Name: "c2"}, 1),
			)
			var ce *ConflictError
			if !errors.As(err, &ce) || ce.Key != c {
				t.Fatalf("Tx = %v; want a ConflictError on %v", err, c)
			}
			if ver, _ := get(t, ctx, a); ver != 0 {
				t.Fatal("a's create was not undone")
			}
			if ver, name := get(t, ctx, b); ver != 1 || name != b.ID+"1" {
				t.Fatalf("b's put was not undone: %d %q", ver, name)
			}
			if ver, name := get(t, ctx, c); ver != 2 || name != "racer" {
				t.Fatalf("c is %d %q; the racer's write should stand", ver, name)
			}
		},
		"an undone delete comes back": func(t *testing.T, ctx context.Context, s *Store, id string) {
			a, b := Key{"doc", id + "-a"}, Key{"doc", id + "-b"}
			if err := s.Create(ctx, acme, a, doc{Name: "a1"}); err != nil {
				t.Fatal(err)
			}
			racer := *s
			racer.hook = func(i int) {
				if i == 1 {
					if err := s.Create(ctx, acme, b, doc{Name: "racer"}); err != nil {
						t.Error(err)
					}
				}
			}
			if err := racer.Tx(ctx, DeleteOp(acme, a, 1), CreateOp(acme, b, doc{})); !errors.Is(err, ErrConflict) {
				t.Fatalf("Tx = %v", err)
			}
			if ver, name := get(t, ctx, a); ver != 1 || name != "a1" {
				t.Fatalf("a is %d %q after undo", ver, name)
			}
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc(t, e.ctx, e.s, name)
		})
	}
	if !e.s.TxEmulated() {
		t.Error("dynalite lacks TransactWriteItems, yet the store did not switch to the emulation")
	}
}

// TestTxErrorMapping covers what dynalite cannot: how DynamoDB's TransactionCanceledException maps
// to the op it names. It builds the SDK's error value; no store or network is involved.
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
			err: reasons("None", "TransactionConflict", "None"), is: []error{ErrConflict},
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
