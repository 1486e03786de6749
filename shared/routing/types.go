package routing

import "time"

// State is an agent's presence as the dispatcher sees it. Only StateAvailable receives offers.
type State string

// Agent states.
const (
	StateAvailable State = "available"
	StateBusy      State = "busy"
	StateAway      State = "away"
	StateOffline   State = "offline"
)

// Channel is the medium of a contact; capacity and load are counted per channel.
type Channel string

// Channels.
const (
	ChannelChat  Channel = "chat"
	ChannelVoice Channel = "voice"
)

// Agent is one person as the dispatcher sees them at the moment of a decision.
type Agent struct {
	ID    string
	State State
	// Skills maps a skill name to a proficiency of 1 (novice) to 5 (expert). A skill with a
	// proficiency below 1 counts as absent.
	Skills map[string]int
	// Capacity is how many contacts of a channel the agent handles at once (voice 1, chat N).
	Capacity map[Channel]int
	// Load is how many contacts of a channel the agent has now (offered or assigned).
	Load map[Channel]int
	// IdleSince is when the agent last became free; the longest idle wins a tie.
	IdleSince time.Time
	// Missed counts the offers the agent let time out since they last accepted one.
	Missed int
	// MissedAt is when the last missed offer timed out (zero when Missed is 0).
	MissedAt time.Time
}

// Contact is one customer waiting for a person.
type Contact struct {
	ID         string
	Channel    Channel
	Queue      string
	Priority   int // added to the queue's priority; higher is more urgent
	EnqueuedAt time.Time
	// RequiredSkills are the contact's own needs (a language, a product) and hold at every
	// overflow step: widening replaces the queue's skills, never these.
	RequiredSkills []string
	Attributes     map[string]string
}

// ServiceLevel is a target such as 80% of contacts answered within 20 s. Decide does not use
// it; it travels with the queue for the wallboard.
type ServiceLevel struct {
	Percent   int
	Threshold time.Duration
}

// OverflowRule widens who may take a contact once it has waited After: to agents with Skills,
// to the agents of ToQueue (its required skills), or, when both are empty, to the queue's
// BackupSkills. Steps accumulate (bullseye): an agent reached at an earlier step stays eligible
// and ranks before those reached later.
type OverflowRule struct {
	After   time.Duration
	Skills  []string
	ToQueue string
}

// Queue is where contacts wait and the rules for routing them.
type Queue struct {
	Name           string
	RequiredSkills []string
	BackupSkills   []string
	Priority       int
	ServiceLevel   ServiceLevel
	Overflow       []OverflowRule
	// MaxWait, when positive, is how long a contact may wait unassigned before the caller
	// offers a callback or abandons it (Plan.Expired lists them).
	MaxWait time.Duration
}
