// Command forecast counts contacts into interval series from the event stream and publishes the
// forecast products on its schedules (functions/forecast/handler, docs/forecasting.md).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/functions/forecast/handler"
	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/forecastpub"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, streamName := env.Get("TABLE_NAME"), env.Get("STREAM_NAME")
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	counters := intervals.New(db)
	pub := forecastpub.New(forecastpub.Config{DB: db, Counts: counters, Cal: forecastcal.New(db), Log: log, Source: handler.Source,
		Commit: outbox.New(db, stream.NewPublisher(kinesis.NewFromConfig(cfg), streamName), log)})
	lambda.StartHandlerFunc(handler.New(db, pub, handler.NewCounter(counters, log), log).Invoke)
}
