// Command chat is the chat function: customer conversations over chat and voice, one turn at a
// time, and the business events that feed "guess your question".
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/functions/chat/handler"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/guess"
	"github.com/lingxi/lingxi/shared/idlequeue"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/widget"
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
	ddb := dynamodb.NewFromConfig(cfg)
	db := store.New(ddb, table)
	limits := ratelimit.New(ddb, table, ratelimit.Options{Limits: ratelimit.PlanLimits{Store: db}})
	box := outbox.New(db, stream.NewPublisher(kinesis.NewFromConfig(cfg), streamName), log)
	authn, err := auth.NewAuthenticator(db, "") // no platform-admin on customer routes
	if err != nil {
		log.Error("configure auth", "err", err)
		os.Exit(1)
	}
	loopbackPorts, err := egress.ParsePorts(os.Getenv("LOOPBACK_WEBHOOK_PORTS"))
	if err != nil {
		log.Error("LOOPBACK_WEBHOOK_PORTS", "err", err)
		os.Exit(1)
	}
	models := conversation.NewModels(db, conversation.BundleLoader(modelstore.New(modelstore.NewClient(cfg), bucket)), 0, 0, log)
	var idle conversation.IdleScheduler
	if u := os.Getenv("IDLE_QUEUE_URL"); u != "" {
		idle = idlequeue.New(sqs.NewFromConfig(cfg), u)
	} else {
		log.Warn("IDLE_QUEUE_URL is not set: conversations the customer leaves are never ended")
	}
	svc := conversation.New(conversation.Config{
		DB: db, Commit: box, Models: models, Guess: guess.NewStore(db, guess.Options{}), Log: log, Quota: quota.New(db), Idle: idle,
		// Only the local stack names ports: there the demo bank's webhooks listen on 127.0.0.1.
		LoopbackWebhookPorts: loopbackPorts,
	})
	// API Gateway HTTP events and the media edge's direct voice turns (handler/invoke.go).
	visitors := ratelimit.New(ddb, table, ratelimit.Options{Limits: widget.Limits})
	widgets := handler.WithWidgets(handler.Widgets{Store: db, Visitors: authn, Limiter: visitors})
	lambda.StartHandlerFunc(handler.New(svc, box, authn, log, handler.WithIdempotency(db), handler.WithRateLimiter(limits), widgets, handler.WithFeedback(db)).Invoke)
}
