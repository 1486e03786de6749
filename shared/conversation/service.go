package conversation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/guess"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Source names the chat function in the events it emits.
const Source = "lingxi.chat"

// DB is the table access the service needs; *store.Store satisfies it.
type DB interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
}

var _ DB = (*store.Store)(nil)

// Committer writes store operations and their events together (shared/outbox).
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error
}

// ModelSource gives a tenant's active model; *Models is one.
type ModelSource interface {
	Get(ctx context.Context, t tenant.ID) (Understander, string, error)
}

var _ ModelSource = (*Models)(nil)

// Config wires a Service.
type Config struct {
	// Quota counts live conversations against the tenant's plan (quota.go); nil: not counted.
	Quota  Quota
	DB     DB
	Commit Committer
	// Models gives the tenant's NLU; nil: the bot understands nothing but requests for a person.
	Models ModelSource
	// Guess ranks suggestions and learns from first intents; nil: no suggestions.
	Guess *guess.Store
	// HTTP sends flow webhooks (see dialog.Config.HTTP); default NewWebhookClient(LoopbackWebhookPorts). Requests go
	// only to hosts the tenant's Settings.WebhookHosts allow.
	HTTP dialog.Doer
	// LoopbackWebhookPorts are the loopback ports flows may call (the local stack's demo bank);
	// empty, as in production: none.
	LoopbackWebhookPorts []uint16
	// MinArticleMatch is the least nlu.Hit.Match of an article that answers (default
	// nlu.DefaultMinMatch).
	MinArticleMatch float64
	// MinConfidence is the least calibrated confidence of a recognised intent or FAQ class
	// (default 0.5). A tenant's model rarely has out-of-scope examples, so its own rejection
	// threshold is near zero; below this floor the turn counts as not understood.
	MinConfidence float64
	Log           *slog.Logger
	// Idle schedules the idle checks that end conversations the customer left (idle.go); nil:
	// conversations end only when ended.
	Idle IdleScheduler
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service runs conversations. It is safe for concurrent use.
type Service struct {
	db       DB
	commit   Committer
	models   ModelSource
	guess    *guess.Store
	quota    Quota
	idle     IdleScheduler
	http     dialog.Doer
	loopback egress.Policy
	minMatch float64
	minConf  float64
	log      *slog.Logger
	now      func() time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{
		db: cfg.DB, commit: cfg.Commit, models: cfg.Models, guess: cfg.Guess, http: cfg.HTTP,
		loopback: egress.Policy{LoopbackPorts: cfg.LoopbackWebhookPorts}, minMatch: cfg.MinArticleMatch, minConf: cfg.MinConfidence, log: cfg.Log, now: cfg.Now,
	}
	s.quota, s.idle = cfg.Quota, cfg.Idle
	if s.http == nil {
		s.http = NewWebhookClient(cfg.LoopbackWebhookPorts)
	}
	if s.minConf <= 0 {
		s.minConf = 0.5
	}
	if s.minMatch <= 0 {
		s.minMatch = nlu.DefaultMinMatch
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// CommitHook gives store ops to write in the same transaction as the Reply r: the chat function
// stores r's rendered response there as the answer to the request's Idempotency-Key.
type CommitHook func(r Reply) ([]store.Op, error)

type hookKey struct{}

// WithCommitHook returns ctx with h. The service calls h with the Reply a write is about to make
// and commits h's ops in that write's transaction: only in the request's last write (a voice
// call's first turn writes its conversation first, then the turn), again with the new Reply when
// a turn lost a race and runs again, and on its own when the request writes nothing else. So when
// a call that got ctx succeeds, the ops for the Reply it returned have been committed.
func WithCommitHook(ctx context.Context, h CommitHook) context.Context {
	return context.WithValue(ctx, hookKey{}, h)
}

// hookOps are the ops ctx's CommitHook gives for r (none without a hook).
func hookOps(ctx context.Context, r Reply) ([]store.Op, error) {
	h, _ := ctx.Value(hookKey{}).(CommitHook)
	if h == nil {
		return nil, nil
	}
	ops, err := h(r)
	if err != nil {
		return nil, fmt.Errorf("commit hook: %w", err)
	}
	return ops, nil
}

// StartInput opens a conversation.
type StartInput struct {
	Channel  events.Channel
	Language botconfig.Lang // "" to detect it from the customer's words
	Customer Customer
	// CallID is the media edge's call id of a voice conversation.
	CallID string
}

// Input is one customer turn: Text, a Suggestion (an intent id offered at the start) or DTMF
// digits. All empty is a voice turn without input (a timeout).
type Input struct {
	Text       string
	Suggestion string
	DTMF       string
}

// Action is one channel-neutral instruction for the channel: say text, gather the customer's
// next input, transfer to a queue, hang up.
type Action struct {
	Type      ActionType `json:"type"`
	Text      string     `json:"text,omitempty"`
	Hints     []string   `json:"hints,omitempty"`
	DTMF      bool       `json:"dtmf,omitempty"`
	MaxDigits int        `json:"max_digits,omitempty"`
	TimeoutMS int        `json:"timeout_ms,omitempty"`
	Queue     string     `json:"queue,omitempty"`
}

// ActionType names an Action.
type ActionType string

// Action types.
const (
	ActionSay      ActionType = "say"
	ActionGather   ActionType = "gather"
	ActionTransfer ActionType = "transfer"
	ActionHangup   ActionType = "hangup"
)

// Defaults of a voice gather that no flow step shaped.
const (
	GatherTimeoutMS = 8000
	gatherMaxDigits = 1 // "0" for a person
)

// Reply is what one request did.
type Reply struct {
	Conversation *Conversation
	// Messages are the bot's messages of this turn.
	Messages []Message
	// QuickReplies are answers the customer may tap (a flow question's options).
	QuickReplies []string
	// Actions are the turn as instructions: say, gather, transfer, hangup.
	Actions []Action
	// Suggestions are the guessed questions (at the start only).
	Suggestions []Suggestion
}

// VoiceConversationID is the id of the conversation of a call: derived from the call id, so every
// turn of a call finds it without a lookup, and two first turns racing create it once.
func VoiceConversationID(callID string) string {
	sum := sha256.Sum256([]byte(callID))
	return "cv-call-" + hex.EncodeToString(sum[:16])
}

func newID() (string, error) {
	u, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new conversation id: %w", err)
	}
	return "cv-" + u.String(), nil
}

// Start opens a conversation: the greeting and guessed questions, or, for a customer a handoff
// rule matches, a handoff.
func (s *Service) Start(ctx context.Context, t tenant.ID, in StartInput) (Reply, error) {
	id, err := newID()
	if err != nil {
		return Reply{}, err
	}
	return s.create(ctx, t, id, in, true, false)
}

// create writes a new conversation with id; greet says the greeting (a voice call whose first
// turn already carries the caller's words is not greeted). turnFollows says that the request runs
// a turn on the conversation next if it stays active: then that turn's write, not this one, is
// the request's last (see WithCommitHook).
func (s *Service) create(ctx context.Context, t tenant.ID, id string, in StartInput, greet, turnFollows bool) (Reply, error) {
	// Load.
	set, err := s.settings(ctx, t)
	if err != nil {
		return Reply{}, err
	}
	now := s.now().UTC()
	g := s.guessed(ctx, t, in.Customer.ID, now)
	l, err := s.loadStart(ctx, t, set, in, greet)
	if err != nil {
		return Reply{}, err
	}
	// Decide.
	d := decideStart(l, id, in, greet, g, now)
	if d.need != nil && d.need.steering {
		// A handoff rule took the customer: what the dispatch engine announces for its queue.
		if err := s.loadSteering(ctx, l, id); err != nil {
			return Reply{}, err
		}
		d = decideStart(l, id, in, greet, g, now)
	}
	for _, nt := range d.notes {
		s.log.Log(ctx, nt.level, nt.msg, nt.attrs...)
	}
	c := d.c
	// Commit.
	live, err := s.countLive(ctx, t, opened(d))
	if err != nil {
		return Reply{}, err
	}
	ops := withCount(live, store.CreateOp(t, store.Key{Kind: Kind, ID: id}, c, store.WithTTL(now.Add(TTL))))
	evs, err := d.events(nil)
	if err != nil {
		return Reply{}, err
	}
	if !turnFollows || c.State != StateActive {
		extra, err := hookOps(ctx, d.reply())
		if err != nil {
			return Reply{}, err
		}
		ops = append(ops, extra...)
	}
	if c.State != StateEnded {
		// Before the commit: a conversation that commits always has its check (a check of one
		// whose commit failed finds nothing and is dropped).
		if err := s.scheduleIdle(ctx, t, c, set); err != nil {
			return Reply{}, err
		}
	}
	if err := s.commitNew(ctx, id, ops, evs); err != nil {
		if qerr := s.liveRefused(ctx, t, live, err); qerr != nil {
			return Reply{}, qerr
		}
		return Reply{}, fmt.Errorf("create conversation %s: %w", id, err)
	}
	s.log.InfoContext(ctx, "conversation started", "conversation", id, "channel", c.Channel, "state", c.State)
	return d.reply(), nil
}

// commitNew commits a new conversation's writes. Its transaction updates the tenant's live
// conversation counter, one item every start of the tenant writes: on DynamoDB, starts at the same
// moment can cancel each other (TransactionConflict, store.ErrTxConflict) although no condition
// failed. Such a cancellation wrote nothing, so the same transaction is tried again after a
// jittered wait, up to MaxAttempts times in all; then ErrBusy (not a store conflict: a voice call's
// first turn reads a conflict as "the call's conversation exists"). Any other error, a failed
// condition included, is returned at once.
func (s *Service) commitNew(ctx context.Context, id string, ops []store.Op, evs []events.Envelope) error {
	var err error
	for attempt := range MaxAttempts {
		if attempt > 0 {
			if werr := backoff(ctx, attempt); werr != nil {
				return werr
			}
		}
		err = s.commit.Commit(ctx, ops, evs...)
		if !errors.Is(err, store.ErrTxConflict) {
			return err
		}
		s.log.InfoContext(ctx, "conversation start cancelled by a concurrent write; trying again", "conversation", id, "attempt", attempt+1)
	}
	return fmt.Errorf("%w: the tenant's live conversation count kept being written (%v)", ErrBusy, err)
}

// guessed loads what the customer's suggestions are made of (shared/guess): the kinds of their
// recent business events and the top guessed intents that the tenant still has, at most
// Suggestions of them. A failure only costs the suggestions.
func (s *Service) guessed(ctx context.Context, t tenant.ID, customer string, now time.Time) guesses {
	var g guesses
	if s.guess == nil {
		return g
	}
	ranked, kinds, err := s.guess.Suggest(ctx, t, customer, now, 3*Suggestions)
	g.kinds = kinds
	if err != nil {
		s.log.WarnContext(ctx, "guess suggestions", "err", err)
		return g
	}
	for _, r := range ranked {
		if len(g.intents) == Suggestions {
			break
		}
		in, ok, err := s.intent(ctx, t, r.Intent)
		if err != nil {
			s.log.WarnContext(ctx, "read suggested intent", "intent", r.Intent, "err", err)
			return g
		}
		if ok {
			g.intents = append(g.intents, in)
		}
	}
	return g
}

// Get returns a conversation.
func (s *Service) Get(ctx context.Context, t tenant.ID, id string) (*Conversation, error) {
	c, _, err := s.load(ctx, t, id)
	return c, err
}

func (s *Service) load(ctx context.Context, t tenant.ID, id string) (*Conversation, int64, error) {
	var c Conversation
	ver, err := s.db.Get(ctx, t, store.Key{Kind: Kind, ID: id}, &c)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read conversation %s: %w", id, err)
	}
	return &c, ver, nil
}

// Message runs one customer turn. An ended conversation whose survey question is open takes its
// answer (survey.go); anything else there is ErrEnded.
func (s *Service) Message(ctx context.Context, t tenant.ID, id string, in Input) (Reply, error) {
	return s.updateTurn(ctx, t, id, "", true, func(c *Conversation, set botconfig.Settings, now time.Time) (*decision, error) {
		return s.turn(ctx, t, c, set, in, now)
	})
}

// End closes a conversation because the customer left: contact.ended with the outcome
// resolved_by_bot (the bot answered something), handed_off, or abandoned. A chat the bot resolved
// is asked the survey when the tenant enables it (survey.go).
func (s *Service) End(ctx context.Context, t tenant.ID, id string) (Reply, error) {
	return s.update(ctx, t, id, "", func(c *Conversation, set botconfig.Settings, now time.Time) (*decision, error) {
		d := decideEnd(newLoaded(t, set, s.minMatch, s.minConf), c, now)
		if c.State == StateActive && c.Resolved {
			d.offerSurvey()
		}
		return d, nil
	})
}

// WrapUp ends a handed-off conversation because its agent wrapped the contact up, as End does,
// and asks the customer the survey when the tenant enables it (survey.go). ErrEnded when the
// customer left already.
func (s *Service) WrapUp(ctx context.Context, t tenant.ID, id string) (Reply, error) {
	return s.update(ctx, t, id, "", func(c *Conversation, set botconfig.Settings, now time.Time) (*decision, error) {
		d := decideEnd(newLoaded(t, set, s.minMatch, s.minConf), c, now)
		if c.State == StateHandoff {
			d.offerSurvey()
		}
		return d, nil
	})
}

// VoiceInput is one voice turn from the media edge.
type VoiceInput struct {
	CallID string
	// ConversationID, when set, must be the call's conversation; else it is derived from CallID.
	ConversationID string
	Text, DTMF     string
	// Caller is the calling number: the customer id of a new call's conversation. Personal data.
	Caller string
	// Language is the language a new call is answered in (the dialled number's); "" lets the
	// caller's number decide.
	Language botconfig.Lang
}

// Voice runs a voice turn: the first turn of a call opens its conversation (greeting it when the
// turn carries no words yet); the others are turns as Message runs them, where no input is a
// timeout.
func (s *Service) Voice(ctx context.Context, t tenant.ID, in VoiceInput) (Reply, error) {
	id := VoiceConversationID(in.CallID)
	if in.ConversationID != "" && in.ConversationID != id {
		if _, _, err := s.load(ctx, t, in.ConversationID); err != nil {
			return Reply{}, err
		}
		return Reply{}, ErrOtherCall
	}
	_, _, err := s.load(ctx, t, id)
	if errors.Is(err, ErrNotFound) {
		if in.ConversationID != "" {
			return Reply{}, ErrNotFound
		}
		start := StartInput{Channel: events.ChannelVoice, CallID: in.CallID, Customer: Customer{ID: in.Caller}, Language: in.Language}
		if in.Caller != "" {
			start.Customer.Attributes = map[string]string{"caller": in.Caller}
		}
		noInput := in.Text == "" && in.DTMF == ""
		r, err := s.create(ctx, t, id, start, noInput, !noInput)
		switch {
		case err == nil && noInput:
			return r, nil
		case err == nil && r.Conversation.State != StateActive:
			return r, nil // a handoff rule took the call
		case err != nil && !errors.Is(err, store.ErrConflict):
			return Reply{}, err
		case err != nil && noInput:
			return s.current(ctx, t, id) // a repeated first turn: the call is already greeted
		}
		// Created (or another first turn of the call created it): run the turn on it.
	} else if err != nil {
		return Reply{}, err
	}
	return s.update(ctx, t, id, in.CallID, func(c *Conversation, set botconfig.Settings, now time.Time) (*decision, error) {
		return s.turn(ctx, t, c, set, Input{Text: in.Text, DTMF: in.DTMF}, now)
	})
}

// current is a reply that changes nothing: the conversation as it is, waiting for the customer.
// The commit hook's ops, if any, are the only write.
func (s *Service) current(ctx context.Context, t tenant.ID, id string) (Reply, error) {
	c, _, err := s.load(ctx, t, id)
	if err != nil {
		return Reply{}, err
	}
	r := newDecision(newLoaded(t, botconfig.Settings{}, s.minMatch, s.minConf), c, s.now()).reply()
	ops, err := hookOps(ctx, r)
	if err != nil {
		return Reply{}, err
	}
	if len(ops) > 0 {
		if err := s.commit.Commit(ctx, ops); err != nil {
			return Reply{}, fmt.Errorf("commit reply of %s: %w", id, err)
		}
	}
	return r, nil
}

// decider is a turn's load and decide phases: it decides on the conversation c as loaded, under
// the tenant's settings set, at now. It must not change c.
type decider func(c *Conversation, set botconfig.Settings, now time.Time) (*decision, error)

// update runs a turn on the conversation's latest state: it loads the conversation and the
// settings, decides (f) and commits the decision with its events in one transaction. When another
// turn committed first, it runs again from the new state. An ended conversation is ErrEnded.
func (s *Service) update(ctx context.Context, t tenant.ID, id, callID string, f decider) (Reply, error) {
	return s.updateTurn(ctx, t, id, callID, false, f)
}

// updateTurn is update; survey lets f run on an ended conversation whose survey question is open.
func (s *Service) updateTurn(ctx context.Context, t tenant.ID, id, callID string, survey bool, f decider) (Reply, error) {
	for attempt := range MaxAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return Reply{}, err
			}
		}
		// Load.
		c, ver, err := s.load(ctx, t, id)
		if err != nil {
			return Reply{}, err
		}
		if callID != "" && c.CallID != callID {
			return Reply{}, ErrOtherCall
		}
		if c.State == StateEnded && (!survey || c.Survey == "") {
			return Reply{}, ErrEnded
		}
		set, err := s.settings(ctx, t)
		if err != nil {
			return Reply{}, err
		}
		now := s.now().UTC()
		if now.Before(c.UpdatedAt) {
			now = c.UpdatedAt // turns stay in order even if instances' clocks disagree
		}
		// Decide.
		d, err := f(c, set, now)
		if err != nil {
			return Reply{}, err
		}
		// Commit.
		d.c.UpdatedAt = now
		evs, err := d.events(nil)
		if err != nil {
			return Reply{}, err
		}
		live, err := s.countLive(ctx, t, -closed(d))
		if err != nil {
			return Reply{}, err
		}
		extra, err := hookOps(ctx, d.reply())
		if err != nil {
			return Reply{}, err
		}
		put := store.PutOp(t, store.Key{Kind: Kind, ID: id}, d.c, ver, store.WithTTL(now.Add(TTL)))
		ops := append(withCount(live, put), d.surveyOps()...)
		err = s.commit.Commit(ctx, append(ops, extra...), evs...)
		if errors.Is(err, store.ErrConflict) {
			s.log.InfoContext(ctx, "conversation changed during the turn; running it again", "conversation", id)
			continue
		}
		if err != nil {
			return Reply{}, fmt.Errorf("commit turn of %s: %w", id, err)
		}
		if d.learn != "" && s.guess != nil {
			if err := s.guess.Learn(ctx, t, d.c.GuessKinds, d.learn); err != nil {
				s.log.WarnContext(ctx, "learn first intent", "conversation", id, "err", err)
			}
		}
		return d.reply(), nil
	}
	return Reply{}, ErrBusy
}

// turn decides customer input in on c: it loads what the decision may read (loadTurn), decides,
// and when the decision needs the model's reading or a flow webhook's result, gets it and
// decides again from the start with what it now knows.
func (s *Service) turn(ctx context.Context, t tenant.ID, c *Conversation, set botconfig.Settings, in Input, now time.Time) (*decision, error) {
	l, err := s.loadTurn(ctx, t, set, c, in)
	if err != nil {
		return nil, err
	}
	return s.decideLoaded(ctx, l, c, in, now)
}

// decideLoaded decides customer input in on c from l, getting what the decision needs into l and
// deciding again until it needs nothing more.
func (s *Service) decideLoaded(ctx context.Context, l *loaded, c *Conversation, in Input, now time.Time) (*decision, error) {
	for {
		d, err := decide(l, c, in, now)
		if err != nil {
			return nil, err
		}
		switch n := d.need; {
		case n == nil:
			for _, nt := range d.notes {
				s.log.Log(ctx, nt.level, nt.msg, nt.attrs...)
			}
			return d, nil
		case n.understand != "" && l.reading == nil:
			err = s.understand(ctx, l, c.ID, n.understand)
		case n.webhook != nil && !hasKey(l.webhooks, n.webhook.Key):
			err = s.callWebhook(ctx, l, *n.webhook)
		case n.steering && l.steer == nil:
			err = s.loadSteering(ctx, l, c.ID)
		case n.flow != "" && !hasKey(l.flows, n.flow):
			s.fetch(ctx, l, nil, []string{n.flow}, nil)
			err = ctx.Err()
		default:
			return nil, fmt.Errorf("turn of %s: the decision needs what it was given", c.ID)
		}
		if err != nil {
			return nil, err
		}
	}
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// backoff waits a random time below 10 ms·2^attempt before a turn runs again, so turns that lost
// a race do not all collide again at once.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(10*time.Millisecond) << attempt))
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// engine builds the tenant's dialog engine (cheap; the HTTP client is shared).
func (s *Service) engine(set botconfig.Settings) *dialog.Engine {
	cfg := dialog.Config{
		HTTP: hostGuard{next: s.http, set: set}, Egress: s.loopback, Now: s.now, Logger: s.log,
	}
	if set.WebhookSecret != "" {
		cfg.WebhookSecret = []byte(set.WebhookSecret)
	}
	return dialog.NewEngine(cfg)
}

// flowSlots are the values the channel knows for a flow's declared inputs: the customer's
// attributes of the same names.
func flowSlots(f *dialog.Flow, c *Conversation) map[string]string {
	out := map[string]string{}
	for _, name := range f.Inputs {
		if v, ok := c.Customer.Attributes[name]; ok && v != "" {
			out[name] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
