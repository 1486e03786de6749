package inspect_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// What the feedback function hands the Inspector: the outbox commits, the WebSocket sender pushes.
var (
	_ inspect.Committer = (*outbox.Outbox)(nil)
	_ inspect.Pusher    = (*push.Sender)(nil)
	_ inspect.Store     = (*store.Store)(nil)
)

// pushes records what the Inspector pushed.
type pushes struct {
	mu   sync.Mutex
	sent []inspect.Alert
	role []auth.Role
}

func (p *pushes) NotifyRole(_ context.Context, _ tenant.ID, role auth.Role, msg any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, msg.(inspect.Alert))
	p.role = append(p.role, role)
	return nil
}

func (p *pushes) all() []inspect.Alert {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]inspect.Alert(nil), p.sent...)
}

// moods is a sentiment double: angry words score -0.9, the rest 0.3.
type moods struct{}

func (moods) Predict(text string) (string, float64) {
	for _, w := range []string{"angry", "生气", "垃圾"} {
		if strings.Contains(strings.ToLower(text), w) {
			return "negative", -0.9
		}
	}
	return "positive", 0.3
}

type rig struct {
	in     *inspect.Inspector
	push   *pushes
	kin    *kinesis.Client
	stream string
	t      tenant.ID
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db := store.New(emulators.NewTable(t, store.CreateTable))
	kin, name := emulators.NewStream(t, 1)
	ob := outbox.New(db, stream.NewPublisher(kin, name), slog.New(slog.DiscardHandler))
	p := &pushes{}
	in := inspect.New(inspect.Config{DB: db, Commit: ob, Push: p, Sentiment: moods{}, Source: "lingxi.feedback"})
	tid, err := tenant.Parse("qa-rig")
	if err != nil {
		t.Fatal(err)
	}
	return &rig{in: in, push: p, kin: kin, stream: name, t: tid}
}

func (r *rig) event(t *testing.T, typ, subject string, at time.Time, data any) events.Envelope {
	t.Helper()
	ev, err := events.New(r.t, typ, subject, "test", data)
	if err != nil {
		t.Fatal(err)
	}
	ev.Time = at
	return ev
}

func (r *rig) feed(t *testing.T, evs ...events.Envelope) {
	t.Helper()
	for _, ev := range evs {
		if err := r.in.Event(t.Context(), ev); err != nil {
			t.Fatalf("%s: %v", ev.Type, err)
		}
	}
}

// emitted are the qa.violation and contact.inspected events on the stream.
func (r *rig) emitted(t *testing.T) []events.Envelope {
	t.Helper()
	var out []events.Envelope
	for _, ev := range emulators.ReadStream(t, r.kin, r.stream, events.Decode) {
		if ev.Type == events.TypeQAViolation || ev.Type == events.TypeContactInspected {
			out = append(out, ev)
		}
	}
	return out
}

func msg(conv string, role events.Role, agent, text string) events.ChatMessage {
	return events.ChatMessage{ConversationID: conv, Channel: events.ChannelChat, Role: role, Text: text, AgentID: agent}
}

// A chat where the agent says a forbidden phrase raises qa.violation on the stream and a push to
// supervisors at once; the end stores a score and emits contact.inspected; a replay of every
// event changes nothing.
func TestInspectorChat(t *testing.T) {
	r := newRig(t)
	conv, agent := "cv-chat-1", "u-agent-1"
	t0 := time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC)
	turns := []events.Envelope{
		r.event(t, events.TypeChatMessage, conv, t0, msg(conv, events.RoleCustomer, "", "我的卡丢了")),
		r.event(t, events.TypeChatMessage, conv, t0.Add(2*time.Second), msg(conv, events.RoleBot, "", "正在为您转接人工")),
		r.event(t, events.TypeChatMessage, conv, t0.Add(90*time.Second), msg(conv, events.RoleAgent, agent, "您好，很高兴为您服务")),
	}
	r.feed(t, turns...)
	if got := r.emitted(t); len(got) != 0 {
		t.Fatalf("a courteous start raised %v", got)
	}

	rude := r.event(t, events.TypeChatMessage, conv, t0.Add(100*time.Second), msg(conv, events.RoleAgent, agent, "这个不归我管，你自己看"))
	r.feed(t, rude)
	got := r.emitted(t)
	if len(got) != 1 || got[0].Type != events.TypeQAViolation || got[0].Subject != conv {
		t.Fatalf("after the forbidden phrase: %v", got)
	}
	v, err := events.DataAs[events.QAViolation](got[0])
	if err != nil {
		t.Fatal(err)
	}
	if v.RuleID != "forbidden-words" || v.Speaker != events.RoleAgent || v.Turn != 3 || v.AgentID != agent || !strings.Contains(v.Detail, "不归我管") || v.AtMS != 100000 {
		t.Fatalf("violation %+v", v)
	}
	if p := r.push.all(); len(p) != 1 || p[0].RuleID != "forbidden-words" || p[0].ContactID != conv || r.push.role[0] != auth.RoleSupervisor {
		t.Fatalf("pushes %+v", p)
	}

	rest := []events.Envelope{
		r.event(t, events.TypeChatMessage, conv, t0.Add(110*time.Second), msg(conv, events.RoleCustomer, "", "你们太垃圾了，我很生气，卡号 4111 1111 1111 1111")),
		r.event(t, events.TypeChatMessage, conv, t0.Add(120*time.Second), msg(conv, events.RoleAgent, agent, "已为您挂失")),
		r.event(t, events.TypeContactEnded, conv, t0.Add(130*time.Second), events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeResolvedByAgent, DurationMS: 130000, AgentID: agent}),
	}
	r.feed(t, rest...)
	got = r.emitted(t)
	var kinds []string
	for _, ev := range got[1:] {
		kinds = append(kinds, ev.Type)
	}
	// The customer's card number and anger alert (weight 0 rules); the end inspects.
	if strings.Join(kinds, ",") != "qa.violation,qa.violation,contact.inspected" {
		t.Fatalf("events after the rest: %v", kinds)
	}
	ci, err := events.DataAs[events.ContactInspected](got[len(got)-1])
	if err != nil {
		t.Fatal(err)
	}
	if ci.Score >= 100 || ci.Revision != 1 || ci.Source != events.QAScoredAutomatically || ci.AgentID != agent || ci.FormID != inspect.DefaultFormID {
		t.Fatalf("contact.inspected %+v", ci)
	}

	res, err := r.in.Book().Result(t.Context(), r.t, conv)
	if err != nil {
		t.Fatal(err)
	}
	if res.Score != ci.Score || res.FinalScore != res.Score || len(res.Transcript) != 6 || res.Review.State != inspect.ReviewNone {
		t.Fatalf("result %+v", res)
	}
	// The card number is masked in what is kept, and each violation shows its turn.
	raw, _ := json.Marshal(res)
	if strings.Contains(string(raw), "4111 1111 1111 1111") || !strings.Contains(string(raw), "**** **** **** 1111") {
		t.Fatalf("the kept transcript holds the card number: %s", raw)
	}
	byRule := map[string]inspect.ResultViolation{}
	for _, v := range res.Violations {
		byRule[v.RuleID] = v
	}
	if v := byRule["forbidden-words"]; v.Turn != 3 || !strings.Contains(v.Excerpt, "不归我管") {
		t.Fatalf("forbidden-words violation %+v", v)
	}
	if _, ok := byRule["closing"]; !ok {
		t.Fatalf("no closing violation: %+v", res.Violations)
	}
	series, err := r.in.Book().Agent(t.Context(), r.t, agent, t0.Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if series.Count != 1 || series.Items[0].ContactID != conv || *series.Mean != res.Score {
		t.Fatalf("agent series %+v", series)
	}

	// At-least-once delivery: every event again changes nothing.
	before := len(r.emitted(t))
	r.feed(t, append(append(turns, rude), rest...)...)
	if after := len(r.emitted(t)); after != before || len(r.push.all()) != 3 {
		t.Fatalf("the replay emitted %d events (had %d) and pushed %d times", after, before, len(r.push.all()))
	}
	again, err := r.in.Book().Result(t.Context(), r.t, conv)
	if err != nil {
		t.Fatal(err)
	}
	if again.Revision != 1 || len(again.Transcript) != 6 {
		t.Fatalf("the replay changed the result: revision %d, %d turns", again.Revision, len(again.Transcript))
	}
}

// A call is inspected from the caller's utterances (the agent's side is not transcribed): the
// caller's card number alerts, the agent's rules do not apply, and call.ended scores it.
func TestInspectorCall(t *testing.T) {
	r := newRig(t)
	call := "call-abc@10.0.0.1"
	t0 := time.Date(2026, 6, 3, 10, 0, 0, 0, time.UTC)
	r.feed(t,
		r.event(t, events.TypeCallUtterance, call, t0, events.CallUtterance{CallID: call, Text: "我要挂失银行卡", Confidence: 0.9, StartMS: 1000, EndMS: 2500}),
		r.event(t, events.TypeCallUtterance, call, t0.Add(5*time.Second), events.CallUtterance{CallID: call, Text: "卡号是四幺幺幺 幺幺幺幺 幺幺幺幺 幺幺幺幺", Confidence: 0.8, StartMS: 5000, EndMS: 9000}),
		// The voice bot's side of the call comes as chat.message of the call's conversation: not
		// inspected twice.
		r.event(t, events.TypeChatMessage, "cv-call-x", t0, events.ChatMessage{ConversationID: "cv-call-x", Channel: events.ChannelVoice, Role: events.RoleBot, Text: "好的"}),
		r.event(t, events.TypeCallEnded, call, t0.Add(20*time.Second), events.CallEnded{CallID: call, Reason: events.CallEndCallerHangup, DurationMS: 20000}),
	)
	got := r.emitted(t)
	if len(got) != 2 || got[0].Type != events.TypeQAViolation || got[1].Type != events.TypeContactInspected {
		t.Fatalf("call events %v", got)
	}
	res, err := r.in.Book().Result(t.Context(), r.t, call)
	if err != nil {
		t.Fatal(err)
	}
	if res.Channel != events.ChannelVoice || len(res.Transcript) != 2 || res.Transcript[1].Cards != 1 {
		t.Fatalf("call result %+v", res)
	}
	for _, rr := range res.Rules {
		if rr.Kind == inspect.TalkOver && rr.Applicable {
			t.Fatal("talk-over applied to a call with one side transcribed")
		}
	}
	if _, err := r.in.Book().Result(t.Context(), r.t, "cv-call-x"); err == nil {
		t.Fatal("the voice bot's conversation was inspected as a chat")
	}
}

// A chat the bot ends as handed off and the agent later wraps up is inspected twice: the second
// revision reads the whole transcript and names the agent.
func TestInspectorEndsAgain(t *testing.T) {
	r := newRig(t)
	conv, agent := "cv-again", "u-agent-2"
	t0 := time.Date(2026, 6, 3, 11, 0, 0, 0, time.UTC)
	r.feed(t,
		r.event(t, events.TypeChatMessage, conv, t0, msg(conv, events.RoleCustomer, "", "I want a person")),
		r.event(t, events.TypeChatMessage, conv, t0.Add(time.Second), msg(conv, events.RoleBot, "", "Connecting you to an agent")),
		r.event(t, events.TypeContactEnded, conv, t0.Add(2*time.Second), events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeHandedOff}),
	)
	first, err := r.in.Book().Result(t.Context(), r.t, conv)
	if err != nil {
		t.Fatal(err)
	}
	if first.Revision != 1 || first.AgentID != "" || first.Score != 100 {
		t.Fatalf("the bot's part: %+v", first)
	}
	r.feed(t,
		r.event(t, events.TypeChatMessage, conv, t0.Add(30*time.Second), msg(conv, events.RoleAgent, agent, "Hello, how can I help?")),
		r.event(t, events.TypeChatMessage, conv, t0.Add(40*time.Second), msg(conv, events.RoleCustomer, "", "my card is blocked, please unblock it")),
		r.event(t, events.TypeChatMessage, conv, t0.Add(50*time.Second), msg(conv, events.RoleAgent, agent, "Done. Anything else? Goodbye")),
		r.event(t, events.TypeContactEnded, conv, t0.Add(60*time.Second), events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeResolvedByAgent, AgentID: agent}),
	)
	second, err := r.in.Book().Result(t.Context(), r.t, conv)
	if err != nil {
		t.Fatal(err)
	}
	if second.Revision != 2 || second.AgentID != agent || len(second.Transcript) != 5 {
		t.Fatalf("the agent's part: %+v", second)
	}
	failed := map[string]bool{}
	for _, rr := range second.Rules {
		if rr.Applicable && !rr.Passed {
			failed[rr.RuleID] = true
		}
	}
	if len(failed) != 1 || !failed["identity-check"] {
		t.Fatalf("failed rules %v", failed)
	}
	if n := len(r.emitted(t)); n != 2 {
		t.Fatalf("%d events, want two contact.inspected", n)
	}
}

// Review at the records: a sample draws only contacts of its window and agent not yet in review;
// an agent disputing another's contact finds nothing; an override of a rule the result lacks is
// refused by index; a re-score keeps the automatic score and moves the agent's series.
func TestBookReview(t *testing.T) {
	r := newRig(t)
	t0 := time.Now().UTC().Add(-time.Hour)
	for i, agent := range []string{"u-a", "u-a", "u-b"} {
		conv := fmt.Sprintf("cv-review-%d", i)
		r.feed(t,
			r.event(t, events.TypeChatMessage, conv, t0, msg(conv, events.RoleAgent, agent, "hello, not my problem")),
			r.event(t, events.TypeContactEnded, conv, t0.Add(time.Second), events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeResolvedByAgent, AgentID: agent}),
		)
	}
	b, ctx := r.in.Book(), t.Context()
	now := time.Now().UTC()
	got, avail, err := b.Sample(ctx, r.t, inspect.SampleRequest{N: 5, AgentID: "u-a", From: now.Add(-24 * time.Hour), To: now.Add(time.Minute), By: "sup"})
	if err != nil || len(got) != 2 || avail != 2 {
		t.Fatalf("sample of u-a: %v %d %v", got, avail, err)
	}
	if got, avail, _ := b.Sample(ctx, r.t, inspect.SampleRequest{N: 5, From: now.Add(-24 * time.Hour), To: now.Add(time.Minute)}); len(got) != 1 || avail != 1 || got[0].AgentID != "u-b" {
		t.Fatalf("the second sample: %v %d", got, avail)
	}
	if got, _, _ := b.Sample(ctx, r.t, inspect.SampleRequest{N: 5, From: now.Add(-48 * time.Hour), To: now.Add(-24 * time.Hour)}); len(got) != 0 {
		t.Fatalf("a sample of another window: %v", got)
	}
	if _, err := b.Dispute(ctx, r.t, "cv-review-2", "user/u-a", "u-a", "not mine"); !errors.Is(err, inspect.ErrNoResult) {
		t.Fatalf("an agent disputing another's contact: %v", err)
	}
	if _, err := b.Dispute(ctx, r.t, "cv-review-0", "user/u-a", "u-a", "quoting"); err != nil {
		t.Fatal(err)
	}
	var unknown *inspect.UnknownRulesError
	if _, err := b.Rescore(ctx, r.t, "cv-review-0", "sup", []inspect.Override{{RuleID: "closing", Passed: true}, {RuleID: "nope"}}, ""); !errors.As(err, &unknown) || len(unknown.Indexes) != 1 || unknown.Indexes[0] != 1 {
		t.Fatalf("an unknown rule: %v", err)
	}
	res, err := b.Rescore(ctx, r.t, "cv-review-0", "sup", []inspect.Override{{RuleID: "forbidden-words", Passed: true}}, "quoting the customer")
	if err != nil {
		t.Fatal(err)
	}
	if res.FinalScore <= res.Score || res.Review.State != inspect.ReviewRescored || res.Review.Dispute == nil || res.Revision != 2 {
		t.Fatalf("rescored %+v", res)
	}
	s, err := b.Agent(ctx, r.t, "u-a", now.Add(-24*time.Hour), now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range s.Items {
		if it.ContactID == "cv-review-0" && (it.FinalScore != res.FinalScore || it.Review != inspect.ReviewRescored) {
			t.Fatalf("the series did not move: %+v", it)
		}
	}
}
