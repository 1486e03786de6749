package routing

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

var genSkills = []string{"billing", "sales", "general", "french", "english", "vip"}

// genQueues are the queues random contacts use, with overflow to skills, backup and a queue.
var genQueues = map[string]Queue{
	"billing": {Name: "billing", RequiredSkills: []string{"billing"}, Priority: 1, MaxWait: 5 * time.Minute,
		Overflow: []OverflowRule{{After: 20 * time.Second, Skills: []string{"general"}}}},
	"sales": {Name: "sales", RequiredSkills: []string{"sales"}, BackupSkills: []string{"general"},
		Overflow: []OverflowRule{{After: 30 * time.Second}, {After: 90 * time.Second, ToQueue: "billing"}}, MaxWait: 3 * time.Minute},
	"vip":     {Name: "vip", RequiredSkills: []string{"vip", "billing"}, Priority: 3, Overflow: []OverflowRule{{After: 10 * time.Second, ToQueue: "billing"}}},
	"general": {Name: "general", RequiredSkills: []string{"general"}},
}

var genQueueNames = []string{"billing", "sales", "vip", "general"}

func genAgents(r *rand.Rand, n int) []Agent {
	states := []State{StateAvailable, StateAvailable, StateAvailable, StateBusy, StateAway, StateOffline}
	agents := make([]Agent, n)
	for i := range agents {
		skills := map[string]int{}
		for _, s := range genSkills {
			if r.IntN(3) == 0 {
				skills[s] = 1 + r.IntN(5)
			}
		}
		a := Agent{
			ID: fmt.Sprintf("a%04d", i), State: states[r.IntN(len(states))], Skills: skills,
			Capacity:  map[Channel]int{ChannelVoice: 1, ChannelChat: r.IntN(5)},
			Load:      map[Channel]int{ChannelVoice: r.IntN(2), ChannelChat: r.IntN(3)},
			IdleSince: t0.Add(-time.Duration(r.IntN(3600)) * time.Second),
		}
		if r.IntN(10) == 0 {
			a.Missed = 1 + r.IntN(3)
			a.MissedAt = t0.Add(-time.Duration(r.IntN(180)) * time.Second)
		}
		agents[i] = a
	}
	return agents
}

func genContacts(r *rand.Rand, n int) []Contact {
	contacts := make([]Contact, n)
	for i := range contacts {
		c := Contact{
			ID: fmt.Sprintf("c%05d", i), Queue: genQueueNames[r.IntN(len(genQueueNames))], Priority: r.IntN(3) - 1,
			EnqueuedAt: t0.Add(-time.Duration(r.IntN(400)) * time.Second), Channel: ChannelChat,
		}
		if r.IntN(3) == 0 {
			c.Channel = ChannelVoice
		}
		if r.IntN(4) == 0 {
			c.RequiredSkills = []string{genSkills[3+r.IntN(2)]}
		}
		if r.IntN(50) == 0 {
			c.ID = fmt.Sprintf("c%05d", r.IntN(n)) // a duplicate now and then
		}
		contacts[i] = c
	}
	return contacts
}

// Random floors: no double booking, every assignment valid, the same plan for the same input
// and for the input in another order.
func TestDecideProperties(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		agents := genAgents(r, 1+r.IntN(40))
		contacts := genContacts(r, r.IntN(120))
		p := Decide(t0, genQueues, contacts, agents)
		checkPlan(t, p, genQueues, contacts, agents)
		if again := Decide(t0, genQueues, contacts, agents); !reflect.DeepEqual(p, again) {
			t.Fatalf("seed %d: two plans for one input", seed)
		}
		if hasDuplicateIDs(contacts) {
			continue // which copy of a duplicate counts depends on the input order
		}
		shuffledA := append([]Agent(nil), agents...)
		shuffledC := append([]Contact(nil), contacts...)
		r.Shuffle(len(shuffledA), func(i, j int) { shuffledA[i], shuffledA[j] = shuffledA[j], shuffledA[i] })
		r.Shuffle(len(shuffledC), func(i, j int) { shuffledC[i], shuffledC[j] = shuffledC[j], shuffledC[i] })
		if other := Decide(t0, genQueues, shuffledC, shuffledA); !reflect.DeepEqual(pairs(p), pairs(other)) {
			t.Fatalf("seed %d: the order of the input changed the plan", seed)
		}
	}
}

// Decide leaves its input as it found it.
func TestDecideDoesNotModifyInput(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	agents := genAgents(r, 30)
	contacts := genContacts(r, 80)
	a0 := fmt.Sprintf("%+v", agents)
	c0 := fmt.Sprintf("%+v", contacts)
	Decide(t0, genQueues, contacts, agents)
	if fmt.Sprintf("%+v", agents) != a0 || fmt.Sprintf("%+v", contacts) != c0 {
		t.Fatal("Decide modified its input")
	}
}

// Nothing an available skilled agent could take is left waiting with a slot free: after a plan,
// no waiting contact (other than for an unknown queue or a duplicate) has a free qualifying agent.
func TestDecideLeavesNoFreeMatch(t *testing.T) {
	for seed := uint64(1); seed <= 100; seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		agents := genAgents(r, 1+r.IntN(30))
		contacts := genContacts(r, r.IntN(100))
		p := Decide(t0, genQueues, contacts, agents)
		given := map[string]map[Channel]int{}
		for _, as := range p.Assignments {
			if given[as.AgentID] == nil {
				given[as.AgentID] = map[Channel]int{}
			}
			given[as.AgentID][as.Channel]++
		}
		byID := map[string]Contact{}
		for _, c := range contacts {
			if _, ok := byID[c.ID]; !ok {
				byID[c.ID] = c
			}
		}
		for _, w := range p.Waiting {
			if w.Reason == ReasonDuplicate || w.Reason == ReasonUnknownQueue {
				continue
			}
			c := byID[w.ContactID]
			rings, _ := ringsFor(genQueues, genQueues[c.Queue], c, waited(t0, c))
			for i := range agents {
				a := &agents[i]
				free := a.Capacity[c.Channel] - a.Load[c.Channel] - given[a.ID][c.Channel]
				if a.State != StateAvailable || (&agentSlot{a: a}).cooling(t0) || free <= 0 {
					continue
				}
				for _, rg := range rings {
					if _, ok := covers(a, rg); ok {
						t.Fatalf("seed %d: contact %s waits (%s) while agent %s is free and qualifies", seed, c.ID, w.Reason, a.ID)
					}
				}
			}
		}
	}
}

func hasDuplicateIDs(cs []Contact) bool {
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.ID] {
			return true
		}
		seen[c.ID] = true
	}
	return false
}
