package strategy

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// CostWeight is the service-level points one unit of experience cost per hour is worth in a
// judgement's reward.
const CostWeight = 1.0

// Judge measures activation a over [from, to): what happened (observed) against what the
// simulator says would have happened without it (counterfactual), both on the same queue, start
// and arrivals.
//
// The measured effect in agents is the share of the counterfactual's shortfall the strategy
// recovered, times the gap it was activated for: the service-level shortfall (100 − SL) and the
// abandon rate, averaged over those the counterfactual has. Ratio = Measured / Expected.Agents
// (0 when nothing was expected); Reward = service-level gain + abandon-rate drop − CostWeight ×
// Expected.Cost × hours.
func Judge(a Activation, observed, counterfactual Outcome, from, to time.Time) Judgement {
	j := Judgement{
		ActivationID: a.ID, Queue: a.Queue, Strategy: a.Strategy, Context: a.Context,
		From: from, To: to, Observed: observed, Counterfactual: counterfactual, Expected: a.Expected,
	}
	obsSL, cfSL := pct(observed.ServiceLevel), pct(counterfactual.ServiceLevel)
	obsAb, cfAb := pct(observed.AbandonRate), pct(counterfactual.AbandonRate)
	j.ServiceLevelGain = obsSL - cfSL
	j.AbandonRateDrop = cfAb - obsAb
	var shares []float64
	// A service level with nothing answered and nobody abandoned after the target is 100 by
	// convention, not evidence: it counts only when both sides measured one.
	slMeasured := observed.Answered+observed.AbandonedAfterTarget > 0 && counterfactual.Answered+counterfactual.AbandonedAfterTarget > 0
	if !slMeasured {
		j.ServiceLevelGain = 0
	}
	if cfSL < 100 && slMeasured {
		shares = append(shares, j.ServiceLevelGain/(100-cfSL))
	}
	if cfAb > 0 {
		shares = append(shares, j.AbandonRateDrop/cfAb)
	}
	switch {
	case finite(a.Expected.Agents) <= 0:
		j.Skipped = "nothing was expected of it"
	case observed.Arrived == 0 && counterfactual.Arrived == 0 && observed.Answered == 0 && counterfactual.Answered == 0:
		j.Skipped = "no contacts in the window"
	case len(shares) == 0:
		j.Skipped = "without it the queue would have had no shortfall to recover"
	}
	recovered := 0.0
	for _, s := range shares {
		recovered += s
	}
	if len(shares) > 0 {
		recovered /= float64(len(shares))
	}
	recovered = min(2, max(-1, recovered))
	gap := max(finite(a.GapAgents), finite(a.Expected.Agents))
	j.Measured = recovered * gap
	if e := finite(a.Expected.Agents); e > 0 {
		j.Ratio = max(0, j.Measured/e)
	}
	hours := max(0, to.Sub(from).Hours())
	j.Reward = j.ServiceLevelGain + j.AbandonRateDrop - CostWeight*finite(a.Expected.Cost)*hours
	j.Why = fmt.Sprintf("%s on %s from %s to %s: service level %.0f%% against %.0f%% without it (%+.1f points), abandonment %.1f%% against %.1f%%; it recovered %.0f%% of the shortfall, %.1f agent equivalents against %.1f expected (ratio %.2f).",
		a.Strategy, a.Queue, from.UTC().Format("15:04"), to.UTC().Format("15:04"), obsSL, cfSL, j.ServiceLevelGain,
		obsAb, cfAb, 100*recovered, j.Measured, a.Expected.Agents, j.Ratio)
	if j.Skipped != "" {
		j.Why += " Not learnt from: " + j.Skipped + "."
	}
	return j
}

// JudgeTogether judges activations that ran together on one queue over the same window against
// one counterfactual without any of them: the measured effect is shared in proportion to their
// expected effects (each judgement's Measured and Ratio are its share; gains and reward are the
// window's, the reward net of each one's own cost).
func JudgeTogether(as []Activation, observed, counterfactual Outcome, from, to time.Time) []Judgement {
	if len(as) == 0 {
		return nil
	}
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = string(a.Strategy)
	}
	total := Activation{Queue: as[0].Queue, Strategy: Kind(strings.Join(names, " + "))}
	for _, a := range as {
		total.Expected.Agents += finite(a.Expected.Agents)
		total.GapAgents = max(total.GapAgents, finite(a.GapAgents))
	}
	all := Judge(total, observed, counterfactual, from, to)
	out := make([]Judgement, len(as))
	hours := max(0, to.Sub(from).Hours())
	for i, a := range as {
		j := Judge(a, observed, counterfactual, from, to)
		if total.Expected.Agents > 0 {
			j.Measured = all.Measured * finite(a.Expected.Agents) / total.Expected.Agents
			j.Ratio = all.Ratio
		}
		j.Reward = all.ServiceLevelGain + all.AbandonRateDrop - CostWeight*finite(a.Expected.Cost)*hours
		if j.Skipped == "" {
			j.Skipped = all.Skipped
		}
		j.Why = fmt.Sprintf("Judged together, its share in proportion to its expected effect: %s", all.Why)
		out[i] = j
	}
	return out
}

// pct bounds a percentage to [0, 100] (NaN: 0).
func pct(p float64) float64 {
	if math.IsNaN(p) {
		return 0
	}
	return min(100, max(0, p))
}
