package dynamotx_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"
)

// A single-item write whose condition fails returns the item it failed on when it asks for ALL_OLD,
// as DynamoDB does, through the SDK's ConditionalCheckFailedException; none when there is no item,
// and none when it does not ask.
func TestConditionFailureReturnsOldItem(t *testing.T) {
	e := newEnv(t)
	e.put(t, "a", map[string]types.AttributeValue{"n": n(7)})
	allOld := types.ReturnValuesOnConditionCheckFailureAllOld
	never := aws.String("attribute_exists(nope)") // false whether the item exists or not
	writes := map[string]func(id string, rv types.ReturnValuesOnConditionCheckFailure) error{
		"PutItem": func(id string, rv types.ReturnValuesOnConditionCheckFailure) error {
			_, err := e.db.PutItem(e.ctx, &dynamodb.PutItemInput{TableName: &e.table, Item: map[string]types.AttributeValue{"pk": s(id), "n": n(1)},
				ConditionExpression: never, ReturnValuesOnConditionCheckFailure: rv})
			return err
		},
		"UpdateItem": func(id string, rv types.ReturnValuesOnConditionCheckFailure) error {
			_, err := e.db.UpdateItem(e.ctx, &dynamodb.UpdateItemInput{TableName: &e.table, Key: key(id),
				UpdateExpression: aws.String("SET #n = :v"), ConditionExpression: never,
				ExpressionAttributeNames: map[string]string{"#n": "n"}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(8)},
				ReturnValuesOnConditionCheckFailure: rv})
			return err
		},
		"DeleteItem": func(id string, rv types.ReturnValuesOnConditionCheckFailure) error {
			_, err := e.db.DeleteItem(e.ctx, &dynamodb.DeleteItemInput{TableName: &e.table, Key: key(id),
				ConditionExpression: never, ReturnValuesOnConditionCheckFailure: rv})
			return err
		},
	}
	tests := map[string]struct {
		id       string
		rv       types.ReturnValuesOnConditionCheckFailure
		wantItem bool
	}{
		"present, ALL_OLD": {id: "a", rv: allOld, wantItem: true},
		"present, NONE":    {id: "a", rv: types.ReturnValuesOnConditionCheckFailureNone},
		"present, unasked": {id: "a"},
		"absent, ALL_OLD":  {id: "absent", rv: allOld},
	}
	for op, write := range writes {
		for name, tc := range tests {
			t.Run(op+"/"+name, func(t *testing.T) {
				err := write(tc.id, tc.rv)
				ccf, isCCF := errors.AsType[*types.ConditionalCheckFailedException](err)
				if !isCCF {
					t.Fatalf("want ConditionalCheckFailedException, got %v", err)
				}
				if aws.ToString(ccf.Message) == "" {
					t.Errorf("no message")
				}
				switch {
				case !tc.wantItem && ccf.Item != nil:
					t.Errorf("item %v, want none", ccf.Item)
				case tc.wantItem && (len(ccf.Item) != 2 || num(ccf.Item, "n") != 7):
					t.Errorf("item %v, want pk=a n=7", ccf.Item)
				}
			})
		}
	}
	if got := e.get(t, "a"); num(got, "n") != 7 {
		t.Errorf("item a changed: %v", got)
	}
	if got := e.get(t, "absent"); got != nil {
		t.Errorf("item absent exists: %v", got)
	}
}

// A write that asks for ALL_OLD and succeeds answers as the emulator does.
func TestOldItemWriteSucceeds(t *testing.T) {
	e := newEnv(t)
	e.put(t, "a", map[string]types.AttributeValue{"n": n(7)})
	out, err := e.db.UpdateItem(e.ctx, &dynamodb.UpdateItemInput{TableName: &e.table, Key: key("a"),
		UpdateExpression: aws.String("ADD #n :d"), ConditionExpression: aws.String("#n = :v"),
		ExpressionAttributeNames: map[string]string{"#n": "n"}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(7), ":d": n(1)},
		ReturnValues: types.ReturnValueUpdatedNew, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if err != nil || num(out.Attributes, "n") != 8 {
		t.Fatalf("update: %v %v", out, err)
	}
}

// The proxy's own answers carry X-Amz-Crc32 as DynamoDB's do; the SDK checks every body against it
// and logs a warning when it does not match.
func TestAnswersCarryChecksum(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var warnings []string
	db := dynamodb.New(e.db.Options(), func(o *dynamodb.Options) {
		o.Logger = logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
			mu.Lock()
			defer mu.Unlock()
			warnings = append(warnings, fmt.Sprintf(format, v...))
		})
	})
	e.put(t, "a", map[string]types.AttributeValue{"n": n(7)})
	_, err := db.UpdateItem(e.ctx, &dynamodb.UpdateItemInput{TableName: &e.table, Key: key("a"),
		UpdateExpression: aws.String("SET #n = :v"), ConditionExpression: aws.String("#n = :v"),
		ExpressionAttributeNames: map[string]string{"#n": "n"}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(8)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if _, isCCF := errors.AsType[*types.ConditionalCheckFailedException](err); !isCCF {
		t.Fatalf("want ConditionalCheckFailedException, got %v", err)
	}
	if _, err := db.DescribeTimeToLive(e.ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &e.table}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TransactWriteItems(e.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{e.addUpTo("a", 1, 100)}}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warnings) > 0 {
		t.Errorf("SDK warnings: %q", warnings)
	}
}
