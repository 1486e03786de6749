package console

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voc"
)

// alerts runs web/tests/alerts.mjs: when the page is ready, the test raises a spike alert of the
// demo tenant as the feedback function's spike part does (the alert and alert.raised through the
// outbox); the feedback function pushes it to the supervisor; the script works it through the
// panel's buttons.
func (s *stack) alerts(t *testing.T) {
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: devstack.Credentials()}
	kc := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(s.l.Stack.Endpoints().Kinesis) })
	ddb := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(s.l.Stack.Endpoints().DynamoDB) })
	db := store.New(ddb, s.l.Stack.Ref("Table"))
	box := outbox.New(db, stream.NewPublisher(kc, s.l.Stack.Ref("EventStream")), slog.New(slog.NewTextHandler(io.Discard, nil)))
	alerts := voc.NewAlerts(db, box, "lingxi.feedback")
	demo, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("console-%d", time.Now().UnixNano())
	key, name, example := voc.TopicKey(id), "overdue reminder text", "why does the reminder say I am overdue?"
	s.scriptTurns(t, "alerts.mjs", func(what string) error {
		if what != "raise" {
			return fmt.Errorf("the script asked for %q", what)
		}
		_, ok, err := alerts.Raise(ctx, demo, voc.Alert{Key: key, Kind: events.AlertTopic, Name: name, Examples: []string{example, "the reminder text is wrong"},
			Count: 14, Expected: 1, Score: 13, Onset: time.Now().Add(-3 * time.Minute)})
		if err == nil && !ok {
			err = fmt.Errorf("an alert on %s is open already", key)
		}
		return err
	}, "ALERT_KEY="+key, "ALERT_NAME="+name, "ALERT_EXAMPLE="+example)
}
