// Command deliver sends partners' event webhooks: an SQS event source mapping on the webhook
// queue invokes it with delivery attempts (functions/deliver/handler, shared/webhooks/delivery).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/functions/deliver/handler"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, queueURL := env.Get("TABLE_NAME"), env.Get("WEBHOOK_QUEUE_URL")
	ports, err := egress.ParsePorts(os.Getenv("LOOPBACK_WEBHOOK_PORTS"))
	if err != nil {
		log.Error("LOOPBACK_WEBHOOK_PORTS", "err", err)
		os.Exit(1)
	}
	retry, err := delivery.ConfigFromEnv()
	if err != nil {
		log.Error("retry configuration", "err", err)
		os.Exit(1)
	}
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	svc := delivery.New(db, delivery.NewSQSQueue(sqs.NewFromConfig(cfg), queueURL), retry, log,
		delivery.WithHTTPClient(egress.NewClient(egress.Policy{LoopbackPorts: ports})))
	lambda.StartHandlerFunc(handler.New(svc, log).Handle)
}
