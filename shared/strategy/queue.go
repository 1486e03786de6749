package strategy

import (
	"fmt"
	"math"
	"time"
)

// held is an activation standing before the decision, with what happens to it.
type held struct {
	a        Activation
	withdraw string // the reason, when it is withdrawn
	byGap    bool   // kept subject to the gap rules (an engine activation)
}

// queue decides one queue: its part of d.
func (w *work) queue(d *Decision, o Observation) {
	now, s := w.in.Now, w.s
	w.memo.keys, w.memo.vals = w.memo.keys[:0], w.memo.vals[:0] // queues rarely share a load
	q := perceive(o, now, w.horizon, &w.memo)
	C, J := len(q.ch), len(q.starts)
	n := C * J
	ovr := w.overrides[o.Queue]
	override := func(k Kind) (Override, bool) {
		for _, x := range ovr {
			if x.Strategy == k {
				return x, true
			}
		}
		return Override{}, false
	}
	maxed := map[Kind]bool{}

	// 1. What becomes of the activations standing before the decision, the gap aside.
	var hs []held
	for _, a := range w.active[o.Queue] {
		h := held{a: a}
		x, hasOvr := override(a.Strategy)
		switch {
		case kindIndex(a.Strategy) < 0:
			h.withdraw = fmt.Sprintf("%q is not a strategy of the catalog", a.Strategy)
		case a.Source == ByEngine && !now.Before(a.Since.Add(minutes(s.maxMinutes(a.Strategy)))):
			h.withdraw = fmt.Sprintf("it ran %d minutes, the most for one activation", s.maxMinutes(a.Strategy))
			maxed[a.Strategy] = true
		case !now.Before(a.Until):
			h.withdraw = fmt.Sprintf("it lapsed at %s without renewal", clock(a.Until))
		case slicesHasKind(hs, a.Strategy):
			h.withdraw = "it repeats an activation of the same strategy on the queue"
		case a.Source == ByOverride:
			switch {
			case hasOvr && x.On && x.ID == a.OverrideID:
			case hasOvr && !x.On:
				h.withdraw = "overridden off by " + x.By
			case hasOvr:
				h.withdraw = fmt.Sprintf("replaced by %s's override %s", x.By, x.ID)
			default:
				h.withdraw = fmt.Sprintf("its override %s ended", a.OverrideID)
			}
		case hasOvr && x.On:
			h.withdraw = fmt.Sprintf("replaced by %s's override %s", x.By, x.ID)
		case hasOvr:
			h.withdraw = "overridden off by " + x.By
		case !s.Enabled:
			h.withdraw = "the engine was turned off"
		case !s.strategy(a.Strategy).Enabled:
			h.withdraw = "the strategy was disabled in the settings"
		default:
			h.byGap = true
		}
		hs = append(hs, h)
	}

	// 2. The gap seen, and the gap without the strategies kept in force (covered).
	covered := make([]float64, n)
	for i := range hs {
		if hs[i].withdraw == "" {
			q.effect(hs[i].a.Strategy, hs[i].a.Params, hs[i].a.Since, w.resources(&q, hs[i].a), &w.memo, covered)
		}
	}
	gross := make([]float64, n)
	for ci := range q.ch {
		copy(gross[ci*J:(ci+1)*J], q.ch[ci].gap)
	}
	grossProjected := q.total[q.peak]
	gap := q.gapOf(covered, &w.memo)
	scoreCtx := ContextOf(o, max(gap.Projected, grossProjected))

	// 3. Hysteresis memory: the streak of open gaps (what remains with the strategies in force);
	// since when the gap without them has been closed.
	mem := w.in.Memory.Queues[o.Queue]
	grossClosed := q.closed()
	if gap.Open {
		mem.GapStreak++
	} else {
		mem.GapStreak = 0
	}
	if grossClosed {
		if mem.ClosedSince.IsZero() || mem.ClosedSince.After(now) {
			mem.ClosedSince = now
		}
	} else {
		mem.ClosedSince = time.Time{}
	}
	gap.Streak = mem.GapStreak
	d.Memory.Queues[o.Queue] = mem
	closedFor := now.Sub(mem.ClosedSince)
	for i := range hs {
		h := &hs[i]
		if h.byGap && grossClosed && closedFor >= minutes(s.WithdrawAfterMinutes) && now.Sub(h.a.Since) >= minutes(s.MinActiveMinutes) {
			h.withdraw = fmt.Sprintf("the gap has been closed for %d minutes", int(closedFor.Minutes()))
		}
	}

	// 4. The options: every strategy, its feasibility, modelled effect and cost.
	qd := QueueDecision{Queue: o.Queue, Gap: gap}
	qd.Options = make([]Option, len(catalog))
	var cands []cand
	capShare := min(1, max(0, s.DivertCapPercent)/100)
	for i := range catalog {
		k := catalog[i].Kind
		opt := Option{Strategy: k}
		opt.Score, opt.Judged = w.in.Scores.Score(k, scoreCtx)
		var inForce *held
		for x := range hs {
			if hs[x].a.Strategy == k && hs[x].withdraw == "" {
				inForce = &hs[x]
			}
		}
		x, hasOvr := override(k)
		params := DefaultParams(k, s, o)
		var since time.Time = now
		switch {
		case hasOvr && x.On:
			opt.Feasible = true
			if inForce != nil {
				params, since = inForce.a.Params, inForce.a.Since
			}
			if x.Params != nil {
				params = *x.Params
			}
		case inForce != nil:
			opt.Feasible = true
			params, since = inForce.a.Params, inForce.a.Since
		case hasOvr:
			opt.Blocked = "overridden off by " + x.By
		case !s.Enabled:
			opt.Blocked = "the engine is off"
		case !s.strategy(k).Enabled:
			opt.Blocked = "disabled in the settings"
		case maxed[k]:
			opt.Blocked = fmt.Sprintf("its activation just ran the most %d minutes", s.maxMinutes(k))
		default:
			opt.Blocked = w.precondition(&q, k, &params, capShare)
			opt.Feasible = opt.Blocked == ""
		}
		c := cand{opt: i, forced: (hasOvr && x.On) || inForce != nil}
		eff := make([]float64, n)
		var res float64
		if inForce != nil && !(hasOvr && x.On) {
			res = w.resources(&q, inForce.a)
		} else {
			res = w.resources(&q, Activation{Strategy: k, Params: params})
		}
		if k == Divert {
			c.divert = true
			unit := params
			unit.DivertShare = 1
			c.perShare = eff
			cust := q.effect(k, unit, since, res, &w.memo, c.perShare)
			scale(c.perShare, opt.Score)
			c.costPerShare = s.costPerCustomer(k) * cust
			c.cost = catalog[i].FixedCost
			c.maxShare = 1
			c.capPerShare = q.divertCapPerShare()
			c.unitAgents, c.unitCustomers = mostAt(c.perShare, C, J), cust
			if c.forced {
				c.minShare = min(1, finite(params.DivertShare))
			}
			if hasOvr && x.On {
				c.maxShare = c.minShare
			}
			opt.Params = params
			opt.Expected = c.divertEffect(c.maxShareFor(capShare))
			opt.Params.DivertShare = c.maxShareFor(capShare)
		} else if k == Callback {
			c = w.callbackCand(&q, c, params, since, opt.Score, catalog[i].FixedCost, n)
			if hasOvr && x.On {
				c.alts = nil // the supervisor's params stand
			}
			opt.Params = params
			opt.Expected = c.callbackEffect()
		} else {
			cust := q.effect(k, params, since, res, &w.memo, eff)
			scale(eff, opt.Score)
			c.eff = eff
			c.cost = catalog[i].FixedCost + s.costPerCustomer(k)*cust
			if k == BotFirst && q.capBase() > 0 {
				c.capUse = cust / q.capBase()
			}
			opt.Params = params
			opt.Expected = Effect{Agents: mostAt(eff, C, J), CustomersPerHour: cust, Cost: c.cost}
		}
		qd.Options[i] = opt
		if opt.Feasible {
			cands = append(cands, c)
		}
	}

	// 5. The choice: only with the engine on, an open gap seen long enough.
	act := s.Enabled && gap.Open && mem.GapStreak >= s.ActivateAfterMinutes
	var chosen combo
	explored := -1
	if act && len(cands) > 0 {
		if cap(w.buf) < n {
			w.buf = make([]float64, n)
		}
		chosen, w.seen = search(gross, cands, capShare, w.buf[:n], w.seen)
		if e := w.explorable(cands, qd.Options, scoreCtx, o.Queue); e >= 0 {
			c := cands[e]
			boost := 1 + w.in.Scores.Bonus(qd.Options[c.opt].Strategy, scoreCtx)/max(qd.Options[c.opt].Score, 0.1)
			cands[e] = boosted(c, boost)
			alt, seen := search(gross, cands, capShare, w.buf[:n], w.seen)
			w.seen = seen
			cands[e] = c
			if alt.mask&(1<<e) != 0 && chosen.mask&(1<<e) == 0 {
				// The optimistic choice, with its true effects and costs.
				chosen, explored = reevaluate(gross, cands, capShare, alt, w.buf[:n]), e
				qd.Options[c.opt].Explore = true
			}
		}
	} else {
		for i, c := range cands {
			if c.forced {
				chosen.mask |= 1 << i
				if c.divert {
					chosen.share = c.minShare
				}
			}
		}
	}
	w.apply(d, &q, &qd, hs, cands, chosen, explored, gap, grossProjected, scoreCtx, act)
	d.Queues = append(d.Queues, qd)
}

// promiseMinutes is the callback promise for q: CallbackMargin after the first interval the
// observed gap is closed in, or after the horizon when it stays open all along; from
// PromiseMinutes to MaxPromiseMinutes.
func (q *queueGap) promiseMinutes(horizon time.Duration) int {
	until := horizon
	for j := 1; j < len(q.starts); j++ {
		if q.total[j] < OpenGapAgents {
			until = q.starts[j].Sub(q.starts[0])
			break
		}
	}
	return min(MaxPromiseMinutes, max(PromiseMinutes, int((until+CallbackMargin).Minutes())))
}

// resources is the agents a resource strategy adds (Overflow: backup agents; PauseOutbound:
// outbound agents; CallIn: on-call staff before the show rate), at least what it was activated
// with when it is in force (its agents are busy now, so no longer counted as available).
func (w *work) resources(q *queueGap, a Activation) float64 {
	switch a.Strategy {
	case Overflow:
		return max(float64(max(0, q.obs.BackupAgents)), finite(a.Expected.Agents))
	case PauseOutbound:
		return max(float64(max(0, q.obs.OutboundAgents)), finite(a.Expected.Agents))
	case CallIn:
		return float64(max(0, q.obs.OnCall, len(a.Params.Users)))
	}
	return 0
}

// precondition says why k cannot apply to q now ("" when it can), adjusting the params the
// engine would use (BotFirst's intents trimmed to the cap, MoveAgents' count to the voice gap,
// AnnounceWait's wait to Erlang A's).
func (w *work) precondition(q *queueGap, k Kind, p *Params, capShare float64) string {
	voiceRate := 0.0
	if q.voice >= 0 {
		voiceRate = q.ch[q.voice].rate[q.peak]
	}
	switch k {
	case Divert:
		switch {
		case q.voice < 0 || voiceRate <= 0:
			return "no voice callers to divert"
		case capShare <= 0:
			return "the divert cap is 0 %"
		}
	case Callback:
		if q.voice < 0 || voiceRate <= 0 {
			return "no voice callers to call back"
		}
		if p.CallbackAfterSeconds <= 0 {
			p.CallbackAfterSeconds = callbackAfter(q.obs)
		}
		p.PromiseMinutes = q.promiseMinutes(w.horizon)
	case BotFirst:
		if q.chat < 0 || q.ch[q.chat].rate[q.peak] <= 0 {
			return "no chat handoffs"
		}
		if len(p.Intents) == 0 {
			return fmt.Sprintf("no handoff intent the bot resolves %.0f %% of or more", 100*BotFirstMinResolution)
		}
		base, chatRate := q.capBase(), q.ch[q.chat].rate[q.peak]
		for len(p.Intents) > 0 {
			touched, _ := botShares(q.obs, p.Intents)
			if touched*chatRate <= capShare*base+1e-9 {
				break
			}
			p.Intents = p.Intents[:len(p.Intents)-1]
		}
		if len(p.Intents) == 0 {
			return fmt.Sprintf("the divert cap (%g %%) leaves no room", 100*capShare)
		}
	case Overflow:
		if q.obs.BackupAgents <= 0 {
			return "no backup agents available"
		}
	case PauseOutbound:
		if q.obs.OutboundAgents <= 0 {
			return "no agents on outbound campaigns"
		}
	case CallIn:
		if q.obs.OnCall <= 0 {
			return "no on-call staff to call in"
		}
	case MoveAgents:
		if q.obs.MovableAgents <= 0 {
			return "no multi-skilled agents to move"
		}
		if q.voice < 0 {
			return "no voice channel to move agents to"
		}
		vg := q.ch[q.voice].gap[q.ch[q.voice].worst]
		if vg <= 0 {
			return "no voice gap"
		}
		if q.chat >= 0 && q.ch[q.chat].gap[q.ch[q.voice].worst] > 0 {
			return "chat is short too"
		}
		p.Agents = min(q.obs.MovableAgents, int(math.Ceil(vg)))
	case AnnounceWait:
		wait := 0.0
		for _, c := range q.ch {
			if c.rate[c.worst] > 0 {
				wait = max(wait, c.asa)
			}
		}
		if wait <= q.target.AnswerWithin.Seconds() {
			return fmt.Sprintf("the expected wait (%.0f s) is within the target", wait)
		}
		p.ExpectedWaitSeconds = int(math.Round(min(wait, 3600)))
	}
	return ""
}

// explorable picks, by the seed, one free candidate whose score is unsure and whose cost fits the
// exploration budget (-1: none).
func (w *work) explorable(cands []cand, opts []Option, ctx Context, queue string) int {
	var idx []int
	for i, c := range cands {
		k := opts[c.opt].Strategy
		cost := c.cost
		if c.divert {
			cost += c.maxShare * c.costPerShare
		}
		if !c.forced && cost <= w.s.ExplorationBudget && w.in.Scores.Bonus(k, ctx) > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return -1
	}
	h := w.in.Seed ^ 0x9e3779b97f4a7c15
	for _, b := range []byte(queue) {
		h = (h ^ uint64(b)) * 0x100000001b3
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return idx[h%uint64(len(idx))]
}

// boosted is c explored: its effect scaled by f (the optimism of exploration) and its cost paid
// by the exploration budget (it fits, or it would not be explored).
func boosted(c cand, f float64) cand {
	c.explore = true
	c.cost, c.costPerShare = 0, 0
	if c.divert {
		c.perShare = append([]float64(nil), c.perShare...)
		scale(c.perShare, f)
		return c
	}
	c.eff = append([]float64(nil), c.eff...)
	scale(c.eff, f)
	return c
}

// divertEffect is Divert's expected effect at share.
func (c cand) divertEffect(share float64) Effect {
	return Effect{Agents: share * c.unitAgents, CustomersPerHour: share * c.unitCustomers, Cost: c.cost + share*c.costPerShare}
}

// maxShareFor is the divert share the option can offer: its bound within the cap, at least the
// share in force.
func (c cand) maxShareFor(capShare float64) float64 {
	return max(c.minShare, min(c.maxShare, capShare/c.capPerShare))
}

// callbackEffect is a Callback candidate's expected effect: the most it adds in one interval.
func (c cand) callbackEffect() Effect {
	m := 0.0
	for _, e := range c.eff {
		m = max(m, e)
	}
	return Effect{Agents: m, CustomersPerHour: c.unitCustomers, Cost: c.cost}
}

// divertCapPerShare is the share of the cap one unit of divert share takes: the callers expected
// to take the offer (the observation's divertible share, with DivertCapMargin) when the
// observation says, every caller offered when it does not.
func (q *queueGap) divertCapPerShare() float64 {
	if d := finite(q.obs.Divertible); d > 0 {
		return min(1, d*DivertCapMargin)
	}
	return 1
}

// callbackCand is Callback's candidate with params p and, as alternatives, the sooner offers
// (callbackLevels) it may move to.
func (w *work) callbackCand(q *queueGap, c cand, p Params, since time.Time, score, fixed float64, n int) cand {
	mk := func(p Params) cand {
		x := c
		x.eff = make([]float64, n)
		cust := q.effect(Callback, p, since, 0, &w.memo, x.eff)
		scale(x.eff, score)
		x.cost = fixed + w.s.costPerCustomer(Callback)*cust
		x.unitCustomers = cust
		x.callbackAfter = p.CallbackAfterSeconds
		return x
	}
	primary := mk(p)
	for _, after := range callbackLevels(q.obs) {
		if after < p.CallbackAfterSeconds {
			sooner := p
			sooner.CallbackAfterSeconds = after
			primary.alts = append(primary.alts, mk(sooner))
		}
	}
	return primary
}

func scale(v []float64, f float64) {
	for i := range v {
		v[i] *= f
	}
}

// sumAt sums v over the channels at interval j.
func sumAt(v []float64, C, J, j int) float64 {
	t := 0.0
	for ci := range C {
		t += v[ci*J+j]
	}
	return t
}

// mostAt is the most v adds in one interval, summed over the channels.
func mostAt(v []float64, C, J int) float64 {
	m := 0.0
	for j := range J {
		m = max(m, sumAt(v, C, J, j))
	}
	return m
}

// peakOf is the interval of the largest gap in g (positive parts summed over channels, or the
// signed sum when no channel is short) and that gap.
func peakOf(g []float64, C, J int) (int, float64) {
	best, bestJ := math.Inf(-1), 0
	for j := range J {
		pos, all, short := 0.0, 0.0, false
		for ci := range C {
			x := g[ci*J+j]
			all += x
			if x > 0 {
				pos += x
				short = true
			}
		}
		v := all
		if short {
			v = pos
		}
		if v > best {
			best, bestJ = v, j
		}
	}
	if J == 0 || C == 0 {
		return 0, 0
	}
	return bestJ, best
}

func slicesHasKind(hs []held, k Kind) bool {
	for _, h := range hs {
		if h.a.Strategy == k && h.withdraw == "" {
			return true
		}
	}
	return false
}

func minutes(m int) time.Duration { return time.Duration(m) * time.Minute }

func clock(t time.Time) string { return t.UTC().Format("15:04") }
