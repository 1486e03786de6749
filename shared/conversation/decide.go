package conversation

// decide.go: a turn's second phase. decide is a pure function of what was loaded (load.go), the
// conversation, the input and the time: it returns the decision (the conversation's new state,
// the customer's and the bot's messages, the actions for the channel, the events to emit, what to
// log) and touches no store, model or network. When it reaches something not loaded yet (the
// model's reading, a flow webhook's result) it says so in decision.need and the service, having
// got it, runs decide again from the start.

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/store"
)

// decision is one turn's outcome. c is the conversation's new state (decide works on a copy; the
// loaded one is unchanged). Nothing is written until the service commits it.
type decision struct {
	l   *loaded // what the decision reads
	c   *Conversation
	now time.Time

	customer   *Message // the customer's turn, if any
	customerAt int      // its number (c.TotalMessages just after it was added)
	bot        []Message
	gather     *Action  // the flow's question, shaping the next input
	options    []string // the flow question's answers to offer as buttons
	transfer   string   // queue handed off to in this turn
	quick      []string // the survey question's answers to offer as buttons (survey.go)
	ops        []store.Op
	feedback   *events.Envelope // the survey answer's feedback.submitted; ops hold its write
	ended      bool             // the conversation ended in this turn
	learn      string           // the first recognised intent, to count (shared/guess)
	// startLang fixes the language of a flow this turn starts (dialog.StartInput.Lang): a key of
	// the voice menu whose intent has no words in the call's language still starts the flow in it.
	startLang botconfig.Lang

	// marks are the dispatch engine's activations bot messages carry out, by index in bot.
	marks map[int]mark
	// wantSteering is set when a handoff met the overlay not loaded yet: the decision then needs
	// it (steering.go).
	wantSteering bool

	// need is set when the decision is incomplete: the service gets what it names and decides
	// again.
	need *need
	// notes are what the service logs about the decision.
	notes []note
}

// need is what a decision lacks: the model's reading of the text, a webhook's result, the
// dispatch engine's overlay (steering.go) or a flow the load did not read. It is an error only
// to unwind the decision that met it (decide turns it into decision.need).
type need struct {
	understand string
	webhook    *dialog.WebhookCall
	steering   bool
	flow       string
}

func (n *need) Error() string { return "the decision needs more" }

// note is a log line the service writes for a decision.
type note struct {
	level slog.Level
	msg   string
	attrs []any
}

// newDecision starts a decision on a copy of c.
func newDecision(l *loaded, c *Conversation, now time.Time) *decision {
	cc := *c
	cc.Messages = slices.Clone(c.Messages)
	return &decision{l: l, c: &cc, now: now}
}

// decide decides customer input in on conversation c at now from what l holds. Errors are the
// caller's (ErrUnknownIntent) or a read the decision depends on that failed.
func decide(l *loaded, c *Conversation, in Input, now time.Time) (*decision, error) {
	d := newDecision(l, c, now)
	err := d.run(in)
	if n, ok := errors.AsType[*need](err); ok {
		d.need, err = n, nil
	}
	d.finish()
	return d, err
}

// finish asks for the overlay when a complete decision handed off without it.
func (d *decision) finish() {
	if d.need == nil && d.wantSteering {
		d.need = &need{steering: true}
	}
}

// guesses are what a new conversation's suggestions are made of (Service.guessed): the kinds of
// the customer's recent business events and the guessed intents the tenant has, best first.
type guesses struct {
	kinds   []string
	intents []botconfig.Intent
}

// decideStart opens conversation id: a handoff for a customer a handoff rule takes, else the
// greeting (when greet) and the guessed questions.
func decideStart(l *loaded, id string, in StartInput, greet bool, g guesses, now time.Time) *decision {
	c := &Conversation{
		ID: id, Channel: in.Channel, Language: in.Language, Customer: in.Customer, CallID: in.CallID,
		State: StateActive, CreatedAt: now, UpdatedAt: now,
	}
	if c.Channel == events.ChannelVoice && c.Language == "" {
		c.Language = callerLanguage(in.Customer.ID) // a call speaks one language, never both
	}
	d := newDecision(l, c, now)
	c = d.c
	if rule, ok := matchRule(l.set.HandoffRules, in.Customer.Attributes); ok {
		d.handoff(events.ReasonPolicy, queueFor(rule.Queue, l.set.DefaultQueue), sayHandoffPolicy)
		d.finish()
		return d
	}
	c.GuessKinds = g.kinds
	for _, in := range g.intents {
		c.Suggestions = append(c.Suggestions, Suggestion{Intent: in.ID, Text: displayText(in, c.Language)})
	}
	if greet {
		greeting := say(orDefault(l.set.Greeting, defaultGreeting), c.Language)
		if c.Channel == events.ChannelVoice {
			d.greetCall(greeting) // and the keypad menu
		} else {
			d.say(greeting)
		}
	}
	return d
}

// decideEnd closes c because the customer left.
func decideEnd(l *loaded, c *Conversation, now time.Time) *decision {
	d := newDecision(l, c, now)
	d.end()
	return d
}

func (d *decision) warn(msg string, attrs ...any) {
	d.notes = append(d.notes, note{slog.LevelWarn, msg, attrs})
}

// say adds a bot message.
func (d *decision) say(text string) {
	if text = strings.TrimSpace(text); text == "" {
		return
	}
	b := Message{Role: events.RoleBot, Text: text, Time: d.now}
	d.bot = append(d.bot, b)
	d.c.add(b)
}

// annotate records the NLU's reading of the customer's turn, in the event and the transcript.
func (d *decision) annotate(intent string, confidence float64) {
	d.customer.Intent, d.customer.Confidence = intent, confidence
	if i := len(d.c.Messages) - 1 - (d.c.TotalMessages - d.customerAt); i >= 0 && i < len(d.c.Messages) {
		d.c.Messages[i].Intent, d.c.Messages[i].Confidence = intent, confidence
	}
}

// run is one customer input.
func (d *decision) run(in Input) error {
	c := d.c
	text := strings.TrimSpace(in.Text)
	ct := Message{Role: events.RoleCustomer, Text: text, Time: d.now}
	var picked *botconfig.Intent
	var pickedText string // what a picked intent's flow starts with, when not the customer's message
	menu, fromMenu := menuPick(d.l.set, c, in)
	switch {
	case fromMenu:
		// A key of the voice menu picks its intent as a suggestion does; a key whose intent is
		// gone is keypad input like any other.
		intent, ok, err := d.l.intent(menu.Intent)
		if err != nil {
			return err
		}
		ct.Text, ct.DTMF = in.DTMF, true
		if ok {
			picked = &intent
			ct.Text, ct.Digits = displayText(intent, c.Language), in.DTMF
			ct.Intent, ct.Confidence = intent.ID, 1
			pickedText = menuName(menu, ct.Text, c.Language)
			if dialog.DetectLanguage(pickedText) != c.Language {
				d.startLang = c.Language // the intent has no words in the call's language
			}
		} else {
			d.warn("the voice menu names an intent the configuration lacks", "intent", menu.Intent, "digit", menu.Digit)
		}
	case in.Suggestion != "":
		intent, ok, err := d.l.intent(in.Suggestion)
		if err != nil {
			return err
		}
		if !ok {
			return ErrUnknownIntent
		}
		picked = &intent
		ct.Text = displayText(intent, c.Language)
		for _, sg := range c.Suggestions {
			if sg.Intent == intent.ID {
				ct.Text = sg.Text
			}
		}
		ct.Intent, ct.Confidence = intent.ID, 1
	case in.DTMF != "":
		ct.Text, ct.DTMF = in.DTMF, true
	}
	if ct.Text != "" {
		d.customer = &ct
		c.add(ct)
		d.customerAt = c.TotalMessages
	}
	if text != "" {
		c.Language = dialog.Follow(c.Language, text)
	}
	if c.Survey != "" {
		if answered, err := d.answerSurvey(text, in.DTMF); answered || err != nil {
			return err
		}
	}
	if c.State == StateEnded {
		return ErrEnded // an ended conversation takes only the answer to its survey
	}

	switch {
	case c.State == StateHandoff:
		return nil // a person has it; the transcript keeps what the customer wrote
	case text != "" && WantsPerson(text), in.DTMF != "" && c.Flow == "" && wantsPersonDTMF(in.DTMF):
		return d.personRequested(text)
	case picked != nil:
		c.RunningFlow = RunningFlow{} // a chosen suggestion replaces a running flow
		if pickedText == "" {
			pickedText = ct.Text
		}
		return d.act(*picked, pickedText)
	case c.Flow != "":
		handled, err := d.flowTurn(text, in.DTMF)
		if err != nil || handled {
			return err
		}
	}
	if k := closing(text); k != notClosing && in.DTMF == "" {
		d.close(k) // thanks, goodbye, or a yes or no that answers no question
		return nil
	}
	if text == "" && in.DTMF == "" {
		return d.notUnderstood(d.noInput(in)) // a voice timeout
	}
	return d.understand(text, in.DTMF)
}

// engine is the flow engine a decision runs flows with: no I/O (webhook results come from the
// loaded state), its clock stopped at the turn's time.
func (d *decision) engine() *dialog.Engine {
	return dialog.NewEngine(dialog.Config{Now: func() time.Time { return d.now }})
}

// flowTurn gives the input to the running flow. False when the flow cannot take it (deleted,
// changed since it started, broken): then the flow is dropped and the bot handles the input.
func (d *decision) flowTurn(text, dtmf string) (bool, error) {
	c := d.c
	f, ok, err := d.l.flow(c.Flow)
	if err != nil || !ok {
		return d.dropFlow(slog.LevelWarn, "running flow is gone or invalid; dropping it", err)
	}
	var st dialog.State
	if err := json.Unmarshal([]byte(c.FlowState), &st); err != nil {
		return d.dropFlow(slog.LevelError, "flow state does not decode; dropping it", err)
	}
	next, outs, err := d.engine().TurnWith(f, st, dialog.Input{Text: text, DTMF: dtmf}, d.l.webhooks)
	if n, ok := errors.AsType[*dialog.WebhookNeeded](err); ok {
		return false, &need{webhook: &n.Call}
	}
	if err != nil {
		return d.dropFlow(slog.LevelWarn, "flow turn failed; dropping the flow", err)
	}
	c.LowConfidence = 0
	return true, d.apply(next, outs)
}

// dropFlow drops a running flow that cannot take the turn, saying why in the log.
func (d *decision) dropFlow(level slog.Level, msg string, err error) (bool, error) {
	d.notes = append(d.notes, note{level, msg, []any{"conversation", d.c.ID, "flow", d.c.Flow, "err", err}})
	d.c.RunningFlow = RunningFlow{}
	return false, nil
}

// apply carries out a flow's outputs and keeps its state.
func (d *decision) apply(st dialog.State, outs []dialog.Output) error {
	c := d.c
	if st.Lang.Valid() {
		c.Language = st.Lang
	}
	for _, o := range outs {
		switch o.Type {
		case dialog.OutputSay:
			d.say(o.Text)
		case dialog.OutputGather:
			d.say(o.Prompt)
			d.gather = &Action{Type: ActionGather, Hints: o.Hints, DTMF: o.DTMF, MaxDigits: o.MaxDigits, TimeoutMS: GatherTimeoutMS}
			d.options = o.Options
		case dialog.OutputTransfer:
			d.handoff(events.ReasonFlow, d.queue(c.FlowIntent, o.Queue), nil)
		case dialog.OutputEnd:
			if o.Outcome == dialog.OutcomeResolved {
				c.Resolved = true
				if c.FlowIntent != "" {
					c.Intent = c.FlowIntent // the flow's intent decided the outcome
				}
			}
		}
	}
	if st.Done {
		c.RunningFlow = RunningFlow{}
		if c.Channel == events.ChannelVoice && c.State == StateActive {
			d.end() // voice hangs up after a flow, unless it transferred
		}
		return nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode flow state: %w", err)
	}
	c.FlowState = string(b)
	return nil
}

// understand reads text with the tenant's model and knowledge base.
func (d *decision) understand(text, dtmf string) error {
	if text == "" {
		return d.notUnderstood(defaultFallback) // keys nothing took
	}
	if d.l.reading == nil {
		return &need{understand: text}
	}
	res := *d.l.reading
	inScope := d.l.recognised(res)
	// An article that matches the message better than the classifier is sure of its intent
	// answers instead: a small classifier is often confident about a question it was never
	// taught, which the knowledge base matches word for word.
	floor := 0.0
	if inScope {
		floor = res.Confidence
	}
	if id, ok := strings.CutPrefix(res.Intent, botconfig.ArticleClass); ok && inScope {
		// The classifier recognised an FAQ (articles are trained as classes).
		answered, err := d.answerArticle(id)
		if err != nil || answered {
			return err
		}
		inScope, floor = false, 0 // the article is gone or expired: let retrieval try
	}
	if answered, err := d.answerFromArticles(res.Articles, floor); err != nil || answered {
		return err
	}
	if inScope {
		intent, ok, err := d.l.intent(res.Intent)
		if err != nil {
			return err
		}
		if ok {
			d.annotate(res.Intent, res.Confidence)
			return d.act(intent, text)
		}
		d.warn("the model knows an intent the configuration lacks", "intent", res.Intent)
		if answered, err := d.answerFromArticles(res.Articles, 0); err != nil || answered {
			return err
		}
	}
	return d.notUnderstood(orDefault(d.l.set.Fallback, defaultFallback))
}

// answerFromArticles answers with the first hit whose match is at least the minimum and above
// floor, whose article is valid now and has an answer for the channel and language.
func (d *decision) answerFromArticles(hits []nlu.Hit, floor float64) (bool, error) {
	for _, h := range hits {
		if h.Match < d.l.minMatch || h.Match <= floor {
			break // best first
		}
		if answered, err := d.answerArticle(h.ArticleID); err != nil || answered {
			return answered, err
		}
	}
	return false, nil
}

// answerArticle answers with article id if it exists, is valid now, and has an answer for the
// conversation's channel and language.
func (d *decision) answerArticle(id string) (bool, error) {
	c := d.c
	ch := botconfig.ChannelChat
	if c.Channel == events.ChannelVoice {
		ch = botconfig.ChannelVoice
	}
	a, ok, err := d.l.article(id)
	if err != nil || !ok || !a.ValidAt(d.now) {
		return false, err
	}
	answer := a.AnswerFor(ch, c.Language)
	if answer == "" {
		return false, nil
	}
	d.say(answer)
	c.Resolved, c.LowConfidence = true, 0
	return true, nil
}

// notUnderstood says msg, or hands off when the customer has not been understood
// Settings.LowConfidenceTurns times in a row.
func (d *decision) notUnderstood(msg botconfig.Text) error {
	c := d.c
	c.LowConfidence++
	limit := d.l.set.LowConfidenceTurns
	if limit <= 0 {
		limit = 2
	}
	if c.LowConfidence >= limit {
		d.handoff(events.ReasonLowConfidence, d.queue(c.LastIntent, ""), sayHandoffLowConfidence)
		return nil
	}
	d.say(say(msg, c.Language))
	return nil
}

// act does what a recognised intent says: start its flow, answer, or hand off to its queue.
func (d *decision) act(intent botconfig.Intent, text string) error {
	c := d.c
	c.LastIntent, c.LowConfidence = intent.ID, 0
	if c.Intent == "" {
		c.Intent = intent.ID
	}
	if !c.Learned {
		c.Learned, d.learn = true, intent.ID
	}
	if intent.Flow != "" {
		f, ok, err := d.l.flow(intent.Flow)
		if err != nil || !ok {
			d.warn("intent's flow is missing or invalid", "intent", intent.ID, "flow", intent.Flow, "err", err)
		} else {
			in := dialog.StartInput{ConversationID: c.ID, CustomerID: c.Customer.ID, Text: text, Slots: flowSlots(f, c), Voice: c.Channel == events.ChannelVoice, Lang: d.startLang}
			eng := d.engine()
			st, outs, err := eng.StartWith(f, in, d.l.webhooks)
			if errors.Is(err, dialog.ErrBadInput) && in.Slots != nil {
				in.Slots = nil // an attribute that does not fit its slot is simply not used
				st, outs, err = eng.StartWith(f, in, d.l.webhooks)
			}
			if err == nil {
				c.RunningFlow = RunningFlow{Flow: f.ID, FlowIntent: intent.ID}
				return d.apply(st, outs)
			}
			if n, ok := errors.AsType[*dialog.WebhookNeeded](err); ok {
				return &need{webhook: &n.Call}
			}
			d.warn("start flow", "intent", intent.ID, "flow", intent.Flow, "err", err)
		}
	}
	if answer := intent.Answer.In(c.Language); answer != "" {
		d.say(answer)
		c.Resolved, c.Intent = true, intent.ID
		return nil
	}
	d.handoff(events.ReasonPolicy, d.queue(intent.ID, ""), sayHandoff)
	return nil
}

// queue picks the handoff queue: the flow's, the intent's, a matching rule's, the default.
func (d *decision) queue(intentID, flowQueue string) string {
	var intentQueue string
	if intentID != "" && flowQueue == "" {
		if in, ok, err := d.l.intent(intentID); err == nil && ok {
			intentQueue = in.Queue
		}
	}
	var ruleQueue string
	if r, ok := matchRule(d.l.set.HandoffRules, d.c.Customer.Attributes); ok {
		ruleQueue = r.Queue
	}
	return queueFor(flowQueue, intentQueue, ruleQueue, d.l.set.DefaultQueue)
}

// handoff queues the conversation for a person; msg (if any) tells the customer, with the
// expected wait when the dispatch engine announces it for queue.
func (d *decision) handoff(reason events.HandoffReason, queue string, msg botconfig.Text) {
	c := d.c
	if msg, m := d.announcedWait(queue, msg); msg != nil {
		d.sayMarked(say(msg, c.Language), m)
	}
	c.State, c.Queue, c.Reason = StateHandoff, queue, reason
	if c.LastIntent != "" {
		c.Intent = c.LastIntent // the intent the customer is handed off for
	}
	if slots := c.RunningFlow.slots(); len(slots) > 0 {
		c.HandoffSlots = slots
	}
	c.RunningFlow = RunningFlow{}
	d.gather, d.transfer = nil, queue
}

// end closes the conversation.
func (d *decision) end() {
	c := d.c
	c.Outcome = c.outcome()
	c.State = StateEnded
	at := d.now
	c.EndedAt = &at
	c.RunningFlow = RunningFlow{}
	d.ended = true
}

// events builds the turn's events: the customer's and the bot's messages, a handoff's
// contact.created and an end's contact.ended, in that order.
func (d *decision) events(evs []events.Envelope) ([]events.Envelope, error) {
	c := d.c
	add := func(typ string, data any) error {
		ev, err := events.New(d.l.t, typ, c.ID, Source, data)
		if err != nil {
			return fmt.Errorf("build %s event: %w", typ, err)
		}
		evs = append(evs, ev)
		return nil
	}
	if ct := d.customer; ct != nil {
		m := events.ChatMessage{ConversationID: c.ID, Channel: c.Channel, Role: events.RoleCustomer, Text: ct.Text, Intent: ct.Intent}
		if ct.Intent != "" {
			m.Confidence = min(max(ct.Confidence, 0), 1)
		}
		if err := add(events.TypeChatMessage, m); err != nil {
			return nil, err
		}
	}
	for i, b := range d.bot {
		m := events.ChatMessage{ConversationID: c.ID, Channel: c.Channel, Role: events.RoleBot, Text: b.Text}
		if mk, ok := d.marks[i]; ok {
			m.Strategy, m.ActivationID = mk.strategy, mk.activation
		}
		if err := add(events.TypeChatMessage, m); err != nil {
			return nil, err
		}
	}
	if d.transfer != "" {
		attrs := map[string]string{}
		if c.Language != "" {
			attrs["language"] = string(c.Language)
		}
		for k, v := range c.Customer.Attributes {
			attrs[k] = v
		}
		if err := add(events.TypeContactCreated, events.ContactCreated{
			Channel: c.Channel, CustomerID: c.Customer.ID, Queue: d.transfer, Intent: c.LastIntent,
			Reason: c.Reason, Attributes: attrs, Transcript: c.eventTranscript(),
		}); err != nil {
			return nil, err
		}
	}
	if d.feedback != nil {
		evs = append(evs, *d.feedback)
	}
	if d.ended {
		if err := add(events.TypeContactEnded, events.ContactEnded{
			Channel: c.Channel, Outcome: c.Outcome, DurationMS: max(d.now.Sub(c.CreatedAt).Milliseconds(), 0), Intent: c.LastIntent,
		}); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// reply is the turn as the caller sees it.
func (d *decision) reply() Reply {
	c := d.c
	r := Reply{Conversation: c, Messages: d.bot, Suggestions: c.Suggestions}
	if r.Messages == nil {
		r.Messages = []Message{}
	}
	for _, b := range d.bot {
		r.Actions = append(r.Actions, Action{Type: ActionSay, Text: b.Text})
	}
	switch {
	case d.transfer != "":
		r.Actions = append(r.Actions, Action{Type: ActionTransfer, Queue: d.transfer})
	case d.ended || c.State == StateEnded:
		r.Actions = append(r.Actions, Action{Type: ActionHangup})
	case c.State == StateActive:
		g := d.gather
		if g == nil {
			g = &Action{Type: ActionGather, DTMF: true, MaxDigits: gatherMaxDigits, TimeoutMS: GatherTimeoutMS}
			for _, sg := range c.Suggestions {
				g.Hints = append(g.Hints, sg.Text)
			}
		}
		if d.gather != nil {
			r.QuickReplies = d.options
		}
		r.Actions = append(r.Actions, *g)
	}
	if d.quick != nil {
		r.QuickReplies = d.quick
	}
	if r.QuickReplies == nil {
		r.QuickReplies = []string{}
	}
	return r
}
