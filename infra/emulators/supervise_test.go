package emulators

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/lingxi/lingxi/infra/logbuf"
)

// Regression (issue 7, defect 10): a killed kinesalite stayed dead and events piled up. Supervised
// emulators killed with SIGKILL come back on the same port with the same data, and say so.
func TestSupervisedEmulatorsComeBackWithTheirData(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	log := &logbuf.Buffer{}
	r, err := Start(ctx, Options{DataDir: t.TempDir(), Log: log, Supervise: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	creds := credentials.NewStaticCredentialsProvider("k", "s", "")
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: &r.DynamoDB, Credentials: creds})
	kc := kinesis.New(kinesis.Options{Region: "us-east-1", BaseEndpoint: &r.Kinesis, Credentials: creds})

	table, stream := "kept", "kept"
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            &table,
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: dtypes.ScalarAttributeTypeS}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: dtypes.KeyTypeHash}},
		BillingMode:          dtypes.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &table}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]dtypes.AttributeValue{
		"pk": &dtypes.AttributeValueMemberS{Value: "before"},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &stream, ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if err := kinesis.NewStreamExistsWaiter(kc).Wait(ctx, &kinesis.DescribeStreamInput{StreamName: &stream}, time.Minute); err != nil {
		t.Fatal(err)
	}

	for _, kind := range []string{"kinesalite", "dynalite"} {
		pid := r.Pid(kind)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %s (%d): %v", kind, pid, err)
		}
	}
	// The SDK retries while an emulator is down; poll until each answers again (the context bounds
	// the wait), then check the data.
	for {
		_, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &stream, Data: []byte("after"), PartitionKey: aws.String("k")})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("kinesalite never came back: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]dtypes.AttributeValue{
			"pk": &dtypes.AttributeValueMemberS{Value: "before"},
		}})
		if err == nil {
			if out.Item == nil {
				t.Fatal("dynalite came back without the item written before the kill")
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("dynalite never came back: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	sum, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &stream})
	if err != nil || sum.StreamDescriptionSummary.StreamStatus != ktypes.StreamStatusActive {
		t.Fatalf("stream after restart: %v %v", sum, err)
	}
	for _, kind := range []string{"kinesalite", "dynalite"} {
		if !strings.Contains(log.String(), "restarted "+kind+" after exit") {
			t.Errorf("log does not say %s was restarted:\n%s", kind, log)
		}
	}
}
