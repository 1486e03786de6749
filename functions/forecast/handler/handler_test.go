package handler

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/forecastpub"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// fakePub records what the jobs asked for.
type fakePub struct {
	store    *forecaststore.Store
	tenants  []tenant.ID
	calls    []string
	requests []forecastpub.Request
	runErr   error // what RunAll returns, as a run cut short by its context would
}

func (f *fakePub) Publish(_ context.Context, t tenant.ID, req forecastpub.Request) (forecastpub.Result, error) {
	f.calls = append(f.calls, "publish "+t.String())
	f.requests = append(f.requests, req)
	return forecastpub.Result{Published: []forecaststore.Forecast{{ID: "fc-1"}}}, nil
}

func (f *fakePub) Rolling(_ context.Context, t tenant.ID) (forecastpub.Result, error) {
	f.calls = append(f.calls, "rolling "+t.String())
	return forecastpub.Result{Published: []forecaststore.Forecast{{ID: "fc-r"}}}, nil
}

func (f *fakePub) Review(_ context.Context, t tenant.ID) (int, error) {
	f.calls = append(f.calls, "review "+t.String())
	return 2, nil
}

func (f *fakePub) RunAll(ctx context.Context, _ string, run func(context.Context, tenant.ID) error) (int, error) {
	failed := 0
	for _, t := range f.tenants {
		if run(ctx, t) != nil {
			failed++
		}
	}
	return failed, f.runErr
}

func (f *fakePub) Store() *forecaststore.Store { return f.store }

type countFunc func(ctx context.Context, env events.Envelope) error

func (c countFunc) Event(ctx context.Context, env events.Envelope) error { return c(ctx, env) }

// Invoke routes stream batches to the counter (registering their tenants for the schedules once)
// and schedule inputs to their jobs.
func TestInvoke(t *testing.T) {
	ctx := context.Background()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	db := store.New(ddb, table)
	acme, _ := tenant.Parse("acme")
	beta, _ := tenant.Parse("beta")
	pub := &fakePub{store: forecaststore.New(db), tenants: []tenant.ID{acme, beta}}
	var counted []string
	h := New(db, pub, countFunc(func(_ context.Context, env events.Envelope) error {
		counted = append(counted, env.ID)
		return nil
	}), slog.New(slog.NewTextHandler(io.Discard, nil)))

	run := func(payload string) JobResult {
		t.Helper()
		out, err := h.Invoke(ctx, json.RawMessage(payload))
		if err != nil {
			t.Fatalf("%s: %v", payload, err)
		}
		return out.(JobResult)
	}
	if r := run(`{"job":"rolling"}`); r.Tenants != 2 || len(r.Published) != 2 {
		t.Fatalf("rolling: %+v", r)
	}
	r := run(`{"job":"publish","tenant":"acme","force":true}`)
	if r.Tenants != 1 || r.Reviewed != 2 || len(pub.requests) != 1 || !pub.requests[0].Force {
		t.Fatalf("publish: %+v %+v", r, pub.requests)
	}
	if _, err := h.Invoke(ctx, json.RawMessage(`{"job":"nap"}`)); err == nil {
		t.Fatal("an unknown job ran")
	}
	// A rolling run cut short by its own deadline is not a failure (Lambda would retry the
	// schedule's invocation on top of the next runs); a publish run cut short is.
	pub.runErr = context.DeadlineExceeded
	run(`{"job":"rolling"}`)
	if _, err := h.Invoke(ctx, json.RawMessage(`{"job":"publish"}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a publish run cut short answered %v", err)
	}
	pub.runErr = nil

	// A stream batch: each record counted once, its tenant registered.
	env, err := events.New(acme, events.TypeContactQueued, "ct-1", "test",
		events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueAPI})
	if err != nil {
		t.Fatal(err)
	}
	env.Time = time.Now().UTC()
	data, _ := json.Marshal(env)
	batch := lambdaevents.KinesisEvent{Records: []lambdaevents.KinesisEventRecord{{EventSource: "aws:kinesis",
		EventID: "shardId-000000000000:1", Kinesis: lambdaevents.KinesisRecord{Data: data, PartitionKey: env.PartitionKey(),
			SequenceNumber: "1", KinesisSchemaVersion: "1.0"}}}}
	raw, _ := json.Marshal(batch)
	for range 2 {
		out, err := h.Invoke(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		if resp := out.(lambdaevents.KinesisEventResponse); len(resp.BatchItemFailures) > 0 {
			t.Fatalf("failures: %+v", resp)
		}
	}
	if len(counted) != 1 {
		t.Fatalf("counted %v, want the event once", counted)
	}
	var registered []string
	for id, err := range forecaststore.New(db).Tenants(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		registered = append(registered, id.String())
	}
	if len(registered) != 1 || registered[0] != "acme" {
		t.Fatalf("registered %v", registered)
	}
}
