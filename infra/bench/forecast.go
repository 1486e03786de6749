package main

// Forecasting (issue 11): 30-minute call volumes of the two public bank datasets, ours
// (`lingxi forecast eval`) against R's forecast package (stlm-ETS, stlm-ARIMA, TBATS), prophet
// and two simple baselines (peers.R), on rolling origins inside the training files; and our
// Erlang C/A (`lingxi staffing erlang`) against an independent implementation in R (erlang.R)
// and a published example.
//
// Every system reads the same split files. The peers write their forecasts as CSV and this file
// scores them (fcScore) with the code `lingxi forecast eval` scores ours with
// (shared/forecast/bankdata.Evaluate), the peers' protocol: 30-minute
// intervals; the US bank on weekdays 07:00–21:00 (28 half-hours, the partial 21:00–21:05 slot
// dropped, days absent from the test file not scored); the Israeli bank on all 48 half-hours of
// every day; WAPE = 100·Σ|F−A|/ΣA; MAPE and attainment (|F−A| ≤ 10%·A) over intervals with
// A ≥ 10; daily WAPE the WAPE of the scored days' sums.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecast/bankdata"
)

// forecastHeading starts the forecasting section of BENCH.md.
const forecastHeading = "## Forecasting and staffing: bank call volumes vs R forecast/prophet, Erlang C/A vs a reference"

// fcPlan is what the forecast part runs.
type fcPlan struct {
	banks   []string        // "us", "il"
	peers   []string        // peers.R peers, one-shot
	rolling map[string]bool // the peers also run rolling-daily
	origins int             // rolling origins inside each training file, 6 weeks apart
	parts   map[string]bool // "accuracy", "erlang"
	schemes []string        // "one-shot", "rolling-daily"
}

// fcTestDays is the length of each origin's test period: the last six weeks.
const fcTestDays = 42

// fcBank is one of the two datasets.
type fcBank struct {
	key, title, file string
}

var fcBanks = []fcBank{
	{"us", "US bank 2003 (5-minute counts, weekdays 07:00–21:05)", "callcenter_us_bank_2003/train.csv"},
	{"il", "Israeli bank 1999 (6-minute counts, every day, 24 h)", "callcenter_anonymous_bank_1999/train.csv"},
}

var fcPeerNotes = map[string]string{
	"lingxi":     "ours: `lingxi forecast eval` (shared/forecast: model choice and ensemble weights by rolling-origin backtest on the training part)",
	"snaive":     "seasonal naive: the same half-hour of the same weekday one week earlier (peers.R)",
	"wmean4":     "weekday × half-hour mean of the last 4 weeks (peers.R)",
	"stlm_ets":   "R forecast `stlm(msts(y, c(day, week)), method = \"ets\")`: MSTL decomposition, ETS on the seasonally adjusted series (US periods 28 and 140 half-hours over the open window, Israel 48 and 336)",
	"stlm_arima": "R forecast `stlm(..., method = \"arima\")`: MSTL, then auto.arima on the adjusted series",
	"tbats":      "R forecast `tbats(msts(y, c(day, week)), use.parallel = FALSE)`",
	"prophet":    "R prophet `prophet(daily.seasonality = TRUE, weekly.seasonality = TRUE, yearly.seasonality = FALSE)` on the observed intervals",
}

// fcMetrics is one system's figures on one split and scheme, in percent.
type fcMetrics struct {
	WAPE       float64 `json:"wape"`
	MAPE       float64 `json:"mape"`
	Attainment float64 `json:"attainment"`
	DailyWAPE  float64 `json:"daily_wape"`
	Intervals  int     `json:"intervals"`
	FitSeconds float64 `json:"fit_seconds"`
	Model      string  `json:"model"`
	Fits       int     `json:"fits"`
	// Coverage80 and Coverage95 are the shares of scored intervals whose actual lies inside the
	// 80% and 95% prediction intervals; nil for a system without intervals.
	Coverage80 *float64 `json:"coverage_80"`
	Coverage95 *float64 `json:"coverage_95"`
}

// fcSplit is one origin's train and test files.
type fcSplit struct {
	origin              int
	train, test         string
	trainFrom, trainTo  string
	testFrom, testTo    string
	trainDays, testDays int
	trainRows, testRows int
}

// fcRun is a system's result on one bank, scheme and origin.
type fcRun struct {
	bank, scheme, system string
	origin               int
	m                    fcMetrics
}

// runForecastBench runs the forecasting part and returns its section of BENCH.md.
func runForecastBench(ctx context.Context, cfg config, work, lingxi string) (string, error) {
	plan := cfg.forecast
	var b strings.Builder
	b.WriteString(forecastHeading + "\n\n")
	// Each part ends with its own run line: a run of one part (-forecast-parts) replaces only its
	// part of the section (mergeParts).
	runLine := func(started time.Time) {
		fmt.Fprintf(&b, "Run: `go run ./infra/bench %s`, %s–%s; %s; %s.\n\n", strings.Join(os.Args[1:], " "),
			started.UTC().Format("2006-01-02 15:04"), time.Now().UTC().Format("15:04 UTC"),
			cmdVersion("Rscript", "-e", `cat(R.version.string, "; forecast ", format(packageVersion("forecast")), "; prophet ", format(packageVersion("prophet")), sep = "")`),
			cpuModel())
	}
	if plan.parts["accuracy"] {
		started := time.Now()
		if err := runForecastAccuracy(ctx, cfg, plan, work, lingxi, &b); err != nil {
			return "", err
		}
		runLine(started)
	}
	if plan.parts["erlang"] {
		started := time.Now()
		if err := runErlangCheck(ctx, cfg, work, lingxi, &b); err != nil {
			return "", err
		}
		runLine(started)
	}
	return b.String(), nil
}

func runForecastAccuracy(ctx context.Context, cfg config, plan fcPlan, work, lingxi string, b *strings.Builder) error {
	script := filepath.Join(cfg.repoRoot, "infra/bench/forecast/peers.R")
	var runs []fcRun
	splits := map[string][]fcSplit{}
	for _, key := range plan.banks {
		bank, ok := fcBankByKey(key)
		if !ok {
			return fmt.Errorf("unknown bank %q (us, il)", key)
		}
		for origin := 1; origin <= plan.origins; origin++ {
			dir := filepath.Join(work, fmt.Sprintf("forecast-%s-%d", key, origin))
			sp, err := writeBankSplit(filepath.Join(cfg.dataDir, bank.file), dir, origin)
			if err != nil {
				return fmt.Errorf("%s origin %d: %w", key, origin, err)
			}
			splits[key] = append(splits[key], sp)
			actual, err := readBankActuals(sp.test)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "== forecast %s origin %d: train %s..%s, test %s..%s\n", key, origin, sp.trainFrom, sp.trainTo, sp.testFrom, sp.testTo)
			if slices.Contains(plan.peers, "wmean4") {
				// The cross-check of the two scorings: ours restricted to its weekday × interval
				// means, the same method as the wmean4 peer.
				m, err := runOursForecast(ctx, lingxi, sp, "one-shot", "--models", "weekday_means")
				if err != nil {
					return fmt.Errorf("ours weekday_means %s origin %d: %w", key, origin, err)
				}
				logFc(key, "one-shot", fcCrossCheck, m)
				runs = append(runs, fcRun{key, "one-shot", fcCrossCheck, origin, m})
			}
			for _, scheme := range plan.schemes {
				m, err := runOursForecast(ctx, lingxi, sp, scheme)
				if err != nil {
					return fmt.Errorf("ours %s %s origin %d: %w", key, scheme, origin, err)
				}
				logFc(key, scheme, "lingxi", m)
				runs = append(runs, fcRun{key, scheme, "lingxi", origin, m})
				for _, peer := range plan.peers {
					if scheme == "rolling-daily" && !plan.rolling[peer] {
						continue
					}
					m, err := runPeerForecast(ctx, script, dir, sp, peer, scheme, actual)
					if err != nil {
						return fmt.Errorf("%s %s %s origin %d: %w", peer, key, scheme, origin, err)
					}
					logFc(key, scheme, peer, m)
					runs = append(runs, fcRun{key, scheme, peer, origin, m})
				}
			}
		}
	}
	renderForecast(b, plan, splits, runs)
	return nil
}

// fcCrossCheck names ours restricted to weekday_means in the runs.
const fcCrossCheck = "lingxi/weekday_means"

func logFc(bank, scheme, system string, m fcMetrics) {
	fmt.Fprintf(os.Stderr, "   %s %-13s %-10s WAPE %6.2f MAPE %6.2f att %5.1f daily %6.2f n %d fit %.1fs %s\n",
		bank, scheme, system, m.WAPE, m.MAPE, m.Attainment, m.DailyWAPE, m.Intervals, m.FitSeconds, m.Model)
}

func fcBankByKey(key string) (fcBank, bool) {
	for _, b := range fcBanks {
		if b.key == key {
			return b, true
		}
	}
	return fcBank{}, false
}

// writeBankSplit writes one origin of a training file as train.csv and test.csv in dir, rows as
// they are: origin 1 tests on the file's last fcTestDays calendar days, origin 2 on the
// fcTestDays before those, and so on; train is every day before the test.
func writeBankSplit(path, dir string, origin int) (fcSplit, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return fcSplit{}, err
	}
	header, rows, dateCol, err := bankRows(data)
	if err != nil {
		return fcSplit{}, fmt.Errorf("%s: %w", path, err)
	}
	last, err := time.Parse(time.DateOnly, rowField(rows[len(rows)-1], dateCol))
	if err != nil {
		return fcSplit{}, fmt.Errorf("%s: last row: %w", path, err)
	}
	testTo := last.AddDate(0, 0, -fcTestDays*(origin-1))
	testFrom := testTo.AddDate(0, 0, -(fcTestDays - 1))
	from, to := testFrom.Format(time.DateOnly), testTo.Format(time.DateOnly)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fcSplit{}, err
	}
	sp := fcSplit{origin: origin, train: filepath.Join(dir, "train.csv"), test: filepath.Join(dir, "test.csv")}
	var train, test bytes.Buffer
	train.WriteString(header + "\n")
	test.WriteString(header + "\n")
	trainDays, testDays := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		d := rowField(r, dateCol)
		switch {
		case d < from:
			train.WriteString(r + "\n")
			trainDays[d] = true
			sp.trainRows++
		case d <= to:
			test.WriteString(r + "\n")
			testDays[d] = true
			sp.testRows++
		}
	}
	if len(trainDays) < 14 || len(testDays) == 0 {
		return fcSplit{}, fmt.Errorf("origin %d leaves %d training and %d test days", origin, len(trainDays), len(testDays))
	}
	sp.trainFrom, sp.trainTo = minMaxKey(trainDays)
	sp.testFrom, sp.testTo = minMaxKey(testDays)
	sp.trainDays, sp.testDays = len(trainDays), len(testDays)
	if err := os.WriteFile(sp.train, train.Bytes(), 0o644); err != nil {
		return fcSplit{}, err
	}
	return sp, os.WriteFile(sp.test, test.Bytes(), 0o644)
}

func minMaxKey(m map[string]bool) (string, string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0], keys[len(keys)-1]
}

// bankRows splits a bank CSV into its header and data rows and finds the date column.
func bankRows(data []byte) (header string, rows []string, dateCol int, err error) {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), "\n")
	if len(lines) < 2 {
		return "", nil, 0, errors.New("no data rows")
	}
	switch lines[0] {
	case usHeader:
		dateCol = 1
	case ilHeader:
		dateCol = 0
	default:
		return "", nil, 0, fmt.Errorf("unknown header %q", lines[0])
	}
	return lines[0], lines[1:], dateCol, nil
}

func rowField(row string, i int) string {
	f := strings.Split(row, ",")
	if i < len(f) {
		return f[i]
	}
	return ""
}

const (
	usHeader = "datetime_local,date,interval_start,calls"
	ilHeader = "date,interval_index,interval_start,weekday,calls"
)

// readBankActuals reads a bank CSV file (shared/forecast/bankdata, as `lingxi forecast eval` does)
// into 30-minute actuals.
func readBankActuals(path string) (fcActual, error) {
	d, err := bankdata.ReadFile(path)
	if err != nil {
		return fcActual{}, err
	}
	s, err := d.Series.Aggregate(bankdata.ScoreStep)
	if err != nil {
		return fcActual{}, fmt.Errorf("%s: %w", path, err)
	}
	return fcActual{format: d.Format, series: s}, nil
}

// fcActual is a test file's actuals at bankdata.ScoreStep.
type fcActual struct {
	format bankdata.Format
	series forecast.Series
}

// fcPoint is one interval of a peer's forecast: the point and the 80% and 95% intervals (NaN
// when the peer has none).
type fcPoint struct {
	f, lo80, hi80, lo95, hi95 float64
}

// csvWithHeader reads a CSV's header, which must be header, and returns the reader for the rest,
// every row as many fields as the header, and the header's fields.
func csvWithHeader(r io.Reader, header string) (*csv.Reader, []string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = strings.Count(header, ",") + 1
	head, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	if strings.Join(head, ",") != header {
		return nil, nil, fmt.Errorf("header %q", strings.Join(head, ","))
	}
	return cr, head, nil
}

// parseForecastCSV reads peers.R's `interval_start,forecast,lo80,hi80,lo95,hi95` output.
func parseForecastCSV(r io.Reader) (map[time.Time]fcPoint, error) {
	cr, head, err := csvWithHeader(r, "interval_start,forecast,lo80,hi80,lo95,hi95")
	if err != nil {
		return nil, err
	}
	out := map[time.Time]fcPoint{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		at, err := time.Parse("2006-01-02T15:04:05", rec[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		var v [5]float64
		for i, f := range rec[1:] {
			if f == "NA" && i > 0 {
				v[i] = math.NaN()
				continue
			}
			v[i], err = strconv.ParseFloat(f, 64)
			if err != nil || math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
				return nil, fmt.Errorf("line %d: %s %q", line, head[i+1], f)
			}
		}
		if _, dup := out[at]; dup {
			return nil, fmt.Errorf("line %d: %s twice", line, rec[0])
		}
		out[at] = fcPoint{v[0], v[1], v[2], v[3], v[4]}
	}
}

// fcScore scores a peer's forecasts with bankdata.Evaluate, the scorer of `lingxi forecast eval`;
// every interval the protocol scores must have a forecast.
// The intervals' coverage is counted over the same scored intervals, as `lingxi forecast eval`
// counts ours.
func fcScore(actual fcActual, fc map[time.Time]fcPoint) (fcMetrics, error) {
	s := actual.series
	f := forecast.Forecast{Start: s.Start, Step: s.Step, Point: make([]float64, len(s.Values))}
	scored := bankdata.Scored(actual.format, s)
	want, in80, in95, banded := 0, 0, 0, 0
	for i := range f.Point {
		p, ok := fc[s.Time(i)]
		if !ok {
			p.f = math.NaN()
		}
		f.Point[i] = p.f
		a := scored.Values[i]
		if math.IsNaN(a) {
			continue
		}
		want++
		if !ok {
			return fcMetrics{}, fmt.Errorf("no forecast for %s", s.Time(i).Format("2006-01-02 15:04"))
		}
		if math.IsNaN(p.lo80) || math.IsNaN(p.hi80) || math.IsNaN(p.lo95) || math.IsNaN(p.hi95) {
			continue
		}
		banded++
		if a >= p.lo80 && a <= p.hi80 {
			in80++
		}
		if a >= p.lo95 && a <= p.hi95 {
			in95++
		}
	}
	m := bankdata.Evaluate(actual.format, f, s)
	if m.Intervals != want || want == 0 {
		return fcMetrics{}, fmt.Errorf("%d intervals scored of %d", m.Intervals, want)
	}
	out := fcMetrics{WAPE: m.WAPE, MAPE: m.MAPE, Attainment: m.Attainment, DailyWAPE: m.DailyWAPE, Intervals: m.Intervals}
	if banded == want {
		c80, c95 := 100*float64(in80)/float64(want), 100*float64(in95)/float64(want)
		out.Coverage80, out.Coverage95 = &c80, &c95
	}
	return out, nil
}

// runOursForecast runs `lingxi forecast eval` on a split.
func runOursForecast(ctx context.Context, lingxi string, sp fcSplit, scheme string, extra ...string) (fcMetrics, error) {
	args := append([]string{"forecast", "eval", "--train", sp.train, "--test", sp.test, "--interval", "30m", "--scheme", scheme}, extra...)
	start := time.Now()
	stdout, err := runTail(ctx, 5, lingxi, args...)
	if err != nil {
		return fcMetrics{}, err
	}
	wall := time.Since(start).Seconds()
	m, err := parseEvalLine(stdout)
	if err != nil {
		return fcMetrics{}, err
	}
	if m.FitSeconds == 0 {
		m.FitSeconds = wall
	}
	if m.Model == "" {
		m.Model = "lingxi"
	}
	return m, nil
}

// parseEvalLine reads the last JSON line of `lingxi forecast eval` or peers.R.
func parseEvalLine(out string) (fcMetrics, error) {
	var m fcMetrics
	last, err := decodeLastLine(out, &m)
	if err != nil {
		return fcMetrics{}, err
	}
	for _, v := range []float64{m.WAPE, m.MAPE, m.Attainment, m.DailyWAPE, m.FitSeconds} {
		if math.IsNaN(v) || v < 0 {
			return fcMetrics{}, fmt.Errorf("last line %q: a negative figure", last)
		}
	}
	return m, nil
}

// runPeerForecast runs one peer of peers.R on a split and scores its forecasts.
func runPeerForecast(ctx context.Context, script, dir string, sp fcSplit, peer, scheme string, actual fcActual) (fcMetrics, error) {
	out := filepath.Join(dir, peer+"-"+scheme+".csv")
	stdout, err := runTail(ctx, 5, "Rscript", script, "--train", sp.train, "--test", sp.test, "--peer", peer, "--scheme", scheme, "--out", out)
	if err != nil {
		return fcMetrics{}, err
	}
	info, err := parseEvalLine(stdout)
	if err != nil {
		return fcMetrics{}, err
	}
	f, err := os.Open(out)
	if err != nil {
		return fcMetrics{}, err
	}
	defer f.Close()
	fc, err := parseForecastCSV(bufio.NewReader(f))
	if err != nil {
		return fcMetrics{}, fmt.Errorf("%s: %w", out, err)
	}
	m, err := fcScore(actual, fc)
	if err != nil {
		return fcMetrics{}, err
	}
	m.FitSeconds, m.Fits, m.Model = info.FitSeconds, info.Fits, peer
	return m, nil
}

// runTail runs a command and returns its standard output; when it fails, the error ends with
// the last tail lines of its standard error.
func runTail(ctx context.Context, tail int, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s", err, lastLines(stderr.String(), tail))
	}
	return stdout.String(), nil
}

// decodeLastLine decodes the last line of a command's output into v and returns that line.
func decodeLastLine(out string, v any) (string, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if err := json.Unmarshal([]byte(last), v); err != nil {
		return last, fmt.Errorf("last line %q: %w", last, err)
	}
	return last, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// fcAgg is the mean over origins of one system's figures.
type fcAgg struct {
	m            fcMetrics
	byOrig       []float64 // WAPE per origin
	origins      int
	cov80, cov95 float64 // sums over the origins with intervals
	banded       int     // origins with intervals
}

// coverage is "80% / 95%" band coverage, or "—" unless every origin had intervals.
func (a fcAgg) coverage() string {
	if a.banded == 0 || a.banded != a.origins {
		return "—"
	}
	return fmt.Sprintf("%.1f / %.1f", a.cov80/float64(a.banded), a.cov95/float64(a.banded))
}

func aggregateRuns(runs []fcRun, bank, scheme, system string) (fcAgg, bool) {
	var a fcAgg
	for _, r := range runs {
		if r.bank != bank || r.scheme != scheme || r.system != system {
			continue
		}
		a.origins++
		a.m.WAPE += r.m.WAPE
		a.m.MAPE += r.m.MAPE
		a.m.Attainment += r.m.Attainment
		a.m.DailyWAPE += r.m.DailyWAPE
		a.m.FitSeconds += r.m.FitSeconds
		a.m.Intervals += r.m.Intervals
		a.byOrig = append(a.byOrig, r.m.WAPE)
		if r.m.Coverage80 != nil && r.m.Coverage95 != nil {
			a.cov80 += *r.m.Coverage80
			a.cov95 += *r.m.Coverage95
			a.banded++
		}
		if a.m.Model == "" || a.m.Model == r.m.Model {
			a.m.Model = r.m.Model
		} else if !strings.Contains(a.m.Model, r.m.Model) {
			a.m.Model += ", " + r.m.Model
		}
	}
	if a.origins == 0 {
		return a, false
	}
	k := float64(a.origins)
	a.m.WAPE /= k
	a.m.MAPE /= k
	a.m.Attainment /= k
	a.m.DailyWAPE /= k
	a.m.FitSeconds /= k
	return a, true
}

var fcGoals = map[string]string{
	"us": "The issue's goal, on the official split (the held-back last six weeks, not used here): WAPE ≤ 4.0% one-shot (best peer there: stlm-ETS 5.49%).",
	"il": "The issue's goal, on the official split (the held-back last six weeks, not used here): WAPE ≤ 18% one-shot (best peer there: the weekday × interval 4-week mean, 20.3%).",
}

func renderForecast(b *strings.Builder, plan fcPlan, splits map[string][]fcSplit, runs []fcRun) {
	b.WriteString("### Forecast accuracy on rolling origins inside the training files\n\n")
	fmt.Fprintf(b, "Only the training files are used (the official test weeks stay held back). Origin k tests on the %d calendar days that end %d×(k−1) days before the file's last day and trains on every day before them; %d origin(s) per bank. Every system reads the same two CSV files per origin. `one-shot`: fit once on the training file, forecast the whole test period. `rolling-daily`: each test day is forecast from a fit on all days before it (the earlier test days included). ", fcTestDays, fcTestDays, plan.origins)
	b.WriteString("Ours is scored by `lingxi forecast eval`; the peers write their forecasts as CSV and the harness scores them by the same protocol (30-minute intervals; US weekdays 07:00–21:00, 28 half-hours, days absent from the file not scored; Israel all 48 half-hours; WAPE = 100·Σ|F−A|/ΣA; MAPE and attainment, the share of intervals within ±10%, over intervals with A ≥ 10; daily WAPE on the scored days' sums; interval coverage, the share of scored intervals whose actual lies inside the 80% and 95% prediction intervals, for the systems that give intervals). Figures are means over the origins, in percent; fit s is the wall-clock time of fitting and forecasting per origin (for rolling-daily, all the day's refits summed; peers: inside R, without R's start-up; ours: as `lingxi forecast eval` reports it). WAPE ratio = ours / the peer (below 1: ours is better).\n\n")
	for _, key := range plan.banks {
		bank, _ := fcBankByKey(key)
		fmt.Fprintf(b, "#### %s\n\n", bank.title)
		for _, sp := range splits[key] {
			fmt.Fprintf(b, "- origin %d: train %s … %s (%d days), test %s … %s (%d days in the file)\n", sp.origin, sp.trainFrom, sp.trainTo, sp.trainDays, sp.testFrom, sp.testTo, sp.testDays)
		}
		b.WriteString("\n| scheme | system | WAPE | MAPE | attainment | daily WAPE | 80% / 95% interval coverage | fit s | WAPE per origin | WAPE ratio ours/peer |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, scheme := range plan.schemes {
			ours, hasOurs := aggregateRuns(runs, key, scheme, "lingxi")
			for _, sys := range append([]string{"lingxi"}, plan.peers...) {
				a, ok := aggregateRuns(runs, key, scheme, sys)
				if !ok {
					continue
				}
				var per []string
				for _, w := range a.byOrig {
					per = append(per, fmt.Sprintf("%.2f", w))
				}
				ratio := "—"
				if sys != "lingxi" && hasOurs && a.m.WAPE > 0 {
					ratio = fmt.Sprintf("%.3f", ours.m.WAPE/a.m.WAPE)
				}
				name := sys
				if sys == "lingxi" {
					name = "**lingxi** (" + a.m.Model + ")"
				}
				fmt.Fprintf(b, "| %s | %s | %.2f | %.2f | %.1f | %.2f | %s | %.2f | %s | %s |\n", scheme, name, a.m.WAPE, a.m.MAPE, a.m.Attainment, a.m.DailyWAPE, a.coverage(), a.m.FitSeconds, strings.Join(per, ", "), ratio)
			}
		}
		var oneShotOnly []string
		for _, p := range plan.peers {
			if !plan.rolling[p] && slices.Contains(plan.schemes, "rolling-daily") {
				oneShotOnly = append(oneShotOnly, p)
			}
		}
		if len(oneShotOnly) > 0 {
			fmt.Fprintf(b, "\nRun one-shot only (too slow to refit every test day): %s.\n", strings.Join(oneShotOnly, ", "))
		}
		if x, ok := aggregateRuns(runs, key, "one-shot", fcCrossCheck); ok {
			if p, ok := aggregateRuns(runs, key, "one-shot", "wmean4"); ok {
				fmt.Fprintf(b, "\nScoring cross-check: ours restricted to its weekday × half-hour means (`--models weekday_means`, one-shot), scored inside `lingxi forecast eval`, against the wmean4 peer scored here: WAPE %.3f vs %.3f, MAPE %.3f vs %.3f, attainment %.2f vs %.2f, daily WAPE %.3f vs %.3f (both average the same weekday and half-hour over the last four weeks; ours first replaces the anomalies it finds, so a difference can come from that, not from the scoring).\n",
					x.m.WAPE, p.m.WAPE, x.m.MAPE, p.m.MAPE, x.m.Attainment, p.m.Attainment, x.m.DailyWAPE, p.m.DailyWAPE)
			}
		}
		fmt.Fprintf(b, "\n%s\n\n", fcGoals[key])
	}
	b.WriteString("Systems:\n\n")
	for _, sys := range append([]string{"lingxi"}, plan.peers...) {
		if n, ok := fcPeerNotes[sys]; ok {
			fmt.Fprintf(b, "- `%s`: %s\n", sys, n)
		}
	}
	b.WriteString("\nInterval coverage above the nominal level means intervals wider than they need be (a one-shot ETS or TBATS interval widens over the six-week horizon). The peers lay the days on a grid (US Monday–Friday, Israel every day); a day absent from the files is filled by `forecast::na.interp` for the peers that need a complete series (prophet skips it); forecasts below 0 are set to 0. Script: `infra/bench/forecast/peers.R`.\n\n")
}
