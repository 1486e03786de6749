package strategy

import (
	"math"
	"math/bits"
)

// cand is a strategy the choice may combine: its effect per channel and interval (scaled by its
// score) and its cost; Divert instead scales with its share.
type cand struct {
	opt    int // index in the queue's options
	eff    []float64
	cost   float64
	forced bool // in force or overridden on: in every combination
	// explore marks the option being explored: its cost is paid by the exploration budget and
	// equals prefer combinations with it.
	explore bool
	// Divert: effect and cost per unit of share, the share's bounds (min: the share in force).
	divert             bool
	perShare           []float64
	costPerShare       float64
	minShare, maxShare float64
	// unitAgents and unitCustomers are Divert's expected agents (at the peak) and customers per
	// hour for a share of 1.
	unitAgents, unitCustomers float64
	// capUse is the share of the cap base a BotFirst member takes (its customers ÷ the base);
	// capPerShare the share Divert takes per unit of its share (the callers who take the offer).
	capUse, capPerShare float64
	// callbackAfter is Callback's offer time in this version.
	callbackAfter int
	// alts are stronger versions of the strategy (Callback offered sooner) the search also tries,
	// weakest first.
	alts []cand
}

// combo is one combination the search looked at.
type combo struct {
	mask   uint32 // over cands
	closes bool
	closed float64 // gap closed, agent-intervals
	cost   float64
	share  float64 // Divert's, when a member
	alt    int     // the member with alternatives uses alts[alt-1] (0: itself)
	n      int
	valid  bool // within the divert cap
	// explore says the combination holds the option being explored.
	explore bool
}

// CloseMostTolerance: when nothing closes the gap, combinations closing at least this share of the
// most any closes are equals, and the least costly of them is chosen.
const CloseMostTolerance = 0.95

// search returns the least costly combination of cands (forced members always in) that closes
// every positive cell of the gap g, or, when none does, the least costly of those closing the
// most; a member with an alternative is tried both ways. capShare is the divert cap as a share
// of the cap base: Divert's diverted share plus the BotFirst members' capUse stay within it
// whenever the combination adds a member that counts toward it (those in force or overridden
// are kept as they are). buf is scratch of len(g); seen collects every combination (its storage
// is reused).
func search(g []float64, cands []cand, capShare float64, buf []float64, seen []combo) (combo, []combo) {
	var forced, free uint32
	for i, c := range cands {
		if c.forced {
			forced |= 1 << i
		} else {
			free |= 1 << i
		}
	}
	seen = seen[:0]
	// Every subset of free, from none to all: sub = (sub − free) & free steps to the next one.
	sub := uint32(0)
	for {
		mask := forced | sub
		seen = append(seen, evaluate(g, cands, capShare, mask, buf))
		for i := range cands {
			if mask&(1<<i) != 0 && len(cands[i].alts) > 0 {
				saved := cands[i]
				for k, alt := range saved.alts {
					cands[i] = alt
					c := evaluate(g, cands, capShare, mask, buf)
					c.alt = k + 1
					seen = append(seen, c)
				}
				cands[i] = saved
				break
			}
		}
		if sub == free {
			break
		}
		sub = (sub - free) & free
	}
	best, found := combo{}, false
	for _, c := range seen {
		if c.valid && c.closes && (!found || better(c, best)) {
			best, found = c, true
		}
	}
	if found {
		return best, seen
	}
	most := 0.0
	for _, c := range seen {
		if c.valid {
			most = max(most, c.closed)
		}
	}
	found = false
	for _, c := range seen {
		if c.valid && c.closed >= CloseMostTolerance*most-1e-9 && (!found || better(c, best)) {
			best, found = c, true
		}
	}
	// Nothing closes the gap: a member with alternatives takes its strongest (a callback is
	// offered at once; its worth in abandonment avoided is more than the agents it frees).
	for _, c := range seen {
		if c.valid && c.mask == best.mask && c.alt > best.alt {
			best = c
		}
	}
	return best, seen
}

// better orders equals: less cost, then the one exploring, then fewer members, then the lower mask
// (catalog order).
func better(a, b combo) bool {
	if math.Abs(a.cost-b.cost) > 1e-9 {
		return a.cost < b.cost
	}
	if a.explore != b.explore {
		return a.explore
	}
	if a.alt != b.alt {
		return a.alt < b.alt
	}
	if a.n != b.n {
		return a.n < b.n
	}
	return a.mask < b.mask
}

func evaluate(g []float64, cands []cand, capShare float64, mask uint32, buf []float64) combo {
	clear(buf)
	c := combo{mask: mask, valid: true}
	div := -1
	capUsed, capNew := 0.0, false
	for i := range cands {
		if mask&(1<<i) == 0 {
			continue
		}
		if cands[i].divert {
			div = i
			capNew = capNew || !cands[i].forced
			continue
		}
		c.explore = c.explore || cands[i].explore
		if cands[i].capUse > 0 {
			capUsed += cands[i].capUse
			capNew = capNew || !cands[i].forced
		}
		for x, e := range cands[i].eff {
			buf[x] += e
		}
		c.cost += cands[i].cost
	}
	if div >= 0 {
		d := &cands[div]
		need := 0.0
		for x := range g {
			if r := g[x] - buf[x]; r > 1e-9 && d.perShare[x] > 1e-12 {
				need = max(need, r/d.perShare[x])
			}
		}
		share := math.Ceil(need/DivertStep-1e-9) * DivertStep
		share = max(d.minShare, min(d.maxShare, (capShare-capUsed)/d.capPerShare, share))
		if share <= 0 && !d.forced {
			c.mask &^= 1 << div // a share of 0 is no divert
		} else {
			for x, e := range d.perShare {
				buf[x] += share * e
			}
			c.cost += share*d.costPerShare + d.cost
			c.share = share
			c.explore = c.explore || d.explore
			capUsed += share * d.capPerShare
		}
	}
	if capNew && capUsed > capShare+1e-9 {
		c.valid = false
	}
	c.closes = true
	for x, need := range g {
		if need <= 0 {
			continue
		}
		c.closed += min(buf[x], need)
		if buf[x] < need-1e-9 {
			c.closes = false
		}
	}
	c.n = bits.OnesCount32(c.mask)
	return c
}

// reevaluate is c evaluated again on cands (after the search ran on changed ones), with the
// alternative it chose.
func reevaluate(g []float64, cands []cand, capShare float64, c combo, buf []float64) combo {
	if c.alt > 0 {
		for i := range cands {
			if c.mask&(1<<i) != 0 && len(cands[i].alts) >= c.alt {
				saved := cands[i]
				cands[i] = saved.alts[c.alt-1]
				out := evaluate(g, cands, capShare, c.mask, buf)
				cands[i] = saved
				out.alt = c.alt
				return out
			}
		}
	}
	return evaluate(g, cands, capShare, c.mask, buf)
}
