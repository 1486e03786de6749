package sentiment

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// problem is a training set in the form the solver wants.
type problem struct {
	x     []sparse
	label []int32   // class index per example
	cost  []float64 // C per example: C × class weight × example weight
	dim   int       // feature columns; the bias is column dim
}

// solveBinary trains class cls against the rest: an l2-regularised
// squared-hinge SVM solved in the dual by coordinate descent with shrinking
// (Hsieh et al., ICML 2008; LIBLINEAR solver 1), over the features scaled
// column-wise by scale (nil: unscaled; the NB-SVM of Wang & Manning 2012
// scales by the class's log-count ratios). It returns the weights in the
// scaled space, bias last.
func solveBinary(ctx context.Context, p *problem, cls int32, scale []float32, eps float64, maxIter int, rng *rand.Rand) []float64 {
	n := len(p.x)
	w := make([]float64, p.dim+1)
	alpha := make([]float64, n)
	index := make([]int, n)
	qd := make([]float64, n)
	const bias = 1.0
	sc := func(c int32) float64 {
		if scale == nil {
			return 1
		}
		return float64(scale[c])
	}
	for i, xi := range p.x {
		index[i] = i
		s := bias * bias
		for t, c := range xi.idx {
			v := float64(xi.val[t]) * sc(c)
			s += v * v
		}
		qd[i] = s + 0.5/p.cost[i]
	}
	y := func(i int) float64 {
		if p.label[i] == cls {
			return 1
		}
		return -1
	}
	activeSize := n
	pgMaxOld := math.Inf(1)
	for iter := 0; iter < maxIter; iter++ {
		if ctx.Err() != nil {
			break
		}
		pgMaxNew, pgMinNew := math.Inf(-1), math.Inf(1)
		for i := 0; i < activeSize; i++ {
			j := i + rng.IntN(activeSize-i)
			index[i], index[j] = index[j], index[i]
		}
		for k := 0; k < activeSize; k++ {
			i := index[k]
			yi := y(i)
			xi := p.x[i]
			g := w[p.dim] * bias
			for t, c := range xi.idx {
				g += w[c] * float64(xi.val[t]) * sc(c)
			}
			g = yi*g - 1 + alpha[i]*0.5/p.cost[i]
			pg := 0.0
			if alpha[i] == 0 {
				if g > pgMaxOld {
					activeSize--
					index[k], index[activeSize] = index[activeSize], index[k]
					k--
					continue
				}
				if g < 0 {
					pg = g
				}
			} else {
				pg = g
			}
			pgMaxNew = max(pgMaxNew, pg)
			pgMinNew = min(pgMinNew, pg)
			if math.Abs(pg) > 1e-12 {
				old := alpha[i]
				alpha[i] = max(old-g/qd[i], 0)
				d := (alpha[i] - old) * yi
				for t, c := range xi.idx {
					w[c] += d * float64(xi.val[t]) * sc(c)
				}
				w[p.dim] += d * bias
			}
		}
		if pgMaxNew-pgMinNew <= eps {
			if activeSize == n {
				break
			}
			activeSize = n
			pgMaxOld = math.Inf(1)
			continue
		}
		pgMaxOld = pgMaxNew
		if pgMaxOld <= 0 {
			pgMaxOld = math.Inf(1)
		}
	}
	return w
}

// parallel runs job(0..n-1) on up to workers goroutines and waits.
func parallel(n, workers int, job func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	var next atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				job(i)
			}
		}()
	}
	wg.Wait()
}
