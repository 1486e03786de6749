package stream_test

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// A stream consumer's main: clients once, then the Consumer's Handle as the Lambda handler
// (template.yaml: FunctionResponseTypes: [ReportBatchItemFailures]).
func ExampleNewConsumer() {
	ctx := context.Background() // main's context, not a handler's
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		panic(err)
	}
	st := store.New(dynamodb.NewFromConfig(cfg), "lingxi")
	handle := func(ctx context.Context, t tenant.ID, e events.Envelope) error {
		switch e.Type {
		case events.TypeContactCreated:
			c, err := events.DataAs[events.ContactCreated](e)
			if err != nil {
				return stream.Permanent(err) // no retry can fix the payload
			}
			_ = c // route the contact for tenant t; a returned error is retried
		}
		return nil
	}
	c := stream.NewConsumer("dispatch", handle, st, stream.WithLogger(lambdacontext.NewLogger()))
	lambda.Start(c.Handle)
}

// Publishing from a handler: the tenant comes from authentication, never from the request body.
func ExamplePublisher_Publish() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		panic(err)
	}
	p := stream.NewPublisher(kinesis.NewFromConfig(cfg), "events")

	var t tenant.ID // from the authenticated request
	e, err := events.New(t, events.TypeCallDTMF, "call-0042", "media-edge", events.CallDTMF{
		CallID: "call-0042", Digit: "5", DurationMS: 120,
	})
	if err != nil {
		panic(err)
	}
	if err := p.Publish(ctx, e); err != nil {
		var perr *stream.PublishError
		if errors.As(err, &perr) {
			for _, f := range perr.Failed {
				slog.WarnContext(ctx, "event not published", "event_id", f.EventID, "code", f.ErrorCode)
			}
		}
	}
}
