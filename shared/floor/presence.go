package floor

import (
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/users"
)

// KindAgent is the store kind of agents' presence (id = user id).
const KindAgent = "agent"

// PresenceKey is the store key of user id's presence.
func PresenceKey(userID string) store.Key { return store.Key{Kind: KindAgent, ID: userID} }

// AgentState is an agent's presence state; only available agents are offered contacts.
type AgentState string

// Agent states (the events' AgentStatus values).
const (
	AgentAvailable = AgentState(events.AgentAvailable)
	AgentBreak     = AgentState(events.AgentBreak)
	AgentOffline   = AgentState(events.AgentOffline)
)

// Valid reports whether s is a known agent state.
func (s AgentState) Valid() bool { return s == AgentAvailable || s == AgentBreak || s == AgentOffline }

// MaxMissed is how many offers in a row an available agent may let time out before the floor puts
// them on break (reason missed_offers).
const MaxMissed = 3

// Presence is an agent on the floor: their state, what they can take and what they have.
type Presence struct {
	UserID      string     `dynamodbav:"user_id" json:"user_id"`
	DisplayName string     `dynamodbav:"display_name" json:"display_name"`
	State       AgentState `dynamodbav:"state" json:"state"`
	Since       time.Time  `dynamodbav:"since" json:"since"`
	// Skills and Capacity are copied from the user (shared/users) on SetState and Refresh.
	Skills     map[string]int         `dynamodbav:"skills" json:"skills"`
	Capacity   map[events.Channel]int `dynamodbav:"capacity" json:"capacity"`
	SIPAccount string                 `dynamodbav:"sip_account,omitempty" json:"sip_account,omitempty"`
	// Slots are the contacts the agent has (offered, assigned or in wrap-up).
	Slots []Slot `dynamodbav:"slots" json:"slots"`
	// IdleSince is when the agent last had no contact (the longest idle wins a tie).
	IdleSince time.Time `dynamodbav:"idle_since" json:"idle_since"`
	// Missed counts offers declined or let time out since the agent last accepted one.
	Missed   int       `dynamodbav:"missed" json:"missed"`
	MissedAt time.Time `dynamodbav:"missed_at" json:"missed_at"`
}

// Slot is one contact an agent has.
type Slot struct {
	ContactID string         `dynamodbav:"contact_id" json:"contact_id"`
	Channel   events.Channel `dynamodbav:"channel" json:"channel"`
	Status    ContactState   `dynamodbav:"status" json:"status"`
	Since     time.Time      `dynamodbav:"since" json:"since"`
}

// Load is how many contacts of channel ch the agent has.
func (p Presence) Load(ch events.Channel) int {
	n := 0
	for _, s := range p.Slots {
		if s.Channel == ch {
			n++
		}
	}
	return n
}

// Free reports whether the agent may be offered one more contact of channel ch now.
func (p Presence) Free(ch events.Channel) bool {
	return p.State == AgentAvailable && p.Load(ch) < p.Capacity[ch]
}

func (p Presence) slot(contactID string) int {
	for i, s := range p.Slots {
		if s.ContactID == contactID {
			return i
		}
	}
	return -1
}

// without returns p with contactID's slot removed, idle from now if it was the last one.
func (p Presence) without(contactID string, now time.Time) Presence {
	if i := p.slot(contactID); i >= 0 {
		p.Slots = append(append([]Slot{}, p.Slots[:i]...), p.Slots[i+1:]...)
	}
	if len(p.Slots) == 0 {
		p.IdleSince = now
	}
	return p
}

// withStatus returns p with contactID's slot set to status.
func (p Presence) withStatus(contactID string, status ContactState, now time.Time) Presence {
	p.Slots = append([]Slot{}, p.Slots...)
	if i := p.slot(contactID); i >= 0 {
		p.Slots[i].Status, p.Slots[i].Since = status, now
	}
	return p
}

// missed returns p after an offer it declined or let time out.
func (p Presence) missed(now time.Time) Presence {
	p.Missed++
	p.MissedAt = now
	return p
}

// fromUser copies the user's name, skills, capacity and SIP account into p.
func (p Presence) fromUser(u users.User) Presence {
	p.UserID, p.DisplayName, p.SIPAccount = u.ID, u.DisplayName, u.SIPAccount
	p.Skills = make(map[string]int, len(u.Skills))
	for _, s := range u.Skills {
		p.Skills[s.Name] = s.Proficiency
	}
	// A voice offer rings the person's softphone: without one they take no calls, whatever their
	// voice capacity says (offers they could only miss would put them on a break).
	voice := u.Capacity.Voice
	if u.SIPAccount == "" {
		voice = 0
	}
	p.Capacity = map[events.Channel]int{events.ChannelVoice: voice, events.ChannelChat: u.Capacity.Chat}
	if p.Slots == nil {
		p.Slots = []Slot{}
	}
	return p
}

// Routing is p as the decision core reads it.
func (p Presence) Routing() routing.Agent {
	a := routing.Agent{ID: p.UserID, Skills: p.Skills, IdleSince: p.IdleSince, Missed: p.Missed, MissedAt: p.MissedAt,
		Capacity: make(map[routing.Channel]int, len(p.Capacity)), Load: make(map[routing.Channel]int, 2)}
	switch p.State {
	case AgentAvailable:
		a.State = routing.StateAvailable
	case AgentBreak:
		a.State = routing.StateAway
	default:
		a.State = routing.StateOffline
	}
	for ch, n := range p.Capacity {
		a.Capacity[routing.Channel(ch)] = n
	}
	for _, s := range p.Slots {
		a.Load[routing.Channel(s.Channel)]++
	}
	return a
}

// HasSkills reports whether p has every skill of want (proficiency ≥ 1), as routing qualifies an
// agent for a queue's skills.
func (p Presence) HasSkills(want []string) bool {
	for _, s := range want {
		if p.Skills[s] < 1 {
			return false
		}
	}
	return true
}
