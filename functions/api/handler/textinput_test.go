package handler

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/httpapi"
)

// Regression (issue 7, defect 4): POST /v1/bot/webhook-secret rotated the secret whatever the
// body (malformed JSON, 1 MB of garbage, text/plain). It takes no body: none, or {}.
func TestWebhookSecretRefusesBodies(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "secret-body")
	version := func() any { return e.call(t, "GET", "/v1/bot/settings", key, "").body["version"] }
	refused := map[string]struct {
		body, ct string
		status   int
	}{
		"malformed JSON":  {`{"rotate":`, "application/json", http.StatusBadRequest},
		"1 MB of garbage": {strings.Repeat("garbage!", 1<<20/8), "application/json", http.StatusBadRequest},
		"2 MB of garbage": {strings.Repeat("garbage!", 2<<20/8), "application/json", http.StatusRequestEntityTooLarge},
		"text/plain":      {"rotate please", "text/plain", http.StatusUnsupportedMediaType},
		"a member":        {`{"secret":"mine"}`, "application/json", http.StatusBadRequest},
	}
	for name, tc := range refused {
		e.call(t, "POST", "/v1/bot/webhook-secret", key, tc.body, "Content-Type: "+tc.ct).want(t, name, tc.status)
	}
	if v := version(); v != 0.0 {
		t.Fatalf("refused requests rotated the secret: settings at version %v", v)
	}
	// No body (any content type, as curl -X POST or -d '' sends) or {} rotates.
	e.call(t, "POST", "/v1/bot/webhook-secret", key, "").want(t, "no body", http.StatusOK)
	e.call(t, "POST", "/v1/bot/webhook-secret", key, "", "Content-Type: application/x-www-form-urlencoded").want(t, "curl -d ''", http.StatusOK)
	e.call(t, "POST", "/v1/bot/webhook-secret", key, "{}").want(t, "empty object", http.StatusOK)
	if v := version(); v != 3.0 {
		t.Fatalf("settings at version %v after three rotations", v)
	}
}

// Regression (issue 7, defect 5): invalid UTF-8 was stored as U+FFFD (a tenant, an intent, then
// answers of "�(") and NUL and other control characters were stored. Each is a 400 validation
// problem at its field; newline and tab pass in multi-line text only.
func TestTextHygiene(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "hygiene")
	tests := map[string]struct {
		method, path, body string
		field              string
	}{
		"tenant name, invalid UTF-8":      {"POST", "/v1/tenants", "{\"id\":\"bad-utf8\",\"name\":\"Acme \xe4\xbd(\"}", "/name"},
		"tenant name, lone surrogate":     {"POST", "/v1/tenants", `{"id":"bad-utf8","name":"Acme \ud800"}`, "/name"},
		"tenant name, newline":            {"POST", "/v1/tenants", `{"id":"bad-utf8","name":"Acme\nCorp"}`, "/name"},
		"example, invalid UTF-8":          {"PUT", "/v1/intents/x", "{\"examples\":[\"a\",\"b\",\"c\",\"lost \xff card\"]}", "/examples/3"},
		"example, NUL":                    {"PUT", "/v1/intents/x", `{"examples":["a","b","c","lost\u0000card"]}`, "/examples/3"},
		"example, tab":                    {"PUT", "/v1/intents/x", `{"examples":["lost\tcard"]}`, "/examples/0"},
		"answer, escape character":        {"PUT", "/v1/intents/x", `{"examples":["a"],"answer":{"en":"\u001b[2J"}}`, "/answer/en"},
		"answer language, NUL":            {"PUT", "/v1/intents/x", `{"examples":["a"],"answer":{"e\u0000":"hi"}}`, "/answer/e\x00"},
		"article answer, C1 control":      {"PUT", "/v1/articles/x", `{"questions":["q"],"answer":{"zh":"好\u0085"}}`, "/answer/zh"},
		"article tag, DEL":                {"PUT", "/v1/articles/x", "{\"questions\":[\"q\"],\"answer\":{\"en\":\"a\"},\"tags\":[\"a\x7f\"]}", "/tags/0"},
		"settings rule value, NUL":        {"PUT", "/v1/bot/settings", `{"handoff_rules":[{"attribute":"tier","values":["v\u0000"],"queue":"vip"}]}`, "/handoff_rules/0/values/0"},
		"import example, lone surrogate":  {"POST", "/v1/import", `{"intents":[{"id":"a","examples":["ok","\udc00"]}]}`, "/intents/0/examples/1"},
		"key name, NUL":                   {"POST", "/v1/api-keys", `{"role":"partner","name":"crm\u0000"}`, "/name"},
		"flow prompt, NUL":                {"PUT", "/v1/flows/f", `{"id":"f","steps":[{"id":"done","kind":"end","outcome":"resolved","text":{"en":"bye\u0000","zh":"再见"}}]}`, "/steps/0/text/en"},
		"flow prompt, invalid UTF-8":      {"PUT", "/v1/flows/f", "{\"id\":\"f\",\"steps\":[{\"id\":\"done\",\"kind\":\"end\",\"outcome\":\"resolved\",\"text\":{\"en\":\"bye \xff\",\"zh\":\"再见\"}}]}", "/steps/0/text/en"},
		"flow step id, newline":           {"PUT", "/v1/flows/f", `{"id":"f","steps":[{"id":"done\n","kind":"end","outcome":"resolved","text":{"en":"bye","zh":"再见"}}]}`, "/steps/0/id"},
		"flow queue, lone high surrogate": {"PUT", "/v1/flows/f", `{"id":"f","steps":[{"id":"done","kind":"end","outcome":"handoff","queue":"q\ud83d","text":{"en":"bye","zh":"再见"}}]}`, "/steps/0/queue"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k := key
			if tc.path == "/v1/tenants" {
				k = adminKey
			}
			r := e.call(t, tc.method, tc.path, k, tc.body)
			r.want(t, name, http.StatusBadRequest, tc.field)
			if r.body["type"] != httpapi.KindValidation.TypeURI() {
				t.Fatalf("problem type %v", r.body["type"])
			}
		})
	}
	// Multi-line text keeps its line breaks and tabs.
	r := e.call(t, "PUT", "/v1/articles/multi", key, `{"questions":["how do I pay?"],"answer":{"en":"Two ways:\n\t1. card\r\n\t2. transfer"},"channel_answers":{"voice":{"en":"By card\nor transfer"}}}`)
	r.want(t, "multi-line answer", http.StatusCreated)
	if got := r.body["answer"].(map[string]any)["en"]; got != "Two ways:\n\t1. card\r\n\t2. transfer" {
		t.Fatalf("answer stored as %q", got)
	}
	e.call(t, "PUT", "/v1/bot/settings", key, `{"greeting":{"en":"Hello!\nHow can I help?"}}`).want(t, "multi-line greeting", http.StatusOK)
	// A real surrogate pair is fine.
	e.call(t, "PUT", "/v1/intents/emoji", key, `{"examples":["card \ud83d\udcb3 lost"]}`).want(t, "emoji", http.StatusCreated)
	if n := len(e.call(t, "GET", "/v1/intents", key, "").items()); n != 1 {
		t.Fatalf("%d intents; only the emoji one was valid", n)
	}
}

// Regression (issue 7, defect 5, CSV): the CSV import refused a body that was not UTF-8 as a whole
// without saying where, and stored control characters. Each bad cell is reported at its row and
// column; answers may hold line breaks (quoted cells), examples may not.
func TestImportCSVTextHygiene(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "csv-hygiene")
	bad := "type,id,text,answer_en,description\n" +
		"intent,refund,I want a refund,Sure.,\n" + // row 2: fine
		"intent,refund,money \xff back,,\n" + // row 3: invalid UTF-8 in text
		"intent,hours,\"when\nopen\",,\n" + // row 4: a line break in an example
		"intent,hours,opening hours,\"We open at 9.\x00\",\n" + // row 5: NUL in an answer
		"intent,fees,fees?,,\"about \x1b[31m fees\"\n" + // row 6: escape character in a description
		"article,pin,reset pin,\"Open the app.\nTap PIN.\",\n" // row 7: a multi-line answer is fine
	r := e.call(t, "POST", "/v1/import", key, bad, "Content-Type: text/csv")
	r.want(t, "bad cells", http.StatusBadRequest, "/rows/3/text", "/rows/4/text", "/rows/5/answer_en", "/rows/6/description")
	for _, f := range r.errFields() {
		if strings.HasPrefix(f, "/rows/7") || strings.HasPrefix(f, "/rows/2") {
			t.Fatalf("a good row was blamed: %v", r.body)
		}
	}
	e.call(t, "POST", "/v1/import", key, "type,id,te\xffxt\n", "Content-Type: text/csv").want(t, "bad header", http.StatusBadRequest, "/rows/1")
	if n := len(e.call(t, "GET", "/v1/intents", key, "").items()); n != 0 {
		t.Fatalf("rejected CSV imports wrote %d intents", n)
	}
	good := "type,id,text,answer_en\narticle,pin,reset pin,\"Open the app.\nTap PIN.\"\n"
	e.call(t, "POST", "/v1/import", key, good, "Content-Type: text/csv").want(t, "multi-line answer", http.StatusOK)
	if got := e.call(t, "GET", "/v1/articles/pin", key, "").body["answer"].(map[string]any)["en"]; got != "Open the app.\nTap PIN." {
		t.Fatalf("answer %q", got)
	}
}

// Regression (issue 7, defect 6): a flow body that is not JSON came back as "validation" with the
// Go decoder's text; it is "malformed-body", like every other route, in our words.
func TestFlowMalformedBody(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "flow-malformed")
	for name, body := range map[string]string{
		"ends early":    `{"id":"f","steps":[`,
		"bad character": `{"id":x}`,
		"bare word":     `flow`,
		"two values":    `{"id":"f"} {"id":"g"}`,
	} {
		r := e.call(t, "PUT", "/v1/flows/f", key, body)
		r.want(t, name, http.StatusBadRequest)
		detail, _ := r.body["detail"].(string)
		if r.body["type"] != httpapi.KindMalformed.TypeURI() {
			t.Fatalf("%s: problem %v, want malformed-body", name, r.body)
		}
		if strings.Contains(detail, "invalid character") || strings.Contains(detail, "json") || strings.Contains(detail, "looking for") {
			t.Fatalf("%s: decoder text reached the caller: %q", name, detail)
		}
	}
}
