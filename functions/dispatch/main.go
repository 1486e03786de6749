// Command dispatch is the routing and real-time scheduling function, fed by the event stream.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lingxi/lingxi/functions/dispatch/handler"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table := env.Get("TABLE_NAME")
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	consumer := stream.NewConsumer("dispatch", handler.New(db, log).Handle, db, stream.WithLogger(log))
	lambda.StartHandlerFunc(consumer.Handle)
}
