package routing

import (
	"testing"
)

// checkPlan asserts what every plan must hold: each contact at most once, each assignment to an
// available agent with a free slot on the channel and the skills of a ring the contact reached,
// no agent past capacity, the chosen candidate listed, every contact either assigned or waiting.
func checkPlan(t *testing.T, p Plan, queues map[string]Queue, contacts []Contact, agents []Agent) {
	t.Helper()
	byID := map[string]*Agent{}
	for i := range agents {
		if _, ok := byID[agents[i].ID]; !ok {
			byID[agents[i].ID] = &agents[i]
		}
	}
	cByID := map[string]*Contact{}
	for i := range contacts {
		if _, ok := cByID[contacts[i].ID]; !ok {
			cByID[contacts[i].ID] = &contacts[i]
		}
	}
	assigned := map[string]bool{}
	used := map[string]map[Channel]int{}
	for _, as := range p.Assignments {
		if assigned[as.ContactID] {
			t.Fatalf("contact %s assigned twice", as.ContactID)
		}
		assigned[as.ContactID] = true
		a, c := byID[as.AgentID], cByID[as.ContactID]
		if a == nil || c == nil {
			t.Fatalf("assignment %+v names an unknown agent or contact", as)
		}
		if a.State != StateAvailable {
			t.Fatalf("contact %s to agent %s in state %s", c.ID, a.ID, a.State)
		}
		if cooling := (&agentSlot{a: a}).cooling(p.At); cooling {
			t.Fatalf("contact %s to agent %s in miss cooldown", c.ID, a.ID)
		}
		if used[a.ID] == nil {
			used[a.ID] = map[Channel]int{}
		}
		used[a.ID][c.Channel]++
		if a.Load[c.Channel]+used[a.ID][c.Channel] > a.Capacity[c.Channel] {
			t.Fatalf("agent %s over %s capacity %d (load %d, given %d)", a.ID, c.Channel, a.Capacity[c.Channel], a.Load[c.Channel], used[a.ID][c.Channel])
		}
		rings, _ := ringsFor(queues, queues[c.Queue], *c, waited(p.At, *c))
		if as.Ring < 0 || as.Ring >= len(rings) {
			t.Fatalf("contact %s: ring %d not reached (%d rings)", c.ID, as.Ring, len(rings))
		}
		if _, ok := covers(a, rings[as.Ring]); !ok {
			t.Fatalf("contact %s: agent %s lacks ring %d skills %v", c.ID, a.ID, as.Ring, rings[as.Ring].skills)
		}
		chosen := 0
		for _, cd := range as.Candidates {
			if cd.Chosen {
				chosen++
				if cd.AgentID != as.AgentID {
					t.Fatalf("contact %s: chosen candidate %s but agent %s", c.ID, cd.AgentID, as.AgentID)
				}
			}
		}
		if chosen != 1 || len(as.Candidates) > MaxExplained || as.Why == "" {
			t.Fatalf("contact %s: %d chosen among %d candidates, why %q", c.ID, chosen, len(as.Candidates), as.Why)
		}
	}
	waiting := map[string]bool{}
	for _, w := range p.Waiting {
		if w.Reason == ReasonDuplicate {
			continue
		}
		if assigned[w.ContactID] || waiting[w.ContactID] {
			t.Fatalf("contact %s both waiting and assigned, or waiting twice", w.ContactID)
		}
		waiting[w.ContactID] = true
	}
	for id := range cByID {
		if !assigned[id] && !waiting[id] {
			t.Fatalf("contact %s neither assigned nor waiting", id)
		}
	}
	for _, tm := range p.Timers {
		if !tm.At.After(p.At) {
			t.Fatalf("timer %+v not after the decision at %v", tm, p.At)
		}
	}
	for _, id := range p.Expired {
		if !waiting[id] {
			t.Fatalf("expired contact %s is not waiting", id)
		}
	}
	for i := 1; i < len(p.Timers); i++ {
		if p.Timers[i].At.Before(p.Timers[i-1].At) {
			t.Fatalf("timers out of order")
		}
	}
	if len(p.Timers) > 0 && !p.NextWake.Equal(p.Timers[0].At) {
		t.Fatalf("NextWake %v, first timer %v", p.NextWake, p.Timers[0].At)
	}
}
