// Command train is the NLU training worker: an SQS event source mapping on the training queue
// invokes it with one job message at a time (functions/train/handler).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/functions/train/handler"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, streamName, bucket := env.Get("TABLE_NAME"), env.Get("STREAM_NAME"), env.Get("MODEL_BUCKET")
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	pub := stream.NewPublisher(kinesis.NewFromConfig(cfg), streamName)
	models := modelstore.New(modelstore.NewClient(cfg), bucket)
	w := handler.New(db, outbox.New(db, pub, log), models, log)
	lambda.StartHandlerFunc(w.Handle)
}
