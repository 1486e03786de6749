package handler

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
)

// qaOption wires the quality-inspection routes over db and ob, as the api's main does.
func qaOption(db *store.Store, ob *outbox.Outbox) Option {
	return WithQA(inspect.NewBook(db, ob, Source, nil))
}

// inspectChat runs a whole chat of agentID through an Inspector over e's table, as the feedback
// function does: the agent greets, says a forbidden phrase and never closes.
func inspectChat(t *testing.T, e *env, tenantID, conv, agentID string) {
	t.Helper()
	in := inspect.New(inspect.Config{DB: e.api.store.(*store.Store), Commit: e.api.commit, Source: "lingxi.feedback"})
	tid := mustTenant(t, tenantID)
	t0 := time.Now().UTC().Add(-time.Minute)
	turns := []struct {
		role lxevents.Role
		text string
	}{
		{lxevents.RoleCustomer, "my card is lost"},
		{lxevents.RoleAgent, "Hello, thank you for contacting us"},
		{lxevents.RoleAgent, "that is not my problem"},
	}
	var evs []lxevents.Envelope
	for i, tu := range turns {
		m := lxevents.ChatMessage{ConversationID: conv, Channel: lxevents.ChannelChat, Role: tu.role, Text: tu.text}
		if tu.role == lxevents.RoleAgent {
			m.AgentID = agentID
		}
		ev, err := lxevents.New(tid, lxevents.TypeChatMessage, conv, "test", m)
		if err != nil {
			t.Fatal(err)
		}
		ev.Time = t0.Add(time.Duration(i) * 5 * time.Second)
		evs = append(evs, ev)
	}
	end, err := lxevents.New(tid, lxevents.TypeContactEnded, conv, "test", lxevents.ContactEnded{Channel: lxevents.ChannelChat, Outcome: lxevents.OutcomeResolvedByAgent, AgentID: agentID})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range append(evs, end) {
		if err := in.Event(context.Background(), ev); err != nil {
			t.Fatalf("inspect %s: %v", ev.Type, err)
		}
	}
}

// qaForm is a small valid form body.
const qaFormJSON = `{"name":"Cards desk","active":true,"rules":[
	{"id":"greet","kind":"required_phrase","weight":40,"speaker":"agent","within":"first","turns":2,"phrases":["您好","hello"]},
	{"id":"rude","kind":"forbidden_phrase","weight":60,"speaker":"agent","phrases":["不归我管","not my problem"]}]}`

// Forms read, written and refused; a contact's result with its violations; an agent's series;
// a sample drawn; a dispute (once); a re-score beside the automatic score.
func TestQARoutes(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "qa")

	r := e.call(t, "GET", "/v1/qa/forms", key, "")
	r.want(t, "forms", http.StatusOK)
	if items := r.items(); len(items) != 1 || items[0]["id"] != "default" || items[0]["built_in"] != true || items[0]["active"] != true || r.body["active"] != "default" {
		t.Fatalf("forms before any write: %v", r.body)
	}
	e.call(t, "GET", "/v1/qa/forms/default", key, "").want(t, "default form", http.StatusOK)
	e.call(t, "GET", "/v1/qa/forms/nothing", key, "").want(t, "no form", http.StatusNotFound)

	// The default form inspects a chat.
	inspectChat(t, e, "qa", "cv-qa-1", "u-agent-1")
	r = e.call(t, "GET", "/v1/qa/contacts/cv-qa-1", key, "")
	r.want(t, "result", http.StatusOK)
	if r.body["form_id"] != "default" || r.body["score"].(float64) >= 100 || r.body["agent_id"] != "u-agent-1" || len(r.body["transcript"].([]any)) != 3 {
		t.Fatalf("result: %v", r.body)
	}
	var rude map[string]any
	for _, v := range r.body["violations"].([]any) {
		if v := v.(map[string]any); v["rule_id"] == "forbidden-words" {
			rude = v
		}
	}
	if rude == nil || rude["turn"] != float64(2) || rude["excerpt"] != "that is not my problem" {
		t.Fatalf("the forbidden phrase's violation: %v", r.body["violations"])
	}
	auto := r.body["score"].(float64)
	e.call(t, "GET", "/v1/qa/contacts/cv-none", key, "").want(t, "not inspected", http.StatusNotFound)

	// A form of the tenant's, made active.
	r = e.call(t, "PUT", "/v1/qa/forms/cards", key, qaFormJSON)
	r.want(t, "put form", http.StatusCreated)
	if r.body["active"] != true || r.body["version"] != float64(1) || r.body["built_in"] != false {
		t.Fatalf("put form: %v", r.body)
	}
	e.call(t, "PUT", "/v1/qa/forms/cards", key, strings.Replace(qaFormJSON, "Cards desk", "Cards", 1)).want(t, "replace form", http.StatusOK)
	if r = e.call(t, "GET", "/v1/qa/forms", key, ""); r.body["active"] != "cards" || len(r.items()) != 2 {
		t.Fatalf("forms after the put: %v", r.body)
	}
	bad := `{"name":"x","rules":[{"id":"a","kind":"silence","weight":5,"speaker":"agent"},{"id":"a","kind":"mood","weight":500}]}`
	e.call(t, "PUT", "/v1/qa/forms/x", key, bad).want(t, "bad form", http.StatusBadRequest, "/rules/0/seconds", "/rules/0/speaker", "/rules/1/id", "/rules/1/kind")
	e.call(t, "PUT", "/v1/qa/forms/Bad%20Id", key, qaFormJSON).want(t, "bad form id", http.StatusBadRequest, "id")
	inspectChat(t, e, "qa", "cv-qa-2", "u-agent-1")
	if r = e.call(t, "GET", "/v1/qa/contacts/cv-qa-2", key, ""); r.body["form_id"] != "cards" || r.body["score"] != float64(40) || r.body["form_version"] != float64(2) {
		t.Fatalf("the active form did not inspect: %v", r.body)
	}

	// The agent's series.
	r = e.call(t, "GET", "/v1/qa/agents/u-agent-1", key, "")
	r.want(t, "series", http.StatusOK)
	if r.body["count"] != float64(2) || len(r.body["days"].([]any)) != 1 || len(r.items()) != 2 {
		t.Fatalf("series: %v", r.body)
	}
	if r = e.call(t, "GET", "/v1/qa/agents/u-agent-1?from=2001-01-01&to=2001-01-02", key, ""); r.body["count"] != float64(0) || r.body["mean"] != nil {
		t.Fatalf("series of 2001: %v", r.body)
	}
	e.call(t, "GET", "/v1/qa/agents/u-agent-1?from=soon", key, "").want(t, "bad from", http.StatusBadRequest, "from")

	// Review: a sample of one, a dispute (once), a re-score.
	r = e.call(t, "POST", "/v1/qa/reviews", key, `{"sample":1}`)
	r.want(t, "sample", http.StatusOK)
	if len(r.items()) != 1 || r.body["available"] != float64(2) {
		t.Fatalf("sample: %v", r.body)
	}
	if r = e.call(t, "POST", "/v1/qa/reviews", key, `{"sample":5}`); len(r.items()) != 1 || r.body["available"] != float64(1) {
		t.Fatalf("the second sample draws the rest: %v", r.body)
	}
	e.call(t, "POST", "/v1/qa/reviews", key, `{"sample":0}`).want(t, "no sample", http.StatusBadRequest, "/sample")
	r = e.call(t, "POST", "/v1/qa/contacts/cv-qa-1/dispute", key, `{"reason":"I was quoting the customer"}`)
	r.want(t, "dispute", http.StatusOK)
	if rv := r.body["review"].(map[string]any); rv["state"] != "disputed" || rv["dispute"].(map[string]any)["reason"] != "I was quoting the customer" {
		t.Fatalf("dispute: %v", r.body)
	}
	e.call(t, "POST", "/v1/qa/contacts/cv-qa-1/dispute", key, `{"reason":"again"}`).want(t, "second dispute", http.StatusConflict)
	e.call(t, "POST", "/v1/qa/contacts/cv-qa-1/rescore", key, `{"overrides":[{"rule_id":"nope","passed":true}]}`).want(t, "unknown rule", http.StatusBadRequest, "/overrides/0/rule_id")
	r = e.call(t, "POST", "/v1/qa/contacts/cv-qa-1/rescore", key, `{"overrides":[{"rule_id":"forbidden-words","passed":true,"note":"quoting"}],"note":"fair"}`)
	r.want(t, "rescore", http.StatusOK)
	rs := r.body["review"].(map[string]any)["rescore"].(map[string]any)
	if r.body["score"] != auto || r.body["final_score"].(float64) <= auto || rs["score"] != r.body["final_score"] || r.body["review"].(map[string]any)["state"] != "rescored" {
		t.Fatalf("rescore: %v", r.body)
	}
	var inspected []lxevents.ContactInspected
	for _, ev := range e.streamEvents(t) {
		if ev.Type == lxevents.TypeContactInspected && ev.Subject == "cv-qa-1" {
			p, err := lxevents.DataAs[lxevents.ContactInspected](ev)
			if err != nil {
				t.Fatal(err)
			}
			inspected = append(inspected, p)
		}
	}
	if len(inspected) != 2 || inspected[1].Source != lxevents.QAScoredByReview || inspected[1].Score != r.body["final_score"] || inspected[1].Revision != 2 {
		t.Fatalf("contact.inspected events: %+v", inspected)
	}
}

// Agents read and dispute only their own results; supervisors read all and re-score; only admins
// write forms; partners see nothing.
func TestQARoles(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "qaroles")
	partner := e.call(t, "POST", "/v1/api-keys", key, `{"role":"partner"}`).body["key"].(string)
	agentID := e.createUser(t, key, "agent.qa", "agent", pw)
	e.createUser(t, key, "sup.qa", "supervisor", pw)
	agent, sup := e.signIn(t, "qaroles", "agent.qa", pw), e.signIn(t, "qaroles", "sup.qa", pw)
	inspectChat(t, e, "qaroles", "cv-own", agentID)
	inspectChat(t, e, "qaroles", "cv-other", "u-someone-else")

	e.call(t, "GET", "/v1/qa/forms", partner, "").want(t, "partner reads forms", http.StatusForbidden)
	e.call(t, "GET", "/v1/qa/forms", agent, "").want(t, "agent reads forms", http.StatusForbidden)
	e.call(t, "GET", "/v1/qa/forms", sup, "").want(t, "supervisor reads forms", http.StatusOK)
	e.call(t, "PUT", "/v1/qa/forms/cards", sup, qaFormJSON).want(t, "supervisor writes a form", http.StatusForbidden)

	e.call(t, "GET", "/v1/qa/contacts/cv-own", agent, "").want(t, "agent reads own", http.StatusOK)
	e.call(t, "GET", "/v1/qa/contacts/cv-other", agent, "").want(t, "agent reads another's", http.StatusNotFound)
	e.call(t, "GET", "/v1/qa/agents/"+agentID, agent, "").want(t, "agent reads own series", http.StatusOK)
	e.call(t, "GET", "/v1/qa/agents/u-someone-else", agent, "").want(t, "agent reads another's series", http.StatusNotFound)
	e.call(t, "POST", "/v1/qa/contacts/cv-other/dispute", agent, `{"reason":"not mine"}`).want(t, "agent disputes another's", http.StatusNotFound)
	r := e.call(t, "POST", "/v1/qa/contacts/cv-own/dispute", agent, `{"reason":"the customer said it first,\nI repeated it"}`)
	r.want(t, "agent disputes own", http.StatusOK)
	if by := r.body["review"].(map[string]any)["dispute"].(map[string]any)["by"]; by != "user/"+agentID {
		t.Fatalf("the dispute is by %v", by)
	}
	e.call(t, "POST", "/v1/qa/contacts/cv-own/rescore", agent, `{"overrides":[{"rule_id":"closing","passed":true}]}`).want(t, "agent rescores", http.StatusForbidden)
	e.call(t, "POST", "/v1/qa/reviews", agent, `{"sample":1}`).want(t, "agent samples", http.StatusForbidden)
	e.call(t, "GET", "/v1/qa/contacts/cv-other", sup, "").want(t, "supervisor reads any", http.StatusOK)
	r = e.call(t, "POST", "/v1/qa/contacts/cv-own/rescore", sup, `{"overrides":[{"rule_id":"closing","passed":true}]}`)
	r.want(t, "supervisor rescores", http.StatusOK)
	if by := r.body["review"].(map[string]any)["rescore"].(map[string]any)["by"]; !strings.HasPrefix(by.(string), "user/") {
		t.Fatalf("the re-score is by %v", by)
	}
}

// Without the records the routes answer 503.
func TestQAUnconfigured(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "qanone")
	e.api.qa = nil
	e.call(t, "GET", "/v1/qa/forms", key, "").want(t, "no records", http.StatusServiceUnavailable)
}

// qaIsolationCases: tenant A reads, samples, disputes and re-scores nothing of B's, and its forms
// are its own.
func qaIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	inspectChat(t, e, "tenant-b", "cv-b-1", "u-b-agent")
	e.call(t, "PUT", "/v1/qa/forms/b-form", keyB, strings.Replace(qaFormJSON, "Cards desk", "B desk", 1)).want(t, "B's form", http.StatusCreated)
	bResult := func(t *testing.T) string {
		r := e.call(t, "GET", "/v1/qa/contacts/cv-b-1", keyB, "")
		r.want(t, "B's result", http.StatusOK)
		return r.String()
	}
	before := bResult(t)
	return map[string]func(t *testing.T){
		"GET /v1/qa/forms": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/qa/forms", keyA, ""); strings.Contains(r.String(), "B desk") || r.body["active"] != "default" {
				t.Fatalf("A's forms show B's: %v", r.body)
			}
		},
		"GET /v1/qa/forms/{id}": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/qa/forms/b-form", keyA, ""); r.status != http.StatusNotFound && strings.Contains(r.String(), "B desk") {
				t.Fatalf("A reads B's form: %v", r.body)
			}
		},
		"PUT /v1/qa/forms/{id}": func(t *testing.T) {
			e.call(t, "PUT", "/v1/qa/forms/b-form", keyA, strings.Replace(qaFormJSON, `"active":true`, `"active":false`, 1)).want(t, "A's own b-form", http.StatusCreated)
			if r := e.call(t, "GET", "/v1/qa/forms/b-form", keyB, ""); r.body["version"] != float64(1) || r.body["active"] != true || r.body["name"] != "B desk" {
				t.Fatalf("A's put changed B's form: %v", r.body)
			}
		},
		"GET /v1/qa/contacts/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/qa/contacts/cv-b-1", keyA, "").want(t, "B's result", http.StatusNotFound)
		},
		"GET /v1/qa/agents/{id}": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/qa/agents/u-b-agent", keyA, ""); r.body["count"] != float64(0) {
				t.Fatalf("A reads B's agent: %v", r.body)
			}
		},
		"POST /v1/qa/reviews": func(t *testing.T) {
			if r := e.call(t, "POST", "/v1/qa/reviews", keyA, `{"sample":10}`); strings.Contains(r.String(), "cv-b-1") {
				t.Fatalf("A sampled B's contact: %v", r.body)
			}
			if after := bResult(t); after != before {
				t.Fatalf("A's sample changed B's result:\n%s\n%s", before, after)
			}
		},
		"POST /v1/qa/contacts/{id}/dispute": func(t *testing.T) {
			e.call(t, "POST", "/v1/qa/contacts/cv-b-1/dispute", keyA, `{"reason":"x"}`).want(t, "A disputes B's", http.StatusNotFound)
			if after := bResult(t); after != before {
				t.Fatal("A's dispute changed B's result")
			}
		},
		"POST /v1/qa/contacts/{id}/rescore": func(t *testing.T) {
			e.call(t, "POST", "/v1/qa/contacts/cv-b-1/rescore", keyA, `{"overrides":[{"rule_id":"closing","passed":true}]}`).want(t, "A rescores B's", http.StatusNotFound)
			if after := bResult(t); after != before {
				t.Fatal("A's rescore changed B's result")
			}
		},
	}
}

// qaBadInputRoutes are the quality-inspection write routes for the standing bad-input suite.
func qaBadInputRoutes(t *testing.T, e *env, key string) map[string]httpapitest.Route {
	t.Helper()
	inspectChat(t, e, "badinput", "cv-bad-1", "u-bad-agent")
	get := []string{"/v1/qa/forms", "/v1/qa/contacts/cv-bad-1", "/v1/qa/agents/u-bad-agent?from=2020-01-01&to=2100-01-01"}
	return map[string]httpapitest.Route{
		"PUT /v1/qa/forms/{id}":             {Path: "/v1/qa/forms/cards", Body: `{"name":"Cards","rules":[{"id":"rude","kind":"forbidden_phrase","weight":5,"speaker":"agent","phrases":[@]}]}`, Field: "/rules/0/phrases/0", Get: get},
		"POST /v1/qa/reviews":               {Path: "/v1/qa/reviews", Body: `{"sample":1,"agent_id":@}`, Field: "/agent_id", Get: get},
		"POST /v1/qa/contacts/{id}/dispute": {Path: "/v1/qa/contacts/cv-bad-1/dispute", Body: `{"reason":@}`, Field: "/reason", MultiLine: true, Get: get},
		"POST /v1/qa/contacts/{id}/rescore": {Path: "/v1/qa/contacts/cv-bad-1/rescore", Body: `{"overrides":[{"rule_id":"closing","passed":true}],"note":@}`, Field: "/note", MultiLine: true, Get: get},
	}
}

// qaIdemCases: the quality-inspection POSTs under an Idempotency-Key; the contact's result shows
// what each did.
func qaIdemCases(t *testing.T, e *env, key, tenantID string) map[string]humanIdem {
	t.Helper()
	inspectChat(t, e, tenantID, "cv-idem-1", "u-idem-agent")
	inspectChat(t, e, tenantID, "cv-idem-2", "u-idem-agent")
	quiet := "/v1/qa/contacts/cv-idem-1"
	return map[string]humanIdem{
		"POST /v1/qa/reviews": {key: key, path: "/v1/qa/reviews", body: `{"sample":1,"agent_id":"u-idem-agent"}`,
			otherPath: "/v1/qa/reviews", otherBody: `{"sample":2,"agent_id":"u-idem-agent"}`, quiet: "/v1/qa/agents/u-idem-agent?from=2020-01-01&to=2100-01-01"},
		"POST /v1/qa/contacts/{id}/dispute": {key: key, path: "/v1/qa/contacts/cv-idem-1/dispute", body: `{"reason":"quoting"}`,
			otherPath: "/v1/qa/contacts/cv-idem-1/dispute", otherBody: `{"reason":"another reason"}`, quiet: quiet},
		"POST /v1/qa/contacts/{id}/rescore": {key: key, path: "/v1/qa/contacts/cv-idem-2/rescore", body: `{"overrides":[{"rule_id":"closing","passed":true}]}`,
			otherPath: "/v1/qa/contacts/cv-idem-2/rescore", otherBody: `{"overrides":[{"rule_id":"closing","passed":false}]}`},
	}
}
