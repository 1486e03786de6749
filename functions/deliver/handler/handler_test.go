package handler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

// barrierDeliverer blocks every attempt until all of the batch's attempts have started: the
// batch finishes only if they run at once.
type barrierDeliverer struct {
	wg   sync.WaitGroup
	fail string
}

func (b *barrierDeliverer) Deliver(_ context.Context, _ tenant.ID, m delivery.Message) error {
	b.wg.Done()
	b.wg.Wait()
	if m.Delivery == b.fail {
		return errors.New("table down")
	}
	if m.Delivery == "boom" {
		panic("boom")
	}
	return nil
}

func TestBatchRunsConcurrentlyAndReportsFailures(t *testing.T) {
	msg := func(id, body string) events.SQSMessage { return events.SQSMessage{MessageId: id, Body: body} }
	ev := events.SQSEvent{Records: []events.SQSMessage{
		msg("m1", `{"tenant":"acme","endpoint":"we_1","subject":"c","delivery":"d1","attempt":0}`),
		msg("m2", `{"tenant":"acme","endpoint":"we_2","subject":"c","delivery":"d2","attempt":0}`),
		msg("m3", `{"tenant":"acme","endpoint":"we_3","subject":"c","delivery":"boom","attempt":0}`),
		msg("m4", `not a delivery`),
	}}
	d := &barrierDeliverer{fail: "d2"}
	d.wg.Add(3)
	resp, err := New(d, slog.New(slog.NewTextHandler(io.Discard, nil))).Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"m2", "m3"}) {
		t.Fatalf("failures %v, want m2 and m3", ids)
	}
}
