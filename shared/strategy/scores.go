package strategy

import (
	"cmp"
	"maps"
	"math"
	"slices"
)

// The bandit's constants.
const (
	// PriorWeight is how many judgements the prior ratio 1 (the model is right) weighs: a score is
	// (Judged × MeanRatio + PriorWeight) / (Judged + PriorWeight).
	PriorWeight = 3
	// MaxRatio bounds one judgement's ratio (a measurement off by more says more about noise
	// than about the strategy).
	MaxRatio = 3
	// ExploreBonus scales the upper-confidence bonus: ExploreBonus × √(ln(N + 2) / (n + 1)), n the
	// arm's judgements and N all arms' in its context; ExploreUntil judgements end exploring an
	// arm.
	ExploreBonus = 1.0
	ExploreUntil = 10
)

// Learn returns a copy of s updated with j: the arm of j's strategy and context gets j's ratio
// (bounded to [0, MaxRatio]) and reward in its running means (Welford).
// A judgement that was Skipped changes nothing (the copy equals s).
func (s Scores) Learn(j Judgement) Scores {
	out := Scores{Arms: make(map[string]Arm, len(s.Arms)+1)}
	maps.Copy(out.Arms, s.Arms)
	if j.Skipped != "" {
		return out
	}
	key := ArmKey(j.Strategy, j.Context)
	a := out.Arms[key]
	a.Strategy, a.Context = j.Strategy, j.Context
	r := j.Ratio
	if math.IsNaN(r) || r < 0 {
		r = 0
	}
	r = min(r, MaxRatio)
	reward := j.Reward
	if math.IsNaN(reward) || math.IsInf(reward, 0) {
		reward = 0
	}
	a.Judged++
	d := r - a.MeanRatio
	a.MeanRatio += d / float64(a.Judged)
	a.M2 += d * (r - a.MeanRatio)
	a.MeanReward += (reward - a.MeanReward) / float64(a.Judged)
	if j.To.After(a.Updated) {
		a.Updated = j.To
	}
	out.Arms[key] = a
	return out
}

// Score is the ratio Decide scales strategy k's modelled effect by in context c: the arm's mean
// ratio shrunk toward 1 by PriorWeight (1 without history), and the arm's judgements.
func (s Scores) Score(k Kind, c Context) (score float64, judged int) {
	a, ok := s.Arms[ArmKey(k, c)]
	if !ok || a.Judged <= 0 {
		return 1, 0
	}
	n := float64(a.Judged)
	return (n*min(MaxRatio, max(0, a.MeanRatio)) + PriorWeight) / (n + PriorWeight), a.Judged
}

// Bonus is the upper-confidence bonus of strategy k in context c (0 once the arm has
// ExploreUntil judgements).
func (s Scores) Bonus(k Kind, c Context) float64 {
	_, n := s.Score(k, c)
	if n >= ExploreUntil {
		return 0
	}
	total := 0
	for _, a := range s.Arms {
		if a.Context == c {
			total += a.Judged
		}
	}
	return ExploreBonus * math.Sqrt(math.Log(float64(total)+2)/float64(n+1))
}

// For returns strategy k's arms (one per context it was judged in), the most judged first, then
// by context: what GET /v1/dispatch/strategies shows as its measured effect.
func (s Scores) For(k Kind) []Arm {
	var out []Arm
	for _, a := range s.Arms {
		if a.Strategy == k {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Arm) int {
		return cmp.Or(cmp.Compare(b.Judged, a.Judged), cmp.Compare(a.Context.Channel, b.Context.Channel), cmp.Compare(a.Context.Gap, b.Context.Gap))
	})
	return out
}
