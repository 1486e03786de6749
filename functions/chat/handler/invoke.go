package handler

// The chat function's second entry: the media edge's voice turns by direct Lambda Invoke.
//
// The media edge is a platform component. It learns a call's tenant from the dialled number (the
// platform's number directory), never from the caller, and invokes this function with its own IAM
// role: no tenant's API key is involved. The tenant in the payload is trusted for that reason
// alone — the template grants lambda:InvokeFunction on this function to the edge's task role and
// to nobody else, and API Gateway only ever invokes it with its own event, which always carries a
// requestContext (so an HTTP body can never be taken for an invoke payload: the body is a string
// field inside API Gateway's event, not the event's top level).
//
// Invoke tells the two apart on the payload's top level: an object with "requestContext" is an API
// Gateway HTTP event (payload 2.0) and goes to the router; an object with "kind":"voice.turn" and
// no requestContext is a voice turn. A voice turn's answer is the HTTP route's answer body (the
// same JSON as POST /v1/voice/turns) or {"error": problem} with the same problem types, without
// internal text. Anything else is a function error with a fixed message.
//
// A direct turn takes from the tenant's chat rate limit as the HTTP route does, and starts count
// against the same quotas (the conversation service's). It has no Idempotency-Key: the edge's client
// (media-edge/turns) retries only invocations that surely did not run, and a repeated first turn
// of a call is harmless (the call is greeted once).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/tenant"
)

// VoiceTurnKind is the "kind" of a voice-turn invoke payload.
const VoiceTurnKind = "voice.turn"

// maxInvokePayload bounds a voice-turn payload: the HTTP route's body limit.
const maxInvokePayload = MaxBody

// errUnrecognisedPayload is the function error of a payload that is neither an API Gateway HTTP
// event nor a voice turn. Its text is all the invoker learns.
var errUnrecognisedPayload = errors.New("unrecognised invocation payload: neither an API Gateway HTTP event nor a voice turn")

// voiceInvoke is a voice turn invoked directly by the media edge.
type voiceInvoke struct {
	Kind string `json:"kind"`
	// Tenant is the tenant of the dialled number, as the edge resolved it.
	Tenant string `json:"tenant"`
	CallID string `json:"call_id"`
	// Caller is the calling number (personal data); Dialled the number the caller dialled.
	Caller   string `json:"caller"`
	Dialled  string `json:"dialled"`
	Language string `json:"language"`
	// Text is what the recogniser heard (an empty string: the caller said nothing before the
	// gather's timeout); DTMF the keys pressed. At most one of them; neither is a timeout or, on
	// a call's first turn, the call's answer.
	Text       *string  `json:"text" text:"multiline"`
	DTMF       *string  `json:"dtmf"`
	Confidence *float64 `json:"confidence"`
}

// voiceInvokeError is the answer to a voice turn that failed.
type voiceInvokeError struct {
	Error httpapi.Problem `json:"error"`
}

// Invoke is the chat function's Lambda handler: API Gateway HTTP events go to Handle, the media
// edge's voice turns to the conversation service's Voice (see the top of this file).
func (api *API) Invoke(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(payload, &top); err != nil {
		return nil, errUnrecognisedPayload
	}
	if rc, ok := top["requestContext"]; ok && !bytes.Equal(bytes.TrimSpace(rc), []byte("null")) {
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, errUnrecognisedPayload
		}
		resp, err := api.Handle(ctx, req)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	}
	var kind string
	if json.Unmarshal(top["kind"], &kind) != nil || kind != VoiceTurnKind {
		return nil, errUnrecognisedPayload
	}
	return api.invokeVoice(ctx, payload)
}

// invokeVoice runs one voice turn of the media edge and renders its answer.
func (api *API) invokeVoice(ctx context.Context, payload []byte) (json.RawMessage, error) {
	out, err := api.voiceTurnDirect(ctx, payload)
	if err != nil {
		p := httpapi.ProblemFor(err, "")
		if p.Status >= 500 {
			api.log.ErrorContext(ctx, "voice turn failed", "status", p.Status, "err", err)
		} else {
			api.log.InfoContext(ctx, "voice turn rejected", "status", p.Status, "problem", p.Type, "detail", p.Detail)
		}
		return httpapi.Marshal(voiceInvokeError{Error: p})
	}
	return httpapi.Marshal(out)
}

func (api *API) voiceTurnDirect(ctx context.Context, payload []byte) (voiceResponse, error) {
	if len(payload) > maxInvokePayload {
		return voiceResponse{}, httpapi.Errorf(httpapi.KindTooLarge, "payload is %d bytes; the limit is %d", len(payload), maxInvokePayload)
	}
	var body voiceInvoke
	if err := httpapi.DecodeStrictJSON(payload, &body); err != nil {
		return voiceResponse{}, err
	}
	t, in, err := body.input()
	if err != nil {
		return voiceResponse{}, err
	}
	if err := api.takeChatTurn(ctx, t); err != nil {
		return voiceResponse{}, err
	}
	reply, err := api.conv.Voice(ctx, t, in)
	if err != nil {
		return voiceResponse{}, problem(err, in.ConversationID)
	}
	return voiceView(reply), nil
}

// takeChatTurn takes one request of the tenant's chat rate limit, as the HTTP voice route does
// (WithRateLimiter); a limiter that fails admits the turn, as the router does.
func (api *API) takeChatTurn(ctx context.Context, t tenant.ID) error {
	if api.limiter == nil {
		return nil
	}
	d, err := api.limiter.Allow(ctx, t, httpapi.RateChat)
	if err != nil {
		api.log.WarnContext(ctx, "rate limiter failed; voice turn admitted", "tenant", t.String(), "err", err)
		return nil
	}
	if !d.Allowed {
		secs := int64(math.Ceil(d.RetryAfter.Seconds()))
		return httpapi.Errorf(httpapi.KindRateLimited, "this tenant's chat requests are over their limit; retry after %d s", secs)
	}
	return nil
}

// input checks a voice-turn payload the way the HTTP route checks its body (voiceBody), plus the
// fields only the edge sends.
func (b voiceInvoke) input() (tenant.ID, conversation.VoiceInput, error) {
	var f fields
	// The tenant comes from the edge's number directory; only the edge's role may invoke this
	// function directly (see the top of this file).
	t, err := tenant.Parse(b.Tenant)
	if err != nil {
		f.add("/tenant", "must be a tenant id")
	}
	in, err := voiceBody{CallID: b.CallID, Text: b.Text, DTMF: b.DTMF, Caller: b.Caller}.input()
	var inv *httpapi.Error
	if errors.As(err, &inv) {
		f = append(f, inv.Fields...)
	} else if err != nil {
		return tenant.ID{}, in, err
	}
	checkID(&f, "/dialled", b.Dialled, maxCallerLen, false)
	switch b.Language {
	case "", "zh", "en":
		in.Language = botconfig.Lang(b.Language)
	default:
		f.add("/language", `must be "zh" or "en" (or omitted, to follow the caller)`)
	}
	if c := b.Confidence; c != nil && (math.IsNaN(*c) || *c < 0 || *c > 1) {
		f.add("/confidence", "must be between 0 and 1")
	}
	if b.Confidence != nil && b.Text == nil {
		f.add("/confidence", "goes with text")
	}
	if err := f.err(); err != nil {
		return tenant.ID{}, in, err
	}
	return t, in, nil
}
