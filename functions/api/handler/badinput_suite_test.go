package handler

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

// badInputRoutes are the api function's write routes as the standing bad-input suite sends to
// them: one line per route. key is the tenant's admin key; partnerKeyID a partner key of it.
func badInputRoutes(key, partnerKeyID, hookID string) map[string]httpapitest.Route {
	settings := []string{"/v1/bot/settings"}
	hook := "/v1/webhooks/" + hookID
	hookGet := []string{"/v1/webhooks", hook, hook + "/deliveries"}
	voiceGet := []string{"/v1/numbers", "/v1/trunks", "/v1/sip-accounts", "/v1/voice-transfer-targets"}
	return map[string]httpapitest.Route{
		"POST /v1/tenants":                                    {Path: "/v1/tenants", Body: `{"id":"newcomer","name":@}`, Field: "/name", Key: adminKey},
		"POST /v1/tenants/{id}/admin-keys":                    {Path: "/v1/tenants/badinput/admin-keys", Body: `{"reason":@}`, Field: "/reason", Key: adminKey, Get: []string{"/v1/api-keys"}},
		"PUT /v1/tenants/{id}/plan":                           {Path: "/v1/tenants/badinput/plan", EmptyOK: true, Key: adminKey, Get: []string{"/v1/tenant"}},
		"POST /v1/api-keys":                                   {Path: "/v1/api-keys", Body: `{"role":"partner","name":@}`, Field: "/name", Get: []string{"/v1/api-keys"}},
		"DELETE /v1/api-keys/{id}":                            {Path: "/v1/api-keys/" + partnerKeyID, EmptyOK: true, Get: []string{"/v1/api-keys"}},
		"PUT /v1/intents/{id}":                                {Path: "/v1/intents/card_lost", Body: `{"examples":["lost card",@],"answer":{"en":"Blocked."}}`, Field: "/examples/1", Get: []string{"/v1/intents/card_lost"}},
		"DELETE /v1/intents/{id}":                             {Path: "/v1/intents/balance", EmptyOK: true, Get: []string{"/v1/intents/balance"}},
		"PUT /v1/articles/{id}":                               {Path: "/v1/articles/pin-reset", Body: `{"questions":["forgot my PIN"],"answer":{"en":@}}`, Field: "/answer/en", MultiLine: true, Get: []string{"/v1/articles/pin-reset"}},
		"DELETE /v1/articles/{id}":                            {Path: "/v1/articles/fees-overseas", EmptyOK: true, Get: []string{"/v1/articles/fees-overseas"}},
		"POST /v1/import":                                     {Path: "/v1/import", Body: `{"intents":[{"id":"card_lost","examples":[@]}]}`, Field: "/intents/0/examples/0", Get: []string{"/v1/intents", "/v1/articles"}},
		"PUT /v1/flows/{id}":                                  {Path: "/v1/flows/verify", Body: `{"id":"verify","steps":[{"id":"done","kind":"end","outcome":"resolved","text":{"en":@,"zh":"好"}}]}`, Field: "/steps/0/text/en", MultiLine: true, Get: []string{"/v1/flows/verify"}},
		"DELETE /v1/flows/{id}":                               {Path: "/v1/flows/verify", EmptyOK: true, Get: []string{"/v1/flows/verify"}},
		"PUT /v1/bot/settings":                                {Path: "/v1/bot/settings", Body: `{"default_queue":"general","greeting":{"en":@}}`, Field: "/greeting/en", MultiLine: true, Get: settings},
		"POST /v1/bot/webhook-secret":                         {Path: "/v1/bot/webhook-secret", EmptyOK: true, Get: settings},
		"POST /v1/nlu/train":                                  {Path: "/v1/nlu/train", EmptyOK: true, Get: []string{"/v1/nlu/models", "/v1/nlu/active"}},
		"POST /v1/nlu/models/{version}/activate":              {Path: "/v1/nlu/models/v-none/activate", EmptyOK: true, Get: []string{"/v1/nlu/active"}},
		"POST /v1/webhooks":                                   {Path: "/v1/webhooks", Body: `{"url":"https://hooks.example.com/x","event_types":["contact.created"],"description":@}`, Field: "/description", Get: hookGet},
		"PATCH /v1/webhooks/{id}":                             {Path: hook, Body: `{"description":@}`, Field: "/description", Get: hookGet},
		"DELETE /v1/webhooks/{id}":                            {Path: hook, EmptyOK: true, Get: hookGet},
		"POST /v1/webhooks/{id}/secret":                       {Path: hook + "/secret", EmptyOK: true, Get: hookGet},
		"POST /v1/webhooks/{id}/deliveries/{delivery}/replay": {Path: hook + "/deliveries/0190cccc-0000-7000-8000-000000000001/replay", EmptyOK: true, Get: hookGet},
		// Telephony (voice_test.go's seedVoice made each item).
		"PUT /v1/numbers/{number}":                  {Path: "/v1/numbers/+862160001234", Body: `{"language":"zh","trunks":[@]}`, Field: "/trunks/0", Get: voiceGet},
		"DELETE /v1/numbers/{number}":               {Path: "/v1/numbers/+862160001234", EmptyOK: true, Get: voiceGet},
		"PUT /v1/trunks/{name}":                     {Path: "/v1/trunks/carrier", Body: `{"cidrs":["203.0.113.0/24"],"username":@}`, Field: "/username", Get: voiceGet},
		"DELETE /v1/trunks/{name}":                  {Path: "/v1/trunks/carrier", EmptyOK: true, Get: voiceGet},
		"PUT /v1/sip-accounts/{username}":           {Path: "/v1/sip-accounts/alice", Body: `{"password":@}`, Field: "/password", Get: voiceGet},
		"DELETE /v1/sip-accounts/{username}":        {Path: "/v1/sip-accounts/alice", EmptyOK: true, Get: voiceGet},
		"PUT /v1/voice-transfer-targets/{queue}":    {Path: "/v1/voice-transfer-targets/cards", Body: `{"target":@}`, Field: "/target", Get: voiceGet},
		"DELETE /v1/voice-transfer-targets/{queue}": {Path: "/v1/voice-transfer-targets/cards", EmptyOK: true, Get: voiceGet},
	}
}

// The standing bad-input suite: every write route × every bad payload of httpapitest gets a 4xx
// problem, and changes nothing — no commit, the same GET answers, no event. A route without a
// line in badInputRoutes fails the test.
func TestBadInputEveryWriteRoute(t *testing.T) {
	e := newEnv(t)
	counter := &httpapitest.CountingCommitter{Next: e.api.commit}
	e.api.commit = counter
	key := e.createTenant(t, "badinput")
	trainingSet(t, e, key)
	e.call(t, "PUT", "/v1/flows/verify", key, greetFlow).want(t, "flow", http.StatusCreated)
	e.call(t, "PUT", "/v1/bot/settings", key, `{"default_queue":"general"}`).want(t, "settings", http.StatusOK)
	partner := e.call(t, "POST", "/v1/api-keys", key, `{"role":"partner","name":"crm"}`)
	partner.want(t, "partner key", http.StatusCreated)
	hookID := createHook(t, e, key)
	putDelivery(t, e, "badinput", hookID, "0190cccc-0000-7000-8000-000000000001", delivery.StatusDelivered)
	withWebhookReplay(t, e)
	seedVoice(t, e, key)
	routes := badInputRoutes(key, partner.body["id"].(string), hookID)
	for route, r := range userBadInputRoutes(t, e, key) {
		routes[route] = r
	}
	for route, r := range humanBadInputRoutes(t, e, key) {
		routes[route] = r
	}
	for route, r := range widgetBadInputRoutes() {
		routes[route] = r
	}
	for route, r := range forecastBadInputRoutes() {
		routes[route] = r
	}
	for route, r := range forecastDataBadInputRoutes(t, e, key) {
		routes[route] = r
	}
	for route, r := range dispatchBadInputRoutes(t, e, key) {
		routes[route] = r
	}
	for route, r := range qaBadInputRoutes(t, e, key) {
		routes[route] = r
	}
	for route, r := range reportBadInputRoutes() {
		routes[route] = r
	}
	for route, r := range vocBadInputRoutes(t, e, key) {
		routes[route] = r
	}

	httpapitest.RunWriteRoutes(t, httpapitest.Suite{
		Routes: routes, Served: e.api.Routes(), Where: "functions/api/handler/badinput_suite_test.go", Key: key,
		Send: func(t *testing.T, method, path, key, body, contentType string) httpapitest.Answer {
			r := e.call(t, method, path, key, body, "Content-Type: "+contentType)
			return httpapitest.Answer{Status: r.status, Body: r.body}
		},
		Get:     func(t *testing.T, path string) string { return e.call(t, "GET", path, key, "").String() },
		Commits: counter.Commits,
		Events: func(t *testing.T) []string {
			var out []string
			for _, ev := range e.streamEvents(t) {
				out = append(out, ev.Type+" "+ev.Subject)
			}
			return out
		},
	})
}

// String is the status, ETag and body, for comparing answers.
func (r response) String() string {
	b, _ := json.Marshal(r.body)
	return fmt.Sprintf("%d %s %s", r.status, r.headers["ETag"], b)
}
