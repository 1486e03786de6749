package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxFieldLen is the longest counter field name Add takes, in bytes.
const MaxFieldLen = 255

// Add atomically adds delta (which may be negative) to the number attribute field of t's item k and
// returns the field's new value. It creates the item (and the field, from 0) if it is absent, and
// starts it afresh if it is past its TTL. Each Add also adds 1 to the item's version. WithTTL sets
// the item's TTL on every call. Concurrent Adds never lose an update, but ADD is not idempotent: if
// the SDK retries a call whose first attempt was applied (a timeout or a 5xx after the write), it
// counts twice. Stream consumers should Claim the event around their Adds.
func (s *Store) Add(ctx context.Context, t tenant.ID, k Key, field string, delta int64, opts ...Option) (int64, error) {
	r, err := tenantRef("add", t, k)
	if err != nil {
		return 0, err
	}
	if field == "" || len(field) > MaxFieldLen || !utf8.ValidString(field) || slices.Contains(reserved[:], field) {
		return 0, fmt.Errorf("add %s: %w: field %q", r.name, ErrInvalidKey, field)
	}
	o := applyOptions(opts)
	for range 3 { // another attempt only when the item expired and someone refreshed it meanwhile
		now := s.now()
		in := &dynamodb.UpdateItemInput{
			TableName:                &s.table,
			Key:                      r.dbKey(),
			UpdateExpression:         aws.String("ADD #f :d, #ver :one"),
			ConditionExpression:      aws.String("attribute_not_exists(#ttl) OR #ttl > :now"),
			ExpressionAttributeNames: map[string]string{"#f": field, "#ver": AttrVersion, "#ttl": AttrTTL},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":d": num(delta), ":one": num(1), ":now": num(now.Unix()),
			},
			ReturnValues: types.ReturnValueUpdatedNew,
		}
		if !o.expires.IsZero() {
			*in.UpdateExpression += " SET #ttl = :ttl"
			in.ExpressionAttributeValues[":ttl"] = num(ttlSeconds(o.expires))
		}
		res, err := s.db.UpdateItem(ctx, in)
		if err == nil {
			n, ok := res.Attributes[field].(*types.AttributeValueMemberN)
			if !ok {
				return 0, fmt.Errorf("add %s: %s missing from the answer", r.name, field)
			}
			v, err := strconv.ParseInt(n.Value, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("add %s: %s is %q: %w", r.name, field, n.Value, err)
			}
			return v, nil
		}
		if !conditionFailed(err) {
			return 0, fmt.Errorf("add %s: %w", r.name, err)
		}
		// The item is past its TTL but not yet deleted: replace it with a fresh one, if it is still
		// expired when we write.
		w := write{r: r, item: map[string]types.AttributeValue{field: num(delta)}, expires: o.expires}
		put := &dynamodb.PutItemInput{
			TableName:                 &s.table,
			Item:                      w.fullItem(),
			ConditionExpression:       aws.String("#ttl <= :now"),
			ExpressionAttributeNames:  map[string]string{"#ttl": AttrTTL},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
		}
		_, err = s.db.PutItem(ctx, put)
		if err == nil {
			return delta, nil
		}
		if !conditionFailed(err) {
			return 0, fmt.Errorf("add %s: replace expired item: %w", r.name, err)
		}
	}
	return 0, fmt.Errorf("add %s: %w: the item kept changing between expired and live", r.name, ErrConflict)
}
