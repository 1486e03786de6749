package hotline

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
)

// energy is the RMS of one channel of a stereo recording between two times.
func energy(samples []int16, ch int, from, to time.Duration) float64 {
	a, b := int(from.Seconds()*8000)*2+ch, int(to.Seconds()*8000)*2+ch
	b = min(b, len(samples))
	var sum float64
	n := 0
	for i := a; i < b; i += 2 {
		sum += float64(samples[i]) * float64(samples[i])
		n++
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(n))
}

func payload[T any](t *testing.T, e events.Envelope) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		t.Fatalf("%s: %v", e.Type, err)
	}
	return v
}

func find(evs []events.Envelope, typ string) []events.Envelope {
	var out []events.Envelope
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// A caller hears the greeting in their language; the call is recorded on two channels (the bot on
// the right) and its events are on the stream.
func TestCallIsAnsweredRecordedAndEnded(t *testing.T) {
	l := product(t)
	sipID := call{from: "+14155550100", steps: []step{pause(6 * time.Second), hangUp}}.run(t, l)

	id, evs := callEvents(t, l, sipID)
	for _, typ := range []string{events.TypeCallStarted, events.TypeCallAnswered, events.TypeCallEnded} {
		if len(find(evs, typ)) != 1 {
			t.Fatalf("%s: %d, want 1 (events %v)", typ, len(find(evs, typ)), types(evs))
		}
	}
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.HangupSide != events.HangupCaller || end.Reason != events.CallEndCallerHangup || end.RecordingKey == "" || end.DurationMS < 5000 {
		t.Fatalf("call.ended %+v", end)
	}
	ans := payload[events.CallAnswered](t, find(evs, events.TypeCallAnswered)[0])
	if ans.Codec != events.CodecPCMU || !ans.Recorded {
		t.Fatalf("call.answered %+v", ans)
	}

	tr := conversationOf(t, l, id)
	if len(tr.Messages) == 0 || tr.Messages[0].Role != "bot" || !strings.Contains(tr.Messages[0].Text, "Hello") {
		t.Fatalf("the greeting is not English:\n%s", tr)
	}

	rec := recording(t, l, end.RecordingKey)
	if rec.Rate != 8000 || rec.Channels != 2 {
		t.Fatalf("recording is %d Hz × %d channels", rec.Rate, rec.Channels)
	}
	secs := float64(len(rec.Samples)/2) / 8000
	if secs < 5 || secs > 10 {
		t.Fatalf("recording lasts %.1f s for a call of %d ms", secs, end.DurationMS)
	}
	bot, caller := energy(rec.Samples, 1, 0, 4*time.Second), energy(rec.Samples, 0, 0, 4*time.Second)
	if bot < 300 || caller > 50 {
		t.Fatalf("RMS of the first 4 s: bot (right) %.0f, caller (left) %.0f: want the greeting on the right and a silent caller", bot, caller)
	}
}

// A Chinese caller presses 0 for a person: the keys reach the bot as a voice turn, the bot hands
// the call to its queue, and with no agent registered the caller hears an apology and the edge
// hangs up.
func TestKeysForAPersonWithNoAgentRegistered(t *testing.T) {
	l := product(t)
	waitRegistrations(t, l, false) // an agent of an earlier test has unregistered
	sipID := call{from: "+8613800138000", steps: []step{pause(2 * time.Second), keys(t, "0"), hungUp}}.run(t, l)

	id, evs := callEvents(t, l, sipID)
	digits := find(evs, events.TypeCallDTMF)
	if len(digits) != 1 || payload[events.CallDTMF](t, digits[0]).Digit != "0" {
		t.Fatalf("call.dtmf %v", digits)
	}
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.HangupSide != events.HangupEdge || end.HangupCause != events.CauseTransferFailed {
		t.Fatalf("call.ended %+v", end)
	}
	tr := conversationOf(t, l, id)
	if tr.State != "handoff" || !strings.HasPrefix(tr.Messages[0].Text, "您好") {
		t.Fatalf("state %s:\n%s", tr.State, tr)
	}
	var keyed bool
	for _, m := range tr.Messages {
		keyed = keyed || m.Role == "customer" && m.Text == "0"
	}
	if !keyed {
		t.Fatalf("the key is not in the transcript:\n%s", tr)
	}
}

// Regression: a call's conversation and recording were named by the SIP Call-ID, which the
// caller's device chooses; a second call reusing it resumed the first caller's conversation (past
// its identity check). Each answered call now has an id of the edge's own.
func TestAReusedCallIDStartsAFreshCall(t *testing.T) {
	l := product(t)
	reused := fmt.Sprintf("reused-%d@127.0.0.1", time.Now().UnixNano())
	first := call{from: "+8613800138000", sipCallID: reused, steps: []step{pause(1500 * time.Millisecond), keys(t, "1"), pause(3 * time.Second), hangUp}}
	firstID, _ := callEvents(t, l, first.run(t, l))
	if tr := conversationOf(t, l, firstID); len(tr.Messages) < 3 {
		t.Fatalf("the first call did not start the flow:\n%s", tr)
	}
	second := call{from: "+8613800138000", sipCallID: reused, steps: []step{pause(3 * time.Second), hangUp}}
	secondID, _ := callEvents(t, l, second.run(t, l), firstID)
	if secondID == firstID {
		t.Fatalf("both calls are %s", firstID)
	}
	tr := conversationOf(t, l, secondID)
	if len(tr.Messages) != 1 || !strings.HasPrefix(tr.Messages[0].Text, "您好") {
		t.Fatalf("the second call is not a fresh one:\n%s", tr)
	}
}
