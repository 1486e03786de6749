package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/sentiment/tenantmodel"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voc"
)

// The sentiment job through the function, with the real per-tenant models: a batch of 20
// surveyed contacts goes through the Book as a part; the job trains acme once (globex, seen but
// unlabelled, is not due), and run again with no new labels trains nothing.
func TestSentimentJob(t *testing.T) {
	ctx := context.Background()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	s3c, bucket := emulators.NewBucket(t, modelstore.NewClient)
	db := store.New(ddb, table)
	book := tenantmodel.New(tenantmodel.Config{DB: db, S3: s3c, Bucket: bucket, Log: quiet})
	h := New(Config{DB: db, Counts: voc.NewCounters(db), Log: quiet, Parts: []Part{book}}).WithRetrainer(book)
	acme, _ := tenant.Parse("acme")
	globex, _ := tenant.Parse("globex")
	var evs []events.Envelope
	add := func(tn tenant.ID, typ, subject string, data any) {
		e, err := events.New(tn, typ, subject, "test", data)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	for i := range tenantmodel.MinContacts {
		id, text, score := fmt.Sprintf("cv-%d", i), "the box came glorped", 1
		if i%3 == 0 {
			text, score = "the box came fine", 5
		}
		add(acme, events.TypeChatMessage, id, events.ChatMessage{ConversationID: id, Channel: events.ChannelChat, Role: events.RoleCustomer, Text: text})
		add(acme, events.TypeFeedbackSubmitted, id, events.FeedbackSubmitted{ContactID: id, CSAT: &score})
	}
	add(globex, events.TypeChatMessage, "cv-g", events.ChatMessage{ConversationID: "cv-g", Channel: events.ChannelChat, Role: events.RoleCustomer, Text: "the box came glorped"})
	if _, err := h.Invoke(ctx, batchOf(t, evs)); err != nil {
		t.Fatal(err)
	}
	run := func() JobResult {
		t.Helper()
		out, err := h.Invoke(ctx, json.RawMessage(`{"job":"sentiment"}`))
		if err != nil {
			t.Fatal(err)
		}
		return out.(JobResult)
	}
	if r := run(); r.Tenants != 2 || r.Msgs != 1 || r.Failed != 0 {
		t.Fatalf("first run %+v, want 2 tenants, 1 trained", r)
	}
	if r := run(); r.Tenants != 2 || r.Msgs != 0 {
		t.Fatalf("second run %+v, want nothing trained", r)
	}
	if label, _ := tenantmodel.New(tenantmodel.Config{DB: db, S3: s3c, Bucket: bucket, Log: quiet}).PredictFor(ctx, acme, "mine was glorped"); label != "negative" {
		t.Fatalf("acme's model reads its word as %s", label)
	}
}
