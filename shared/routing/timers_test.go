package routing

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDecideTimers(t *testing.T) {
	contacts := []Contact{
		contact("s10", "sales", ChannelVoice, 10*time.Second),   // next overflow at +30 s, max wait at +120 s
		contact("s45", "sales", ChannelVoice, 45*time.Second),   // next overflow at +60 s
		contact("s130", "sales", ChannelVoice, 130*time.Second), // past max wait, no more steps
		contact("b1", "billing", ChannelVoice, time.Second),     // no overflow, no max wait
	}
	agents := []Agent{
		with(agent("cool", map[string]int{"billing": 5}, time.Hour), func(a *Agent) { a.Missed = 1; a.MissedAt = t0.Add(-50 * time.Second) }),
	}
	p := Decide(t0, baseQueues, contacts, agents)
	checkPlan(t, p, baseQueues, contacts, agents)
	e := func(c Contact, d time.Duration) time.Time { return c.EnqueuedAt.Add(d) }
	want := []Timer{
		{At: t0.Add(10 * time.Second), Kind: TimerMissCooldown, AgentID: "cool"},
		{At: e(contacts[1], 60*time.Second), Kind: TimerOverflow, ContactID: "s45"},
		{At: e(contacts[0], 30*time.Second), Kind: TimerOverflow, ContactID: "s10"},
		{At: e(contacts[1], 120*time.Second), Kind: TimerMaxWait, ContactID: "s45"},
		{At: e(contacts[0], 120*time.Second), Kind: TimerMaxWait, ContactID: "s10"},
	}
	if !reflect.DeepEqual(p.Timers, want) {
		t.Fatalf("timers\n got %+v\nwant %+v", p.Timers, want)
	}
	if !p.NextWake.Equal(want[0].At) {
		t.Fatalf("NextWake %v", p.NextWake)
	}
	if !reflect.DeepEqual(p.Expired, []string{"s130"}) {
		t.Fatalf("expired %v", p.Expired)
	}
}

func TestDecideNoTimersWhenAllAssigned(t *testing.T) {
	contacts := []Contact{contact("s10", "sales", ChannelVoice, 10*time.Second)}
	agents := []Agent{agent("s", map[string]int{"sales": 2}, 0)}
	p := Decide(t0, baseQueues, contacts, agents)
	if len(p.Assignments) != 1 || len(p.Timers) != 0 || !p.NextWake.IsZero() {
		t.Fatalf("plan %+v", p)
	}
}

func TestDecideExplains(t *testing.T) {
	var agents []Agent
	for i, prof := range []int{5, 5, 4, 3, 2, 1, 1} {
		agents = append(agents, agent(string(rune('a'+i)), map[string]int{"billing": prof}, time.Duration(i)*time.Minute))
	}
	agents[1].IdleSince = t0.Add(-time.Hour) // b: same proficiency as a, idle longer
	contacts := []Contact{contact("c1", "billing", ChannelChat, time.Second)}
	p := Decide(t0, baseQueues, contacts, agents)
	checkPlan(t, p, baseQueues, contacts, agents)
	as := p.Assignments[0]
	if as.AgentID != "b" || as.Considered != 7 || len(as.Candidates) != MaxExplained {
		t.Fatalf("assignment %+v", as)
	}
	var notes []string
	for i, c := range as.Candidates {
		if c.Rank != i+1 {
			t.Errorf("candidate %d rank %d", i, c.Rank)
		}
		notes = append(notes, c.AgentID+":"+c.Note)
	}
	want := "b:chosen a:idle shorter c:lower proficiency 4 < 5 d:lower proficiency 3 < 5 e:lower proficiency 2 < 5"
	if got := strings.Join(notes, " "); got != want {
		t.Errorf("notes %q, want %q", got, want)
	}
	if !strings.Contains(as.Why, "proficiency 5") || !strings.Contains(as.Why, "idle 1h0m0s") {
		t.Errorf("why %q", as.Why)
	}
}

// The chosen agent is listed even when lower-load peers of its tier sit past MaxExplained.
func TestDecideExplainsChosenPastTheList(t *testing.T) {
	var agents []Agent
	for i := 0; i < 8; i++ {
		a := agent(string(rune('a'+i)), map[string]int{"billing": 3}, time.Duration(8-i)*time.Minute)
		if i < 7 {
			a.Load[ChannelChat] = 2
		}
		agents = append(agents, a)
	}
	contacts := []Contact{contact("c1", "billing", ChannelChat, time.Second)}
	p := Decide(t0, baseQueues, contacts, agents)
	checkPlan(t, p, baseQueues, contacts, agents)
	as := p.Assignments[0]
	if as.AgentID != "h" {
		t.Fatalf("agent %s, want h (no load)", as.AgentID)
	}
	last := as.Candidates[len(as.Candidates)-1]
	if !last.Chosen || last.Rank != 8 || len(as.Candidates) != MaxExplained {
		t.Fatalf("candidates %+v", as.Candidates)
	}
}
