package dynamotx_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/infra/emulators/dynamotx"
)

// dynaliteURL is the private dynalite this package's tests run on; each test puts its own proxy in
// front of it.
var dynaliteURL string

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	r, err := emulators.Start(ctx, emulators.Options{})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start emulators:", err)
		os.Exit(1)
	}
	dynaliteURL = r.Dynalite
	code := m.Run()
	r.Close()
	os.Exit(code)
}

// client returns an SDK client for endpoint, as the store builds one.
func client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("k", "s", ""),
	})
}

// env is a proxy in front of the test dynalite and a table of the test's own (key "pk").
type env struct {
	db, direct *dynamodb.Client
	table      string
	ctx        context.Context
}

var tableSeq struct {
	sync.Mutex
	n int
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	p, err := dynamotx.New(dynaliteURL)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(p)
	tb.Cleanup(srv.Close)
	tableSeq.Lock()
	tableSeq.n++
	table := fmt.Sprintf("tx-%d-%d", os.Getpid(), tableSeq.n)
	tableSeq.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	tb.Cleanup(cancel)
	e := &env{db: client(srv.URL), direct: client(dynaliteURL), table: table, ctx: ctx}
	_, err = e.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            &table,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		tb.Fatal(err)
	}
	w := dynamodb.NewTableExistsWaiter(e.db, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &table}, time.Minute); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.direct.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table}) })
	return e
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }
func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(id)}
}

// get returns item id (nil when absent), read through the proxy.
func (e *env) get(tb testing.TB, id string) map[string]types.AttributeValue {
	tb.Helper()
	out, err := e.db.GetItem(e.ctx, &dynamodb.GetItemInput{TableName: &e.table, Key: key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		tb.Fatal(err)
	}
	return out.Item
}

func num(item map[string]types.AttributeValue, name string) int {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return -1
	}
	i, _ := strconv.Atoi(v.Value)
	return i
}

func (e *env) put(tb testing.TB, id string, attrs map[string]types.AttributeValue) {
	tb.Helper()
	item := key(id)
	for k, v := range attrs {
		item[k] = v
	}
	if _, err := e.db.PutItem(e.ctx, &dynamodb.PutItemInput{TableName: &e.table, Item: item}); err != nil {
		tb.Fatal(err)
	}
}

// addUpTo is the Update op the store's counters use inside transactions: ADD #n :d if #n < :max.
func (e *env) addUpTo(id string, d, max int) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &e.table,
		Key:                       key(id),
		UpdateExpression:          aws.String("ADD #n :d"),
		ConditionExpression:       aws.String("attribute_not_exists(#n) OR #n < :max"),
		ExpressionAttributeNames:  map[string]string{"#n": "n"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": n(d), ":max": n(max)},
	}}
}

func (e *env) putOp(id string, v int, cond string) types.TransactWriteItem {
	item := key(id)
	item["n"] = n(v)
	p := &types.Put{TableName: &e.table, Item: item}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
		p.ExpressionAttributeNames = map[string]string{"#pk": "pk"}
	}
	return types.TransactWriteItem{Put: p}
}

func (e *env) deleteOp(id string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName: &e.table, Key: key(id),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": "pk"},
	}}
}

func (e *env) check(id, cond string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: &e.table, Key: key(id), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames:            map[string]string{"#pk": "pk"},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

func (e *env) tx(items ...types.TransactWriteItem) error {
	_, err := e.db.TransactWriteItems(e.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: aws.String("t")})
	return err
}

// codes returns the cancellation reason codes of err, or fails the test if it is not a
// TransactionCanceledException as the SDK decodes it.
func codes(tb testing.TB, err error) []string {
	tb.Helper()
	tce, ok := errors.AsType[*types.TransactionCanceledException](err)
	if !ok {
		tb.Fatalf("error %v (%T) is not a TransactionCanceledException", err, err)
	}
	out := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		out[i] = aws.ToString(r.Code)
		if out[i] == "ConditionalCheckFailed" && aws.ToString(r.Message) == "" {
			tb.Errorf("reason %d has no message", i)
		}
	}
	return out
}

func apiCode(err error) string {
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		return ae.ErrorCode()
	}
	return ""
}

func TestTransactWriteItems(t *testing.T) {
	tests := map[string]func(t *testing.T, e *env){
		"put, update with ADD, delete and condition check commit together": func(t *testing.T, e *env) {
			e.put(t, "counter", map[string]types.AttributeValue{"n": n(1)})
			e.put(t, "gone", nil)
			e.put(t, "guard", nil)
			err := e.tx(e.putOp("new", 7, "attribute_not_exists(#pk)"), e.addUpTo("counter", 2, 5), e.deleteOp("gone"), e.check("guard", "attribute_exists(#pk)"))
			if err != nil {
				t.Fatal(err)
			}
			if got := num(e.get(t, "new"), "n"); got != 7 {
				t.Errorf("new.n = %d", got)
			}
			if got := num(e.get(t, "counter"), "n"); got != 3 {
				t.Errorf("counter.n = %d, want 3", got)
			}
			if e.get(t, "gone") != nil {
				t.Error("deleted item survived")
			}
			if e.get(t, "guard") == nil {
				t.Error("condition check removed its item")
			}
		},
		"an ADD past its limit cancels everything, with one reason per item": func(t *testing.T, e *env) {
			e.put(t, "counter", map[string]types.AttributeValue{"n": n(5)})
			e.put(t, "gone", nil)
			err := e.tx(e.putOp("new", 7, "attribute_not_exists(#pk)"), e.deleteOp("gone"), e.addUpTo("counter", 1, 5))
			if got := codes(t, err); fmt.Sprint(got) != "[None None ConditionalCheckFailed]" {
				t.Fatalf("reasons %v", got)
			}
			if e.get(t, "new") != nil || e.get(t, "gone") == nil || num(e.get(t, "counter"), "n") != 5 {
				t.Fatal("a cancelled transaction changed items")
			}
		},
		"every failed condition is reported, with the old item on request": func(t *testing.T, e *env) {
			e.put(t, "taken", map[string]types.AttributeValue{"n": n(4)})
			err := e.tx(e.check("taken", "attribute_not_exists(#pk)"), e.putOp("fresh", 1, ""), e.deleteOp("absent"))
			tce, _ := errors.AsType[*types.TransactionCanceledException](err)
			if got := codes(t, err); fmt.Sprint(got) != "[ConditionalCheckFailed None ConditionalCheckFailed]" {
				t.Fatalf("reasons %v", got)
			}
			if num(tce.CancellationReasons[0].Item, "n") != 4 {
				t.Errorf("ALL_OLD item = %v", tce.CancellationReasons[0].Item)
			}
			if e.get(t, "fresh") != nil {
				t.Error("put of a cancelled transaction stayed")
			}
		},
		"a condition check on an absent item leaves it absent": func(t *testing.T, e *env) {
			if err := e.tx(e.check("nobody", "attribute_not_exists(#pk)"), e.putOp("x", 1, "")); err != nil {
				t.Fatal(err)
			}
			if e.get(t, "nobody") != nil {
				t.Fatal("condition check created an item")
			}
			if got := codes(t, e.tx(e.check("nobody", "attribute_exists(#pk)"))); fmt.Sprint(got) != "[ConditionalCheckFailed]" {
				t.Fatalf("reasons %v", got)
			}
		},
		"two ops on one item are a ValidationException": func(t *testing.T, e *env) {
			err := e.tx(e.putOp("same", 1, ""), e.addUpTo("same", 1, 9))
			if apiCode(err) != "ValidationException" {
				t.Fatalf("err = %v", err)
			}
			if e.get(t, "same") != nil {
				t.Fatal("an invalid transaction wrote")
			}
		},
		"an item with two ops, or one on a missing table, is refused": func(t *testing.T, e *env) {
			both := e.putOp("x", 1, "")
			both.Delete = e.deleteOp("y").Delete
			if err := e.tx(both); apiCode(err) != "ValidationException" {
				t.Fatalf("Put and Delete in one item: %v", err)
			}
			missing := e.putOp("x", 1, "")
			missing.Put.TableName = aws.String("no-such-table")
			if err := e.tx(e.putOp("z", 1, ""), missing); apiCode(err) != "ResourceNotFoundException" {
				t.Fatalf("missing table: %v", err)
			}
			if e.get(t, "z") != nil {
				t.Fatal("a refused transaction wrote")
			}
		},
		"more than 100 items, or none, are a ValidationException": func(t *testing.T, e *env) {
			items := make([]types.TransactWriteItem, dynamotx.MaxItems+1)
			for i := range items {
				items[i] = e.putOp(strconv.Itoa(i), i, "")
			}
			if err := e.tx(items...); apiCode(err) != "ValidationException" {
				t.Fatalf("101 items: %v", err)
			}
			if err := e.tx(items[:dynamotx.MaxItems]...); err != nil {
				t.Fatalf("100 items: %v", err)
			}
		},
		"an op the emulator refuses undoes the ones before it": func(t *testing.T, e *env) {
			bad := e.addUpTo("c", 1, 5)
			bad.Update.UpdateExpression = aws.String("ADD #n :nope")
			err := e.tx(e.putOp("first", 1, ""), bad)
			if apiCode(err) != "ValidationException" {
				t.Fatalf("err = %v", err)
			}
			if e.get(t, "first") != nil {
				t.Fatal("the op before the refused one stayed")
			}
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) { tc(t, newEnv(t)) })
	}
}

func TestTransactGetItems(t *testing.T) {
	e := newEnv(t)
	e.put(t, "a", map[string]types.AttributeValue{"n": n(1), "x": s("hidden")})
	out, err := e.db.TransactGetItems(e.ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: &e.table, Key: key("a"), ProjectionExpression: aws.String("#n"), ExpressionAttributeNames: map[string]string{"#n": "n"}}},
		{Get: &types.Get{TableName: &e.table, Key: key("missing")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Responses) != 2 || num(out.Responses[0].Item, "n") != 1 || out.Responses[0].Item["x"] != nil || out.Responses[1].Item != nil {
		t.Fatalf("responses %+v", out.Responses)
	}
}
