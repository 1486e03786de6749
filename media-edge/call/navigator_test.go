package call

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

const ms = time.Millisecond

func kinds(cmds []Command) []CommandKind {
	out := []CommandKind{}
	for _, c := range cmds {
		out = append(out, c.Kind)
	}
	return out
}

func want(t *testing.T, step string, got []Command, kinds_ ...CommandKind) {
	t.Helper()
	if kinds_ == nil {
		kinds_ = []CommandKind{}
	}
	if !reflect.DeepEqual(kinds(got), kinds_) {
		t.Fatalf("%s: commands %v, want %v (%+v)", step, kinds(got), kinds_, got)
	}
}

var greet = []Action{
	{Type: ActSay, Text: "您好，这里是灵犀银行。"},
	{Type: ActSay, Text: "请问有什么可以帮您？"},
	{Type: ActGather, DTMF: true, MaxDigits: 1, TimeoutMS: 5000, Hints: []string{"挂失"}},
}

func TestSaysThenListensThenTurnsSpeech(t *testing.T) {
	n := NewNavigator("zh")
	c := n.Reply(0, "zh", greet)
	want(t, "reply", c, CmdSay)
	if c[0].Text != greet[0].Text || c[0].Lang != "zh" {
		t.Fatalf("say %+v", c[0])
	}
	want(t, "first prompt done", n.PlaybackDone(1000*ms), CmdSay)
	want(t, "second prompt done", n.PlaybackDone(2000*ms), CmdListen)
	want(t, "quiet", n.Frame(2020*ms, Quiet))
	want(t, "speech starts", n.Frame(2500*ms, SpeechStart))
	want(t, "8 s later, still talking: no timeout", n.Frame(11000*ms, Quiet))
	c = n.Frame(11500*ms, SpeechEnd)
	want(t, "speech ends", c, CmdRecognize)
	if c[0].Lang != "zh" || c[0].Hints[0] != "挂失" {
		t.Fatalf("recognise %+v", c[0])
	}
	c = n.Recognized("我的卡丢了", 0.9)
	want(t, "recognised", c, CmdTurn)
	if c[0].Input.Text != "我的卡丢了" {
		t.Fatalf("turn %+v", c[0].Input)
	}
	want(t, "frames while thinking do nothing", n.Frame(12000*ms, SpeechStart))
}

func TestBargeInStopsThePromptAndKeepsTheUtterance(t *testing.T) {
	n := NewNavigator("en")
	want(t, "reply", n.Reply(0, "en", greet), CmdSay)
	c := n.Frame(400*ms, BargeIn)
	want(t, "barge-in", c, CmdStopPlay, CmdBargeIn)
	if c[1].AtMS != 400 {
		t.Fatalf("barge-in at %d", c[1].AtMS)
	}
	// The second prompt is skipped; the gather is open and the utterance in progress is kept.
	want(t, "late playback report", n.PlaybackDone(450*ms))
	want(t, "end", n.Frame(1500*ms, SpeechEnd), CmdRecognize)
}

func TestNoBargeInOnAGoodbye(t *testing.T) {
	n := NewNavigator("en")
	n.Reply(0, "en", []Action{{Type: ActSay, Text: "Goodbye."}, {Type: ActHangup}})
	want(t, "speech over the goodbye", n.Frame(100*ms, BargeIn))
	want(t, "key over the goodbye", n.Digit(120*ms, '1'))
	c := n.PlaybackDone(900 * ms)
	want(t, "goodbye played", c, CmdHangup)
	if c[0].Cause != "bot_hangup" {
		t.Fatalf("cause %q", c[0].Cause)
	}
	want(t, "nothing after hangup", n.Reply(1000*ms, "en", greet))
}

func TestKeysEndTheInputWhenComplete(t *testing.T) {
	n := NewNavigator("zh")
	n.Reply(0, "zh", []Action{{Type: ActSay, Text: "请输入卡号后四位"}, {Type: ActGather, DTMF: true, MaxDigits: 4}})
	// The first key interrupts the prompt and counts.
	want(t, "key over the prompt", n.Digit(300*ms, '1'), CmdStopPlay, CmdBargeIn)
	want(t, "2", n.Digit(600*ms, '2'))
	want(t, "3", n.Digit(900*ms, '3'))
	c := n.Digit(1200*ms, '4')
	want(t, "4th key: complete at once", c, CmdEndSpeech, CmdTurn)
	if c[1].Input.DTMF != "1234" {
		t.Fatalf("dtmf %q", c[1].Input.DTMF)
	}
}

func TestKeysEndOnPoundOrAfterAPause(t *testing.T) {
	n := NewNavigator("en")
	n.Reply(0, "en", []Action{{Type: ActGather, DTMF: true, MaxDigits: 6}})
	n.Digit(100*ms, '4')
	n.Digit(200*ms, '2')
	c := n.Digit(300*ms, '#')
	want(t, "pound", c, CmdEndSpeech, CmdTurn)
	if c[1].Input.DTMF != "42" {
		t.Fatalf("dtmf %q", c[1].Input.DTMF)
	}

	n.Reply(400*ms, "en", []Action{{Type: ActGather, DTMF: true, MaxDigits: 6}})
	n.Digit(500*ms, '7')
	want(t, "before the pause", n.Frame(3400*ms, Quiet))
	c = n.Frame(3500*ms, Quiet)
	want(t, "after the pause", c, CmdEndSpeech, CmdTurn)
	if c[1].Input.DTMF != "7" {
		t.Fatalf("dtmf %q", c[1].Input.DTMF)
	}
}

func TestNothingSaidIsATimeoutTurn(t *testing.T) {
	n := NewNavigator("en")
	want(t, "gather", n.Reply(0, "en", []Action{{Type: ActGather, DTMF: true, TimeoutMS: 2000}}), CmdListen)
	want(t, "before", n.Frame(1980*ms, Quiet))
	c := n.Frame(2000*ms, Quiet)
	want(t, "timeout", c, CmdTurn)
	if c[0].Input != (TurnInput{}) {
		t.Fatalf("timeout input %+v", c[0].Input)
	}
}

func TestKeysIgnoredWhenTheGatherTakesSpeechOnly(t *testing.T) {
	n := NewNavigator("en")
	n.Reply(0, "en", []Action{{Type: ActGather, Hints: []string{"yes", "no"}}})
	want(t, "key", n.Digit(100*ms, '1'))
}

func TestTransferAndHangup(t *testing.T) {
	n := NewNavigator("zh")
	n.Reply(0, "zh", []Action{{Type: ActSay, Text: "正在为您转接人工"}, {Type: ActTransfer, Queue: "cards"}})
	c := n.PlaybackDone(800 * ms)
	want(t, "transfer", c, CmdTransfer)
	if c[0].Queue != "cards" {
		t.Fatalf("queue %q", c[0].Queue)
	}
	want(t, "bridged: speech does nothing", n.Frame(900*ms, SpeechStart))
}

func TestAReplyThatNeitherAsksNorEndsListens(t *testing.T) {
	n := NewNavigator("en")
	n.Reply(0, "en", []Action{{Type: ActSay, Text: "Your balance is 10 yuan."}})
	want(t, "after the say", n.PlaybackDone(500*ms), CmdListen)
	c := n.Digit(600*ms, '0')
	want(t, "a key", c, CmdEndSpeech, CmdTurn)
}

func TestTheBotChangesTheLanguage(t *testing.T) {
	n := NewNavigator("zh")
	c := n.Reply(0, "en", []Action{{Type: ActSay, Text: "How can I help?"}, {Type: ActGather}})
	if c[0].Lang != "en" || n.Lang() != "en" {
		t.Fatalf("lang %q / %q", c[0].Lang, n.Lang())
	}
	n.PlaybackDone(100 * ms)
	n.Frame(200*ms, SpeechStart)
	c = n.Frame(900*ms, SpeechEnd)
	if c[0].Lang != "en" {
		t.Fatalf("recognise in %q", c[0].Lang)
	}
}

func TestAFailedTransferApologisesThenHangsUp(t *testing.T) {
	for lang, word := range map[string]string{"zh": "抱歉", "en": "Sorry"} {
		n := NewNavigator(lang)
		n.Reply(0, lang, []Action{{Type: ActTransfer, Queue: "cards"}})
		c := n.Fail(100 * ms)
		want(t, lang+" apology", c, CmdSay)
		if c[0].Lang != lang || !strings.Contains(c[0].Text, word) {
			t.Fatalf("%s: apology %+v", lang, c[0])
		}
		want(t, lang+" no barge-in on the apology", n.Frame(200*ms, BargeIn))
		want(t, lang+" then hangup", n.PlaybackDone(2000*ms), CmdHangup)
	}
}

// Keys pressed while the bot thinks (or before the greeting plays) answer the next question that
// takes keys, as an IVR's type-ahead does; a question they already answer is not read out.
func TestKeysTypedAheadAnswerTheNextQuestion(t *testing.T) {
	n := NewNavigator("zh")
	want(t, "a key before the greeting", n.Digit(100*ms, '1'))
	c := n.Reply(500*ms, "zh", greet)
	want(t, "the greeting's menu is answered already", c, CmdListen, CmdEndSpeech, CmdTurn)
	if c[2].Input.DTMF != "1" {
		t.Fatalf("turn %+v", c[2].Input)
	}
	// The caller keys the card's digits while the bot is still thinking; the fifth key is kept
	// for the question after.
	for i, k := range []byte("12345") {
		want(t, "while thinking", n.Digit(time.Duration(600+i*100)*ms, k))
	}
	c = n.Reply(1500*ms, "zh", []Action{{Type: ActSay, Text: "很抱歉"}, {Type: ActSay, Text: "请输入后四位"}, {Type: ActGather, DTMF: true, MaxDigits: 4}})
	want(t, "four digits answered at once", c, CmdListen, CmdEndSpeech, CmdTurn)
	if c[2].Input.DTMF != "1234" {
		t.Fatalf("turn %+v", c[2].Input)
	}
	c = n.Reply(2000*ms, "zh", []Action{{Type: ActSay, Text: "按1或2"}, {Type: ActGather, DTMF: true, MaxDigits: 1}})
	if len(c) != 3 || c[2].Input.DTMF != "5" {
		t.Fatalf("the kept key: %+v", c)
	}
	// A goodbye is not skipped by keys, and keys are not kept for a call that is ending.
	n.Digit(2100*ms, '9')
	want(t, "goodbye", n.Reply(2500*ms, "zh", []Action{{Type: ActSay, Text: "再见"}, {Type: ActHangup}}), CmdSay)
}

func TestNextGatherStopsAtATransfer(t *testing.T) {
	n := NewNavigator("en")
	n.Reply(0, "en", []Action{{Type: ActSay, Text: "Putting you through."}, {Type: ActTransfer, Queue: "cards"}, {Type: ActGather, DTMF: true}})
	want(t, "no barge-in on a prompt before a transfer", n.Frame(100*ms, BargeIn))
}

// Locally there is no Chinese recogniser: a Chinese caller's speech (or a cough) does not stop the
// menu or count as an answer; keys do, and the question's time still runs.
func TestSpeechIsIgnoredInALanguageNobodyHears(t *testing.T) {
	n := NewNavigator("zh").Hearing(func(lang string) bool { return lang == "en" })
	n.Reply(0, "zh", greet)
	want(t, "speech over the greeting", n.Frame(300*ms, BargeIn))
	n.PlaybackDone(1000 * ms)
	n.PlaybackDone(2000 * ms)
	want(t, "speech in the gather", n.Frame(2100*ms, SpeechStart))
	want(t, "end of that speech", n.Frame(2900*ms, SpeechEnd))
	c := n.Frame(7000*ms, Quiet)
	want(t, "the gather times out", c, CmdTurn)
	n2 := NewNavigator("zh").Hearing(func(lang string) bool { return lang == "en" })
	n2.Reply(0, "en", greet) // the bot switched the call to English: speech is heard again
	want(t, "English speech barges in", n2.Frame(300*ms, BargeIn), CmdStopPlay, CmdBargeIn)
}
