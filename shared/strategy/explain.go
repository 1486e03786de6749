package strategy

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// apply turns a queue's choice into activations, renewals and withdrawals, and explains it.
func (w *work) apply(d *Decision, q *queueGap, qd *QueueDecision, hs []held, cands []cand, chosen combo, explored int, gap Gap, grossProjected float64, ctx Context, act bool) {
	now, s := w.in.Now, w.s
	queue := q.obs.Queue
	var withdrawn, kept, added []string
	for _, h := range hs {
		if h.withdraw != "" {
			d.Withdraw = append(d.Withdraw, Withdrawal{ActivationID: h.a.ID, Queue: queue, Strategy: h.a.Strategy, Reason: h.withdraw})
			withdrawn = append(withdrawn, fmt.Sprintf("%s (%s)", h.a.Strategy, h.withdraw))
		}
	}
	candOf := func(k Kind) (int, bool) {
		for i, c := range cands {
			if qd.Options[c.opt].Strategy == k {
				return i, true
			}
		}
		return -1, false
	}
	// Those in force stay: renewed (engine) or held to their override.
	for _, h := range hs {
		if h.withdraw != "" {
			continue
		}
		a := h.a
		if a.Source == ByOverride {
			for _, x := range w.overrides[queue] {
				if x.ID == a.OverrideID {
					a.Until = x.Until
					if x.Params != nil {
						a.Params = *x.Params
					}
				}
			}
		} else {
			a.Until = minTime(now.Add(minutes(RenewMinutes)), a.Since.Add(minutes(s.maxMinutes(a.Strategy))))
			if a.Strategy == Callback && q.staffed {
				// Callers from now on are promised what the gap allows; never less than before.
				a.Params.PromiseMinutes = max(a.Params.PromiseMinutes, q.promiseMinutes(w.horizon))
			}
			if i, ok := candOf(Callback); ok && a.Strategy == Callback && act && chosen.alt > 0 && chosen.mask&(1<<i) != 0 && len(cands[i].alts) >= chosen.alt {
				alt := cands[i].alts[chosen.alt-1]
				a.Params.CallbackAfterSeconds = alt.callbackAfter
				a.Expected = alt.callbackEffect()
				qd.Options[cands[i].opt].Params.CallbackAfterSeconds = alt.callbackAfter
				qd.Options[cands[i].opt].Expected = a.Expected
				kept = append(kept, fmt.Sprintf("callback offered sooner (after %d s)", alt.callbackAfter))
			}
			if i, ok := candOf(Divert); ok && a.Strategy == Divert && act && chosen.mask&(1<<i) != 0 && chosen.share > a.Params.DivertShare+1e-9 {
				a.Params.DivertShare = chosen.share
				a.Expected = cands[i].divertEffect(chosen.share)
				qd.Options[cands[i].opt].Params.DivertShare = chosen.share
				qd.Options[cands[i].opt].Expected = a.Expected
				kept = append(kept, fmt.Sprintf("divert raised to %.0f %%", 100*chosen.share))
			}
		}
		d.Active = append(d.Active, a)
		if a.Source == ByOverride {
			kept = append(kept, fmt.Sprintf("%s (overridden on)", a.Strategy))
		} else {
			kept = append(kept, string(a.Strategy))
		}
	}
	// The supervisors' overrides that start now.
	for _, x := range w.overrides[queue] {
		if !x.On {
			continue
		}
		if hasActive(d.Active, queue, x.Strategy, x.ID) {
			continue
		}
		i := kindIndex(x.Strategy)
		opt := qd.Options[i]
		reason := fmt.Sprintf("Forced on by %s (override %s) until %s", x.By, x.ID, clock(x.Until))
		if x.Reason != "" {
			reason += ": " + x.Reason
		}
		a := Activation{
			ID: ActivationID(w.id, queue, x.Strategy), Queue: queue, Strategy: x.Strategy, Params: opt.Params,
			Source: ByOverride, Expected: opt.Expected, Context: ctx, OverrideID: x.ID, Since: now, Until: x.Until,
			Reason: reason + ".", GapAgents: gap.Projected,
		}
		d.Activate = append(d.Activate, a)
		d.Active = append(d.Active, a)
		added = append(added, fmt.Sprintf("%s (overridden on by %s)", x.Strategy, x.By))
	}
	// The engine's new activations.
	var names []string
	for i, c := range cands {
		if chosen.mask&(1<<i) != 0 {
			names = append(names, string(qd.Options[c.opt].Strategy))
		}
	}
	combination := strings.Join(names, " + ")
	if act {
		for i, c := range cands {
			if c.forced || chosen.mask&(1<<i) == 0 {
				continue
			}
			opt := &qd.Options[c.opt]
			if c.divert {
				opt.Params.DivertShare = chosen.share
				opt.Expected = c.divertEffect(chosen.share)
			}
			if chosen.alt > 0 && len(c.alts) >= chosen.alt {
				alt := c.alts[chosen.alt-1]
				opt.Params.CallbackAfterSeconds = alt.callbackAfter
				opt.Expected = alt.callbackEffect()
			}
			why := "part of the least costly combination that closes it"
			if len(names) == 1 {
				why = "the least costly strategy that closes it"
			}
			if !chosen.closes {
				why = fmt.Sprintf("chosen because no combination closes it and %s closes the most at the least cost", combination)
			}
			if i == explored {
				why += fmt.Sprintf("; tried to learn its effect (judged %d times, cost %.1f within the exploration budget %.1f)", opt.Judged, opt.Expected.Cost, s.ExplorationBudget)
			}
			k := opt.Strategy
			a := Activation{
				ID: ActivationID(w.id, queue, k), Queue: queue, Strategy: k, Params: opt.Params, Source: ByEngine,
				Expected: opt.Expected, Context: ctx, DecisionID: w.id, Since: now,
				Until:     minTime(now.Add(minutes(RenewMinutes)), now.Add(minutes(s.maxMinutes(k)))),
				GapAgents: max(gap.Projected, grossProjected),
			}
			inForce := ""
			if gap.Covered > 0 {
				inForce = fmt.Sprintf("%.1f with the strategies in force, ", gap.Projected)
			}
			a.Reason = fmt.Sprintf("Projected gap of %.1f agents on %s within %d min (%sservice level %.0f %% against %.0f %%): %s %s is %s.",
				a.GapAgents, queue, int(w.horizon.Minutes()), inForce, gap.ServiceLevel, gap.Target, k, effectText(opt.Expected, opt.Params, k), why)
			d.Activate = append(d.Activate, a)
			d.Active = append(d.Active, a)
			added = append(added, string(k))
		}
	}
	for _, a := range d.Active {
		if a.Queue == queue && !slices.Contains(qd.Chosen, a.Strategy) {
			qd.Chosen = append(qd.Chosen, a.Strategy)
		}
	}
	qd.Why = w.why(q, qd, gap, chosen, combination, act, added, kept, withdrawn)
}

// why is the queue's explanation: the gap, the options, the choice.
func (w *work) why(q *queueGap, qd *QueueDecision, gap Gap, chosen combo, combination string, act bool, added, kept, withdrawn []string) string {
	s := w.s
	var b strings.Builder
	queue := q.obs.Queue
	switch {
	case !q.staffed:
		fmt.Fprintf(&b, "The floor is closed: nobody is signed in on %s and nothing waits, so there is no gap to close.", queue)
	default:
		fmt.Fprintf(&b, "%s needs %s now with %.0f signed in; ", queue, agentsText(gap.RequiredNow), gap.AvailableNow)
		if gap.Covered > 0 {
			fmt.Fprintf(&b, "the strategies in force cover %.1f agents, leaving ", gap.Covered)
		}
		fmt.Fprintf(&b, "%s within %d min", gapText(gap.Projected), int(w.horizon.Minutes()))
		if gap.Projected > 0 && gap.High > gap.Low {
			fmt.Fprintf(&b, " (80 %% band %.1f to %.1f)", gap.Low, gap.High)
		}
		fmt.Fprintf(&b, ", service level %.0f %% against %.0f %%.", gap.ServiceLevel, gap.Target)
	}
	switch {
	case !s.Enabled:
		b.WriteString(" The engine is off for this tenant: only overrides apply.")
	case !q.staffed:
	case !gap.Open:
		b.WriteString(" No gap is open.")
	case gap.Streak < s.ActivateAfterMinutes:
		fmt.Fprintf(&b, " The gap has been open %d decision(s) in a row; the engine acts after %d.", gap.Streak, s.ActivateAfterMinutes)
	default:
		var feasible, blocked []string
		for _, o := range qd.Options {
			if o.Feasible {
				feasible = append(feasible, fmt.Sprintf("%s %s", o.Strategy, effectText(o.Expected, o.Params, o.Strategy)))
			} else {
				blocked = append(blocked, fmt.Sprintf("%s (%s)", o.Strategy, o.Blocked))
			}
		}
		if len(feasible) > 0 {
			fmt.Fprintf(&b, " Options: %s.", strings.Join(feasible, "; "))
		} else {
			b.WriteString(" No strategy is feasible.")
		}
		if len(blocked) > 0 {
			fmt.Fprintf(&b, " Not feasible: %s.", strings.Join(blocked, ", "))
		}
		switch {
		case combination == "":
			b.WriteString(" Nothing to activate.")
		case chosen.closes:
			fmt.Fprintf(&b, " Chose %s: the least costly combination that closes the gap (cost %.1f).", combination, chosen.cost)
		default:
			fmt.Fprintf(&b, " Nothing closes the gap: chose %s, which closes the most at the least cost (cost %.1f).", combination, chosen.cost)
		}
	}
	if len(added) > 0 {
		fmt.Fprintf(&b, " Activated: %s.", strings.Join(added, ", "))
	}
	if len(kept) > 0 {
		fmt.Fprintf(&b, " Kept in force: %s.", strings.Join(kept, ", "))
	}
	if len(withdrawn) > 0 {
		fmt.Fprintf(&b, " Withdrawn: %s.", strings.Join(withdrawn, ", "))
	}
	return b.String()
}

// gapText says a projected gap in words.
func gapText(g float64) string {
	if g < 0 {
		return fmt.Sprintf("%.1f agents to spare", -g)
	}
	return fmt.Sprintf("a projected gap of %.1f agents", g)
}

// effectText is an option's expected effect in words: "(+2.0 agents, 40 customers/h, cost 1.4)".
func effectText(e Effect, p Params, k Kind) string {
	t := fmt.Sprintf("+%.1f agents, cost %.1f", e.Agents, e.Cost)
	if k == Divert {
		t = fmt.Sprintf("%.0f %% of callers, ", 100*p.DivertShare) + t
	}
	return "(" + t + ")"
}

func hasActive(as []Activation, queue string, k Kind, overrideID string) bool {
	for _, a := range as {
		if a.Queue == queue && a.Strategy == k && a.OverrideID == overrideID {
			return true
		}
	}
	return false
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// agentsText is n agents in words: "1 agent", "3 agents".
func agentsText(n float64) string {
	if math.Round(n) == 1 {
		return "1 agent"
	}
	return fmt.Sprintf("%.0f agents", n)
}
