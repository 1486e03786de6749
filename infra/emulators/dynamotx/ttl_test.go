package dynamotx_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// The proxy keeps each table's TTL setting and answers UpdateTimeToLive and DescribeTimeToLive as
// DynamoDB does; deleting the table forgets it.
func TestTimeToLive(t *testing.T) {
	e := newEnv(t)
	describe := func() (string, types.TimeToLiveStatus) {
		t.Helper()
		out, err := e.db.DescribeTimeToLive(e.ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &e.table})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.TimeToLiveDescription.AttributeName), out.TimeToLiveDescription.TimeToLiveStatus
	}
	update := func(table, attr string, on bool) error {
		out, err := e.db.UpdateTimeToLive(e.ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &table,
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: &attr, Enabled: &on}})
		if err == nil && (aws.ToString(out.TimeToLiveSpecification.AttributeName) != attr || aws.ToBool(out.TimeToLiveSpecification.Enabled) != on) {
			t.Errorf("answer %+v", out.TimeToLiveSpecification)
		}
		return err
	}
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return ""
	}

	if attr, st := describe(); st != types.TimeToLiveStatusDisabled || attr != "" {
		t.Fatalf("new table: %q %s", attr, st)
	}
	if err := update(e.table, "ttl", false); code(err) != "ValidationException" {
		t.Errorf("disable when off: %v", err)
	}
	if err := update(e.table, "ttl", true); err != nil {
		t.Fatalf("enable: %v", err)
	}
	if attr, st := describe(); st != types.TimeToLiveStatusEnabled || attr != "ttl" {
		t.Fatalf("after enable: %q %s", attr, st)
	}
	if err := update(e.table, "ttl", true); code(err) != "ValidationException" {
		t.Errorf("enable twice: %v", err)
	}
	if err := update(e.table, "other", false); code(err) != "ValidationException" {
		t.Errorf("disable another attribute: %v", err)
	}
	if err := update("no-such-table", "ttl", true); code(err) != "ResourceNotFoundException" {
		t.Errorf("missing table: %v", err)
	}
	if _, err := e.db.DescribeTimeToLive(e.ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("no-such-table")}); code(err) != "ResourceNotFoundException" {
		t.Errorf("describe a missing table: %v", err)
	}
	if err := update(e.table, "ttl", false); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if _, st := describe(); st != types.TimeToLiveStatusDisabled {
		t.Fatalf("after disable: %s", st)
	}

	if err := update(e.table, "ttl", true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.DeleteTable(e.ctx, &dynamodb.DeleteTableInput{TableName: &e.table}); err != nil {
		t.Fatal(err)
	}
	gone := dynamodb.NewTableNotExistsWaiter(e.db, func(o *dynamodb.TableNotExistsWaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	if err := gone.Wait(e.ctx, &dynamodb.DescribeTableInput{TableName: &e.table}, time.Minute); err != nil {
		t.Fatal(err)
	}
	_, err := e.db.CreateTable(e.ctx, &dynamodb.CreateTableInput{
		TableName:            &e.table,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, st := describe(); st != types.TimeToLiveStatusDisabled {
		t.Errorf("a recreated table kept the old one's TTL: %s", st)
	}
}
