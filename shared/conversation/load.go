package conversation

// load.go: a turn's first phase. Everything a decision may read is gathered here into a loaded
// value before decide runs (decide.go), so deciding does no I/O:
//
//   - up front (loadTurn): the flow the conversation runs and the intents the conversation and the
//     input name (a picked suggestion or voice menu key and its flow, the last intent and the
//     flow's intent, whose queues a handoff reads; the voice menu's intents a silence on a call
//     hears again); at a start (loadStart), the voice menu's intents a call's greeting reads out;
//   - when the decision reaches the model (rule 5 of the message logic, which a running flow or a
//     closing turn may never reach), understand: the model's reading of the text, then the intent
//     and articles that reading names and the intent's flow;
//   - when a flow reaches a webhook step, callWebhook: the call's result;
//   - when the turn hands off or the customer asks for a person, loadSteering: the dispatch
//     engine's overlay (steering.go), and the flow of an intent the bot answers first.
//
// The last three are asked for by the decision itself (decision.need); the service gets them and
// decides again from the start with what it now knows (turn in service.go).

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/tenant"
)

// loaded is what a turn's decision reads. The service fills it; decide only reads it.
type loaded struct {
	t   tenant.ID
	set botconfig.Settings
	// minMatch and minConf are the service's article and intent thresholds.
	minMatch, minConf float64

	intents  map[string]read[botconfig.Intent]
	flows    map[string]read[*dialog.Flow]
	articles map[string]read[botconfig.Article]
	// reading is the model's reading of the customer's text; nil until understood.
	reading *nlu.Result
	// webhooks are the results of the flow webhooks called in this turn.
	webhooks dialog.Webhooks
	// feedback is the contact's survey answers so far and their version (0: none), read when a
	// survey question is open (survey.go).
	feedback    satisfaction.Feedback
	feedbackVer int64
	// steer is the dispatch engine's overlay (steering.go); nil until a handoff or a request for
	// a person asks for it.
	steer *overlay.State
}

// read is one item as the store gave it: ok false when the tenant has none, err when reading
// failed.
type read[T any] struct {
	v   T
	ok  bool
	err error
}

func newLoaded(t tenant.ID, set botconfig.Settings, minMatch, minConf float64) *loaded {
	return &loaded{
		t: t, set: set, minMatch: minMatch, minConf: minConf,
		intents: map[string]read[botconfig.Intent]{}, flows: map[string]read[*dialog.Flow]{},
		articles: map[string]read[botconfig.Article]{}, webhooks: dialog.Webhooks{},
	}
}

// intent, flow and article give a loaded item; one the load did not gather is an error (a bug in
// what load.go gathers, which the decide tests catch).
func (l *loaded) intent(id string) (botconfig.Intent, bool, error) {
	return get(l.intents, "intent", id)
}

func (l *loaded) flow(id string) (*dialog.Flow, bool, error) {
	return get(l.flows, "flow", id)
}

func (l *loaded) article(id string) (botconfig.Article, bool, error) {
	return get(l.articles, "article", id)
}

// notLoadedError: the decision read an item the load did not gather.
type notLoadedError struct{ kind, id string }

func (e *notLoadedError) Error() string {
	return "decide read " + e.kind + " " + e.id + " that was not loaded"
}

func get[T any](m map[string]read[T], kind, id string) (T, bool, error) {
	r, seen := m[id]
	if !seen {
		var zero T
		return zero, false, &notLoadedError{kind: kind, id: id}
	}
	return r.v, r.ok, r.err
}

// recognised reports whether the reading names an intent (or an FAQ class) sure enough to act on.
func (l *loaded) recognised(res nlu.Result) bool {
	return !res.OutOfScope && res.Intent != "" && res.Intent != nlu.OutOfScopeLabel && res.Confidence >= l.minConf
}

// loadTurn gathers what a turn on c with input in may read before the model is asked: the running
// flow and the intents c and in name, and the flow of a picked suggestion. A conversation with a
// person needs only a picked suggestion (the turn records the customer's words, nothing else).
func (s *Service) loadTurn(ctx context.Context, t tenant.ID, set botconfig.Settings, c *Conversation, in Input) (*loaded, error) {
	l := newLoaded(t, set, s.minMatch, s.minConf)
	intents, flows := []string{in.Suggestion}, []string{}
	if c.State != StateHandoff {
		intents = append(intents, c.LastIntent, c.FlowIntent)
		flows = append(flows, c.Flow)
	}
	picked := in.Suggestion
	if e, ok := menuPick(set, c, in); ok {
		picked = e.Intent // a key of the voice menu picks its intent
		intents = append(intents, picked)
	}
	if menuOnSilence(set, c, in) {
		intents = append(intents, menuIntents(set)...) // a silence hears the menu again
	}
	s.fetch(ctx, l, intents, flows, nil)
	if picked != "" {
		s.fetch(ctx, l, nil, intentFlows(l, picked), nil)
	}
	if c.Survey != "" {
		f, ver, err := satisfaction.Get(ctx, s.db, t, c.ID)
		if err != nil {
			return nil, err
		}
		l.feedback, l.feedbackVer = f, ver
	}
	return l, ctx.Err()
}

// loadStart gathers what a conversation's start may read: a call's greeting reads the voice
// menu's intents.
func (s *Service) loadStart(ctx context.Context, t tenant.ID, set botconfig.Settings, in StartInput, greet bool) (*loaded, error) {
	l := newLoaded(t, set, s.minMatch, s.minConf)
	if greet && in.Channel == events.ChannelVoice {
		s.fetch(ctx, l, menuIntents(set), nil, nil)
	}
	return l, ctx.Err()
}

// understand reads text with the tenant's model and gathers what the reading names: the
// recognised intent and its flow, the article of a recognised FAQ class, and every article
// retrieved with at least the least match (the decision answers with the first of them that is
// valid now and has an answer for the conversation).
func (s *Service) understand(ctx context.Context, l *loaded, conversation, text string) error {
	var res nlu.Result
	if s.models != nil {
		m, _, err := s.models.Get(ctx, l.t)
		switch {
		case err != nil && ctx.Err() != nil:
			return err
		case err != nil:
			// Without its model the bot still falls back and hands off; a customer never gets
			// an error because S3 or the table hiccupped.
			s.log.ErrorContext(ctx, "no model for this turn", "conversation", conversation, "err", err)
		case m != nil:
			res = m.Understand(text)
		}
	}
	l.reading = &res
	var intents, articles []string
	if l.recognised(res) {
		if id, ok := strings.CutPrefix(res.Intent, botconfig.ArticleClass); ok {
			articles = append(articles, id)
		} else {
			intents = append(intents, res.Intent)
		}
	}
	for _, h := range res.Articles {
		if h.Match >= l.minMatch {
			articles = append(articles, h.ArticleID)
		}
	}
	s.fetch(ctx, l, intents, nil, articles)
	s.fetch(ctx, l, nil, intentFlows(l, intents...), nil)
	return ctx.Err()
}

// intentFlows are the flows of the loaded intents ids.
func intentFlows(l *loaded, ids ...string) []string {
	var flows []string
	for _, id := range ids {
		if in, ok, err := l.intent(id); err == nil && ok && in.Flow != "" {
			flows = append(flows, in.Flow)
		}
	}
	return flows
}

// callWebhook makes a flow's webhook call with the tenant's engine (signed, to allowed hosts
// only, retried) and keeps its result for the next decision.
func (s *Service) callWebhook(ctx context.Context, l *loaded, call dialog.WebhookCall) error {
	res, err := s.engine(l.set).Call(ctx, call)
	if err != nil {
		return err
	}
	l.webhooks[call.Key] = res
	return nil
}

// fetch reads the intents, flows and articles named that l does not hold yet, all at once (a
// turn's reads are few and independent), and waits for them.
func (s *Service) fetch(ctx context.Context, l *loaded, intents, flows, articles []string) {
	var wg sync.WaitGroup
	keep := []func(){
		fetchAll(&wg, l.intents, intents, func(id string) (botconfig.Intent, bool, error) { return s.intent(ctx, l.t, id) }),
		fetchAll(&wg, l.flows, flows, func(id string) (*dialog.Flow, bool, error) { return s.flow(ctx, l.t, id) }),
		fetchAll(&wg, l.articles, articles, func(id string) (botconfig.Article, bool, error) { return s.article(ctx, l.t, id) }),
	}
	wg.Wait()
	for _, k := range keep {
		k()
	}
}

// fetchAll starts a read of each id m lacks and returns what stores the reads in m once wg is
// done. A failed read is kept with its error: the decision says what the failure means.
func fetchAll[T any](wg *sync.WaitGroup, m map[string]read[T], ids []string, readOne func(string) (T, bool, error)) func() {
	var todo []string
	for _, id := range ids {
		if _, seen := m[id]; !seen && id != "" && !slices.Contains(todo, id) {
			todo = append(todo, id)
		}
	}
	got := make([]read[T], len(todo))
	for i, id := range todo {
		wg.Go(func() { got[i].v, got[i].ok, got[i].err = readOne(id) })
	}
	return func() {
		for i, id := range todo {
			m[id] = got[i]
		}
	}
}
