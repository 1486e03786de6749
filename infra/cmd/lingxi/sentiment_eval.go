package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/lingxi/lingxi/shared/sentiment"
)

// sentimentSummary is the JSON line `sentiment eval` prints last.
type sentimentSummary struct {
	NTrain         int                `json:"n_train"`
	N              int                `json:"n"`
	Labels         []sentiment.Label  `json:"labels"`
	Accuracy       float64            `json:"accuracy"`
	MacroRecall    float64            `json:"macro_recall"`
	MacroF1        float64            `json:"macro_f1"`
	Recall         map[string]float64 `json:"recall"`
	TrainSeconds   float64            `json:"train_seconds"`
	PredictSeconds float64            `json:"predict_seconds"`
	ModelBytes     int                `json:"model_bytes"`
}

func sentimentEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi sentiment eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	trainPath := fs.String("train", "", "training data file")
	testPath := fs.String("test", "", "test data file")
	format := fs.String("format", "auto", "file format: chnsenticorp (text<TAB>0|1, no header), semeval (TSV with a header naming label and text) or auto")
	seed := fs.Uint64("seed", 1, "training seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f := sentiment.Format(*format)
	if *trainPath == "" || *testPath == "" || fs.NArg() > 0 ||
		(f != sentiment.FormatAuto && f != sentiment.FormatChnSentiCorp && f != sentiment.FormatSemEval) {
		fs.Usage()
		return errUsage
	}
	train, err := readSentimentFile(*trainPath, f)
	if err != nil {
		return badInput(stderr, err)
	}
	test, err := readSentimentFile(*testPath, f)
	if err != nil {
		return badInput(stderr, err)
	}
	start := time.Now()
	model, err := sentiment.TrainContext(ctx, train, sentiment.Options{Seed: *seed})
	if err != nil {
		return fmt.Errorf("train on %s: %w", *trainPath, err)
	}
	trainSecs := time.Since(start).Seconds()
	blob, err := model.MarshalBinary()
	if err != nil {
		return err
	}
	start = time.Now()
	m := sentiment.Evaluate(model, test)
	predictSecs := time.Since(start).Seconds()

	fmt.Fprintf(stdout, "model: labels %v, %d bytes; trained on %d examples in %.2fs\n", model.Labels(), len(blob), len(train), trainSecs)
	fmt.Fprintf(stdout, "test: %d examples, accuracy %.4f, macro recall %.4f, macro F1 %.4f\n", m.N, m.Accuracy, m.MacroRecall, m.MacroF1)
	sum := sentimentSummary{
		NTrain: len(train), N: m.N, Labels: model.Labels(), Accuracy: round(m.Accuracy), MacroRecall: round(m.MacroRecall),
		MacroF1: round(m.MacroF1), Recall: map[string]float64{}, TrainSeconds: round(trainSecs),
		PredictSeconds: round(predictSecs), ModelBytes: len(blob),
	}
	for l, r := range m.Recall {
		sum.Recall[string(l)] = round(r)
		fmt.Fprintf(stdout, "  %-8s recall %.4f (n=%d)\n", l, r, m.Support[l])
	}
	return printJSONLine(stdout, sum)
}

func readSentimentFile(path string, f sentiment.Format) ([]sentiment.Example, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	ex, err := sentiment.Read(file, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ex, nil
}

// badInput reports an unreadable data file and makes the exit status 2.
func badInput(stderr io.Writer, err error) error {
	fmt.Fprintf(stderr, "lingxi sentiment eval: %v\n", err)
	return errUsage
}
