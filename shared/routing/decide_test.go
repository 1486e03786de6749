package routing

import (
	"reflect"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)

func agent(id string, skills map[string]int, idleAgo time.Duration) Agent {
	return Agent{
		ID: id, State: StateAvailable, Skills: skills,
		Capacity:  map[Channel]int{ChannelVoice: 1, ChannelChat: 3},
		Load:      map[Channel]int{},
		IdleSince: t0.Add(-idleAgo),
	}
}

func contact(id, queue string, ch Channel, waitedFor time.Duration) Contact {
	return Contact{ID: id, Queue: queue, Channel: ch, EnqueuedAt: t0.Add(-waitedFor)}
}

func with(a Agent, f func(*Agent)) Agent { f(&a); return a }

func withC(c Contact, f func(*Contact)) Contact { f(&c); return c }

var baseQueues = map[string]Queue{
	"billing": {Name: "billing", RequiredSkills: []string{"billing"}},
	"vip":     {Name: "vip", RequiredSkills: []string{"billing"}, Priority: 2},
	"sales": {Name: "sales", RequiredSkills: []string{"sales"}, BackupSkills: []string{"general"},
		Overflow: []OverflowRule{{After: 30 * time.Second}, {After: 60 * time.Second, ToQueue: "billing"}},
		MaxWait:  120 * time.Second},
	"unordered": {Name: "unordered", RequiredSkills: []string{"sales"},
		Overflow: []OverflowRule{{After: 90 * time.Second, Skills: []string{"billing"}}, {After: 10 * time.Second, ToQueue: "nowhere"}, {After: 40 * time.Second, Skills: []string{"general"}}}},
	"fr": {Name: "fr", RequiredSkills: []string{"billing"},
		Overflow: []OverflowRule{{After: 20 * time.Second, Skills: []string{"general"}}}},
}

func pairs(p Plan) map[string]string {
	m := map[string]string{}
	for _, a := range p.Assignments {
		m[a.ContactID] = a.AgentID
	}
	return m
}

func reasons(p Plan) map[string]Reason {
	m := map[string]Reason{}
	for _, w := range p.Waiting {
		m[w.ContactID] = w.Reason
	}
	return m
}

func TestDecideRules(t *testing.T) {
	billing3 := map[string]int{"billing": 3}
	billing5 := map[string]int{"billing": 5}
	tests := []struct {
		name     string
		contacts []Contact
		agents   []Agent
		want     map[string]string
		waiting  map[string]Reason
	}{
		{
			name:     "skills: only the agent with the queue's skill",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents:   []Agent{agent("a-sales", map[string]int{"sales": 5}, time.Hour), agent("b-bill", billing3, 0)},
			want:     map[string]string{"c1": "b-bill"},
		},
		{
			name:     "skills: none has them",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents:   []Agent{agent("a", map[string]int{"sales": 5}, 0)},
			want:     map[string]string{},
			waiting:  map[string]Reason{"c1": ReasonNoSkilledAgent},
		},
		{
			name:     "skills: the contact's own skill is required too",
			contacts: []Contact{withC(contact("c1", "billing", ChannelChat, time.Second), func(c *Contact) { c.RequiredSkills = []string{"french"} })},
			agents:   []Agent{agent("a", billing5, time.Hour), agent("b", map[string]int{"billing": 1, "french": 2}, 0)},
			want:     map[string]string{"c1": "b"},
		},
		{
			name:     "proficiency beats idle time",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents:   []Agent{agent("a", billing3, time.Hour), agent("b", billing5, time.Second)},
			want:     map[string]string{"c1": "b"},
		},
		{
			name:     "equal proficiency: longest idle",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents:   []Agent{agent("a", billing5, time.Minute), agent("b", billing5, time.Hour)},
			want:     map[string]string{"c1": "b"},
		},
		{
			name:     "equal everything: smaller ID",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents:   []Agent{agent("b", billing5, time.Hour), agent("a", billing5, time.Hour)},
			want:     map[string]string{"c1": "a"},
		},
		{
			name:     "state: only available agents",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents: []Agent{with(agent("a", billing5, time.Hour), func(a *Agent) { a.State = StateAway }),
				with(agent("b", billing5, time.Hour), func(a *Agent) { a.State = StateOffline })},
			want:    map[string]string{},
			waiting: map[string]Reason{"c1": ReasonAllUnavailable},
		},
		{
			name:     "voice capacity 1: one call per agent",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, 2*time.Second), contact("c2", "billing", ChannelVoice, time.Second)},
			agents:   []Agent{agent("a", billing5, time.Hour)},
			want:     map[string]string{"c1": "a"},
			waiting:  map[string]Reason{"c2": ReasonAllBusy},
		},
		{
			name:     "voice capacity: an agent already on a call",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents:   []Agent{with(agent("a", billing5, time.Hour), func(a *Agent) { a.Load[ChannelVoice] = 1 })},
			want:     map[string]string{},
			waiting:  map[string]Reason{"c1": ReasonAllBusy},
		},
		{
			name: "chat capacity N: three chats on one agent, the fourth waits",
			contacts: []Contact{contact("c1", "billing", ChannelChat, 4*time.Second), contact("c2", "billing", ChannelChat, 3*time.Second),
				contact("c3", "billing", ChannelChat, 2*time.Second), contact("c4", "billing", ChannelChat, time.Second)},
			agents:  []Agent{agent("a", billing5, time.Hour)},
			want:    map[string]string{"c1": "a", "c2": "a", "c3": "a"},
			waiting: map[string]Reason{"c4": ReasonAllBusy},
		},
		{
			name:     "chat: the less loaded of equals first",
			contacts: []Contact{contact("c1", "billing", ChannelChat, 2*time.Second), contact("c2", "billing", ChannelChat, time.Second)},
			agents:   []Agent{agent("a", billing5, time.Hour), agent("b", billing5, time.Minute)},
			want:     map[string]string{"c1": "a", "c2": "b"},
		},
		{
			name:     "channel capacity 0: no chats for a voice-only agent",
			contacts: []Contact{contact("c1", "billing", ChannelChat, time.Second)},
			agents:   []Agent{with(agent("a", billing5, time.Hour), func(a *Agent) { a.Capacity = map[Channel]int{ChannelVoice: 1} })},
			want:     map[string]string{},
			waiting:  map[string]Reason{"c1": ReasonNoCapacity},
		},
		{
			name:     "priority: the vip queue first",
			contacts: []Contact{contact("old", "billing", ChannelVoice, 30*time.Second), contact("vip", "vip", ChannelVoice, time.Second)},
			agents:   []Agent{agent("a", billing5, time.Hour)},
			want:     map[string]string{"vip": "a"},
			waiting:  map[string]Reason{"old": ReasonAllBusy},
		},
		{
			name:     "aging: a plain contact that waited two levels' worth overtakes",
			contacts: []Contact{contact("old", "billing", ChannelVoice, 61*time.Second), contact("vip", "vip", ChannelVoice, 0)},
			agents:   []Agent{agent("a", billing5, time.Hour)},
			want:     map[string]string{"old": "a"},
		},
		{
			name: "contact priority adds to the queue's",
			contacts: []Contact{contact("old", "billing", ChannelVoice, 20*time.Second),
				withC(contact("urgent", "billing", ChannelVoice, 0), func(c *Contact) { c.Priority = 1 })},
			agents:  []Agent{agent("a", billing5, time.Hour)},
			want:    map[string]string{"urgent": "a"},
			waiting: map[string]Reason{"old": ReasonAllBusy},
		},
		{
			name:     "equal priority: the oldest first",
			contacts: []Contact{contact("new", "billing", ChannelVoice, time.Second), contact("old", "billing", ChannelVoice, 9*time.Second)},
			agents:   []Agent{agent("a", billing5, time.Hour)},
			want:     map[string]string{"old": "a"},
		},
		{
			name:     "overflow: before the first step, backup agents are not used",
			contacts: []Contact{contact("c1", "sales", ChannelVoice, 29*time.Second)},
			agents:   []Agent{agent("g", map[string]int{"general": 5}, time.Hour)},
			want:     map[string]string{},
			waiting:  map[string]Reason{"c1": ReasonNoSkilledAgent},
		},
		{
			name:     "overflow: after 30 s, the queue's backup skills",
			contacts: []Contact{contact("c1", "sales", ChannelVoice, 30*time.Second)},
			agents:   []Agent{agent("g", map[string]int{"general": 5}, time.Hour), agent("b", billing5, time.Hour)},
			want:     map[string]string{"c1": "g"},
		},
		{
			name:     "overflow: after 60 s, another queue's agents",
			contacts: []Contact{contact("c1", "sales", ChannelVoice, 61*time.Second)},
			agents:   []Agent{agent("b", billing5, time.Hour)},
			want:     map[string]string{"c1": "b"},
		},
		{
			name:     "overflow: the inner ring still ranks first",
			contacts: []Contact{contact("c1", "sales", ChannelVoice, 61*time.Second)},
			agents:   []Agent{agent("b", billing5, time.Hour), agent("g", map[string]int{"general": 5}, time.Hour), agent("s", map[string]int{"sales": 1}, 0)},
			want:     map[string]string{"c1": "s"},
		},
		{
			name:     "overflow: explicit skills in the rule",
			contacts: []Contact{contact("c1", "fr", ChannelChat, 25*time.Second)},
			agents:   []Agent{agent("g", map[string]int{"general": 2}, time.Hour)},
			want:     map[string]string{"c1": "g"},
		},
		{
			name:     "overflow: rules out of order are applied by After; a ToQueue that does not exist is skipped",
			contacts: []Contact{contact("c1", "unordered", ChannelVoice, 45*time.Second)},
			agents:   []Agent{agent("b", billing5, time.Hour), agent("g", map[string]int{"general": 1}, 0)},
			want:     map[string]string{"c1": "g"},
		},
		{
			name:     "max wait: expired but an agent is free, so assigned",
			contacts: []Contact{contact("c1", "sales", ChannelVoice, 200*time.Second)},
			agents:   []Agent{agent("s", map[string]int{"sales": 3}, time.Hour)},
			want:     map[string]string{"c1": "s"},
		},
		{
			name:     "missed an offer recently: excluded",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents:   []Agent{with(agent("a", billing5, time.Hour), func(a *Agent) { a.Missed = 1; a.MissedAt = t0.Add(-10 * time.Second) })},
			want:     map[string]string{},
			waiting:  map[string]Reason{"c1": ReasonCoolingDown},
		},
		{
			name:     "missed an offer long ago: ranked after clean agents, even less proficient ones",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents: []Agent{with(agent("a", billing5, time.Hour), func(a *Agent) { a.Missed = 1; a.MissedAt = t0.Add(-10 * time.Minute) }),
				agent("b", map[string]int{"billing": 1}, 0)},
			want: map[string]string{"c1": "b"},
		},
		{
			name:     "missed long ago and alone: still offered",
			contacts: []Contact{contact("c1", "billing", ChannelVoice, time.Second)},
			agents:   []Agent{with(agent("a", billing5, time.Hour), func(a *Agent) { a.Missed = 2; a.MissedAt = t0.Add(-10 * time.Minute) })},
			want:     map[string]string{"c1": "a"},
		},
		{
			name:     "unknown queue",
			contacts: []Contact{contact("c1", "nope", ChannelVoice, time.Second)},
			agents:   []Agent{agent("a", billing5, time.Hour)},
			want:     map[string]string{},
			waiting:  map[string]Reason{"c1": ReasonUnknownQueue},
		},
		{
			name:     "a contact ID twice: assigned once",
			contacts: []Contact{contact("c1", "billing", ChannelChat, time.Second), contact("c1", "billing", ChannelChat, time.Second)},
			agents:   []Agent{agent("a", billing5, time.Hour), agent("b", billing5, time.Hour)},
			want:     map[string]string{"c1": "a"},
			waiting:  map[string]Reason{"c1": ReasonDuplicate},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Decide(t0, baseQueues, tt.contacts, tt.agents)
			if got := pairs(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("assignments = %v, want %v", got, tt.want)
			}
			got := reasons(p)
			for id, r := range tt.waiting {
				if got[id] != r {
					t.Errorf("waiting %s: reason %q, want %q (all: %v)", id, got[id], r, got)
				}
			}
			checkPlan(t, p, baseQueues, tt.contacts, tt.agents)
		})
	}
}
