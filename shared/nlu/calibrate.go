package nlu

import (
	"math"
	"slices"
)

// softmaxInto writes softmax(scores·beta) into dst and returns the index of
// the largest score.
func softmaxInto(dst, scores []float32, beta float64) int {
	top := 0
	for c, s := range scores {
		if s > scores[top] {
			top = c
		}
	}
	m := float64(scores[top])
	var z float64
	for c, s := range scores {
		e := math.Exp(beta * (float64(s) - m))
		dst[c] = float32(e)
		z += e
	}
	for c := range dst {
		dst[c] = float32(float64(dst[c]) / z)
	}
	return top
}

// topConfidence is the softmax probability of the best class without
// materialising the distribution.
func topConfidence(scores []float32, beta float64) (int, float64) {
	top := 0
	for c, s := range scores {
		if s > scores[top] {
			top = c
		}
	}
	m := float64(scores[top])
	var z float64
	for _, s := range scores {
		z += math.Exp(beta * (float64(s) - m))
	}
	return top, 1 / z
}

// nll is the mean negative log-likelihood of the true classes under
// softmax(scores·beta). Rows are scores of width classes.
func nll(scores []float32, labels []int32, classes int, beta float64) float64 {
	var sum float64
	for i, y := range labels {
		row := scores[i*classes : (i+1)*classes]
		m := float64(row[0])
		for _, s := range row {
			m = max(m, float64(s))
		}
		var z float64
		for _, s := range row {
			z += math.Exp(beta * (float64(s) - m))
		}
		sum += math.Log(z) - beta*(float64(row[y])-m)
	}
	return sum / float64(len(labels))
}

// fitTemperature returns the inverse temperature beta that minimises the
// log loss of softmax(scores·beta) on held-out rows. The loss is convex in
// beta, so a golden-section search on [lo, hi] finds the minimum.
func fitTemperature(scores []float32, labels []int32, classes int) float64 {
	if len(labels) == 0 {
		return 1
	}
	f := func(b float64) float64 { return nll(scores, labels, classes, b) }
	lo, hi := 0.01, 500.0
	// Search on log beta: the loss is flat for large beta, steep for small.
	a, b := math.Log(lo), math.Log(hi)
	g := (math.Sqrt(5) - 1) / 2
	x1, x2 := b-g*(b-a), a+g*(b-a)
	f1, f2 := f(math.Exp(x1)), f(math.Exp(x2))
	for b-a > 1e-4 {
		if f1 <= f2 {
			b, x2, f2 = x2, x1, f1
			x1 = b - g*(b-a)
			f1 = f(math.Exp(x1))
		} else {
			a, x1, f1 = x1, x2, f2
			x2 = a + g*(b-a)
			f2 = f(math.Exp(x2))
		}
	}
	return math.Exp((a + b) / 2)
}

// heldOut is one held-out prediction used to choose the threshold.
type heldOut struct {
	conf    float64 // calibrated confidence of the top class
	correct bool    // top class is the true class
	oos     bool    // the true class is out of scope
	topOOS  bool    // the top class is the out-of-scope class
}

// chooseThreshold picks the confidence below which a message is rejected
// as out of scope.
//
// With out-of-scope examples among the held-out rows it maximises held-out
// accuracy, an in-scope row counting when its top class is right and
// accepted, an out-of-scope row when it is rejected or its top class is the
// out-of-scope class; oosWeight weighs out-of-scope rows against in-scope
// ones. Without any, it takes the largest threshold that rejects at most
// maxFalseReject of the correctly classified rows.
func chooseThreshold(rows []heldOut, oosWeight, maxFalseReject float64) float64 {
	if len(rows) == 0 {
		return 0
	}
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, func(a, b heldOut) int {
		switch {
		case a.conf < b.conf:
			return -1
		case a.conf > b.conf:
			return 1
		}
		return 0
	})
	anyOOS := false
	for _, r := range sorted {
		anyOOS = anyOOS || r.oos
	}
	if !anyOOS {
		var correct []float64
		for _, r := range sorted {
			if r.correct {
				correct = append(correct, r.conf)
			}
		}
		k := int(math.Floor(maxFalseReject * float64(len(correct))))
		if k <= 0 || len(correct) == 0 {
			return 0
		}
		// Reject the k least confident correct rows: cut midway between the
		// k-th and the (k+1)-th.
		return (correct[k-1] + correct[min(k, len(correct)-1)]) / 2
	}
	// gain of rejecting each row relative to accepting it.
	gain := func(r heldOut) float64 {
		switch {
		case r.oos && !r.topOOS:
			return oosWeight // a miss becomes a hit
		case !r.oos && r.correct && !r.topOOS:
			return -1 // a hit becomes a miss
		}
		return 0
	}
	best, bestT, cum := 0.0, 0.0, 0.0
	for i, r := range sorted {
		cum += gain(r)
		// Threshold just above row i rejects rows 0..i.
		if i+1 < len(sorted) && sorted[i+1].conf == r.conf {
			continue
		}
		if cum > best {
			best = cum
			if i+1 < len(sorted) {
				bestT = (r.conf + sorted[i+1].conf) / 2
			} else {
				bestT = math.Nextafter(r.conf, 2)
			}
		}
	}
	return bestT
}
