package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
)

// recorder is the stream: the events the floor published.
type recorder struct {
	mu  sync.Mutex
	evs []events.Envelope
}

func (r *recorder) Publish(_ context.Context, evs ...events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, evs...)
	return nil
}

// take returns the events published since the last take.
func (r *recorder) take() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

// timerQueue is the timer queue: the messages sent, with their delays.
type timerQueue struct {
	mu   sync.Mutex
	sent []sqs.SendMessageInput
}

func (q *timerQueue) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent = append(q.sent, *in)
	return &sqs.SendMessageOutput{}, nil
}

func (q *timerQueue) take(t *testing.T) []Timer {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Timer
	for _, in := range q.sent {
		_, tm, err := ParseTimer(*in.MessageBody)
		if err != nil {
			t.Fatalf("sent a bad timer %s: %v", *in.MessageBody, err)
		}
		out = append(out, tm)
	}
	q.sent = nil
	return out
}

// pushes records what the notifier was asked to push.
type pushes struct {
	mu   sync.Mutex
	msgs map[string][]any
}

func (p *pushes) NotifyUser(_ context.Context, _ tenant.ID, userID string, msg any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.msgs == nil {
		p.msgs = map[string][]any{}
	}
	p.msgs[userID] = append(p.msgs[userID], msg)
	return nil
}

func (p *pushes) of(userID string) []any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.msgs[userID]
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	h      *Handler
	db     *store.Store
	fl     *floor.Floor
	rec    *recorder
	timers *timerQueue
	push   *pushes
	clk    *clock
	t      tenant.ID
	seq    int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := store.New(emulators.NewTable(t, store.CreateTable))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := &recorder{}
	clk := &clock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	fl := floor.New(db, outbox.New(db, rec, log)).WithClock(clk.now)
	fx := &fixture{db: db, fl: fl, rec: rec, timers: &timerQueue{}, push: &pushes{}, clk: clk}
	fx.h = New(Config{DB: db, Floor: fl, Notifier: fx.push, Timers: fx.timers, TimerQueueURL: "http://timers", Log: log, Now: clk.now})
	fx.t, _ = tenant.Parse("acme")
	return fx
}

// stream invokes the function with evs as one Kinesis batch and returns the records it failed.
func (fx *fixture) stream(t *testing.T, evs ...events.Envelope) []string {
	t.Helper()
	var batch lambdaevents.KinesisEvent
	for _, ev := range evs {
		fx.seq++
		data, _ := json.Marshal(ev)
		seq := strconv.Itoa(fx.seq)
		batch.Records = append(batch.Records, lambdaevents.KinesisEventRecord{EventSource: "aws:kinesis", EventID: "shardId-000000000000:" + seq,
			Kinesis: lambdaevents.KinesisRecord{Data: data, SequenceNumber: seq, PartitionKey: ev.PartitionKey()}})
	}
	raw, _ := json.Marshal(batch)
	out, err := fx.h.Invoke(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range out.(lambdaevents.KinesisEventResponse).BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed
}

// fire invokes the function with bodies as one SQS batch and returns the messages it failed.
func (fx *fixture) fire(t *testing.T, bodies ...string) []string {
	t.Helper()
	var batch lambdaevents.SQSEvent
	for i, b := range bodies {
		batch.Records = append(batch.Records, lambdaevents.SQSMessage{EventSource: "aws:sqs", MessageId: fmt.Sprint("m", i), Body: b})
	}
	raw, _ := json.Marshal(batch)
	out, err := fx.h.Invoke(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range out.(lambdaevents.SQSEventResponse).BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed
}

func (fx *fixture) user(t *testing.T, id string, skills map[string]int) {
	t.Helper()
	u := users.User{ID: id, Username: id, DisplayName: id, Role: users.RoleAgent, Capacity: users.Capacity{Voice: 1, Chat: 2}}
	for s, p := range skills {
		u.Skills = append(u.Skills, users.Skill{Name: s, Proficiency: p})
	}
	if err := fx.db.Create(context.Background(), fx.t, users.Key(id), u); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.fl.SetState(context.Background(), fx.t, id, floor.AgentAvailable, "self", "user/"+id); err != nil {
		t.Fatal(err)
	}
}

func timerBody(t *testing.T, tm Timer) string {
	t.Helper()
	b, err := json.Marshal(tm)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A tenant.created event provisions the tenant's default queue once, however often it arrives;
// a record that is not an event is reported alone.
func TestTenantCreatedProvisionsDefaultQueue(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	ev, err := events.New(fx.t, events.TypeTenantCreated, "acme", "test", events.TenantCreated{Name: "Acme", CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(ev)
	batch := lambdaevents.KinesisEvent{Records: []lambdaevents.KinesisEventRecord{
		{EventSource: "aws:kinesis", EventID: "shardId-000000000000:1", Kinesis: lambdaevents.KinesisRecord{Data: data, SequenceNumber: "1", PartitionKey: ev.PartitionKey()}},
		{EventSource: "aws:kinesis", EventID: "shardId-000000000000:2", Kinesis: lambdaevents.KinesisRecord{Data: []byte("{not json"), SequenceNumber: "2", PartitionKey: "x"}},
	}}
	raw, _ := json.Marshal(batch)
	for round := 0; round < 2; round++ {
		out, err := fx.h.Invoke(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		resp := out.(lambdaevents.KinesisEventResponse)
		if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "2" {
			t.Fatalf("round %d: failures %+v, want only the bad record", round, resp.BatchItemFailures)
		}
	}
	var q Queue
	ver, err := fx.db.Get(ctx, fx.t, store.Key{Kind: KindQueue, ID: DefaultQueue}, &q)
	if err != nil {
		t.Fatalf("default queue: %v", err)
	}
	if ver != 1 || q.Name != "General" || q.TargetPercent != 80 {
		t.Fatalf("queue %+v at version %d", q, ver)
	}
	if _, err := fx.h.Invoke(ctx, json.RawMessage(`{"Records":[{"eventSource":"aws:s3"}]}`)); err == nil {
		t.Fatal("an S3 event was accepted")
	}
}

// A handoff is queued and offered to the best agent at once, the decision recorded, the offer
// pushed and its timeout sent to the timer queue; the queue's overflow and maximum wait become
// timers too. When the offer timer fires, the contact goes to the next agent.
func TestHandoffOfferedThenTimedOut(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	if err := fx.db.Create(ctx, fx.t, floor.QueueKey("billing"), floor.Queue{ID: "billing", Name: "Billing", Skills: []string{"billing"},
		Overflow: []floor.Overflow{{AfterSeconds: 60, Skills: []string{"general"}}}, MaxWaitSeconds: 600, OfferTimeoutSeconds: 15}); err != nil {
		t.Fatal(err)
	}
	fx.user(t, "usr_li", map[string]int{"billing": 5})
	fx.user(t, "usr_wang", map[string]int{"billing": 2})
	fx.rec.take()

	created, err := events.New(fx.t, events.TypeContactCreated, "conv-1", "lingxi.chat", events.ContactCreated{Channel: events.ChannelChat,
		Queue: "billing", Intent: "refund", Reason: events.ReasonCustomerRequest,
		Transcript: []events.Turn{{Role: events.RoleCustomer, Text: "I want a person", Time: fx.clk.now()}}})
	if err != nil {
		t.Fatal(err)
	}
	if failed := fx.stream(t, created); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	c, _, err := fx.fl.Contact(ctx, fx.t, "conv-1")
	if err != nil || c.State != floor.StateOffered || c.Offer.AgentID != "usr_li" || len(c.Decisions) != 1 || len(c.Decisions[0].Candidates) != 2 {
		t.Fatalf("contact %+v %v", c, err)
	}
	msgs := fx.push.of("usr_li")
	if len(msgs) != 1 {
		t.Fatalf("pushes to li: %+v", msgs)
	}
	if m := msgs[0].(OfferMessage); m.Type != "offer" || m.OfferID != c.Offer.ID || m.Preview != "I want a person" || m.Intent != "refund" {
		t.Fatalf("offer message %+v", m)
	}
	timers := fx.timers.take(t)
	if len(timers) != 1 || timers[0].Kind != TimerOffer || timers[0].OfferID != c.Offer.ID || !timers[0].Due.Equal(fx.clk.now().Add(15*time.Second)) {
		t.Fatalf("timers %+v", timers)
	}
	offerTimer := timers[0]

	// The floor's events come back through the stream: contact.queued gives the overflow and
	// max-wait timers; dispatch.decided and contact.offered (the dispatcher's own) nothing more.
	if failed := fx.stream(t, fx.rec.take()...); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	timers = fx.timers.take(t)
	if len(timers) != 2 || timers[0].Kind != TimerOverflow || timers[1].Kind != TimerMaxWait || !timers[1].Due.Equal(fx.clk.now().Add(10*time.Minute)) {
		t.Fatalf("timers %+v", timers)
	}
	if n := len(fx.push.of("usr_li")); n != 1 {
		t.Fatalf("%d pushes to li, want 1", n)
	}

	// Early: sent again for the rest, nothing changes.
	if failed := fx.fire(t, timerBody(t, offerTimer)); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	if again := fx.timers.take(t); len(again) != 1 || again[0] != offerTimer {
		t.Fatalf("early timer sent again as %+v", again)
	}
	fx.clk.add(15 * time.Second)
	if failed := fx.fire(t, timerBody(t, offerTimer), `{"not":"a timer"}`); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	c, _, _ = fx.fl.Contact(ctx, fx.t, "conv-1")
	if c.State != floor.StateOffered || c.Offer.AgentID != "usr_wang" || len(c.Decisions) != 2 {
		t.Fatalf("after the timeout %+v", c)
	}
	if len(fx.push.of("usr_wang")) != 1 {
		t.Fatal("no push to wang")
	}
	if p, _, _ := fx.fl.Presence(ctx, fx.t, "usr_li"); p.Missed != 1 || len(p.Slots) != 0 {
		t.Fatalf("li %+v", p)
	}
	// Its events: contact.queued (offer_timeout) gives a miss-cooldown timer.
	fx.timers.take(t)
	if failed := fx.stream(t, fx.rec.take()...); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	if timers := fx.timers.take(t); len(timers) != 1 || timers[0].Kind != TimerMissCooldown {
		t.Fatalf("timers %+v", timers)
	}
}

// The customer leaving abandons a queued contact; an unknown conversation's end changes nothing; a
// transfer straight to an agent is announced to them.
func TestEndsAndTransfers(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	if err := fx.db.Create(ctx, fx.t, floor.QueueKey(DefaultQueue), floor.NewDefaultQueue(fx.clk.now())); err != nil {
		t.Fatal(err)
	}
	// Queued to a queue that does not exist: the default queue, the ask kept as an attribute.
	created, _ := events.New(fx.t, events.TypeContactCreated, "conv-1", "lingxi.chat", events.ContactCreated{Channel: events.ChannelVoice, Queue: "nope", Reason: events.ReasonFlow})
	fx.stream(t, created)
	c, _, err := fx.fl.Contact(ctx, fx.t, "conv-1")
	if err != nil || c.State != floor.StateQueued || c.Queue != DefaultQueue || c.Attributes["requested_queue"] != "nope" {
		t.Fatalf("contact %+v %v", c, err)
	}
	ended, _ := events.New(fx.t, events.TypeContactEnded, "conv-1", "lingxi.chat", events.ContactEnded{Channel: events.ChannelVoice, Outcome: events.OutcomeHandedOff})
	other, _ := events.New(fx.t, events.TypeContactEnded, "conv-2", "lingxi.chat", events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeResolvedByBot})
	if failed := fx.stream(t, ended, other); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	if c, _, _ := fx.fl.Contact(ctx, fx.t, "conv-1"); c.State != floor.StateAbandoned {
		t.Fatalf("after the end %+v", c)
	}

	fx.user(t, "usr_a", nil)
	created, _ = events.New(fx.t, events.TypeContactCreated, "conv-3", "lingxi.api", events.ContactCreated{Channel: events.ChannelChat, Queue: DefaultQueue, Reason: events.ReasonPolicy})
	fx.stream(t, created)
	c, _, _ = fx.fl.Contact(ctx, fx.t, "conv-3")
	if c.State != floor.StateOffered {
		t.Fatalf("conv-3 %+v", c)
	}
	if _, err := fx.fl.Accept(ctx, fx.t, "conv-3", c.Offer.ID, "usr_a"); err != nil {
		t.Fatal(err)
	}
	fx.user(t, "usr_b", nil)
	if _, err := fx.fl.Transfer(ctx, fx.t, "conv-3", "user/usr_a", "", "usr_b"); err != nil {
		t.Fatal(err)
	}
	fx.timers.take(t)
	if failed := fx.stream(t, fx.rec.take()...); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	if msgs := fx.push.of("usr_b"); len(msgs) != 1 || msgs[0].(OfferMessage).ContactID != "conv-3" {
		t.Fatalf("pushes to b %+v", msgs)
	}
	var offerTimers int
	for _, tm := range fx.timers.take(t) {
		if tm.Kind == TimerOffer {
			offerTimers++
		}
	}
	if offerTimers != 1 {
		t.Fatalf("%d offer timers for the transfer, want 1", offerTimers)
	}
}
