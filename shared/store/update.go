package store

// update.go: AddOp, the transaction op that adds to counters under bounds (the quota and
// "at least one admin key" checks), for Tx.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Bound is a limit on a number field's value after an AddOp: AtMost or AtLeast.
type Bound struct {
	field string
	limit int64
	upper bool
}

// AtMost bounds field to at most max after the op.
func AtMost(field string, max int64) Bound { return Bound{field: field, limit: max, upper: true} }

// AtLeast bounds field to at least min after the op.
func AtLeast(field string, min int64) Bound { return Bound{field: field, limit: min} }

// String says "field <= n" or "field >= n".
func (b Bound) String() string {
	if b.upper {
		return b.field + " <= " + strconv.FormatInt(b.limit, 10)
	}
	return b.field + " >= " + strconv.FormatInt(b.limit, 10)
}

// BoundError is the error of an AddOp whose condition failed: its item is absent or past its TTL,
// or a bound would be crossed. errors.Is(err, ErrConflict) is true for it; match it with errors.As
// to learn which item.
type BoundError struct {
	Key    Key
	Bounds []Bound
}

// Error names the item and the bounds.
func (e *BoundError) Error() string {
	bs := make([]string, len(e.Bounds))
	for i, b := range e.Bounds {
		bs[i] = b.String()
	}
	return fmt.Sprintf("conflict: %s is absent or would break %s", e.Key, strings.Join(bs, ", "))
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *BoundError) Is(target error) bool { return target == ErrConflict }

// addition is an AddOp's change: deltas to add and bounds on the values after.
type addition struct {
	deltas map[string]int64
	bounds []Bound
	upsert bool // IncrOp (incr.go): no condition, the item is created if absent
}

// AddOp adds deltas (each may be negative) to number fields of t's item k, which must exist and be
// live, in a Tx; the item's version goes up by 1. The op's condition is every bound on the values
// after the add (a field absent from the item fails its bound). If the condition fails the Tx fails,
// with an error that wraps a *BoundError (and matches ErrConflict). Create the item first (CreateOp,
// with every field bounded) so that only the bounds decide.
func AddOp(t tenant.ID, k Key, deltas map[string]int64, bounds ...Bound) Op {
	r, err := tenantRef("add", t, k)
	if err != nil {
		return Op{err: err}
	}
	if len(deltas) == 0 {
		return Op{err: fmt.Errorf("add %s: no deltas", r.name)}
	}
	for f := range deltas {
		if err := validField(f); err != nil {
			return Op{err: fmt.Errorf("add %s: %w", r.name, err)}
		}
	}
	for _, b := range bounds {
		if err := validField(b.field); err != nil {
			return Op{err: fmt.Errorf("add %s: bound: %w", r.name, err)}
		}
	}
	return Op{verb: "add", w: write{r: r, cond: condLive, add: &addition{deltas: deltas, bounds: bounds}}}
}

func validField(f string) error {
	if f == "" || len(f) > MaxFieldLen || !utf8.ValidString(f) || slices.Contains(reserved[:], f) {
		return fmt.Errorf("%w: field %q", ErrInvalidKey, f)
	}
	return nil
}

// fields lists the deltas' fields in order, so expressions are deterministic.
func (a *addition) fields() []string {
	fs := make([]string, 0, len(a.deltas))
	for f := range a.deltas {
		fs = append(fs, f)
	}
	slices.Sort(fs)
	return fs
}

// expression returns the update and condition expressions and their names and values.
func (a *addition) expression(now time.Time) (update, cond string, names map[string]string, values map[string]types.AttributeValue) {
	names = map[string]string{"#pk": AttrPK, "#ttl": AttrTTL, "#ver": AttrVersion}
	values = map[string]types.AttributeValue{":now": num(now.Unix()), ":one": num(1)}
	alias := map[string]string{}
	name := func(f string) string {
		if n, ok := alias[f]; ok {
			return n
		}
		n := "#f" + strconv.Itoa(len(alias))
		alias[f], names[n] = n, f
		return n
	}
	adds := []string{"#ver :one"}
	for i, f := range a.fields() {
		v := ":d" + strconv.Itoa(i)
		values[v] = num(a.deltas[f])
		adds = append(adds, name(f)+" "+v)
	}
	update = "ADD " + strings.Join(adds, ", ")
	conds := []string{"attribute_exists(#pk)", "(attribute_not_exists(#ttl) OR #ttl > :now)"}
	for i, b := range a.bounds {
		v := ":b" + strconv.Itoa(i)
		op := ">="
		if b.upper {
			op = "<="
		}
		// value + delta <= max  ⇔  value <= max - delta (and likewise for >=).
		values[v] = num(b.limit - a.deltas[b.field])
		conds = append(conds, name(b.field)+" "+op+" "+v)
	}
	return update, strings.Join(conds, " AND "), names, values
}

func (a *addition) transactItem(r ref, table string, now time.Time) types.TransactWriteItem {
	if a.upsert {
		return a.upsertItem(r, table)
	}
	update, cond, names, values := a.expression(now)
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &table,
		Key:                       r.dbKey(),
		UpdateExpression:          &update,
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}
