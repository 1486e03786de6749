// Command webhooks is the stream consumer of partners' event webhooks: it turns each event into
// deliveries for the tenant's endpoints subscribed to its type (shared/webhooks/delivery) and
// queues them for the deliver function. It sends no HTTP itself, so no endpoint holds up a shard.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, queueURL := env.Get("TABLE_NAME"), env.Get("WEBHOOK_QUEUE_URL")
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	svc := delivery.New(db, delivery.NewSQSQueue(sqs.NewFromConfig(cfg), queueURL), delivery.Config{}, log)
	consumer := stream.NewConsumer("webhooks", svc.Fanout, db, stream.WithLogger(log))
	lambda.StartHandlerFunc(consumer.Handle)
}
