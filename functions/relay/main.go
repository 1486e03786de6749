// Command relay publishes events that a write committed but could not publish at once (see
// shared/outbox). It runs on a schedule.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

// grace leaves records alone while the write that made them may still be publishing.
const grace = 30 * time.Second

func main() {
	log := lambdacontext.NewLogger()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), os.Getenv("TABLE_NAME"))
	box := outbox.New(db, stream.NewPublisher(kinesis.NewFromConfig(cfg), os.Getenv("STREAM_NAME")), log)
	lambda.StartHandlerFunc(func(ctx context.Context, _ events.EventBridgeEvent) (int, error) {
		n, err := box.Relay(ctx, grace)
		if n > 0 {
			log.InfoContext(ctx, "relayed events", "count", n)
		}
		return n, err
	})
}
