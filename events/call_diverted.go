package events

// CallDiverted (call.diverted) records that a caller waiting in a queue was offered self-service
// by the real-time dispatch engine's divert strategy: the edge announced the app and that a link
// was sent by text message, which the tenant's webhook sends (this event is its cue). The caller
// stays in the queue unless they hang up (then contact.abandoned with reason diverted). The
// envelope's subject is the call id.
type CallDiverted struct {
	// CallID is the call's id (the envelope's subject).
	CallID string `json:"call_id" jsonschema:"minLength=1,maxLength=128"`
	// ConversationID is the call's conversation, which is also its contact on the floor.
	ConversationID string `json:"conversation_id" jsonschema:"minLength=1,maxLength=160"`
	// Queue is the queue the caller waits in.
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=128"`
	// ActivationID is the engine's activation of the divert strategy that made the offer
	// (GET /v1/dispatch/activations/{id}).
	ActivationID string `json:"activation_id" jsonschema:"minLength=1,maxLength=128"`
	// From is the caller's number, as call.started has it (E.164 or a SIP URI): where to send the
	// link. Personal data.
	From string `json:"from" jsonschema:"minLength=1,maxLength=256" jsonschema_extras:"x-personal-data=true"`
	// Link is the self-service link the activation announces; omitted when the activation has
	// none (the webhook sends the tenant's own).
	Link string `json:"link,omitempty" jsonschema:"maxLength=2048"`
}
