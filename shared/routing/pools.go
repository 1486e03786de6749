package routing

import (
	"strings"
	"time"
)

// pools finds, for each contact, the pool of agents ranked for its channel and rings, building
// each pool once per decision. Contacts of one queue, channel, overflow step and own skills
// share a pool without recomputing their rings; queues whose rings coincide share one too.
type pools struct {
	now    time.Time
	queues map[string]Queue
	slots  []*agentSlot
	rules  map[string][]OverflowRule
	byKey  map[contactKey]*pool
	byRing map[string]*pool
	skills map[string]int
}

type contactKey struct {
	queue  string
	steps  int
	ch     Channel
	skills string
}

func newPools(now time.Time, queues map[string]Queue, slots []*agentSlot) *pools {
	return &pools{now: now, queues: queues, slots: slots, rules: map[string][]OverflowRule{},
		byKey: map[contactKey]*pool{}, byRing: map[string]*pool{}, skills: map[string]int{}}
}

// forContact returns the contact's pool and the wait of its next overflow step (or -1).
func (ps *pools) forContact(q Queue, c *Contact, wait time.Duration) (*pool, time.Duration) {
	rules, ok := ps.rules[c.Queue]
	if !ok {
		rules = sortedRules(q.Overflow)
		ps.rules[c.Queue] = rules
	}
	steps, next := 0, time.Duration(-1)
	for _, r := range rules {
		if wait < r.After {
			next = r.After
			break
		}
		steps++
	}
	k := contactKey{queue: c.Queue, steps: steps, ch: c.Channel}
	switch len(c.RequiredSkills) {
	case 0:
	case 1:
		k.skills = c.RequiredSkills[0]
	default:
		k.skills = strings.Join(c.RequiredSkills, "\x00")
	}
	if p := ps.byKey[k]; p != nil {
		return p, next
	}
	rings, _ := ringsFor(ps.queues, q, *c, wait)
	rk := ringKey(c.Channel, rings)
	p := ps.byRing[rk]
	if p == nil {
		for i := range rings {
			rings[i].ids = make([]int, len(rings[i].skills))
			for j, sk := range rings[i].skills {
				rings[i].ids[j] = ps.intern(sk)
			}
		}
		p = buildPool(ps.now, c.Channel, rings, ps.slots)
		ps.byRing[rk] = p
	}
	ps.byKey[k] = p
	return p, next
}

// intern gives a skill a small number and records every agent's proficiency in it (clamped to
// 0–5) so ranking reads a slice instead of a map.
func (ps *pools) intern(skill string) int {
	if id, ok := ps.skills[skill]; ok {
		return id
	}
	id := len(ps.skills)
	ps.skills[skill] = id
	for _, s := range ps.slots {
		s.prof = append(s.prof, int8(max(0, min(5, s.a.Skills[skill]))))
	}
	return id
}
