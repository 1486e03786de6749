package handler

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// A tenant.created event provisions the tenant's default queue once, however often it arrives.
func TestTenantCreatedProvisionsDefaultQueue(t *testing.T) {
	ctx := context.Background()
	db := store.New(emulators.NewTable(t, store.CreateTable))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	consumer := stream.NewConsumer("dispatch", New(db, log).Handle, db, stream.WithLogger(log))

	acme, _ := tenant.Parse("acme")
	ev, err := events.New(acme, events.TypeTenantCreated, "acme", "test", events.TenantCreated{Name: "Acme", CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(ev)
	batch := lambdaevents.KinesisEvent{Records: []lambdaevents.KinesisEventRecord{
		{EventID: "shardId-000000000000:1", Kinesis: lambdaevents.KinesisRecord{Data: data, SequenceNumber: "1", PartitionKey: ev.PartitionKey()}},
		{EventID: "shardId-000000000000:2", Kinesis: lambdaevents.KinesisRecord{Data: []byte("{not json"), SequenceNumber: "2", PartitionKey: "x"}},
	}}
	for round := 0; round < 2; round++ {
		resp, err := consumer.Handle(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "2" {
			t.Fatalf("round %d: failures %+v, want only the bad record", round, resp.BatchItemFailures)
		}
	}
	var q Queue
	ver, err := db.Get(ctx, acme, store.Key{Kind: KindQueue, ID: DefaultQueue}, &q)
	if err != nil {
		t.Fatalf("default queue: %v", err)
	}
	if ver != 1 || q.Name != "General" || q.TargetPercent != 80 {
		t.Fatalf("queue %+v at version %d", q, ver)
	}
}
