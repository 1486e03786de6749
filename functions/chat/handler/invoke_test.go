package handler

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lingxi/lingxi/media-edge/turns"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/tenant"
)

// inProcess invokes the API's Lambda entry as the runtime would: the payload as raw JSON, the
// answer marshalled, a returned error as Lambda's error document with X-Amz-Function-Error.
type inProcess struct{ api *API }

func (p inProcess) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	out, err := p.api.Invoke(ctx, in.Payload)
	if err != nil {
		doc, _ := json.Marshal(map[string]string{"errorType": "errorString", "errorMessage": err.Error()})
		return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: doc}, nil
	}
	return &lambda.InvokeOutput{StatusCode: 200, Payload: out}, nil
}

// invokeRaw sends a raw payload through Invoke and decodes the answer.
func (e *env) invokeRaw(t *testing.T, payload string) map[string]any {
	t.Helper()
	out, err := e.api.Invoke(e.ctx, json.RawMessage(payload))
	if err != nil {
		t.Fatalf("invoke %s: %v", payload, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("answer %s: %v", out, err)
	}
	return m
}

// The media edge's client (media-edge/turns) runs the demo flow through the direct entry: the
// greeting on answer, the flow by speech and keypad, the hangup; the answers are the HTTP voice
// route's, action for action, and the conversation is the tenant's the edge named.
func TestVoiceTurnsByInvoke(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	acme := mustTenant(t, "acme")
	c := turns.New(inProcess{e.api}, "chat")
	call := turns.Input{CallID: "inv-1@edge", Caller: "+8613800000000", Dialled: "+862160001234", Language: "en"}

	r, err := c.Turn(e.ctx, acme, call)
	if err != nil {
		t.Fatal(err)
	}
	if r.ConversationID != conversation.VoiceConversationID(call.CallID) || r.State != turns.StateActive || r.Language != "en" ||
		len(r.Actions) != 2 || r.Actions[0].Type != turns.Say || r.Actions[1].Type != turns.Gather || !r.Actions[1].DTMF ||
		r.Actions[1].TimeoutMS != conversation.GatherTimeoutMS {
		t.Fatalf("answer: %+v", r)
	}
	// The same first turn over HTTP answers the same actions (a caller with a Chinese number is
	// greeted in English only because the dialled number's language says so).
	viaHTTP := e.voice(t, key, map[string]any{"call_id": "http-1@edge", "caller": "+8613800000001"})
	direct := e.invokeRaw(t, `{"kind":"voice.turn","tenant":"acme","call_id":"inv-2@edge","caller":"+8613800000001"}`)
	hj, _ := json.Marshal(viaHTTP["actions"])
	dj, _ := json.Marshal(direct["actions"])
	if string(hj) != string(dj) || viaHTTP["state"] != direct["state"] || viaHTTP["language"] != direct["language"] {
		t.Fatalf("HTTP %s\ninvoke %s", hj, dj)
	}

	call.Text, call.Confidence = "I lost my card", 0.91
	if r, err = c.Turn(e.ctx, acme, call); err != nil || r.Actions[0].Text != "What are the last 4 digits of the card?" || r.Actions[1].MaxDigits != 4 {
		t.Fatalf("flow question: %+v %v", r, err)
	}
	call.Text, call.DTMF = "", "4321#"
	if r, err = c.Turn(e.ctx, acme, call); err != nil || r.Actions[0].Text != "Lock the card ending 4321?" {
		t.Fatalf("flow confirm: %+v %v", r, err)
	}
	call.DTMF = "1"
	if r, err = c.Turn(e.ctx, acme, call); err != nil || r.State != turns.StateEnded || r.Actions[len(r.Actions)-1].Type != turns.Hangup {
		t.Fatalf("flow end: %+v %v", r, err)
	}
	// The call is over: a typed conflict, not a function error.
	call.DTMF = "2"
	_, err = c.Turn(e.ctx, acme, call)
	var pe *turns.Error
	if !errors.As(err, &pe) || pe.Type != "urn:lingxi:problem:conflict" || pe.Status != http.StatusConflict || pe.Temporary() {
		t.Fatalf("turn after hangup: %v", err)
	}
	// The conversation belongs to the tenant the edge named, and to no other.
	if got := e.must(t, 200, "GET", "/v1/conversations/"+r.ConversationID, key, ""); got["channel"] != "voice" || got["state"] != "ended" {
		t.Fatalf("conversation: %v", got)
	}
	other := e.tenant(t, "other")
	if got := e.do(t, "GET", "/v1/conversations/"+r.ConversationID, other, ""); got.code != 404 {
		t.Fatalf("another tenant reads the call: %d", got.code)
	}
	// Another tenant's turn with the same call id is another conversation.
	if r2, err := c.Turn(e.ctx, mustTenant(t, "other"), turns.Input{CallID: call.CallID}); err != nil || r2.State != turns.StateActive {
		t.Fatalf("same call id, other tenant: %+v %v", r2, err)
	}
}

// What the direct entry refuses, each with a stable problem type and no internal text.
func TestVoiceInvokeRefusals(t *testing.T) {
	e := newEnv(t)
	e.tenant(t, "acme")
	cases := map[string]struct{ payload, typ, field string }{
		"no tenant":         {`{"kind":"voice.turn","call_id":"c1"}`, "validation", "/tenant"},
		"bad tenant":        {`{"kind":"voice.turn","tenant":"ACME!","call_id":"c1"}`, "validation", "/tenant"},
		"no call id":        {`{"kind":"voice.turn","tenant":"acme"}`, "validation", "/call_id"},
		"text and dtmf":     {`{"kind":"voice.turn","tenant":"acme","call_id":"c1","text":"hi","dtmf":"1"}`, "validation", "/dtmf"},
		"bad dtmf":          {`{"kind":"voice.turn","tenant":"acme","call_id":"c1","dtmf":"12x"}`, "validation", "/dtmf"},
		"bad language":      {`{"kind":"voice.turn","tenant":"acme","call_id":"c1","language":"fr"}`, "validation", "/language"},
		"confidence range":  {`{"kind":"voice.turn","tenant":"acme","call_id":"c1","text":"hi","confidence":1.5}`, "validation", "/confidence"},
		"confidence alone":  {`{"kind":"voice.turn","tenant":"acme","call_id":"c1","confidence":0.5}`, "validation", "/confidence"},
		"unknown field":     {`{"kind":"voice.turn","tenant":"acme","call_id":"c1","api_key":"x"}`, "validation", "/api_key"},
		"control character": {`{"kind":"voice.turn","tenant":"acme","call_id":"c1","caller":"+86\u0000"}`, "validation", "/caller"},
		"wrong type":        {`{"kind":"voice.turn","tenant":"acme","call_id":7}`, "validation", "/call_id"},
		"other call's id":   {`{"kind":"voice.turn","tenant":"acme","call_id":"c1","conversation_id":"x"}`, "validation", "/conversation_id"},
		"too large":         {`{"kind":"voice.turn","tenant":"acme","call_id":"c1","text":"` + strings.Repeat("a", MaxBody) + `"}`, "too-large", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := obj(e.invokeRaw(t, c.payload)["error"])
			if str(got["type"]) != "urn:lingxi:problem:"+c.typ {
				t.Fatalf("%v", got)
			}
			if c.field == "" {
				return
			}
			for _, f := range list(got["errors"]) {
				if obj(f)["field"] == c.field {
					return
				}
			}
			t.Fatalf("no error on %s: %v", c.field, got)
		})
	}
}

// failingConversations fails every turn with an error whose text must not reach the edge.
type failingConversations struct{ Conversations }

func (failingConversations) Voice(context.Context, tenant.ID, conversation.VoiceInput) (conversation.Reply, error) {
	return conversation.Reply{}, errors.New("operation error DynamoDB: GetItem, table lingxi-Table-SECRET")
}

// An internal failure is an internal problem without its text; a payload that is neither an API
// Gateway event nor a voice turn is a function error with a fixed message; an API Gateway event
// (also one whose body looks like a voice turn) goes to the router.
func TestInvokeDispatch(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := New(failingConversations{}, nil, nil, log)
	out, err := api.Invoke(context.Background(), json.RawMessage(`{"kind":"voice.turn","tenant":"acme","call_id":"c1"}`))
	if err != nil || strings.Contains(string(out), "SECRET") || !strings.Contains(string(out), `"type":"urn:lingxi:problem:internal"`) {
		t.Fatalf("internal failure: %s %v", out, err)
	}
	var pe *turns.Error
	if _, err := turns.New(inProcess{api}, "chat").Turn(context.Background(), mustTenant(t, "acme"), turns.Input{CallID: "c1"}); !errors.As(err, &pe) || pe.Status != 500 {
		t.Fatalf("client: %v", err)
	}

	for _, p := range []string{`[]`, `"voice.turn"`, `{}`, `{"kind":"voice.turns"}`, `{"kind":7}`, `{"Records":[]}`, `not json`} {
		if out, err := api.Invoke(context.Background(), json.RawMessage(p)); !errors.Is(err, errUnrecognisedPayload) {
			t.Errorf("%s: %s %v", p, out, err)
		}
	}
	if _, err := turns.New(inProcess{api}, "chat").Turn(context.Background(), tenant.ID{}, turns.Input{CallID: "c1"}); err == nil {
		t.Fatal("a turn without a tenant was sent")
	}

	// An HTTP request whose body is a voice turn stays an HTTP request: without a key, 401.
	req := events.APIGatewayV2HTTPRequest{RawPath: "/v1/voice/turns", Headers: map[string]string{"content-type": "application/json"},
		Body: `{"kind":"voice.turn","tenant":"acme","call_id":"c1"}`}
	req.RequestContext.HTTP.Method, req.RequestContext.HTTP.Path = "POST", "/v1/voice/turns"
	payload, _ := json.Marshal(req)
	out, err = api.Invoke(context.Background(), payload)
	var resp events.APIGatewayV2HTTPResponse
	if err != nil || json.Unmarshal(out, &resp) != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("HTTP event: %s %v", out, err)
	}
	// The same with "kind" at the event's top level too: requestContext decides.
	var top map[string]any
	json.Unmarshal(payload, &top)
	top["kind"], top["tenant"], top["call_id"] = "voice.turn", "acme", "c1"
	payload, _ = json.Marshal(top)
	if out, err = api.Invoke(context.Background(), payload); err != nil || json.Unmarshal(out, &resp) != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("HTTP event with a kind: %s %v", out, err)
	}
}

// Voice turns by invoke take from the tenant's chat rate limit, as the HTTP route does.
func TestVoiceInvokeRateLimited(t *testing.T) {
	e := newEnv(t)
	WithRateLimiter(ratelimit.New(e.ddb, e.table, ratelimit.Options{Limits: ratelimit.PlanLimits{Store: e.db}, Timeout: time.Minute}))(e.api)
	e.tenant(t, "chatty")
	slow := plan.Plan{RateLimits: plan.RateLimits{Chat: plan.RateLimit{Rate: 1.0 / 60, Burst: 2}}}
	if err := e.db.Create(e.ctx, mustTenant(t, "chatty"), plan.Key, slow); err != nil {
		t.Fatal(err)
	}
	c := turns.New(inProcess{e.api}, "chat")
	for i := range 2 {
		if _, err := c.Turn(e.ctx, mustTenant(t, "chatty"), turns.Input{CallID: "rl-1", DTMF: map[bool]string{true: "", false: "5"}[i == 0]}); err != nil {
			t.Fatalf("turn %d: %v", i, err)
		}
	}
	_, err := c.Turn(e.ctx, mustTenant(t, "chatty"), turns.Input{CallID: "rl-1", DTMF: "5"})
	var pe *turns.Error
	if !errors.As(err, &pe) || pe.Type != "urn:lingxi:problem:rate-limited" || pe.Status != http.StatusTooManyRequests || !pe.Temporary() {
		t.Fatalf("third turn in a burst of 2: %v", err)
	}
}
