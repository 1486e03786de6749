package conversation

import (
	"slices"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
)

// menuBank is bank(t) with a voice menu: 1 the lost-card flow (labelled), 2 opening hours (named by
// its examples), 3 an intent the tenant deleted since.
func menuBank(t *testing.T) *loaded {
	l := bank(t)
	l.set.VoiceMenu = []botconfig.MenuEntry{
		{Digit: "1", Intent: "card_lost", Label: botconfig.Text{botconfig.LangZH: "银行卡挂失", botconfig.LangEN: "a lost or stolen card"}},
		{Digit: "2", Intent: "opening_hours"},
		{Digit: "3", Intent: "gone"},
	}
	for _, in := range []botconfig.Intent{
		{ID: "card_lost", Flow: "lock", Examples: []string{"I lost my card", "我的银行卡丢了"}},
		{ID: "opening_hours", Examples: []string{"opening hours", "营业时间"},
			Answer: botconfig.Text{"en": "Branches open 9:00–17:00.", "zh": "网点营业时间为9:00–17:00。"}},
	} {
		l.intents[in.ID] = read[botconfig.Intent]{v: in, ok: true}
	}
	l.intents["gone"] = read[botconfig.Intent]{}
	return l
}

// A key of the voice menu at the top of a call picks its intent as a suggestion does: the flow
// starts or the answer is said, the transcript shows the intent's display text and the key. Other
// keys, keys during a flow or with a person, and keys in a chat are what they were.
func TestDecideVoiceMenu(t *testing.T) {
	inFlow := func(lang botconfig.Lang) *Conversation {
		d, err := decide(menuBank(t), conv(events.ChannelVoice, lang), Input{DTMF: "1"}, decideNow)
		if err != nil || d.c.Flow != "lock" {
			t.Fatalf("start the flow: %v", err)
		}
		d.c.Messages, d.c.TotalMessages = nil, 0
		return d.c
	}
	withPerson := conv(events.ChannelVoice, botconfig.LangZH)
	withPerson.State, withPerson.Queue = StateHandoff, "general"
	for name, tc := range map[string]struct {
		conv *Conversation
		in   Input
		// want: the bot's words, the flow running after, the customer's message (text, digits, intent).
		say, flow             string
		text, digits, intent  string
		readingNeeded, warned bool
	}{
		"zh key starts the flow": {conv: conv(events.ChannelVoice, botconfig.LangZH), in: Input{DTMF: "1"},
			say: "卡号后四位？", flow: "lock", text: "我的银行卡丢了", digits: "1", intent: "card_lost"},
		"en key starts the flow": {conv: conv(events.ChannelVoice, botconfig.LangEN), in: Input{DTMF: "1#"},
			say: "Last four digits?", flow: "lock", text: "I lost my card", digits: "1#", intent: "card_lost"},
		"zh key answers": {conv: conv(events.ChannelVoice, botconfig.LangZH), in: Input{DTMF: "2"},
			say: "网点营业时间为9:00–17:00。", text: "营业时间", digits: "2", intent: "opening_hours"},
		"en key answers": {conv: conv(events.ChannelVoice, botconfig.LangEN), in: Input{DTMF: "2"},
			say: "Branches open 9:00–17:00.", text: "opening hours", digits: "2", intent: "opening_hours"},
		"zh unknown key": {conv: conv(events.ChannelVoice, botconfig.LangZH), in: Input{DTMF: "7"},
			say: defaultFallback[botconfig.LangZH], text: "7"},
		"en unknown key": {conv: conv(events.ChannelVoice, botconfig.LangEN), in: Input{DTMF: "12"},
			say: defaultFallback[botconfig.LangEN], text: "12"},
		"en key of a deleted intent": {conv: conv(events.ChannelVoice, botconfig.LangEN), in: Input{DTMF: "3"},
			say: defaultFallback[botconfig.LangEN], text: "3", warned: true},
		"zh key 0 is still the operator": {conv: conv(events.ChannelVoice, botconfig.LangZH), in: Input{DTMF: "0"},
			say: sayHandoff[botconfig.LangZH], text: "0"},
		"zh key during a flow goes to the flow": {conv: inFlow(botconfig.LangZH), in: Input{DTMF: "1"},
			say: "卡号后四位？", flow: "lock", text: "1"},
		"en key during a flow goes to the flow": {conv: inFlow(botconfig.LangEN), in: Input{DTMF: "2"},
			say: "Last four digits?", flow: "lock", text: "2"},
		"zh key with a person is only recorded": {conv: withPerson, in: Input{DTMF: "1"}, text: "1"},
		"en chat is unaffected": {conv: conv(events.ChannelChat, botconfig.LangEN), in: Input{DTMF: "1"},
			say: defaultFallback[botconfig.LangEN], text: "1"},
		"zh chat is unaffected": {conv: conv(events.ChannelChat, botconfig.LangZH), in: Input{Text: "1"},
			text: "1", readingNeeded: true},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := decide(menuBank(t), tc.conv, tc.in, decideNow)
			if err != nil {
				t.Fatal(err)
			}
			if (d.need != nil) != tc.readingNeeded {
				t.Fatalf("need %+v", d.need)
			}
			if got := botSaid(d); !strings.Contains(got, tc.say) || (tc.say == "") != (got == "") {
				t.Errorf("bot said %q, want %q", got, tc.say)
			}
			if d.c.Flow != tc.flow {
				t.Errorf("flow %q, want %q", d.c.Flow, tc.flow)
			}
			ct := d.customer
			if ct == nil || ct.Text != tc.text || ct.Digits != tc.digits || ct.Intent != tc.intent || ct.DTMF != (tc.in.DTMF != "") {
				t.Fatalf("customer message %+v, want %q keyed %q intent %q", ct, tc.text, tc.digits, tc.intent)
			}
			if last := d.c.Messages[0]; last.Text != tc.text || last.Digits != tc.digits {
				t.Errorf("transcript %+v", last)
			}
			if warned := len(d.notes) > 0; warned != tc.warned {
				t.Errorf("notes %v", d.notes)
			}
		})
	}
}

// A call's greeting reads the menu out after the greeting, in the call's language, and listens for
// one key and the menu's names; a chat's greeting does not.
func TestDecideStartVoiceMenu(t *testing.T) {
	for name, tc := range map[string]struct {
		start       StartInput
		say         string
		hints       []string
		menuGathers bool
	}{
		"zh call": {start: StartInput{Channel: events.ChannelVoice, Customer: Customer{ID: "+8613800000000"}},
			say:   defaultGreeting[botconfig.LangZH] + "银行卡挂失请按1，营业时间请按2，人工服务请按0。",
			hints: []string{"银行卡挂失", "营业时间"}, menuGathers: true},
		"en call": {start: StartInput{Channel: events.ChannelVoice, Customer: Customer{ID: "+442071234567"}},
			say:   defaultGreeting[botconfig.LangEN] + " For a lost or stolen card, press 1. For opening hours, press 2. For a person, press 0.",
			hints: []string{"a lost or stolen card", "opening hours"}, menuGathers: true},
		"en chat": {start: StartInput{Channel: events.ChannelChat, Language: botconfig.LangEN}, say: defaultGreeting[botconfig.LangEN]},
	} {
		t.Run(name, func(t *testing.T) {
			d := decideStart(menuBank(t), "cv-1", tc.start, true, guesses{}, decideNow)
			if got := botSaid(d); got != tc.say {
				t.Fatalf("greeted with %q, want %q", got, tc.say)
			}
			if len(d.notes) != 1 || d.notes[0].attrs[1] != "gone" {
				if tc.menuGathers {
					t.Errorf("notes %v, want one for the deleted intent", d.notes)
				}
			}
			r := d.reply()
			g := r.Actions[len(r.Actions)-1]
			if !tc.menuGathers {
				if d.gather != nil {
					t.Fatalf("chat gather %+v", d.gather)
				}
				return
			}
			if g.Type != ActionGather || !g.DTMF || g.MaxDigits != 1 || strings.Join(g.Hints, "|") != strings.Join(tc.hints, "|") {
				t.Fatalf("gather %+v, want hints %q", g, tc.hints)
			}
		})
	}
}

// The load gathers the intent a menu key picks and its flow, so the turn starts the flow without
// asking the model; a chat's digits are read by the model as before.
func TestLoadGathersTheMenuIntent(t *testing.T) {
	for name, tc := range map[string]struct {
		channel events.Channel
		lang    botconfig.Lang
		in      Input
		flow    string
		models  int
	}{
		"zh call keys 1":  {events.ChannelVoice, botconfig.LangZH, Input{DTMF: "1"}, "lock_card", 0},
		"en call keys 1":  {events.ChannelVoice, botconfig.LangEN, Input{DTMF: "1#"}, "lock_card", 0},
		"zh call keys 5":  {events.ChannelVoice, botconfig.LangZH, Input{DTMF: "5"}, "", 0},
		"en chat types 1": {events.ChannelChat, botconfig.LangEN, Input{Text: "1"}, "", 1},
	} {
		t.Run(name, func(t *testing.T) {
			ch := newChat(t, tc.channel, tc.lang)
			ch.set.VoiceMenu = []botconfig.MenuEntry{{Digit: "1", Intent: "card_lost"}}
			models := &countingModels{ModelSource: ch.s.models}
			ch.s.models = models
			d, err := ch.s.turn(t.Context(), ch.ten, ch.c, ch.set, tc.in, ch.c.CreatedAt)
			if err != nil {
				t.Fatal(err)
			}
			if d.c.Flow != tc.flow || models.gets != tc.models {
				t.Errorf("flow %q, model asked %d times (%q)", d.c.Flow, models.gets, botSaid(d))
			}
		})
	}
}

// A call keys 1 and the lost-card flow starts, through the service: the call is greeted with the
// menu (one key's gather, the menu's name among the hints), then the key starts the flow with its
// voice question, in zh and en.
func TestVoiceMenuCall(t *testing.T) {
	for caller, want := range map[string][3]string{
		"+8613800000000": {"银行卡挂失请按1，人工服务请按0。", "银行卡挂失", "请说出或按键输入卡号后四位。"},
		"+442071234567":  {"For a lost or stolen card, press 1. For a person, press 0.", "a lost or stolen card", "Say or key in the last four digits."},
	} {
		s, ten := newBot(t)
		set := botconfig.Settings{LowConfidenceTurns: 2, VoiceMenu: []botconfig.MenuEntry{
			{Digit: "1", Intent: "card_lost", Label: botconfig.Text{botconfig.LangZH: "银行卡挂失", botconfig.LangEN: "a lost or stolen card"}}}}
		db := s.db.(botDB)
		db[botconfig.KindSettings+"/"+botconfig.SettingsID] = set
		db[botconfig.KindIntent+"/card_lost"] = botconfig.Intent{ID: "card_lost", Flow: "lock_card", Examples: []string{"I lost my card", "我的卡丢了"}}
		r, err := s.Voice(t.Context(), ten, VoiceInput{CallID: "call-" + caller, Caller: caller})
		if err != nil {
			t.Fatal(err)
		}
		if got := texts(r); !strings.HasSuffix(got, want[0]) || len(r.Messages) != 1 {
			t.Errorf("%s greeted with %q", caller, got)
		}
		if g := r.Actions[len(r.Actions)-1]; g.Type != ActionGather || g.MaxDigits != 1 || !g.DTMF || !slices.Contains(g.Hints, want[1]) {
			t.Errorf("%s gather %+v", caller, g)
		}
		d, err := s.turn(t.Context(), ten, r.Conversation, set, Input{DTMF: "1"}, r.Conversation.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		if d.c.Flow != "lock_card" || botSaid(d) != want[2] || d.customer.Digits != "1" || d.customer.Intent != "card_lost" {
			t.Errorf("%s keyed 1: flow %q, said %q, customer %+v", caller, d.c.Flow, botSaid(d), d.customer)
		}
	}
}

// A key whose intent has no words in the call's language (English examples only, no Chinese label)
// still starts the flow in the call's language: a Chinese caller is not switched to English.
func TestMenuKeyKeepsTheCallsLanguage(t *testing.T) {
	for name, label := range map[string]botconfig.Text{"no label": nil, "an English label": {botconfig.LangEN: "a lost card"}} {
		t.Run(name, func(t *testing.T) {
			l := menuBank(t)
			l.set.VoiceMenu[0].Label = label
			l.intents["card_lost"] = read[botconfig.Intent]{ok: true, v: botconfig.Intent{ID: "card_lost", Flow: "lock", Examples: []string{"I lost my card"}}}
			d, err := decide(l, conv(events.ChannelVoice, botconfig.LangZH), Input{DTMF: "1"}, decideNow)
			if err != nil {
				t.Fatal(err)
			}
			if d.c.Flow != "lock" || botSaid(d) != "卡号后四位？" || d.c.Language != botconfig.LangZH || d.customer.Text != "I lost my card" {
				t.Fatalf("flow %q said %q in %q; customer %+v", d.c.Flow, botSaid(d), d.c.Language, d.customer)
			}
		})
	}
}

// A silence at the top of a call hears the menu again after the no-input prompt; a silence in a
// flow is the flow's; a call without a menu hears the prompt alone.
func TestDecideSilenceRepeatsTheMenu(t *testing.T) {
	inFlow := func() *Conversation {
		d, err := decide(menuBank(t), conv(events.ChannelVoice, botconfig.LangEN), Input{DTMF: "1"}, decideNow)
		if err != nil {
			t.Fatal(err)
		}
		return d.c
	}
	for name, tc := range map[string]struct {
		l    *loaded
		conv *Conversation
		say  string
	}{
		"zh call": {menuBank(t), conv(events.ChannelVoice, botconfig.LangZH),
			sayNoInput[botconfig.LangZH] + "银行卡挂失请按1，营业时间请按2，人工服务请按0。"},
		"en call": {menuBank(t), conv(events.ChannelVoice, botconfig.LangEN),
			sayNoInput[botconfig.LangEN] + " For a lost or stolen card, press 1. For opening hours, press 2. For a person, press 0."},
		"en call in a flow": {menuBank(t), inFlow(), "Sorry, I didn't get that. Last four digits?"},
		"zh call, no menu":  {bank(t), conv(events.ChannelVoice, botconfig.LangZH), sayNoInput[botconfig.LangZH]},
	} {
		t.Run(name, func(t *testing.T) {
			before := len(tc.conv.Messages)
			d, err := decide(tc.l, tc.conv, Input{}, decideNow)
			if err != nil || d.need != nil {
				t.Fatalf("%v %+v", err, d.need)
			}
			if got := botSaid(d); got != tc.say || d.customer != nil || len(d.c.Messages) != before+1 {
				t.Fatalf("said %q, want %q", got, tc.say)
			}
		})
	}
}
