package hotline

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/media-edge/edge"
)

// withVoiceSurvey turns the demo tenant's voice survey on (the bot setting survey.voice, through
// PUT /v1/bot/settings) for the test, and off again after it.
func withVoiceSurvey(t *testing.T, l *local.Local) {
	t.Helper()
	putSurvey := func(survey any) {
		ctx := context.Background()
		code, body, err := l.Call(ctx, "GET", "/v1/bot/settings", l.DemoKey, nil)
		if err != nil || code != http.StatusOK {
			t.Fatalf("read the bot settings: %d %s %v", code, body, err)
		}
		var s map[string]any
		if err := json.Unmarshal(body, &s); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"version", "webhook_secret_set", "updated_at"} { // the read's, not the write's
			delete(s, k)
		}
		s["survey"] = survey
		if code, body, err := l.Call(ctx, "PUT", "/v1/bot/settings", l.DemoKey, s); err != nil || code != http.StatusOK {
			t.Fatalf("write the bot settings: %d %s %v", code, body, err)
		}
	}
	putSurvey(map[string]bool{"voice": true})
	t.Cleanup(func() { putSurvey(nil) })
}

// feedbackAbout is the feedback.submitted events about contactID on the stream now.
func feedbackAbout(t *testing.T, l *local.Local, contactID string) []events.FeedbackSubmitted {
	t.Helper()
	var out []events.FeedbackSubmitted
	for _, e := range streamEvents(t, l) {
		if e.Type == events.TypeFeedbackSubmitted && e.Subject == contactID {
			out = append(out, payload[events.FeedbackSubmitted](t, e))
		}
	}
	return out
}

// A Chinese caller keys 0 and is bridged to the agent's softphone (baresip), whose greeting ends
// with the agent hanging up. The caller stays: the edge says the survey in Chinese, the caller
// keys 4 (RFC 4733) over it, hears the thanks, and the edge hangs up; feedback.submitted carries
// csat 4 and source voice about the call's contact, and call.ended still says the agent ended
// the conversation.
func TestTheCallerRatesTheCallAfterTheAgentLeaves(t *testing.T) {
	l := product(t)
	withVoiceSurvey(t, l)
	a := startAgent(t, l, speechWAV(t, "en", "Hello, this is Anna from the card team. Your card is unblocked. Goodbye."))
	// Measured here: the agent answers about 7 s after the 0 and hangs up about 5 s later; the
	// question then plays for about 10 s and waits 8 s more. The caller keys 2 while the agent
	// talks (no answer to a question not asked yet), then 4 about 20 s after the 0.
	sipID := call{from: "+8613800138000", steps: []step{
		pause(2 * time.Second), keys(t, "0"), pause(4500 * time.Millisecond), keys(t, "2"), pause(14 * time.Second), keys(t, "4"), hungUp,
	}}.run(t, l)

	callID, evs := callEvents(t, l, sipID)
	log := edgeLog(callID)
	if len(find(evs, events.TypeCallTransferred)) != 1 {
		t.Fatalf("call.transferred: %v\n%s\n%s", types(evs), log, a.log.String())
	}
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.HangupSide != events.HangupAgent || end.Reason != events.CallEndAgentHangup || end.Disposition != events.DispositionTransferred || end.TalkMS <= 0 {
		t.Fatalf("call.ended %+v\n%s", end, log)
	}
	// The edge's own record of what it played: the question in the call's language.
	t.Logf("the call:\n%s", timeline(t, evs))
	if !strings.Contains(log, "the caller is asked to rate the call") || !strings.Contains(log, "请为本次服务打分") {
		t.Fatalf("the edge did not ask for the rating in Chinese:\n%s", log)
	}
	contactID := edge.ContactID(callID)
	subjectEvents(t, l, contactID, events.TypeFeedbackSubmitted)
	fb := feedbackAbout(t, l, contactID)
	if len(fb) != 1 || fb[0].CSAT == nil || *fb[0].CSAT != 4 || fb[0].Source != events.FeedbackVoice || fb[0].ContactID != contactID {
		t.Fatalf("feedback.submitted about %s: %+v\n%s", contactID, fb, log)
	}
	// The recording goes on through the survey: the edge's side is not silent after the agent left.
	rec := recording(t, l, end.RecordingKey)
	last := time.Duration(len(rec.Samples)/2) * time.Second / 8000
	if e := energy(rec.Samples, 1, last-5*time.Second, last); e < 100 {
		t.Fatalf("the survey is not on the recording's right channel (RMS %.0f over the last 5 s)", e)
	}
}

// The caller hangs up while the agent still talks: no survey, no feedback.
func TestACallerWhoHangsUpFirstIsNotSurveyed(t *testing.T) {
	l := product(t)
	withVoiceSurvey(t, l)
	a := startAgent(t, l, speechWAV(t, "en", "Hello, this is Anna from the card team. Let me look at your account. "+
		"This may take a little while, so please stay on the line while I check the last transactions on your card."))
	sipID := call{from: "+8613800138000", steps: []step{pause(2 * time.Second), keys(t, "0"), pause(7 * time.Second), hangUp}}.run(t, l)

	callID, evs := callEvents(t, l, sipID)
	log := edgeLog(callID)
	if len(find(evs, events.TypeCallTransferred)) != 1 {
		t.Fatalf("call.transferred: %v\n%s\n%s", types(evs), log, a.log.String())
	}
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.HangupSide != events.HangupCaller {
		t.Fatalf("call.ended %+v\n%s", end, log)
	}
	if strings.Contains(log, "asked to rate") {
		t.Fatalf("a caller who hung up was surveyed:\n%s", log)
	}
	if fb := feedbackAbout(t, l, edge.ContactID(callID)); len(fb) != 0 {
		t.Fatalf("feedback without a survey: %+v", fb)
	}
}

// The agent leaves and the caller keys nothing: after the survey's wait the edge says goodbye and
// hangs up; no feedback.
func TestASurveyWithoutAKeyGivesNoFeedback(t *testing.T) {
	l := product(t)
	withVoiceSurvey(t, l)
	a := startAgent(t, l, speechWAV(t, "en", "Hello, this is Anna. Your card is unblocked. Goodbye."))
	sipID := call{from: "+8613800138000", steps: []step{pause(2 * time.Second), keys(t, "0"), hungUp}}.run(t, l)

	callID, evs := callEvents(t, l, sipID)
	log := edgeLog(callID)
	if len(find(evs, events.TypeCallTransferred)) != 1 {
		t.Fatalf("call.transferred: %v\n%s\n%s", types(evs), log, a.log.String())
	}
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.HangupSide != events.HangupAgent || end.Disposition != events.DispositionTransferred {
		t.Fatalf("call.ended %+v\n%s", end, log)
	}
	if !strings.Contains(log, "the caller is asked to rate the call") || !strings.Contains(log, "the caller did not rate the call") {
		t.Fatalf("the survey did not run to its timeout:\n%s", log)
	}
	if fb := feedbackAbout(t, l, edge.ContactID(callID)); len(fb) != 0 {
		t.Fatalf("feedback without an answer: %+v", fb)
	}
}

// With the survey on, a call the bot resolved (the lost-card flow by keys) is followed by the
// survey after the bot's goodbye: the caller keys 5; the call stays resolved by the bot and
// ended by its goodbye.
func TestTheBotsGoodbyeIsFollowedByTheSurvey(t *testing.T) {
	l := product(t)
	withVoiceSurvey(t, l)
	// Measured here: the lock and the goodbye play for about 23 s after the last key, then the
	// question (about 10 s) and its 8 s wait: 5 is keyed about 30 s after the last key.
	sipID := call{from: "+8613800138000", steps: []step{
		pause(1500 * time.Millisecond), keys(t, "1"),
		pause(3 * time.Second), keys(t, "1234"),
		pause(3 * time.Second), keys(t, "2"),
		pause(3 * time.Second), keys(t, "13800138000#"),
		pause(29 * time.Second), keys(t, "5"),
		hungUp,
	}}.run(t, l)
	id, evs := callEvents(t, l, sipID)
	tr := conversationOf(t, l, id)
	lostCard(t, id, tr, evs, "尾号1234")
	log := edgeLog(id)
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.Reason != events.CallEndBotHangup {
		t.Fatalf("call.ended %+v\n%s", end, log)
	}
	if !strings.Contains(log, "the caller rated the call") {
		t.Fatalf("no rating:\n%s\n%s", timeline(t, evs), log)
	}
	contactID := edge.ContactID(id)
	subjectEvents(t, l, contactID, events.TypeFeedbackSubmitted)
	fb := feedbackAbout(t, l, contactID)
	if len(fb) != 1 || fb[0].CSAT == nil || *fb[0].CSAT != 5 || fb[0].Source != events.FeedbackVoice {
		t.Fatalf("feedback.submitted about %s: %+v\n%s", contactID, fb, log)
	}
	if !strings.Contains(log, "after=bot") && !strings.Contains(log, `"after":"bot"`) {
		t.Fatalf("the survey was not the bot's:\n%s", log)
	}
}

// timeline is a call's events with their times, the keys named: to read a failure's timing.
func timeline(t *testing.T, evs []events.Envelope) string {
	t.Helper()
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(e.Time.UTC().Format("15:04:05.000") + " " + e.Type)
		if e.Type == events.TypeCallDTMF {
			b.WriteString(" " + payload[events.CallDTMF](t, e).Digit)
		}
		b.WriteString("\n")
	}
	return b.String()
}
