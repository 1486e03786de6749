package routing

import (
	"testing"
	"time"
)

// floorFromBytes builds queues, contacts and agents from fuzz input: every byte is a choice, so
// any input is a floor. Names come from the two strings to reach odd skills and queue names.
type byteReader struct {
	b []byte
	i int
}

func (r *byteReader) next() int {
	if r.i >= len(r.b) {
		return 0
	}
	r.i++
	return int(r.b[r.i-1])
}

func floorFromBytes(data []byte, name, channel string) (map[string]Queue, []Contact, []Agent) {
	r := &byteReader{b: data}
	skills := []string{"billing", "sales", name, ""}
	queueNames := []string{"billing", "sales", name}
	channels := []Channel{ChannelChat, ChannelVoice, Channel(channel)}
	pickSkills := func() []string {
		var out []string
		for m := r.next(); m != 0; m >>= 2 {
			out = append(out, skills[m%len(skills)])
		}
		return out
	}
	queues := map[string]Queue{}
	for _, qn := range queueNames {
		q := Queue{Name: qn, RequiredSkills: pickSkills(), BackupSkills: pickSkills(), Priority: r.next() - 128,
			MaxWait: time.Duration(r.next()) * time.Second}
		for n := r.next() % 4; n > 0; n-- {
			q.Overflow = append(q.Overflow, OverflowRule{After: time.Duration(r.next()) * time.Second,
				Skills: pickSkills(), ToQueue: queueNames[r.next()%len(queueNames)]})
		}
		queues[qn] = q
	}
	states := []State{StateAvailable, StateBusy, StateAway, StateOffline}
	agents := make([]Agent, r.next()%16)
	for i := range agents {
		a := Agent{ID: string(rune('a' + r.next()%20)), State: states[r.next()%len(states)], Skills: map[string]int{},
			Capacity: map[Channel]int{}, Load: map[Channel]int{}, IdleSince: t0.Add(-time.Duration(r.next()) * time.Second),
			Missed: r.next() % 3, MissedAt: t0.Add(-time.Duration(r.next()) * time.Second)}
		for _, s := range pickSkills() {
			a.Skills[s] = r.next()%8 - 1
		}
		for _, ch := range channels {
			a.Capacity[ch] = r.next()%5 - 1
			a.Load[ch] = r.next()%4 - 1
		}
		agents[i] = a
	}
	contacts := make([]Contact, r.next()%32)
	for i := range contacts {
		contacts[i] = Contact{ID: string(rune('A' + r.next()%40)), Channel: channels[r.next()%len(channels)],
			Queue: append(queueNames, "missing")[r.next()%4], Priority: r.next() - 128,
			EnqueuedAt: t0.Add(time.Duration(r.next()-16) * -time.Second), RequiredSkills: pickSkills()}
	}
	return queues, contacts, agents
}

func FuzzDecide(f *testing.F) {
	f.Add([]byte{}, "general", "sms")
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, "french", "voice")
	f.Add([]byte("a floor of agents and contacts, each byte a choice ............................"), "", "chat")
	f.Fuzz(func(t *testing.T, data []byte, name, channel string) {
		queues, contacts, agents := floorFromBytes(data, name, channel)
		p := Decide(t0, queues, contacts, agents)
		// Duplicate agent IDs: Decide and checkPlan both keep the first record of an ID.
		checkPlan(t, p, queues, contacts, agents)
	})
}
