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
		{"it recovered half the shortfall: as expected", strategy.Outcome{Answered: 10, ServiceLevel: 70, AbandonRate: 5}, strategy.Outcome{Answered: 10, ServiceLevel: 40, AbandonRate: 10}, 30, 5, 1, true},
		{"no effect", strategy.Outcome{Answered: 10, ServiceLevel: 40, AbandonRate: 10}, strategy.Outcome{Answered: 10, ServiceLevel: 40, AbandonRate: 10}, 0, 0, 0, false},
		{"worse than without", strategy.Outcome{Answered: 10, ServiceLevel: 30, AbandonRate: 12}, strategy.Outcome{Answered: 10, ServiceLevel: 40, AbandonRate: 10}, -10, -2, 0, false},
		{"perfect counterfactual", strategy.Outcome{Answered: 10, ServiceLevel: 100}, strategy.Outcome{Answered: 10, ServiceLevel: 100}, 0, 0, 0, false},
		// Regression (the local stack's spike): everyone left before the target and nobody was
		// answered, so the observed service level was 100 by convention and the strategy was
		// credited 100 points it never earned; only the abandonment, measured on both sides, counts.
		{"no service level measured", strategy.Outcome{Abandoned: 30, ServiceLevel: 100, AbandonRate: 100}, strategy.Outcome{Abandoned: 30, AbandonedAfterTarget: 30, ServiceLevel: 0, AbandonRate: 100}, 0, 0, 0, false},
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

func TestOutcomeRated(t *testing.T) {
	o := strategy.Outcome{Arrived: 100, Answered: 80, AnsweredInTarget: 60, Abandoned: 20, AbandonedAfterTarget: 15, Diverted: 5}.Rated()
	if o.ServiceLevel != 63.2 || o.AbandonRate != 20 {
		t.Fatalf("rated %+v", o)
	}
	if z := (strategy.Outcome{}).Rated(); z.ServiceLevel != 100 || z.AbandonRate != 0 {
		t.Fatalf("empty %+v", z)
	}
	start := strategy.Outcome{Arrived: 40, Answered: 30, AnsweredInTarget: 30, Abandoned: 2, AbandonedAfterTarget: 1}
	w := o.Since(start)
	if w.Arrived != 60 || w.Answered != 50 || w.AnsweredInTarget != 30 || w.Abandoned != 18 || w.AbandonedAfterTarget != 14 || w.Diverted != 5 {
		t.Fatalf("since %+v", w)
	}
	if w.ServiceLevel != 46.9 {
		t.Fatalf("since rated %+v", w)
	}
	// Counters reset (midnight): the later count alone.
	if r := start.Since(o); r.Arrived != 40 {
		t.Fatalf("after a reset %+v", r)
	}
}

func TestJudgeSkipsWhatTeachesNothing(t *testing.T) {
	a := strategy.Activation{ID: "a", Strategy: strategy.Divert, Expected: strategy.Effect{Agents: 2}, GapAgents: 3}
	for name, tc := range map[string]struct {
		a       strategy.Activation
		obs, cf strategy.Outcome
	}{
		"no contacts":    {a, strategy.Outcome{}.Rated(), strategy.Outcome{}.Rated()},
		"no shortfall":   {a, strategy.Outcome{Arrived: 10, Answered: 10, AnsweredInTarget: 10}.Rated(), strategy.Outcome{Arrived: 10, Answered: 10, AnsweredInTarget: 10}.Rated()},
		"nothing expect": {strategy.Activation{Strategy: strategy.Divert}, strategy.Outcome{Arrived: 10, ServiceLevel: 50}, strategy.Outcome{Arrived: 10, ServiceLevel: 40}},
	} {
		j := strategy.Judge(tc.a, tc.obs, tc.cf, t0, t0.Add(time.Hour))
		if j.Skipped == "" {
			t.Errorf("%s: not skipped: %+v", name, j)
		}
		var s strategy.Scores
		if got := s.Learn(j); len(got.Arms) != 0 {
			t.Errorf("%s: learnt from a skipped judgement", name)
		}
	}
}

func TestJudgeTogether(t *testing.T) {
	as := []strategy.Activation{
		{ID: "a", Queue: "billing", Strategy: strategy.Overflow, Expected: strategy.Effect{Agents: 2, Cost: 1}, GapAgents: 6},
		{ID: "b", Queue: "billing", Strategy: strategy.Divert, Expected: strategy.Effect{Agents: 4, Cost: 10}, GapAgents: 6},
	}
	obs := strategy.Outcome{Arrived: 100, ServiceLevel: 70, AbandonRate: 5}
	cf := strategy.Outcome{Arrived: 100, ServiceLevel: 40, AbandonRate: 10}
	js := strategy.JudgeTogether(as, obs, cf, t0, t0.Add(time.Hour))
	if len(js) != 2 || js[0].ActivationID != "a" || js[1].ActivationID != "b" {
		t.Fatalf("judgements %+v", js)
	}
	// Half the shortfall recovered of a gap of 6: 3 agents, shared 1:2; both at ratio 0.5.
	if math.Abs(js[0].Measured-1) > 1e-9 || math.Abs(js[1].Measured-2) > 1e-9 || math.Abs(js[0].Ratio-0.5) > 1e-9 || math.Abs(js[1].Ratio-0.5) > 1e-9 {
		t.Fatalf("measured %v %v ratios %v %v", js[0].Measured, js[1].Measured, js[0].Ratio, js[1].Ratio)
	}
	if js[0].Reward <= js[1].Reward {
		t.Fatalf("the cheaper one should have the larger reward: %v %v", js[0].Reward, js[1].Reward)
	}
	if strategy.JudgeTogether(nil, obs, cf, t0, t0) != nil {
		t.Fatal("judged nothing")
	}
}

func TestScoresFor(t *testing.T) {
	var s strategy.Scores
	small := strategy.Context{Gap: "small", Channel: strategy.Voice}
	large := strategy.Context{Gap: "large", Channel: strategy.Voice}
	for range 3 {
		s = s.Learn(strategy.Judgement{Strategy: strategy.Divert, Context: large, Ratio: 1})
	}
	s = s.Learn(strategy.Judgement{Strategy: strategy.Divert, Context: small, Ratio: 1})
	s = s.Learn(strategy.Judgement{Strategy: strategy.Callback, Context: small, Ratio: 1})
	arms := s.For(strategy.Divert)
	if len(arms) != 2 || arms[0].Context != large || arms[0].Judged != 3 || arms[1].Context != small {
		t.Fatalf("arms %+v", arms)
	}
	if len(s.For(strategy.CallIn)) != 0 {
		t.Fatal("arms for a strategy never judged")
	}
}
