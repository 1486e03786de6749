package emulators

import (
	"context"
	"crypto/rand"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The helpers below give a test resources of its own on the emulators. Each calls ForTest itself,
// bounds every emulator call by opTimeout, and fails the test (never skips) when the emulators
// refuse.
const (
	// opTimeout bounds one helper's calls to an emulator (creating, waiting, reading).
	opTimeout = time.Minute
	// cleanupTimeout bounds deleting a test's table or stream when the test ends.
	cleanupTimeout = 10 * time.Second
	// maxPages bounds the GetRecords calls ReadShards makes on one shard.
	maxPages = 1000
	// pageSize is the records ReadShards asks for per GetRecords call.
	pageSize = 1000
)

// AWSConfig starts (or reuses) the emulators and returns an SDK config that reaches them.
func AWSConfig(tb testing.TB) aws.Config {
	tb.Helper()
	ForTest(tb)
	cfg, err := config.LoadDefaultConfig(tb.Context())
	if err != nil {
		tb.Fatalf("emulators: load SDK config: %v", err)
	}
	return cfg
}

// NewTable creates a table no other test uses on dynalite with create (the schema's owner passes
// its own, store.CreateTable: this package does not import it, so that package's own tests can
// use NewTable too). The table is deleted when the test ends.
func NewTable(tb testing.TB, create func(context.Context, *dynamodb.Client, string) error) (*dynamodb.Client, string) {
	tb.Helper()
	db := dynamodb.NewFromConfig(AWSConfig(tb))
	table := uniqueName()
	ctx, cancel := context.WithTimeout(tb.Context(), opTimeout)
	defer cancel()
	if err := create(ctx, db, table); err != nil {
		tb.Fatalf("emulators: create table %s: %v", table, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &table})
	})
	return db, table
}

// NewStream creates a stream with the given number of shards that no other test uses on
// kinesalite, and returns once it is ACTIVE. The stream is deleted when the test ends.
func NewStream(tb testing.TB, shards int) (*kinesis.Client, string) {
	tb.Helper()
	kc := kinesis.NewFromConfig(AWSConfig(tb))
	name := uniqueName()
	ctx, cancel := context.WithTimeout(tb.Context(), opTimeout)
	defer cancel()
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(int32(shards))}); err != nil {
		tb.Fatalf("emulators: create stream %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		kc.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &name})
	})
	w := kinesis.NewStreamExistsWaiter(kc, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 250*time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: &name}, opTimeout); err != nil {
		tb.Fatalf("emulators: stream %s never became active: %v", name, err)
	}
	return kc, name
}

// ReadShards reads every record of every shard of stream name from TRIM_HORIZON, by shard id (a
// shard with no records maps to nil). A shard is read until a page comes back empty and not behind
// the tip, so it returns what was written before it was called.
func ReadShards(tb testing.TB, kc *kinesis.Client, name string) map[string][]types.Record {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), opTimeout)
	defer cancel()
	ls, err := kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name})
	if err != nil {
		tb.Fatalf("emulators: list shards of %s: %v", name, err)
	}
	out := make(map[string][]types.Record, len(ls.Shards))
	for _, sh := range ls.Shards {
		id := aws.ToString(sh.ShardId)
		it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: &name, ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			tb.Fatalf("emulators: shard iterator %s of %s: %v", id, name, err)
		}
		out[id] = nil
		iter, pages := it.ShardIterator, 0
		for ; iter != nil && pages < maxPages; pages++ {
			res, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(pageSize)})
			if err != nil {
				tb.Fatalf("emulators: get records %s of %s: %v", id, name, err)
			}
			out[id] = append(out[id], res.Records...)
			if len(res.Records) == 0 && aws.ToInt64(res.MillisBehindLatest) == 0 {
				break // caught up
			}
			iter = res.NextShardIterator
		}
		if iter != nil && pages == maxPages {
			tb.Fatalf("emulators: shard %s of %s not read to its end in %d pages", id, name, maxPages)
		}
	}
	return out
}

// ReadStream returns every record on stream name decoded by decode (events.Decode), read as
// ReadShards reads them: shard by shard in shard id order, each shard's records in sequence order.
// A record that does not decode fails the test.
func ReadStream[T any](tb testing.TB, kc *kinesis.Client, name string, decode func([]byte) (T, error)) []T {
	tb.Helper()
	shards := ReadShards(tb, kc, name)
	var out []T
	for _, id := range slices.Sorted(maps.Keys(shards)) {
		for _, r := range shards[id] {
			v, err := decode(r.Data)
			if err != nil {
				tb.Fatalf("emulators: stream %s holds a record that does not decode (shard %s, sequence %s): %v", name, id, aws.ToString(r.SequenceNumber), err)
			}
			out = append(out, v)
		}
	}
	return out
}

// NewBucket creates a bucket no other test uses on s3rver through a client made by newClient,
// and returns both. newClient is the production constructor under test (modelstore.NewClient);
// it must address s3rver path-style. The bucket is left for s3rver's data directory to hold.
func NewBucket(tb testing.TB, newClient func(aws.Config) *s3.Client) (*s3.Client, string) {
	tb.Helper()
	client := newClient(AWSConfig(tb))
	bucket := uniqueName()
	ctx, cancel := context.WithTimeout(tb.Context(), opTimeout)
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		tb.Fatalf("emulators: create bucket %s: %v", bucket, err)
	}
	return client, bucket
}

// uniqueName returns a name valid for a table, a stream and a bucket alike (lowercase, 31
// characters) that no other test picks.
func uniqueName() string {
	return "test-" + strings.ToLower(rand.Text())
}
