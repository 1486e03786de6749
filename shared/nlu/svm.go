package nlu

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// svmProblem is a training set in the form the solver wants.
type svmProblem struct {
	x      []sparse
	label  []int32   // class index per example
	cost   []float64 // C per example (class weight times C)
	dim    int       // number of feature columns; the bias is column dim
	bias   float64
	c      float64   // the base cost, before class weights
	sqnorm []float64 // ||x_i||² including the bias term
}

func newSVMProblem(x []sparse, label []int32, classWeight []float64, c float64, dim int) *svmProblem {
	p := &svmProblem{x: x, label: label, dim: dim, bias: 1, c: c,
		cost: make([]float64, len(x)), sqnorm: make([]float64, len(x))}
	for i, xi := range x {
		s := p.bias * p.bias
		for _, v := range xi.val {
			s += float64(v) * float64(v)
		}
		p.sqnorm[i] = s
		p.cost[i] = c * classWeight[label[i]]
	}
	return p
}

// svmSolver holds the scratch space of one worker.
type svmSolver struct {
	w     []float64
	alpha []float64
	index []int
	qd    []float64
}

// solveBinary trains class cls against the rest: an l2-regularised
// squared-hinge SVM solved in the dual by coordinate descent with shrinking
// (Hsieh et al., ICML 2008; LIBLINEAR solver 1). It returns the weight
// vector, bias last, in s.w.
func (s *svmSolver) solveBinary(p *svmProblem, cls int32, eps float64, maxIter int, rng *rand.Rand) []float64 {
	n := len(p.x)
	if cap(s.w) < p.dim+1 {
		s.w = make([]float64, p.dim+1)
	}
	w := s.w[:p.dim+1]
	clear(w)
	if cap(s.alpha) < n {
		s.alpha = make([]float64, n)
		s.index = make([]int, n)
		s.qd = make([]float64, n)
	}
	alpha, index, qd := s.alpha[:n], s.index[:n], s.qd[:n]
	clear(alpha)
	for i := range n {
		index[i] = i
		qd[i] = p.sqnorm[i] + 0.5/p.cost[i]
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
		pgMaxNew, pgMinNew := math.Inf(-1), math.Inf(1)
		for i := 0; i < activeSize; i++ {
			j := i + rng.IntN(activeSize-i)
			index[i], index[j] = index[j], index[i]
		}
		for k := 0; k < activeSize; k++ {
			i := index[k]
			yi := y(i)
			xi := p.x[i]
			g := w[p.dim] * p.bias
			for t, c := range xi.idx {
				g += w[c] * float64(xi.val[t])
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
					w[c] += d * float64(xi.val[t])
				}
				w[p.dim] += d * p.bias
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

// trainOneVsRest trains one binary SVM per class and returns the weights in
// feature-major layout: W[f*classes+c], with the bias as row dim. Classes are
// spread over workers; each class has its own seeded random source, so the
// result does not depend on the number of workers.
func trainOneVsRest(p *svmProblem, classes int, eps float64, maxIter int, seed uint64, workers int, done func()) []float32 {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, classes)
	W := make([]float32, (p.dim+1)*classes)
	var next atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s svmSolver
			for {
				c := int(next.Add(1)) - 1
				if c >= classes {
					return
				}
				rng := rand.New(rand.NewPCG(seed, uint64(c)+1))
				w := s.solveBinary(p, int32(c), eps, maxIter, rng)
				for f, v := range w {
					W[f*classes+c] = float32(v)
				}
				if done != nil {
					done()
				}
			}
		}()
	}
	wg.Wait()
	return W
}
