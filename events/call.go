package events

import (
	"fmt"
	"strings"
)

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

// CallStarted (call.started) records that a call reached the media edge and was accepted (its
// dialled number is the tenant's and its source is allowed); call.answered follows when the edge
// answers it, call.ended when it ends. The envelope's subject is the call id.
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
	// SIPCallID is the SIP Call-ID of the call's dialog, for tracing it in SIP logs; the call's
	// own id (CallID) is the edge's. Omitted by producers that predate it.
	SIPCallID string `json:"sip_call_id,omitempty" jsonschema:"maxLength=256"`
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
	// Disposition is how the call turned out for the customer; omitted by producers that predate
	// it.
	Disposition CallDisposition `json:"disposition,omitempty"`
	// HangupSide is who ended the call; omitted by producers that predate it.
	HangupSide HangupSide `json:"hangup_side,omitempty"`
	// HangupCause is how the call ended on the wire; omitted by producers that predate it.
	HangupCause HangupCause `json:"hangup_cause,omitempty"`
	// SIPStatus is the final SIP status of a call that failed or was cancelled (e.g. 487, 503);
	// omitted otherwise.
	SIPStatus int `json:"sip_status,omitempty" jsonschema:"minimum=300,maximum=699"`
	// TalkMS is how long the caller was connected to a person after a transfer, in milliseconds;
	// omitted when the call was not transferred.
	TalkMS int64 `json:"talk_ms,omitempty" jsonschema:"minimum=0"`
}

func (e CallEnded) check() error {
	if e.TalkMS > e.DurationMS {
		return fmt.Errorf("talk_ms %d is longer than the call's duration_ms %d", e.TalkMS, e.DurationMS)
	}
	return nil
}

// CallDisposition is how a call turned out for the customer.
type CallDisposition string

// Call dispositions.
const (
	// DispositionResolvedByBot: the bot served the call to its end.
	DispositionResolvedByBot CallDisposition = "resolved_by_bot"
	// DispositionTransferred: the call went to a person (an agent or a queue's SIP target).
	DispositionTransferred CallDisposition = "transferred"
	// DispositionAbandoned: the caller hung up before the bot or a person finished.
	DispositionAbandoned CallDisposition = "abandoned"
	// DispositionFailed: signalling or media failed, or the edge could not serve the call.
	DispositionFailed CallDisposition = "failed"
	// DispositionCallbackRequested: the caller waiting in a queue pressed 1 to be called back and
	// the edge ended the call; the contact stays queued as a callback.
	DispositionCallbackRequested CallDisposition = "callback_requested"
	// DispositionDiverted: the caller hung up while queued after being offered self-service
	// (call.diverted).
	DispositionDiverted CallDisposition = "diverted"
)

// HangupSide is who ended a call.
type HangupSide string

// Hangup sides.
const (
	// HangupCaller: the customer (or their network).
	HangupCaller HangupSide = "caller"
	// HangupEdge: the media edge: the bot's hangup, a timeout, a shutdown.
	HangupEdge HangupSide = "edge"
	// HangupAgent: the person the call was transferred to.
	HangupAgent HangupSide = "agent"
)

// HangupCause is how a call ended on the wire.
type HangupCause string

// Hangup causes.
const (
	// CauseBye: a BYE (from whichever side HangupSide says).
	CauseBye HangupCause = "bye"
	// CauseCancel: the caller cancelled before the answer (CANCEL).
	CauseCancel HangupCause = "cancel"
	// CauseRTPTimeout: no RTP arrived for the configured time.
	CauseRTPTimeout HangupCause = "rtp_timeout"
	// CauseSessionExpired: the session timer expired without a refresh (RFC 4028).
	CauseSessionExpired HangupCause = "session_expired"
	// CauseTransferFailed: the transfer target could not be reached.
	CauseTransferFailed HangupCause = "transfer_failed"
	// CauseShutdown: the edge was stopped before the call ended (a forced drain).
	CauseShutdown HangupCause = "shutdown"
	// CauseError: an error of the edge or of the peer's signalling (SIPStatus says which).
	CauseError HangupCause = "error"
)

// CallAnswered (call.answered) records that the media edge answered a call (200 OK acknowledged):
// from here the call is recorded and billed. The envelope's subject is the call id.
type CallAnswered struct {
	// CallID is the call's id (the envelope's subject).
	CallID string `json:"call_id" jsonschema:"minLength=1,maxLength=128"`
	// Codec is the negotiated audio codec.
	Codec CallCodec `json:"codec"`
	// SRTP says whether the media is encrypted (SRTP keyed by SDES).
	SRTP bool `json:"srtp"`
	// Recorded says whether the call is being recorded.
	Recorded bool `json:"recorded"`
	// SetupMS is the time from the INVITE to the answer, in milliseconds.
	SetupMS int64 `json:"setup_ms" jsonschema:"minimum=0"`
}

// CallCodec is an audio codec of a call.
type CallCodec string

// Codecs.
const (
	// CodecPCMU: G.711 µ-law.
	CodecPCMU CallCodec = "PCMU"
	// CodecPCMA: G.711 A-law.
	CodecPCMA CallCodec = "PCMA"
)

// CallRejected (call.rejected) records a call the media edge refused before answering it: the
// toll-fraud protection's trail. It is emitted for numbers of the tenant (a refusal for a number
// no tenant has is only logged). The envelope's subject is the call id.
type CallRejected struct {
	// CallID is the refused INVITE's Call-ID (the envelope's subject).
	CallID string `json:"call_id" jsonschema:"minLength=1,maxLength=128"`
	// From is the calling number or SIP URI the INVITE claimed. Personal data.
	From string `json:"from" jsonschema:"minLength=1,maxLength=256" jsonschema_extras:"x-personal-data=true"`
	// To is the dialled number or SIP URI. Personal data on outbound calls.
	To string `json:"to" jsonschema:"minLength=1,maxLength=256" jsonschema_extras:"x-personal-data=true"`
	// Source is the address the INVITE came from ("203.0.113.7:5060", "[2001:db8::1]:5060").
	// Personal data.
	Source string `json:"source" jsonschema:"minLength=1,maxLength=64" jsonschema_extras:"x-personal-data=true"`
	// Transport is the SIP transport the INVITE came over.
	Transport SIPTransport `json:"transport"`
	// Reason is why the call was refused.
	Reason CallRejectReason `json:"reason"`
	// SIPStatus is the status the edge answered (403, 404, 488, 503, …).
	SIPStatus int `json:"sip_status" jsonschema:"minimum=400,maximum=699"`
}

// SIPTransport is a SIP transport.
type SIPTransport string

// SIP transports.
const (
	TransportUDP SIPTransport = "udp"
	TransportTCP SIPTransport = "tcp"
	TransportTLS SIPTransport = "tls"
)

// CallRejectReason is why the media edge refused a call.
type CallRejectReason string

// Reasons for refusing a call.
const (
	// RejectSourceNotAllowed: the source address is none of the number's trunks'.
	RejectSourceNotAllowed CallRejectReason = "source_not_allowed"
	// RejectAuthFailed: the trunk's digest credentials were missing or wrong.
	RejectAuthFailed CallRejectReason = "auth_failed"
	// RejectBlocked: the source is blocked for a while after repeated authentication failures.
	RejectBlocked CallRejectReason = "blocked"
	// RejectWrongTransport: the trunk must use another transport (TLS, say).
	RejectWrongTransport CallRejectReason = "wrong_transport"
	// RejectMediaNotAcceptable: no codec in common, or plain RTP offered to a trunk that requires
	// SRTP.
	RejectMediaNotAcceptable CallRejectReason = "media_not_acceptable"
	// RejectDraining: the edge is shutting down and takes no new calls.
	RejectDraining CallRejectReason = "draining"
)

// CallBargeIn (call.barge_in) records that the caller spoke (or keyed) over a prompt and the prompt
// stopped. The envelope's subject is the call id.
type CallBargeIn struct {
	// CallID is the call's id (the envelope's subject).
	CallID string `json:"call_id" jsonschema:"minLength=1,maxLength=128"`
	// AtMS is when the caller's input started, in milliseconds from the call's answer.
	AtMS int64 `json:"at_ms" jsonschema:"minimum=0"`
	// PromptPositionMS is how much of the prompt had played when it stopped, in milliseconds.
	PromptPositionMS int64 `json:"prompt_position_ms" jsonschema:"minimum=0"`
	// PromptMS is the prompt's whole length, in milliseconds; not less than PromptPositionMS
	// (checked by the Go type).
	PromptMS int64 `json:"prompt_ms" jsonschema:"minimum=0"`
	// Input is what interrupted the prompt.
	Input BargeInInput `json:"input"`
}

func (b CallBargeIn) check() error {
	if b.PromptPositionMS > b.PromptMS {
		return fmt.Errorf("prompt_position_ms %d is past the prompt's end, prompt_ms %d", b.PromptPositionMS, b.PromptMS)
	}
	return nil
}

// BargeInInput is what interrupted a prompt.
type BargeInInput string

// Barge-in inputs.
const (
	BargeInSpeech BargeInInput = "speech"
	BargeInDTMF   BargeInInput = "dtmf"
)

// CallTransferred (call.transferred) records that the media edge bridged a call to a person: a
// registered agent's softphone or the SIP URI configured for the queue. The envelope's subject is
// the call id.
type CallTransferred struct {
	// CallID is the call's id (the envelope's subject).
	CallID string `json:"call_id" jsonschema:"minLength=1,maxLength=128"`
	// Queue is the queue the bot handed the call to.
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=64"`
	// TargetKind says what Target is.
	TargetKind TransferTargetKind `json:"target_kind"`
	// Target is the agent's softphone username, or the SIP URI the call went to; never with
	// credentials (no password in the URI, checked by the Go type). Personal data.
	Target string `json:"target" jsonschema:"minLength=1,maxLength=256" jsonschema_extras:"x-personal-data=true"`
	// RingMS is how long the target rang before it answered, in milliseconds.
	RingMS int64 `json:"ring_ms" jsonschema:"minimum=0"`
}

func (c CallTransferred) check() error {
	if c.TargetKind != TransferToSIPURI {
		if strings.ContainsAny(c.Target, ":@;") {
			return fmt.Errorf("an agent target is a softphone username, not %q", c.Target)
		}
		return nil
	}
	rest, ok := strings.CutPrefix(c.Target, "sips:")
	if !ok {
		if rest, ok = strings.CutPrefix(c.Target, "sip:"); !ok {
			return fmt.Errorf("target %q is not a sip: or sips: URI", c.Target)
		}
	}
	if user, _, found := strings.Cut(rest, "@"); found && strings.Contains(user, ":") {
		return fmt.Errorf("the target URI carries a password")
	}
	return nil
}

// TransferTargetKind is what a transfer went to.
type TransferTargetKind string

// Transfer target kinds.
const (
	// TransferToAgent: a registered agent's softphone (Target is its username).
	TransferToAgent TransferTargetKind = "agent"
	// TransferToSIPURI: the SIP URI configured for the queue.
	TransferToSIPURI TransferTargetKind = "sip_uri"
)
