package botconfig

import (
	"math"

	"github.com/lingxi/lingxi/shared/nlu"
)

// Evaluation is a training run's report: how the classifier did on examples it had not seen. It is
// stored as Model.Evaluation (JSON) and returned by the API. Figures are shares from 0 to 1.
type Evaluation struct {
	// Method says how the examples were held out, e.g. "3-fold stratified cross-validation".
	Method string `json:"method"`
	// Examples is how many examples were scored.
	Examples int `json:"examples"`
	// Accuracy is the share predicted exactly (a rejection counts as the out-of-scope label).
	Accuracy float64 `json:"accuracy"`
	// MacroF1 is the unweighted mean F1 over the intents.
	MacroF1 float64 `json:"macro_f1"`
	// InScopeAccuracy is the share of in-scope examples whose intent was predicted and accepted.
	InScopeAccuracy float64 `json:"in_scope_accuracy"`
	// Threshold is the calibrated confidence below which the bot treats a message as out of scope.
	Threshold float64 `json:"threshold"`
	// Rejected counts in-scope examples the model rejected as out of scope (the bot would have
	// said the fallback).
	Rejected int `json:"rejected"`
	// Intents has precision and recall per intent, sorted by intent.
	Intents []IntentEvaluation `json:"intents"`
	// ConfusedPairs are the most frequent mistakes, worst first (at most 20).
	ConfusedPairs []ConfusedPair `json:"confused_pairs"`
	// OutOfScope has the out-of-scope figures when the tenant has OutOfScopeIntent examples.
	OutOfScope *OutOfScopeEvaluation `json:"out_of_scope,omitempty"`
}

// IntentEvaluation is how one intent did.
type IntentEvaluation struct {
	Intent    string  `json:"intent"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`   // examples of the intent
	Predicted int     `json:"predicted"` // examples predicted as the intent
}

// ConfusedPair counts examples of Intent predicted as PredictedAs ("oos": rejected).
type ConfusedPair struct {
	Intent      string `json:"intent"`
	PredictedAs string `json:"predicted_as"`
	Count       int    `json:"count"`
}

// OutOfScopeEvaluation is how out-of-scope examples fared.
type OutOfScopeEvaluation struct {
	Examples  int     `json:"examples"`
	Recall    float64 `json:"recall"`    // share of out-of-scope examples rejected
	Precision float64 `json:"precision"` // share of rejections that were out of scope
}

// EvaluationFrom turns an nlu report into the stored evaluation; method says how the report's
// examples were held out.
func EvaluationFrom(r nlu.Report, method string) Evaluation {
	e := Evaluation{
		Method: method, Examples: r.N, Accuracy: round(r.Accuracy), MacroF1: round(r.MacroF1),
		InScopeAccuracy: round(r.InScopeAccuracy), Threshold: round(r.Threshold),
		Intents: []IntentEvaluation{}, ConfusedPairs: []ConfusedPair{},
	}
	for _, ir := range r.Intents {
		if ir.Intent == nlu.OutOfScopeLabel {
			tp := int(math.Round(ir.Recall * float64(ir.Support)))
			e.Rejected = ir.Predicted - tp
			if ir.Support == 0 {
				continue // only a prediction: the tenant has no out-of-scope examples
			}
		}
		e.Intents = append(e.Intents, IntentEvaluation{
			Intent: ir.Intent, Precision: round(ir.Precision), Recall: round(ir.Recall), F1: round(ir.F1),
			Support: ir.Support, Predicted: ir.Predicted,
		})
	}
	for _, c := range r.Confusions {
		e.ConfusedPairs = append(e.ConfusedPairs, ConfusedPair{Intent: c.True, PredictedAs: c.Predicted, Count: c.Count})
	}
	if r.OOSN > 0 {
		e.OutOfScope = &OutOfScopeEvaluation{Examples: r.OOSN, Recall: round(r.OOSRecall), Precision: round(r.OOSPrecision)}
	}
	return e
}

// round keeps four decimals: enough to compare runs, short to read.
func round(x float64) float64 { return math.Round(x*1e4) / 1e4 }
