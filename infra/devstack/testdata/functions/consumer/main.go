// Command consumer is a test Kinesis consumer. Each record's data is {"id": ..., "mode": ...}:
// "ok" is processed; "once" fails the first time it is seen (remembered with a conditional write to
// the MARKS_TABLE DynamoDB table) and is processed on retry; "always" always fails; "poison" makes
// the whole invocation return an error. Failures are reported with batchItemFailures, stopping at
// the first one. Every processed record prints "PROCESSED <id>".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type record struct {
	ID   string `json:"id"`
	Mode string `json:"mode"`
}

type consumer struct {
	ddb   *dynamodb.Client
	table string
}

// firstTime records id in the marks table and reports whether it was not there yet.
func (c *consumer) firstTime(ctx context.Context, id string) (bool, error) {
	_, err := c.ddb.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(c.table),
		Item:                map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var cfe *types.ConditionalCheckFailedException
	if errors.As(err, &cfe) {
		return false, nil
	}
	return err == nil, err
}

func (c *consumer) handle(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	var resp events.KinesisEventResponse
	recs := make([]record, len(ev.Records))
	ids := make([]string, len(ev.Records))
	for i, r := range ev.Records {
		if err := json.Unmarshal(r.Kinesis.Data, &recs[i]); err != nil {
			return resp, err
		}
		ids[i] = recs[i].ID
	}
	fmt.Printf("BATCH %v\n", ids)
	for _, r := range recs {
		if r.Mode == "poison" {
			return resp, fmt.Errorf("poison record %s", r.ID)
		}
	}
	for i, r := range recs {
		fail := r.Mode == "always"
		if r.Mode == "once" {
			first, err := c.firstTime(ctx, r.ID)
			if err != nil {
				return resp, err
			}
			fail = first
		}
		if fail {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: ev.Records[i].Kinesis.SequenceNumber})
			return resp, nil
		}
		fmt.Printf("PROCESSED %s\n", r.ID)
	}
	return resp, nil
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c := &consumer{ddb: dynamodb.NewFromConfig(cfg), table: os.Getenv("MARKS_TABLE")}
	lambda.Start(c.handle)
}
