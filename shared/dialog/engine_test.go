package dialog_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/dialog"
)

const transferFlow = `{
  "id": "transfer", "version": 2, "on_fail": "agent",
  "steps": [
    {"id": "hello", "kind": "say", "text": {"en": "Hello.", "zh": "您好。"}, "next": "ask_card"},
    {"id": "ask_card", "kind": "ask", "slot": {"name": "card_last4", "type": "card_last4"},
     "prompt": {"en": "Last four digits?", "zh": "卡号后四位？"}, "max_attempts": 2, "next": "ask_amount"},
    {"id": "ask_amount", "kind": "ask",
     "slot": {"name": "amount", "type": "amount", "currency": "CNY", "min": 1, "max": 50000},
     "prompt": {"en": "How much?", "zh": "多少钱？"},
     "reprompt": {"en": "An amount from 1 to 50000 yuan, please.", "zh": "请说1到5万元之间的金额。"},
     "next": "big"},
    {"id": "big", "kind": "branch", "cases": [{"slot": "amount", "op": "gt", "value": 10000, "next": "confirm"}], "default": "done"},
    {"id": "confirm", "kind": "confirm",
     "prompt": {"en": "Send {{amount}} from card {{card_last4}}?", "zh": "确认从尾号{{card_last4}}的卡转出{{amount}}吗？"},
     "on_yes": "done", "on_no": "ask_amount"},
    {"id": "done", "kind": "end", "outcome": "resolved", "text": {"en": "Done.", "zh": "已完成。"}},
    {"id": "agent", "kind": "end", "outcome": "handoff", "queue": "payments", "reason": "not_understood",
     "text": {"en": "Transferring you.", "zh": "正在转人工。"}}
  ]
}`

var testNow = time.Date(2025, 11, 20, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEngine(cfg dialog.Config) *dialog.Engine {
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	if cfg.Location == nil {
		cfg.Location = testNow.Location()
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	return dialog.NewEngine(cfg)
}

func mustParse(t testing.TB, doc string) *dialog.Flow {
	t.Helper()
	f, err := dialog.ParseFlow([]byte(doc))
	if err != nil {
		t.Fatalf("ParseFlow: %v", err)
	}
	return f
}

// conv drives one conversation and checks each turn's outputs.
type conv struct {
	t  *testing.T
	e  *dialog.Engine
	f  *dialog.Flow
	st dialog.State
}

func start(t *testing.T, e *dialog.Engine, f *dialog.Flow, in dialog.StartInput, want ...string) *conv {
	t.Helper()
	st, out, err := e.Start(t.Context(), f, in)
	if err != nil {
		t.Fatalf("Start(%q): %v", in.Text, err)
	}
	checkOutputs(t, "Start "+in.Text, out, want)
	return &conv{t: t, e: e, f: f, st: st}
}

func (c *conv) say(in dialog.Input, want ...string) []dialog.Output {
	c.t.Helper()
	st, out, err := c.e.Turn(c.t.Context(), c.f, c.st, in)
	if err != nil {
		c.t.Fatalf("Turn(%+v): %v", in, err)
	}
	checkOutputs(c.t, "Turn "+in.Text+in.DTMF, out, want)
	// The state survives storage as JSON.
	b, err := json.Marshal(st)
	if err != nil {
		c.t.Fatal(err)
	}
	var back dialog.State
	if err := json.Unmarshal(b, &back); err != nil {
		c.t.Fatal(err)
	}
	if !reflect.DeepEqual(normState(st), normState(back)) {
		c.t.Fatalf("state JSON round trip: %+v != %+v", st, back)
	}
	c.st = back
	return out
}

func normState(s dialog.State) dialog.State {
	if len(s.Slots) == 0 {
		s.Slots = nil
	}
	return s
}

// checkOutputs compares outputs with compact descriptions:
// "say:Hello.", "gather:How much?", "transfer:queue/reason", "end:resolved".
func checkOutputs(t *testing.T, what string, out []dialog.Output, want []string) {
	t.Helper()
	got := make([]string, len(out))
	for i, o := range out {
		switch o.Type {
		case dialog.OutputSay:
			got[i] = "say:" + o.Text
		case dialog.OutputGather:
			got[i] = "gather:" + o.Prompt
		case dialog.OutputTransfer:
			got[i] = "transfer:" + o.Queue + "/" + o.Reason
		case dialog.OutputEnd:
			got[i] = "end:" + string(o.Outcome)
		}
		if !o.Lang.Valid() {
			t.Errorf("%s: output %d has no language", what, i)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func text(s string) dialog.Input { return dialog.Input{Text: s} }
func keys(s string) dialog.Input { return dialog.Input{DTMF: s} }

func TestEngineEnglish(t *testing.T) {
	f := mustParse(t, transferFlow)
	c := start(t, newEngine(dialog.Config{}), f, dialog.StartInput{ConversationID: "c1", Text: "I want to send money"},
		"say:Hello.", "gather:Last four digits?")
	if c.st.Lang != dialog.LangEn || c.st.Step != "ask_card" {
		t.Fatalf("state %+v", c.st)
	}
	c.say(text("it's 1234"), "gather:How much?")
	c.say(text("20000 yuan"), "gather:Send ¥20000.00 from card 1234?")
	if got := c.st.Slots["amount"]; got != "20000.00 CNY" {
		t.Errorf("amount slot = %q", got)
	}
	c.say(text("yes"), "say:Done.", "end:resolved")
	if !c.st.Done || c.st.Outcome != dialog.OutcomeResolved || c.st.Step != "done" {
		t.Errorf("final state %+v", c.st)
	}
	if _, _, err := c.e.Turn(t.Context(), f, c.st, text("hello?")); !errors.Is(err, dialog.ErrFinished) {
		t.Errorf("Turn after the end: %v, want ErrFinished", err)
	}
}

func TestEngineChinese(t *testing.T) {
	f := mustParse(t, transferFlow)
	// The card is named in the first utterance: its question is skipped.
	c := start(t, newEngine(dialog.Config{}), f, dialog.StartInput{Text: "我要转账，尾号1234的卡"},
		"say:您好。", "gather:多少钱？")
	c.say(text("两万块"), "gather:确认从尾号1234的卡转出20000.00元吗？")
	// "No" loops back to the amount question, which is asked again.
	c.say(text("不是"), "gather:多少钱？")
	c.say(text("五百"), "say:已完成。", "end:resolved")
	if got := c.st.Slots["amount"]; got != "500.00 CNY" {
		t.Errorf("amount slot = %q, want the slot's default currency", got)
	}
}

func TestEngineReprompts(t *testing.T) {
	f := mustParse(t, transferFlow)
	c := start(t, newEngine(dialog.Config{}), f, dialog.StartInput{Text: "send money"},
		"say:Hello.", "gather:Last four digits?")
	c.say(text("I don't know"), "gather:Sorry, I didn't get that. Last four digits?")
	if c.st.Attempts != 1 {
		t.Errorf("attempts = %d", c.st.Attempts)
	}
	// max_attempts 2 on this step: the second miss goes to the flow's on_fail.
	c.say(dialog.Input{}, "say:Transferring you.", "transfer:payments/not_understood", "end:handoff")
	if c.st.Outcome != dialog.OutcomeHandoff || c.st.Queue != "payments" || c.st.Reason != "not_understood" {
		t.Errorf("final state %+v", c.st)
	}

	c = start(t, c.e, f, dialog.StartInput{Text: "尾号1234"}, "say:您好。", "gather:多少钱？")
	// Out of range: the step's own re-prompt.
	c.say(text("十万元"), "gather:请说1到5万元之间的金额。")
	// Wrong currency for a CNY slot.
	c.say(text("20美元"), "gather:请说1到5万元之间的金额。")
	c.say(text("还是不知道"), "say:正在转人工。", "transfer:payments/not_understood", "end:handoff")
}

func TestEngineConfirm(t *testing.T) {
	f := mustParse(t, transferFlow)
	e := newEngine(dialog.Config{})
	c := start(t, e, f, dialog.StartInput{Text: "ending 1234, please send 20000 yuan"}, "say:Hello.", "gather:How much?")
	c.say(text("20000 yuan"), "gather:Send ¥20000.00 from card 1234?")
	at := c.st
	c.say(text("hmm"), "gather:Sorry, I didn't get that. Send ¥20000.00 from card 1234?")
	c.say(keys("1"), "say:Done.", "end:resolved")
	// The same state answered again takes the other branch: Turn does not
	// change the state it is given.
	c.st = at
	c.say(keys("2#"), "gather:How much?")
	c.st = at
	c.say(text("No, cancel it"), "gather:How much?")
}

func TestEngineDTMF(t *testing.T) {
	f := mustParse(t, transferFlow)
	c := start(t, newEngine(dialog.Config{}), f, dialog.StartInput{Lang: dialog.LangZh}, "say:您好。", "gather:卡号后四位？")
	c.say(keys("12"), "gather:抱歉，我没有听明白。卡号后四位？")
	c.say(keys("0123#"), "gather:多少钱？")
	// A fixed language does not follow the customer.
	c.say(text("twenty thousand yuan please"), "gather:确认从尾号0123的卡转出20000.00元吗？")
	c.say(keys("1"), "say:已完成。", "end:resolved")
}

func TestEngineFollowsLanguage(t *testing.T) {
	f := mustParse(t, transferFlow)
	c := start(t, newEngine(dialog.Config{}), f, dialog.StartInput{Text: "我要转账"}, "say:您好。", "gather:卡号后四位？")
	c.say(text("1234"), "gather:多少钱？") // digits keep the language
	c.say(text("ok"), "gather:请说1到5万元之间的金额。")
	c.say(text("Sorry, I meant 20 yuan"), "say:Done.", "end:resolved")

	c = start(t, c.e, f, dialog.StartInput{Text: "send money"}, "say:Hello.", "gather:Last four digits?")
	c.say(dialog.Input{Text: "1234", Lang: dialog.LangZh}, "gather:多少钱？") // the channel's hint wins

	// A flow that speaks only English answers Chinese in English.
	en := mustParse(t, `{"id":"en","languages":["en"],"steps":[{"id":"end","kind":"end","outcome":"resolved","text":{"en":"Bye."}}]}`)
	start(t, c.e, en, dialog.StartInput{Text: "你好"}, "say:Bye.", "end:resolved")
}

func TestEnginePrefill(t *testing.T) {
	f := mustParse(t, transferFlow)
	e := newEngine(dialog.Config{})
	// A bare number in the first utterance is not taken for the card.
	c := start(t, e, f, dialog.StartInput{Text: "I want to send 2000"}, "say:Hello.", "gather:Last four digits?")
	if _, ok := c.st.Slots["card_last4"]; ok {
		t.Errorf("card prefilled from a bare number: %v", c.st.Slots)
	}
	// Preset slots are read like answers and stored canonically.
	c = start(t, e, f, dialog.StartInput{Text: "转账", Slots: map[string]string{"card_last4": "尾号 9876"}},
		"say:您好。", "gather:多少钱？")
	if c.st.Slots["card_last4"] != "9876" {
		t.Errorf("slots %v", c.st.Slots)
	}
	if _, _, err := e.Start(t.Context(), f, dialog.StartInput{Slots: map[string]string{"pin": "0000"}}); !errors.Is(err, dialog.ErrBadInput) {
		t.Errorf("unknown preset slot: %v, want ErrBadInput", err)
	}
	if _, _, err := e.Start(t.Context(), f, dialog.StartInput{Slots: map[string]string{"card_last4": "abc"}}); !errors.Is(err, dialog.ErrBadInput) {
		t.Errorf("bad preset value: %v, want ErrBadInput", err)
	}
}

func TestEngineStateErrors(t *testing.T) {
	f := mustParse(t, transferFlow)
	e := newEngine(dialog.Config{})
	st, _, err := e.Start(t.Context(), f, dialog.StartInput{})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		edit func(*dialog.State)
		want error
	}{
		"other flow":    {func(s *dialog.State) { s.FlowID = "other" }, dialog.ErrFlowMismatch},
		"other version": {func(s *dialog.State) { s.FlowVersion = 1 }, dialog.ErrFlowMismatch},
		"unknown step":  {func(s *dialog.State) { s.Step = "nope" }, dialog.ErrBadState},
		"not waiting":   {func(s *dialog.State) { s.Step = "big" }, dialog.ErrBadState},
		"no language":   {func(s *dialog.State) { s.Lang = "" }, dialog.ErrBadState},
		"finished":      {func(s *dialog.State) { s.Done = true }, dialog.ErrFinished},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			bad := st
			tc.edit(&bad)
			got, out, err := e.Turn(t.Context(), f, bad, text("1234"))
			if !errors.Is(err, tc.want) {
				t.Errorf("Turn: %v, want %v", err, tc.want)
			}
			if out != nil || !reflect.DeepEqual(got, bad) {
				t.Errorf("Turn changed the state or gave outputs on error")
			}
		})
	}
	if _, _, err := e.Start(t.Context(), &dialog.Flow{ID: "x"}, dialog.StartInput{}); !errors.Is(err, dialog.ErrInvalidFlow) {
		t.Errorf("Start on an unparsed flow: %v", err)
	}
}

func TestEngineStepLimit(t *testing.T) {
	f := mustParse(t, `{"id":"long","steps":[
	  {"id":"a","kind":"say","text":{"en":"a","zh":"a"},"next":"b"},
	  {"id":"b","kind":"say","text":{"en":"b","zh":"b"},"next":"c"},
	  {"id":"c","kind":"say","text":{"en":"c","zh":"c"},"next":"end"},
	  {"id":"end","kind":"end","outcome":"resolved","text":{"en":"e","zh":"e"}}]}`)
	_, _, err := newEngine(dialog.Config{MaxStepsPerTurn: 3}).Start(t.Context(), f, dialog.StartInput{})
	if !errors.Is(err, dialog.ErrStepLimit) {
		t.Errorf("Start: %v, want ErrStepLimit", err)
	}
	if _, _, err := newEngine(dialog.Config{MaxStepsPerTurn: 4}).Start(t.Context(), f, dialog.StartInput{}); err != nil {
		t.Errorf("Start within the limit: %v", err)
	}
}

// A loop back to an ask step whose slot is already filled asks again
// instead of skipping it forever.
func TestEngineLoopAsksAgain(t *testing.T) {
	f := mustParse(t, `{"id":"loop","on_fail":"end","steps":[
	  {"id":"ask","kind":"ask","slot":{"name":"card","type":"card_last4"},"prompt":{"en":"Card?","zh":"卡？"},"next":"check"},
	  {"id":"check","kind":"confirm","prompt":{"en":"Card {{card}}, right?","zh":"尾号{{card}}，对吗？"},"on_yes":"end","on_no":"ask"},
	  {"id":"end","kind":"end","outcome":"resolved","text":{"en":"OK.","zh":"好。"}}]}`)
	c := start(t, newEngine(dialog.Config{}), f, dialog.StartInput{Text: "my card ending 1111"}, "gather:Card 1111, right?")
	c.say(text("no"), "gather:Card?")
	c.say(text("2222"), "gather:Card 2222, right?")
	c.say(text("yes"), "say:OK.", "end:resolved")
}

func TestEngineGatherHints(t *testing.T) {
	f := loadLostCard(t, "https://bank.example.com")
	e := newEngine(dialog.Config{})
	_, out, err := e.Start(t.Context(), f, dialog.StartInput{Text: "我的卡丢了，尾号1234"})
	if err != nil {
		t.Fatal(err)
	}
	g := out[len(out)-1]
	if g.Type != dialog.OutputGather || g.Slot != "id_method" || g.SlotType != dialog.SlotEnum || !g.DTMF || g.MaxDigits != 1 {
		t.Fatalf("gather = %+v", g)
	}
	if !strings.Contains(strings.Join(g.Hints, ","), "出生日期") || strings.Contains(strings.Join(g.Hints, ","), "birthday") {
		t.Errorf("hints in zh = %q", g.Hints)
	}
	r, ok := f.Recognition("ask_card", dialog.LangEn)
	if !ok || !r.DTMF || r.MaxDigits != 4 {
		t.Errorf("Recognition(ask_card) = %+v", r)
	}
	if _, ok := f.Recognition("verify", dialog.LangEn); ok {
		t.Errorf("a webhook step has recognition hints")
	}
}

func TestEngineCancelledContext(t *testing.T) {
	f := mustParse(t, transferFlow)
	e := newEngine(dialog.Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	// No webhook in this flow: a cancelled context does not matter.
	if _, _, err := e.Start(ctx, f, dialog.StartInput{}); err != nil {
		t.Errorf("Start: %v", err)
	}
}
