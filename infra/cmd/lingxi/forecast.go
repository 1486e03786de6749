package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecast/bankdata"
)

// forecastSummary is the JSON line `forecast eval` prints last; the metrics are percent.
type forecastSummary struct {
	WAPE       float64 `json:"wape"`
	MAPE       float64 `json:"mape"`
	Attainment float64 `json:"attainment"`
	DailyWAPE  float64 `json:"daily_wape"`
	Deviation  float64 `json:"deviation"`
	Intervals  int     `json:"intervals"`
	FitSeconds float64 `json:"fit_seconds"`
	Model      string  `json:"model"`
	Coverage80 float64 `json:"coverage_80"` // share of scored intervals inside the 80% band
	Coverage95 float64 `json:"coverage_95"`
	Scheme     string  `json:"scheme"`
	Window     string  `json:"window"`
}

func forecastEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi forecast eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	trainPath := fs.String("train", "", "training CSV (either bank format)")
	testPath := fs.String("test", "", "test CSV (the same format), the period to forecast and score")
	interval := fs.Duration("interval", 30*time.Minute, "forecast and scoring interval (a multiple of the data's step)")
	scheme := fs.String("scheme", "one-shot", "one-shot: fit on --train, forecast the whole test period; rolling-daily: re-fit before each test day on every day before it")
	modelList := fs.String("models", "", "comma-separated baseline models (default all: "+strings.Join(forecast.ModelNames(), ",")+")")
	window := fs.String("window", "auto", "scoring window and opening hours: US, IL or auto (from the file's format)")
	origins := fs.Int("origins", 0, "rolling-origin backtest origins (0: the default)")
	verbose := fs.Bool("v", false, "print each test day's forecast and actual totals on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trainPath == "" || *testPath == "" || fs.NArg() > 0 || (*scheme != "one-shot" && *scheme != "rolling-daily") {
		fs.Usage()
		return errUsage
	}
	train, err := bankdata.ReadFile(*trainPath)
	if err != nil {
		return err
	}
	test, err := bankdata.ReadFile(*testPath)
	if err != nil {
		return err
	}
	if train.Format != test.Format {
		return fmt.Errorf("--train is the %s format, --test the %s one", train.Format, test.Format)
	}
	format := train.Format
	switch *window {
	case "auto":
	case string(bankdata.US), string(bankdata.IL):
		format = bankdata.Format(*window)
	default:
		fs.Usage()
		return errUsage
	}
	trainS, err := train.Series.Aggregate(*interval)
	if err != nil {
		return fmt.Errorf("--interval: %w", err)
	}
	testS, err := test.Series.Aggregate(*interval)
	if err != nil {
		return fmt.Errorf("--interval: %w", err)
	}
	if testS.Start.Before(trainS.End()) {
		return fmt.Errorf("the test period starts %s, before the training data ends (%s)", testS.Start.Format(time.DateOnly), trainS.End().Format(time.DateOnly))
	}
	opt := forecast.Options{Open: bankdata.Open(format, *interval), Origins: *origins}
	if *modelList != "" {
		opt.Models = strings.Split(*modelList, ",")
	}
	all := joinSeries(trainS, testS)
	horizon := all.Index(testS.End()) - len(trainS.Values)
	fmt.Fprintf(stderr, "%s bank: %d training days, %d test days at %v, scheme %s\n", format,
		len(trainS.Values)*int(*interval)/int(24*time.Hour), len(testS.Values)*int(*interval)/int(24*time.Hour), *interval, *scheme)

	var fc forecast.Forecast
	var fit time.Duration
	modelUse := map[string]int{}
	switch *scheme {
	case "one-shot":
		t0 := time.Now()
		fc, err = forecast.Predict(ctx, trainS, horizon, opt)
		fit = time.Since(t0)
		if err != nil {
			return err
		}
		modelUse[fc.Model]++
		fmt.Fprintf(stderr, "model %s, weights %v, backtest WAPE %v\n", fc.Model, fc.Weights, fc.Backtest)
	case "rolling-daily":
		perDay := int(24 * time.Hour / *interval)
		fc = forecast.Forecast{Start: trainS.End(), Step: *interval, Point: make([]float64, horizon)}
		for _, l := range []float64{0.8, 0.95} {
			fc.Bands = append(fc.Bands, forecast.Band{Level: l, Lower: make([]float64, horizon), Upper: make([]float64, horizon)})
		}
		for off := 0; off < horizon; off += perDay {
			n := len(trainS.Values) + off
			if !anyObserved(all.Values[n:min(n+perDay, len(all.Values))]) {
				continue // a day absent from the test file is not scored
			}
			hist := forecast.Series{Start: all.Start, Step: all.Step, Values: all.Values[:n]}
			t0 := time.Now()
			day, err := forecast.Predict(ctx, hist, min(perDay, horizon-off), opt)
			fit += time.Since(t0)
			if err != nil {
				return fmt.Errorf("day %s: %w", hist.End().Format(time.DateOnly), err)
			}
			copy(fc.Point[off:], day.Point)
			for b := range fc.Bands {
				copy(fc.Bands[b].Lower[off:], day.Bands[b].Lower)
				copy(fc.Bands[b].Upper[off:], day.Bands[b].Upper)
			}
			modelUse[day.Model]++
			fmt.Fprintf(stderr, "  %s %s %v\n", hist.End().Format("2006-01-02 Mon"), day.Model, day.Weights)
		}
	}
	met := bankdata.Evaluate(format, fc, all)
	if *verbose {
		printDays(stderr, format, fc, all)
	}
	best, bestN := "", 0
	for m, n := range modelUse {
		if n > bestN || (n == bestN && m < best) {
			best, bestN = m, n
		}
	}
	cov := coverage(format, fc, all)
	sum := forecastSummary{
		Coverage80: roundTo(cov[0], 3), Coverage95: roundTo(cov[1], 3),
		WAPE: roundTo(met.WAPE, 3), MAPE: roundTo(met.MAPE, 3), Attainment: roundTo(met.Attainment, 3), DailyWAPE: roundTo(met.DailyWAPE, 3),
		Deviation: roundTo(met.Deviation, 3), Intervals: met.Intervals, FitSeconds: roundTo(fit.Seconds(), 3), Model: best,
		Scheme: *scheme, Window: string(format),
	}
	return printJSONLine(stdout, sum)
}

// coverage is the percentage of scored intervals whose actual lies inside each band.
func coverage(format bankdata.Format, fc forecast.Forecast, all forecast.Series) []float64 {
	scored := bankdata.Scored(format, all)
	out := make([]float64, len(fc.Bands))
	for b, band := range fc.Bands {
		in, n := 0, 0
		for i := range fc.Point {
			j := scored.Index(fc.Start.Add(time.Duration(i) * fc.Step))
			if j < 0 || j >= len(scored.Values) || math.IsNaN(scored.Values[j]) {
				continue
			}
			n++
			if a := scored.Values[j]; a >= band.Lower[i] && a <= band.Upper[i] {
				in++
			}
		}
		if n > 0 {
			out[b] = 100 * float64(in) / float64(n)
		}
	}
	return out
}

// joinSeries lays a and b (same step, b after a) on one series, NaN between them.
func joinSeries(a, b forecast.Series) forecast.Series {
	out := forecast.Series{Start: a.Start, Step: a.Step, Values: append([]float64(nil), a.Values...)}
	for len(out.Values) < a.Index(b.Start) {
		out.Values = append(out.Values, math.NaN())
	}
	out.Values = append(out.Values, b.Values...)
	return out
}

func anyObserved(v []float64) bool {
	for _, x := range v {
		if !math.IsNaN(x) {
			return true
		}
	}
	return false
}

// printDays prints each scored day's forecast and actual totals.
func printDays(w io.Writer, format bankdata.Format, fc forecast.Forecast, all forecast.Series) {
	scored := bankdata.Scored(format, all)
	perDay := int(24 * time.Hour / fc.Step)
	for off := 0; off < len(fc.Point); off += perDay {
		f, a := 0.0, 0.0
		for i := off; i < min(off+perDay, len(fc.Point)); i++ {
			j := scored.Index(fc.Start.Add(time.Duration(i) * fc.Step))
			if j >= 0 && j < len(scored.Values) && !math.IsNaN(scored.Values[j]) {
				f += fc.Point[i]
				a += scored.Values[j]
			}
		}
		if a > 0 {
			day := fc.Start.Add(time.Duration(off) * fc.Step)
			fmt.Fprintf(w, "  %s forecast %8.0f actual %8.0f  %+6.1f%%\n", day.Format("2006-01-02 Mon"), f, a, 100*(f-a)/a)
		}
	}
}
