package handler

import (
	"net/http"
	"strings"
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
)

const cannedBody = `{"title":"Card blocked","text":"I have blocked your card; a new one arrives in 5 days.","language":"en","tags":["cards","lost"]}`

// createCanned makes a canned response and returns its id.
func (e *env) createCanned(t *testing.T, key, body string) string {
	t.Helper()
	r := e.call(t, "POST", "/v1/canned-responses", key, body)
	r.want(t, "create canned response", http.StatusCreated)
	return r.body["id"].(string)
}

func TestCannedResponses(t *testing.T) {
	e, _ := newUsersEnv(t)
	key := e.createTenant(t, "acme")
	e.createUser(t, key, "agent1", "agent", pw)
	agent := e.signIn(t, "acme", "agent1", pw)

	r := e.call(t, "POST", "/v1/canned-responses", key, cannedBody)
	r.want(t, "create", http.StatusCreated)
	id := r.body["id"].(string)
	if r.headers["ETag"] != `"1"` || r.body["title"] != "Card blocked" || r.body["language"] != "en" || len(r.body["tags"].([]any)) != 2 {
		t.Fatalf("create: %v %v", r.body, r.headers)
	}
	e.call(t, "POST", "/v1/canned-responses", key, `{"title":" ","text":"x","language":"fr","tags":["a","A",""]}`).
		want(t, "bad create", http.StatusBadRequest, "/title", "/language", "/tags/1", "/tags/2")
	e.call(t, "POST", "/v1/canned-responses", key, `{"title":"no text"}`).want(t, "no text", http.StatusBadRequest, "/text")
	e.call(t, "POST", "/v1/canned-responses", key, `{"title":"long","text":"`+strings.Repeat("长", 2001)+`"}`).want(t, "long text", http.StatusBadRequest, "/text")
	// Multi-line text is fine in the text, not in the title.
	e.createCanned(t, key, `{"title":"Greeting","text":"您好！\n请问有什么可以帮您？","language":"zh"}`)
	e.call(t, "POST", "/v1/canned-responses", key, `{"title":"two\nlines","text":"x"}`).want(t, "title with a newline", http.StatusBadRequest, "/title")

	// Agents read; only admins write.
	if items := e.call(t, "GET", "/v1/canned-responses", agent, "").items(); len(items) != 2 {
		t.Fatalf("agent lists %v", items)
	}
	e.call(t, "POST", "/v1/canned-responses", agent, cannedBody).want(t, "agent creates", http.StatusForbidden)
	e.call(t, "PATCH", "/v1/canned-responses/"+id, agent, `{"title":"x"}`).want(t, "agent patches", http.StatusForbidden)
	e.call(t, "DELETE", "/v1/canned-responses/"+id, agent, "").want(t, "agent deletes", http.StatusForbidden)

	e.call(t, "PATCH", "/v1/canned-responses/"+id, key, `{"title":"x"}`, "If-Match: 7").problemIs(t, "stale If-Match", http.StatusPreconditionFailed, "precondition-failed")
	p := e.call(t, "PATCH", "/v1/canned-responses/"+id, key, `{"title":"Card blocked, new one sent","tags":[]}`, `If-Match: "1"`)
	p.want(t, "patch", http.StatusOK)
	if p.headers["ETag"] != `"2"` || p.body["title"] != "Card blocked, new one sent" || len(p.body["tags"].([]any)) != 0 || p.body["text"] != r.body["text"] {
		t.Fatalf("patch: %v %v", p.body, p.headers)
	}
	e.call(t, "PATCH", "/v1/canned-responses/cr_AAAAAAAAAAAA", key, `{"title":"x"}`).want(t, "patch unknown", http.StatusNotFound)
	e.call(t, "PATCH", "/v1/canned-responses/not-an-id", key, `{"title":"x"}`).want(t, "patch a bad id", http.StatusNotFound)
	e.call(t, "DELETE", "/v1/canned-responses/"+id, key, "", "If-Match: 1").problemIs(t, "stale delete", http.StatusPreconditionFailed, "precondition-failed")
	e.call(t, "DELETE", "/v1/canned-responses/"+id, key, "").want(t, "delete", http.StatusNoContent)
	e.call(t, "DELETE", "/v1/canned-responses/"+id, key, "").want(t, "deleted again", http.StatusNotFound)

	var changes []string
	for _, ev := range e.streamEvents(t) {
		if ev.Type != lxevents.TypeBotConfigChanged {
			continue
		}
		d, err := lxevents.DataAs[lxevents.BotConfigChanged](ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range d.Changes {
			if c.Kind == lxevents.BotConfigCannedResponse {
				changes = append(changes, string(c.Action))
			}
		}
	}
	if want := "put put put delete"; strings.Join(changes, " ") != want {
		t.Fatalf("canned response changes %q, want %q", changes, want)
	}
}

func TestKnowledgeSearch(t *testing.T) {
	e, _ := newUsersEnv(t)
	key := e.createTenant(t, "acme")
	trainingSet(t, e, key)
	e.call(t, "PUT", "/v1/articles/expired", key, `{"questions":["how do I reset my PIN by post"],"answer":{"en":"Old."},"valid_until":"2020-01-01T00:00:00Z"}`).
		want(t, "expired article", http.StatusCreated)
	e.createUser(t, key, "agent1", "agent", pw)
	agent := e.signIn(t, "acme", "agent1", pw)

	r := e.call(t, "GET", "/v1/knowledge/search?q=PIN", agent, "")
	r.want(t, "search", http.StatusOK)
	items := r.items()
	if len(items) != 1 || items[0]["id"] != "pin-reset" || items[0]["answer"] != "In the app." || r.body["language"] != "en" {
		t.Fatalf("search PIN: %v", r.body)
	}
	if m := items[0]["match"].(float64); m <= 0 || m > 1.01 {
		t.Fatalf("match %v", m)
	}
	// Chinese finds by characters; the answer falls back to the article's only language.
	r = e.call(t, "GET", "/v1/knowledge/search?q=境外手续费", agent, "")
	if items := r.items(); len(items) == 0 || items[0]["id"] != "fees-overseas" || r.body["language"] != "zh" || items[0]["answer"] != "1.5%" {
		t.Fatalf("search zh: %v", r.body)
	}
	// Answers are searched too.
	if items := e.call(t, "GET", "/v1/knowledge/search?q=app&limit=1", key, "").items(); len(items) != 1 || items[0]["id"] != "pin-reset" {
		t.Fatalf("search an answer: %v", items)
	}
	if items := e.call(t, "GET", "/v1/knowledge/search?q=zebra", agent, "").items(); len(items) != 0 {
		t.Fatalf("nothing shares a word: %v", items)
	}
	e.call(t, "GET", "/v1/knowledge/search", agent, "").want(t, "no q", http.StatusBadRequest, "q")
	e.call(t, "GET", "/v1/knowledge/search?q=PIN&limit=21&language=fr", agent, "").want(t, "bad limit and language", http.StatusBadRequest, "limit", "language")
	e.call(t, "GET", "/v1/knowledge/search?q="+strings.Repeat("x", 501), agent, "").want(t, "long q", http.StatusBadRequest, "q")
	e.call(t, "GET", "/v1/knowledge/search?q=PIN", "", "").want(t, "no key", http.StatusUnauthorized)
}

// cannedBadInputRoutes are canned.go's write routes for TestBadInputEveryWriteRoute.
func cannedBadInputRoutes(t *testing.T, e *env, key string) map[string]httpapitest.Route {
	t.Helper()
	id := e.createCanned(t, key, cannedBody)
	get := []string{"/v1/canned-responses"}
	return map[string]httpapitest.Route{
		"POST /v1/canned-responses":        {Path: "/v1/canned-responses", Body: `{"text":"Hello","title":@}`, Field: "/title", Get: get},
		"PATCH /v1/canned-responses/{id}":  {Path: "/v1/canned-responses/" + id, Body: `{"text":@}`, Field: "/text", MultiLine: true, Get: get},
		"DELETE /v1/canned-responses/{id}": {Path: "/v1/canned-responses/" + id, EmptyOK: true, Get: get},
	}
}

// cannedIsolationCases are canned.go's and knowledge.go's routes for TestTenantIsolationEveryRoute.
func cannedIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	idB := e.createCanned(t, keyB, cannedBody)
	e.call(t, "PUT", "/v1/articles/b-zebra", keyB, `{"questions":["zebra crossing fee"],"answer":{"en":"B's answer."}}`).want(t, "B's article", http.StatusCreated)
	listB := func() string { return e.call(t, "GET", "/v1/canned-responses", keyB, "").String() }
	before := listB()
	same := func(t *testing.T) {
		t.Helper()
		if now := listB(); now != before {
			t.Fatalf("B's canned responses changed: %s\nwas %s", now, before)
		}
	}
	return map[string]func(t *testing.T){
		"POST /v1/canned-responses": func(t *testing.T) {
			e.createCanned(t, keyA, cannedBody)
			same(t)
		},
		"GET /v1/canned-responses": func(t *testing.T) {
			for _, it := range e.call(t, "GET", "/v1/canned-responses", keyA, "").items() {
				if it["id"] == idB {
					t.Fatal("A lists B's canned response")
				}
			}
		},
		"PATCH /v1/canned-responses/{id}": func(t *testing.T) {
			e.call(t, "PATCH", "/v1/canned-responses/"+idB, keyA, `{"title":"mine"}`).want(t, "A patches B's", http.StatusNotFound)
			same(t)
		},
		"DELETE /v1/canned-responses/{id}": func(t *testing.T) {
			e.call(t, "DELETE", "/v1/canned-responses/"+idB, keyA, "").want(t, "A deletes B's", http.StatusNotFound)
			same(t)
		},
		"GET /v1/knowledge/search": func(t *testing.T) {
			if items := e.call(t, "GET", "/v1/knowledge/search?q=zebra", keyA, "").items(); len(items) != 0 {
				t.Fatalf("A finds B's articles: %v", items)
			}
		},
	}
}
