package events

import "fmt"

// Direction is who placed a call.
type Direction string

// Call directions.
const (
	// DirectionInbound: the customer called the tenant.
	DirectionInbound Direction = "inbound"
	// DirectionOutbound: Lingxi called the customer.
	DirectionOutbound Direction = "outbound"
)

// CallEndReason is why a call ended.
type CallEndReason string

// Call end reasons.
const (
	// CallEndCallerHangup: the customer hung up.
	CallEndCallerHangup CallEndReason = "caller_hangup"
	// CallEndBotHangup: the bot ended the call.
	CallEndBotHangup CallEndReason = "bot_hangup"
	// CallEndAgentHangup: a human agent ended the call.
	CallEndAgentHangup CallEndReason = "agent_hangup"
	// CallEndTransferred: the call was transferred out of Lingxi.
	CallEndTransferred CallEndReason = "transferred"
	// CallEndNoAnswer: an outbound call was not answered.
	CallEndNoAnswer CallEndReason = "no_answer"
	// CallEndFailed: signalling or media failed.
	CallEndFailed CallEndReason = "failed"
)

// CallStarted (call.started) records that a call was answered by the media edge. The envelope's
// subject is the call id.
type CallStarted struct {
	// CallID is the call's id (the envelope's subject).
	CallID string `json:"call_id" jsonschema:"minLength=1,maxLength=128"`
	// Direction is who placed the call.
	Direction Direction `json:"direction"`
	// From is the calling number, E.164 ("+8613800138000") or a SIP URI; "anonymous" when
	// withheld. Personal data.
	From string `json:"from" jsonschema:"minLength=1,maxLength=256" jsonschema_extras:"x-personal-data=true"`
	// To is the called number, E.164 or a SIP URI. Personal data on outbound calls.
	To string `json:"to" jsonschema:"minLength=1,maxLength=256" jsonschema_extras:"x-personal-data=true"`
}

// CallDTMF (call.dtmf) records one keypad digit pressed during a call. The envelope's subject is
// the call id.
type CallDTMF struct {
	// CallID is the call's id (the envelope's subject).
	CallID string `json:"call_id" jsonschema:"minLength=1,maxLength=128"`
	// Digit is the key: one of 0-9, *, # and A-D (RFC 4733 events 0-15).
	Digit string `json:"digit" jsonschema:"pattern=^[0-9*#A-D]$"`
	// DurationMS is how long the key was held, in milliseconds.
	DurationMS int64 `json:"duration_ms" jsonschema:"minimum=0"`
}

// CallUtterance (call.utterance) records one final speech-recognition result of the caller. The
// envelope's subject is the call id.
type CallUtterance struct {
	// CallID is the call's id (the envelope's subject).
	CallID string `json:"call_id" jsonschema:"minLength=1,maxLength=128"`
	// Text is the transcript of the utterance. Personal data.
	Text string `json:"text" jsonschema_extras:"x-personal-data=true"`
	// Confidence is the recogniser's confidence, from 0 to 1.
	Confidence float64 `json:"confidence" jsonschema:"minimum=0,maximum=1"`
	// StartMS is where the utterance starts, in milliseconds from the call's answer.
	StartMS int64 `json:"start_ms" jsonschema:"minimum=0"`
	// EndMS is where the utterance ends, in milliseconds from the call's answer; not before
	// StartMS (checked by the Go type: JSON Schema cannot compare two fields).
	EndMS int64 `json:"end_ms" jsonschema:"minimum=0"`
}

func (u CallUtterance) check() error {
	if u.EndMS < u.StartMS {
		return fmt.Errorf("end_ms %d is before start_ms %d", u.EndMS, u.StartMS)
	}
	return nil
}

// CallEnded (call.ended) records that a call ended. The envelope's subject is the call id.
type CallEnded struct {
	// CallID is the call's id (the envelope's subject).
	CallID string `json:"call_id" jsonschema:"minLength=1,maxLength=128"`
	// Reason is why the call ended.
	Reason CallEndReason `json:"reason"`
	// DurationMS is the call's length from answer to end, in milliseconds.
	DurationMS int64 `json:"duration_ms" jsonschema:"minimum=0"`
	// RecordingKey is the S3 key of the call's recording; omitted when the call was not recorded.
	RecordingKey string `json:"recording_key,omitempty" jsonschema:"maxLength=1024"`
}
