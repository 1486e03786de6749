package nlu

import (
	"math"
	"math/rand/v2"
)

// mlp is a one-hidden-layer network over the same sparse TF-IDF vectors:
// h = relu(b1 + x·W1), scores = b2 + h·W2. It adds a non-linear view to the
// linear models (word and n-gram interactions) at little cost per message,
// since x is sparse.
type mlp struct {
	Hidden int
	W1     []float32 // [dim × hidden], row per feature
	B1     []float32
	W2     []float32 // [hidden × classes]
	B2     []float32
}

// trainMLP fits the network on the cross-entropy by Adagrad: one
// accumulator per input-feature row (so rare n-grams keep large steps, as
// with per-weight Adagrad, at a fraction of the memory) and one per weight
// in the small layers. Deterministic for a seed.
func trainMLP(p *svmProblem, classes, hidden, epochs int, lr0, dropout float64, seed uint64, done func()) *mlp {
	rng := rand.New(rand.NewPCG(seed, 0x3a9))
	m := &mlp{Hidden: hidden,
		W1: make([]float32, p.dim*hidden), B1: make([]float32, hidden),
		W2: make([]float32, hidden*classes), B2: make([]float32, classes)}
	for i := range m.W1 {
		m.W1[i] = float32(rng.NormFloat64() * 0.01)
	}
	s2 := math.Sqrt(2 / float64(hidden+classes))
	for i := range m.W2 {
		m.W2[i] = float32(rng.NormFloat64() * s2)
	}
	n := len(p.x)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	h := make([]float32, hidden)
	gh := make([]float32, hidden)
	scores := make([]float64, classes)
	gs := make([]float32, classes)
	const eps = 1e-8
	acc1 := make([]float32, p.dim) // per W1 row
	accB1 := make([]float32, hidden)
	acc2 := make([]float32, hidden*classes)
	accB2 := make([]float32, classes)
	lr := float32(lr0)
	var drop sparse // the example with input dropout applied
	keep := float32(1 / (1 - dropout))
	for range epochs {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			xi := p.x[i]
			if dropout > 0 {
				drop.idx, drop.val = drop.idx[:0], drop.val[:0]
				for t, f := range xi.idx {
					if rng.Float64() >= dropout {
						drop.idx = append(drop.idx, f)
						drop.val = append(drop.val, xi.val[t]*keep)
					}
				}
				xi = drop
			}
			m.hidden(h, xi)
			m.output(scores, h)
			mx := scores[0]
			for _, s := range scores {
				mx = max(mx, s)
			}
			var z float64
			for c, s := range scores {
				scores[c] = math.Exp(s - mx)
				z += scores[c]
			}
			wi := float32(p.cost[i] / p.c)
			for c := range gs {
				g := scores[c] / z
				if int32(c) == p.label[i] {
					g--
				}
				gs[c] = float32(g) * wi
			}
			// Back through the output layer.
			for j, hj := range h {
				row := m.W2[j*classes : (j+1)*classes]
				var g float32
				for c, w := range row {
					g += w * gs[c]
				}
				if hj > 0 {
					gh[j] = g
				} else {
					gh[j] = 0
				}
				if hj > 0 {
					acc := acc2[j*classes : (j+1)*classes]
					for c := range row {
						g := hj * gs[c]
						acc[c] += g * g
						row[c] -= lr * g / float32(math.Sqrt(float64(acc[c])+eps))
					}
				}
			}
			for c, g := range gs {
				accB2[c] += g * g
				m.B2[c] -= lr * g / float32(math.Sqrt(float64(accB2[c])+eps))
			}
			// Sparse update of the input layer, row-wise Adagrad.
			var gh2 float32
			for _, g := range gh {
				gh2 += g * g
			}
			gh2 /= float32(hidden)
			for t, f := range xi.idx {
				v := xi.val[t]
				acc1[f] += v * v * gh2
				step := lr * v / float32(math.Sqrt(float64(acc1[f])+eps))
				row := m.W1[int(f)*hidden : int(f)*hidden+hidden]
				for j, g := range gh {
					row[j] -= step * g
				}
			}
			for j, g := range gh {
				accB1[j] += g * g
				m.B1[j] -= lr * g / float32(math.Sqrt(float64(accB1[j])+eps))
			}
		}
		if done != nil {
			done()
		}
	}
	return m
}

func (m *mlp) hidden(h []float32, x sparse) {
	copy(h, m.B1)
	H := m.Hidden
	for t, f := range x.idx {
		v := x.val[t]
		row := m.W1[int(f)*H : int(f)*H+H]
		for j, w := range row {
			h[j] += v * w
		}
	}
	for j, v := range h {
		if v < 0 {
			h[j] = 0
		}
	}
}

func (m *mlp) output(scores []float64, h []float32) {
	k := len(m.B2)
	for c := range scores {
		scores[c] = float64(m.B2[c])
	}
	for j, hj := range h {
		if hj == 0 {
			continue
		}
		row := m.W2[j*k : (j+1)*k]
		for c, w := range row {
			scores[c] += float64(hj * w)
		}
	}
}

// addLogProbs adds weight·log softmax(network scores) of x to dst, using
// h and tmp as scratch.
func (m *mlp) addLogProbs(dst []float32, x sparse, weight float32, h []float32, tmp []float64) {
	m.hidden(h, x)
	m.output(tmp, h)
	mx := tmp[0]
	for _, s := range tmp {
		mx = max(mx, s)
	}
	var z float64
	for _, s := range tmp {
		z += math.Exp(s - mx)
	}
	lz := mx + math.Log(z)
	for c, s := range tmp {
		dst[c] += weight * float32(s-lz)
	}
}
