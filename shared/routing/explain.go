package routing

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// explain builds the Assignment of contact c to candidate chosen, listing the best candidates
// that still had a free slot (at most MaxExplained, the chosen one always among them).
func (p *pool) explain(now time.Time, c *Contact, q Queue, eff time.Duration, chosen int) Assignment {
	ch := p.cands[chosen]
	as := Assignment{
		ContactID:         c.ID,
		AgentID:           ch.slot.a.ID,
		Channel:           c.Channel,
		Queue:             q.Name,
		EffectivePriority: eff,
		Ring:              ch.ring,
		Considered:        p.withFreeSlot(),
		Candidates:        make([]Candidate, 0, MaxExplained),
	}
	if as.Queue == "" {
		as.Queue = c.Queue
	}
	rank, haveChosen := 0, false
	for i := p.head; i < len(p.cands); i++ {
		if haveChosen && len(as.Candidates) >= MaxExplained {
			break
		}
		o := p.cands[i]
		if o.slot.free(p.ch) <= 0 {
			continue
		}
		rank++
		room := len(as.Candidates) < MaxExplained-1 || (haveChosen && len(as.Candidates) < MaxExplained)
		if i != chosen && !room {
			continue
		}
		haveChosen = haveChosen || i == chosen
		as.Candidates = append(as.Candidates, Candidate{
			AgentID:     o.slot.a.ID,
			Rank:        rank,
			Ring:        o.ring,
			Proficiency: o.prof,
			Load:        o.slot.load(p.ch),
			FreeSlots:   o.slot.free(p.ch),
			IdleFor:     idleFor(now, o.slot.a),
			Missed:      o.slot.a.Missed,
			Chosen:      i == chosen,
			Note:        note(o, ch, p.ch, i == chosen),
		})
	}
	var b strings.Builder
	b.Grow(128)
	b.WriteString("ring ")
	b.WriteString(strconv.Itoa(ch.ring))
	b.WriteString(" (")
	b.WriteString(strings.Join(p.rings[ch.ring].skills, "+"))
	b.WriteString("), proficiency ")
	b.WriteString(strconv.Itoa(ch.prof))
	b.WriteString(", ")
	b.WriteString(string(p.ch))
	b.WriteString(" load ")
	b.WriteString(strconv.Itoa(ch.slot.load(p.ch)))
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(ch.slot.capacity(p.ch)))
	b.WriteString(", idle ")
	b.WriteString(idleFor(now, ch.slot.a).Round(time.Second).String())
	b.WriteString(", ")
	b.WriteString(strconv.Itoa(ch.slot.a.Missed))
	b.WriteString(" missed; best of ")
	b.WriteString(strconv.Itoa(as.Considered))
	b.WriteString(" with a free slot")
	as.Why = b.String()
	return as
}

// withFreeSlot counts the pool's candidates that still have a free slot on the channel.
func (p *pool) withFreeSlot() int {
	n := 0
	for _, c := range p.cands[p.head:] {
		if c.slot.free(p.ch) > 0 {
			n++
		}
	}
	return n
}

func idleFor(now time.Time, a *Agent) time.Duration {
	if a.IdleSince.IsZero() {
		return 0
	}
	if d := now.Sub(a.IdleSince); d > 0 {
		return d
	}
	return 0
}

// note says why o ranks where it does against the chosen candidate ch.
func note(o, ch cand, channel Channel, chosen bool) string {
	switch {
	case chosen:
		return "chosen"
	case o.ring > ch.ring:
		return fmt.Sprintf("outer ring %d (overflow)", o.ring)
	case o.slot.a.Missed > ch.slot.a.Missed:
		return fmt.Sprintf("missed %d offers", o.slot.a.Missed)
	case o.prof < ch.prof:
		return fmt.Sprintf("lower proficiency %d < %d", o.prof, ch.prof)
	case o.slot.load(channel) > ch.slot.load(channel):
		return fmt.Sprintf("more %s load %d > %d", channel, o.slot.load(channel), ch.slot.load(channel))
	default:
		return "idle shorter"
	}
}
