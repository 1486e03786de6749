package routing

import "time"

// Plan is the outcome of one Decide: offers to make now, contacts left waiting with the reason,
// and when to decide again without an event.
type Plan struct {
	At          time.Time
	Assignments []Assignment
	Waiting     []Waiting
	// Expired are waiting contacts that reached their queue's MaxWait (also in Waiting).
	Expired []string
	// Timers are the moments a decision could change without an event, earliest first.
	Timers []Timer
	// NextWake is the earliest timer (zero when there is none).
	NextWake time.Time
}

// Assignment offers one contact to one agent, with the reasons.
type Assignment struct {
	ContactID string
	AgentID   string
	Channel   Channel
	Queue     string
	// EffectivePriority is the contact's ordering score (see EffectivePriority).
	EffectivePriority time.Duration
	Ring              int // 0: the queue's own skills; n: reached by overflow step n
	Why               string
	// Candidates are the best-ranked agents considered (at most MaxExplained), in rank order,
	// the chosen one among them. Considered is how many agents could take the contact at that
	// point of the plan: available, skilled for a ring reached, not cooling down, with a free
	// slot on the channel.
	Candidates []Candidate
	Considered int
}

// Candidate is one agent as scored for a contact.
type Candidate struct {
	AgentID     string
	Rank        int // 1 is the best
	Ring        int
	Proficiency int // sum of the agent's proficiency over the ring's skills
	Load        int // contacts of the channel the agent has
	FreeSlots   int
	IdleFor     time.Duration
	Missed      int
	Chosen      bool
	Note        string
}

// Waiting is a contact that was not assigned, and why.
type Waiting struct {
	ContactID         string
	Queue             string
	EffectivePriority time.Duration
	Reason            Reason
	Ring              int // the outermost ring reached so far
}

// Reason says why a contact is still waiting.
type Reason string

// Reasons a contact waits.
const (
	// ReasonUnknownQueue: the contact names a queue that does not exist.
	ReasonUnknownQueue Reason = "unknown_queue"
	// ReasonNoSkilledAgent: no agent, in any state, has the skills of any ring reached.
	ReasonNoSkilledAgent Reason = "no_agent_with_skills"
	// ReasonAllUnavailable: agents with the skills exist but none is available.
	ReasonAllUnavailable Reason = "skilled_agents_unavailable"
	// ReasonNoCapacity: skilled agents are available but none has capacity on the channel.
	ReasonNoCapacity Reason = "no_capacity_on_channel"
	// ReasonAllBusy: skilled available agents have no free slot on the channel left.
	ReasonAllBusy Reason = "skilled_agents_busy"
	// ReasonCoolingDown: the only skilled agents with a free slot missed an offer recently.
	ReasonCoolingDown Reason = "skilled_agents_cooling_down"
	// ReasonDuplicate: the contact ID appeared earlier in the input; only the first counts.
	ReasonDuplicate Reason = "duplicate_contact"
)

// TimerKind says what changes when a timer fires.
type TimerKind string

// Timer kinds.
const (
	TimerOverflow     TimerKind = "overflow"      // a contact reaches its next overflow step
	TimerMaxWait      TimerKind = "max_wait"      // a contact reaches its queue's MaxWait
	TimerMissCooldown TimerKind = "miss_cooldown" // an agent's miss cooldown ends
)

// Timer is a moment when a decision may change without an event.
type Timer struct {
	At        time.Time
	Kind      TimerKind
	ContactID string // empty for TimerMissCooldown
	AgentID   string // set for TimerMissCooldown
}
