package emulators

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The SDK's standard endpoint variables reach each emulator.
func TestForTestReachesEveryEmulator(t *testing.T) {
	ForTest(t)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("dynamodb: %v", err)
	}
	if _, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("kinesis: %v", err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("probe")}); err != nil {
		t.Fatalf("s3: %v", err)
	}
}

// The test kit gives a test a table, a stream and a bucket of its own, reads back every record
// from every shard, and deletes the table and stream when the test ends.
func TestKit(t *testing.T) {
	ctx := t.Context()
	var (
		db    *dynamodb.Client
		table string
		kc    *kinesis.Client
		name  string
	)
	t.Run("use", func(t *testing.T) {
		db, table = NewTable(t, func(ctx context.Context, db *dynamodb.Client, table string) error {
			_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
				TableName:            &table,
				AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: dtypes.ScalarAttributeTypeS}},
				KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: dtypes.KeyTypeHash}},
				BillingMode:          dtypes.BillingModePayPerRequest,
			})
			return err
		})
		if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table}); err != nil {
			t.Fatalf("table %s: %v", table, err)
		}

		kc, name = NewStream(t, 2)
		var want []string
		var entries []ktypes.PutRecordsRequestEntry
		for i := range 20 {
			want = append(want, fmt.Sprint("record-", i))
			entries = append(entries, ktypes.PutRecordsRequestEntry{Data: []byte(want[i]), PartitionKey: aws.String(fmt.Sprint("key-", i))})
		}
		out, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("put records: %v, %d failed", err, aws.ToInt32(out.FailedRecordCount))
		}
		shards := ReadShards(t, kc, name)
		n := 0
		for id, recs := range shards {
			if len(recs) == 0 {
				t.Errorf("shard %s read empty; 20 keys should spread over both", id)
			}
			n += len(recs)
		}
		if len(shards) != 2 || n != len(want) {
			t.Fatalf("read %d records from %d shards, want %d from 2", n, len(shards), len(want))
		}
		got := ReadStream(t, kc, name, func(b []byte) (string, error) { return string(b), nil })
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("ReadStream = %v, want %v", got, want)
		}

		s3c, bucket := NewBucket(t, func(cfg aws.Config) *s3.Client {
			return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		})
		if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); err != nil {
			t.Fatalf("bucket %s: %v", bucket, err)
		}
		if bucket == table || bucket == name {
			t.Fatalf("names repeat: table %s, stream %s, bucket %s", table, name, bucket)
		}
	})
	if t.Failed() {
		return
	}
	if d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table}); err == nil && d.Table.TableStatus != dtypes.TableStatusDeleting {
		t.Errorf("table %s is %s after its test ended", table, d.Table.TableStatus)
	}
	if d, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name}); err == nil && d.StreamDescriptionSummary.StreamStatus != ktypes.StreamStatusDeleting {
		t.Errorf("stream %s is %s after its test ended", name, d.StreamDescriptionSummary.StreamStatus)
	}
}

// Regression: a client that went away in the middle of a request (a function instance killed
// mid-PutRecords) made kinesalite throw "aborted" from its request handler and exit, taking every
// later test of the run with it. The emulators now keep serving.
func TestClientGoneMidRequestLeavesEmulatorsServing(t *testing.T) {
	e := ForTest(t)
	for name, base := range map[string]string{"kinesalite": e.Kinesis, "dynamodb front": e.DynamoDB, "s3rver": e.S3} {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// Headers promising a body, half of it, then gone.
			fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.1\r\n"+
				"X-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 1000\r\n\r\n{\"Limit\":", u.Host)
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // close with a reset, as a killed process's socket does
			}
			conn.Close()
		}
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Give a crash a moment to happen, by asking (not sleeping) until the answer is certain.
	for i := 0; i < 20; i++ {
		if _, err := kinesis.NewFromConfig(cfg).ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
			t.Fatalf("kinesalite after clients went away: %v", err)
		}
		if _, err := dynamodb.NewFromConfig(cfg).ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
			t.Fatalf("dynamodb after clients went away: %v", err)
		}
	}
}
