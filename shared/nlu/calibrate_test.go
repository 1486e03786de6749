package nlu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Labels drawn from softmax(beta·scores) must give back beta.
func TestFitTemperatureRecoversBeta(t *testing.T) {
	const classes, n, beta = 5, 4000, 3.0
	rng := rand.New(rand.NewPCG(1, 2))
	scores := make([]float32, n*classes)
	labels := make([]int32, n)
	probs := make([]float32, classes)
	for i := range n {
		row := scores[i*classes : (i+1)*classes]
		for c := range row {
			row[c] = float32(rng.NormFloat64())
		}
		softmaxInto(probs, row, beta)
		u, acc := rng.Float64(), 0.0
		labels[i] = classes - 1
		for c, p := range probs {
			acc += float64(p)
			if u < acc {
				labels[i] = int32(c)
				break
			}
		}
	}
	got := fitTemperature(scores, labels, classes)
	if math.Abs(got-beta) > 0.25 {
		t.Errorf("fitted beta = %.3f, want about %.1f", got, beta)
	}
	if nll(scores, labels, classes, got) > nll(scores, labels, classes, beta)+1e-6 {
		t.Error("fitted beta has a higher loss than the true one")
	}
}

func TestTopConfidenceMatchesSoftmax(t *testing.T) {
	scores := []float32{0.2, 1.5, -0.3}
	probs := make([]float32, 3)
	top := softmaxInto(probs, scores, 2)
	c, conf := topConfidence(scores, 2)
	if c != top || c != 1 || math.Abs(conf-float64(probs[1])) > 1e-6 {
		t.Errorf("topConfidence = %d, %.6f; softmax top %d, %.6f", c, conf, top, probs[1])
	}
}

func TestChooseThreshold(t *testing.T) {
	tests := map[string]struct {
		rows   []heldOut
		weight float64
		maxFR  float64
		want   float64
	}{
		"out-of-scope rows below the in-scope ones: cut between": {
			rows: []heldOut{
				{conf: 0.2, oos: true}, {conf: 0.3, oos: true},
				{conf: 0.6, correct: true}, {conf: 0.9, correct: true},
			},
			weight: 1, want: 0.45,
		},
		"rejecting one correct row to catch two more oos rows pays": {
			rows: []heldOut{
				{conf: 0.2, oos: true}, {conf: 0.3, correct: true}, {conf: 0.35, oos: true},
				{conf: 0.38, oos: true}, {conf: 0.8, correct: true},
			},
			weight: 1, want: 0.59,
		},
		"a tie keeps the lower threshold": {
			rows: []heldOut{
				{conf: 0.2, oos: true}, {conf: 0.3, correct: true}, {conf: 0.35, oos: true},
				{conf: 0.8, correct: true},
			},
			weight: 1, want: 0.25,
		},
		"out-of-scope rows the oos class already takes need no threshold": {
			rows: []heldOut{
				{conf: 0.9, oos: true, topOOS: true, correct: true}, {conf: 0.4, correct: true},
			},
			weight: 1, want: 0,
		},
		"oos weight tips the balance": {
			rows: []heldOut{
				{conf: 0.2, correct: true}, {conf: 0.3, correct: true}, {conf: 0.4, oos: true},
				{conf: 0.9, correct: true},
			},
			weight: 3, want: 0.65,
		},
		"no oos rows: reject the least confident share of correct rows": {
			rows: []heldOut{
				{conf: 0.1}, {conf: 0.2, correct: true}, {conf: 0.4, correct: true},
				{conf: 0.5, correct: true}, {conf: 0.9, correct: true},
			},
			maxFR: 0.25, want: 0.3,
		},
		"no oos rows, share too small to reject any": {
			rows:  []heldOut{{conf: 0.2, correct: true}, {conf: 0.9, correct: true}},
			maxFR: 0.1, want: 0,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := chooseThreshold(tc.rows, tc.weight, tc.maxFR)
			if math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("threshold = %.4f, want %.4f", got, tc.want)
			}
		})
	}
}
