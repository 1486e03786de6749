package store

import (
	"context"
	"errors"
	"fmt"
	"time"

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
// On DynamoDB, Tx is one TransactWriteItems call: atomic and isolated. On an endpoint without
// TransactWriteItems (dynalite answers UnknownOperationException) Tx emulates it: it reads every
// item, checks every condition, and only if all hold writes the ops one by one, each still
// conditional; if one of those writes then fails (a concurrent writer got in between) it undoes
// the ones already written. That is all-or-nothing when a condition fails up front, but it is not
// isolated (a reader can see some ops before the rest) and not crash-safe (a crash between writes
// leaves them). It exists for tests and the local stack only; DynamoDB never takes that path.
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
	if !s.tx.emulated.Load() {
		items := make([]types.TransactWriteItem, len(ops))
		for i, op := range ops {
			items[i] = op.w.transactItem(s.table, now)
		}
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		if !unknownOperation(err) {
			return txError(ops, err)
		}
		s.tx.emulated.Store(true)
	}
	return s.emulateTx(ctx, ops, now)
}

// TxEmulated reports whether this Store has found that its endpoint lacks TransactWriteItems and
// now emulates Tx (see Tx). It is false until the first Tx.
func (s *Store) TxEmulated() bool { return s.tx.emulated.Load() }

// txError maps a TransactWriteItems error to the op it is about.
func txError(ops []Op, err error) error {
	if tce, ok := errors.AsType[*types.TransactionCanceledException](err); ok {
		for i, reason := range tce.CancellationReasons {
			if i >= len(ops) {
				break
			}
			switch aws.ToString(reason.Code) {
			case "ConditionalCheckFailed":
				return ops[i].failed(i)
			case "TransactionConflict":
				return fmt.Errorf("tx op %d (%s %s): another transaction is writing it: %w",
					i, ops[i].verb, ops[i].w.r.name, ErrConflict)
			}
		}
	}
	return fmt.Errorf("tx: %w", err)
}

// emulateTx is Tx for endpoints without TransactWriteItems; see Tx for what it does and does not
// promise.
func (s *Store) emulateTx(ctx context.Context, ops []Op, now time.Time) error {
	prior := make([]map[string]types.AttributeValue, len(ops))
	for i, op := range ops {
		res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName:      &s.table,
			Key:            op.w.r.dbKey(),
			ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return fmt.Errorf("tx op %d (%s %s): read: %w", i, op.verb, op.w.r.name, err)
		}
		if !op.w.holds(res.Item, now) {
			return op.failed(i)
		}
		prior[i] = res.Item
	}
	for i, op := range ops {
		if s.hook != nil {
			s.hook(i)
		}
		var err error
		if op.w.delete {
			_, err = s.db.DeleteItem(ctx, op.w.deleteInput(s.table, now))
		} else {
			_, err = s.db.PutItem(ctx, op.w.putInput(s.table, now))
		}
		if err == nil {
			continue
		}
		cause := fmt.Errorf("tx op %d (%s %s): %w", i, op.verb, op.w.r.name, err)
		if conditionFailed(err) {
			cause = op.failed(i)
		}
		if uerr := s.undo(ctx, ops[:i], prior); uerr != nil {
			return fmt.Errorf("%w; undoing the ops before it failed, so the transaction is partly applied: %w", cause, uerr)
		}
		return cause
	}
	return nil
}

// undo restores the items that ops wrote to prior, newest first, each only if it still holds what
// the op wrote. It runs even if ctx is cancelled.
func (s *Store) undo(ctx context.Context, ops []Op, prior []map[string]types.AttributeValue) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var errs []error
	for i := len(ops) - 1; i >= 0; i-- {
		w := ops[i].w
		var err error
		switch {
		case w.delete: // the item existed (the condition required it): put it back if still gone
			_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
				TableName:                &s.table,
				Item:                     prior[i],
				ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
				ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
			})
		case prior[i] == nil: // created: delete it if still ours
			_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName:                 &s.table,
				Key:                       w.r.dbKey(),
				ConditionExpression:       aws.String("#ver = :mine"),
				ExpressionAttributeNames:  map[string]string{"#ver": AttrVersion},
				ExpressionAttributeValues: map[string]types.AttributeValue{":mine": num(w.want + 1)},
			})
		default: // replaced: put the old item back if ours is still there
			_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
				TableName:                 &s.table,
				Item:                      prior[i],
				ConditionExpression:       aws.String("#ver = :mine"),
				ExpressionAttributeNames:  map[string]string{"#ver": AttrVersion},
				ExpressionAttributeValues: map[string]types.AttributeValue{":mine": num(w.want + 1)},
			})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("undo op %d (%s %s): %w", i, ops[i].verb, w.r.name, err))
		}
	}
	return errors.Join(errs...)
}
