// Command feedback is the voice of the customer from the event stream: contacts counted per
// intent, topic, queue and negative sentiment, spikes alerted, alerts pushed to supervisors, topics
// clustered on a schedule, weekly VOC reports built on a schedule (functions/feedback/handler,
// docs/voc.md, docs/voc-report.md).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/functions/feedback/handler"
	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/sentiment/tenantmodel"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/voc"
	"github.com/lingxi/lingxi/shared/vocreport"
	"github.com/lingxi/lingxi/shared/vocsource"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, streamName, endpoint, bucket := env.Get("TABLE_NAME"), env.Get("STREAM_NAME"), env.Get(push.EndpointEnv), env.Get("MODEL_BUCKET")
	reportBucket := env.Get("REPORT_BUCKET")
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	box := outbox.New(db, stream.NewPublisher(kinesis.NewFromConfig(cfg), streamName), log)
	counts, alerts := voc.NewCounters(db), voc.NewAlerts(db, box, handler.Source)
	pusher := push.NewSender(push.NewRegistry(db), push.NewClient(cfg, endpoint))
	// Sentiment is each tenant's model (shared/sentiment/tenantmodel: the default, trained at start
	// from the project's own seed corpus, until the tenant's own surveys retrain it, in S3); topics
	// are shared/topics' tracker kept per tenant; spikes are shared/spikes'.
	s3c := modelstore.NewClient(cfg)
	sentiment := tenantmodel.New(tenantmodel.Config{DB: db, S3: s3c, Bucket: bucket, Log: log})
	book := voc.NewTopicBook(db, nil)
	inspector := inspect.New(inspect.Config{DB: db, Commit: box, Push: pusher, Sentiment: sentiment, Log: log, Source: handler.Source})
	var (
		topics   handler.Topics    = book
		cluster  handler.Clusterer = book
		detector voc.Detector      = voc.Seasonal{}
		parts                      = []handler.Part{
			inspector,
			satisfaction.NewFold(db, nil),
			sentiment, // keeps customers' messages and their CSAT labels for the sentiment job
		}
	)
	// The weekly VOC reports ({"job":"reports"}), from the stores this function fills.
	reports := vocreport.New(vocreport.Config{DB: db, S3: s3c, Bucket: reportBucket,
		Source:   vocsource.Source{DB: db, Counts: counts, AlertBook: alerts, TopicBook: book, QABook: inspector.Book()},
		Contacts: intervals.New(db), Calendars: forecastcal.New(db)})
	h := handler.New(handler.Config{DB: db, Counts: counts, Log: log, Cluster: cluster, Reports: reports,
		Parts:  append([]handler.Part{voc.NewCounting(counts, sentiment, topics, log), voc.NewNotifier(alerts, pusher, log)}, parts...),
		Spikes: voc.NewSpikes(counts, alerts, detector, log).WithForecasts(voc.RollingForecasts{S: forecaststore.New(db)})})
	h.WithRetrainer(sentiment)
	lambda.StartHandlerFunc(h.Invoke)
}
