package devstack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Credentials every local client and function uses; s3rver accepts only its built-in account,
// dynalite and kinesalite accept any.
const (
	localAccessKey = "S3RVER"
	localSecretKey = "S3RVER"
)

// Credentials are the local stack's credentials for an SDK client of this process (the media edge,
// tests, the bench), the ones devstack gives its functions.
func Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(localAccessKey, localSecretKey, "")
}

// clients are devstack's own SDK clients for the emulators.
type clients struct {
	ddb *dynamodb.Client
	kin *kinesis.Client
	s3  *s3.Client
}

func newClients(dynamo, kin, s3url string) *clients {
	cfg := aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider(localAccessKey, localSecretKey, ""),
	}
	return &clients{
		ddb: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(dynamo) }),
		kin: kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(kin) }),
		s3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(s3url); o.UsePathStyle = true }),
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func keySchema(v any) []dtypes.KeySchemaElement {
	var out []dtypes.KeySchemaElement
	for _, k := range asList(v) {
		km := asMap(k)
		out = append(out, dtypes.KeySchemaElement{AttributeName: aws.String(scalarString(km["AttributeName"])), KeyType: dtypes.KeyType(scalarString(km["KeyType"]))})
	}
	return out
}

func projection(v any) *dtypes.Projection {
	pm := asMap(v)
	p := &dtypes.Projection{ProjectionType: dtypes.ProjectionType(scalarString(pm["ProjectionType"]))}
	if p.ProjectionType == "" {
		p.ProjectionType = dtypes.ProjectionTypeAll
	}
	for _, a := range asList(pm["NonKeyAttributes"]) {
		p.NonKeyAttributes = append(p.NonKeyAttributes, scalarString(a))
	}
	return p
}

func throughput(v any) *dtypes.ProvisionedThroughput {
	tm := asMap(v)
	r, _ := toInt(tm["ReadCapacityUnits"], 5)
	w, _ := toInt(tm["WriteCapacityUnits"], 5)
	return &dtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(int64(r)), WriteCapacityUnits: aws.Int64(int64(w))}
}

// createTableInput maps AWS::DynamoDB::Table properties to the CreateTable call.
func createTableInput(t *tableSpec) *dynamodb.CreateTableInput {
	p := t.Props
	in := &dynamodb.CreateTableInput{TableName: aws.String(t.Name), KeySchema: keySchema(p["KeySchema"])}
	for _, a := range asList(p["AttributeDefinitions"]) {
		am := asMap(a)
		in.AttributeDefinitions = append(in.AttributeDefinitions, dtypes.AttributeDefinition{
			AttributeName: aws.String(scalarString(am["AttributeName"])), AttributeType: dtypes.ScalarAttributeType(scalarString(am["AttributeType"]))})
	}
	onDemand := scalarString(p["BillingMode"]) == "PAY_PER_REQUEST"
	if onDemand {
		in.BillingMode = dtypes.BillingModePayPerRequest
	} else {
		in.ProvisionedThroughput = throughput(p["ProvisionedThroughput"])
	}
	for _, g := range asList(p["GlobalSecondaryIndexes"]) {
		gm := asMap(g)
		gsi := dtypes.GlobalSecondaryIndex{IndexName: aws.String(scalarString(gm["IndexName"])), KeySchema: keySchema(gm["KeySchema"]), Projection: projection(gm["Projection"])}
		if !onDemand {
			gsi.ProvisionedThroughput = throughput(gm["ProvisionedThroughput"])
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
	}
	for _, l := range asList(p["LocalSecondaryIndexes"]) {
		lm := asMap(l)
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, dtypes.LocalSecondaryIndex{
			IndexName: aws.String(scalarString(lm["IndexName"])), KeySchema: keySchema(lm["KeySchema"]), Projection: projection(lm["Projection"])})
	}
	return in
}

// ensureTable creates a table (or finds it) and turns on its TTL. No local DynamoDB deletes
// expired items (the emulators' front records the setting, dynalite has none), so devstack sweeps
// them itself (sweepTTL).
func (c *clients) ensureTable(ctx context.Context, t *tableSpec) error {
	in := createTableInput(t)
	if _, err := c.ddb.CreateTable(ctx, in); err != nil {
		if apiCode(err) != "ResourceInUseException" {
			return fmt.Errorf("create table %s: %w", t.Name, err)
		}
		desc, err := c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", t.Name, err)
		}
		have := map[string]bool{}
		for _, g := range desc.Table.GlobalSecondaryIndexes {
			have[aws.ToString(g.IndexName)] = true
		}
		for _, g := range in.GlobalSecondaryIndexes {
			if !have[aws.ToString(g.IndexName)] {
				return fmt.Errorf("table %s exists without index %s; restart with -clean to recreate it", t.Name, aws.ToString(g.IndexName))
			}
		}
	}
	for i := 0; ; i++ {
		desc, err := c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", t.Name, err)
		}
		if desc.Table.TableStatus == dtypes.TableStatusActive {
			break
		}
		if i > 300 {
			return fmt.Errorf("table %s did not become ACTIVE", t.Name)
		}
		if !wait(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
	if t.TTLAttr == "" {
		return nil
	}
	_, err := c.ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: in.TableName,
		TimeToLiveSpecification: &dtypes.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttr), Enabled: aws.Bool(true)}})
	if err != nil && apiCode(err) != "ValidationException" { // ValidationException: already on
		return fmt.Errorf("enable TTL on table %s: %w", t.Name, err)
	}
	return nil
}

func (c *clients) ensureStream(ctx context.Context, s *streamSpec) error {
	_, err := c.kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(s.Name), ShardCount: aws.Int32(int32(s.Shards))})
	if err != nil && apiCode(err) != "ResourceInUseException" {
		return fmt.Errorf("create stream %s: %w", s.Name, err)
	}
	for i := 0; ; i++ {
		out, err := c.kin.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(s.Name)})
		if err != nil {
			return fmt.Errorf("describe stream %s: %w", s.Name, err)
		}
		if out.StreamDescriptionSummary.StreamStatus == ktypes.StreamStatusActive {
			return nil
		}
		if i > 300 {
			return fmt.Errorf("stream %s did not become ACTIVE", s.Name)
		}
		if !wait(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
}

func (c *clients) ensureBucket(ctx context.Context, name string) error {
	_, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	var owned *s3types.BucketAlreadyOwnedByYou
	var exists *s3types.BucketAlreadyExists
	if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

// sweepTTL deletes the items of t whose TTL attribute (epoch seconds) is in the past, as DynamoDB's
// TTL does, for emulators that do not implement it.
func (c *clients) sweepTTL(ctx context.Context, t *tableSpec, now time.Time) (int, error) {
	var keys []string
	for _, k := range keySchema(t.Props["KeySchema"]) {
		keys = append(keys, aws.ToString(k.AttributeName))
	}
	deleted := 0
	var start map[string]dtypes.AttributeValue
	for {
		out, err := c.ddb.Scan(ctx, &dynamodb.ScanInput{
			TableName:                 aws.String(t.Name),
			FilterExpression:          aws.String("#ttl < :now"),
			ExpressionAttributeNames:  map[string]string{"#ttl": t.TTLAttr},
			ExpressionAttributeValues: map[string]dtypes.AttributeValue{":now": &dtypes.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return deleted, err
		}
		for _, item := range out.Items {
			key := map[string]dtypes.AttributeValue{}
			for _, k := range keys {
				key[k] = item[k]
			}
			if _, err := c.ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(t.Name), Key: key}); err != nil {
				return deleted, err
			}
			deleted++
		}
		if start = out.LastEvaluatedKey; len(start) == 0 {
			return deleted, nil
		}
	}
}
