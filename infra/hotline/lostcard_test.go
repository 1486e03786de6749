package hotline

import (
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
)

// lostCard checks that a call ran the demo bank's lost-card flow to its end: the card locked, the
// edge hanging up after the goodbye, every key on the stream.
func lostCard(t *testing.T, id string, tr transcript, evs []events.Envelope, locked string) {
	t.Helper()
	var said strings.Builder
	for _, m := range tr.Messages {
		said.WriteString(m.Text + "\n")
	}
	if !strings.Contains(said.String(), locked) {
		t.Fatalf("call %s: the card was not locked (want %q):\n%s", id, locked, tr)
	}
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.HangupSide != events.HangupEdge || end.Disposition != events.DispositionResolvedByBot {
		t.Fatalf("call.ended %+v\n%s\n--- the edge's log ---\n%s", end, tr, edgeLog(id))
	}
}

func keyed(t *testing.T, evs []events.Envelope) string {
	t.Helper()
	var ks strings.Builder
	for _, e := range find(evs, events.TypeCallDTMF) {
		ks.WriteString(payload[events.CallDTMF](t, e).Digit)
	}
	return ks.String()
}

// A Chinese caller (no local Chinese recogniser) runs the lost-card flow by keys alone: 1 from
// the greeting's menu (pressed over the prompt: a barge-in), the card's last four digits, 2 to
// confirm by phone, the phone number and #. The bot locks the card through the demo bank and
// says goodbye; the edge hangs up.
func TestLostCardByKeys(t *testing.T) {
	l := product(t)
	sipID := call{from: "+8613800138000", steps: []step{
		pause(1500 * time.Millisecond), keys(t, "1"),
		pause(3 * time.Second), keys(t, "1234"),
		pause(3 * time.Second), keys(t, "2"),
		pause(3 * time.Second), keys(t, "13800138000#"),
		hungUp,
	}}.run(t, l)
	id, evs := callEvents(t, l, sipID)
	tr := conversationOf(t, l, id)
	lostCard(t, id, tr, evs, "尾号1234")
	if got := keyed(t, evs); got != "11234213800138000#" {
		t.Fatalf("keys on the stream %q", got)
	}
	bi := find(evs, events.TypeCallBargeIn)
	if len(bi) == 0 || payload[events.CallBargeIn](t, bi[0]).Input != events.BargeInDTMF {
		t.Fatalf("no barge-in by key over the greeting: %v", types(evs))
	}
}

// An English caller says the problem in one sentence over the greeting (a barge-in): the edge
// hears it (VAD), pocketsphinx recognises it against the greeting's hints, the bot starts the
// lost-card flow, and the caller finishes it by keys.
func TestLostCardBySpeech(t *testing.T) {
	l := product(t)
	words, wordsLen := speech(t, "en", "a lost or stolen card")
	sipID := call{from: "+14155550100", steps: []step{
		pause(2 * time.Second), say(words, wordsLen),
		pause(4 * time.Second), keys(t, "1234"),
		pause(3 * time.Second), keys(t, "2"),
		pause(3 * time.Second), keys(t, "13800138000#"),
		hungUp,
	}}.run(t, l)
	id, evs := callEvents(t, l, sipID)
	tr := conversationOf(t, l, id)
	utt := find(evs, events.TypeCallUtterance)
	if len(utt) == 0 || !strings.Contains(payload[events.CallUtterance](t, utt[0]).Text, "lost") {
		t.Fatalf("the sentence was not recognised: %v\n%s", types(evs), tr)
	}
	bi := find(evs, events.TypeCallBargeIn)
	if len(bi) == 0 || payload[events.CallBargeIn](t, bi[0]).Input != events.BargeInSpeech {
		t.Fatalf("no barge-in by speech over the greeting: %v", types(evs))
	}
	lostCard(t, id, tr, evs, "ending 1234")
}
