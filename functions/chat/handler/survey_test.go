package handler

import (
	"slices"
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/store"
)

// surveyOn turns the tenant's chat survey on (and NPS when nps).
func (e *env) surveyOn(t *testing.T, name string, nps bool) {
	t.Helper()
	tid := mustTenant(t, name)
	k := store.Key{Kind: botconfig.KindSettings, ID: botconfig.SettingsID}
	var set botconfig.Settings
	ver, err := e.db.Get(e.ctx, tid, k, &set)
	if err != nil {
		t.Fatal(err)
	}
	set.Survey = botconfig.SurveySettings{Chat: true, NPS: nps}
	if _, err := e.db.Put(e.ctx, tid, k, set, ver); err != nil {
		t.Fatal(err)
	}
}

func quick(reply map[string]any) []string {
	var out []string
	for _, q := range list(reply["quick_replies"]) {
		out = append(out, str(q))
	}
	return out
}

var csatReplies = []string{"1", "2", "3", "4", "5"}

// feedbackOf decodes the feedback.submitted events about a contact.
func (e *env) feedbackOf(t *testing.T, id string) []lxevents.FeedbackSubmitted {
	t.Helper()
	var out []lxevents.FeedbackSubmitted
	for _, ev := range e.eventsOf(t, lxevents.TypeFeedbackSubmitted, id) {
		d, err := lxevents.DataAs[lxevents.FeedbackSubmitted](ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// The chat survey end to end through the chat API: a conversation the bot resolved is asked for
// CSAT when the customer ends it (the end's answer carries the quick replies 1–5), the answer "4"
// is a normal message that records feedback.submitted with csat 4 (source chat), and nothing else
// is taken once it has ended.
func TestChatSurveyAfterEnd(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	e.surveyOn(t, "acme", false)
	id := str(e.start(t, key, `{"customer":{"id":"cus-1"},"language":"en"}`)["id"])
	e.say(t, key, id, "what is my balance")

	ended := e.must(t, 200, "POST", "/v1/conversations/"+id+"/end", key, "")
	msgs := list(ended["messages"])
	if ended["state"] != "ended" || !slices.Equal(quick(ended), csatReplies) ||
		str(obj(msgs[len(msgs)-1])["text"]) != "How satisfied are you with our help today? Please rate it from 1 (very unsatisfied) to 5 (very satisfied)." {
		t.Fatalf("end: %v", ended)
	}
	if len(e.feedbackOf(t, id)) != 0 {
		t.Fatal("feedback before an answer")
	}
	reply := e.say(t, key, id, "4")
	if got := joined(texts(reply)); got != "Thank you for your feedback!" || len(quick(reply)) != 0 || reply["state"] != "ended" {
		t.Fatalf("answer: %s %v", got, reply)
	}
	fb := e.feedbackOf(t, id)
	if len(fb) != 1 || fb[0].CSAT == nil || *fb[0].CSAT != 4 || fb[0].NPS != nil || fb[0].Source != lxevents.FeedbackChat || fb[0].CustomerID != "cus-1" {
		t.Fatalf("feedback.submitted: %+v", fb)
	}
	if r := e.do(t, "POST", "/v1/conversations/"+id+"/messages", key, `{"text":"5"}`); r.code != 409 {
		t.Fatalf("a second answer after the end: %d %s", r.code, r.raw)
	}
	if got := e.must(t, 200, "GET", "/v1/conversations/"+id, key, ""); got["quick_replies"] != nil {
		t.Fatalf("quick replies after the answer: %v", got["quick_replies"])
	}
	// The partner API sees the contact answered.
	problemType(t, e.do(t, "POST", "/v1/contacts/"+id+"/feedback", key, `{"csat":2}`), 409, "conflict")
	if n := len(e.eventsOf(t, lxevents.TypeContactEnded, id)); n != 1 {
		t.Fatalf("%d contact.ended events", n)
	}

	// Something else than an answer in an ended conversation is refused as before.
	id2 := str(e.start(t, key, `{"language":"en"}`)["id"])
	e.say(t, key, id2, "what is my balance")
	e.must(t, 200, "POST", "/v1/conversations/"+id2+"/end", key, "")
	if r := e.do(t, "POST", "/v1/conversations/"+id2+"/messages", key, `{"text":"what are your opening hours"}`); r.code != 409 {
		t.Fatalf("not an answer after the end: %d %s", r.code, r.raw)
	}

	// A conversation the bot did not resolve is not asked.
	id3 := str(e.start(t, key, `{"language":"en"}`)["id"])
	if got := e.must(t, 200, "POST", "/v1/conversations/"+id3+"/end", key, ""); got["quick_replies"] != nil {
		t.Fatalf("unresolved conversation asked: %v", got)
	}
}

// Saying goodbye (or thanks) to the bot that resolved the request asks the survey in the
// conversation's language while the chat stays open; with NPS on, the NPS question follows the
// CSAT answer; a text that is no answer is a normal turn and drops the survey.
func TestChatSurveyAfterGoodbye(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	e.surveyOn(t, "acme", true)

	// Chinese, with NPS: 再见 → CSAT; "４分" → NPS; "9" → thanks.
	id := str(e.start(t, key, `{"customer":{"id":"cus-2"},"language":"zh"}`)["id"])
	e.say(t, key, id, "查余额")
	bye := e.say(t, key, id, "再见")
	if got := texts(bye); len(got) != 2 || got[1] != "请问您对本次服务满意吗？请打分：1 非常不满意，5 非常满意。" || !slices.Equal(quick(bye), csatReplies) || bye["state"] != "active" {
		t.Fatalf("goodbye: %v", bye)
	}
	nps := e.say(t, key, id, "４分")
	if got := joined(texts(nps)); got != "您有多大可能向朋友推荐我们？请打分：0 完全不可能，10 非常可能。" || len(quick(nps)) != 11 || quick(nps)[10] != "10" {
		t.Fatalf("after CSAT: %s %v", got, quick(nps))
	}
	if got := joined(texts(e.say(t, key, id, "9"))); got != "感谢您的评价！" {
		t.Fatalf("after NPS: %s", got)
	}
	fb := e.feedbackOf(t, id)
	if len(fb) != 2 || *fb[0].CSAT != 4 || fb[0].NPS != nil || fb[1].CSAT != nil || *fb[1].NPS != 9 {
		t.Fatalf("feedback.submitted: %+v", fb)
	}
	stored, _, err := satisfaction.Get(e.ctx, e.db, mustTenant(t, "acme"), id)
	if err != nil || stored.CSAT == nil || *stored.CSAT != 4 || stored.NPS == nil || *stored.NPS != 9 || stored.Source != lxevents.FeedbackChat {
		t.Fatalf("stored feedback: %+v %v", stored, err)
	}
	// Asked once: another goodbye is only a goodbye.
	if got := e.say(t, key, id, "再见"); len(texts(got)) != 1 || len(quick(got)) != 0 {
		t.Fatalf("second goodbye: %v", got)
	}

	// English, thanks: asked; then a question instead of an answer is answered as always.
	id2 := str(e.start(t, key, `{"language":"en"}`)["id"])
	e.say(t, key, id2, "what is my balance")
	if got := e.say(t, key, id2, "thanks"); !slices.Equal(quick(got), csatReplies) {
		t.Fatalf("thanks: %v", got)
	}
	hours := e.say(t, key, id2, "what are your opening hours")
	if got := joined(texts(hours)); got != "Branches are open 9:00–17:00, Monday to Saturday." || len(quick(hours)) != 0 {
		t.Fatalf("question after the survey: %s %v", got, hours)
	}
	if got := e.say(t, key, id2, "4"); len(e.feedbackOf(t, id2)) != 0 {
		t.Fatalf("a digit after the survey was dropped still counted: %v", got)
	}
}

// An agent's wrap-up ends the handed-off chat with the survey question; the customer's answer is
// recorded. Answered first by the partner API, the chat's answer is thanked and not recorded.
func TestChatSurveyAfterWrapUp(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	e.surveyOn(t, "acme", false)
	svc := e.api.conv.(*conversation.Service)
	tid := mustTenant(t, "acme")

	for _, viaAPIFirst := range []bool{false, true} {
		id := str(e.start(t, key, `{"language":"en"}`)["id"])
		if got := e.say(t, key, id, "talk to a person"); got["state"] != "handoff" {
			t.Fatalf("handoff: %v", got)
		}
		r, err := svc.WrapUp(e.ctx, tid, id)
		if err != nil || r.Conversation.State != conversation.StateEnded || !slices.Equal(r.QuickReplies, csatReplies) {
			t.Fatalf("wrap-up: %+v %v", r, err)
		}
		if viaAPIFirst {
			e.must(t, 201, "POST", "/v1/contacts/"+id+"/feedback", key, `{"nps":8}`) // any answer: the chat records none
		}
		if got := joined(texts(e.say(t, key, id, "5"))); got != "Thank you for your feedback!" {
			t.Fatalf("answer: %s", got)
		}
		fb := e.feedbackOf(t, id)
		want := lxevents.FeedbackChat
		if viaAPIFirst {
			want = lxevents.FeedbackAPI
		}
		if len(fb) != 1 || fb[0].Source != want {
			t.Fatalf("feedback (API first %v): %+v", viaAPIFirst, fb)
		}
		if _, err := svc.WrapUp(e.ctx, tid, id); err != conversation.ErrEnded {
			t.Fatalf("second wrap-up: %v", err)
		}
	}
}

// A survey answer shows up in the satisfaction figures: the events the chat function put on the
// stream (contact.ended, feedback.submitted), folded as the feedback function folds them.
func TestChatSurveyInFigures(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	e.surveyOn(t, "acme", false)
	for i, score := range []string{"4", "5", "2"} {
		id := str(e.start(t, key, `{"language":"en"}`)["id"])
		e.say(t, key, id, "what is my balance")
		if i == 0 {
			e.say(t, key, id, "bye") // asked in the open chat
		} else {
			e.must(t, 200, "POST", "/v1/conversations/"+id+"/end", key, "")
		}
		e.say(t, key, id, score)
	}
	fold := satisfaction.NewFold(e.db, nil)
	evs := e.events(t)
	for _, ev := range slices.Backward(evs) { // any order does
		if err := fold.Event(e.ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	day := evs[len(evs)-1].Time.UTC().Format("2006-01-02")
	for by, value := range map[satisfaction.Dimension]string{satisfaction.ByChannel: "chat", satisfaction.ByResolution: satisfaction.ResolutionBot} {
		rows, err := satisfaction.Figures(e.ctx, e.db, mustTenant(t, "acme"), by, day, day)
		if err != nil {
			t.Fatal(err)
		}
		// The first conversation is still open: its answer counts under chat but has no resolution yet.
		want := map[satisfaction.Dimension]int64{satisfaction.ByChannel: 3, satisfaction.ByResolution: 2}[by]
		if len(rows) != 1 || rows[0].Value != value || rows[0].CSATCount != want {
			t.Fatalf("by %s: %+v", by, rows)
		}
		if by == satisfaction.ByChannel && (*rows[0].CSATMean != 3.67 || *rows[0].CSATPercent != 66.67) {
			t.Fatalf("chat figures: %+v", rows[0])
		}
	}
}

// The chat's answer and the partner API's racing for one contact: both commits are held until
// both arrived, so both read "no answer yet"; one answer is stored and emitted, the other is
// thanked (chat) or 409 (API).
func TestChatSurveyRacesThePartnerAPI(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	e.surveyOn(t, "acme", false)
	id := str(e.start(t, key, `{"language":"en"}`)["id"])
	e.say(t, key, id, "what is my balance")
	e.must(t, 200, "POST", "/v1/conversations/"+id+"/end", key, "")

	e.commit.hold(2)
	chat, api := make(chan response, 1), make(chan response, 1)
	go func() { chat <- e.do(t, "POST", "/v1/conversations/"+id+"/messages", key, `{"text":"5"}`) }()
	go func() { api <- e.do(t, "POST", "/v1/contacts/"+id+"/feedback", key, `{"csat":1}`) }()
	c, a := <-chat, <-api
	if c.code != 200 || joined(texts(c.body)) != "Thank you for your feedback!" || (a.code != 201 && a.code != 409) {
		t.Fatalf("chat %d %s; api %d %s", c.code, c.raw, a.code, a.raw)
	}
	fb := e.feedbackOf(t, id)
	if len(fb) != 1 {
		t.Fatalf("%d feedback.submitted events: %+v", len(fb), fb)
	}
	stored, _, err := satisfaction.Get(e.ctx, e.db, mustTenant(t, "acme"), id)
	if err != nil || stored.Source != fb[0].Source || *stored.CSAT != *fb[0].CSAT || (a.code == 201) != (stored.Source == lxevents.FeedbackAPI) {
		t.Fatalf("stored %+v (%v); emitted %+v; api answered %d", stored, err, fb[0], a.code)
	}
}
