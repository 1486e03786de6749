package handler

import (
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
)

// Bad requests get problem JSON with a stable type and field pointers, and change nothing: the
// conversation keeps its version and no event reaches the stream.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	otherKey := e.tenant(t, "globex")
	id := str(e.start(t, key, `{"language":"en"}`)["id"])
	ended := str(e.start(t, key, `{"language":"en"}`)["id"])
	e.must(t, 200, "POST", "/v1/conversations/"+ended+"/end", key, "")
	msgs := "/v1/conversations/" + id + "/messages"
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)

	type tc struct {
		method, path, key, body string
		headers                 map[string]string
		status                  int
		kind                    *httpapi.Kind
		field                   string // a field pointer the problem must list ("-" for none)
	}
	tests := map[string]tc{
		"empty text":                {"POST", msgs, key, `{"text":""}`, nil, 400, httpapi.KindValidation, "/text"},
		"blank text":                {"POST", msgs, key, `{"text":"  \n "}`, nil, 400, httpapi.KindValidation, "/text"},
		"text over 4000 characters": {"POST", msgs, key, `{"text":"` + strings.Repeat("好", 4001) + `"}`, nil, 400, httpapi.KindValidation, "/text"},
		"text of 4000 characters is fine but 100 KB is not": {"POST", msgs, key, `{"text":"` + strings.Repeat("a", 100<<10) + `"}`, nil, 413, httpapi.KindTooLarge, "-"},
		"no input":                           {"POST", msgs, key, `{}`, nil, 400, httpapi.KindValidation, "/text"},
		"two inputs":                         {"POST", msgs, key, `{"text":"hi","dtmf":"1"}`, nil, 400, httpapi.KindValidation, ""},
		"bad dtmf":                           {"POST", msgs, key, `{"dtmf":"12x"}`, nil, 400, httpapi.KindValidation, "/dtmf"},
		"malformed suggestion":               {"POST", msgs, key, `{"suggestion":"Not An Id!"}`, nil, 400, httpapi.KindValidation, "/suggestion"},
		"unknown suggestion":                 {"POST", msgs, key, `{"suggestion":"no_such_intent"}`, nil, 400, httpapi.KindValidation, "/suggestion"},
		"unknown field":                      {"POST", msgs, key, `{"txt":"hi"}`, nil, 400, httpapi.KindValidation, "/txt"},
		"wrong type":                         {"POST", msgs, key, `{"text":5}`, nil, 400, httpapi.KindValidation, "/text"},
		"malformed JSON":                     {"POST", msgs, key, `{"text":`, nil, 400, httpapi.KindMalformed, "-"},
		"not JSON":                           {"POST", msgs, key, `text=hi`, map[string]string{"content-type": "text/plain"}, 415, httpapi.KindMediaType, "-"},
		"no key":                             {"POST", msgs, "", `{"text":"hi"}`, nil, 401, httpapi.KindUnauthenticated, "-"},
		"bad key":                            {"POST", msgs, "lxk_not-a-key", `{"text":"hi"}`, nil, 401, httpapi.KindUnauthenticated, "-"},
		"unknown conversation":               {"POST", "/v1/conversations/cv-nope/messages", key, `{"text":"hi"}`, nil, 404, httpapi.KindNotFound, "-"},
		"another tenant's":                   {"POST", msgs, otherKey, `{"text":"hi"}`, nil, 404, httpapi.KindNotFound, "-"},
		"another tenant's transcript":        {"GET", "/v1/conversations/" + id, otherKey, ``, nil, 404, httpapi.KindNotFound, "-"},
		"another tenant's end":               {"POST", "/v1/conversations/" + id + "/end", otherKey, ``, nil, 404, httpapi.KindNotFound, "-"},
		"ended conversation":                 {"POST", "/v1/conversations/" + ended + "/messages", key, `{"text":"hi"}`, nil, 409, httpapi.KindConflict, "-"},
		"end twice":                          {"POST", "/v1/conversations/" + ended + "/end", key, ``, nil, 409, httpapi.KindConflict, "-"},
		"end with a body":                    {"POST", "/v1/conversations/" + id + "/end", key, `{"why":"x"}`, nil, 400, httpapi.KindValidation, "/why"},
		"start: channel":                     {"POST", "/v1/conversations", key, `{"channel":"sms"}`, nil, 400, httpapi.KindValidation, "/channel"},
		"start: language":                    {"POST", "/v1/conversations", key, `{"language":"fr"}`, nil, 400, httpapi.KindValidation, "/language"},
		"start: attribute name":              {"POST", "/v1/conversations", key, `{"customer":{"attributes":{"Tier/x":"vip"}}}`, nil, 400, httpapi.KindValidation, "/customer/attributes/Tier~1x"},
		"start: attribute type":              {"POST", "/v1/conversations", key, `{"customer":{"attributes":{"tier":1}}}`, nil, 400, httpapi.KindValidation, "/customer/attributes"},
		"start: customer id":                 {"POST", "/v1/conversations", key, `{"customer":{"id":"` + strings.Repeat("x", 129) + `"}}`, nil, 400, httpapi.KindValidation, "/customer/id"},
		"voice: no call id":                  {"POST", "/v1/voice/turns", key, `{"text":"hi"}`, nil, 400, httpapi.KindValidation, "/call_id"},
		"voice: text and dtmf":               {"POST", "/v1/voice/turns", key, `{"call_id":"c1","text":"hi","dtmf":"1"}`, nil, 400, httpapi.KindValidation, "/dtmf"},
		"voice: a chat conversation":         {"POST", "/v1/voice/turns", key, `{"call_id":"c1","conversation_id":"` + id + `","text":"hi"}`, nil, 400, httpapi.KindValidation, "/conversation_id"},
		"voice: unknown conversation":        {"POST", "/v1/voice/turns", key, `{"call_id":"c1","conversation_id":"cv-nope"}`, nil, 404, httpapi.KindNotFound, "-"},
		"event: no time":                     {"POST", "/v1/business-events", key, `{"customer_id":"c1","kind":"payment_failed"}`, nil, 400, httpapi.KindValidation, "/occurred_at"},
		"event: bad time":                    {"POST", "/v1/business-events", key, `{"customer_id":"c1","kind":"payment_failed","occurred_at":"yesterday"}`, nil, 400, httpapi.KindValidation, "/occurred_at"},
		"event: future":                      {"POST", "/v1/business-events", key, `{"customer_id":"c1","kind":"payment_failed","occurred_at":"` + future + `"}`, nil, 400, httpapi.KindValidation, "/occurred_at"},
		"event: kind":                        {"POST", "/v1/business-events", key, `{"customer_id":"c1","kind":"Payment Failed","occurred_at":"2025-06-03T09:13:41Z"}`, nil, 400, httpapi.KindValidation, "/kind"},
		"event: no customer":                 {"POST", "/v1/business-events", key, `{"kind":"payment_failed","occurred_at":"2025-06-03T09:13:41Z"}`, nil, 400, httpapi.KindValidation, "/customer_id"},
		"event: 100 KB":                      {"POST", "/v1/business-events", key, `{"customer_id":"c1","kind":"k","occurred_at":"2025-06-03T09:13:41Z","attributes":{"a":"` + strings.Repeat("a", 100<<10) + `"}}`, nil, 413, httpapi.KindTooLarge, "-"},
		"idempotency key: empty":             {"POST", msgs, key, `{"text":"hi"}`, idemKey(""), 400, httpapi.KindValidation, "header/Idempotency-Key"},
		"idempotency key: 256 characters":    {"POST", msgs, key, `{"text":"hi"}`, idemKey(strings.Repeat("k", 256)), 400, httpapi.KindValidation, "header/Idempotency-Key"},
		"idempotency key: not ASCII":         {"POST", "/v1/conversations", key, `{}`, idemKey("订单-1"), 400, httpapi.KindValidation, "header/Idempotency-Key"},
		"idempotency key: control character": {"POST", "/v1/business-events", key, `{"customer_id":"c1","kind":"k","occurred_at":"2025-06-03T09:13:41Z"}`, idemKey("a\tb"), 400, httpapi.KindValidation, "header/Idempotency-Key"},
	}
	before := e.version(t, "acme", id)
	transcript := e.must(t, 200, "GET", "/v1/conversations/"+id, key, "")
	eventsBefore := len(e.events(t))
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			headers := tc.headers
			if headers == nil {
				headers = map[string]string{"content-type": "application/json"}
			}
			r := e.doWith(t, tc.method, tc.path, tc.key, tc.body, headers)
			if r.code != tc.status || r.body["type"] != tc.kind.TypeURI() || r.body["status"] != float64(tc.status) {
				t.Fatalf("%d %s, want %d %s", r.code, r.raw, tc.status, tc.kind.TypeURI())
			}
			if tc.field != "-" {
				found := false
				for _, f := range list(r.body["errors"]) {
					found = found || obj(f)["field"] == tc.field
				}
				if !found {
					t.Fatalf("problem %s does not point at %q", r.raw, tc.field)
				}
			}
			if strings.Contains(r.raw, "dynamodb") || strings.Contains(r.raw, "T#") {
				t.Fatalf("problem leaks internals: %s", r.raw)
			}
		})
	}
	// A turn that keeps losing its race is refused (409) and leaves nothing behind either.
	e.commit.conflicts.Store(100)
	if r := e.do(t, "POST", msgs, key, `{"text":"what is my balance"}`); r.code != 409 || r.body["type"] != httpapi.KindConflict.TypeURI() {
		t.Fatalf("busy conversation: %d %s", r.code, r.raw)
	}
	e.commit.conflicts.Store(0)

	if after := e.version(t, "acme", id); after != before {
		t.Fatalf("conversation went from version %s to %s", before, after)
	}
	if again := e.must(t, 200, "GET", "/v1/conversations/"+id, key, ""); len(list(again["messages"])) != len(list(transcript["messages"])) {
		t.Fatalf("transcript changed: %v", again)
	}
	if n := len(e.events(t)); n != eventsBefore {
		t.Fatalf("bad requests emitted %d events", n-eventsBefore)
	}
	if e.version(t, "globex", id) != "0" {
		t.Fatal("another tenant's request created the conversation in its own partition")
	}
}

// Regression (issue 7, defects 4 and 5): invalid UTF-8 and lone surrogates were stored as U+FFFD,
// NUL and other control characters as they came, and a null body started a conversation. Each is
// a 4xx problem at its field, and nothing changes.
func TestChatTextHygiene(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "hygiene")
	id := str(e.start(t, key, `{"language":"en"}`)["id"])
	msgs := "/v1/conversations/" + id + "/messages"
	tests := map[string]struct {
		path, body, ct string
		status         int
		kind           *httpapi.Kind
		field          string // "-" for none
	}{
		"text: NUL":                  {msgs, `{"text":"hi\u0000there"}`, "", 400, httpapi.KindValidation, "/text"},
		"text: invalid UTF-8":        {msgs, "{\"text\":\"hi \xff\"}", "", 400, httpapi.KindValidation, "/text"},
		"text: lone surrogate":       {msgs, `{"text":"hi \ud800"}`, "", 400, httpapi.KindValidation, "/text"},
		"text: escape character":     {msgs, `{"text":"\u001b[2J"}`, "", 400, httpapi.KindValidation, "/text"},
		"voice: NUL":                 {"/v1/voice/turns", `{"call_id":"c1","text":"\u0000"}`, "", 400, httpapi.KindValidation, "/text"},
		"start: customer id newline": {"/v1/conversations", `{"customer":{"id":"a\nb"}}`, "", 400, httpapi.KindValidation, "/customer/id"},
		"start: attribute NUL":       {"/v1/conversations", `{"customer":{"attributes":{"tier":"v\u0000"}}}`, "", 400, httpapi.KindValidation, "/customer/attributes/tier"},
		"start: null":                {"/v1/conversations", `null`, "", 400, httpapi.KindValidation, "-"},
		"event: attribute surrogate": {"/v1/business-events", `{"customer_id":"c1","kind":"k","occurred_at":"2025-06-03T09:13:41Z","attributes":{"a":"\udc00"}}`, "", 400, httpapi.KindValidation, "/attributes/a"},
		"end with garbage":           {"/v1/conversations/" + id + "/end", strings.Repeat("garbage!", 4<<10), "", 400, httpapi.KindMalformed, "-"},
		"end with text":              {"/v1/conversations/" + id + "/end", "bye", "text/plain", 415, httpapi.KindMediaType, "-"},
	}
	before := e.version(t, "hygiene", id)
	eventsBefore := len(e.events(t))
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ct := tc.ct
			if ct == "" {
				ct = "application/json"
			}
			r := e.doWith(t, "POST", tc.path, key, tc.body, map[string]string{"content-type": ct})
			if r.code != tc.status || r.body["type"] != tc.kind.TypeURI() {
				t.Fatalf("%d %s, want %d %s", r.code, r.raw, tc.status, tc.kind.TypeURI())
			}
			if tc.field != "-" {
				found := false
				for _, f := range list(r.body["errors"]) {
					found = found || obj(f)["field"] == tc.field
				}
				if !found {
					t.Fatalf("problem %s does not point at %q", r.raw, tc.field)
				}
			}
		})
	}
	if after := e.version(t, "hygiene", id); after != before {
		t.Fatalf("conversation went from version %s to %s", before, after)
	}
	if n := len(e.events(t)); n != eventsBefore {
		t.Fatalf("bad requests emitted %d events", n-eventsBefore)
	}
}

// Messages are multi-line text: line breaks and tabs pass (issue 7, defect 5 refuses them only in
// one-line fields).
func TestMultiLineMessage(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "multiline")
	id := str(e.start(t, key, `{"language":"en"}`)["id"])
	e.must(t, 200, "POST", "/v1/conversations/"+id+"/messages", key, `{"text":"my card\nwas stolen\tyesterday"}`)
	found := false
	for _, m := range list(e.must(t, 200, "GET", "/v1/conversations/"+id, key, "")["messages"]) {
		found = found || str(obj(m)["text"]) == "my card\nwas stolen\tyesterday"
	}
	if !found {
		t.Fatal("the multi-line message is not in the transcript as sent")
	}
}
