package sentiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// Options configure Train. The zero value of a field means its default.
type Options struct {
	Features FeatureConfig // default DefaultFeatures()
	MinDF    int           // drop features seen in fewer texts (default 1)
	C        float64       // SVM cost (default 0.5)
	// NBAlpha is the smoothing of the naive-Bayes log-count ratios that
	// scale each class's features (NB-SVM, Wang & Manning 2012); default 1,
	// negative disables the scaling (a plain linear SVM).
	NBAlpha float64
	// PlainWeight adds a plain linear SVM (unscaled features) with this
	// weight to the NB-SVM of each class; both are linear, so the sum is
	// one linear model (default 2; negative: none).
	PlainWeight float64
	// Unbalanced turns off the class weights n/(k·n_class) that otherwise
	// keep a rare label (SemEval's negative) from being drowned.
	Unbalanced bool
	Epsilon    float64 // solver stopping tolerance (default 0.1)
	MaxIter    int     // solver epochs per class (default 50)
	// Beta scales the decision values before the softmax that gives the
	// probabilities behind Result.Score (default 2).
	Beta    float64
	Seed    uint64 // training is deterministic for a given seed
	Workers int    // parallel solvers (default GOMAXPROCS)
}

func (o Options) withDefaults() Options {
	if o.Features == (FeatureConfig{}) {
		o.Features = DefaultFeatures()
	}
	if o.MinDF <= 0 {
		o.MinDF = 1
	}
	if o.C <= 0 {
		o.C = 0.5
	}
	if o.NBAlpha == 0 {
		o.NBAlpha = 1
	}
	if o.PlainWeight == 0 {
		o.PlainWeight = 2
	}
	if o.Epsilon <= 0 {
		o.Epsilon = 0.1
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 50
	}
	if o.Beta <= 0 {
		o.Beta = 2
	}
	return o
}

// Model is a trained sentiment classifier. It is safe for concurrent use.
type Model struct {
	vec     *vectorizer
	labels  []Label   // the model's classes, in labelOrder
	weights []float32 // [(dim+1) × classes], feature-major, bias row last
	beta    float64
	pool    sync.Pool // *transformer
}

// Result is the model's reading of one message.
type Result struct {
	Label Label
	// Score is the polarity in [-1, 1]: P(positive) - P(negative).
	Score float64
	// Emotion is "" or one of "anger", "anxiety", "disappointment",
	// "gratitude" (emotion.go).
	Emotion string
}

// Train fits a model on examples. Data without a neutral example gives a
// binary model.
func Train(examples []Example, opts Options) (*Model, error) {
	return TrainContext(context.Background(), examples, opts)
}

// TrainContext is Train that stops early, returning ctx's error, when ctx
// ends.
func TrainContext(ctx context.Context, examples []Example, opts Options) (*Model, error) {
	opts = opts.withDefaults()
	if len(examples) == 0 {
		return nil, errNoExamples
	}
	present := map[Label]bool{}
	for i, ex := range examples {
		if !ex.Label.Valid() {
			return nil, fmt.Errorf("%w %q (example %d)", errBadLabel, ex.Label, i+1)
		}
		present[ex.Label] = true
	}
	var labels []Label
	for _, l := range labelOrder {
		if present[l] {
			labels = append(labels, l)
		}
	}
	if len(labels) < 2 {
		return nil, errOneLabel
	}
	k := len(labels)
	y := make([]int32, len(examples))
	texts := make([]string, len(examples))
	counts := make([]int, k)
	for i, ex := range examples {
		y[i] = int32(slices.Index(labels, ex.Label))
		texts[i] = ex.Text
		counts[y[i]]++
	}
	vec := fitVectorizer(opts.Features, texts, opts.MinDF)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tr := vec.newTransformer()
	x := make([]sparse, len(texts))
	for i, t := range texts {
		x[i] = tr.transform(sparse{}, t)
	}
	p := &problem{x: x, label: y, cost: make([]float64, len(x)), dim: vec.dim()}
	for i, ex := range examples {
		cw := 1.0
		if !opts.Unbalanced {
			cw = float64(len(examples)) / float64(k*counts[y[i]])
		}
		wi := ex.Weight
		if wi <= 0 {
			wi = 1
		}
		p.cost[i] = opts.C * cw * wi
	}
	// A binary model needs one problem (positive class against the other);
	// more classes need one against the rest each.
	problems := k
	if k == 2 {
		problems = 1
	}
	dim := vec.dim()
	W := make([]float32, (dim+1)*k)
	parallel(problems, opts.Workers, func(j int) {
		cls := int32(j)
		if k == 2 {
			cls = 1
		}
		var scale []float32
		if opts.NBAlpha > 0 {
			scale = nbRatios(p, cls, opts.NBAlpha)
		}
		rng := rand.New(rand.NewPCG(opts.Seed, uint64(cls)+1))
		w := solveBinary(ctx, p, cls, scale, opts.Epsilon, opts.MaxIter, rng)
		if scale != nil && opts.PlainWeight > 0 {
			plain := solveBinary(ctx, p, cls, nil, opts.Epsilon, opts.MaxIter, rng)
			for f := range dim {
				w[f] = w[f]*float64(scale[f]) + opts.PlainWeight*plain[f]
			}
			w[dim] += opts.PlainWeight * plain[dim]
			scale = nil
		}
		for f := range dim {
			v := w[f]
			if scale != nil {
				v *= float64(scale[f])
			}
			W[f*k+int(cls)] = float32(v)
			if k == 2 {
				W[f*k] = float32(-v)
			}
		}
		W[dim*k+int(cls)] = float32(w[dim])
		if k == 2 {
			W[dim*k] = float32(-w[dim])
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &Model{vec: vec, labels: labels, weights: W, beta: opts.Beta}, nil
}

// nbRatios returns the log-count ratio r = log((p/|p|₁)/(q/|q|₁)) per
// feature, p and q the smoothed sums of binarised features over the
// examples of class cls and of the others.
func nbRatios(p *problem, cls int32, alpha float64) []float32 {
	pos := make([]float64, p.dim)
	neg := make([]float64, p.dim)
	for i, xi := range p.x {
		dst := neg
		if p.label[i] == cls {
			dst = pos
		}
		for _, c := range xi.idx {
			dst[c]++
		}
	}
	var sp, sn float64
	for f := range pos {
		pos[f] += alpha
		neg[f] += alpha
		sp += pos[f]
		sn += neg[f]
	}
	r := make([]float32, p.dim)
	for f := range r {
		r[f] = float32(math.Log((pos[f] / sp) / (neg[f] / sn)))
	}
	return r
}

// Labels returns the model's classes: negative and positive, and neutral
// when it was trained with it.
func (m *Model) Labels() []Label { return slices.Clone(m.labels) }

// scores returns the linear decision value per class in dst.
func (m *Model) scoresInto(t *transformer, text string, dst []float64) {
	t.vec = t.transform(t.vec, text)
	k := len(m.labels)
	dim := m.vec.dim()
	for c := range dst {
		dst[c] = float64(m.weights[dim*k+c])
	}
	for j, f := range t.vec.idx {
		v := float64(t.vec.val[j])
		row := m.weights[int(f)*k : int(f)*k+k]
		for c, w := range row {
			dst[c] += v * float64(w)
		}
	}
}

// Predict reads one message: zh, en or mixed. It is safe for concurrent
// use.
func (m *Model) Predict(text string) Result {
	t, _ := m.pool.Get().(*transformer)
	if t == nil {
		t = m.vec.newTransformer()
	}
	defer m.pool.Put(t)
	k := len(m.labels)
	if cap(t.scores) < k {
		t.scores = make([]float64, k)
	}
	s := t.scores[:k]
	m.scoresInto(t, text, s)
	best := 0
	for c := range s {
		if s[c] > s[best] {
			best = c
		}
	}
	// Probabilities: a softmax of the scaled decision values.
	top := s[best]
	var z float64
	for c := range s {
		s[c] = math.Exp(m.beta * (s[c] - top))
		z += s[c]
	}
	var score float64
	for c, l := range m.labels {
		switch l {
		case Positive:
			score += s[c] / z
		case Negative:
			score -= s[c] / z
		}
	}
	r := Result{Label: m.labels[best], Score: score}
	r.Emotion = emotionOf(text, r)
	return r
}
