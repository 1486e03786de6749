// Command api is the tenant-facing HTTP API function.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/functions/api/handler"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/forecastpub"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/steering"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/voc"
	"github.com/lingxi/lingxi/shared/vocreport"
	"github.com/lingxi/lingxi/shared/vocsource"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, streamName, queueURL := env.Get("TABLE_NAME"), env.Get("STREAM_NAME"), env.Get("TRAIN_QUEUE_URL")
	webhookQueueURL, reportBucket := env.Get("WEBHOOK_QUEUE_URL"), env.Get("REPORT_BUCKET")
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	ddb := dynamodb.NewFromConfig(cfg)
	db := store.New(ddb, table)
	limits := ratelimit.New(ddb, table, ratelimit.Options{Limits: ratelimit.PlanLimits{Store: db}})
	signIn := ratelimit.New(ddb, table, ratelimit.Options{Limits: handler.SignInLimits})
	pub := stream.NewPublisher(kinesis.NewFromConfig(cfg), streamName)
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
	sipPorts, err := egress.ParsePorts(os.Getenv("LOOPBACK_SIP_PORTS"))
	if err != nil {
		log.Error("LOOPBACK_SIP_PORTS", "err", err)
		os.Exit(1)
	}
	sqsClient := sqs.NewFromConfig(cfg)
	jobs := handler.NewSQSQueue(sqsClient, queueURL)
	replay := delivery.New(db, delivery.NewSQSQueue(sqsClient, webhookQueueURL), delivery.Config{}, log)
	box := outbox.New(db, pub, log)
	// The human service: the floor, and the conversations agents write to (no models: the api
	// never runs a bot turn).
	conversations := conversation.New(conversation.Config{DB: db, Commit: box, Quota: quota.New(db), Log: log})
	// Published forecasts and staffing; POST /v1/forecasts/publish publishes within the request.
	cal, counts, fl := forecastcal.New(db), intervals.New(db), floor.New(db, box)
	forecasts := forecastpub.New(forecastpub.Config{DB: db, Counts: counts, Cal: cal, Commit: box, Log: log, Source: handler.Source})
	// The real-time dispatch engine's reads, settings and overrides (the minute runs in the steer
	// function); an override of call_in records its event for partners' webhooks, without a push.
	engine := steering.New(steering.Config{DB: db, Commit: box, Floor: fl, Counts: counts, Forecasts: forecaststore.New(db), Log: log})
	// Weekly VOC reports, built on request (the feedback function's hourly {"job":"reports"} builds
	// each tenant's last complete week), from the stores the feedback function fills (vocsource).
	src := vocsource.Source{DB: db, Counts: voc.NewCounters(db), AlertBook: voc.NewAlerts(db, box, handler.Source),
		TopicBook: voc.NewTopicBook(db, nil), QABook: inspect.NewBook(db, box, handler.Source, nil)}
	reports := vocreport.New(vocreport.Config{DB: db, S3: modelstore.NewClient(cfg), Bucket: reportBucket,
		Source: src, Contacts: counts, Calendars: cal})
	api := handler.New(db, box, authn, log, handler.WithJobQueue(jobs), handler.WithRateLimiter(limits), handler.WithIdempotency(db),
		handler.WithFloor(fl), handler.WithConversations(conversations),
		handler.WithEgress(egress.Policy{LoopbackPorts: loopbackPorts}), handler.WithWebhookReplay(replay),
		handler.WithSIPEgress(egress.Policy{LoopbackPorts: sipPorts}), handler.WithSignInLimiter(signIn),
		handler.WithForecasts(forecasts, cal), handler.WithForecastData(counts, cal), handler.WithDispatch(engine),
		handler.WithQA(src.QABook), handler.WithVOCReports(reports), handler.WithVOC(src.AlertBook, src.Counts))
	lambda.StartHandlerFunc(api.Handle)
}
