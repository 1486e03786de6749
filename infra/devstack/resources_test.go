package devstack

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// The template's table (keys, GSI, TTL), on-demand stream, bucket and queue exist in the emulators,
// reached with the real SDK the way a script would (config.LoadDefaultConfig and the
// AWS_ENDPOINT_URL_* variables), and a second start on the same state changes nothing.
func TestResourcesAreCreatedIdempotently(t *testing.T) {
	clock := newFakeClock(time.Now())
	state, name := t.TempDir(), "res-"+newUUID()[:6]
	edit := func(c *Config) { c.Clock, c.StateDir, c.StackName = clock, state, name }
	st, logs := startStack(t, "resources.yaml", edit)
	ctx := context.Background()
	t.Setenv("AWS_ENDPOINT_URL_SQS", st.SQSURL())
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ddb := dynamodb.NewFromConfig(cfg)

	table := st.Ref("Table")
	if table != name+"-main" {
		t.Errorf("table name %q: want the declared TableName", table)
	}
	desc, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.Table.KeySchema) != 2 || len(desc.Table.GlobalSecondaryIndexes) != 1 || aws.ToString(desc.Table.GlobalSecondaryIndexes[0].IndexName) != "gsi1" {
		t.Errorf("table %+v", desc.Table)
	}

	shards, err := kinesis.NewFromConfig(cfg).ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(st.Ref("EventStream"))})
	if err != nil {
		t.Fatal(err)
	}
	if len(shards.Shards) != onDemandShards {
		t.Errorf("%d shards for an ON_DEMAND stream, want %d", len(shards.Shards), onDemandShards)
	}

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(st.Ref("Bucket"))}); err != nil {
		t.Errorf("bucket %s: %v", st.Ref("Bucket"), err)
	}
	if st.Ref("ProdOnlyBucket") != "" {
		t.Errorf("a bucket whose Condition is false was set up")
	}

	q := sqs.NewFromConfig(cfg)
	url, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name + "-failures")})
	if err != nil || aws.ToString(url.QueueUrl) != st.QueueURL("FailureQueue") {
		t.Fatalf("queue url %v %v", url, err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil || attrs.Attributes["VisibilityTimeout"] != "5" || attrs.Attributes["QueueArn"] != queueARN(name+"-failures") {
		t.Errorf("queue attributes %v %v", attrs, err)
	}

	// TTL: the table's TTL is on (the emulators' front records it), and devstack's sweeper deletes
	// expired items on its interval, since no local DynamoDB does.
	if d, err := ddb.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)}); err != nil ||
		d.TimeToLiveDescription.TimeToLiveStatus != dtypes.TimeToLiveStatusEnabled || aws.ToString(d.TimeToLiveDescription.AttributeName) != "expiresAt" {
		t.Fatalf("table TTL: %+v %v", d, err)
	}
	now := clock.Now().Unix()
	for id, exp := range map[string]int64{"expired": now - 60, "live": now + 3600} {
		_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]dtypes.AttributeValue{
			"pk": &dtypes.AttributeValueMemberS{Value: id}, "sk": &dtypes.AttributeValueMemberS{Value: "x"},
			"expiresAt": &dtypes.AttributeValueMemberN{Value: strconv.FormatInt(exp, 10)},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	clock.waitTimers(t, 1)
	clock.Advance(time.Minute)
	logs.waitLines(t, 10*time.Second, 1, "TTL expired items", "deleted=1")
	for id, want := range map[string]int{"expired": 0, "live": 1} {
		out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]dtypes.AttributeValue{
			"pk": &dtypes.AttributeValueMemberS{Value: id}, "sk": &dtypes.AttributeValueMemberS{Value: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(out.Item); (got > 0) != (want == 1) {
			t.Errorf("item %s present=%v", id, got > 0)
		}
	}

	st.Close()
	st2, _ := startStack(t, "resources.yaml", edit)
	if st2.Ref("Table") != table {
		t.Errorf("restart renamed the table")
	}
	out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]dtypes.AttributeValue{
		"pk": &dtypes.AttributeValueMemberS{Value: "live"}, "sk": &dtypes.AttributeValueMemberS{Value: "x"}}})
	if err != nil || len(out.Item) == 0 {
		t.Errorf("data did not survive a restart: %v", err)
	}
}
