package forecast

import (
	"context"
	"math"
	"time"
)

// A baseline model fits a cleaned training matrix (its rows are the complete days before the
// forecast) and returns hd more rows: the days that follow, every slot filled (closed slots are
// zeroed by Predict afterwards).
type model struct {
	name string
	fit  func(ctx context.Context, x *matrix, hd int) [][]float64
	core bool // a structured model (level, calendar, profile) the ensemble averages with equal weights
}

// Model names, as in Forecast.Weights and Forecast.Backtest.
const (
	ModelSeasonalNaive = "seasonal_naive"
	ModelWeekdayMeans  = "weekday_means"
	ModelETS           = "ets"
	ModelRegression    = "regression"
	ModelEnsemble      = "ensemble"
)

// models is every baseline model, in the order ties are broken.
var models = []model{
	{ModelRegression, fitRegression, true},
	{ModelETS, fitETS, true},
	{ModelWeekdayMeans, fitWeekdayMeans, false},
	{ModelSeasonalNaive, fitSeasonalNaive, false},
}

// ModelNames lists the baseline models Options.Models may name.
func ModelNames() []string {
	out := make([]string, len(models))
	for i, m := range models {
		out[i] = m.name
	}
	return out
}

// daysOf lists the rows of weekday w that hold any value, newest first.
func daysOf(x *matrix, w time.Weekday) []int {
	var out []int
	for d := len(x.rows) - 1; d >= 0; d-- {
		if x.weekday(d) == w && observed(x.rows[d]) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// observedDays lists the rows that hold any value, newest first.
func observedDays(x *matrix) []int {
	var out []int
	for d := len(x.rows) - 1; d >= 0; d-- {
		if observed(x.rows[d]) > 0 {
			out = append(out, d)
		}
	}
	return out
}

func observed(row []float64) int {
	n := 0
	for _, v := range row {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// slotMeans is the mean of each slot over the given rows, NaN where none has a value.
func slotMeans(x *matrix, days []int) []float64 {
	out := make([]float64, x.slots)
	for p := range out {
		sum, n := 0.0, 0
		for _, d := range days {
			if v := x.rows[d][p]; !math.IsNaN(v) {
				sum += v
				n++
			}
		}
		out[p] = math.NaN()
		if n > 0 {
			out[p] = sum / float64(n)
		}
	}
	return out
}

// fillFrom replaces NaN entries of row by fallback's (and by 0 where both are missing).
func fillFrom(row, fallback []float64) {
	for p, v := range row {
		if math.IsNaN(v) {
			row[p] = 0
			if fallback != nil && !math.IsNaN(fallback[p]) {
				row[p] = fallback[p]
			}
		}
	}
}

// weekdayMeansWeeks is how many recent weeks weekday_means averages.
const weekdayMeansWeeks = 4

// fitWeekdayMeans: each weekday×slot is the mean of that weekday's last four observed days at the
// slot (holidays, event windows and anomalies are already out of the training matrix). A weekday
// never observed gets the mean of the last four weeks' days of any weekday.
func fitWeekdayMeans(_ context.Context, x *matrix, hd int) [][]float64 {
	all := observedDays(x)
	fallback := slotMeans(x, all[:min(len(all), 7*weekdayMeansWeeks)])
	var byDay [7][]float64
	for w := range byDay {
		days := daysOf(x, time.Weekday(w))
		byDay[w] = slotMeans(x, days[:min(len(days), weekdayMeansWeeks)])
		fillFrom(byDay[w], slotMeans(x, days))
		fillFrom(byDay[w], fallback)
	}
	out := make([][]float64, hd)
	for h := range out {
		out[h] = append([]float64(nil), byDay[weekdayOf(x.day0+len(x.rows)+h)]...)
	}
	return out
}

// fitSeasonalNaive: each slot repeats the same weekday's last observed value at that slot (the
// week before, or further back where that is missing); a weekday never observed repeats the last
// observed day.
func fitSeasonalNaive(_ context.Context, x *matrix, hd int) [][]float64 {
	all := observedDays(x)
	var last []float64
	if len(all) > 0 {
		last = nanRow(x.slots)
		for p := range last {
			for _, d := range all {
				if v := x.rows[d][p]; !math.IsNaN(v) {
					last[p] = v
					break
				}
			}
		}
	}
	var byDay [7][]float64
	for w := range byDay {
		byDay[w] = nanRow(x.slots)
		days := daysOf(x, time.Weekday(w))
		for p := range byDay[w] {
			for _, d := range days {
				if v := x.rows[d][p]; !math.IsNaN(v) {
					byDay[w][p] = v
					break
				}
			}
		}
		fillFrom(byDay[w], last)
	}
	out := make([][]float64, hd)
	for h := range out {
		out[h] = append([]float64(nil), byDay[weekdayOf(x.day0+len(x.rows)+h)]...)
	}
	return out
}
