package store

// incr.go: IncrOp, the transaction op for plain counters: it adds to number fields and creates the
// item (and each field, from 0) if absent, with no condition. Unlike AddOp, it needs no item made
// first and takes no bounds; a counter keyed by something open-ended (an interval, a day) is born by
// its first add. Pair it with a CreateOp of a marker in one Tx to count each event once.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/tenant"
)

// IncrOp adds deltas (each may be negative) to number fields of t's item k in a Tx, creating the
// item and the fields (from 0) if they are absent; the item's version goes up by 1. It has no
// condition, so it never fails a Tx by itself. Items it writes carry no TTL, and it does not look
// at one: use it only on items that are never written with a TTL.
func IncrOp(t tenant.ID, k Key, deltas map[string]int64) Op {
	r, err := tenantRef("incr", t, k)
	if err != nil {
		return Op{err: err}
	}
	if len(deltas) == 0 {
		return Op{err: fmt.Errorf("incr %s: no deltas", r.name)}
	}
	for f := range deltas {
		if err := validField(f); err != nil {
			return Op{err: fmt.Errorf("incr %s: %w", r.name, err)}
		}
	}
	return Op{verb: "incr", w: write{r: r, add: &addition{deltas: deltas, upsert: true}}}
}

// upsertItem is IncrOp's TransactWriteItem: ADD without a condition.
func (a *addition) upsertItem(r ref, table string) types.TransactWriteItem {
	names := map[string]string{"#ver": AttrVersion}
	values := map[string]types.AttributeValue{":one": num(1)}
	adds := []string{"#ver :one"}
	for i, f := range a.fields() {
		n, v := "#f"+strconv.Itoa(i), ":d"+strconv.Itoa(i)
		names[n], values[v] = f, num(a.deltas[f])
		adds = append(adds, n+" "+v)
	}
	update := "ADD " + strings.Join(adds, ", ")
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &table,
		Key:                       r.dbKey(),
		UpdateExpression:          &update,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}
