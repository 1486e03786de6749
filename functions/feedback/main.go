// Command feedback is the voice of the customer from the event stream: contacts counted per
// intent, topic, queue and negative sentiment, spikes alerted, alerts pushed to supervisors, topics
// clustered on a schedule (functions/feedback/handler, docs/voc.md).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/functions/feedback/handler"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/voc"
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
	counts, alerts := voc.NewCounters(db), voc.NewAlerts(db, box, handler.Source)
	// The integrator's seams: a Sentiment (shared/sentiment), Topics and a Clusterer
	// (shared/topics), shared/spikes' detector in place of voc.Simple{}, and the other parts.
	var (
		sentiment handler.Sentiment
		topics    handler.Topics
		cluster   handler.Clusterer
		detector  voc.Detector   = voc.Simple{}
		parts     []handler.Part // shared/inspect's Inspector, shared/satisfaction's fold
	)
	pusher := push.NewSender(push.NewRegistry(db), push.NewClient(cfg, endpoint))
	h := handler.New(handler.Config{DB: db, Counts: counts, Log: log, Cluster: cluster,
		Parts:  append([]handler.Part{voc.NewCounting(counts, sentiment, topics, log), voc.NewNotifier(alerts, pusher, log)}, parts...),
		Spikes: voc.NewSpikes(counts, alerts, detector, log).WithForecasts(voc.RollingForecasts{S: forecaststore.New(db)})})
	lambda.StartHandlerFunc(h.Invoke)
}
