// Command api is the tenant-facing HTTP API function.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/functions/api/handler"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

func main() {
	log := lambdacontext.NewLogger()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "err", err)
		os.Exit(1)
	}
	ddb, table := dynamodb.NewFromConfig(cfg), os.Getenv("TABLE_NAME")
	db := store.New(ddb, table)
	limits := ratelimit.New(ddb, table, ratelimit.Options{Limits: ratelimit.PlanLimits{Store: db}})
	pub := stream.NewPublisher(kinesis.NewFromConfig(cfg), os.Getenv("STREAM_NAME"))
	authn, err := auth.NewAuthenticator(db, os.Getenv("ADMIN_KEY_SHA256"))
	if err != nil {
		log.Error("configure auth", "err", err)
		os.Exit(1)
	}
	loopbackPorts, err := egress.ParsePorts(os.Getenv("LOOPBACK_WEBHOOK_PORTS"))
	if err != nil {
		log.Error("LOOPBACK_WEBHOOK_PORTS", "err", err)
		os.Exit(1)
	}
	queueURL := os.Getenv("TRAIN_QUEUE_URL")
	if queueURL == "" {
		log.Error("TRAIN_QUEUE_URL is not set")
		os.Exit(1)
	}
	webhookQueueURL := os.Getenv("WEBHOOK_QUEUE_URL")
	if webhookQueueURL == "" {
		log.Error("WEBHOOK_QUEUE_URL is not set")
		os.Exit(1)
	}
	sqsClient := sqs.NewFromConfig(cfg)
	jobs := handler.NewSQSQueue(sqsClient, queueURL)
	replay := delivery.New(db, delivery.NewSQSQueue(sqsClient, webhookQueueURL), delivery.Config{}, log)
	api := handler.New(db, outbox.New(db, pub, log), authn, log, handler.WithJobQueue(jobs), handler.WithRateLimiter(limits), handler.WithIdempotency(db),
		handler.WithEgress(egress.Policy{LoopbackPorts: loopbackPorts}), handler.WithWebhookReplay(replay))
	lambda.StartHandlerFunc(api.Handle)
}
