package handler

import (
	"context"
	"net/http"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/store"
)

// foldFeedback folds a contact that ended in queue and intent with agent and a CSAT answer into
// tenant tn's satisfaction sums, as the feedback function does.
func foldFeedback(t *testing.T, e *env, tn, contact, intent, agent string, csat int, at time.Time) {
	t.Helper()
	f := satisfaction.NewFold(e.api.store.(*store.Store), nil)
	tid := mustTenant(t, tn)
	for _, x := range []struct {
		typ  string
		data any
	}{
		{lxevents.TypeContactEnded, lxevents.ContactEnded{Channel: lxevents.ChannelChat, Outcome: lxevents.OutcomeResolvedByAgent, Intent: intent, AgentID: agent}},
		{lxevents.TypeFeedbackSubmitted, lxevents.FeedbackSubmitted{ContactID: contact, CSAT: &csat, Source: lxevents.FeedbackAPI}},
	} {
		ev, err := lxevents.New(tid, x.typ, contact, "test", x.data)
		if err != nil {
			t.Fatal(err)
		}
		ev.Time = at
		if err := f.Event(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
}

func satisfactionIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	return map[string]func(t *testing.T){
		"GET /v1/voc/satisfaction": func(t *testing.T) {
			foldFeedback(t, e, "tenant-b", "cv-b-secret", "b_secret_intent", "b-agent", 5, time.Now())
			r := e.call(t, "GET", "/v1/voc/satisfaction?by=intent", keyA, "")
			if r.status != http.StatusOK || len(r.body["rows"].([]any)) != 0 {
				t.Fatalf("A's figures: %d %v", r.status, r.body)
			}
			if r := e.call(t, "GET", "/v1/voc/satisfaction?by=intent", keyB, ""); len(r.body["rows"].([]any)) != 1 {
				t.Fatalf("B's figures: %d %v", r.status, r.body)
			}
		},
	}
}

// GET /v1/voc/satisfaction adds up the fold's daily sums over the range asked; it refuses an
// unknown dimension and bad days, and partners.
func TestSatisfactionRoute(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	day := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	foldFeedback(t, e, "acme", "cv-1", "balance", "a-1", 5, day)
	foldFeedback(t, e, "acme", "cv-2", "balance", "a-2", 2, day.AddDate(0, 0, 1))
	foldFeedback(t, e, "acme", "cv-3", "card_lost", "a-1", 4, day.AddDate(0, 0, 1))
	foldFeedback(t, e, "acme", "cv-4", "card_lost", "a-1", 1, day.AddDate(0, 0, 40)) // outside the range

	r := e.call(t, "GET", "/v1/voc/satisfaction?by=intent&from=2026-11-20&to=2026-11-21", key, "")
	if r.status != 200 || r.body["by"] != "intent" || r.body["from"] != "2026-11-20" || r.body["to"] != "2026-11-21" {
		t.Fatalf("%d %v", r.status, r.body)
	}
	rows := r.body["rows"].([]any)
	first, second := rows[0].(map[string]any), rows[1].(map[string]any)
	if len(rows) != 2 || first["value"] != "balance" || first["csat_count"] != 2.0 || first["csat_mean"] != 3.5 || first["csat_percent"] != 50.0 ||
		first["nps"] != nil || second["value"] != "card_lost" || second["csat_mean"] != 4.0 {
		t.Fatalf("rows: %v", rows)
	}
	agents := e.call(t, "GET", "/v1/voc/satisfaction?by=agent&from=2026-11-21&to=2026-11-21", key, "").body["rows"].([]any)
	if len(agents) != 2 {
		t.Fatalf("agents on the 21st: %v", agents)
	}
	for _, q := range []string{"by=team", "", "by=intent&from=2026-13-01", "by=intent&to=yesterday", "by=intent&from=2026-11-22&to=2026-11-21", "by=intent&from=2024-01-01&to=2026-11-21"} {
		if r := e.call(t, "GET", "/v1/voc/satisfaction?"+q, key, ""); r.status != 400 {
			t.Fatalf("%s: %d %v", q, r.status, r.body)
		}
	}
	_, partner := e.do(t, "POST", "/v1/api-keys", key, `{"role":"partner"}`)
	if r := e.call(t, "GET", "/v1/voc/satisfaction?by=intent", partner["key"].(string), ""); r.status != 403 {
		t.Fatalf("partner: %d %v", r.status, r.body)
	}
}

// The agent's wrap-up of a chat ends the conversation with the survey question when the tenant
// enables the chat survey (the wrap-up route calls conversation.Service.WrapUp).
func TestWrapUpAsksTheSurvey(t *testing.T) {
	e, clock := newUsersEnv(t)
	s := newFloor(t, e, "acme")
	e.call(t, "PUT", "/v1/bot/settings", s.key, `{"default_queue":"general","survey":{"chat":true,"nps":false,"voice":false}}`).want(t, "settings", http.StatusOK)
	got := e.call(t, "GET", "/v1/bot/settings", s.key, "")
	if sv, _ := got.body["survey"].(map[string]any); sv["chat"] != true || sv["nps"] != false || sv["voice"] != false {
		t.Fatalf("settings: %v", got.body)
	}
	e.call(t, "PUT", "/v1/agents/me/state", s.agent1Tok, `{"state":"available"}`).want(t, "agent1 available", http.StatusOK)
	chat := e.handedOff(t, "acme", "cust-7", "talk to a person")
	offer := e.dispatch(t, "acme", clock.Now())[chat]
	e.call(t, "POST", "/v1/contacts/"+chat+"/accept", s.agent1Tok, `{"offer_id":"`+offer.ID+`"}`).want(t, "accept", http.StatusOK)
	e.call(t, "POST", "/v1/contacts/"+chat+"/wrapup", s.agent1Tok, `{"disposition":"done"}`).want(t, "wrap up", http.StatusOK)
	conv, err := e.api.human.conversations.(*conversation.Service).Get(context.Background(), mustTenant(t, "acme"), chat)
	if err != nil || conv.State != conversation.StateEnded || conv.Survey != conversation.SurveyCSAT ||
		conv.Messages[len(conv.Messages)-1].Text != "How satisfied are you with our help today? Please rate it from 1 (very unsatisfied) to 5 (very satisfied)." {
		t.Fatalf("after the wrap-up: %v %+v", err, conv)
	}
}
