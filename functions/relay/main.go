// Command relay publishes the events that writes committed but did not publish at once (see
// shared/outbox and docs/events.md): every shard of the outbox, each subject in commit order. It
// runs on a schedule.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

// grace leaves a subject alone while its oldest record is younger: the write that made it may
// still be publishing it.
const grace = 30 * time.Second

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, streamName := env.Get("TABLE_NAME"), env.Get("STREAM_NAME")
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	box := outbox.New(store.New(dynamodb.NewFromConfig(cfg), table), stream.NewPublisher(kinesis.NewFromConfig(cfg), streamName), log)
	lambda.StartHandlerFunc(func(ctx context.Context, _ events.EventBridgeEvent) (int, error) {
		n, err := box.Relay(ctx, grace)
		if n > 0 {
			log.InfoContext(ctx, "relayed events", "count", n)
		}
		return n, err
	})
}
