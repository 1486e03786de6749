package turns

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Kind marks a voice-turn payload (the chat function tells it from an API Gateway event by it).
const Kind = "voice.turn"

// request is the invoke payload.
type request struct {
	Kind       string   `json:"kind"`
	Tenant     string   `json:"tenant"`
	CallID     string   `json:"call_id"`
	Caller     string   `json:"caller,omitempty"`
	Dialled    string   `json:"dialled,omitempty"`
	Language   string   `json:"language,omitempty"`
	Text       *string  `json:"text,omitempty"`
	DTMF       *string  `json:"dtmf,omitempty"`
	Confidence *float64 `json:"confidence,omitempty"`
}

func encode(t tenant.ID, in Input) ([]byte, error) {
	if in.Text != "" && in.DTMF != "" {
		return nil, errTextAndDTMF
	}
	r := request{Kind: Kind, Tenant: t.String(), CallID: in.CallID, Caller: in.Caller, Dialled: in.Dialled, Language: in.Language}
	if in.Text != "" {
		r.Text = &in.Text
		c := in.Confidence
		r.Confidence = &c
	}
	if in.DTMF != "" {
		r.DTMF = &in.DTMF
	}
	return json.Marshal(r)
}

// ActionType names an Action.
type ActionType string

// The actions the bot asks of the edge.
const (
	// Say: play Text.
	Say ActionType = "say"
	// Gather: listen for the caller's next input, speech (with Hints) and/or keys (DTMF, up to
	// MaxDigits), for TimeoutMS.
	Gather ActionType = "gather"
	// Transfer: bridge the call to Queue's voice transfer target.
	Transfer ActionType = "transfer"
	// Hangup: end the call.
	Hangup ActionType = "hangup"
)

// Action is one thing the edge does, in order.
type Action struct {
	Type      ActionType `json:"type"`
	Text      string     `json:"text,omitempty"`
	Hints     []string   `json:"hints,omitempty"`
	DTMF      bool       `json:"dtmf,omitempty"`
	MaxDigits int        `json:"max_digits,omitempty"`
	TimeoutMS int        `json:"timeout_ms,omitempty"`
	Queue     string     `json:"queue,omitempty"`
}

// State is the conversation's state after the turn.
type State string

// Conversation states.
const (
	StateActive  State = "active"
	StateHandoff State = "handoff"
	StateEnded   State = "ended"
)

// Reply is the bot's answer to a voice turn.
type Reply struct {
	ConversationID string   `json:"conversation_id"`
	Actions        []Action `json:"actions"`
	State          State    `json:"state"`
	// Language is the language the call is answered in ("zh" or "en").
	Language string `json:"language,omitempty"`
}

// answer is either a Reply or a problem.
type answer struct {
	Reply
	Error *Error `json:"error"`
}

// maxAnswer bounds what decode reads: Lambda's 6 MB response limit.
const maxAnswer = 6 << 20

// decode reads the chat function's answer. Fields it does not know are ignored (the answer may
// grow); an action it does not know is an error, since the edge cannot carry it out.
func decode(payload []byte) (Reply, error) {
	if len(payload) > maxAnswer {
		return Reply{}, fmt.Errorf("%w: %d bytes", errBadAnswer, len(payload))
	}
	var a answer
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&a); err != nil {
		return Reply{}, fmt.Errorf("%w: %v", errBadAnswer, err)
	}
	if dec.More() {
		return Reply{}, fmt.Errorf("%w: more than one JSON value", errBadAnswer)
	}
	if a.Error != nil {
		if a.Error.Type == "" || a.Error.Status == 0 {
			return Reply{}, fmt.Errorf("%w: an error without type or status", errBadAnswer)
		}
		return Reply{}, a.Error
	}
	r := a.Reply
	if r.ConversationID == "" {
		return Reply{}, fmt.Errorf("%w: no conversation_id", errBadAnswer)
	}
	switch r.State {
	case StateActive, StateHandoff, StateEnded:
	default:
		return Reply{}, fmt.Errorf("%w: state %q", errBadAnswer, r.State)
	}
	for i, act := range r.Actions {
		switch act.Type {
		case Say, Gather, Transfer, Hangup:
		default:
			return Reply{}, fmt.Errorf("%w: action %d has type %q", errBadAnswer, i, act.Type)
		}
		if act.MaxDigits < 0 || act.TimeoutMS < 0 {
			return Reply{}, fmt.Errorf("%w: action %d has a negative limit", errBadAnswer, i)
		}
	}
	if r.Actions == nil {
		r.Actions = []Action{}
	}
	return r, nil
}
