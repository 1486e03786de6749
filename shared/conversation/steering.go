package conversation

// steering.go: the bot's executors of the real-time dispatch engine (shared/strategy). The engine
// writes what is in force per queue (shared/steering/overlay); the bot reads it when a turn is
// about to hand off, never earlier, and never rewrites the tenant's bot configuration:
//
//   - bot first (strategy.BotFirst): a customer's first request for a person whose intent (this
//     turn's, else the conversation's last) is one of the activation's Params.Intents gets the
//     intent's answer or flow, then a line saying the agents are busy (and the expected wait) and
//     that asking again reaches a person. A second request hands off as before. A customer a
//     handoff rule sends to a person, a running flow, or an intent with neither answer nor flow is
//     never deflected.
//   - announce wait (strategy.AnnounceWait): a handoff's message tells the expected wait.
//
// The overlay is loaded lazily (decision.need): a turn that hands off or is asked for a person
// reads it once, any other turn never, so the bot's reads per turn are unchanged where nothing
// can apply (BenchmarkTurn counts them).

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/strategy"
)

// What the bot says when the dispatch engine acts through it. A wait is always said in whole
// minutes (sayWaitMinutes), below a minute as sayWaitUnderAMinute.
var (
	sayBotFirst = botconfig.Text{
		botconfig.LangZH: "目前人工客服较忙。以上是我现在就能为您办理的；如仍需人工服务，请再说一次，我会为您转接。",
		botconfig.LangEN: "Our agents are busy right now. Here is what I can do for you right away; ask again and I will connect you with a person.",
	}
	sayBotFirstWait = botconfig.Text{
		botconfig.LangZH: "目前人工客服较忙（预计等待%s）。以上是我现在就能为您办理的；如仍需人工服务，请再说一次，我会为您转接。",
		botconfig.LangEN: "Our agents are busy right now (the expected wait is %s). Here is what I can do for you right away; ask again and I will connect you with a person.",
	}
	sayExpectedWait = botconfig.Text{
		botconfig.LangZH: "预计等待%s。",
		botconfig.LangEN: "The expected wait is %s.",
	}
	sayWaitMinutes = botconfig.Text{
		botconfig.LangZH: "约%d分钟",
		botconfig.LangEN: "about %d minutes",
	}
	sayWaitAMinute = botconfig.Text{
		botconfig.LangZH: "约1分钟",
		botconfig.LangEN: "about a minute",
	}
	sayWaitUnderAMinute = botconfig.Text{
		botconfig.LangZH: "不到1分钟",
		botconfig.LangEN: "less than a minute",
	}
)

// waitText is a wait of seconds (> 0) in lang, rounded to the nearest minute.
func waitText(seconds int, lang botconfig.Lang) string {
	switch m := (seconds + 30) / 60; {
	case seconds < 60:
		return sayWaitUnderAMinute[lang]
	case m <= 1:
		return sayWaitAMinute[lang]
	default:
		return fmt.Sprintf(sayWaitMinutes[lang], m)
	}
}

// withWait is t with each language's sentence saying a wait of seconds appended (t nil: the
// sentence alone).
func withWait(t botconfig.Text, seconds int) botconfig.Text {
	out := botconfig.Text{}
	for _, lang := range []botconfig.Lang{botconfig.LangZH, botconfig.LangEN} {
		sentence := fmt.Sprintf(sayExpectedWait[lang], waitText(seconds, lang))
		base := strings.TrimSpace(t[lang])
		switch {
		case base == "":
			out[lang] = sentence
		case lang == botconfig.LangZH:
			out[lang] = base + sentence
		default:
			out[lang] = base + " " + sentence
		}
	}
	return out
}

// botFirstLine is the line after a bot-first answer, with the wait when seconds > 0.
func botFirstLine(seconds int) botconfig.Text {
	if seconds <= 0 {
		return sayBotFirst
	}
	out := botconfig.Text{}
	for lang, f := range sayBotFirstWait {
		out[lang] = fmt.Sprintf(f, waitText(seconds, lang))
	}
	return out
}

// mark is the dispatch engine's activation a bot message carries out (its chat.message says so).
type mark struct {
	strategy   strategy.Kind
	activation string
}

// steering is the overlay as loaded; a need when the load has not read it yet.
func (d *decision) steering() (*overlay.State, error) {
	if d.l.steer == nil {
		return nil, &need{steering: true}
	}
	return d.l.steer, nil
}

// expectedWait is the wait to tell about queue: the activation's own, else announce wait's.
func (d *decision) expectedWait(st *overlay.State, queue string, a strategy.Activation) int {
	if a.Params.ExpectedWaitSeconds > 0 {
		return a.Params.ExpectedWaitSeconds
	}
	if w, ok := st.For(queue, strategy.AnnounceWait, d.now); ok {
		return w.Params.ExpectedWaitSeconds
	}
	return 0
}

// personRequested is a customer's request for a person (text, or keypad 0 when text is ""): the
// bot answers first when bot first is in force for it, else the conversation is handed off.
func (d *decision) personRequested(text string) error {
	deflected, err := d.botFirst(text)
	if err != nil || deflected {
		return err
	}
	d.handoff(events.ReasonCustomerRequest, d.queue(d.c.LastIntent, ""), sayHandoff)
	return nil
}

// botFirst answers a request for a person with the bot when the engine's bot first is in force
// for the queue the request would go to and the intent is one the bot resolves well; false when
// the request goes to a person as before.
func (d *decision) botFirst(text string) (bool, error) {
	c := d.c
	if c.BotFirst || c.Flow != "" {
		return false, nil // once a conversation; a running flow is the bot's answer already
	}
	if _, ok := matchRule(d.l.set.HandoffRules, c.Customer.Attributes); ok {
		return false, nil // a policy sends this customer to a person at once
	}
	st, err := d.steering()
	if err != nil || !anyInForce(st, strategy.BotFirst, d.now) {
		return false, err
	}
	// This turn's intent when the customer says more than the request and the model is sure of
	// it (then it alone: "a person about my complaint" is not answered with the last intent),
	// else the last one, which the request itself says nothing of.
	id, start, ofTurn := c.LastIntent, "", false
	if requestRest(text) != "" {
		if d.l.reading == nil {
			return false, &need{understand: text}
		}
		if res := *d.l.reading; d.l.recognised(res) {
			id, start, ofTurn = res.Intent, text, true
		}
	}
	if id == "" || strings.HasPrefix(id, botconfig.ArticleClass) {
		return false, nil
	}
	a, ok := st.For(d.queue(id, ""), strategy.BotFirst, d.now)
	if !ok || !containsFold(a.Params.Intents, id) {
		return false, nil
	}
	intent, ok, err := d.l.intent(id)
	if err != nil || !ok {
		return false, err
	}
	if can, err := d.canAnswer(intent); err != nil || !can {
		return false, err
	}
	if ofTurn {
		d.annotate(d.l.reading.Intent, d.l.reading.Confidence)
	} else {
		start = displayText(intent, c.Language)
		if c.Language != "" && dialog.DetectLanguage(start) != c.Language {
			d.startLang = c.Language // the intent has no words in the conversation's language
		}
	}
	if err := d.act(intent, start); err != nil {
		return false, err
	}
	if c.State != StateActive {
		return true, nil // the flow handed off or ended at once: nothing to add
	}
	c.BotFirst = true
	d.sayMarked(say(botFirstLine(d.expectedWait(st, a.Queue, a)), c.Language), mark{strategy.BotFirst, a.ID})
	return true, nil
}

// canAnswer reports whether intent has something for the bot to give: its flow (read when not
// loaded yet) or an answer in the conversation's language.
func (d *decision) canAnswer(intent botconfig.Intent) (bool, error) {
	if intent.Flow != "" {
		if _, seen := d.l.flows[intent.Flow]; !seen {
			return false, &need{flow: intent.Flow}
		}
		if f, ok, err := d.l.flow(intent.Flow); err == nil && ok && f != nil {
			return true, nil
		}
	}
	return intent.Answer.In(d.c.Language) != "", nil
}

// anyInForce reports whether any activation of k is in force at now.
func anyInForce(st *overlay.State, k strategy.Kind, now time.Time) bool {
	for _, a := range st.InForce(now) {
		if a.Strategy == k {
			return true
		}
	}
	return false
}

// announcedWait is the chat handoff message msg with the expected wait when announce wait is in
// force for queue, and its activation (a call's wait is told by the media edge's hold prompt); msg and no mark otherwise (or when the overlay is not loaded
// yet: the decision then asks for it).
func (d *decision) announcedWait(queue string, msg botconfig.Text) (botconfig.Text, mark) {
	if d.c.Channel == events.ChannelVoice {
		return msg, mark{} // the media edge's hold prompt tells a caller the wait once, as they join the queue
	}
	if d.l.steer == nil {
		d.wantSteering = true
		return msg, mark{}
	}
	a, ok := d.l.steer.For(queue, strategy.AnnounceWait, d.now)
	if !ok || a.Params.ExpectedWaitSeconds <= 0 {
		return msg, mark{}
	}
	return withWait(msg, a.Params.ExpectedWaitSeconds), mark{strategy.AnnounceWait, a.ID}
}

// sayMarked adds a bot message that carries out activation m.
func (d *decision) sayMarked(text string, m mark) {
	n := len(d.bot)
	d.say(text)
	if len(d.bot) > n && m.strategy != "" {
		if d.marks == nil {
			d.marks = map[int]mark{}
		}
		d.marks[n] = m
	}
}

// requestRest is what text says besides asking for a person: "" when it only asks (the request's
// phrases, keywords and filler, in either language), so the model is read only for a turn that
// may name an intent.
func requestRest(text string) string {
	s := strings.ToLower(strings.TrimSpace(text))
	s = enPhrases.ReplaceAllString(s, " ")
	for _, p := range zhPhrases {
		s = strings.ReplaceAll(s, p, " ")
	}
	var kept []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }) {
		if enKeywords[w] || enFiller[w] {
			continue
		}
		for _, k := range zhKeywords {
			w = strings.ReplaceAll(w, k, "")
		}
		for _, f := range zhFiller {
			w = strings.ReplaceAll(w, f, "")
		}
		if w != "" && !enKeywords[w] && !enFiller[w] { // "我想agent": a Latin word left of a Chinese one
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(strings.TrimSpace(v), s) {
			return true
		}
	}
	return false
}

// loadSteering reads the tenant's overlay into l. A failed read costs only the strategies: the
// turn goes on as if none were in force (a customer never gets an error for it).
func (s *Service) loadSteering(ctx context.Context, l *loaded, conversation string) error {
	st, _, err := overlay.Read(ctx, s.db, l.t)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.WarnContext(ctx, "no dispatch overlay for this turn", "conversation", conversation, "err", err)
		st = overlay.State{}
	}
	l.steer = &st
	return nil
}
