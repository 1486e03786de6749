package conversation

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/steering/overlay"
)

// These tests decide turns without any store, model or network: the loaded state is built by
// hand, as the load phase would have gathered it.

const lockFlowDef = `{
  "id": "lock", "languages": ["zh", "en"], "on_fail": "agent",
  "steps": [
    {"id": "ask", "kind": "ask", "slot": {"name": "card_last4", "type": "card_last4"},
     "prompt": {"en": "Last four digits?", "zh": "卡号后四位？"}, "next": "call"},
    {"id": "call", "kind": "webhook", "url": "https://bank.example.com/lock", "slots": ["card_last4"],
     "result": {"ref": "reference"}, "on_success": "done", "on_failure": "agent"},
    {"id": "done", "kind": "end", "outcome": "resolved", "text": {"en": "Locked, reference {{ref}}.", "zh": "已冻结，编号{{ref}}。"}},
    {"id": "agent", "kind": "end", "outcome": "handoff", "text": {"en": "Let me get a colleague.", "zh": "正在为您转接同事。"}}
  ]
}`

var decideNow = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// bank is a bank's bot as the load phase gathers it: opening hours answer, refund hands off to
// its queue, card_lost runs the lock flow (which calls the bank), and one FAQ article.
func bank(t *testing.T) *loaded {
	t.Helper()
	l := newLoaded(mustTenant(t, "acme"), botconfig.Settings{LowConfidenceTurns: 2}, nlu.DefaultMinMatch, 0.5)
	l.steer = &overlay.State{} // the dispatch engine has nothing in force (steering_test.go)
	for _, in := range []botconfig.Intent{
		{ID: "opening_hours", Answer: botconfig.Text{"en": "Branches open 9:00–17:00.", "zh": "网点营业时间为9:00–17:00。"}},
		{ID: "refund", Queue: "refunds"},
		{ID: "card_lost", Flow: "lock"},
	} {
		l.intents[in.ID] = read[botconfig.Intent]{v: in, ok: true}
	}
	f, err := dialog.ParseFlow([]byte(lockFlowDef))
	if err != nil {
		t.Fatal(err)
	}
	l.flows["lock"] = read[*dialog.Flow]{v: f, ok: true}
	l.articles["fee"] = read[botconfig.Article]{ok: true, v: botconfig.Article{
		ID:             "fee",
		Answer:         botconfig.Text{"en": "The annual fee is waived.", "zh": "年费全免。"},
		ChannelAnswers: map[botconfig.Channel]botconfig.Text{botconfig.ChannelVoice: {"en": "There is no annual fee.", "zh": "没有年费。"}},
	}}
	return l
}

// understood is l with the model's reading of the text.
func understood(l *loaded, res nlu.Result) *loaded {
	l.reading = &res
	return l
}

func conv(channel events.Channel, lang botconfig.Lang) *Conversation {
	return &Conversation{ID: "cv-1", Channel: channel, Language: lang, State: StateActive, CreatedAt: decideNow}
}

func botSaid(d *decision) string {
	var out []string
	for _, m := range d.bot {
		out = append(out, m.Text)
	}
	return strings.Join(out, " | ")
}

func TestDecide(t *testing.T) {
	for name, tc := range map[string]struct {
		loaded func(*testing.T) *loaded
		conv   *Conversation
		in     Input
		// want: the bot's words, the state, the queue (on a handoff), the deciding intent.
		say    string
		state  State
		queue  string
		intent string
	}{
		"zh intent answers": {
			loaded: func(t *testing.T) *loaded {
				return understood(bank(t), nlu.Result{Intent: "opening_hours", Confidence: 0.9})
			},
			conv: conv(events.ChannelChat, botconfig.LangZH), in: Input{Text: "你们几点开门"},
			say: "网点营业时间为9:00–17:00。", state: StateActive, intent: "opening_hours",
		},
		"en intent answers": {
			loaded: func(t *testing.T) *loaded {
				return understood(bank(t), nlu.Result{Intent: "opening_hours", Confidence: 0.9})
			},
			conv: conv(events.ChannelChat, botconfig.LangEN), in: Input{Text: "when do you open"},
			say: "Branches open 9:00–17:00.", state: StateActive, intent: "opening_hours",
		},
		"zh intent hands off to its queue": {
			loaded: func(t *testing.T) *loaded { return understood(bank(t), nlu.Result{Intent: "refund", Confidence: 0.8}) },
			conv:   conv(events.ChannelChat, botconfig.LangZH), in: Input{Text: "我要退款"},
			say: sayHandoff[botconfig.LangZH], state: StateHandoff, queue: "refunds", intent: "refund",
		},
		"en asking for a person goes to the last intent's queue": {
			loaded: bank,
			conv: func() *Conversation {
				c := conv(events.ChannelChat, botconfig.LangEN)
				c.LastIntent = "refund"
				return c
			}(),
			in:  Input{Text: "talk to a person"},
			say: sayHandoff[botconfig.LangEN], state: StateHandoff, queue: "refunds", intent: "refund",
		},
		"zh keypad 0 is the operator": {
			loaded: bank, conv: conv(events.ChannelVoice, botconfig.LangZH), in: Input{DTMF: "0"},
			say: sayHandoff[botconfig.LangZH], state: StateHandoff, queue: DefaultQueue,
		},
		"zh article beats an unsure classifier": {
			loaded: func(t *testing.T) *loaded {
				return understood(bank(t), nlu.Result{Intent: "opening_hours", Confidence: 0.6, Articles: []nlu.Hit{{ArticleID: "fee", Match: 1}}})
			},
			conv: conv(events.ChannelChat, botconfig.LangZH), in: Input{Text: "信用卡有年费吗"},
			say: "年费全免。", state: StateActive,
		},
		"en article speaks its voice answer on a call": {
			loaded: func(t *testing.T) *loaded {
				return understood(bank(t), nlu.Result{OutOfScope: true, Articles: []nlu.Hit{{ArticleID: "fee", Match: 0.7}}})
			},
			conv: conv(events.ChannelVoice, botconfig.LangEN), in: Input{Text: "is there an annual fee"},
			say: "There is no annual fee.", state: StateActive,
		},
		"en article below the least match does not answer": {
			loaded: func(t *testing.T) *loaded {
				return understood(bank(t), nlu.Result{OutOfScope: true, Articles: []nlu.Hit{{ArticleID: "fee", Match: 0.3}}})
			},
			conv: conv(events.ChannelChat, botconfig.LangEN), in: Input{Text: "what about fees for kids"},
			say: defaultFallback[botconfig.LangEN], state: StateActive,
		},
		"zh second miss hands off": {
			loaded: func(t *testing.T) *loaded { return understood(bank(t), nlu.Result{OutOfScope: true}) },
			conv: func() *Conversation {
				c := conv(events.ChannelChat, botconfig.LangZH)
				c.LowConfidence = 1
				return c
			}(),
			in:  Input{Text: "啊啊啊"},
			say: sayHandoffLowConfidence[botconfig.LangZH], state: StateHandoff, queue: DefaultQueue,
		},
		"en thanks is welcomed without the model": {
			loaded: bank, conv: conv(events.ChannelChat, botconfig.LangEN), in: Input{Text: "ok thanks"},
			say: sayWelcome[botconfig.LangEN], state: StateActive,
		},
		"zh goodbye on a call hangs up": {
			loaded: bank, conv: conv(events.ChannelVoice, botconfig.LangZH), in: Input{Text: "好的再见"},
			say: sayGoodbyeVoice[botconfig.LangZH], state: StateEnded,
		},
		"zh a person has it: the bot is silent": {
			loaded: bank,
			conv: func() *Conversation {
				c := conv(events.ChannelChat, botconfig.LangZH)
				c.State, c.Queue = StateHandoff, "refunds"
				return c
			}(),
			in: Input{Text: "还在吗"}, state: StateHandoff, queue: "refunds",
		},
		"en voice timeout asks again": {
			loaded: bank, conv: conv(events.ChannelVoice, botconfig.LangEN), in: Input{},
			say: sayNoInput[botconfig.LangEN], state: StateActive,
		},
	} {
		t.Run(name, func(t *testing.T) {
			before := *tc.conv
			d, err := decide(tc.loaded(t), tc.conv, tc.in, decideNow)
			if err != nil || d.need != nil {
				t.Fatalf("decide: %v, need %+v", err, d.need)
			}
			c := d.c
			if got := botSaid(d); got != tc.say || c.State != tc.state || c.Queue != tc.queue || c.Intent != tc.intent {
				t.Errorf("said %q, state %s, queue %q, intent %q\nwant %q, %s, %q, %q", got, c.State, c.Queue, c.Intent, tc.say, tc.state, tc.queue, tc.intent)
			}
			if tc.conv.State != before.State || len(tc.conv.Messages) != len(before.Messages) {
				t.Errorf("decide changed the loaded conversation")
			}
		})
	}
}

// A turn that reaches the model asks for its reading and decides nothing else; a turn that a
// rule before the model takes never asks.
func TestDecideAsksForTheReading(t *testing.T) {
	for _, text := range []string{"我的卡丢了", "I lost my card"} {
		d, err := decide(bank(t), conv(events.ChannelChat, ""), Input{Text: text}, decideNow)
		if err != nil || d.need == nil || d.need.understand != text {
			t.Fatalf("%q: need %+v, err %v", text, d.need, err)
		}
	}
	for _, text := range []string{"转人工", "thanks"} {
		if d, err := decide(bank(t), conv(events.ChannelChat, ""), Input{Text: text}, decideNow); err != nil || d.need != nil {
			t.Fatalf("%q: need %+v, err %v", text, d.need, err)
		}
	}
}

// A flow's webhook is a step the decision asks for: decide stops at it with the call, and with
// its result decides the rest of the turn (both languages, success and failure).
func TestDecideFlowWebhook(t *testing.T) {
	for name, tc := range map[string]struct {
		lang        botconfig.Lang
		first, last string
		result      dialog.WebhookResult
		say         string
		state       State
	}{
		"zh locked":    {botconfig.LangZH, "我的卡丢了", "1234", dialog.WebhookResult{OK: true, Body: []byte(`{"reference":"R-7"}`)}, "已冻结，编号R-7。", StateActive},
		"en locked":    {botconfig.LangEN, "I lost my card", "1234", dialog.WebhookResult{OK: true, Body: []byte(`{"reference":"R-7"}`)}, "Locked, reference R-7.", StateActive},
		"zh bank down": {botconfig.LangZH, "我的卡丢了", "1234", dialog.WebhookResult{}, "正在为您转接同事。", StateHandoff},
		"en bank down": {botconfig.LangEN, "I lost my card", "1234", dialog.WebhookResult{}, "Let me get a colleague.", StateHandoff},
	} {
		t.Run(name, func(t *testing.T) {
			l := understood(bank(t), nlu.Result{Intent: "card_lost", Confidence: 0.9})
			d, err := decide(l, conv(events.ChannelChat, tc.lang), Input{Text: tc.first}, decideNow)
			if err != nil || d.need != nil || d.c.Flow != "lock" {
				t.Fatalf("start: flow %q need %+v err %v", d.c.Flow, d.need, err)
			}
			c := d.c
			l = bank(t) // the next turn loads afresh
			d, err = decide(l, c, Input{Text: tc.last}, decideNow)
			if err != nil || d.need == nil || d.need.webhook == nil || d.need.webhook.URL != "https://bank.example.com/lock" {
				t.Fatalf("answer: need %+v err %v", d.need, err)
			}
			l.webhooks[d.need.webhook.Key] = tc.result
			d, err = decide(l, c, Input{Text: tc.last}, decideNow)
			if err != nil || d.need != nil {
				t.Fatalf("with the result: need %+v err %v", d.need, err)
			}
			if got := botSaid(d); got != tc.say || d.c.State != tc.state || d.c.Flow != "" {
				t.Errorf("said %q, state %s, flow %q", got, d.c.State, d.c.Flow)
			}
		})
	}
}

// The caller's mistakes and failed reads are the decision's errors.
func TestDecideErrors(t *testing.T) {
	// An item the load did not gather is an error, never taken for one the tenant lacks.
	if _, err := decide(bank(t), conv(events.ChannelChat, botconfig.LangZH), Input{Suggestion: "not_loaded"}, decideNow); !errors.As(err, new(*notLoadedError)) {
		t.Errorf("a suggestion the load did not gather: %v", err)
	}
	l := bank(t)
	l.intents["gone"] = read[botconfig.Intent]{}
	if _, err := decide(l, conv(events.ChannelChat, botconfig.LangEN), Input{Suggestion: "gone"}, decideNow); !errors.Is(err, ErrUnknownIntent) {
		t.Errorf("an unknown suggestion: %v", err)
	}
	l = understood(bank(t), nlu.Result{OutOfScope: true, Articles: []nlu.Hit{{ArticleID: "fee", Match: 1}}})
	l.articles["fee"] = read[botconfig.Article]{err: errors.New("table unavailable")}
	if _, err := decide(l, conv(events.ChannelChat, botconfig.LangEN), Input{Text: "annual fee"}, decideNow); err == nil {
		t.Error("a failed article read was not an error")
	}
}

// A new conversation: greeted and offered the guessed questions in its language, or handed to a
// person when a handoff rule takes the customer.
func TestDecideStart(t *testing.T) {
	g := guesses{kinds: []string{"card"}, intents: []botconfig.Intent{
		{ID: "card_lost", Examples: []string{"I lost my card", "我的卡丢了"}},
	}}
	for lang, want := range map[botconfig.Lang][2]string{
		botconfig.LangZH: {defaultGreeting[botconfig.LangZH], "我的卡丢了"},
		botconfig.LangEN: {defaultGreeting[botconfig.LangEN], "I lost my card"},
	} {
		d := decideStart(bank(t), "cv-1", StartInput{Channel: events.ChannelChat, Language: lang}, true, g, decideNow)
		if botSaid(d) != want[0] || len(d.c.Suggestions) != 1 || d.c.Suggestions[0].Text != want[1] || d.c.GuessKinds[0] != "card" {
			t.Errorf("%s: said %q, suggestions %+v", lang, botSaid(d), d.c.Suggestions)
		}
	}
	l := bank(t)
	l.set.HandoffRules = []botconfig.AttributeRule{{Attribute: "tier", Values: []string{"vip"}, Queue: "vip"}}
	d := decideStart(l, "cv-2", StartInput{Channel: events.ChannelChat, Language: botconfig.LangEN, Customer: Customer{Attributes: map[string]string{"tier": "VIP"}}}, true, g, decideNow)
	if d.c.State != StateHandoff || d.c.Queue != "vip" || botSaid(d) != sayHandoffPolicy[botconfig.LangEN] || len(d.c.Suggestions) != 0 {
		t.Errorf("vip: state %s queue %q said %q", d.c.State, d.c.Queue, botSaid(d))
	}
}

// A running flow that cannot take the turn (deleted, or its state unreadable) is dropped with a
// note for the log, and the bot answers the input itself.
func TestDecideDropsABrokenFlow(t *testing.T) {
	for name, tc := range map[string]struct {
		lang      botconfig.Lang
		text, say string
		flow      RunningFlow
	}{
		"zh flow deleted":   {botconfig.LangZH, "几点开门", "网点营业时间为9:00–17:00。", RunningFlow{Flow: "deleted", FlowState: "{}"}},
		"en state unusable": {botconfig.LangEN, "when do you open", "Branches open 9:00–17:00.", RunningFlow{Flow: "lock", FlowState: "not json"}},
	} {
		t.Run(name, func(t *testing.T) {
			l := understood(bank(t), nlu.Result{Intent: "opening_hours", Confidence: 0.9})
			l.flows["deleted"] = read[*dialog.Flow]{}
			c := conv(events.ChannelChat, tc.lang)
			c.RunningFlow = tc.flow
			d, err := decide(l, c, Input{Text: tc.text}, decideNow)
			if err != nil || botSaid(d) != tc.say || d.c.Flow != "" || len(d.notes) != 1 || c.Flow != tc.flow.Flow {
				t.Fatalf("said %q, flow %q, notes %+v: %v", botSaid(d), d.c.Flow, d.notes, err)
			}
		})
	}
}

// A customer who asks for a person in the middle of a flow is handed off with what the flow had
// collected kept for the agent (the flow itself stops).
func TestHandoffKeepsTheFlowsSlots(t *testing.T) {
	for lang, text := range map[botconfig.Lang]string{botconfig.LangZH: "转人工", botconfig.LangEN: "talk to a person"} {
		c := conv(events.ChannelChat, lang)
		c.RunningFlow = RunningFlow{Flow: "lost_card", FlowIntent: "lost_card", FlowState: `{"flow_id":"lost_card","flow_version":1,"step":"phone","slots":{"last4":"1234"}}`}
		d, err := decide(bank(t), c, Input{Text: text}, decideNow)
		if err != nil || d.need != nil {
			t.Fatalf("decide: %v, need %+v", err, d.need)
		}
		if d.c.State != StateHandoff || d.c.Flow != "" || d.c.HandoffSlots["last4"] != "1234" {
			t.Errorf("%s: state %s, flow %q, handoff slots %v; want handoff with last4 kept", lang, d.c.State, d.c.Flow, d.c.HandoffSlots)
		}
	}
}
