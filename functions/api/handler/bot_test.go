package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/openapi/openapitest"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// response is one answer of the handler.
type response struct {
	status  int
	body    map[string]any
	headers map[string]string
}

// errField returns the field of the i-th error of a problem, "" if there is none.
func (r response) errFields() []string {
	var out []string
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

func (r response) items() []map[string]any {
	var out []map[string]any
	list, _ := r.body["items"].([]any)
	for _, it := range list {
		out = append(out, it.(map[string]any))
	}
	return out
}

// call sends one request through the Lambda handler the way API Gateway would, with extra headers
// ("If-Match: 3", "Content-Type: text/csv").
func (e *env) call(t *testing.T, method, path, key, body string, headers ...string) response {
	t.Helper()
	return e.callCtx(t, context.Background(), method, path, key, body, headers...)
}

// callCtx is call with a context.
func (e *env) callCtx(t *testing.T, ctx context.Context, method, path, key, body string, headers ...string) response {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		RawPath: path,
		Headers: map[string]string{"content-type": "application/json"},
		Body:    body,
	}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.Path = path
	if key != "" {
		req.Headers["authorization"] = "Bearer " + key
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Headers[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
	}
	if ip := req.Headers[sourceIPHeader]; ip != "" { // API Gateway's requestContext.http.sourceIp
		req.RequestContext.HTTP.SourceIP = ip
		delete(req.Headers, sourceIPHeader)
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		req.RawPath = path[:i]
		req.QueryStringParameters = map[string]string{}
		for _, kv := range strings.Split(path[i+1:], "&") {
			k, v, _ := strings.Cut(kv, "=")
			req.QueryStringParameters[k] = v
		}
	}
	resp, err := e.api.Handle(ctx, req)
	if err != nil {
		t.Fatalf("%s %s: handler error %v", method, path, err)
	}
	openapitest.Check(t, req, resp)
	out := response{status: resp.StatusCode, headers: resp.Headers}
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &out.body); err != nil {
			t.Fatalf("%s %s: body %q is not a JSON object", method, path, resp.Body)
		}
	}
	if resp.StatusCode >= 400 && resp.Headers["Content-Type"] != "application/problem+json" {
		t.Fatalf("%s %s: error without problem JSON: %d %v", method, path, resp.StatusCode, resp.Headers)
	}
	return out
}

// want fails t unless r has status (and, for problems, points at every field in fields).
func (r response) want(t *testing.T, what string, status int, fields ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %v", what, r.status, status, r.body)
	}
	got := r.errFields()
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Fatalf("%s: errors %v do not point at %s", what, r.body["errors"], f)
		}
	}
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// configEvents returns the changes of every bot.config.changed event on the stream, and the other
// events' types.
func (e *env) configEvents(t *testing.T, tenantID string) (changes []lxevents.BotConfigChange, types []string) {
	t.Helper()
	for _, ev := range e.streamEvents(t) {
		if ev.Tenant != tenantID {
			continue
		}
		types = append(types, ev.Type)
		if ev.Type != lxevents.TypeBotConfigChanged {
			continue
		}
		data, err := lxevents.DataAs[lxevents.BotConfigChanged](ev)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, data.Changes...)
	}
	return changes, types
}

const cardLost = `{"description":"Customer lost a card","examples":["I lost my card","my card was stolen","我的卡丢了"],
	"answer":{"en":"I'll block it.","zh":"我来帮您挂失。"},"queue":"cards"}`

func TestIntents(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "intents")

	r := e.call(t, "PUT", "/v1/intents/card_lost", key, cardLost)
	r.want(t, "create", http.StatusCreated)
	if r.body["version"] != 1.0 || r.headers["ETag"] != `"1"` || r.body["id"] != "card_lost" || r.body["queue"] != "cards" {
		t.Fatalf("create: %v %v", r.body, r.headers)
	}
	r = e.call(t, "GET", "/v1/intents/card_lost", key, "")
	r.want(t, "get", http.StatusOK)
	if ex := r.body["examples"].([]any); len(ex) != 3 || ex[2] != "我的卡丢了" || r.headers["ETag"] != `"1"` {
		t.Fatalf("get: %v", r.body)
	}

	// Optimistic concurrency: replace at version 1, then a stale writer gets 412 and changes nothing.
	replaced := strings.Replace(cardLost, `"queue":"cards"`, `"queue":"cards-vip"`, 1)
	r = e.call(t, "PUT", "/v1/intents/card_lost", key, replaced, `If-Match: "1"`)
	r.want(t, "replace at 1", http.StatusOK)
	if r.body["version"] != 2.0 || r.headers["ETag"] != `"2"` {
		t.Fatalf("replace: %v", r.body)
	}
	e.call(t, "PUT", "/v1/intents/card_lost", key, cardLost, `If-Match: "1"`).want(t, "stale If-Match", http.StatusPreconditionFailed)
	e.call(t, "PUT", "/v1/intents/card_lost", key, cardLost, "If-None-Match: *").want(t, "create-only on existing", http.StatusPreconditionFailed)
	e.call(t, "PUT", "/v1/intents/nope", key, cardLost, "If-Match: 4").want(t, "If-Match on absent", http.StatusPreconditionFailed)
	e.call(t, "DELETE", "/v1/intents/card_lost", key, "", "If-Match: 1").want(t, "stale delete", http.StatusPreconditionFailed)
	if r := e.call(t, "GET", "/v1/intents/card_lost", key, ""); r.body["queue"] != "cards-vip" || r.body["version"] != 2.0 {
		t.Fatalf("a refused write changed the intent: %v", r.body)
	}

	// Without If-Match, PUT replaces whatever is there.
	e.call(t, "PUT", "/v1/intents/balance", key, `{"examples":["what's my balance","余额多少"]}`).want(t, "second", http.StatusCreated)
	e.call(t, "PUT", "/v1/intents/balance", key, `{"examples":["what's my balance","how much money do I have"]}`).want(t, "overwrite", http.StatusOK)

	r = e.call(t, "GET", "/v1/intents", key, "")
	r.want(t, "list", http.StatusOK)
	items := r.items()
	if len(items) != 2 || items[0]["id"] != "balance" || items[0]["example_count"] != 2.0 || items[1]["version"] != 2.0 {
		t.Fatalf("list: %v", items)
	}
	if _, ok := items[0]["examples"]; ok {
		t.Fatal("the listing carries whole example lists")
	}
	r = e.call(t, "GET", "/v1/intents?limit=1", key, "")
	if len(r.items()) != 1 || r.body["next_cursor"] == "" {
		t.Fatalf("page of one: %v", r.body)
	}
	r = e.call(t, "GET", "/v1/intents?limit=1&cursor="+r.body["next_cursor"].(string), key, "")
	if len(r.items()) != 1 || r.items()[0]["id"] != "card_lost" {
		t.Fatalf("second page: %v", r.body)
	}

	e.call(t, "DELETE", "/v1/intents/card_lost", key, "", `If-Match: "2"`).want(t, "delete", http.StatusNoContent)
	e.call(t, "GET", "/v1/intents/card_lost", key, "").want(t, "get deleted", http.StatusNotFound)
	e.call(t, "DELETE", "/v1/intents/card_lost", key, "").want(t, "delete again", http.StatusNotFound)

	changes, _ := e.configEvents(t, "intents")
	var got []string
	for _, c := range changes {
		got = append(got, fmt.Sprintf("%s %s %s %d", c.Kind, c.ID, c.Action, c.Version))
	}
	want := []string{"intent card_lost put 1", "intent card_lost put 2", "intent balance put 1", "intent balance put 2", "intent card_lost delete 0"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// Every rejected write names the field at fault and changes nothing; partner keys are refused.
func TestBotConfigBadInput(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "strict-bot")
	_, partner := e.do(t, "POST", "/v1/api-keys", key, `{"role":"partner"}`)
	partnerKey := partner["key"].(string)
	e.call(t, "PUT", "/v1/intents/existing", key, `{"examples":["a thing","another thing"]}`).want(t, "setup", http.StatusCreated)
	e.call(t, "PUT", "/v1/articles/existing", key, `{"questions":["q?"],"answer":{"en":"a"}}`).want(t, "setup", http.StatusCreated)
	long := strings.Repeat("长", botconfig.MaxUtteranceLen+1)
	tests := map[string]struct {
		method, path, body string
		headers            []string
		status             int
		fields             []string
	}{
		"empty example":       {"PUT", "/v1/intents/x", `{"examples":["a","b","c","  "]}`, nil, 400, []string{"/examples/3"}},
		"every bad example":   {"PUT", "/v1/intents/x", `{"examples":["a","","A ","` + long + `"]}`, nil, 400, []string{"/examples/1", "/examples/2", "/examples/3"}},
		"no examples":         {"PUT", "/v1/intents/x", `{"examples":[]}`, nil, 400, []string{"/examples"}},
		"unknown field":       {"PUT", "/v1/intents/x", `{"examples":["a"],"tenant":"other"}`, nil, 400, []string{"/tenant"}},
		"id in body":          {"PUT", "/v1/intents/x", `{"id":"y","examples":["a"]}`, nil, 400, []string{"/id"}},
		"wrong type":          {"PUT", "/v1/intents/x", `{"examples":"a"}`, nil, 400, []string{"/examples"}},
		"bad path id":         {"PUT", "/v1/intents/Not%20Valid", `{"examples":["a"]}`, nil, 400, []string{"id"}},
		"unknown language":    {"PUT", "/v1/intents/x", `{"examples":["a"],"answer":{"fr":"bonjour"}}`, nil, 400, []string{"/answer/fr"}},
		"long answer":         {"PUT", "/v1/intents/x", `{"examples":["a"],"answer":{"en":"` + strings.Repeat("x", 2001) + `"}}`, nil, 400, []string{"/answer/en"}},
		"missing flow":        {"PUT", "/v1/intents/x", `{"examples":["a"],"flow":"nowhere"}`, nil, 400, []string{"/flow"}},
		"bad queue":           {"PUT", "/v1/intents/x", `{"examples":["a"],"queue":"Bad Queue"}`, nil, 400, []string{"/queue"}},
		"oos with answer":     {"PUT", "/v1/intents/oos", `{"examples":["weather"],"answer":{"en":"no"}}`, nil, 400, []string{"/answer"}},
		"bad If-Match":        {"PUT", "/v1/intents/x", `{"examples":["a"]}`, []string{"If-Match: soon"}, 400, []string{"If-Match"}},
		"not JSON":            {"PUT", "/v1/intents/x", `{"examples":`, nil, 400, nil},
		"partner key":         {"PUT", "/v1/intents/x", `{"examples":["a"]}`, []string{"Authorization: Bearer " + partnerKey}, 403, nil},
		"no questions":        {"PUT", "/v1/articles/x", `{"answer":{"en":"a"}}`, nil, 400, []string{"/questions"}},
		"no answer":           {"PUT", "/v1/articles/x", `{"questions":["q"]}`, nil, 400, []string{"/answer"}},
		"bad time":            {"PUT", "/v1/articles/x", `{"questions":["q"],"answer":{"en":"a"},"valid_from":"next week"}`, nil, 400, []string{"/valid_from"}},
		"period backwards":    {"PUT", "/v1/articles/x", `{"questions":["q"],"answer":{"en":"a"},"valid_from":"2025-07-01","valid_until":"2025-06-01T00:00:00Z"}`, nil, 400, []string{"/valid_until"}},
		"unknown channel":     {"PUT", "/v1/articles/x", `{"questions":["q"],"answer":{"en":"a"},"channel_answers":{"sms":{"en":"a"}}}`, nil, 400, []string{"/channel_answers/sms"}},
		"empty voice answer":  {"PUT", "/v1/articles/x", `{"questions":["q"],"answer":{"en":"a"},"channel_answers":{"voice":{"en":""}}}`, nil, 400, []string{"/channel_answers/voice/en"}},
		"bad tag":             {"PUT", "/v1/articles/x", `{"questions":["q"],"answer":{"en":"a"},"tags":["ok","not ok"]}`, nil, 400, []string{"/tags/1"}},
		"bad tag filter":      {"GET", "/v1/articles?tag=a%20b", "", nil, 400, []string{"tag"}},
		"bad limit":           {"GET", "/v1/intents?limit=1000", "", nil, 400, []string{"limit"}},
		"forged cursor":       {"GET", "/v1/articles?cursor=Zm9yZ2Vk", "", nil, 400, []string{"cursor"}},
		"settings queue":      {"PUT", "/v1/bot/settings", `{"handoff_rules":[{"attribute":"tier","values":["vip"]}]}`, nil, 400, []string{"/handoff_rules/0/queue"}},
		"settings host":       {"PUT", "/v1/bot/settings", `{"webhook_hosts":["api.example.com","https://x.example.com/path"]}`, nil, 400, []string{"/webhook_hosts/1"}},
		"settings turns":      {"PUT", "/v1/bot/settings", `{"low_confidence_turns":-1}`, nil, 400, []string{"/low_confidence_turns"}},
		"settings idle":       {"PUT", "/v1/bot/settings", `{"idle_timeout_seconds":30}`, nil, 400, []string{"/idle_timeout_seconds"}},
		"settings secret":     {"PUT", "/v1/bot/settings", `{"webhook_secret":"mine"}`, nil, 400, []string{"/webhook_secret"}},
		"settings greeting":   {"PUT", "/v1/bot/settings", `{"greeting":{"en":""}}`, nil, 400, []string{"/greeting/en"}},
		"settings menu":       {"PUT", "/v1/bot/settings", `{"voice_menu":[{"digit":"1","intent":"existing"},{"digit":"0","intent":"existing"},{"digit":"1","intent":"nowhere"},{"digit":"12","intent":"Bad Id"}]}`, nil, 400, []string{"/voice_menu/1/digit", "/voice_menu/2/digit", "/voice_menu/3/digit", "/voice_menu/3/intent", "/voice_menu/2/intent"}},
		"settings menu size":  {"PUT", "/v1/bot/settings", `{"voice_menu":[` + strings.TrimSuffix(strings.Repeat(`{"digit":"1","intent":"existing"},`, 10), ",") + `]}`, nil, 400, []string{"/voice_menu"}},
		"unknown intent":      {"GET", "/v1/intents/missing", "", nil, 404, nil},
		"invalid intent id":   {"GET", "/v1/intents/UPPER", "", nil, 404, nil},
		"unknown model":       {"POST", "/v1/nlu/models/20250101T000000.000Z-abcdef/activate", "", nil, 404, nil},
		"malformed version":   {"GET", "/v1/nlu/models/latest", "", nil, 404, nil},
		"no active model":     {"GET", "/v1/nlu/active", "", nil, 404, nil},
		"delete precondition": {"DELETE", "/v1/articles/existing", "", []string{"If-None-Match: *"}, 400, []string{"If-None-Match"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k := key
			var headers []string
			for _, h := range tc.headers {
				if v, ok := strings.CutPrefix(h, "Authorization: Bearer "); ok {
					k = v
					continue
				}
				headers = append(headers, h)
			}
			r := e.call(t, tc.method, tc.path, k, tc.body, headers...)
			r.want(t, name, tc.status, tc.fields...)
		})
	}
	// Nothing above changed anything: the two setup items, at version 1, and no settings.
	for _, path := range []string{"/v1/intents", "/v1/articles"} {
		if items := e.call(t, "GET", path, key, "").items(); len(items) != 1 || items[0]["version"] != 1.0 {
			t.Fatalf("%s after bad input: %v", path, items)
		}
	}
	if r := e.call(t, "GET", "/v1/bot/settings", key, ""); r.body["version"] != 0.0 {
		t.Fatalf("settings after bad input: %v", r.body)
	}
	changes, _ := e.configEvents(t, "strict-bot")
	if len(changes) != 2 {
		t.Fatalf("%d config changes after bad input, want the 2 setup writes", len(changes))
	}
}

func TestArticles(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "kb")
	body := `{"questions":["What are the fees for overseas payments?","境外消费手续费是多少"],
		"answer":{"en":"1.5% of the amount.","zh":"交易金额的1.5%。"},
		"channel_answers":{"voice":{"en":"One and a half percent.","zh":"百分之一点五。"}},
		"valid_from":"2025-01-01","valid_until":"2026-01-01T00:00:00+08:00","tags":["fees","信用卡"]}`
	r := e.call(t, "PUT", "/v1/articles/fees-overseas", key, body)
	r.want(t, "create", http.StatusCreated)
	r = e.call(t, "GET", "/v1/articles/fees-overseas", key, "")
	r.want(t, "get", http.StatusOK)
	if r.body["valid_from"] != "2025-01-01T00:00:00Z" || r.body["valid_until"] != "2025-12-31T16:00:00Z" {
		t.Fatalf("validity in UTC: %v %v", r.body["valid_from"], r.body["valid_until"])
	}
	if v := r.body["channel_answers"].(map[string]any)["voice"].(map[string]any)["zh"]; v != "百分之一点五。" {
		t.Fatalf("voice answer %v", v)
	}
	for i := range 5 {
		tags := `["cards"]`
		if i%2 == 0 {
			tags = `["fees","cards"]`
		}
		e.call(t, "PUT", fmt.Sprintf("/v1/articles/a%d", i), key, fmt.Sprintf(`{"questions":["q%d"],"answer":{"en":"a"},"tags":%s}`, i, tags)).
			want(t, "create", http.StatusCreated)
	}
	// The tag filter with pages of two: every page full until the last, nothing missed.
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		r := e.call(t, "GET", "/v1/articles?tag=fees&limit=2&cursor="+cursor, key, "")
		r.want(t, "page", http.StatusOK)
		for _, it := range r.items() {
			seen = append(seen, it["id"].(string))
		}
		cursor, _ = r.body["next_cursor"].(string)
		if cursor == "" {
			break
		}
		if len(r.items()) != 2 {
			t.Fatalf("a middle page of a filtered listing holds %d items", len(r.items()))
		}
	}
	if want := []string{"a0", "a2", "a4", "fees-overseas"}; !slices.Equal(seen, want) {
		t.Fatalf("tag fees: %v, want %v", seen, want)
	}
	r = e.call(t, "GET", "/v1/articles?tag=信用卡", key, "")
	if items := r.items(); len(items) != 1 || items[0]["question"] != "What are the fees for overseas payments?" || items[0]["question_count"] != 2.0 {
		t.Fatalf("tag 信用卡: %v", r.body)
	}
	e.call(t, "DELETE", "/v1/articles/a1", key, "").want(t, "delete", http.StatusNoContent)
	if n := len(e.call(t, "GET", "/v1/articles", key, "").items()); n != 5 {
		t.Fatalf("%d articles after delete", n)
	}
}

const greetFlow = `{"id":"verify","on_fail":"agent","steps":[
  {"id":"ask","kind":"ask","slot":{"name":"phone","type":"phone"},"prompt":{"en":"Your phone?","zh":"您的手机号？"},"next":"check"},
  {"id":"check","kind":"webhook","url":"https://api.acme.example/verify","slots":["phone"],"on_success":"done","on_failure":"agent"},
  {"id":"done","kind":"end","outcome":"resolved","text":{"en":"Verified.","zh":"验证通过。"}},
  {"id":"agent","kind":"end","outcome":"handoff","queue":"support","text":{"en":"Transferring.","zh":"正在转人工。"}}
]}`

func TestFlows(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "flows")

	r := e.call(t, "PUT", "/v1/flows/verify", key, greetFlow)
	r.want(t, "create", http.StatusCreated)
	def := r.body["definition"].(map[string]any)
	if r.body["version"] != 1.0 || def["version"] != 1.0 || def["id"] != "verify" {
		t.Fatalf("create: %v", r.body)
	}
	// GET, edit, PUT back with If-Match: the header, never the definition's own version, is the
	// precondition, as for every resource (regression, issue 8: a body's version silently acted as
	// one).
	r = e.call(t, "GET", "/v1/flows/verify", key, "")
	def = r.body["definition"].(map[string]any)
	def["name"] = map[string]any{"en": "Verify the caller", "zh": "验证身份"}
	edited, _ := json.Marshal(def)
	r = e.call(t, "PUT", "/v1/flows/verify", key, string(edited), "If-Match: 1")
	r.want(t, "round trip", http.StatusOK)
	if r.body["version"] != 2.0 || r.body["definition"].(map[string]any)["version"] != 2.0 {
		t.Fatalf("round trip: %v", r.body)
	}
	e.call(t, "PUT", "/v1/flows/verify", key, string(edited), "If-Match: 1").want(t, "stale If-Match", http.StatusPreconditionFailed)
	r = e.call(t, "PUT", "/v1/flows/verify", key, string(edited)) // version 1 in the body, no If-Match
	r.want(t, "a body's version is no precondition", http.StatusOK)
	if r.body["version"] != 3.0 {
		t.Fatalf("unconditional write: %v", r.body)
	}

	// dialog's issues come back with their pointers; the id must match the path.
	bad := strings.Replace(greetFlow, `"type":"phone"`, `"type":"colour"`, 1)
	e.call(t, "PUT", "/v1/flows/verify", key, bad).want(t, "dialog issue", http.StatusBadRequest, "/steps/0/slot/type")
	e.call(t, "PUT", "/v1/flows/other", key, greetFlow).want(t, "id mismatch", http.StatusBadRequest, "/id")
	e.call(t, "PUT", "/v1/flows/verify", key, `{"id":"verify","steps":[]}`).want(t, "no steps", http.StatusBadRequest, "/steps")
	e.call(t, "PUT", "/v1/flows/verify", key, greetFlow, "Content-Type: text/plain").want(t, "not JSON", http.StatusUnsupportedMediaType)

	// Webhook hosts must be allowed by the settings.
	e.call(t, "PUT", "/v1/bot/settings", key, `{"webhook_hosts":["*.internal.acme.example"]}`).want(t, "settings", http.StatusOK)
	fresh := strings.Replace(greetFlow, `"id":"verify"`, `"id":"verify2"`, 1)
	e.call(t, "PUT", "/v1/flows/verify2", key, fresh).want(t, "host not allowed", http.StatusBadRequest, "/steps/1/url")
	allowed := strings.Replace(fresh, "api.acme.example", "crm.internal.acme.example", 1)
	e.call(t, "PUT", "/v1/flows/verify2", key, allowed).want(t, "host allowed", http.StatusCreated)

	r = e.call(t, "GET", "/v1/flows", key, "")
	if items := r.items(); len(items) != 2 || items[0]["steps"] != 4.0 || items[0]["name"].(map[string]any)["en"] != "Verify the caller" {
		t.Fatalf("list: %v", r.body)
	}
	// An intent may start a flow that exists; the flow cannot go while an intent starts it.
	e.call(t, "PUT", "/v1/intents/verify_me", key, `{"examples":["verify me","check my identity"],"flow":"verify"}`).want(t, "intent with flow", http.StatusCreated)
	e.call(t, "DELETE", "/v1/flows/verify", key, "").want(t, "delete used flow", http.StatusConflict)
	e.call(t, "DELETE", "/v1/flows/verify2", key, "").want(t, "delete unused", http.StatusNoContent)
	e.call(t, "GET", "/v1/flows/verify2", key, "").want(t, "get deleted", http.StatusNotFound)
}

// The voice menu names intents the tenant has; the settings keep it as sent.
func TestSettingsVoiceMenu(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "menu")
	body := `{"voice_menu":[{"digit":"1","intent":"card_lost","label":{"en":"a lost or stolen card","zh":"银行卡挂失"}}]}`
	e.call(t, "PUT", "/v1/bot/settings", key, body).want(t, "menu before its intent", http.StatusBadRequest, "/voice_menu/0/intent")
	e.call(t, "PUT", "/v1/intents/card_lost", key, `{"examples":["I lost my card","我的卡丢了"]}`).want(t, "menu's intent", http.StatusCreated)
	e.call(t, "PUT", "/v1/bot/settings", key, body).want(t, "put", http.StatusOK)
	r := e.call(t, "GET", "/v1/bot/settings", key, "")
	if got := fmt.Sprint(r.body["voice_menu"]); got != "[map[digit:1 intent:card_lost label:map[en:a lost or stolen card zh:银行卡挂失]]]" {
		t.Fatalf("voice menu read back: %s", got)
	}
}

// The survey switches are saved and read back; settings saved without them ask nowhere.
func TestSettingsSurvey(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "survey")
	e.call(t, "PUT", "/v1/bot/settings", key, `{"survey":{"voice":true}}`).want(t, "put", http.StatusOK)
	if got := fmt.Sprint(e.call(t, "GET", "/v1/bot/settings", key, "").body["survey"]); got != "map[chat:false nps:false voice:true]" {
		t.Fatalf("survey read back: %s", got)
	}
	// Settings are replaced whole: a write without survey turns every survey off.
	e.call(t, "PUT", "/v1/bot/settings", key, `{"default_queue":"general"}`, "If-Match: 1").want(t, "put without", http.StatusOK)
	if got := fmt.Sprint(e.call(t, "GET", "/v1/bot/settings", key, "").body["survey"]); got != "map[chat:false nps:false voice:false]" {
		t.Fatalf("survey after a write without it: %s", got)
	}
}

func TestSettingsAndWebhookSecret(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "settings")
	r := e.call(t, "GET", "/v1/bot/settings", key, "")
	r.want(t, "defaults", http.StatusOK)
	if r.body["version"] != 0.0 || r.body["webhook_secret_set"] != false || r.headers["ETag"] != "" {
		t.Fatalf("defaults: %v", r.body)
	}
	body := `{"greeting":{"en":"Hi!","zh":"您好！"},"fallback":{"en":"Sorry?"},"default_queue":"general",
		"handoff_rules":[{"attribute":"tier","values":["vip","gold"],"queue":"vip"}],"low_confidence_turns":3,
		"webhook_hosts":["API.Acme.example"],"idle_timeout_seconds":600}`
	r = e.call(t, "PUT", "/v1/bot/settings", key, body)
	r.want(t, "put", http.StatusOK)
	if r.body["version"] != 1.0 || r.body["webhook_hosts"].([]any)[0] != "api.acme.example" || r.body["idle_timeout_seconds"] != 600.0 {
		t.Fatalf("put: %v", r.body)
	}

	r = e.call(t, "POST", "/v1/bot/webhook-secret", key, "")
	r.want(t, "rotate", http.StatusOK)
	secret, _ := r.body["webhook_secret"].(string)
	if !strings.HasPrefix(secret, WebhookSecretPrefix) || len(secret) < 40 || r.headers["Cache-Control"] != "no-store" {
		t.Fatalf("rotate: %v %v", r.body, r.headers)
	}
	// A later settings write keeps the secret; no read shows it.
	e.call(t, "PUT", "/v1/bot/settings", key, `{"default_queue":"general"}`, "If-Match: 2").want(t, "put after rotate", http.StatusOK)
	e.call(t, "PUT", "/v1/bot/settings", key, `{"default_queue":"other"}`, "If-Match: 2").want(t, "stale settings", http.StatusPreconditionFailed)
	r = e.call(t, "GET", "/v1/bot/settings", key, "")
	raw, _ := json.Marshal(r.body)
	if strings.Contains(string(raw), secret) || r.body["webhook_secret_set"] != true || r.body["version"] != 3.0 {
		t.Fatalf("get after rotate: %s", raw)
	}
	var stored botconfig.Settings
	if _, err := e.api.store.Get(context.Background(), mustTenant(t, "settings"), settingsKey, &stored); err != nil || stored.WebhookSecret != secret {
		t.Fatalf("stored secret %q, err %v", stored.WebhookSecret, err)
	}
	// A second rotation replaces it.
	again := e.call(t, "POST", "/v1/bot/webhook-secret", key, "").body["webhook_secret"]
	if again == secret {
		t.Fatal("rotation kept the secret")
	}
	changes, _ := e.configEvents(t, "settings")
	var actions []string
	for _, c := range changes {
		actions = append(actions, string(c.Action))
	}
	if want := []string{"put", "secret_rotated", "put", "secret_rotated"}; !slices.Equal(actions, want) {
		t.Fatalf("actions %v, want %v", actions, want)
	}
	for _, ev := range e.streamEvents(t) {
		if strings.Contains(string(ev.Data), WebhookSecretPrefix) {
			t.Fatal("an event carries the webhook secret")
		}
	}
}

func TestImportJSONAllOrNothing(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "importer")
	e.call(t, "PUT", "/v1/intents/balance", key, `{"examples":["balance?","余额"]}`).want(t, "setup", http.StatusCreated)

	bad := `{"intents":[
		{"id":"card_lost","examples":["lost card","stolen card"],"answer":{"en":"Blocked."}},
		{"id":"balance","examples":["balance please",""]},
		{"id":"Bad Id","examples":["x"]},
		{"id":"card_lost","examples":["dup"]},
		{"id":"hours","examples":["when open"],"flow":"missing"}],
	  "articles":[{"id":"fees","questions":["fees?"],"answer":{"en":"1%"}},{"id":"pin","questions":[]}]}`
	r := e.call(t, "POST", "/v1/import", key, bad)
	r.want(t, "bad import", http.StatusBadRequest, "/intents/1/examples/1", "/intents/2/id", "/intents/3/id", "/articles/1/questions", "/articles/1/answer")
	// The flow check runs once everything else is valid.
	e.call(t, "POST", "/v1/import", key, `{"intents":[{"id":"hours","examples":["when open"],"flow":"missing"}]}`).
		want(t, "missing flow", http.StatusBadRequest, "/intents/0/flow")
	if n := len(e.call(t, "GET", "/v1/intents", key, "").items()); n != 1 {
		t.Fatalf("a rejected import wrote: %d intents", n)
	}
	if n := len(e.call(t, "GET", "/v1/articles", key, "").items()); n != 0 {
		t.Fatalf("a rejected import wrote: %d articles", n)
	}

	good := `{"intents":[{"id":"card_lost","examples":["lost card","stolen card"],"answer":{"en":"Blocked."}},
		{"id":"balance","examples":["balance please","余额多少"]}],
	  "articles":[{"id":"fees","questions":["fees?"],"answer":{"en":"1%"},"tags":["fees"]}]}`
	r = e.call(t, "POST", "/v1/import", key, good)
	r.want(t, "good import", http.StatusOK)
	if in := r.body["intents"].(map[string]any); in["created"] != 1.0 || in["replaced"] != 1.0 {
		t.Fatalf("counts: %v", r.body)
	}
	if r := e.call(t, "GET", "/v1/intents/balance", key, ""); r.body["version"] != 2.0 || r.body["examples"].([]any)[1] != "余额多少" {
		t.Fatalf("balance after import: %v", r.body)
	}
	changes, types := e.configEvents(t, "importer")
	if len(changes) != 4 || types[len(types)-1] != lxevents.TypeBotConfigChanged {
		t.Fatalf("changes %v", changes)
	}
	e.call(t, "POST", "/v1/import", key, `{}`).want(t, "empty import", http.StatusBadRequest, "")
	e.call(t, "POST", "/v1/import", key, "a,b", "Content-Type: text/plain").want(t, "other media type", http.StatusUnsupportedMediaType)
}

func TestImportCSV(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "csv")
	good := "\ufefftype,id,text,answer_en,answer_zh,queue,tags,valid_from,voice_en\n" +
		"intent,card_lost,I lost my card,I'll block it.,我来帮您挂失。,cards,,,\n" +
		"intent,card_lost,my card was stolen,,,,,,\n" +
		"intent,card_lost,我的卡丢了,I'll block it.,,,,,\n" +
		"article,fees,\"What are the fees, roughly?\",1.5%,,,fees|cards,2025-01-01,One and a half percent.\n" +
		"article,fees,境外手续费,,,,,,\n"
	r := e.call(t, "POST", "/v1/import", key, good, "Content-Type: text/csv; charset=utf-8")
	r.want(t, "csv import", http.StatusOK)
	r = e.call(t, "GET", "/v1/intents/card_lost", key, "")
	if ex := r.body["examples"].([]any); len(ex) != 3 || r.body["queue"] != "cards" || r.body["answer"].(map[string]any)["zh"] != "我来帮您挂失。" {
		t.Fatalf("intent from CSV: %v", r.body)
	}
	r = e.call(t, "GET", "/v1/articles/fees", key, "")
	if q := r.body["questions"].([]any); len(q) != 2 || q[0] != "What are the fees, roughly?" || len(r.body["tags"].([]any)) != 2 ||
		r.body["channel_answers"].(map[string]any)["voice"].(map[string]any)["en"] != "One and a half percent." {
		t.Fatalf("article from CSV: %v", r.body)
	}

	// Every bad row and cell is reported at its row and column, and nothing is written.
	bad := "type,id,text,answer_en,queue,tags\n" +
		"intent,refund,I want a refund,Sure.,refunds,\n" + // row 2: fine
		"intent,refund,money back,Different.,,\n" + // row 3: conflicting answer
		"faq,x,y,,,\n" + // row 4: bad type
		"intent,refund,,,,\n" + // row 5: no text
		"article,pin,reset pin,,,pins\n" + // row 6: article without answer
		"intent,hours,when open,,,hours\n" + // row 7: tags on an intent
		"intent,hours\n" // row 8: short row
	r = e.call(t, "POST", "/v1/import", key, bad, "Content-Type: text/csv")
	r.want(t, "bad csv", http.StatusBadRequest, "/rows/3/answer_en", "/rows/4/type", "/rows/5/text", "/rows/7/tags", "/rows/8")
	// Validation errors of well-formed rows point at rows too.
	bad = "type,id,text,answer_en\narticle,pin,reset pin,\nintent,refund,refund please,\nintent,refund,REFUND PLEASE,\n"
	r = e.call(t, "POST", "/v1/import", key, bad, "Content-Type: text/csv")
	r.want(t, "bad items", http.StatusBadRequest, "/rows/2/answer_en", "/rows/4/text")
	e.call(t, "POST", "/v1/import", key, "type,id,words\n", "Content-Type: text/csv").want(t, "bad header", http.StatusBadRequest, "/rows/1/words", "/rows/1")
	if n := len(e.call(t, "GET", "/v1/intents", key, "").items()); n != 1 {
		t.Fatalf("rejected CSV imports wrote: %d intents", n)
	}
}

// failingCommitter fails the n-th commit (1-based) with a conflict, as if another writer changed
// an item between the import's read and its write.
type failingCommitter struct {
	Committer
	n, calls int
}

func (f *failingCommitter) Commit(ctx context.Context, ops []store.Op, evs ...lxevents.Envelope) error {
	f.calls++
	if f.calls == f.n {
		return fmt.Errorf("tx op 0: %w", &store.ConflictError{Want: 1})
	}
	return f.Committer.Commit(ctx, ops, evs...)
}

// An import larger than one transaction is written in chunks; when a later chunk fails, the earlier
// ones are undone, replaced items come back as they were, and no event is emitted.
func TestImportChunksAndUndo(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "bulk")
	e.call(t, "PUT", "/v1/intents/i000", key, `{"description":"before","examples":["original one","original two"]}`).want(t, "setup", http.StatusCreated)
	var items []string
	for i := range 250 {
		items = append(items, fmt.Sprintf(`{"id":"i%03d","examples":["example %d","another %d"]}`, i, i, i))
	}
	doc := `{"intents":[` + strings.Join(items, ",") + `]}`

	real := e.api.commit
	e.api.commit = &failingCommitter{Committer: real, n: 3} // the third of three chunks fails
	e.call(t, "POST", "/v1/import", key, doc).want(t, "failing import", http.StatusConflict)
	e.api.commit = real
	r := e.call(t, "GET", "/v1/intents?limit=100", key, "")
	if items := r.items(); len(items) != 1 || items[0]["description"] != "before" {
		t.Fatalf("after an undone import: %d intents, first %v", len(items), items[0])
	}
	if changes, _ := e.configEvents(t, "bulk"); len(changes) != 1 {
		t.Fatalf("an undone import emitted events: %d changes", len(changes))
	}

	r = e.call(t, "POST", "/v1/import", key, doc)
	r.want(t, "import", http.StatusOK)
	if in := r.body["intents"].(map[string]any); in["created"] != 249.0 || in["replaced"] != 1.0 {
		t.Fatalf("counts %v", r.body)
	}
	n, cursor := 0, ""
	for {
		r := e.call(t, "GET", "/v1/intents?limit=100&cursor="+cursor, key, "")
		n += len(r.items())
		if cursor, _ = r.body["next_cursor"].(string); cursor == "" {
			break
		}
	}
	if n != 250 {
		t.Fatalf("%d intents after the import, want 250", n)
	}
	changes, _ := e.configEvents(t, "bulk")
	if len(changes) != 251 {
		t.Fatalf("%d changes, want 1 + 250 in one event", len(changes))
	}
}

// trainingSet imports a small bilingual bot: four intents and two articles.
func trainingSet(t *testing.T, e *env, key string) {
	t.Helper()
	doc := `{"intents":[
	  {"id":"card_lost","examples":["I lost my card","my card was stolen","can't find my bank card","lost my debit card","我的卡丢了","卡被偷了"]},
	  {"id":"balance","examples":["what is my balance","how much money do I have","check my account balance","show my balance","我的余额是多少","查余额"]},
	  {"id":"opening_hours","examples":["when are you open","what are your opening hours","are you open on sunday","what time do you close","营业时间","你们几点开门"]},
	  {"id":"transfer","examples":["send money to a friend","transfer money","make a transfer to another account","wire money","我要转账","给朋友汇款"]}],
	 "articles":[
	  {"id":"fees-overseas","questions":["what are the fees for overseas payments","foreign transaction fee","境外消费手续费"],"answer":{"en":"1.5%"}},
	  {"id":"pin-reset","questions":["how do I reset my PIN","forgot my PIN","忘记密码"],"answer":{"en":"In the app."}}]}`
	e.call(t, "POST", "/v1/import", key, doc).want(t, "training set", http.StatusOK)
}

// botIsolationCases are the bot configuration routes' cases of TestTenantIsolationEveryRoute: tenant
// A's admin key reaches nothing of B's. B gets one of everything first.
func botIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	tr := withModels(t, e)
	ctx := context.Background()
	tb := mustTenant(t, "tenant-b")
	trainingSet(t, e, keyB)
	e.call(t, "PUT", "/v1/flows/verify", keyB, greetFlow).want(t, "B flow", http.StatusCreated)
	e.call(t, "PUT", "/v1/bot/settings", keyB, `{"default_queue":"b-queue"}`).want(t, "B settings", http.StatusOK)
	secretB := e.call(t, "POST", "/v1/bot/webhook-secret", keyB, "").body["webhook_secret"].(string)
	modelB := tr.trainNow(t, e, keyB, "")["model_version"].(string)
	jobB := e.call(t, "GET", "/v1/nlu/jobs", keyB, "").items()[0]["id"].(string)
	cursorB := func(path string) string {
		c, _ := e.call(t, "GET", path+"?limit=1", keyB, "").body["next_cursor"].(string)
		if c == "" {
			t.Fatalf("B's %s should have a second page", path)
		}
		return c
	}
	intentCursor, articleCursor := cursorB("/v1/intents"), cursorB("/v1/articles")
	e.call(t, "PUT", "/v1/flows/verify2", keyB, strings.Replace(greetFlow, `"id":"verify"`, `"id":"verify2"`, 1)).want(t, "B flow 2", http.StatusCreated)
	flowCursor := cursorB("/v1/flows")

	// unchanged fails t if B's item k is not at version want.
	unchanged := func(t *testing.T, k store.Key, want int64) {
		t.Helper()
		v, err := e.api.store.Get(ctx, tb, k, nil)
		if err != nil || v != want {
			t.Fatalf("B's %s: version %d, err %v; want %d", k, v, err, want)
		}
	}
	none := func(t *testing.T, path string, ids ...string) {
		t.Helper()
		r := e.call(t, "GET", path, keyA, "")
		for _, it := range r.items() {
			if id, _ := it["id"].(string); slices.Contains(ids, id) {
				t.Fatalf("A's %s lists B's %s", path, id)
			}
			if v, _ := it["version"].(string); slices.Contains(ids, v) {
				t.Fatalf("A's %s lists B's %s", path, v)
			}
		}
	}
	return map[string]func(t *testing.T){
		"GET /v1/intents": func(t *testing.T) {
			none(t, "/v1/intents", "card_lost", "balance")
			e.call(t, "GET", "/v1/intents?cursor="+intentCursor, keyA, "").want(t, "B's cursor", http.StatusBadRequest, "cursor")
		},
		"GET /v1/intents/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/intents/card_lost", keyA, "").want(t, "get B's intent", http.StatusNotFound)
		},
		"PUT /v1/intents/{id}": func(t *testing.T) {
			// B's version means nothing to A; the same id without a condition is a new intent of A's.
			e.call(t, "PUT", "/v1/intents/balance", keyA, `{"examples":["a's own"]}`, "If-Match: 1").want(t, "A at B's version", http.StatusPreconditionFailed)
			e.call(t, "PUT", "/v1/intents/transfer", keyA, `{"examples":["a's own"]}`).want(t, "A's own transfer", http.StatusCreated)
			unchanged(t, intentKey("balance"), 1)
			unchanged(t, intentKey("transfer"), 1)
			if r := e.call(t, "GET", "/v1/intents/transfer", keyB, ""); len(r.body["examples"].([]any)) != 6 {
				t.Fatalf("B's transfer changed: %v", r.body)
			}
		},
		"DELETE /v1/intents/{id}": func(t *testing.T) {
			e.call(t, "DELETE", "/v1/intents/card_lost", keyA, "").want(t, "delete B's intent", http.StatusNotFound)
			unchanged(t, intentKey("card_lost"), 1)
		},
		"GET /v1/articles": func(t *testing.T) {
			none(t, "/v1/articles", "pin-reset") // (A's import case makes an fees-overseas of A's own)
			e.call(t, "GET", "/v1/articles?cursor="+articleCursor, keyA, "").want(t, "B's cursor", http.StatusBadRequest, "cursor")
		},
		"GET /v1/articles/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/articles/pin-reset", keyA, "").want(t, "get B's article", http.StatusNotFound)
		},
		"PUT /v1/articles/{id}": func(t *testing.T) {
			e.call(t, "PUT", "/v1/articles/pin-reset", keyA, `{"questions":["q"],"answer":{"en":"a"}}`, "If-Match: 1").want(t, "A at B's version", http.StatusPreconditionFailed)
			unchanged(t, articleKey("pin-reset"), 1)
		},
		"DELETE /v1/articles/{id}": func(t *testing.T) {
			e.call(t, "DELETE", "/v1/articles/pin-reset", keyA, "", "If-Match: 1").want(t, "delete B's article", http.StatusPreconditionFailed)
			unchanged(t, articleKey("pin-reset"), 1)
		},
		"POST /v1/import": func(t *testing.T) {
			e.call(t, "POST", "/v1/import", keyA, `{"tenant":"tenant-b","intents":[]}`).want(t, "tenant in body", http.StatusBadRequest, "/tenant")
			e.call(t, "POST", "/v1/import", keyA, `{"articles":[{"id":"fees-overseas","questions":["mine"],"answer":{"en":"A's"}}]}`).
				want(t, "import B's ids", http.StatusOK)
			unchanged(t, articleKey("fees-overseas"), 1)
		},
		"GET /v1/flows": func(t *testing.T) {
			none(t, "/v1/flows", "verify", "verify2")
			e.call(t, "GET", "/v1/flows?cursor="+flowCursor, keyA, "").want(t, "B's cursor", http.StatusBadRequest, "cursor")
		},
		"GET /v1/flows/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/flows/verify", keyA, "").want(t, "get B's flow", http.StatusNotFound)
		},
		"PUT /v1/flows/{id}": func(t *testing.T) {
			// B's flow definition sent by A with B's version as If-Match names A's own, absent flow.
			def := e.call(t, "GET", "/v1/flows/verify", keyB, "").body["definition"]
			raw, _ := json.Marshal(def)
			e.call(t, "PUT", "/v1/flows/verify", keyA, string(raw), "If-Match: 1").want(t, "A with B's definition", http.StatusPreconditionFailed)
			unchanged(t, flowKey("verify"), 1)
		},
		"DELETE /v1/flows/{id}": func(t *testing.T) {
			e.call(t, "DELETE", "/v1/flows/verify2", keyA, "").want(t, "delete B's flow", http.StatusNotFound)
			unchanged(t, flowKey("verify2"), 1)
		},
		"GET /v1/bot/settings": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/bot/settings", keyA, ""); r.body["default_queue"] == "b-queue" {
				t.Fatalf("A sees B's settings: %v", r.body)
			}
		},
		"PUT /v1/bot/settings": func(t *testing.T) {
			e.call(t, "PUT", "/v1/bot/settings", keyA, `{"default_queue":"a-queue"}`).want(t, "A's settings", http.StatusOK)
			unchanged(t, settingsKey, 2)
		},
		"POST /v1/bot/webhook-secret": func(t *testing.T) {
			if r := e.call(t, "POST", "/v1/bot/webhook-secret", keyA, ""); r.body["webhook_secret"] == secretB {
				t.Fatal("A got B's secret")
			}
			var s botconfig.Settings
			if _, err := e.api.store.Get(ctx, tb, settingsKey, &s); err != nil || s.WebhookSecret != secretB {
				t.Fatalf("B's secret changed (err %v)", err)
			}
		},
		"POST /v1/nlu/train": func(t *testing.T) {
			// A's data only: A has one article of its own and no intents, so there is nothing to train.
			e.call(t, "POST", "/v1/nlu/train", keyA, "").want(t, "A trains", http.StatusUnprocessableEntity, "/intents")
			if n := len(e.call(t, "GET", "/v1/nlu/models", keyB, "").items()); n != 1 {
				t.Fatalf("B has %d models", n)
			}
		},
		"GET /v1/nlu/jobs": func(t *testing.T) {
			if jobs := e.call(t, "GET", "/v1/nlu/jobs", keyA, "").items(); len(jobs) != 0 {
				t.Fatalf("A lists jobs %v", jobs)
			}
		},
		"GET /v1/nlu/jobs/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/nlu/jobs/"+jobB, keyA, "").want(t, "get B's job", http.StatusNotFound)
		},
		"GET /v1/nlu/models": func(t *testing.T) {
			none(t, "/v1/nlu/models", modelB)
		},
		"GET /v1/nlu/models/{version}": func(t *testing.T) {
			e.call(t, "GET", "/v1/nlu/models/"+modelB, keyA, "").want(t, "get B's model", http.StatusNotFound)
		},
		"POST /v1/nlu/models/{version}/activate": func(t *testing.T) {
			e.call(t, "POST", "/v1/nlu/models/"+modelB+"/activate", keyA, "").want(t, "activate B's model", http.StatusNotFound)
			unchanged(t, activeKey, 1)
		},
		"GET /v1/nlu/active": func(t *testing.T) {
			e.call(t, "GET", "/v1/nlu/active", keyA, "").want(t, "A's active", http.StatusNotFound)
		},
	}
}
