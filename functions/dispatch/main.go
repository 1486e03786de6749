// Command dispatch is the routing function: it consumes the event stream and its timer queue
// (functions/dispatch/handler), offers waiting contacts to agents and pushes the offers to them.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/functions/dispatch/handler"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, streamName := env.Get("TABLE_NAME"), env.Get("STREAM_NAME")
	timers, endpoint := env.Get("TIMER_QUEUE_URL"), env.Get(push.EndpointEnv)
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	box := outbox.New(db, stream.NewPublisher(kinesis.NewFromConfig(cfg), streamName), log)
	h := handler.New(handler.Config{
		DB: db, Floor: floor.New(db, box), Log: log,
		Notifier: push.NewSender(push.NewRegistry(db), push.NewClient(cfg, endpoint)),
		Timers:   sqs.NewFromConfig(cfg), TimerQueueURL: timers,
	})
	lambda.StartHandlerFunc(h.Invoke)
}
