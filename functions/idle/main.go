// Command idle is the idle function: an SQS event source mapping on the idle queue invokes it with
// the conversations' idle checks (functions/idle/handler); it ends the conversations the customer
// left and counts them out of the live conversations.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/functions/idle/handler"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/idlequeue"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, streamName, queueURL := env.Get("TABLE_NAME"), env.Get("STREAM_NAME"), env.Get("IDLE_QUEUE_URL")
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	box := outbox.New(db, stream.NewPublisher(kinesis.NewFromConfig(cfg), streamName), log)
	svc := conversation.New(conversation.Config{
		DB: db, Commit: box, Quota: quota.New(db), Log: log,
		Idle: idlequeue.New(sqs.NewFromConfig(cfg), queueURL),
	})
	lambda.StartHandlerFunc(handler.New(svc, log).Handle)
}
