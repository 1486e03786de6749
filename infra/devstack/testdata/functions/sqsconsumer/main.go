// Command sqsconsumer is a test SQS consumer. Each message body is {"id": ..., "mode": ...}: "ok"
// is processed; "once" fails the first time it is seen (remembered with a conditional write to the
// MARKS_TABLE DynamoDB table) and is processed on the next delivery; "always" always fails;
// "poison" makes the whole invocation return an error. Failures are reported with
// batchItemFailures. It prints "BATCH [ids]", "RECEIVED <id> <receive count> <event source>
// <queue arn>" for every message and "PROCESSED <id>".
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

type body struct {
	ID   string `json:"id"`
	Mode string `json:"mode"`
}

type consumer struct {
	ddb   *dynamodb.Client
	table string
}

func (c *consumer) firstTime(ctx context.Context, id string) (bool, error) {
	_, err := c.ddb.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(c.table),
		Item:                map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "sqs-" + id}},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var cfe *types.ConditionalCheckFailedException
	if errors.As(err, &cfe) {
		return false, nil
	}
	return err == nil, err
}

func (c *consumer) handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	bodies := make([]body, len(ev.Records))
	ids := make([]string, len(ev.Records))
	for i, r := range ev.Records {
		if err := json.Unmarshal([]byte(r.Body), &bodies[i]); err != nil {
			return resp, err
		}
		ids[i] = bodies[i].ID
		fmt.Printf("RECEIVED %s %s %s %s\n", bodies[i].ID, r.Attributes["ApproximateReceiveCount"], r.EventSource, r.EventSourceARN)
	}
	fmt.Printf("BATCH %v\n", ids)
	for _, b := range bodies {
		if b.Mode == "poison" {
			return resp, fmt.Errorf("poison message %s", b.ID)
		}
	}
	for i, b := range bodies {
		fail := b.Mode == "always"
		if b.Mode == "once" {
			first, err := c.firstTime(ctx, b.ID)
			if err != nil {
				return resp, err
			}
			fail = first
		}
		if fail {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
			continue
		}
		fmt.Printf("PROCESSED %s\n", b.ID)
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
