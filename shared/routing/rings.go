package routing

import (
	"sort"
	"strings"
	"time"
)

// ring is one step of the bullseye: the skills an agent must all have.
type ring struct {
	skills []string
	ids    []int // the skills interned by pools.intern
}

// ringsFor returns the rings a contact has reached at wait, innermost first, and the wait of the
// next overflow step (or -1). Ring 0 is the queue's RequiredSkills; each overflow rule reached
// adds a ring. The contact's own RequiredSkills are added to every ring.
func ringsFor(queues map[string]Queue, q Queue, c Contact, wait time.Duration) ([]ring, time.Duration) {
	rules := sortedRules(q.Overflow)
	rings := []ring{{skills: union(q.RequiredSkills, c.RequiredSkills)}}
	next := time.Duration(-1)
	for _, r := range rules {
		if wait < r.After {
			next = r.After
			break
		}
		var base []string
		switch {
		case len(r.Skills) > 0:
			base = r.Skills
		case r.ToQueue != "":
			tq, ok := queues[r.ToQueue]
			if !ok {
				continue
			}
			base = tq.RequiredSkills
		default:
			base = q.BackupSkills
		}
		rings = append(rings, ring{skills: union(base, c.RequiredSkills)})
	}
	return rings, next
}

func sortedRules(rules []OverflowRule) []OverflowRule {
	if sort.SliceIsSorted(rules, func(i, j int) bool { return rules[i].After < rules[j].After }) {
		return rules
	}
	out := append([]OverflowRule(nil), rules...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].After < out[j].After })
	return out
}

// union returns the distinct non-empty skills of a and b, sorted.
func union(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	seen := make(map[string]bool, len(a)+len(b))
	for _, list := range [][]string{a, b} {
		for _, s := range list {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// covers reports whether the agent has every skill of the ring, and the proficiency sum.
func covers(a *Agent, r ring) (int, bool) {
	sum := 0
	for _, s := range r.skills {
		p := a.Skills[s]
		if p < 1 {
			return 0, false
		}
		if p > 5 {
			p = 5
		}
		sum += p
	}
	return sum, true
}

// ringKey identifies contacts that rank agents identically: same channel and same rings.
func ringKey(ch Channel, rings []ring) string {
	var b strings.Builder
	b.WriteString(string(ch))
	for _, r := range rings {
		b.WriteByte('|')
		for i, s := range r.skills {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}
