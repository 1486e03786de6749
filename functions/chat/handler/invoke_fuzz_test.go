package handler

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/tenant"
)

// recordingConversations answers every voice turn and keeps what it was given.
type recordingConversations struct {
	Conversations
	got []conversation.VoiceInput
}

func (r *recordingConversations) Voice(_ context.Context, t tenant.ID, in conversation.VoiceInput) (conversation.Reply, error) {
	if t.IsZero() {
		return conversation.Reply{}, errors.New("zero tenant")
	}
	r.got = append(r.got, in)
	return conversation.Reply{Conversation: &conversation.Conversation{ID: "v1", State: conversation.StateActive}}, nil
}

type noKeys struct{}

func (noKeys) Authenticate(context.Context, string) (auth.Principal, error) {
	return auth.Principal{}, auth.ErrUnauthenticated
}

// Invoke payloads are untrusted bytes as far as the parser goes: every payload is refused (a
// function error, or a problem), routed to the HTTP router, or turned into a voice turn with a
// tenant, a call id and at most one of text and keys.
func FuzzInvokePayload(f *testing.F) {
	for _, s := range []string{
		`{"kind":"voice.turn","tenant":"acme","call_id":"a@b"}`,
		`{"kind":"voice.turn","tenant":"acme","call_id":"a@b","text":"I lost my card","confidence":0.8,"language":"en"}`,
		`{"kind":"voice.turn","tenant":"acme","call_id":"a@b","dtmf":"4321#","caller":"+8613800000000","dialled":"+862160001234"}`,
		`{"kind":"voice.turn","requestContext":null,"tenant":"acme","call_id":"x"}`,
		`{"version":"2.0","routeKey":"POST /v1/voice/turns","rawPath":"/v1/voice/turns","requestContext":{"http":{"method":"POST","path":"/v1/voice/turns"}},"body":"{}"}`,
		`{"kind":"voice.turn","tenant":"","call_id":""}`, `[]`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		conv := &recordingConversations{}
		api := New(conv, nil, noKeys{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		out, err := api.Invoke(context.Background(), b)
		if err != nil {
			if !errors.Is(err, errUnrecognisedPayload) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("answer %q is not JSON", out)
		}
		for _, in := range conv.got {
			if in.CallID == "" || in.Text != "" && in.DTMF != "" || in.Language != "" && in.Language != "zh" && in.Language != "en" {
				t.Fatalf("accepted %+v", in)
			}
		}
	})
}
