// Command steer is the real-time dispatch engine's minute (functions/steer/handler,
// shared/steering): every tenant's queues perceived, decided, applied and judged.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/functions/steer/handler"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/steering"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, streamName, endpoint := env.Get("TABLE_NAME"), env.Get("STREAM_NAME"), env.Get(push.EndpointEnv)
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	box := outbox.New(db, stream.NewPublisher(kinesis.NewFromConfig(cfg), streamName), log)
	eng := steering.New(steering.Config{DB: db, Commit: box, Floor: floor.New(db, box), Counts: intervals.New(db),
		Forecasts: forecaststore.New(db), Push: push.NewSender(push.NewRegistry(db), push.NewClient(cfg, endpoint)), Log: log})
	lambda.StartHandlerFunc(handler.New(eng, log).Invoke)
}
