package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Invoke is the Lambda entry point: a batch of stream records (eventSource aws:kinesis) or of
// timer messages (aws:sqs). Both answer with the records to retry (ReportBatchItemFailures, the
// same JSON for both sources). After a stream batch it decides once for each tenant whose events
// asked for it.
func (h *Handler) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	source, err := eventSource(raw)
	if err != nil {
		return nil, err
	}
	switch source {
	case "aws:sqs":
		var ev lambdaevents.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode SQS event: %w", err)
		}
		return h.HandleTimers(ctx, ev)
	case "aws:kinesis", "":
		var ev lambdaevents.KinesisEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode Kinesis event: %w", err)
		}
		return h.HandleStream(ctx, ev)
	}
	return nil, fmt.Errorf("invoked with records from %q, want aws:kinesis or aws:sqs", source)
}

// eventSource returns the eventSource of the first record ("" for a batch without records); the
// records of one invocation come from one source.
func eventSource(raw json.RawMessage) (string, error) {
	var shape struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return "", fmt.Errorf("decode event: %w", err)
	}
	if len(shape.Records) == 0 {
		return "", nil
	}
	return shape.Records[0].EventSource, nil
}

// HandleStream handles a batch of stream records (stream.Consumer: order per subject, idempotent,
// failures reported), then decides for each tenant whose events asked for it.
func (h *Handler) HandleStream(ctx context.Context, ev lambdaevents.KinesisEvent) (lambdaevents.KinesisEventResponse, error) {
	b := &batch{}
	resp, err := h.consumer.Handle(context.WithValue(ctx, batchKey{}, b), ev)
	for _, t := range b.tenants {
		h.decideOrRetry(ctx, t)
	}
	return resp, err
}

type batchKey struct{}

// batch is the tenants one stream batch asks to decide for, in first-asked order.
type batch struct {
	mu      sync.Mutex
	tenants []tenant.ID
}

func (b *batch) add(t tenant.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, have := range b.tenants {
		if have == t {
			return
		}
	}
	b.tenants = append(b.tenants, t)
}

// decideSoon decides for t after the batch when inside HandleStream, at once otherwise.
func (h *Handler) decideSoon(ctx context.Context, t tenant.ID) error {
	if b, ok := ctx.Value(batchKey{}).(*batch); ok {
		b.add(t)
		return nil
	}
	return h.decide(ctx, t)
}
