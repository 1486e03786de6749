package store

// update_emulated.go: AddOp on the emulated Tx path (tx.go's emulateTx and undo), for endpoints
// without TransactWriteItems. It goes with that path: when Tx has only the TransactWriteItems call,
// this file goes too.

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// holds evaluates the condition on item (nil when absent) as DynamoDB would.
func (a *addition) holds(item map[string]types.AttributeValue, now time.Time) bool {
	if item == nil || expired(item, now) {
		return false
	}
	for _, b := range a.bounds {
		n, ok := item[b.field].(*types.AttributeValueMemberN)
		if !ok {
			return false
		}
		v, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return false
		}
		after := v + a.deltas[b.field]
		if b.upper && after > b.limit || !b.upper && after < b.limit {
			return false
		}
	}
	return true
}

// apply is the op as one conditional UpdateItem (the emulated Tx's write); undo adds the negated
// deltas back, with no bound, if the item still exists.
func (a *addition) apply(ctx context.Context, db *dynamodb.Client, r ref, table string, now time.Time, undo bool) error {
	update, cond, names, values := a.expression(now, undo)
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &table,
		Key:                       r.dbKey(),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	return err
}
