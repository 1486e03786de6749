// Command tune cross-validates NLU training options on a training file, to
// choose the defaults of shared/nlu by measurement on training data only.
//
//	go run ./infra/bench/tune -data FILE -folds 5 -runs 2 -c 0.5,1
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/nlu/dataset"
)

func main() {
	data := flag.String("data", "", "training file (CSV or CLINC150 JSON)")
	folds := flag.Int("folds", 5, "stratified folds")
	runs := flag.Int("runs", 2, "folds actually evaluated")
	cs := flag.String("c", "2", "comma-separated SVM costs")
	calib := flag.Int("calib", 1, "calibration folds (1 = none, raw top-1)")
	balance := flag.Bool("balance", false, "class-balanced weights")
	minDF := flag.Int("mindf", 1, "minimum document frequency")
	charMin := flag.Int("charmin", 2, "shortest char n-gram (0 = none)")
	charMax := flag.Int("charmax", 5, "longest char n-gram")
	charW := flag.Float64("charw", 1, "char group weight")
	bigrams := flag.Bool("bigrams", true, "word bigrams")
	skip := flag.Int("skip", 0, "skip-bigram window")
	eps := flag.Float64("eps", 0.1, "solver tolerance")
	lrw := flag.Float64("lrw", 0, "logistic regression weight")
	mw := flag.Float64("mw", 0, "mlp weight (0 = chosen on held-out)")
	mh := flag.Int("mh", 128, "mlp hidden")
	me := flag.Int("me", 15, "mlp epochs")
	mr := flag.Float64("mr", 0.03, "mlp rate")
	md := flag.Float64("md", 0, "mlp input dropout")
	lre := flag.Int("lre", 10, "logistic regression epochs")
	lrr := flag.Float64("lrr", 1, "logistic regression rate")
	maxIter := flag.Int("maxiter", 50, "solver epochs")
	dump := flag.String("dump", "", "write the folds as trainN.csv/testN.csv into this directory and exit")
	flag.Parse()

	set, err := dataset.Load(*data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	all := append(set.Examples(dataset.RoleTrain), set.Examples(dataset.RoleCalibration)...)
	labels := make([]string, len(all))
	for i, ex := range all {
		labels[i] = ex.Intent
	}
	fold := nlu.StratifiedFolds(labels, *folds, 1)
	if *dump != "" {
		for f := range *folds {
			var tr, te []nlu.Example
			for i, ex := range all {
				if fold[i] == f {
					te = append(te, ex)
				} else {
					tr = append(tr, ex)
				}
			}
			for name, ex := range map[string][]nlu.Example{"train": tr, "test": te} {
				out, err := os.Create(fmt.Sprintf("%s/%s%d.csv", *dump, name, f))
				if err == nil {
					err = dataset.WriteCSV(out, ex)
					out.Close()
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
			}
		}
		return
	}
	for _, cstr := range strings.Split(*cs, ",") {
		c, _ := strconv.ParseFloat(cstr, 64)
		opts := nlu.Options{MLPWeight: *mw, MLPHidden: *mh, MLPEpochs: *me, MLPRate: *mr, MLPDropout: *md, C: c, LogRegWeight: *lrw, LogRegEpochs: *lre, LogRegRate: *lrr, Epsilon: *eps, MaxIter: *maxIter, BalanceClasses: *balance, MinDF: *minDF, CalibrationFolds: *calib,
			Features: nlu.FeatureConfig{WordBigrams: *bigrams, CharMin: *charMin, CharMax: *charMax, CJKMax: 3, CharWeight: *charW, SkipWindow: *skip}}
		var acc, inAcc, oosR, secs float64
		for f := range *runs {
			var tr, te []nlu.Example
			for i, ex := range all {
				if fold[i] == f {
					te = append(te, ex)
				} else {
					tr = append(tr, ex)
				}
			}
			t0 := time.Now()
			m, err := nlu.Train(tr, opts)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			secs += time.Since(t0).Seconds()
			r := nlu.Evaluate(m, te)
			acc += r.Accuracy
			inAcc += r.InScopeAccuracy
			oosR += r.OOSRecall
		}
		n := float64(*runs)
		fmt.Printf("C=%-6g acc=%.4f in=%.4f oosR=%.3f train=%.1fs\n", c, acc/n, inAcc/n, oosR/n, secs/n)
	}
}
