package inspect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Sentiment scores a text's polarity (the feedback function's, as shared/sentiment's Model does
// through an adapter): label negative|neutral|positive, score in [-1, 1].
type Sentiment interface {
	Predict(text string) (label string, score float64)
}

// TenantSentiment is a Sentiment that scores each tenant's texts with its own model (per-tenant
// models, docs/sentiment.md); the Inspector asks PredictFor when its Sentiment has it.
type TenantSentiment interface {
	PredictFor(ctx context.Context, t tenant.ID, text string) (label string, score float64)
}

// Pusher sends a live message to t's people of a role (push.Sender; supervisors' messages reach
// admins too).
type Pusher interface {
	NotifyRole(ctx context.Context, t tenant.ID, role auth.Role, msg any) error
}

// TypeAlert is the type of the live message a violation pushes to supervisors.
const TypeAlert = "qa_violation"

// Alert is the message supervisors' consoles get when a running contact breaks a live rule.
type Alert struct {
	Type      string         `json:"type"`
	ContactID string         `json:"contact_id"`
	Channel   events.Channel `json:"channel"`
	AgentID   string         `json:"agent_id,omitempty"`
	FormID    string         `json:"form_id"`
	RuleID    string         `json:"rule_id"`
	RuleName  string         `json:"rule_name,omitempty"`
	Kind      RuleKind       `json:"kind"`
	Speaker   Speaker        `json:"speaker"`
	Turn      int            `json:"turn"`
	Detail    string         `json:"detail"`
	At        time.Time      `json:"at"`
}

// Config is what an Inspector needs. Sentiment and Push may be nil: no emotion scores (the
// negative-emotion rules do not apply), no pushes (qa.violation still goes out).
type Config struct {
	DB        Store
	Commit    Committer
	Push      Pusher
	Sentiment Sentiment
	Now       func() time.Time // nil: time.Now
	Log       *slog.Logger     // nil: discarded
	Source    string           // the events' source, e.g. "lingxi.feedback"
}

// Inspector inspects contacts from the event stream: each turn as it comes against the active
// form's live rules, each contact whole at its end. Event is idempotent per event id.
type Inspector struct {
	book  *Book
	push  Pusher
	senti Sentiment
	log   *slog.Logger
	now   func() time.Time
}

// New returns an Inspector over cfg.
func New(cfg Config) *Inspector {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := NewBook(cfg.DB, cfg.Commit, cfg.Source, cfg.Now)
	return &Inspector{book: b, push: cfg.Push, senti: cfg.Sentiment, log: log, now: b.now}
}

// Book is the records the Inspector writes.
func (in *Inspector) Book() *Book { return in.book }

// running is a contact's transcript while it runs (and LiveTTL after).
type running struct {
	Channel events.Channel `dynamodbav:"channel"`
	AgentID string         `dynamodbav:"agent_id,omitempty"`
	// Started is the first turn's time: chat turns' StartMS count from it.
	Started time.Time `dynamodbav:"started"`
	Turns   []Turn    `dynamodbav:"turns"`
	// Applied are the ids of the turn events kept, Ends of the end events inspected: a replay of
	// either changes nothing.
	Applied []string `dynamodbav:"applied"`
	Ends    []string `dynamodbav:"ends,omitempty"`
	// Alerted are the rules that alerted live on this contact: each alerts once.
	Alerted []string `dynamodbav:"alerted,omitempty"`
	Bytes   int      `dynamodbav:"bytes"`
	Dropped int      `dynamodbav:"dropped,omitempty"`
}

func liveKey(contactID string) store.Key { return store.Key{Kind: KindLive, ID: contactID} }

// Event inspects one event of the stream: chat.message (chat only: a call's turns come as
// call.utterance) and call.utterance are turns, checked at once against the live rules;
// contact.ended (chat) and call.ended end the contact, which is scored whole with the active
// form. Other types are ignored. A replayed event changes nothing.
func (in *Inspector) Event(ctx context.Context, env events.Envelope) error {
	t, err := env.TenantID()
	if err != nil {
		return err
	}
	switch env.Type {
	case events.TypeChatMessage:
		p, err := events.DataAs[events.ChatMessage](env)
		if err != nil {
			return err
		}
		if p.Channel == events.ChannelVoice {
			return nil // the voice bot's turns: the call is inspected from call.utterance
		}
		return in.turn(ctx, t, env, env.Subject, events.ChannelChat, p.AgentID, Turn{Speaker: Speaker(p.Role), Text: p.Text}, false)
	case events.TypeCallUtterance:
		p, err := events.DataAs[events.CallUtterance](env)
		if err != nil {
			return err
		}
		return in.turn(ctx, t, env, env.Subject, events.ChannelVoice, "", Turn{Speaker: Customer, Text: p.Text, StartMS: p.StartMS, EndMS: p.EndMS}, true)
	case events.TypeContactEnded:
		p, err := events.DataAs[events.ContactEnded](env)
		if err != nil {
			return err
		}
		if p.Channel == events.ChannelVoice {
			return nil // a call's conversation: the call is inspected at call.ended
		}
		return in.end(ctx, t, env, events.ChannelChat, p.AgentID)
	case events.TypeCallEnded:
		return in.end(ctx, t, env, events.ChannelVoice, "")
	}
	return nil
}

// turn keeps one turn of contactID and raises the live violations it brings.
func (in *Inspector) turn(ctx context.Context, t tenant.ID, env events.Envelope, contactID string, ch events.Channel, agentID string, tu Turn, timed bool) error {
	form, err := in.book.ActiveForm(ctx, t)
	if err != nil {
		return err
	}
	tu.Text, tu.Cards = MaskCards(tu.Text)
	if r := []rune(tu.Text); len(r) > MaxTurnRunes {
		tu.Text = string(r[:MaxTurnRunes])
	}
	if in.senti != nil && tu.Speaker != Bot && tu.Text != "" {
		var s float64
		if ts, ok := in.senti.(TenantSentiment); ok {
			_, s = ts.PredictFor(ctx, t, tu.Text)
		} else {
			_, s = in.senti.Predict(tu.Text)
		}
		if !bad(s) {
			s = max(-1, min(1, s))
			tu.Sentiment = &s
		}
	}
	for range retries {
		var rc running
		v, err := in.book.db.Get(ctx, t, liveKey(contactID), &rc)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("transcript of %s: %w", contactID, err)
		}
		if slices.Contains(rc.Applied, env.ID) {
			return nil // replayed
		}
		if v == 0 {
			rc = running{Channel: ch, Started: env.Time}
		}
		if agentID != "" {
			rc.AgentID = agentID
		}
		if !timed {
			tu.StartMS = max(0, env.Time.Sub(rc.Started).Milliseconds())
			tu.EndMS = tu.StartMS
		}
		var alerts []Violation
		if len(rc.Turns) >= MaxTurns || rc.Bytes+len(tu.Text) > MaxTotalBytes {
			rc.Dropped++
			rc.Applied = append(rc.Applied, env.ID) // a replay of a dropped turn is not counted again
		} else {
			rc.Turns = append(rc.Turns, tu)
			rc.Applied = append(rc.Applied, env.ID)
			rc.Bytes += len(tu.Text)
			for _, v := range Live(form, rc.Turns, len(rc.Turns)-1) {
				if !slices.Contains(rc.Alerted, v.RuleID) {
					rc.Alerted = append(rc.Alerted, v.RuleID)
					alerts = append(alerts, v)
				}
			}
		}
		evs := make([]events.Envelope, 0, len(alerts))
		for _, a := range alerts {
			ev, err := events.New(t, events.TypeQAViolation, contactID, in.book.source, events.QAViolation{
				ContactID: contactID, Channel: ch, AgentID: rc.AgentID, FormID: form.ID, RuleID: a.RuleID,
				Kind: events.QARuleKind(a.Kind), Speaker: events.Role(a.Speaker), Turn: a.Turn, Detail: cut(a.Detail, 500), AtMS: max(a.AtMS, 0)})
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		err = in.book.commit.Commit(ctx, []store.Op{store.PutOp(t, liveKey(contactID), rc, v, store.WithTTL(in.now().Add(LiveTTL)))}, evs...)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("keep a turn of %s: %w", contactID, err)
		}
		for _, a := range alerts {
			in.alert(ctx, t, form, contactID, rc, a, env.Time)
		}
		return nil
	}
	return fmt.Errorf("keep a turn of %s: %w", contactID, ErrBusy)
}

// alert pushes a live violation to the tenant's supervisors (and admins). The qa.violation event
// is already committed: a failed push is logged, not retried.
func (in *Inspector) alert(ctx context.Context, t tenant.ID, f Form, contactID string, rc running, v Violation, at time.Time) {
	if in.push == nil {
		return
	}
	name := ""
	for _, r := range f.Rules {
		if r.ID == v.RuleID {
			name = r.Name
		}
	}
	msg := Alert{Type: TypeAlert, ContactID: contactID, Channel: rc.Channel, AgentID: rc.AgentID, FormID: f.ID, RuleID: v.RuleID, RuleName: name,
		Kind: v.Kind, Speaker: v.Speaker, Turn: v.Turn, Detail: v.Detail, At: at}
	if err := in.push.NotifyRole(ctx, t, auth.RoleSupervisor, msg); err != nil {
		in.log.WarnContext(ctx, "inspect: push of a violation failed", "tenant", t.String(), "contact", contactID, "rule", v.RuleID, "err", err)
	}
}

// end scores the contact of env's subject whole with the active form, stores the result (a new
// revision when it was inspected before) and emits contact.inspected.
func (in *Inspector) end(ctx context.Context, t tenant.ID, env events.Envelope, ch events.Channel, agentID string) error {
	contactID := env.Subject
	form, err := in.book.ActiveForm(ctx, t)
	if err != nil {
		return err
	}
	for range retries {
		var rc running
		v, err := in.book.db.Get(ctx, t, liveKey(contactID), &rc)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("transcript of %s: %w", contactID, err)
		}
		if slices.Contains(rc.Ends, env.ID) {
			return nil // replayed
		}
		if v == 0 {
			rc = running{Channel: ch, Started: env.Time}
		}
		if agentID != "" {
			rc.AgentID = agentID
		}
		rc.Ends = append(rc.Ends, env.ID)
		old, rv, err := in.book.result(ctx, t, contactID)
		if err != nil && !errors.Is(err, ErrNoResult) {
			return err
		}
		out := Evaluate(form, rc.Turns)
		r := Result{ContactID: contactID, Channel: rc.Channel, AgentID: rc.AgentID, FormID: form.ID, FormVersion: form.Version,
			Score: out.Score, FinalScore: out.Score, Rules: out.Rules, Violations: withExcerpts(out.Violations, rc.Turns),
			Transcript: rc.Turns, InspectedAt: in.now().UTC(), Revision: old.Revision + 1, Review: old.Review, DroppedTurns: rc.Dropped}
		if r.Transcript == nil {
			r.Transcript = []Turn{}
		}
		if r.Review.State == "" {
			r.Review.State = ReviewNone
		}
		if r.Review.Rescore != nil { // a review stands until re-scored: it judged the earlier transcript
			r.FinalScore = r.Review.Rescore.Score
		}
		ops := []store.Op{
			store.PutOp(t, liveKey(contactID), rc, v, store.WithTTL(in.now().Add(LiveTTL))),
			store.PutOp(t, resultKey(contactID), r, rv),
		}
		if r.AgentID != "" {
			op, err := in.book.agentOp(ctx, t, r)
			if err != nil {
				return err
			}
			ops = append(ops, op)
		}
		ev, err := inspectedEvent(t, r, events.QAScoredAutomatically, in.book.source)
		if err != nil {
			return err
		}
		err = in.book.commit.Commit(ctx, ops, ev)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store the inspection of %s: %w", contactID, err)
		}
		return nil
	}
	return fmt.Errorf("store the inspection of %s: %w", contactID, ErrBusy)
}

// cut shortens s to n bytes at a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
