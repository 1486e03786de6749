package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
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
// failures reported), then decides for each tenant whose events asked for it. When a tenant's
// decision fails and no retry timer can be sent either, that tenant's records are reported failed
// so the stream redelivers them; the consumer then skips them as handled, so a record of a kind
// that may ask for a decision asks again by itself here (deciding again is harmless).
func (h *Handler) HandleStream(ctx context.Context, ev lambdaevents.KinesisEvent) (lambdaevents.KinesisEventResponse, error) {
	b := &batch{}
	seqs := map[tenant.ID][]string{}
	for _, rec := range ev.Records {
		var e struct {
			Tenant string `json:"tenant"`
			Type   string `json:"type"`
		}
		if json.Unmarshal(rec.Kinesis.Data, &e) != nil {
			continue
		}
		t, err := tenant.Parse(e.Tenant)
		if err != nil {
			continue
		}
		seqs[t] = append(seqs[t], rec.Kinesis.SequenceNumber)
		if asksDecision[e.Type] {
			b.add(t)
		}
	}
	ctx = context.WithValue(ctx, steeringReadsKey{}, &steeringReads{}) // one overlay read per tenant and batch
	resp, err := h.consumer.Handle(context.WithValue(ctx, batchKey{}, b), ev)
	for _, t := range b.tenants {
		if derr := h.decideOrRetry(ctx, t); derr != nil {
			for _, seq := range seqs[t] {
				if !slices.ContainsFunc(resp.BatchItemFailures, func(f lambdaevents.KinesisBatchItemFailure) bool { return f.ItemIdentifier == seq }) {
					resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.KinesisBatchItemFailure{ItemIdentifier: seq})
				}
			}
		}
	}
	return resp, err
}

// asksDecision are the event types that may ask for a decision (Handle says which do).
var asksDecision = map[string]bool{
	events.TypeContactCreated: true, events.TypeContactQueued: true, events.TypeContactEnded: true,
	events.TypeContactAbandoned: true, events.TypeContactTransferred: true, events.TypeAgentState: true,
	events.TypeUserChanged: true, events.TypeDispatchStrategy: true,
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
