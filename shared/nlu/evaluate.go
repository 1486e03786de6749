package nlu

import (
	"cmp"
	"slices"
)

// Report is an evaluation of a model on labelled data. A message the model
// rejects counts as predicted OutOfScopeLabel.
type Report struct {
	N        int     // examples
	Accuracy float64 // share predicted exactly (out of scope counts as a label)
	MacroF1  float64 // unweighted mean F1 over the labels that occur in the truth
	// TopAccuracy is the share whose best intent is right, ignoring the
	// threshold: what the classifier alone would score without rejection.
	TopAccuracy float64

	// In-scope examples: their number and the share whose intent was
	// predicted and accepted (Larson et al. 2019's in-scope accuracy).
	InScopeN        int
	InScopeAccuracy float64
	// Out-of-scope examples (true label OutOfScopeLabel): their number, the
	// share rejected (recall) and the share of rejections that were out of
	// scope (precision). Zero when OOSN is zero.
	OOSN         int
	OOSRecall    float64
	OOSPrecision float64
	// Threshold is the model's rejection threshold used for the report.
	Threshold float64

	Intents    []IntentReport // per label, sorted by name
	Confusions []Confusion    // most frequent errors, worst first (at most 20)
}

// IntentReport is precision and recall of one label.
type IntentReport struct {
	Intent    string
	Precision float64
	Recall    float64
	F1        float64
	Support   int // true examples
	Predicted int // examples predicted as this label
}

// Confusion counts examples of True predicted as Predicted.
type Confusion struct {
	True      string
	Predicted string
	Count     int
}

// Evaluate classifies every test example with m and reports the results.
func Evaluate(m *Model, test []Example) Report {
	truth := make([]string, len(test))
	pred := make([]string, len(test))
	top := 0
	for i, ex := range test {
		truth[i] = ex.Intent
		p := m.Predict(ex.Text)
		if p.Intent == ex.Intent || (p.Intent == "" && ex.Intent == OutOfScopeLabel) {
			top++
		}
		pred[i] = p.Intent
		if p.OutOfScope {
			pred[i] = OutOfScopeLabel
		}
	}
	r := score(truth, pred)
	r.Threshold = m.threshold
	if len(test) > 0 {
		r.TopAccuracy = float64(top) / float64(len(test))
	}
	return r
}

// score compares predicted labels with true ones.
func score(truth, pred []string) Report {
	r := Report{N: len(truth)}
	if r.N == 0 {
		return r
	}
	type counts struct{ tp, support, predicted int }
	per := map[string]*counts{}
	get := func(l string) *counts {
		c := per[l]
		if c == nil {
			c = &counts{}
			per[l] = c
		}
		return c
	}
	confused := map[[2]string]int{}
	var correct, inCorrect, oosRejected, rejected int
	for i, t := range truth {
		p := pred[i]
		get(t).support++
		get(p).predicted++
		if p == OutOfScopeLabel {
			rejected++
		}
		if t == OutOfScopeLabel {
			r.OOSN++
			if p == OutOfScopeLabel {
				oosRejected++
			}
		} else {
			r.InScopeN++
		}
		if t == p {
			correct++
			get(t).tp++
			if t != OutOfScopeLabel {
				inCorrect++
			}
		} else {
			confused[[2]string{t, p}]++
		}
	}
	r.Accuracy = float64(correct) / float64(r.N)
	if r.InScopeN > 0 {
		r.InScopeAccuracy = float64(inCorrect) / float64(r.InScopeN)
	}
	if r.OOSN > 0 {
		r.OOSRecall = float64(oosRejected) / float64(r.OOSN)
		if rejected > 0 {
			r.OOSPrecision = float64(oosRejected) / float64(rejected)
		}
	}
	labels := make([]string, 0, len(per))
	for l := range per {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	var f1sum float64
	nTrue := 0
	for _, l := range labels {
		c := per[l]
		ir := IntentReport{Intent: l, Support: c.support, Predicted: c.predicted}
		if c.predicted > 0 {
			ir.Precision = float64(c.tp) / float64(c.predicted)
		}
		if c.support > 0 {
			ir.Recall = float64(c.tp) / float64(c.support)
		}
		if ir.Precision+ir.Recall > 0 {
			ir.F1 = 2 * ir.Precision * ir.Recall / (ir.Precision + ir.Recall)
		}
		if c.support > 0 {
			f1sum += ir.F1
			nTrue++
		}
		r.Intents = append(r.Intents, ir)
	}
	r.MacroF1 = f1sum / float64(nTrue)
	for k, n := range confused {
		r.Confusions = append(r.Confusions, Confusion{True: k[0], Predicted: k[1], Count: n})
	}
	slices.SortFunc(r.Confusions, func(a, b Confusion) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.True, b.True), cmp.Compare(a.Predicted, b.Predicted))
	})
	if len(r.Confusions) > 20 {
		r.Confusions = r.Confusions[:20]
	}
	return r
}
