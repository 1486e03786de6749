package guess

import (
	"testing"
)

// TestRankerBeatsPopularity measures the ranker on a time split of a generated history (see
// SynthConfig for its ground truth): learn from the first 80% by time, rank the rest. It must
// beat the popularity-only baseline on top-1 and top-3, by a clear margin, over every seed.
func TestRankerBeatsPopularity(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		ev := Evaluate(Synthesize(SynthConfig{Seed: seed}), 0.8, Options{})
		t.Logf("seed %d\n%s", seed, ev)
		if ev.Ours.Top1 < ev.Baseline.Top1+0.10 || ev.Ours.Top3 < ev.Baseline.Top3+0.10 {
			t.Errorf("seed %d: ours %+v does not beat popularity %+v by 10 points", seed, ev.Ours, ev.Baseline)
		}
		if ev.OursWithEvents.Top1 <= ev.BaselineWithEvents.Top1 || ev.OursWithEvents.Top3 <= ev.BaselineWithEvents.Top3 {
			t.Errorf("seed %d: with events, ours %+v vs popularity %+v", seed, ev.OursWithEvents, ev.BaselineWithEvents)
		}
		// No ranker can beat the ground truth by more than sampling noise.
		if ev.Ours.Top1 > ev.Oracle.Top1+0.02 || ev.Ours.Top3 > ev.Oracle.Top3+0.02 {
			t.Errorf("seed %d: ours %+v beats the ceiling %+v: the evaluation leaks", seed, ev.Ours, ev.Oracle)
		}
	}
}

// With little history the prior carries the ranker: it must still not lose to popularity.
func TestRankerWithLittleHistory(t *testing.T) {
	for _, n := range []int{500, 2000} {
		ev := Evaluate(Synthesize(SynthConfig{Seed: 7, Conversations: n}), 0.8, Options{})
		t.Logf("%d conversations\n%s", n, ev)
		if ev.Ours.Top1 < ev.Baseline.Top1 || ev.Ours.Top3 < ev.Baseline.Top3 {
			t.Errorf("%d conversations: ours %+v loses to popularity %+v", n, ev.Ours, ev.Baseline)
		}
	}
}

// BenchmarkGuessHitRate reports the hit rates of the default history as benchmark metrics:
//
//	go test ./shared/guess -run '^$' -bench GuessHitRate
func BenchmarkGuessHitRate(b *testing.B) {
	h := Synthesize(SynthConfig{Seed: 1})
	var ev Evaluation
	for b.Loop() {
		ev = Evaluate(h, 0.8, Options{})
	}
	b.ReportMetric(100*ev.Ours.Top1, "top1_%")
	b.ReportMetric(100*ev.Ours.Top3, "top3_%")
	b.ReportMetric(100*ev.Baseline.Top1, "pop_top1_%")
	b.ReportMetric(100*ev.Baseline.Top3, "pop_top3_%")
	b.ReportMetric(100*ev.Oracle.Top1, "truth_top1_%")
	b.ReportMetric(100*ev.Oracle.Top3, "truth_top3_%")
}
