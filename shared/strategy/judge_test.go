package strategy_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

func TestJudge(t *testing.T) {
	a := strategy.Activation{
		ID: "act-1", Queue: "billing", Strategy: strategy.Overflow, GapAgents: 4,
		Expected: strategy.Effect{Agents: 2, Cost: 2}, Context: strategy.Context{Gap: "medium", Channel: strategy.Voice},
	}
	from, to := t0, t0.Add(30*time.Minute)
	for _, tc := range []struct {
		name           string
		obs, cf        strategy.Outcome
		gain, drop     float64
		ratio          float64
		positiveReward bool
	}{
		{"it recovered half the shortfall: as expected", strategy.Outcome{ServiceLevel: 70, AbandonRate: 5}, strategy.Outcome{ServiceLevel: 40, AbandonRate: 10}, 30, 5, 1, true},
		{"no effect", strategy.Outcome{ServiceLevel: 40, AbandonRate: 10}, strategy.Outcome{ServiceLevel: 40, AbandonRate: 10}, 0, 0, 0, false},
		{"worse than without", strategy.Outcome{ServiceLevel: 30, AbandonRate: 12}, strategy.Outcome{ServiceLevel: 40, AbandonRate: 10}, -10, -2, 0, false},
		{"perfect counterfactual", strategy.Outcome{ServiceLevel: 100}, strategy.Outcome{ServiceLevel: 100}, 0, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := strategy.Judge(a, tc.obs, tc.cf, from, to)
			if j.ActivationID != "act-1" || j.Strategy != strategy.Overflow || j.Context != a.Context || !j.From.Equal(from) || !j.To.Equal(to) {
				t.Fatalf("judgement %+v", j)
			}
			if math.Abs(j.ServiceLevelGain-tc.gain) > 1e-9 || math.Abs(j.AbandonRateDrop-tc.drop) > 1e-9 {
				t.Fatalf("gain %v drop %v", j.ServiceLevelGain, j.AbandonRateDrop)
			}
			if math.Abs(j.Ratio-tc.ratio) > 1e-9 {
				t.Fatalf("ratio %v, want %v (measured %v)", j.Ratio, tc.ratio, j.Measured)
			}
			if (j.Reward > 0) != tc.positiveReward || j.Why == "" {
				t.Fatalf("reward %v why %q", j.Reward, j.Why)
			}
		})
	}
}

func TestLearn(t *testing.T) {
	ctx := strategy.Context{Gap: "small", Channel: strategy.Voice}
	var s strategy.Scores
	if score, n := s.Score(strategy.Divert, ctx); score != 1 || n != 0 {
		t.Fatalf("no history: %v %v", score, n)
	}
	j := strategy.Judgement{Strategy: strategy.Divert, Context: ctx, Ratio: 0.5, Reward: 3, To: t0}
	s1 := s.Learn(j)
	if s.Arms != nil {
		t.Fatal("Learn wrote its receiver")
	}
	score, n := s1.Score(strategy.Divert, ctx)
	if n != 1 || math.Abs(score-(0.5+strategy.PriorWeight)/(1+strategy.PriorWeight)) > 1e-12 {
		t.Fatalf("one judgement: %v %v", score, n)
	}
	s2 := s1.Learn(j)
	if a := s1.Arms[strategy.ArmKey(strategy.Divert, ctx)]; a.Judged != 1 {
		t.Fatal("Learn wrote the previous scores")
	}
	// Many judgements: the score approaches the mean ratio; the bonus ends.
	for range 200 {
		s2 = s2.Learn(j)
	}
	if score, _ := s2.Score(strategy.Divert, ctx); math.Abs(score-0.5) > 0.01 {
		t.Fatalf("after many: %v", score)
	}
	if b := s2.Bonus(strategy.Divert, ctx); b != 0 {
		t.Fatalf("bonus %v after many", b)
	}
	a := s2.Arms[strategy.ArmKey(strategy.Divert, ctx)]
	if a.MeanReward != 3 || a.M2 > 1e-9 || !a.Updated.Equal(t0) {
		t.Fatalf("arm %+v", a)
	}
	// Other contexts and strategies are untouched; a bonus for an unjudged arm.
	if score, n := s2.Score(strategy.Divert, strategy.Context{Gap: "large", Channel: strategy.Voice}); score != 1 || n != 0 {
		t.Fatalf("other context %v %v", score, n)
	}
	if b := s2.Bonus(strategy.Callback, ctx); b <= 0 {
		t.Fatalf("unjudged bonus %v", b)
	}
	// Nonsense ratios are bounded.
	bad := s.Learn(strategy.Judgement{Strategy: strategy.Callback, Context: ctx, Ratio: math.NaN(), Reward: math.Inf(1)})
	bad = bad.Learn(strategy.Judgement{Strategy: strategy.Callback, Context: ctx, Ratio: 1e9})
	if score, _ := bad.Score(strategy.Callback, ctx); math.IsNaN(score) || score > strategy.MaxRatio {
		t.Fatalf("score %v", score)
	}
}

// TestLearningChangesTheChoice: a strategy judged to do a third of its modelled effect is no
// longer enough alone; the engine chooses otherwise.
func TestLearningChangesTheChoice(t *testing.T) {
	o := voiceQueue("billing", 10, 150)
	o.BackupAgents = 3
	o.OutboundAgents = 3
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	in := strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{o}, Memory: streak}
	in.Settings.ExplorationBudget = 0
	d := strategy.Decide(in)
	if k := kinds(d.Activate); len(k) != 1 || k[0] != strategy.Overflow {
		t.Fatalf("before: %v", k)
	}
	ctx := d.Activate[0].Context
	for range 30 {
		in.Scores = in.Scores.Learn(strategy.Judgement{Strategy: strategy.Overflow, Context: ctx, Ratio: 0.3})
	}
	d = strategy.Decide(in)
	if k := kinds(d.Activate); len(k) == 1 && k[0] == strategy.Overflow {
		t.Fatalf("after: still overflow alone: %s", d.Queues[0].Why)
	}
	if o := option(d.Queues[0], strategy.Overflow); o.Judged != 30 || o.Score > 0.5 {
		t.Fatalf("option %+v", o)
	}
}

func TestExplorationBound(t *testing.T) {
	// A gap overflow closes alone; announce_wait could help but is not needed: only the
	// optimism of exploration adds it, and only when its cost fits the budget.
	o := voiceQueue("billing", 10, 150)
	o.BackupAgents = 3
	streak := strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}
	explored := func(budget float64, seed uint64) (bool, strategy.Decision) {
		in := strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{o}, Memory: streak, Seed: seed}
		in.Settings.ExplorationBudget = budget
		d := strategy.Decide(in)
		for _, opt := range d.Queues[0].Options {
			if opt.Explore {
				if opt.Expected.Cost > budget {
					t.Fatalf("explored %s at cost %v above the budget %v", opt.Strategy, opt.Expected.Cost, budget)
				}
				if !has(d.Activate, opt.Strategy) {
					t.Fatalf("explored %s not activated", opt.Strategy)
				}
				return true, d
			}
		}
		return false, d
	}
	if ok, d := explored(0, 1); ok {
		t.Fatalf("explored with a budget of 0: %v", kinds(d.Activate))
	}
	any := false
	r := rand.New(rand.NewPCG(1, 1))
	for range 50 {
		seed := r.Uint64()
		if ok, _ := explored(1000, seed); ok {
			any = true
		}
		ok1, d1 := explored(1000, seed)
		ok2, d2 := explored(1000, seed)
		if ok1 != ok2 || len(d1.Activate) != len(d2.Activate) {
			t.Fatal("exploration is not deterministic for a seed")
		}
	}
	if !any {
		t.Fatal("never explored with a large budget")
	}
}
