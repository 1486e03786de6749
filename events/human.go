package events

import "time"

// AgentStatus is an agent's presence on the floor: only available agents receive offers.
type AgentStatus string

// Agent statuses.
const (
	// AgentAvailable: the agent takes contacts up to their capacity.
	AgentAvailable AgentStatus = "available"
	// AgentBreak: the agent is signed in but takes no new contacts.
	AgentBreak AgentStatus = "break"
	// AgentOffline: the agent is not working.
	AgentOffline AgentStatus = "offline"
)

// AgentStateReason is why an agent's status changed.
type AgentStateReason string

// Reasons for an agent's status change.
const (
	// AgentReasonSelf: the agent set it.
	AgentReasonSelf AgentStateReason = "self"
	// AgentReasonSupervisor: a supervisor or admin set it.
	AgentReasonSupervisor AgentStateReason = "supervisor"
	// AgentReasonMissedOffers: the dispatcher took the agent off after offers went unanswered.
	AgentReasonMissedOffers AgentStateReason = "missed_offers"
	// AgentReasonSignOut: the agent's session ended.
	AgentReasonSignOut AgentStateReason = "sign_out"
)

// AgentState (agent.state) records that an agent's status changed. The envelope's subject is the
// agent's user id.
type AgentState struct {
	// AgentID is the agent's user id ("usr_…").
	AgentID string `json:"agent_id" jsonschema:"minLength=1,maxLength=64"`
	// State is the status after the change.
	State AgentStatus `json:"state"`
	// Previous is the status before the change; offline for an agent seen the first time.
	Previous AgentStatus `json:"previous"`
	// Reason is why it changed.
	Reason AgentStateReason `json:"reason"`
	// By is who changed it: "user/<id>" of the agent or supervisor, an API key's id, or
	// "dispatch".
	By string `json:"by" jsonschema:"minLength=1,maxLength=128"`
}

// QueueReason is why a contact entered (or re-entered) a queue.
type QueueReason string

// Reasons a contact is queued.
const (
	// QueueHandoff: the bot handed the customer over (contact.created).
	QueueHandoff QueueReason = "handoff"
	// QueueAPI: a partner created the contact through the API.
	QueueAPI QueueReason = "api"
	// QueueDeclined: the agent offered the contact declined it.
	QueueDeclined QueueReason = "declined"
	// QueueOfferTimeout: the agent offered the contact did not answer in time.
	QueueOfferTimeout QueueReason = "offer_timeout"
	// QueueTransfer: an agent or supervisor moved the contact to a queue.
	QueueTransfer QueueReason = "transfer"
	// QueueRequeued: the contact went back to waiting for another reason (its agent went
	// offline).
	QueueRequeued QueueReason = "requeued"
)

// ContactQueued (contact.queued) records that a contact waits in a queue for an agent. The
// envelope's subject is the contact id.
type ContactQueued struct {
	// Channel is the medium of the contact.
	Channel Channel `json:"channel"`
	// Queue is the queue the contact waits in.
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=128"`
	// Priority is the contact's own priority, added to the queue's; higher is more urgent.
	Priority int `json:"priority"`
	// Reason is why it is queued.
	Reason QueueReason `json:"reason"`
}

// ContactOffered (contact.offered) records that a waiting contact was offered to an agent, who
// may accept it until ExpiresAt. The envelope's subject is the contact id.
type ContactOffered struct {
	// AgentID is the agent offered the contact.
	AgentID string `json:"agent_id" jsonschema:"minLength=1,maxLength=64"`
	// Queue is the queue the contact waited in.
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=128"`
	// Channel is the medium of the contact.
	Channel Channel `json:"channel"`
	// OfferID names this offer; accepting or declining quotes it.
	OfferID string `json:"offer_id" jsonschema:"minLength=1,maxLength=64"`
	// ExpiresAt is when the offer times out and the contact goes to the next agent.
	ExpiresAt time.Time `json:"expires_at"`
	// Ring is the overflow step through which the agent qualified: 0 for the queue's own skills.
	Ring int `json:"ring" jsonschema:"minimum=0"`
}

// ContactAssigned (contact.assigned) records that an agent accepted an offered contact. The
// envelope's subject is the contact id.
type ContactAssigned struct {
	// AgentID is the agent who accepted.
	AgentID string `json:"agent_id" jsonschema:"minLength=1,maxLength=64"`
	// Queue is the queue the contact waited in.
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=128"`
	// Channel is the medium of the contact.
	Channel Channel `json:"channel"`
	// OfferID is the offer accepted.
	OfferID string `json:"offer_id" jsonschema:"minLength=1,maxLength=64"`
	// WaitMS is how long the contact waited in the queue, in milliseconds, from being queued to
	// being accepted.
	WaitMS int64 `json:"wait_ms" jsonschema:"minimum=0"`
}

// AbandonReason is why a waiting contact left its queue without an agent.
type AbandonReason string

// Reasons a contact is abandoned.
const (
	// AbandonCustomerLeft: the customer ended the conversation or hung up while waiting.
	AbandonCustomerLeft AbandonReason = "customer_left"
	// AbandonMaxWait: the contact waited the queue's maximum wait without an agent.
	AbandonMaxWait AbandonReason = "max_wait"
	// AbandonDiverted: the caller hung up after the dispatch engine offered self-service
	// (call.diverted): served elsewhere, not lost.
	AbandonDiverted AbandonReason = "diverted"
)

// ContactAbandoned (contact.abandoned) records that a contact left its queue without reaching an
// agent. The envelope's subject is the contact id.
type ContactAbandoned struct {
	// Queue is the queue the contact waited in.
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=128"`
	// Channel is the medium of the contact.
	Channel Channel `json:"channel"`
	// WaitMS is how long the contact waited, in milliseconds.
	WaitMS int64 `json:"wait_ms" jsonschema:"minimum=0"`
	// Reason is why it left.
	Reason AbandonReason `json:"reason"`
}

// ContactTransferred (contact.transferred) records that an assigned contact was moved to another
// queue or straight to another agent. The envelope's subject is the contact id; contact.queued
// (to a queue) or contact.offered (to an agent) follows.
type ContactTransferred struct {
	// FromAgent is the agent who had the contact.
	FromAgent string `json:"from_agent" jsonschema:"minLength=1,maxLength=64"`
	// ToQueue is the queue the contact goes to; the contact's queue when it goes to an agent.
	ToQueue string `json:"to_queue" jsonschema:"minLength=1,maxLength=128"`
	// ToAgent is the agent the contact is offered to; omitted for a transfer to a queue.
	ToAgent string `json:"to_agent,omitempty" jsonschema:"maxLength=64"`
	// By is who moved it: "user/<id>" of the agent or supervisor.
	By string `json:"by" jsonschema:"minLength=1,maxLength=128"`
}

// DispatchDecided (dispatch.decided) records why the dispatcher offered a contact to an agent:
// the candidates it ranked and the reason for its choice. The envelope's subject is the contact
// id; contact.offered follows.
type DispatchDecided struct {
	// Queue is the queue the contact waited in.
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=128"`
	// Channel is the medium of the contact.
	Channel Channel `json:"channel"`
	// AgentID is the agent chosen.
	AgentID string `json:"agent_id" jsonschema:"minLength=1,maxLength=64"`
	// Ring is the overflow step through which the chosen agent qualified.
	Ring int `json:"ring" jsonschema:"minimum=0"`
	// Why is the choice in one sentence.
	Why string `json:"why" jsonschema:"maxLength=512"`
	// Considered is how many agents could take the contact at that moment.
	Considered int `json:"considered" jsonschema:"minimum=0"`
	// Candidates are the best-ranked agents, in rank order, the chosen one among them.
	Candidates []DispatchCandidate `json:"candidates"`
}

// DispatchCandidate is one agent as the dispatcher scored them for a contact.
type DispatchCandidate struct {
	// AgentID is the agent.
	AgentID string `json:"agent_id" jsonschema:"minLength=1,maxLength=64"`
	// Rank is the agent's place, 1 the best.
	Rank int `json:"rank" jsonschema:"minimum=1"`
	// Ring is the overflow step through which the agent qualified.
	Ring int `json:"ring" jsonschema:"minimum=0"`
	// Proficiency is the agent's proficiency summed over the ring's skills.
	Proficiency int `json:"proficiency" jsonschema:"minimum=0"`
	// Load is how many contacts of the channel the agent had.
	Load int `json:"load" jsonschema:"minimum=0"`
	// FreeSlots is how many more contacts of the channel the agent could take.
	FreeSlots int `json:"free_slots"`
	// IdleMS is how long the agent had been idle, in milliseconds.
	IdleMS int64 `json:"idle_ms" jsonschema:"minimum=0"`
	// Missed counts the offers the agent let time out since they last accepted one.
	Missed int `json:"missed" jsonschema:"minimum=0"`
	// Chosen marks the agent offered the contact.
	Chosen bool `json:"chosen"`
	// Note says why the agent ranks where it does against the chosen one.
	Note string `json:"note" jsonschema:"maxLength=256"`
}
