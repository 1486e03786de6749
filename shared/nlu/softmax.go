package nlu

import (
	"math"
	"math/rand/v2"
)

// trainSoftmax fits a multinomial logistic regression by plain SGD with a
// linearly decaying step, over the same sparse vectors as the SVMs, and
// returns feature-major weights like trainOneVsRest. A few epochs without
// an explicit penalty act as the regulariser (early stopping). The example
// order comes from the seed, so the result is deterministic.
func trainSoftmax(p *svmProblem, classes, epochs int, lr0 float64, seed uint64, done func()) []float32 {
	n := len(p.x)
	W := make([]float32, (p.dim+1)*classes)
	bias := W[p.dim*classes:]
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x50f7))
	scores := make([]float64, classes)
	grad := make([]float32, classes)
	total := float64(epochs * n)
	step := 0
	for range epochs {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			lr := lr0 * (1 - float64(step)/total)
			step++
			xi := p.x[i]
			for c := range scores {
				scores[c] = float64(bias[c])
			}
			for t, f := range xi.idx {
				v := float64(xi.val[t])
				row := W[int(f)*classes : int(f)*classes+classes]
				for c, w := range row {
					scores[c] += v * float64(w)
				}
			}
			m := scores[0]
			for _, s := range scores {
				m = max(m, s)
			}
			var z float64
			for c, s := range scores {
				scores[c] = math.Exp(s - m)
				z += scores[c]
			}
			// Per-example weight from the class weights, as in the SVMs.
			wi := p.cost[i] / p.c
			for c := range grad {
				g := scores[c] / z
				if int32(c) == p.label[i] {
					g--
				}
				grad[c] = float32(lr * wi * g)
			}
			for t, f := range xi.idx {
				v := xi.val[t]
				row := W[int(f)*classes : int(f)*classes+classes]
				for c, g := range grad {
					row[c] -= v * g
				}
			}
			for c, g := range grad {
				bias[c] -= g
			}
		}
		if done != nil {
			done()
		}
	}
	return W
}
