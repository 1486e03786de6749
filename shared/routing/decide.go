package routing

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"
)

// MissCooldown is how long an agent who let an offer time out receives no offers. After it the
// agent is eligible again but ranks after agents of the same ring without misses.
const MissCooldown = 60 * time.Second

// MaxExplained is how many candidates an Assignment lists.
const MaxExplained = 5

// agentSlot is an agent and what this plan has already given them. Chat and voice capacity and
// load are read once; prof holds the proficiency of each interned skill (see pools.intern).
type agentSlot struct {
	a                   *Agent
	chatCap, voiceCap   int
	chatLoad, voiceLoad int
	other               map[Channel]int // given on other channels
	prof                []int8
}

func (s *agentSlot) load(ch Channel) int {
	switch ch {
	case ChannelChat:
		return s.chatLoad
	case ChannelVoice:
		return s.voiceLoad
	}
	return s.a.Load[ch] + s.other[ch]
}

func (s *agentSlot) capacity(ch Channel) int {
	switch ch {
	case ChannelChat:
		return s.chatCap
	case ChannelVoice:
		return s.voiceCap
	}
	return s.a.Capacity[ch]
}

func (s *agentSlot) free(ch Channel) int { return s.capacity(ch) - s.load(ch) }

func (s *agentSlot) take(ch Channel) {
	switch ch {
	case ChannelChat:
		s.chatLoad++
	case ChannelVoice:
		s.voiceLoad++
	default:
		if s.other == nil {
			s.other = make(map[Channel]int, 1)
		}
		s.other[ch]++
	}
}

func (s *agentSlot) cooling(now time.Time) bool {
	return s.a.Missed > 0 && now.Before(s.a.MissedAt.Add(MissCooldown))
}

// cand is an eligible agent for one pool, with its static score.
type cand struct {
	slot *agentSlot
	ring int
	prof int
}

// pool is the ranked agents for contacts that share a channel and rings.
type pool struct {
	ch           Channel
	rings        []ring
	cands        []cand
	head         int // cands before head have no free slot left
	anySkilled   bool
	anyAvailable bool
	anyCapacity  bool
	anyCooling   bool
	exhausted    bool
}

// Decide says which waiting contacts go to which agents now. It is pure: the same input gives
// the same Plan, and the input is not modified.
//
// Contacts are taken in EffectivePriority order. Each goes to the best available agent with a
// free slot on the contact's channel whose skills cover a ring the contact has reached
// (ringsFor): inner ring first, then agents without recent misses, then the higher proficiency
// sum over the ring's skills, then the lower load on the channel, then the longest idle, then
// the smaller ID. An agent slot is used once per plan, a contact once per plan.
func Decide(now time.Time, queues map[string]Queue, waiting []Contact, agents []Agent) Plan {
	plan := Plan{At: now, Waiting: make([]Waiting, 0, len(waiting)), Timers: make([]Timer, 0, len(waiting))}
	slots := agentSlots(agents)

	type entry struct {
		c   *Contact
		eff time.Duration
	}
	entries := make([]entry, 0, len(waiting))
	seen := make(map[string]bool, len(waiting))
	for i := range waiting {
		c := &waiting[i]
		if seen[c.ID] {
			plan.Waiting = append(plan.Waiting, Waiting{ContactID: c.ID, Queue: c.Queue, Reason: ReasonDuplicate})
			continue
		}
		seen[c.ID] = true
		entries = append(entries, entry{c: c, eff: EffectivePriority(now, queues[c.Queue], *c)})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if a.eff != b.eff {
			return cmp.Compare(b.eff, a.eff)
		}
		if c := a.c.EnqueuedAt.Compare(b.c.EnqueuedAt); c != 0 {
			return c
		}
		return strings.Compare(a.c.ID, b.c.ID)
	})

	pools := newPools(now, queues, slots)
	anyWaiting := false
	for _, e := range entries {
		c := e.c
		q, known := queues[c.Queue]
		if !known {
			plan.Waiting = append(plan.Waiting, Waiting{ContactID: c.ID, Queue: c.Queue, EffectivePriority: e.eff, Reason: ReasonUnknownQueue})
			anyWaiting = true
			continue
		}
		wait := waited(now, *c)
		p, next := pools.forContact(q, c, wait)
		if a, ok := p.pick(); ok {
			plan.Assignments = append(plan.Assignments, p.explain(now, c, q, e.eff, a))
			p.cands[a].slot.take(c.Channel)
			continue
		}
		anyWaiting = true
		plan.Waiting = append(plan.Waiting, Waiting{ContactID: c.ID, Queue: c.Queue, EffectivePriority: e.eff, Reason: p.reason(), Ring: len(p.rings) - 1})
		if next >= 0 {
			plan.Timers = append(plan.Timers, Timer{At: c.EnqueuedAt.Add(next), Kind: TimerOverflow, ContactID: c.ID})
		}
		if q.MaxWait > 0 {
			if wait >= q.MaxWait {
				plan.Expired = append(plan.Expired, c.ID)
			} else {
				plan.Timers = append(plan.Timers, Timer{At: c.EnqueuedAt.Add(q.MaxWait), Kind: TimerMaxWait, ContactID: c.ID})
			}
		}
	}
	if anyWaiting {
		for _, s := range slots {
			if s.a.State == StateAvailable && s.cooling(now) {
				plan.Timers = append(plan.Timers, Timer{At: s.a.MissedAt.Add(MissCooldown), Kind: TimerMissCooldown, AgentID: s.a.ID})
			}
		}
	}
	slices.SortFunc(plan.Timers, func(a, b Timer) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if a.Kind != b.Kind {
			return strings.Compare(string(a.Kind), string(b.Kind))
		}
		if a.ContactID != b.ContactID {
			return strings.Compare(a.ContactID, b.ContactID)
		}
		return strings.Compare(a.AgentID, b.AgentID)
	})
	if len(plan.Timers) > 0 {
		plan.NextWake = plan.Timers[0].At
	}
	return plan
}

// agentSlots returns the agents sorted by ID, the first of each ID only.
func agentSlots(agents []Agent) []*agentSlot {
	slots := make([]*agentSlot, 0, len(agents))
	for i := range agents {
		a := &agents[i]
		slots = append(slots, &agentSlot{a: a,
			chatCap: a.Capacity[ChannelChat], voiceCap: a.Capacity[ChannelVoice],
			chatLoad: a.Load[ChannelChat], voiceLoad: a.Load[ChannelVoice]})
	}
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].a.ID < slots[j].a.ID })
	out := slots[:0]
	for i, s := range slots {
		if i > 0 && s.a.ID == slots[i-1].a.ID {
			continue
		}
		out = append(out, s)
	}
	return out
}

func buildPool(now time.Time, ch Channel, rings []ring, slots []*agentSlot) *pool {
	p := &pool{ch: ch, rings: rings}
	for _, s := range slots {
		if s.a.State != StateAvailable || s.capacity(ch) <= 0 || s.cooling(now) {
			continue
		}
		if r, prof, ok := slotRing(s, rings); ok {
			p.cands = append(p.cands, cand{slot: s, ring: r, prof: prof})
		}
	}
	slices.SortFunc(p.cands, func(a, b cand) int {
		if a.before(b) {
			return -1
		}
		if b.before(a) {
			return 1
		}
		return 0
	})
	if len(p.cands) == 0 {
		p.whyEmpty(now, slots)
	}
	return p
}

// whyEmpty sets the flags reason() reads, for a pool without candidates.
func (p *pool) whyEmpty(now time.Time, slots []*agentSlot) {
	for _, s := range slots {
		if _, _, ok := bestRing(s.a, p.rings); !ok {
			continue
		}
		p.anySkilled = true
		if s.a.State != StateAvailable {
			continue
		}
		p.anyAvailable = true
		if s.a.Capacity[p.ch] <= 0 {
			continue
		}
		p.anyCapacity = true
		p.anyCooling = p.anyCooling || s.cooling(now)
	}
}

// slotRing is bestRing over the interned proficiencies of a slot.
func slotRing(s *agentSlot, rings []ring) (int, int, bool) {
next:
	for i, rg := range rings {
		sum := 0
		for _, id := range rg.ids {
			p := int(s.prof[id])
			if p < 1 {
				continue next
			}
			sum += p
		}
		return i, sum, true
	}
	return 0, 0, false
}

// bestRing returns the innermost ring whose skills the agent all has, with the proficiency sum.
func bestRing(a *Agent, rings []ring) (int, int, bool) {
	for i, rg := range rings {
		if sum, ok := covers(a, rg); ok {
			return i, sum, true
		}
	}
	return 0, 0, false
}

// sameTier reports whether two candidates differ only by load, idle time and ID.
func (c cand) sameTier(o cand) bool {
	return c.ring == o.ring && missRank(c) == missRank(o) && c.prof == o.prof
}

func missRank(c cand) int { return c.slot.a.Missed }

// before is the static order: ring, misses, proficiency, idle, ID.
func (c cand) before(o cand) bool {
	if c.ring != o.ring {
		return c.ring < o.ring
	}
	if missRank(c) != missRank(o) {
		return missRank(c) < missRank(o)
	}
	if c.prof != o.prof {
		return c.prof > o.prof
	}
	if !c.slot.a.IdleSince.Equal(o.slot.a.IdleSince) {
		return c.slot.a.IdleSince.Before(o.slot.a.IdleSince)
	}
	return c.slot.a.ID < o.slot.a.ID
}

// pick returns the index of the best candidate with a free slot: the first tier in static order
// that has one, and in it the lowest load, earlier in static order on a tie.
func (p *pool) pick() (int, bool) {
	if p.exhausted {
		return 0, false
	}
	for p.head < len(p.cands) && p.cands[p.head].slot.free(p.ch) <= 0 {
		p.head++
	}
	if p.head == len(p.cands) {
		p.exhausted = true
		return 0, false
	}
	best := p.head
	bestLoad := p.cands[best].slot.load(p.ch)
	for i := p.head + 1; i < len(p.cands) && bestLoad > 0; i++ {
		c := p.cands[i]
		if !c.sameTier(p.cands[best]) {
			break
		}
		if c.slot.free(p.ch) > 0 && c.slot.load(p.ch) < bestLoad {
			best, bestLoad = i, c.slot.load(p.ch)
		}
	}
	return best, true
}

func (p *pool) reason() Reason {
	switch {
	case len(p.cands) > 0:
		return ReasonAllBusy
	case !p.anySkilled:
		return ReasonNoSkilledAgent
	case !p.anyAvailable:
		return ReasonAllUnavailable
	case !p.anyCapacity:
		return ReasonNoCapacity
	case p.anyCooling:
		return ReasonCoolingDown
	default:
		return ReasonAllBusy
	}
}
