package tenantmodel

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/sentiment"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type fixture struct {
	db     *store.Store
	cfg    Config
	acme   tenant.ID
	globex tenant.ID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	s3c, bucket := emulators.NewBucket(t, modelstore.NewClient)
	db := store.New(ddb, table)
	acme, _ := tenant.Parse("acme")
	globex, _ := tenant.Parse("globex")
	return &fixture{db: db, cfg: Config{DB: db, S3: s3c, Bucket: bucket, MinContacts: 20, Log: quiet}, acme: acme, globex: globex}
}

func env(t *testing.T, tn tenant.ID, typ, subject string, data any) events.Envelope {
	t.Helper()
	e, err := events.New(tn, typ, subject, "test", data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func csat(n int) *int { return &n }

// contact sends a contact's customer message (and a bot's, which is not kept) and its survey
// answer through the part; it returns the events, for replays.
func contact(t *testing.T, b *Book, tn tenant.ID, id, text string, score int) []events.Envelope {
	t.Helper()
	evs := []events.Envelope{
		env(t, tn, events.TypeChatMessage, id, events.ChatMessage{ConversationID: id, Channel: events.ChannelChat, Role: events.RoleBot, Text: "How can I help?"}),
		env(t, tn, events.TypeChatMessage, id, events.ChatMessage{ConversationID: id, Channel: events.ChannelChat, Role: events.RoleCustomer, Text: text}),
		env(t, tn, events.TypeChatMessage, id, events.ChatMessage{ConversationID: id, Channel: events.ChannelChat, Role: events.RoleCustomer, Text: fmt.Sprint(score)}),
		env(t, tn, events.TypeFeedbackSubmitted, id, events.FeedbackSubmitted{ContactID: id, CSAT: csat(score), Source: events.FeedbackChat}),
	}
	for _, e := range evs {
		if err := b.Event(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return evs
}

// A tenant whose customers complain with a word of its own ("glorped": the courier's van broke
// the parcel, in the tenant's trade) and rate those contacts 1 gets, from the sentiment job, a
// model that reads the word as negative; another tenant, and another instance before the
// training, still read it with the default model. The job is idempotent: replayed events count no
// new label, and without new labels it does not train again.
func TestTenantRetrain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := New(f.cfg)
	probe := "my order got glorped"
	defLabel, _ := b.PredictFor(ctx, f.acme, probe)
	if defLabel == string(sentiment.Negative) {
		t.Fatalf("the default model already reads %q as negative: pick another probe", probe)
	}

	var replay []events.Envelope
	for i := range 12 {
		replay = append(replay, contact(t, b, f.acme, fmt.Sprintf("cv-neg-%d", i), fmt.Sprintf("order %d glorped again", i), 1+i%2)...)
	}
	for i := range 7 {
		contact(t, b, f.acme, fmt.Sprintf("cv-pos-%d", i), fmt.Sprintf("order %d arrived on time", i), 5)
	}
	// 19 labelled contacts: not due yet.
	if trained, err := b.Retrain(ctx, f.acme); err != nil || trained {
		t.Fatalf("retrain with 19 labelled contacts: %v, %v; want nothing done", trained, err)
	}
	contact(t, b, f.acme, "cv-pos-7", "order arrived on time", 4)
	for _, e := range replay {
		if err := b.Event(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	st, err := b.State(ctx, f.acme)
	if err != nil || st.Labelled != 20 || st.Model != 0 {
		t.Fatalf("state %+v, %v: want 20 labels (replays count none), no model", st, err)
	}
	ex, n, err := b.Labelled(ctx, f.acme)
	if err != nil || n != 20 || len(ex) != 20 {
		t.Fatalf("labelled: %d contacts, %d examples, %v; want 20 and 20 (bot turns, survey digits and replays not kept)", n, len(ex), err)
	}

	trained, err := b.Retrain(ctx, f.acme)
	if err != nil || !trained {
		t.Fatalf("retrain: %v, %v; want a model", trained, err)
	}
	if st, _ := b.State(ctx, f.acme); st.Model != 1 || st.Trained != 20 {
		t.Fatalf("state after training %+v: want model 1, trained 20", st)
	}
	// Another instance (a fresh book: no cache) reads the tenant's model from S3.
	other := New(f.cfg)
	label, score := other.PredictFor(ctx, f.acme, probe)
	if label != string(sentiment.Negative) {
		t.Fatalf("acme's model reads %q as %s (%.2f), want negative", probe, label, score)
	}
	_, defScore := other.Predict(probe)
	t.Logf("%q: default %s (%.2f), acme's model %s (%.2f)", probe, defLabel, defScore, label, score)
	if label, _ := other.PredictFor(ctx, f.globex, probe); label != defLabel {
		t.Fatalf("globex reads %q as %s, want the default's %s", probe, label, defLabel)
	}
	if label, _ := other.Predict(probe); label != defLabel {
		t.Fatalf("Predict (no tenant) reads %q as %s, want the default's %s", probe, label, defLabel)
	}
	// The book that read the default before the training keeps it until CacheFor has passed.
	if label, _ := b.PredictFor(ctx, f.acme, probe); label != defLabel {
		t.Fatalf("within CacheFor the cached default should serve, got %s", label)
	}

	// No new labels: nothing trained.
	if trained, err := b.Retrain(ctx, f.acme); err != nil || trained {
		t.Fatalf("second retrain: %v, %v; want nothing done", trained, err)
	}
	// A new label: trained again, the model object replaced.
	contact(t, b, f.acme, "cv-neg-x", "glorped once more", 1)
	if trained, err := b.Retrain(ctx, f.acme); err != nil || !trained {
		t.Fatalf("retrain after a new label: %v, %v", trained, err)
	}
	if st, _ := b.State(ctx, f.acme); st.Model != 2 || st.Trained != 21 {
		t.Fatalf("state after the second training %+v: want model 2, trained 21", st)
	}
	fresh := New(f.cfg)
	if label, _ := fresh.PredictFor(ctx, f.acme, probe); label != string(sentiment.Negative) {
		t.Fatalf("model 2 reads %q as %s, want negative", probe, label)
	}
	// globex: no labels, never trained.
	if trained, err := b.Retrain(ctx, f.globex); err != nil || trained {
		t.Fatalf("globex retrain: %v, %v", trained, err)
	}
}

// Calls' utterances are the customer's words too; a contact is labelled once, keeps its later
// messages, and unlabelled contacts are not read by the training.
func TestLabelsOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := New(f.cfg)
	id := "call-1"
	for _, e := range []events.Envelope{
		env(t, f.acme, events.TypeCallUtterance, id, events.CallUtterance{CallID: id, Text: "我的快递又丢了", StartMS: 0, EndMS: 900}),
		env(t, f.acme, events.TypeFeedbackSubmitted, id, events.FeedbackSubmitted{ContactID: id, CSAT: csat(2), Source: events.FeedbackVoice}),
		env(t, f.acme, events.TypeFeedbackSubmitted, id, events.FeedbackSubmitted{ContactID: id, CSAT: csat(5), Source: events.FeedbackAPI}),
		env(t, f.acme, events.TypeFeedbackSubmitted, "cv-nps", events.FeedbackSubmitted{ContactID: "cv-nps", NPS: csat(9), Source: events.FeedbackAPI}),
		// After the survey: kept with the labelled contact.
		env(t, f.acme, events.TypeCallUtterance, id, events.CallUtterance{CallID: id, Text: "还要等多久", StartMS: 1000, EndMS: 1900}),
		// Never surveyed: not read by the training.
		env(t, f.acme, events.TypeCallUtterance, "call-2", events.CallUtterance{CallID: "call-2", Text: "谢谢", StartMS: 0, EndMS: 500}),
	} {
		if err := b.Event(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	ex, n, err := b.Labelled(ctx, f.acme)
	if err != nil || n != 1 || len(ex) != 2 || ex[0].Label != sentiment.Negative || ex[0].Text != "我的快递又丢了" || ex[1].Text != "还要等多久" {
		t.Fatalf("labelled %+v (%d contacts), %v: want call-1's two utterances, negative", ex, n, err)
	}
	if st, _ := b.State(ctx, f.acme); st.Labelled != 1 {
		t.Fatalf("state %+v: want 1 label", st)
	}
}
