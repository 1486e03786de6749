package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/tenant"
)

// turn is one request's work on a conversation: it changes c and records what to say, what to
// emit and what to learn. Nothing is written until the service commits it.
type turn struct {
	s    *Service
	t    tenant.ID
	read *reader // the tenant's intents, flows and articles, each read once
	c    *Conversation
	set  botconfig.Settings
	now  time.Time

	customer   *Message // the customer's turn, if any
	customerAt int      // its number (c.TotalMessages just after it was added)
	bot        []Message
	gather     *Action  // the flow's question, shaping the next input
	options    []string // the flow question's answers to offer as buttons
	transfer   string   // queue handed off to in this turn
	ended      bool     // the conversation ended in this turn
	learn      string   // the first recognised intent, to count (shared/guess)
}

func (s *Service) newTurn(t tenant.ID, c *Conversation, set botconfig.Settings, now time.Time) *turn {
	return &turn{s: s, t: t, read: newReader(s, t), c: c, set: set, now: now}
}

// say adds a bot message.
func (tr *turn) say(text string) {
	if text = strings.TrimSpace(text); text == "" {
		return
	}
	b := Message{Role: events.RoleBot, Text: text, Time: tr.now}
	tr.bot = append(tr.bot, b)
	tr.c.add(b)
}

// annotate records the NLU's reading of the customer's turn, in the event and the transcript.
func (tr *turn) annotate(intent string, confidence float64) {
	tr.customer.Intent, tr.customer.Confidence = intent, confidence
	if i := len(tr.c.Messages) - 1 - (tr.c.TotalMessages - tr.customerAt); i >= 0 && i < len(tr.c.Messages) {
		tr.c.Messages[i].Intent, tr.c.Messages[i].Confidence = intent, confidence
	}
}

// run is one customer input.
func (tr *turn) run(ctx context.Context, in Input) error {
	c := tr.c
	text := strings.TrimSpace(in.Text)
	ct := Message{Role: events.RoleCustomer, Text: text, Time: tr.now}
	var picked *botconfig.Intent
	switch {
	case in.Suggestion != "":
		intent, ok, err := tr.read.intent(ctx, in.Suggestion)
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
		tr.customer = &ct
		c.add(ct)
		tr.customerAt = c.TotalMessages
	}
	if text != "" {
		c.Language = dialog.Follow(c.Language, text)
	}

	switch {
	case c.State == StateHandoff:
		return nil // a person has it; the transcript keeps what the customer wrote
	case text != "" && WantsPerson(text), in.DTMF != "" && c.Flow == "" && wantsPersonDTMF(in.DTMF):
		tr.handoff(events.ReasonCustomerRequest, tr.queue(ctx, c.LastIntent, ""), sayHandoff)
		return nil
	case picked != nil:
		c.RunningFlow = RunningFlow{} // a chosen suggestion replaces a running flow
		return tr.act(ctx, *picked, ct.Text)
	case c.Flow != "":
		handled, err := tr.flowTurn(ctx, text, in.DTMF)
		if err != nil || handled {
			return err
		}
	}
	if k := closing(text); k != notClosing && in.DTMF == "" {
		tr.close(k) // thanks, goodbye, or a yes or no that answers no question
		return nil
	}
	return tr.understand(ctx, text, in.DTMF)
}

// flowTurn gives the input to the running flow. False when the flow cannot take it (deleted,
// changed since it started, broken): then the flow is dropped and the bot handles the input.
func (tr *turn) flowTurn(ctx context.Context, text, dtmf string) (bool, error) {
	c := tr.c
	f, ok, err := tr.read.flow(ctx, c.Flow)
	if err != nil || !ok {
		tr.s.log.WarnContext(ctx, "running flow is gone or invalid; dropping it", "conversation", c.ID, "flow", c.Flow, "err", err)
		c.RunningFlow = RunningFlow{}
		return false, nil
	}
	var st dialog.State
	if err := json.Unmarshal([]byte(c.FlowState), &st); err != nil {
		tr.s.log.ErrorContext(ctx, "flow state does not decode; dropping it", "conversation", c.ID, "err", err)
		c.RunningFlow = RunningFlow{}
		return false, nil
	}
	next, outs, err := tr.s.engine(tr.set).Turn(ctx, f, st, dialog.Input{Text: text, DTMF: dtmf})
	if err != nil {
		if ctx.Err() != nil {
			return false, err
		}
		tr.s.log.WarnContext(ctx, "flow turn failed; dropping the flow", "conversation", c.ID, "flow", c.Flow, "err", err)
		c.RunningFlow = RunningFlow{}
		return false, nil
	}
	c.LowConfidence = 0
	return true, tr.apply(ctx, next, outs)
}

// apply carries out a flow's outputs and keeps its state.
func (tr *turn) apply(ctx context.Context, st dialog.State, outs []dialog.Output) error {
	c := tr.c
	if st.Lang.Valid() {
		c.Language = st.Lang
	}
	for _, o := range outs {
		switch o.Type {
		case dialog.OutputSay:
			tr.say(o.Text)
		case dialog.OutputGather:
			tr.say(o.Prompt)
			tr.gather = &Action{Type: ActionGather, Hints: o.Hints, DTMF: o.DTMF, MaxDigits: o.MaxDigits, TimeoutMS: GatherTimeoutMS}
			tr.options = o.Options
		case dialog.OutputTransfer:
			tr.handoff(events.ReasonFlow, tr.queue(ctx, c.FlowIntent, o.Queue), nil)
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
			tr.end() // voice hangs up after a flow, unless it transferred
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
func (tr *turn) understand(ctx context.Context, text, dtmf string) error {
	if text == "" {
		msg := defaultFallback
		if dtmf == "" {
			msg = sayNoInput // a voice timeout
		}
		return tr.notUnderstood(ctx, msg)
	}
	var res nlu.Result
	if tr.s.models != nil {
		m, _, err := tr.s.models.Get(ctx, tr.t)
		switch {
		case err != nil && ctx.Err() != nil:
			return err
		case err != nil:
			// Without its model the bot still falls back and hands off; a customer never gets
			// an error because S3 or the table hiccupped.
			tr.s.log.ErrorContext(ctx, "no model for this turn", "conversation", tr.c.ID, "err", err)
		case m != nil:
			res = m.Understand(text)
		}
	}
	inScope := !res.OutOfScope && res.Intent != "" && res.Intent != nlu.OutOfScopeLabel && res.Confidence >= tr.s.minConf
	// An article that matches the message better than the classifier is sure of its intent
	// answers instead: a small classifier is often confident about a question it was never
	// taught, which the knowledge base matches word for word.
	floor := 0.0
	if inScope {
		floor = res.Confidence
	}
	if id, ok := strings.CutPrefix(res.Intent, botconfig.ArticleClass); ok && inScope {
		// The classifier recognised an FAQ (articles are trained as classes).
		answered, err := tr.answerArticle(ctx, id)
		if err != nil || answered {
			return err
		}
		inScope, floor = false, 0 // the article is gone or expired: let retrieval try
	}
	if answered, err := tr.answerFromArticles(ctx, res.Articles, floor); err != nil || answered {
		return err
	}
	if inScope {
		intent, ok, err := tr.read.intent(ctx, res.Intent)
		if err != nil {
			return err
		}
		if ok {
			tr.annotate(res.Intent, res.Confidence)
			return tr.act(ctx, intent, text)
		}
		tr.s.log.WarnContext(ctx, "the model knows an intent the configuration lacks", "intent", res.Intent)
		if answered, err := tr.answerFromArticles(ctx, res.Articles, 0); err != nil || answered {
			return err
		}
	}
	return tr.notUnderstood(ctx, orDefault(tr.set.Fallback, defaultFallback))
}

// answerFromArticles answers with the first hit whose match is at least the minimum and above
// floor, whose article is valid now and has an answer for the channel and language.
func (tr *turn) answerFromArticles(ctx context.Context, hits []nlu.Hit, floor float64) (bool, error) {
	for _, h := range hits {
		if h.Match < tr.s.minMatch || h.Match <= floor {
			break // best first
		}
		if answered, err := tr.answerArticle(ctx, h.ArticleID); err != nil || answered {
			return answered, err
		}
	}
	return false, nil
}

// answerArticle answers with article id if it exists, is valid now, and has an answer for the
// conversation's channel and language.
func (tr *turn) answerArticle(ctx context.Context, id string) (bool, error) {
	c := tr.c
	ch := botconfig.ChannelChat
	if c.Channel == events.ChannelVoice {
		ch = botconfig.ChannelVoice
	}
	a, ok, err := tr.read.article(ctx, id)
	if err != nil || !ok || !a.ValidAt(tr.now) {
		return false, err
	}
	answer := a.AnswerFor(ch, c.Language)
	if answer == "" {
		return false, nil
	}
	tr.say(answer)
	c.Resolved, c.LowConfidence = true, 0
	return true, nil
}

// notUnderstood says msg, or hands off when the customer has not been understood
// Settings.LowConfidenceTurns times in a row.
func (tr *turn) notUnderstood(ctx context.Context, msg botconfig.Text) error {
	c := tr.c
	c.LowConfidence++
	limit := tr.set.LowConfidenceTurns
	if limit <= 0 {
		limit = 2
	}
	if c.LowConfidence >= limit {
		tr.handoff(events.ReasonLowConfidence, tr.queue(ctx, c.LastIntent, ""), sayHandoffLowConfidence)
		return nil
	}
	tr.say(say(msg, c.Language))
	return nil
}

// act does what a recognised intent says: start its flow, answer, or hand off to its queue.
func (tr *turn) act(ctx context.Context, intent botconfig.Intent, text string) error {
	c := tr.c
	c.LastIntent, c.LowConfidence = intent.ID, 0
	if c.Intent == "" {
		c.Intent = intent.ID
	}
	if !c.Learned {
		c.Learned, tr.learn = true, intent.ID
	}
	if intent.Flow != "" {
		f, ok, err := tr.read.flow(ctx, intent.Flow)
		if err != nil || !ok {
			tr.s.log.WarnContext(ctx, "intent's flow is missing or invalid", "intent", intent.ID, "flow", intent.Flow, "err", err)
		} else {
			in := dialog.StartInput{ConversationID: c.ID, CustomerID: c.Customer.ID, Text: text, Slots: flowSlots(f, c), Voice: c.Channel == events.ChannelVoice}
			eng := tr.s.engine(tr.set)
			st, outs, err := eng.Start(ctx, f, in)
			if errors.Is(err, dialog.ErrBadInput) && in.Slots != nil {
				in.Slots = nil // an attribute that does not fit its slot is simply not used
				st, outs, err = eng.Start(ctx, f, in)
			}
			if err == nil {
				c.RunningFlow = RunningFlow{Flow: f.ID, FlowIntent: intent.ID}
				return tr.apply(ctx, st, outs)
			}
			if ctx.Err() != nil {
				return err
			}
			tr.s.log.WarnContext(ctx, "start flow", "intent", intent.ID, "flow", intent.Flow, "err", err)
		}
	}
	if answer := intent.Answer.In(c.Language); answer != "" {
		tr.say(answer)
		c.Resolved, c.Intent = true, intent.ID
		return nil
	}
	tr.handoff(events.ReasonPolicy, tr.queue(ctx, intent.ID, ""), sayHandoff)
	return nil
}

// queue picks the handoff queue: the flow's, the intent's, a matching rule's, the default.
func (tr *turn) queue(ctx context.Context, intentID, flowQueue string) string {
	var intentQueue string
	if intentID != "" && flowQueue == "" {
		if in, ok, err := tr.read.intent(ctx, intentID); err == nil && ok {
			intentQueue = in.Queue
		}
	}
	var ruleQueue string
	if r, ok := matchRule(tr.set.HandoffRules, tr.c.Customer.Attributes); ok {
		ruleQueue = r.Queue
	}
	return queueFor(flowQueue, intentQueue, ruleQueue, tr.set.DefaultQueue)
}

// handoff queues the conversation for a person; msg (if any) tells the customer.
func (tr *turn) handoff(reason events.HandoffReason, queue string, msg botconfig.Text) {
	c := tr.c
	if msg != nil {
		tr.say(say(msg, c.Language))
	}
	c.State, c.Queue, c.Reason = StateHandoff, queue, reason
	if c.LastIntent != "" {
		c.Intent = c.LastIntent // the intent the customer is handed off for
	}
	c.RunningFlow = RunningFlow{}
	tr.gather, tr.transfer = nil, queue
}

// end closes the conversation.
func (tr *turn) end() {
	c := tr.c
	c.Outcome = c.outcome()
	c.State = StateEnded
	at := tr.now
	c.EndedAt = &at
	c.RunningFlow = RunningFlow{}
	tr.ended = true
}

// events builds the turn's events: the customer's and the bot's messages, a handoff's
// contact.created and an end's contact.ended, in that order.
func (tr *turn) events(evs []events.Envelope) ([]events.Envelope, error) {
	c := tr.c
	add := func(typ string, data any) error {
		ev, err := events.New(tr.t, typ, c.ID, Source, data)
		if err != nil {
			return fmt.Errorf("build %s event: %w", typ, err)
		}
		evs = append(evs, ev)
		return nil
	}
	if ct := tr.customer; ct != nil {
		m := events.ChatMessage{ConversationID: c.ID, Channel: c.Channel, Role: events.RoleCustomer, Text: ct.Text, Intent: ct.Intent}
		if ct.Intent != "" {
			m.Confidence = min(max(ct.Confidence, 0), 1)
		}
		if err := add(events.TypeChatMessage, m); err != nil {
			return nil, err
		}
	}
	for _, b := range tr.bot {
		if err := add(events.TypeChatMessage, events.ChatMessage{ConversationID: c.ID, Channel: c.Channel, Role: events.RoleBot, Text: b.Text}); err != nil {
			return nil, err
		}
	}
	if tr.transfer != "" {
		attrs := map[string]string{}
		if c.Language != "" {
			attrs["language"] = string(c.Language)
		}
		for k, v := range c.Customer.Attributes {
			attrs[k] = v
		}
		if err := add(events.TypeContactCreated, events.ContactCreated{
			Channel: c.Channel, CustomerID: c.Customer.ID, Queue: tr.transfer, Intent: c.LastIntent,
			Reason: c.Reason, Attributes: attrs, Transcript: c.eventTranscript(),
		}); err != nil {
			return nil, err
		}
	}
	if tr.ended {
		if err := add(events.TypeContactEnded, events.ContactEnded{
			Channel: c.Channel, Outcome: c.Outcome, DurationMS: max(tr.now.Sub(c.CreatedAt).Milliseconds(), 0), Intent: c.LastIntent,
		}); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// reply is the turn as the caller sees it.
func (tr *turn) reply() Reply {
	c := tr.c
	r := Reply{Conversation: c, Messages: tr.bot, Suggestions: c.Suggestions}
	if r.Messages == nil {
		r.Messages = []Message{}
	}
	for _, b := range tr.bot {
		r.Actions = append(r.Actions, Action{Type: ActionSay, Text: b.Text})
	}
	switch {
	case tr.transfer != "":
		r.Actions = append(r.Actions, Action{Type: ActionTransfer, Queue: tr.transfer})
	case tr.ended || c.State == StateEnded:
		r.Actions = append(r.Actions, Action{Type: ActionHangup})
	case c.State == StateActive:
		g := tr.gather
		if g == nil {
			g = &Action{Type: ActionGather, DTMF: true, MaxDigits: gatherMaxDigits, TimeoutMS: GatherTimeoutMS}
			for _, sg := range c.Suggestions {
				g.Hints = append(g.Hints, sg.Text)
			}
		}
		if tr.gather != nil {
			r.QuickReplies = tr.options
		}
		r.Actions = append(r.Actions, *g)
	}
	if r.QuickReplies == nil {
		r.QuickReplies = []string{}
	}
	return r
}
