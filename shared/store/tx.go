package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxTxOps is the most ops one Tx takes (DynamoDB's limit for TransactWriteItems).
const MaxTxOps = 100

// Op is one write of a transaction, made by CreateOp, PutOp, DeleteOp, PlatformCreateOp or
// PlatformDeleteOp. An Op built from bad arguments carries the error, and Tx returns it before any
// I/O. The zero Op is invalid.
type Op struct {
	verb string
	w    write
	err  error
}

// CreateOp creates t's item k at version 1; the transaction fails with ErrConflict if it exists.
// WithTTL sets the item's TTL, as for Create.
func CreateOp(t tenant.ID, k Key, v any, opts ...Option) Op {
	r, err := tenantRef("create", t, k)
	return putOp("create", r, err, v, 0, opts...)
}

// PutOp replaces t's item k if it is at version (0: if it does not exist), writing version+1.
// WithTTL sets the item's TTL, as for Put (which replaces the whole item, so pass it again to keep
// one).
func PutOp(t tenant.ID, k Key, v any, version int64, opts ...Option) Op {
	r, err := tenantRef("put", t, k)
	return putOp("put", r, err, v, version, opts...)
}

// DeleteOp deletes t's item k if it is at version. Version 0 deletes it at any version, but it
// must exist: the transaction fails with an error that matches both ErrNotFound and ErrConflict.
func DeleteOp(t tenant.ID, k Key, version int64) Op {
	r, err := tenantRef("delete", t, k)
	return deleteOp(r, err, version)
}

// PlatformCreateOp creates the platform item k at version 1; ErrConflict if it exists.
func PlatformCreateOp(k Key, v any) Op {
	r, err := platformRef("create", k)
	return putOp("create", r, err, v, 0)
}

// PlatformPutOp replaces the platform item k if it is at version (0: if it does not exist), as
// PutOp does for a tenant's item.
func PlatformPutOp(k Key, v any, version int64, opts ...Option) Op {
	r, err := platformRef("put", k)
	return putOp("put", r, err, v, version, opts...)
}

// PlatformDeleteOp deletes the platform item k, which must exist (as DeleteOp at version 0).
func PlatformDeleteOp(k Key) Op {
	r, err := platformRef("delete", k)
	return deleteOp(r, err, 0)
}

func putOp(verb string, r ref, err error, v any, version int64, opts ...Option) Op {
	if err != nil {
		return Op{err: err}
	}
	if version < 0 {
		return Op{err: fmt.Errorf("%s %s: negative version %d", verb, r.name, version)}
	}
	attrs, err := encode(v)
	if err != nil {
		return Op{err: fmt.Errorf("%s %s: %w", verb, r.name, err)}
	}
	c := condAbsent
	if version > 0 {
		c = condVersion
	}
	return Op{verb: verb, w: write{r: r, item: attrs, cond: c, want: version, expires: applyOptions(opts).expires}}
}

func deleteOp(r ref, err error, version int64) Op {
	if err != nil {
		return Op{err: err}
	}
	if version < 0 {
		return Op{err: fmt.Errorf("delete %s: negative version %d", r.name, version)}
	}
	c := condLive
	if version > 0 {
		c = condVersion
	}
	return Op{verb: "delete", w: write{r: r, delete: true, cond: c, want: version}}
}

// failed is the error for op i's condition failing.
func (op Op) failed(i int) error {
	where := fmt.Sprintf("tx op %d (%s %s)", i, op.verb, op.w.r.name)
	if op.w.add != nil {
		return fmt.Errorf("%s: %w", where, &BoundError{Key: op.w.r.key, Bounds: op.w.add.bounds})
	}
	if op.w.cond == condLive {
		return fmt.Errorf("%s: %w (%w)", where, ErrNotFound, ErrConflict)
	}
	return fmt.Errorf("%s: %w", where, &ConflictError{Key: op.w.r.key, Want: op.w.want})
}

// Tx applies ops atomically: all of them or, if any condition fails, none. The error for a failed
// condition names the op ("tx op 1 (create platform/apikey-hash/…)") and wraps a *ConflictError
// (ErrConflict); for a DeleteOp at version 0 of an absent item it matches ErrNotFound and
// ErrConflict. No ops is a no-op; more than MaxTxOps, or two ops on one item, is an error.
//
// Tx is one TransactWriteItems call, atomic and isolated; which op failed comes from the
// cancellation reasons DynamoDB returns. The emulators of the tests and the local stack get the
// same call (infra/emulators fronts dynalite with transactions of its own).
func (s *Store) Tx(ctx context.Context, ops ...Op) error {
	if len(ops) == 0 {
		return nil
	}
	if len(ops) > MaxTxOps {
		return fmt.Errorf("tx: %d ops, at most %d", len(ops), MaxTxOps)
	}
	seen := make(map[[2]string]int, len(ops))
	for i, op := range ops {
		if op.err != nil {
			return fmt.Errorf("tx op %d: %w", i, op.err)
		}
		if op.verb == "" {
			return fmt.Errorf("tx op %d: zero Op", i)
		}
		item := [2]string{op.w.r.pk, op.w.r.key.ID}
		if j, dup := seen[item]; dup {
			return fmt.Errorf("tx ops %d and %d both write %s", j, i, op.w.r.name)
		}
		seen[item] = i
	}
	now := s.now()
	items := make([]types.TransactWriteItem, len(ops))
	for i, op := range ops {
		items[i] = op.w.transactItem(s.table, now)
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return txError(ops, err)
	}
	return nil
}

// txError maps a TransactWriteItems error to the op it is about. A failed condition wins over a
// TransactionConflict of another op: the transaction could not have committed either way, and
// only the condition tells the caller something (ErrTxConflict means "try again as is").
func txError(ops []Op, err error) error {
	if tce, ok := errors.AsType[*types.TransactionCanceledException](err); ok {
		conflict := -1
		for i, reason := range tce.CancellationReasons {
			if i >= len(ops) {
				break
			}
			switch aws.ToString(reason.Code) {
			case "ConditionalCheckFailed":
				return ops[i].failed(i)
			case "TransactionConflict":
				if conflict < 0 {
					conflict = i
				}
			}
		}
		if conflict >= 0 {
			return fmt.Errorf("tx op %d (%s %s): another transaction is writing it: %w",
				conflict, ops[conflict].verb, ops[conflict].w.r.name, ErrTxConflict)
		}
	}
	return fmt.Errorf("tx: %w", err)
}
