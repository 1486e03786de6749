package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voc"
	"github.com/lingxi/lingxi/shared/vocreport"
	"github.com/lingxi/lingxi/shared/vocsource"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// partFunc is a Part from a function.
type partFunc func(ctx context.Context, env events.Envelope) error

func (p partFunc) Event(ctx context.Context, env events.Envelope) error { return p(ctx, env) }

// clusterDouble records the candidates it was given.
type clusterDouble struct{ got map[string]int }

func (c *clusterDouble) Cluster(_ context.Context, t tenant.ID, msgs []voc.Candidate, _ time.Time) error {
	c.got[t.String()] += len(msgs)
	return nil
}

func batchOf(t *testing.T, evs []events.Envelope) json.RawMessage {
	t.Helper()
	var recs []lambdaevents.KinesisEventRecord
	for i, env := range evs {
		data, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, lambdaevents.KinesisEventRecord{EventSource: "aws:kinesis", EventID: fmt.Sprintf("shardId-000000000000:%d", i),
			Kinesis: lambdaevents.KinesisRecord{Data: data, PartitionKey: env.PartitionKey(), SequenceNumber: fmt.Sprint(i + 1), KinesisSchemaVersion: "1.0"}})
	}
	raw, err := json.Marshal(lambdaevents.KinesisEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A batch of 15 complaints of one intent: every part sees each event once (the batch is
// delivered twice), the counting part counts them, the spike check after the batch raises one
// alert.raised (Simple's cold start), and a record a part fails is reported alone. The cluster
// job hands each seen tenant's candidates to the Clusterer.
func TestBatchAndJobs(t *testing.T) {
	ctx := context.Background()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, name := emulators.NewStream(t, 1)
	db := store.New(ddb, table)
	box := outbox.New(db, stream.NewPublisher(kin, name), quiet)
	counts, alerts := voc.NewCounters(db), voc.NewAlerts(db, box, Source)
	seen := map[string]int{}
	cl := &clusterDouble{got: map[string]int{}}
	h := New(Config{DB: db, Counts: counts, Log: quiet, Cluster: cl,
		Parts: []Part{voc.NewCounting(counts, nil, nil, quiet), partFunc(func(_ context.Context, env events.Envelope) error {
			seen[env.ID]++
			if env.Subject == "conv-bad" {
				return errors.New("a part failed")
			}
			return nil
		})},
		Spikes: voc.NewSpikes(counts, alerts, voc.Simple{}, quiet)})
	acme, _ := tenant.Parse("acme")
	var evs []events.Envelope
	for i := range 15 {
		e, err := events.New(acme, events.TypeChatMessage, fmt.Sprintf("conv-%d", i), "test", events.ChatMessage{ConversationID: fmt.Sprintf("conv-%d", i),
			Channel: events.ChannelChat, Role: events.RoleCustomer, Text: "your reminder text is wrong", Intent: "complaint"})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	lost, err := events.New(acme, events.TypeChatMessage, "conv-x", "test", events.ChatMessage{ConversationID: "conv-x",
		Channel: events.ChannelChat, Role: events.RoleCustomer, Text: "blorp the flanges"})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := events.New(acme, events.TypeChatMessage, "conv-bad", "test", events.ChatMessage{ConversationID: "conv-bad",
		Channel: events.ChannelChat, Role: events.RoleBot, Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	raw := batchOf(t, append(evs, lost, bad))
	for range 2 {
		out, err := h.Invoke(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		resp := out.(lambdaevents.KinesisEventResponse)
		if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "17" {
			t.Fatalf("failures %+v, want only the bad record", resp.BatchItemFailures)
		}
	}
	for _, e := range evs {
		if seen[e.ID] != 1 {
			t.Fatalf("event %s seen %d times", e.ID, seen[e.ID])
		}
	}
	var raised []events.AlertRaised
	for _, e := range emulators.ReadStream(t, kin, name, events.Decode) {
		if e.Type == events.TypeAlertRaised {
			d, _ := events.DataAs[events.AlertRaised](e)
			raised = append(raised, d)
		}
	}
	if len(raised) != 1 || raised[0].Key != "intent:complaint" || raised[0].Count != 15 || len(raised[0].Examples) != voc.MaxExamples {
		t.Fatalf("alert.raised %+v", raised)
	}

	out, err := h.Invoke(ctx, json.RawMessage(`{"job":"cluster"}`))
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(JobResult); r.Tenants != 1 || r.Msgs != 1 || cl.got["acme"] != 1 {
		t.Fatalf("cluster job %+v, clustered %v", r, cl.got)
	}
	if _, err := h.Invoke(ctx, json.RawMessage(`{"job":"nap"}`)); err == nil {
		t.Fatal("an unknown job ran")
	}
}

type utc struct{}

func (utc) Calendar(context.Context, tenant.ID) (forecast.Calendar, error) {
	return forecast.Calendar{Location: time.UTC}, nil
}

// The reports job builds each seen tenant's report of its last complete week, from the stores
// the batch filled (a business.event counted as the week's transactions), once; with less than
// ReportMargin of the invocation left it starts no tenant.
func TestReportsJob(t *testing.T) {
	ctx := context.Background()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	s3c, bucket := emulators.NewBucket(t, modelstore.NewClient)
	db := store.New(ddb, table)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) // Wednesday of 2026-W49: W48 is due
	clock := func() time.Time { return now }
	counts := voc.NewCounters(db)
	reports := vocreport.New(vocreport.Config{DB: db, S3: s3c, Bucket: bucket, Source: vocsource.New(db), Contacts: intervals.New(db),
		Calendars: utc{}, Now: clock})
	h := New(Config{DB: db, Counts: counts, Log: quiet, Now: clock, Reports: reports,
		Parts: []Part{voc.NewCounting(counts, nil, nil, quiet)}})
	var evs []events.Envelope
	for _, name := range []string{"acme", "globex"} {
		tn, _ := tenant.Parse(name)
		e, err := events.New(tn, events.TypeBusinessEvent, "cust-1", "test", events.BusinessEvent{CustomerID: "cust-1", Kind: "order_shipped",
			OccurredAt: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		e.Time = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
		evs = append(evs, e)
	}
	if _, err := h.Invoke(ctx, batchOf(t, evs)); err != nil {
		t.Fatal(err)
	}

	short, cancel := context.WithTimeout(ctx, ReportMargin/2)
	out, err := h.Invoke(short, json.RawMessage(`{"job":"reports"}`))
	cancel()
	if r := out.(JobResult); err != nil || r.Tenants != 0 || r.Left != 2 || r.Built != 0 {
		t.Fatalf("reports job near its deadline %+v %v", r, err)
	}
	out, err = h.Invoke(ctx, json.RawMessage(`{"job":"reports"}`))
	if r := out.(JobResult); err != nil || r.Tenants != 2 || r.Built != 2 || r.Failed != 0 {
		t.Fatalf("reports job %+v %v", r, err)
	}
	for _, name := range []string{"acme", "globex"} {
		tn, _ := tenant.Parse(name)
		r, err := reports.Get(ctx, tn, "2026-W48")
		if err != nil || r.Partial || r.Transactions == nil || *r.Transactions != 1 || r.TxSource != vocreport.TxBusinessEvents {
			t.Fatalf("%s's report %+v %v", name, r, err)
		}
	}
	out, err = h.Invoke(ctx, json.RawMessage(`{"job":"reports","tenant":"acme"}`))
	if r := out.(JobResult); err != nil || r.Tenants != 1 || r.Built != 0 {
		t.Fatalf("reports job again %+v %v", r, err)
	}
}
