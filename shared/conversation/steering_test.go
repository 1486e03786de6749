package conversation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// steered is what the dispatch engine has in force in these tests: bot first on the general
// queue for opening hours and the lost card (5 minutes' wait), the expected wait announced on
// refunds (7 minutes).
func steered(now time.Time) *overlay.State {
	return &overlay.State{Active: []strategy.Activation{
		{ID: "act-bf", Queue: DefaultQueue, Strategy: strategy.BotFirst, Since: now.Add(-5 * time.Minute), Until: now.Add(10 * time.Minute),
			Params: strategy.Params{Intents: []string{"opening_hours", "card_lost"}, ExpectedWaitSeconds: 300}},
		{ID: "act-aw", Queue: "refunds", Strategy: strategy.AnnounceWait, Since: now.Add(-5 * time.Minute), Until: now.Add(10 * time.Minute),
			Params: strategy.Params{ExpectedWaitSeconds: 420}},
	}}
}

// steeredBank is bank(t) under steered, with an intent the bot answers that bot first does not
// list (fees).
func steeredBank(t *testing.T) *loaded {
	l := bank(t)
	l.steer = steered(decideNow)
	l.intents["fees"] = read[botconfig.Intent]{ok: true, v: botconfig.Intent{ID: "fees", Answer: botconfig.Text{"en": "No fees.", "zh": "没有手续费。"}}}
	return l
}

// withLast is a conversation whose last intent is last.
func withLast(channel events.Channel, lang botconfig.Lang, last string) *Conversation {
	c := conv(channel, lang)
	c.LastIntent = last
	return c
}

// Bot first and announce wait, decided: a first request for a person whose intent bot first
// lists gets the intent's answer or flow and the line (with the wait); everything else hands off
// as before, telling the wait where it is announced.
func TestDecideBotFirst(t *testing.T) {
	lineZH := fmtText(sayBotFirstWait, botconfig.LangZH, "约5分钟")
	lineEN := fmtText(sayBotFirstWait, botconfig.LangEN, "about 5 minutes")
	for name, tc := range map[string]struct {
		loaded func(*testing.T) *loaded
		conv   *Conversation
		in     Input
		// want: the bot's words, the state, the queue, whether bot first was spent, the
		// strategy and activation the last bot message carries out.
		say      string
		state    State
		queue    string
		botFirst bool
		mark     mark
	}{
		"zh first request gets the answer and the line": {
			loaded: steeredBank, conv: withLast(events.ChannelChat, botconfig.LangZH, "opening_hours"), in: Input{Text: "转人工"},
			say: "网点营业时间为9:00–17:00。 | " + lineZH, state: StateActive, botFirst: true, mark: mark{strategy.BotFirst, "act-bf"},
		},
		"en first request gets the answer and the line": {
			loaded: steeredBank, conv: withLast(events.ChannelChat, botconfig.LangEN, "opening_hours"), in: Input{Text: "talk to a person"},
			say: "Branches open 9:00–17:00. | " + lineEN, state: StateActive, botFirst: true, mark: mark{strategy.BotFirst, "act-bf"},
		},
		"zh keypad 0 on a call gets the answer and the line": {
			loaded: steeredBank, conv: withLast(events.ChannelVoice, botconfig.LangZH, "opening_hours"), in: Input{DTMF: "0"},
			say: "网点营业时间为9:00–17:00。 | " + lineZH, state: StateActive, botFirst: true, mark: mark{strategy.BotFirst, "act-bf"},
		},
		"en the intent's flow starts, then the line": {
			loaded: steeredBank, conv: withLast(events.ChannelChat, botconfig.LangEN, "card_lost"), in: Input{Text: "agent please"},
			say: "Last four digits? | " + lineEN, state: StateActive, botFirst: true, mark: mark{strategy.BotFirst, "act-bf"},
		},
		"zh second request hands off": {
			loaded: steeredBank,
			conv: func() *Conversation {
				c := withLast(events.ChannelChat, botconfig.LangZH, "opening_hours")
				c.BotFirst = true
				return c
			}(),
			in: Input{Text: "我要人工客服"}, say: sayHandoff[botconfig.LangZH], state: StateHandoff, queue: DefaultQueue, botFirst: true,
		},
		"en an intent bot first does not list hands off": {
			loaded: steeredBank, conv: withLast(events.ChannelChat, botconfig.LangEN, "fees"), in: Input{Text: "talk to a person"},
			say: sayHandoff[botconfig.LangEN], state: StateHandoff, queue: DefaultQueue,
		},
		"zh no intent yet: a bare request hands off without the model": {
			loaded: steeredBank, conv: conv(events.ChannelChat, botconfig.LangZH), in: Input{Text: "转人工"},
			say: sayHandoff[botconfig.LangZH], state: StateHandoff, queue: DefaultQueue,
		},
		"zh this turn's intent is answered first": {
			loaded: func(t *testing.T) *loaded {
				return understood(steeredBank(t), nlu.Result{Intent: "opening_hours", Confidence: 0.9})
			},
			conv: withLast(events.ChannelChat, botconfig.LangZH, "fees"), in: Input{Text: "转人工，我想问营业时间"},
			say: "网点营业时间为9:00–17:00。 | " + lineZH, state: StateActive, botFirst: true, mark: mark{strategy.BotFirst, "act-bf"},
		},
		"en an unsure reading of this turn falls back to the last intent": {
			loaded: func(t *testing.T) *loaded {
				return understood(steeredBank(t), nlu.Result{Intent: "fees", Confidence: 0.2})
			},
			conv: withLast(events.ChannelChat, botconfig.LangEN, "opening_hours"), in: Input{Text: "let me talk to someone about my account"},
			say: "Branches open 9:00–17:00. | " + lineEN, state: StateActive, botFirst: true, mark: mark{strategy.BotFirst, "act-bf"},
		},
		"en this turn's intent alone counts when the model is sure of it": {
			loaded: func(t *testing.T) *loaded {
				return understood(steeredBank(t), nlu.Result{Intent: "fees", Confidence: 0.9})
			},
			conv: withLast(events.ChannelChat, botconfig.LangEN, "opening_hours"), in: Input{Text: "let me talk to someone about the fees"},
			say: sayHandoff[botconfig.LangEN], state: StateHandoff, queue: DefaultQueue,
		},
		"en a lapsed activation has no effect": {
			loaded: func(t *testing.T) *loaded {
				l := steeredBank(t)
				l.steer.Active[0].Until = decideNow
				return l
			},
			conv: withLast(events.ChannelChat, botconfig.LangEN, "opening_hours"), in: Input{Text: "talk to a person"},
			say: sayHandoff[botconfig.LangEN], state: StateHandoff, queue: DefaultQueue,
		},
		"zh bot first on another queue has no effect": {
			loaded: func(t *testing.T) *loaded {
				l := steeredBank(t)
				l.steer.Active[0].Queue = "cards"
				return l
			},
			conv: withLast(events.ChannelChat, botconfig.LangZH, "opening_hours"), in: Input{Text: "转人工"},
			say: sayHandoff[botconfig.LangZH], state: StateHandoff, queue: DefaultQueue,
		},
		"en a customer a handoff rule takes is never deflected": {
			loaded: func(t *testing.T) *loaded {
				l := steeredBank(t)
				l.set.HandoffRules = []botconfig.AttributeRule{{Attribute: "tier", Values: []string{"vip"}, Queue: DefaultQueue}}
				return l
			},
			conv: func() *Conversation {
				c := withLast(events.ChannelChat, botconfig.LangEN, "opening_hours")
				c.Customer.Attributes = map[string]string{"tier": "vip"}
				return c
			}(),
			in: Input{Text: "talk to a person"}, say: sayHandoff[botconfig.LangEN], state: StateHandoff, queue: DefaultQueue,
		},
		"zh a request in a running flow hands off": {
			loaded: steeredBank,
			conv: func() *Conversation {
				c := withLast(events.ChannelChat, botconfig.LangZH, "card_lost")
				c.RunningFlow = RunningFlow{Flow: "lock", FlowIntent: "card_lost", FlowState: `{"flow_id":"lock","flow_version":0,"step":"ask"}`}
				return c
			}(),
			in: Input{Text: "转人工"}, say: sayHandoff[botconfig.LangZH], state: StateHandoff, queue: DefaultQueue,
		},
		"zh the handoff tells the announced wait": {
			loaded: steeredBank, conv: withLast(events.ChannelChat, botconfig.LangZH, "refund"), in: Input{Text: "转人工"},
			say: sayHandoff[botconfig.LangZH] + "预计等待约7分钟。", state: StateHandoff, queue: "refunds", mark: mark{strategy.AnnounceWait, "act-aw"},
		},
		"en an intent's handoff tells the announced wait": {
			loaded: func(t *testing.T) *loaded {
				return understood(steeredBank(t), nlu.Result{Intent: "refund", Confidence: 0.9})
			},
			conv: conv(events.ChannelChat, botconfig.LangEN), in: Input{Text: "I want a refund"},
			say: sayHandoff[botconfig.LangEN] + " The expected wait is about 7 minutes.", state: StateHandoff, queue: "refunds", mark: mark{strategy.AnnounceWait, "act-aw"},
		},
		"en a call's handoff leaves the wait to the media edge's hold prompt": {
			loaded: func(t *testing.T) *loaded {
				return understood(steeredBank(t), nlu.Result{Intent: "refund", Confidence: 0.9})
			},
			conv: conv(events.ChannelVoice, botconfig.LangEN), in: Input{Text: "I want a refund"},
			say: sayHandoff[botconfig.LangEN], state: StateHandoff, queue: "refunds",
		},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := decide(tc.loaded(t), tc.conv, tc.in, decideNow)
			if err != nil || d.need != nil {
				t.Fatalf("decide: %v, need %+v", err, d.need)
			}
			c := d.c
			if got := botSaid(d); got != tc.say || c.State != tc.state || c.Queue != tc.queue || c.BotFirst != tc.botFirst {
				t.Errorf("said %q, state %s, queue %q, bot first %v\nwant %q, %s, %q, %v", got, c.State, c.Queue, c.BotFirst, tc.say, tc.state, tc.queue, tc.botFirst)
			}
			if got := d.marks[len(d.bot)-1]; got != tc.mark || len(d.marks) > 1 {
				t.Errorf("marks %v, want %v on the last message", d.marks, tc.mark)
			}
			if tc.conv.State != StateActive || len(tc.conv.Messages) != 0 {
				t.Errorf("decide changed the loaded conversation")
			}
		})
	}
}

func fmtText(t botconfig.Text, lang botconfig.Lang, arg string) string {
	return fmt.Sprintf(t[lang], arg)
}

// What bot first and announce wait read is loaded only when a turn gets there: the overlay when
// the customer asks for a person or the turn hands off, the model when a request says more than
// the request, the flow of an intent answered first.
func TestDecideAsksForTheOverlay(t *testing.T) {
	unloaded := func(t *testing.T) *loaded {
		l := steeredBank(t)
		l.steer = nil
		return l
	}
	for name, tc := range map[string]struct {
		loaded func(*testing.T) *loaded
		conv   *Conversation
		in     Input
		want   need
	}{
		"zh a request for a person": {unloaded, withLast(events.ChannelChat, botconfig.LangZH, "opening_hours"), Input{Text: "转人工"}, need{steering: true}},
		"en an intent's handoff": {func(t *testing.T) *loaded {
			return understood(unloaded(t), nlu.Result{Intent: "refund", Confidence: 0.9})
		}, conv(events.ChannelChat, botconfig.LangEN), Input{Text: "I want a refund"}, need{steering: true}},
		"en a request that says more": {steeredBank, conv(events.ChannelChat, botconfig.LangEN), Input{Text: "talk to a person about the opening hours"}, need{understand: "talk to a person about the opening hours"}},
		"zh the flow of the intent answered first": {func(t *testing.T) *loaded {
			l := steeredBank(t)
			delete(l.flows, "lock")
			return l
		}, withLast(events.ChannelChat, botconfig.LangZH, "card_lost"), Input{Text: "转人工"}, need{flow: "lock"}},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := decide(tc.loaded(t), tc.conv, tc.in, decideNow)
			if err != nil || d.need == nil || *d.need != tc.want {
				t.Fatalf("need %+v, want %+v (%v)", d.need, tc.want, err)
			}
		})
	}
	// A turn that neither hands off nor asks for a person never reads the overlay.
	l := understood(unloaded(t), nlu.Result{Intent: "opening_hours", Confidence: 0.9})
	if d, err := decide(l, conv(events.ChannelChat, botconfig.LangEN), Input{Text: "when do you open"}, decideNow); err != nil || d.need != nil {
		t.Fatalf("an answered turn: need %+v, %v", d.need, err)
	}
	// A conversation a handoff rule takes at its start reads it too, and hears the wait.
	l = unloaded(t)
	l.set.HandoffRules = []botconfig.AttributeRule{{Attribute: "tier", Values: []string{"vip"}, Queue: "refunds"}}
	in := StartInput{Channel: events.ChannelChat, Language: botconfig.LangZH, Customer: Customer{Attributes: map[string]string{"tier": "vip"}}}
	if d := decideStart(l, "cv-2", in, true, guesses{}, decideNow); d.need == nil || !d.need.steering {
		t.Fatalf("start: need %+v", d.need)
	}
	l.steer = steered(decideNow)
	d := decideStart(l, "cv-2", in, true, guesses{}, decideNow)
	if want := sayHandoffPolicy[botconfig.LangZH] + "预计等待约7分钟。"; d.need != nil || botSaid(d) != want || d.c.Queue != "refunds" {
		t.Fatalf("start: said %q, queue %q, need %+v", botSaid(d), d.c.Queue, d.need)
	}
}

// A flow's transfer says its own words; the announced wait follows them as a line of its own. A
// chat whose language is not known yet hears both languages, as every bot text.
func TestAnnouncedWaitWords(t *testing.T) {
	l := steeredBank(t)
	l.steer.Active[1].Queue = DefaultQueue // the lock flow's failure hands off to the default queue
	c := withLast(events.ChannelChat, botconfig.LangEN, "card_lost")
	c.RunningFlow = RunningFlow{Flow: "lock", FlowIntent: "card_lost", FlowState: `{"flow_id":"lock","flow_version":0,"step":"ask","lang":"en"}`}
	d, err := decide(l, c, Input{Text: "1234"}, decideNow)
	if err != nil || d.need == nil || d.need.webhook == nil {
		t.Fatalf("the flow's webhook: need %+v, %v", d.need, err)
	}
	l.webhooks[d.need.webhook.Key] = dialog.WebhookResult{}
	d, err = decide(l, c, Input{Text: "1234"}, decideNow)
	if want := "Let me get a colleague. | The expected wait is about 7 minutes."; err != nil || botSaid(d) != want || d.c.State != StateHandoff {
		t.Fatalf("said %q, state %s, %v", botSaid(d), d.c.State, err)
	}
	d, err = decide(steeredBank(t), withLast(events.ChannelChat, "", "opening_hours"), Input{DTMF: "0"}, decideNow)
	if err != nil || !strings.Contains(botSaid(d), "约5分钟") || !strings.Contains(botSaid(d), "about 5 minutes") {
		t.Fatalf("no language yet: said %q, %v", botSaid(d), err)
	}
	for seconds, want := range map[int][2]string{
		20: {"不到1分钟", "less than a minute"}, 60: {"约1分钟", "about a minute"}, 89: {"约1分钟", "about a minute"},
		90: {"约2分钟", "about 2 minutes"}, 1800: {"约30分钟", "about 30 minutes"},
	} {
		if zh, en := waitText(seconds, botconfig.LangZH), waitText(seconds, botconfig.LangEN); zh != want[0] || en != want[1] {
			t.Errorf("%d s: %q, %q", seconds, zh, en)
		}
	}
}

// The turn's events tell a deflection from a handoff: the bot-first line's chat.message names the
// strategy and its activation and no contact.created follows; an announced wait is named on the
// handoff's message.
func TestBotFirstEvents(t *testing.T) {
	d, err := decide(steeredBank(t), withLast(events.ChannelChat, botconfig.LangEN, "opening_hours"), Input{Text: "talk to a person"}, decideNow)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := d.events(nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		s := ev.Type
		if ev.Type == events.TypeChatMessage {
			m, err := events.DataAs[events.ChatMessage](ev)
			if err != nil {
				t.Fatal(err)
			}
			s += "/" + string(m.Role) + "/" + string(m.Strategy) + "/" + m.ActivationID
		}
		got = append(got, s)
	}
	want := []string{"chat.message/customer//", "chat.message/bot//", "chat.message/bot/bot_first/act-bf"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events %v, want %v", got, want)
	}
	d, err = decide(steeredBank(t), d.c, Input{Text: "talk to a person"}, decideNow)
	if err != nil || d.c.State != StateHandoff {
		t.Fatalf("second request: %s, %v", d.c.State, err)
	}
	evs, err = d.events(nil)
	if err != nil || len(evs) != 3 || evs[2].Type != events.TypeContactCreated {
		t.Fatalf("second request's events %+v, %v", evs, err)
	}
	if cc, _ := events.DataAs[events.ContactCreated](evs[2]); cc.Reason != events.ReasonCustomerRequest || cc.Queue != DefaultQueue {
		t.Errorf("contact.created %+v", cc)
	}
}

// A request for a person says more only when words beyond the request, its keywords and filler
// are left: only then is the model read for this turn's intent.
func TestRequestRest(t *testing.T) {
	for text, more := range map[string]bool{
		"转人工": false, "请帮我转人工吧": false, "人工客服，谢谢": false, "人工": false, "agent please": false,
		"I want to talk to a real person please": false, "connect me to an agent now": false,
		"转人工，我想问营业时间": true, "我的卡丢了，转人工": true, "talk to a person about my refund": true,
		"let me speak with someone about the fees": true,
	} {
		if got := requestRest(text); (got != "") != more {
			t.Errorf("requestRest(%q) = %q", text, got)
		}
	}
}

// overlayDownDB fails every read of the dispatch overlay.
type overlayDownDB struct{ DB }

func (d overlayDownDB) Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error) {
	if k.Kind == overlay.Kind {
		return 0, errors.New("table unavailable")
	}
	return d.DB.Get(ctx, t, k, out)
}

// A failed read of the overlay costs only the strategies: the customer who asks for a person is
// handed off as if none were in force, never answered with an error.
func TestOverlayReadFailureHandsOff(t *testing.T) {
	for lang, text := range map[botconfig.Lang]string{botconfig.LangZH: "转人工", botconfig.LangEN: "talk to a person"} {
		ch := newChat(t, events.ChannelChat, lang)
		ch.s.db.(botDB)[overlay.Kind+"/current"] = *steered(decideNow) // bot first, were it read
		ch.s.db = overlayDownDB{ch.s.db}
		ch.c.LastIntent = "opening_hours"
		if r := ch.send(text); ch.c.State != StateHandoff || texts(r) != sayHandoff[lang] {
			t.Errorf("%s: %q, state %s", lang, texts(r), ch.c.State)
		}
	}
}
