package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"

	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/nlu/dataset"
)

// evalSummary is the JSON line `nlu eval` prints last. The out-of-scope
// fields are present only when the test data has out-of-scope items.
type evalSummary struct {
	NTrain          int      `json:"n_train"`
	NTest           int      `json:"n_test"`
	Accuracy        float64  `json:"accuracy"`
	MacroF1         float64  `json:"macro_f1"`
	TopAccuracy     float64  `json:"top_accuracy"` // best intent right, ignoring rejection
	InScopeAccuracy *float64 `json:"in_scope_accuracy,omitempty"`
	OOSRecall       *float64 `json:"oos_recall,omitempty"`
	OOSPrecision    *float64 `json:"oos_precision,omitempty"`
	TrainSeconds    float64  `json:"train_seconds"`
	PredictP50us    float64  `json:"predict_p50_us"`
	PredictP99us    float64  `json:"predict_p99_us"`
	Threshold       float64  `json:"threshold"`
	Features        int      `json:"features"`
	ModelBytes      int      `json:"model_bytes"`
	ModelVersion    string   `json:"model_version"`
}

func nluEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi nlu eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	trainPath := fs.String("train", "", "training data: CSV (text,category) or CLINC150 JSON (train+oos_train; val+oos_val calibrate)")
	testPath := fs.String("test", "", "test data: CSV or CLINC150 JSON (test+oos_test)")
	seed := fs.Uint64("seed", 1, "training seed")
	modelOut := fs.String("model-out", "", "write the trained model to this file")
	verbose := fs.Bool("v", false, "print per-intent figures and confusions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trainPath == "" || *testPath == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	trainSet, err := dataset.Load(*trainPath)
	if err != nil {
		return err
	}
	testSet := trainSet
	if *testPath != *trainPath {
		if testSet, err = dataset.Load(*testPath); err != nil {
			return err
		}
	}
	train := trainSet.Examples(dataset.RoleTrain)
	test := testSet.Examples(dataset.RoleTest)
	if len(test) == 0 {
		return fmt.Errorf("no test examples in %s (a CLINC150 JSON file needs the keys test and oos_test)", *testPath)
	}

	bar := newProgressBar(stderr)
	opts := nlu.Options{
		Seed:        *seed,
		Calibration: trainSet.Examples(dataset.RoleCalibration),
		Progress:    bar.update,
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	model, err := nlu.Train(train, opts)
	bar.finish()
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	trainSecs := time.Since(start).Seconds()
	blob, err := model.Marshal()
	if err != nil {
		return err
	}
	if *modelOut != "" {
		if err := os.WriteFile(*modelOut, blob, 0o644); err != nil {
			return fmt.Errorf("write model: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	report := nlu.Evaluate(model, test)
	p50, p99 := latency(model, test)

	fmt.Fprintf(stdout, "model %s: %d intents, %d features, %d bytes, temperature %.4f, threshold %.4f\n",
		model.Version(), len(model.Intents()), model.Features(), len(blob), model.Temperature(), model.Threshold())
	if v := model.Validation(); v != nil {
		fmt.Fprintf(stdout, "held-out (calibration) accuracy %.4f, macro-F1 %.4f\n", v.Accuracy, v.MacroF1)
	}
	fmt.Fprintf(stdout, "test: %d examples, accuracy %.4f (top intent without rejection %.4f), macro-F1 %.4f\n",
		report.N, report.Accuracy, report.TopAccuracy, report.MacroF1)
	if report.OOSN > 0 {
		fmt.Fprintf(stdout, "in-scope accuracy %.4f over %d; out-of-scope recall %.4f, precision %.4f over %d\n",
			report.InScopeAccuracy, report.InScopeN, report.OOSRecall, report.OOSPrecision, report.OOSN)
	}
	if *verbose {
		for _, ir := range report.Intents {
			fmt.Fprintf(stdout, "  %-40s P %.3f R %.3f F1 %.3f n=%d\n", ir.Intent, ir.Precision, ir.Recall, ir.F1, ir.Support)
		}
	}
	for i, c := range report.Confusions {
		if i == 5 && !*verbose {
			break
		}
		fmt.Fprintf(stdout, "  confused: %s -> %s (%d)\n", c.True, c.Predicted, c.Count)
	}

	sum := evalSummary{
		NTrain: len(train), NTest: report.N, Accuracy: round(report.Accuracy), MacroF1: round(report.MacroF1), TopAccuracy: round(report.TopAccuracy),
		TrainSeconds: round(trainSecs), PredictP50us: round(p50), PredictP99us: round(p99),
		Threshold: round(model.Threshold()), Features: model.Features(), ModelBytes: len(blob),
		ModelVersion: model.Version(),
	}
	if report.OOSN > 0 {
		in, rec, prec := round(report.InScopeAccuracy), round(report.OOSRecall), round(report.OOSPrecision)
		sum.InScopeAccuracy, sum.OOSRecall, sum.OOSPrecision = &in, &rec, &prec
	}
	return printJSONLine(stdout, sum)
}

// latency times Predict on every test message, one at a time, after one
// warm-up pass, and returns the median and 99th percentile in microseconds.
func latency(m *nlu.Model, test []nlu.Example) (p50, p99 float64) {
	for _, ex := range test[:min(len(test), 200)] {
		m.Predict(ex.Text)
	}
	d := make([]float64, len(test))
	for i, ex := range test {
		t := time.Now()
		m.Predict(ex.Text)
		d[i] = float64(time.Since(t).Nanoseconds()) / 1e3
	}
	slices.Sort(d)
	return quantile(d, 0.5), quantile(d, 0.99)
}

// quantile of sorted values, by the nearest-rank method.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// printJSONLine prints v as one JSON line: the summary line an eval command prints last.
func printJSONLine(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

func round(x float64) float64 { return math.Round(x*1e4) / 1e4 }
