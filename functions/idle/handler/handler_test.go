package handler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// clock is the services' clock, moved by hand: no test waits for a timeout to pass.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// check is one scheduled idle check.
type check struct {
	conversation string
	after        time.Duration
}

// checks records the idle checks the services schedule (the SQS side is idlequeue's and
// devstack's tests); fail makes the next schedule fail.
type checks struct {
	mu   sync.Mutex
	got  []check
	fail error
}

func (c *checks) ScheduleIdleCheck(_ context.Context, _ tenant.ID, id string, after time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	c.got = append(c.got, check{id, after})
	return nil
}

func (c *checks) take() []check {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.got
	c.got = nil
	return out
}

// hookCommitter runs before (once) ahead of the next commit: a turn that lands first.
type hookCommitter struct {
	next   conversation.Committer
	mu     sync.Mutex
	before func()
}

func (h *hookCommitter) Commit(ctx context.Context, ops []store.Op, evs ...lxevents.Envelope) error {
	h.mu.Lock()
	f := h.before
	h.before = nil
	h.mu.Unlock()
	if f != nil {
		f()
	}
	return h.next.Commit(ctx, ops, evs...)
}

// env is the chat side (chat) and the idle function (h) over one table and stream on the
// emulators, with one clock.
type env struct {
	ctx    context.Context
	db     *store.Store
	kin    *kinesis.Client
	stream string
	clock  *clock
	checks *checks
	chat   *conversation.Service
	hook   *hookCommitter
	h      *Handler
	t      tenant.ID
	t0     time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, streamName := emulators.NewStream(t, 1)
	db := store.New(ddb, table)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	box := outbox.New(db, stream.NewPublisher(kin, streamName), log)
	e := &env{ctx: ctx, db: db, kin: kin, stream: streamName, checks: &checks{}, hook: &hookCommitter{next: box},
		t0: time.Now().UTC().Truncate(time.Millisecond)}
	e.clock = &clock{now: e.t0}
	cfg := conversation.Config{DB: db, Commit: box, Quota: quota.New(db), Idle: e.checks, Log: log, Now: e.clock.Now}
	e.chat = conversation.New(cfg)
	cfg.Commit = e.hook
	e.h = New(conversation.New(cfg), log)
	id, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	e.t = id
	if err := db.Tx(ctx, quota.CreateOps(id, 1)...); err != nil {
		t.Fatal(err)
	}
	return e
}

// start opens a chat conversation at the current clock and returns its id.
func (e *env) start(t *testing.T, ch lxevents.Channel) string {
	t.Helper()
	in := conversation.StartInput{Channel: ch, Language: botconfig.LangEN, Customer: conversation.Customer{ID: "c1"}}
	var (
		r   conversation.Reply
		err error
	)
	if ch == lxevents.ChannelVoice {
		r, err = e.chat.Voice(e.ctx, e.t, conversation.VoiceInput{CallID: "call-1"})
	} else {
		r, err = e.chat.Start(e.ctx, e.t, in)
	}
	if err != nil {
		t.Fatal(err)
	}
	return r.Conversation.ID
}

// deliver hands the idle function one check of id at time at and returns the checks it asked for.
func (e *env) deliver(t *testing.T, id string, at time.Time) []check {
	t.Helper()
	e.clock.Set(at)
	body := fmt.Sprintf(`{"tenant":%q,"conversation":%q}`, e.t, id)
	resp, err := e.h.Handle(e.ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-1", Body: body}}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle: %+v %v", resp, err)
	}
	return e.checks.take()
}

func (e *env) conversation(t *testing.T, id string) conversation.Conversation {
	t.Helper()
	var c conversation.Conversation
	if _, err := e.db.Get(e.ctx, e.t, store.Key{Kind: conversation.Kind, ID: id}, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) live(t *testing.T) int64 {
	t.Helper()
	u, ok, err := quota.New(e.db).Get(e.ctx, e.t, quota.LiveConversations)
	if err != nil || !ok {
		t.Fatalf("live counter: %v %v", ok, err)
	}
	return u.Count
}

// ended returns the contact.ended events on the stream.
func (e *env) ended(t *testing.T) []lxevents.ContactEnded {
	t.Helper()
	var out []lxevents.ContactEnded
	for _, ev := range emulators.ReadStream(t, e.kin, e.stream, lxevents.Decode) {
		if ev.Type != lxevents.TypeContactEnded {
			continue
		}
		d, err := lxevents.DataAs[lxevents.ContactEnded](ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// A chat the customer leaves: its first check (30 minutes, the default) is scheduled at the
// start; a check before the timeout asks again for the rest; the check at the timeout ends it as
// abandoned, at its last turn, and counts it out of the live conversations. A second delivery of
// that check changes nothing.
func TestIdleChatIsAbandoned(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, lxevents.ChannelChat)
	if got := e.checks.take(); !slices.Equal(got, []check{{id, botconfig.DefaultIdleTimeout}}) {
		t.Fatalf("checks at the start: %v", got)
	}
	if n := e.live(t); n != 1 {
		t.Fatalf("live %d after the start", n)
	}
	// SQS delays at most 15 minutes: the first check comes early and asks for the rest.
	if got := e.deliver(t, id, e.t0.Add(15*time.Minute)); !slices.Equal(got, []check{{id, 15 * time.Minute}}) {
		t.Fatalf("checks after an early check: %v", got)
	}
	if c := e.conversation(t, id); c.State != conversation.StateActive {
		t.Fatalf("ended early: %+v", c)
	}
	if got := e.deliver(t, id, e.t0.Add(30*time.Minute)); len(got) != 0 {
		t.Fatalf("an ended conversation asked for more checks: %v", got)
	}
	c := e.conversation(t, id)
	if c.State != conversation.StateEnded || c.Outcome != lxevents.OutcomeAbandoned || !c.IdleEnded ||
		c.EndedAt == nil || !c.EndedAt.Equal(e.t0) {
		t.Fatalf("after the timeout: %+v", c)
	}
	if n := e.live(t); n != 0 {
		t.Fatalf("live %d after the idle end", n)
	}
	// The same check again (SQS delivers at least once): nothing more.
	if got := e.deliver(t, id, e.t0.Add(31*time.Minute)); len(got) != 0 {
		t.Fatalf("checks after a repeated check: %v", got)
	}
	if n := e.live(t); n != 0 {
		t.Fatalf("live %d after a repeated check", n)
	}
	ends := e.ended(t)
	if len(ends) != 1 || ends[0].Outcome != lxevents.OutcomeAbandoned || ends[0].Channel != lxevents.ChannelChat || ends[0].DurationMS != 0 {
		t.Fatalf("contact.ended events %+v", ends)
	}
	// The customer comes back: too late.
	if _, err := e.chat.Message(e.ctx, e.t, id, conversation.Input{Text: "hello?"}); !errors.Is(err, conversation.ErrEnded) {
		t.Fatalf("message after the idle end: %v", err)
	}
}

// A turn restarts the wait; the tenant's idle_timeout_seconds applies; a call uses the voice
// timeout.
func TestIdleTimeoutFollowsTurnsAndSettings(t *testing.T) {
	e := newEnv(t)
	if err := e.db.Create(e.ctx, e.t, store.Key{Kind: botconfig.KindSettings, ID: botconfig.SettingsID},
		botconfig.Settings{IdleTimeoutSeconds: 120}); err != nil {
		t.Fatal(err)
	}
	id := e.start(t, lxevents.ChannelChat)
	if got := e.checks.take(); !slices.Equal(got, []check{{id, 2 * time.Minute}}) {
		t.Fatalf("checks at the start: %v", got)
	}
	e.clock.Set(e.t0.Add(90 * time.Second))
	if _, err := e.chat.Message(e.ctx, e.t, id, conversation.Input{Text: "still there"}); err != nil {
		t.Fatal(err)
	}
	if got := e.deliver(t, id, e.t0.Add(2*time.Minute)); !slices.Equal(got, []check{{id, 90 * time.Second}}) {
		t.Fatalf("checks after a turn: %v", got)
	}
	e.deliver(t, id, e.t0.Add(210*time.Second))
	c := e.conversation(t, id)
	if c.State != conversation.StateEnded || !c.EndedAt.Equal(e.t0.Add(90*time.Second)) {
		t.Fatalf("after the timeout from the last turn: %+v", c)
	}
	if ends := e.ended(t); len(ends) != 1 || ends[0].DurationMS != 90_000 {
		t.Fatalf("contact.ended %+v", ends)
	}

	// A call: 10 minutes, whatever the chat setting.
	call := e.start(t, lxevents.ChannelVoice)
	if got := e.checks.take(); !slices.Equal(got, []check{{call, conversation.VoiceIdleTimeout}}) {
		t.Fatalf("checks of a call: %v", got)
	}
	e.deliver(t, call, e.t0.Add(210*time.Second+conversation.VoiceIdleTimeout))
	if c := e.conversation(t, call); c.State != conversation.StateEnded || c.Channel != lxevents.ChannelVoice {
		t.Fatalf("idle call: %+v", c)
	}
	if n := e.live(t); n != 0 {
		t.Fatalf("live %d", n)
	}
}

// A turn and the check at the same moment: whichever commits first wins, and the live count
// follows. A turn that lands between the check's read and its write makes the check run again on
// the new state, find it in use, and ask for a later check; a check that lands first ends the
// conversation and the turn is refused as ended.
func TestIdleCheckRacesATurn(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, lxevents.ChannelChat)
	e.checks.take()
	due := e.t0.Add(botconfig.DefaultIdleTimeout)
	e.hook.before = func() {
		if _, err := e.chat.Message(e.ctx, e.t, id, conversation.Input{Text: "I'm back"}); err != nil {
			t.Errorf("racing turn: %v", err)
		}
	}
	if got := e.deliver(t, id, due); !slices.Equal(got, []check{{id, botconfig.DefaultIdleTimeout}}) {
		t.Fatalf("checks after losing to a turn: %v", got)
	}
	if c := e.conversation(t, id); c.State != conversation.StateActive || c.TotalMessages < 2 {
		t.Fatalf("after the race: %+v", c)
	}
	if n := e.live(t); n != 1 {
		t.Fatalf("live %d after the turn won", n)
	}

	// The check first: the turn meets an ended conversation.
	e.deliver(t, id, due.Add(botconfig.DefaultIdleTimeout))
	if _, err := e.chat.Message(e.ctx, e.t, id, conversation.Input{Text: "and again"}); !errors.Is(err, conversation.ErrEnded) {
		t.Fatalf("turn after the check: %v", err)
	}
	if n := e.live(t); n != 0 {
		t.Fatalf("live %d after the check won", n)
	}
}

// A start whose idle check cannot be scheduled fails before anything is written: no conversation
// is live without a check that will end it.
func TestStartNeedsItsIdleCheck(t *testing.T) {
	e := newEnv(t)
	e.checks.fail = errors.New("queue down")
	_, err := e.chat.Start(e.ctx, e.t, conversation.StartInput{Channel: lxevents.ChannelChat, Language: botconfig.LangEN})
	if err == nil {
		t.Fatal("started without an idle check")
	}
	if n := e.live(t); n != 0 {
		t.Fatalf("live %d", n)
	}
	res, err := e.db.Query(e.ctx, e.t, conversation.Kind, "", store.PageRequest{Limit: 10})
	if err != nil || len(res.Items) != 0 {
		t.Fatalf("conversations %d %v", len(res.Items), err)
	}
}

// Messages that are not checks are dropped, not retried; checks of unknown conversations are done.
func TestIdleDropsUselessMessages(t *testing.T) {
	e := newEnv(t)
	var ev events.SQSEvent
	for i, b := range []string{"hello", `{"tenant":"acme"}`, `{"tenant":"Not A Tenant","conversation":"cv-1"}`,
		`{"tenant":"acme","conversation":"cv-1","x":1}`, `{"tenant":"acme","conversation":"cv-nope"}`} {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprint(i), Body: b})
	}
	resp, err := e.h.Handle(e.ctx, ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle: %+v %v", resp, err)
	}
	if got := e.checks.take(); len(got) != 0 {
		t.Fatalf("checks %v", got)
	}
}

// The outcome is the one the customer's leaving gives: a conversation handed to a person ends as
// handed_off (the bot's part ended there), not abandoned.
func TestIdleHandoffEndsHandedOff(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, lxevents.ChannelChat)
	if r, err := e.chat.Message(e.ctx, e.t, id, conversation.Input{Text: "I want to talk to a human"}); err != nil || r.Conversation.State != conversation.StateHandoff {
		t.Fatalf("handoff: %+v %v", r.Conversation, err)
	}
	e.deliver(t, id, e.t0.Add(botconfig.DefaultIdleTimeout))
	c := e.conversation(t, id)
	if c.State != conversation.StateEnded || c.Outcome != lxevents.OutcomeHandedOff || !c.IdleEnded {
		t.Fatalf("idle handoff: %+v", c)
	}
	if n := e.live(t); n != 0 {
		t.Fatalf("live %d", n)
	}
}
