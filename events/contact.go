package events

import "time"

// Channel is the medium of a contact or conversation.
type Channel string

// Channels.
const (
	// ChannelChat is a text conversation (web chat, messaging app).
	ChannelChat Channel = "chat"
	// ChannelVoice is a phone call.
	ChannelVoice Channel = "voice"
)

// Role is who wrote a message or spoke a turn.
type Role string

// Roles.
const (
	// RoleCustomer is the tenant's customer.
	RoleCustomer Role = "customer"
	// RoleBot is Lingxi's bot.
	RoleBot Role = "bot"
	// RoleAgent is a human agent of the tenant.
	RoleAgent Role = "agent"
)

// HandoffReason is why a contact was queued for a human agent.
type HandoffReason string

// Handoff reasons.
const (
	// ReasonCustomerRequest: the customer asked for a person.
	ReasonCustomerRequest HandoffReason = "customer_request"
	// ReasonLowConfidence: the bot could not understand the customer well enough.
	ReasonLowConfidence HandoffReason = "low_confidence"
	// ReasonFlow: the bot's flow for the intent ends with a person.
	ReasonFlow HandoffReason = "flow"
	// ReasonPolicy: a tenant rule requires a person (e.g. complaints, VIP customers).
	ReasonPolicy HandoffReason = "policy"
)

// Outcome is how a contact ended.
type Outcome string

// Outcomes.
const (
	// OutcomeResolvedByBot: the bot resolved the contact without a person.
	OutcomeResolvedByBot Outcome = "resolved_by_bot"
	// OutcomeHandedOff: the bot's part ended by handing the customer to an agent queue.
	OutcomeHandedOff Outcome = "handed_off"
	// OutcomeAbandoned: the customer left before a resolution.
	OutcomeAbandoned Outcome = "abandoned"
	// OutcomeResolvedByAgent: a human agent resolved the contact.
	OutcomeResolvedByAgent Outcome = "resolved_by_agent"
)

// ContactCreated (contact.created) records that a contact was queued for a human agent: the bot, a
// flow or a policy handed the customer over. The envelope's subject is the contact id.
type ContactCreated struct {
	// Channel is the medium of the contact.
	Channel Channel `json:"channel"`
	// CustomerID is the tenant's id for the customer; omitted when the customer is not identified
	// (e.g. an anonymous web chat).
	CustomerID string `json:"customer_id,omitempty" jsonschema:"maxLength=128"`
	// Queue is the agent queue the contact waits in.
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=128"`
	// Intent is the customer's intent as the bot classified it; omitted when unknown.
	Intent string `json:"intent,omitempty" jsonschema:"maxLength=128"`
	// Reason is why the contact was handed to a person.
	Reason HandoffReason `json:"reason"`
	// Attributes is context gathered before the handoff (order number, language, ...), shown to
	// the agent. Personal data.
	Attributes map[string]string `json:"attributes,omitempty" jsonschema_extras:"x-personal-data=true"`
	// Transcript is the conversation so far, oldest first, so the agent need not ask again.
	// Personal data.
	Transcript []Turn `json:"transcript,omitempty" jsonschema_extras:"x-personal-data=true"`
}

// Turn is one message or utterance of a transcript.
type Turn struct {
	// Role is who wrote or said it.
	Role Role `json:"role"`
	// Text is what was written or said (transcribed for voice). Personal data.
	Text string `json:"text" jsonschema_extras:"x-personal-data=true"`
	// Time is when it was written or said.
	Time time.Time `json:"time"`
}

// ContactEnded (contact.ended) records that a customer's contact (a chat conversation or a call,
// whether or not it reached an agent) ended. The envelope's subject is the contact id.
type ContactEnded struct {
	// Channel is the medium of the contact.
	Channel Channel `json:"channel"`
	// Outcome is how the contact ended.
	Outcome Outcome `json:"outcome"`
	// DurationMS is the contact's length in milliseconds, from its first message or answer to its
	// end.
	DurationMS int64 `json:"duration_ms" jsonschema:"minimum=0"`
	// Intent is the contact's main intent as classified; omitted when unknown.
	Intent string `json:"intent,omitempty" jsonschema:"maxLength=128"`
	// Disposition is the wrap-up code the agent chose; omitted when no agent handled the contact.
	Disposition string `json:"disposition,omitempty" jsonschema:"maxLength=64"`
	// AgentID is the agent who handled the contact; omitted when none did.
	AgentID string `json:"agent_id,omitempty" jsonschema:"maxLength=64"`
}
