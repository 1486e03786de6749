package store

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// cond is the precondition of a write, as a DynamoDB condition expression.
type cond int

const (
	condNone    cond = iota
	condAbsent       // no live item: absent, or past its TTL
	condVersion      // a live item at version want
	condLive         // a live item at any version
)

// write is one conditional put or delete, as PutItem, DeleteItem or a TransactWriteItem.
type write struct {
	r       ref
	item    map[string]types.AttributeValue // a put's attributes, without the reserved ones
	delete  bool
	cond    cond
	want    int64     // for condVersion; a put writes want+1
	expires time.Time // a put's TTL; zero for none
	add     *addition // an AddOp's update (update.go); nil for a put or delete
}

// fullItem is what a put writes: the value plus key, version and TTL.
func (w write) fullItem() map[string]types.AttributeValue {
	item := make(map[string]types.AttributeValue, len(w.item)+4)
	for name, v := range w.item {
		item[name] = v
	}
	item[AttrPK] = str(w.r.pk)
	item[AttrSK] = str(w.r.key.ID)
	item[AttrVersion] = num(w.want + 1)
	if !w.expires.IsZero() {
		item[AttrTTL] = num(ttlSeconds(w.expires))
	}
	return item
}

// condition returns the write's condition expression, or nils for condNone.
func (w write) condition(now time.Time) (*string, map[string]string, map[string]types.AttributeValue) {
	const live = "(attribute_not_exists(#ttl) OR #ttl > :now)"
	var expr string
	names := map[string]string{"#ttl": AttrTTL}
	values := map[string]types.AttributeValue{":now": num(now.Unix())}
	switch w.cond {
	case condAbsent:
		expr = "attribute_not_exists(#pk) OR #ttl <= :now"
		names["#pk"] = AttrPK
	case condVersion:
		expr = "#ver = :want AND " + live
		names["#ver"] = AttrVersion
		values[":want"] = num(w.want)
	case condLive:
		expr = "attribute_exists(#pk) AND " + live
		names["#pk"] = AttrPK
	default:
		return nil, nil, nil
	}
	return &expr, names, values
}

func (w write) putInput(table string, now time.Time) *dynamodb.PutItemInput {
	expr, names, values := w.condition(now)
	return &dynamodb.PutItemInput{
		TableName:                 &table,
		Item:                      w.fullItem(),
		ConditionExpression:       expr,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

func (w write) deleteInput(table string, now time.Time) *dynamodb.DeleteItemInput {
	expr, names, values := w.condition(now)
	return &dynamodb.DeleteItemInput{
		TableName:                 &table,
		Key:                       w.r.dbKey(),
		ConditionExpression:       expr,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

func (w write) transactItem(table string, now time.Time) types.TransactWriteItem {
	if w.add != nil {
		return w.add.transactItem(w.r, table, now)
	}
	expr, names, values := w.condition(now)
	if w.delete {
		return types.TransactWriteItem{Delete: &types.Delete{
			TableName:                 &table,
			Key:                       w.r.dbKey(),
			ConditionExpression:       expr,
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		}}
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                 &table,
		Item:                      w.fullItem(),
		ConditionExpression:       expr,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}
