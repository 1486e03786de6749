package floor

import (
	"encoding/json"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
)

// Store kinds of contacts (see the package comment).
const (
	KindContact        = "contact"
	KindContactWaiting = "contact-waiting"
	KindContactOpen    = "contact-open"
)

// ContactKey is the store key of contact id.
func ContactKey(id string) store.Key { return store.Key{Kind: KindContact, ID: id} }

func waitingKey(id string) store.Key { return store.Key{Kind: KindContactWaiting, ID: id} }

func openKey(agentID, contactID string) store.Key {
	return store.Key{Kind: KindContactOpen, ID: agentID + "#" + contactID}
}

// ContactState is where a contact is in its life.
type ContactState string

// Contact states. queued → offered → assigned → wrapup → closed; offered → queued on a decline or
// a timeout; queued or offered → abandoned when the customer leaves (or the wait is too long).
const (
	StateQueued    ContactState = "queued"
	StateOffered   ContactState = "offered"
	StateAssigned  ContactState = "assigned"
	StateWrapup    ContactState = "wrapup"
	StateClosed    ContactState = "closed"
	StateAbandoned ContactState = "abandoned"
)

// Valid reports whether s is a known contact state.
func (s ContactState) Valid() bool {
	switch s {
	case StateQueued, StateOffered, StateAssigned, StateWrapup, StateClosed, StateAbandoned:
		return true
	}
	return false
}

// open reports whether a contact in state s holds an agent slot.
func (s ContactState) open() bool {
	return s == StateOffered || s == StateAssigned || s == StateWrapup
}

// AttrCallbackOffered is the attribute set on a contact whose wait reached its queue's maximum
// when the queue offers callbacks: the contact stays queued for an agent to call back.
const AttrCallbackOffered = "callback_offered"

// MaxDecisions is how many dispatch decisions a contact keeps, newest last.
const MaxDecisions = 10

// Contact is a customer's request for a person: a chat conversation or a call handed off, or a
// contact a partner created. Its ID is the conversation id.
type Contact struct {
	ID         string               `dynamodbav:"id" json:"id"`
	Channel    events.Channel       `dynamodbav:"channel" json:"channel"`
	Queue      string               `dynamodbav:"queue" json:"queue"`
	Priority   int                  `dynamodbav:"priority" json:"priority"`
	State      ContactState         `dynamodbav:"state" json:"state"`
	CustomerID string               `dynamodbav:"customer_id,omitempty" json:"customer_id,omitempty"`
	Intent     string               `dynamodbav:"intent,omitempty" json:"intent,omitempty"`
	Reason     events.HandoffReason `dynamodbav:"reason,omitempty" json:"reason,omitempty"`
	// Attributes and Transcript are personal data.
	Attributes map[string]string `dynamodbav:"attributes,omitempty" json:"attributes,omitempty"`
	Transcript []events.Turn     `dynamodbav:"transcript,omitempty" json:"transcript,omitempty"`
	// EnqueuedAt is when the current wait began (kept through declines and timeouts).
	EnqueuedAt time.Time `dynamodbav:"enqueued_at" json:"enqueued_at"`
	// Offer is the current offer while offered, and the accepted one after.
	Offer *Offer `dynamodbav:"offer,omitempty" json:"offer,omitempty"`
	// AgentID is the agent who accepted the contact (set from assigned on).
	AgentID     string     `dynamodbav:"agent_id,omitempty" json:"agent_id,omitempty"`
	AssignedAt  *time.Time `dynamodbav:"assigned_at,omitempty" json:"assigned_at,omitempty"`
	EndedAt     *time.Time `dynamodbav:"ended_at,omitempty" json:"ended_at,omitempty"`
	ClosedAt    *time.Time `dynamodbav:"closed_at,omitempty" json:"closed_at,omitempty"`
	Disposition string     `dynamodbav:"disposition,omitempty" json:"disposition,omitempty"`
	Note        string     `dynamodbav:"note,omitempty" json:"note,omitempty"`
	// Decisions are the dispatcher's decisions for the contact, newest last, at most MaxDecisions.
	Decisions []Decision `dynamodbav:"decisions,omitempty" json:"decisions,omitempty"`
	// Agents are every agent the contact was offered to, oldest first: who may read it.
	Agents    []string  `dynamodbav:"agents,omitempty" json:"agents,omitempty"`
	CreatedAt time.Time `dynamodbav:"created_at" json:"created_at"`
	UpdatedAt time.Time `dynamodbav:"updated_at" json:"updated_at"`
}

// OfferedTo reports whether the contact was ever offered to agentID (an agent may read such a
// contact).
func (c Contact) OfferedTo(agentID string) bool {
	for _, a := range c.Agents {
		if a == agentID {
			return true
		}
	}
	return c.AgentID == agentID && agentID != ""
}

// waitingCopy is what the waiting item holds: the contact without its transcript and decisions.
func (c Contact) waitingCopy() Contact {
	c.Transcript, c.Decisions, c.Agents = nil, nil, nil
	return c
}

// Routing is c as the decision core reads it.
func (c Contact) Routing() routing.Contact {
	return routing.Contact{ID: c.ID, Channel: routing.Channel(c.Channel), Queue: c.Queue, Priority: c.Priority,
		EnqueuedAt: c.EnqueuedAt, Attributes: c.Attributes}
}

// Offer is a contact offered to one agent until ExpiresAt.
type Offer struct {
	ID        string    `dynamodbav:"id" json:"id"`
	AgentID   string    `dynamodbav:"agent_id" json:"agent_id"`
	At        time.Time `dynamodbav:"at" json:"at"`
	ExpiresAt time.Time `dynamodbav:"expires_at" json:"expires_at"`
	Ring      int       `dynamodbav:"ring" json:"ring"`
}

// Decision is one dispatch decision about a contact: whom, through which ring, why, and the
// candidates ranked. Its JSON shows the candidates as dispatch.decided does (snake_case, idle_ms).
type Decision struct {
	At         time.Time           `dynamodbav:"at"`
	AgentID    string              `dynamodbav:"agent_id"`
	Queue      string              `dynamodbav:"queue"`
	Ring       int                 `dynamodbav:"ring"`
	Why        string              `dynamodbav:"why"`
	Considered int                 `dynamodbav:"considered"`
	Candidates []routing.Candidate `dynamodbav:"candidates"`
}

// DecisionOf is the Decision recording assignment a made at now.
func DecisionOf(now time.Time, a routing.Assignment) Decision {
	return Decision{At: now, AgentID: a.AgentID, Queue: a.Queue, Ring: a.Ring, Why: a.Why, Considered: a.Considered, Candidates: a.Candidates}
}

type decisionJSON struct {
	At         time.Time                  `json:"at"`
	AgentID    string                     `json:"agent_id"`
	Queue      string                     `json:"queue"`
	Ring       int                        `json:"ring"`
	Why        string                     `json:"why"`
	Considered int                        `json:"considered"`
	Candidates []events.DispatchCandidate `json:"candidates"`
}

// MarshalJSON writes the decision as the API shows it.
func (d Decision) MarshalJSON() ([]byte, error) {
	return json.Marshal(decisionJSON{At: d.At, AgentID: d.AgentID, Queue: d.Queue, Ring: d.Ring, Why: d.Why,
		Considered: d.Considered, Candidates: candidatesJSON(d.Candidates)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Decision) UnmarshalJSON(b []byte) error {
	var j decisionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*d = Decision{At: j.At, AgentID: j.AgentID, Queue: j.Queue, Ring: j.Ring, Why: j.Why, Considered: j.Considered}
	for _, c := range j.Candidates {
		d.Candidates = append(d.Candidates, routing.Candidate{AgentID: c.AgentID, Rank: c.Rank, Ring: c.Ring,
			Proficiency: c.Proficiency, Load: c.Load, FreeSlots: c.FreeSlots, IdleFor: time.Duration(c.IdleMS) * time.Millisecond,
			Missed: c.Missed, Chosen: c.Chosen, Note: c.Note})
	}
	return nil
}

func candidatesJSON(cs []routing.Candidate) []events.DispatchCandidate {
	out := make([]events.DispatchCandidate, 0, len(cs))
	for _, c := range cs {
		out = append(out, events.DispatchCandidate{AgentID: c.AgentID, Rank: c.Rank, Ring: c.Ring, Proficiency: c.Proficiency,
			Load: c.Load, FreeSlots: c.FreeSlots, IdleMS: c.IdleFor.Milliseconds(), Missed: c.Missed, Chosen: c.Chosen, Note: c.Note})
	}
	return out
}
