package nlu

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// OutOfScopeLabel is the intent that marks out-of-scope examples in training
// and test data (CLINC150's convention). Out-of-scope examples are learnt as
// a class of their own and also set the rejection threshold.
const OutOfScopeLabel = "oos"

// Example is one labelled utterance.
type Example struct {
	Text   string
	Intent string
}

// Progress reports how far training has come. Done counts units of work
// (one binary SVM, or one logistic-regression epoch) out of Total, over all
// calibration folds and the final model.
type Progress struct {
	Stage string // "calibrate" or "final"
	Done  int
	Total int
}

// Options configure Train. The zero value of a field means its default.
type Options struct {
	Features FeatureConfig // default DefaultFeatures()
	MinDF    int           // drop features seen in fewer texts (default 1)
	C        float64       // SVM cost (default 2)
	// BalanceClasses weighs each class's examples by n/(k·n_class), so
	// rare intents are not drowned by frequent ones.
	BalanceClasses bool
	Epsilon        float64 // solver stopping tolerance (default 0.1)
	MaxIter        int     // solver epochs per class (default 50)
	Seed           uint64  // training is deterministic for a given seed

	// LogRegWeight adds a multinomial logistic regression (SGD,
	// LogRegEpochs epochs from step LogRegRate) to the SVM scores with this
	// weight (default 0.5; negative disables). Both are linear, so the sum is
	// one linear model and prediction costs the same as either.
	LogRegWeight float64
	LogRegEpochs int     // default 10
	LogRegRate   float64 // default 1

	// MLPWeight adds weight·log p of a one-hidden-layer network (MLPHidden
	// ReLU units, MLPEpochs of Adagrad from step MLPRate) to the linear
	// scores. Zero (the default) chooses the weight on the held-out data
	// among 0, 0.25, 0.5, 1 and 2, and drops the network when 0 wins;
	// negative disables the network.
	MLPWeight float64
	MLPHidden int     // default 128
	MLPEpochs int     // default 15
	MLPRate   float64 // default 0.03
	// MLPDropout is the share of input features dropped at random from each
	// training example in each epoch (default 0).
	MLPDropout float64

	// CalibrationFolds is the number of internal cross-validation folds
	// whose out-of-fold scores fit the temperature and the threshold
	// (default 3; 1 disables calibration: temperature 1, no threshold).
	CalibrationFolds int
	// Calibration, when not empty, is a held-out set used for calibration
	// instead of the internal cross-validation.
	Calibration []Example
	// OOSWeight weighs out-of-scope held-out examples against in-scope
	// ones when the threshold is chosen (default 1).
	OOSWeight float64
	// MaxFalseReject is, when the data has no out-of-scope examples, the
	// share of correctly classified held-out examples the threshold may
	// reject (default 0.002).
	MaxFalseReject float64

	Workers  int            // parallel solvers (default GOMAXPROCS)
	Progress func(Progress) // called after each solved problem; may be nil
}

func (o Options) withDefaults() Options {
	if o.Features == (FeatureConfig{}) {
		o.Features = DefaultFeatures()
	}
	if o.MinDF <= 0 {
		o.MinDF = 1
	}
	if o.C <= 0 {
		o.C = 2
	}
	if o.Epsilon <= 0 {
		o.Epsilon = 0.1
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 50
	}
	if o.LogRegWeight == 0 {
		o.LogRegWeight = 0.5
	}
	if o.LogRegEpochs <= 0 {
		o.LogRegEpochs = 10
	}
	if o.LogRegRate <= 0 {
		o.LogRegRate = 1
	}
	if o.MLPHidden <= 0 {
		o.MLPHidden = 128
	}
	if o.MLPEpochs <= 0 {
		o.MLPEpochs = 15
	}
	if o.MLPRate <= 0 {
		o.MLPRate = 0.03
	}
	if o.CalibrationFolds == 0 {
		o.CalibrationFolds = 3
	}
	if o.OOSWeight <= 0 {
		o.OOSWeight = 1
	}
	if o.MaxFalseReject <= 0 {
		o.MaxFalseReject = 0.002
	}
	return o
}

// Model is a trained intent classifier. It is safe for concurrent use.
type Model struct {
	vec       *vectorizer
	intents   []string
	oos       int       // index of the out-of-scope intent, -1 if none
	weights   []float32 // [(dim+1) × classes], feature-major, bias row last
	beta      float64   // inverse softmax temperature
	threshold float64   // reject below this calibrated confidence
	version   string
	valid     *Report
	net       *mlp    // optional non-linear view
	netWeight float32 // weight of its log-probabilities
	opts      Options // as trained, for the record (no Calibration, Progress)

	pool sync.Pool
}

// Prediction is the classifier's answer for one message.
type Prediction struct {
	Intent     string  // best intent; empty when the model knows no feature of the text
	Confidence float64 // calibrated probability of Intent
	// OutOfScope is set when Intent is the out-of-scope class, the
	// confidence is below the model's threshold, or no feature of the text
	// was seen in training.
	OutOfScope bool
}

// mlpWeights are the weights of the network's log-probabilities tried on
// held-out data when Options.MLPWeight is zero; 0 drops the network.
var mlpWeights = []float64{0, 0.25, 0.5, 1, 2}

// Train fits a model on examples.
func Train(examples []Example, opts Options) (*Model, error) {
	opts = opts.withDefaults()
	intents, labels, err := indexIntents(examples)
	if err != nil {
		return nil, err
	}
	oos := slices.Index(intents, OutOfScopeLabel)
	k := len(intents)

	folds := opts.CalibrationFolds
	calib := len(opts.Calibration) > 0
	useNet := opts.MLPWeight >= 0
	var rounds int
	switch {
	case calib:
		rounds = 1 // the model scored on the calibration set is the final one
	case folds > 1:
		rounds = folds + 1
	default:
		rounds = 1
	}
	var done atomic.Int64
	perRound := k
	if opts.LogRegWeight > 0 {
		perRound += opts.LogRegEpochs
	}
	if useNet {
		perRound += opts.MLPEpochs
	}
	total := rounds * perRound
	stage := "calibrate"
	report := func() {
		d := int(done.Add(1))
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: stage, Done: d, Total: total})
		}
	}

	// Held-out scores, the linear part and the network's log-probabilities
	// apart, so the network's weight can be chosen on them: either the
	// calibration set scored by the model trained on all examples, or
	// out-of-fold scores of an internal cross-validation.
	var (
		hoLin, hoNet []float32
		hoLabels     []int32 // -1 for an intent the model does not know
		final        *Model
	)
	switch {
	case calib:
		stage = "final"
		final = fit(examples, labels, intents, opts, useNet, report)
		n := len(opts.Calibration)
		hoLin, hoNet, hoLabels = make([]float32, n*k), make([]float32, n*k), make([]int32, n)
		for i, ex := range opts.Calibration {
			final.partsInto(hoLin[i*k:(i+1)*k], hoNet[i*k:(i+1)*k], ex.Text)
			hoLabels[i] = int32(slices.Index(intents, ex.Intent))
		}
	case folds > 1:
		fold := stratifiedFolds(labels, k, folds, opts.Seed)
		n := len(examples)
		hoLin, hoNet, hoLabels = make([]float32, n*k), make([]float32, n*k), labels
		// The folds are independent: fit them side by side (the network
		// and the softmax regression are single-threaded). Each writes only
		// its own rows, so the result does not depend on the schedule.
		workers := opts.Workers
		if workers <= 0 {
			workers = runtime.GOMAXPROCS(0)
		}
		sem := make(chan struct{}, max(1, min(workers, folds)))
		var wg sync.WaitGroup
		for f := range folds {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				var trEx []Example
				var trLab []int32
				for i, ex := range examples {
					if fold[i] != f {
						trEx = append(trEx, ex)
						trLab = append(trLab, labels[i])
					}
				}
				m := fit(trEx, trLab, intents, opts, useNet, report)
				for i, ex := range examples {
					if fold[i] == f {
						m.partsInto(hoLin[i*k:(i+1)*k], hoNet[i*k:(i+1)*k], ex.Text)
					}
				}
			}()
		}
		wg.Wait()
	}

	weight := max(opts.MLPWeight, 0)
	if useNet && opts.MLPWeight == 0 {
		if hoLabels != nil {
			weight = chooseNetWeight(hoLin, hoNet, hoLabels, k)
		} else {
			weight = 1
		}
	}
	if final == nil {
		stage = "final"
		final = fit(examples, labels, intents, opts, useNet && weight > 0, report)
	}
	m := final
	if weight == 0 {
		m.net = nil
	}
	m.netWeight = float32(weight)
	m.oos = oos
	m.opts = opts
	m.opts.Calibration, m.opts.Progress, m.opts.Workers = nil, nil, 0 // not part of the model
	if hoLabels != nil {
		hoScores := combine(hoLin, hoNet, float32(weight))
		m.calibrate(hoScores, hoLabels, opts)
		m.valid = m.heldOutReport(hoScores, hoLabels)
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Stage: "final", Done: total, Total: total})
	}
	m.version = m.contentVersion()
	return m, nil
}

func combine(lin, net []float32, w float32) []float32 {
	out := make([]float32, len(lin))
	for i := range lin {
		out[i] = lin[i] + w*net[i]
	}
	return out
}

// chooseNetWeight picks, from mlpWeights, the weight of the network's
// log-probabilities that classifies the held-out rows best; ties go to the
// smaller weight.
func chooseNetWeight(lin, net []float32, labels []int32, k int) float64 {
	best, bestHits := 0.0, -1
	row := make([]float32, k)
	for _, w := range mlpWeights {
		hits := 0
		for i, y := range labels {
			for c := range row {
				row[c] = lin[i*k+c] + float32(w)*net[i*k+c]
			}
			top := 0
			for c, s := range row {
				if s > row[top] {
					top = c
				}
			}
			if int32(top) == y {
				hits++
			}
		}
		if hits > bestHits {
			best, bestHits = w, hits
		}
	}
	return best
}

func indexIntents(examples []Example) ([]string, []int32, error) {
	if len(examples) == 0 {
		return nil, nil, errNoExamples
	}
	set := map[string]bool{}
	for _, ex := range examples {
		if ex.Intent == "" {
			return nil, nil, fmt.Errorf("%w: %q", errEmptyLabel, ex.Text)
		}
		set[ex.Intent] = true
	}
	if len(set) < 2 {
		return nil, nil, errOneIntent
	}
	intents := make([]string, 0, len(set))
	for s := range set {
		intents = append(intents, s)
	}
	slices.Sort(intents)
	labels := make([]int32, len(examples))
	for i, ex := range examples {
		j, _ := slices.BinarySearch(intents, ex.Intent)
		labels[i] = int32(j)
	}
	return intents, labels, nil
}

// stratifiedFolds assigns each example to one of k folds so that every
// class is spread evenly; deterministic for a seed.
func stratifiedFolds(labels []int32, classes, k int, seed uint64) []int {
	byClass := make([][]int, classes)
	for i, y := range labels {
		byClass[y] = append(byClass[y], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	fold := make([]int, len(labels))
	offset := 0
	for _, idx := range byClass {
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for j, i := range idx {
			fold[i] = (offset + j) % k
		}
		offset = (offset + len(idx)) % k
	}
	return fold
}

// StratifiedFolds assigns each of the labelled items to one of k folds,
// spreading every label evenly over the folds. It is deterministic for a
// seed. The bench and the CLI use it to make cross-validation splits.
func StratifiedFolds(labels []string, k int, seed uint64) []int {
	set := map[string]int32{}
	ids := make([]int32, len(labels))
	names := slices.Clone(labels)
	slices.Sort(names)
	names = slices.Compact(names)
	for i, n := range names {
		set[n] = int32(i)
	}
	for i, l := range labels {
		ids[i] = set[l]
	}
	return stratifiedFolds(ids, len(names), k, seed)
}

// fit trains the vectorizer and the one-vs-rest SVMs on one training set.
func fit(examples []Example, labels []int32, intents []string, opts Options, withNet bool, done func()) *Model {
	texts := make([]string, len(examples))
	for i, ex := range examples {
		texts[i] = ex.Text
	}
	vec := fitVectorizer(opts.Features, texts, opts.MinDF)
	tr := vec.newTransformer()
	x := make([]sparse, len(texts))
	for i, t := range texts {
		x[i], _ = tr.transform(sparse{}, t)
	}
	k := len(intents)
	cw := make([]float64, k)
	for c := range cw {
		cw[c] = 1
	}
	if opts.BalanceClasses {
		counts := make([]int, k)
		for _, y := range labels {
			counts[y]++
		}
		for c, n := range counts {
			if n > 0 {
				cw[c] = float64(len(labels)) / float64(k*n)
			}
		}
	}
	p := newSVMProblem(x, labels, cw, opts.C, vec.dim())
	w := trainOneVsRest(p, k, opts.Epsilon, opts.MaxIter, opts.Seed, opts.Workers, done)
	if opts.LogRegWeight > 0 {
		lr := trainSoftmax(p, k, opts.LogRegEpochs, opts.LogRegRate, opts.Seed, done)
		for i, v := range lr {
			w[i] += float32(opts.LogRegWeight) * v
		}
	}
	roundHalf(w) // the stored precision; see half.go
	m := &Model{vec: vec, intents: intents, oos: -1, weights: w, beta: 1}
	if withNet {
		m.net = trainMLP(p, k, opts.MLPHidden, opts.MLPEpochs, opts.MLPRate, min(max(opts.MLPDropout, 0), 0.9), opts.Seed, done)
		for _, v := range [][]float32{m.net.W1, m.net.B1, m.net.W2, m.net.B2} {
			roundHalf(v)
		}
		m.netWeight = 1
	}
	return m
}

// scratch is the per-call working memory of Predict.
type scratch struct {
	tr     *transformer
	x      sparse
	scores []float32
	h      []float32
	tmp    []float64
}

func (m *Model) getScratch() *scratch {
	if s, ok := m.pool.Get().(*scratch); ok {
		return s
	}
	s := &scratch{tr: m.vec.newTransformer(), scores: make([]float32, len(m.intents))}
	if m.net != nil {
		s.h = make([]float32, m.net.Hidden)
		s.tmp = make([]float64, len(m.intents))
	}
	return s
}

// scoresInto writes the uncalibrated scores of text (linear scores plus the
// weighted network log-probabilities) into dst and returns the number of
// known features.
func (m *Model) scoresInto(dst []float32, text string) int {
	s := m.getScratch()
	var known int
	s.x, known = s.tr.transform(s.x, text)
	m.scoreVector(dst, s.x, s)
	m.pool.Put(s)
	return known
}

// partsInto writes the linear scores and the network's log-probabilities
// (zeros without a network) of text apart.
func (m *Model) partsInto(lin, net []float32, text string) {
	s := m.getScratch()
	s.x, _ = s.tr.transform(s.x, text)
	m.linearScores(lin, s.x)
	clear(net)
	if m.net != nil {
		m.net.addLogProbs(net, s.x, 1, s.h, s.tmp)
	}
	m.pool.Put(s)
}

func (m *Model) scoreVector(dst []float32, x sparse, s *scratch) {
	m.linearScores(dst, x)
	if m.net != nil && m.netWeight != 0 {
		m.net.addLogProbs(dst, x, m.netWeight, s.h, s.tmp)
	}
}

func (m *Model) linearScores(dst []float32, x sparse) {
	k := len(m.intents)
	dim := m.vec.dim()
	copy(dst, m.weights[dim*k:(dim+1)*k])
	for t, f := range x.idx {
		v := x.val[t]
		row := m.weights[int(f)*k : int(f)*k+k]
		for c, w := range row {
			dst[c] += v * w
		}
	}
}

// Predict classifies one message.
func (m *Model) Predict(text string) Prediction {
	s := m.getScratch()
	var known int
	s.x, known = s.tr.transform(s.x, text)
	m.scoreVector(s.scores, s.x, s)
	top, conf := topConfidence(s.scores, m.beta)
	m.pool.Put(s)
	if known == 0 {
		return Prediction{Confidence: conf, OutOfScope: true}
	}
	return Prediction{
		Intent:     m.intents[top],
		Confidence: conf,
		OutOfScope: top == m.oos || conf < m.threshold,
	}
}

// Ranked returns the n most likely intents of text with their calibrated
// probabilities, best first.
func (m *Model) Ranked(text string, n int) []IntentScore {
	k := len(m.intents)
	scores := make([]float32, k)
	m.scoresInto(scores, text)
	probs := make([]float32, k)
	softmaxInto(probs, scores, m.beta)
	out := make([]IntentScore, k)
	for c := range out {
		out[c] = IntentScore{Intent: m.intents[c], Probability: float64(probs[c])}
	}
	slices.SortStableFunc(out, func(a, b IntentScore) int { return cmp.Compare(b.Probability, a.Probability) })
	return out[:min(n, k)]
}

// IntentScore is one intent with its probability.
type IntentScore struct {
	Intent      string
	Probability float64
}

// calibrate fits the temperature and the threshold on held-out scores.
func (m *Model) calibrate(scores []float32, labels []int32, opts Options) {
	k := len(m.intents)
	var fs []float32
	var fl []int32
	for i, y := range labels {
		if y >= 0 {
			fs = append(fs, scores[i*k:(i+1)*k]...)
			fl = append(fl, y)
		}
	}
	m.beta = fitTemperature(fs, fl, k)
	rows := m.heldOutRows(scores, labels)
	m.threshold = chooseThreshold(rows, opts.OOSWeight, opts.MaxFalseReject)
}

func (m *Model) heldOutRows(scores []float32, labels []int32) []heldOut {
	k := len(m.intents)
	rows := make([]heldOut, len(labels))
	for i, y := range labels {
		top, conf := topConfidence(scores[i*k:(i+1)*k], m.beta)
		isOOS := y < 0 || int(y) == m.oos
		rows[i] = heldOut{conf: conf, correct: int32(top) == y, oos: isOOS, topOOS: top == m.oos}
	}
	return rows
}

// heldOutReport evaluates the calibrated model's decisions on the held-out
// scores it was calibrated on.
func (m *Model) heldOutReport(scores []float32, labels []int32) *Report {
	k := len(m.intents)
	truth := make([]string, len(labels))
	pred := make([]string, len(labels))
	for i, y := range labels {
		if y >= 0 {
			truth[i] = m.intents[y]
		} else {
			truth[i] = OutOfScopeLabel
		}
		top, conf := topConfidence(scores[i*k:(i+1)*k], m.beta)
		pred[i] = m.intents[top]
		if top == m.oos || conf < m.threshold {
			pred[i] = OutOfScopeLabel
		}
	}
	r := score(truth, pred)
	r.Threshold = m.threshold
	return &r
}

// Intents returns the intents the model knows, sorted.
func (m *Model) Intents() []string { return slices.Clone(m.intents) }

// Threshold is the calibrated confidence below which a message is out of scope.
func (m *Model) Threshold() float64 { return m.threshold }

// Temperature is the softmax temperature fitted on held-out data.
func (m *Model) Temperature() float64 { return 1 / m.beta }

// Version identifies the model: the format version and a digest of its
// content, so two models with the same version behave identically.
func (m *Model) Version() string { return m.version }

// Validation is the report on the held-out (out-of-fold) predictions the
// model was calibrated on, or nil when it was trained without calibration.
func (m *Model) Validation() *Report { return m.valid }

// Features is the number of feature columns.
func (m *Model) Features() int { return m.vec.dim() }
