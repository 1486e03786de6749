package forecast

import (
	"context"
	"math"
)

// fitETS: exponential smoothing with weekly and intraday seasonality, in two layers. The daily
// totals (dailyTotals), divided by their calendar factors (the month-position and after-closure
// effects the regression model estimates, see calendarRegression), follow a damped-trend Holt–Winters model with multiplicative weekday
// factors, run over calendar days (a day without data, e.g. a weekend the centre is closed or a
// holiday, updates nothing but the trend's damping); its smoothing parameters are the grid point
// with the least sum of squared one- to seven-day-ahead errors over the history. The forecast
// totals get their calendar factors back and are spread over the weekday's intraday profile
// (shapes).
func fitETS(ctx context.Context, x *matrix, hd int) [][]float64 {
	s := shapes(x)
	tot := dailyTotals(x, s)
	_, adj := calendarRegression(ctx, x, tot, hd)
	if adj != nil {
		for d := range tot {
			tot[d] /= adj[d]
		}
	}
	out := holtWinters(ctx, x, tot, hd)
	if adj != nil {
		for h := range out {
			out[h] *= adj[len(tot)+h]
		}
	}
	return spread(x, s, out)
}

type hwParams struct{ alpha, beta, gamma, phi float64 }

var hwGrid = func() []hwParams {
	var g []hwParams
	for _, a := range []float64{0.02, 0.05, 0.1, 0.2, 0.35} {
		for _, b := range []float64{0, 0.01, 0.05} {
			for _, gm := range []float64{0.02, 0.1, 0.25} {
				for _, phi := range []float64{0.9, 0.98} {
					if b == 0 && phi != 0.9 {
						continue
					}
					g = append(g, hwParams{a, b, gm, phi})
				}
			}
		}
	}
	return g
}()

// hwState is the model after the training days.
type hwState struct {
	level, trend float64
	season       [7]float64
}

// holtWinters forecasts hd daily totals after tot (NaN = not observed).
func holtWinters(ctx context.Context, x *matrix, tot []float64, hd int) []float64 {
	first := -1
	for d, v := range tot {
		if !math.IsNaN(v) {
			first = d
			break
		}
	}
	out := make([]float64, hd)
	if first < 0 {
		return out
	}
	init := hwInit(x, tot, first)
	best, bestErr := hwParams{0.1, 0, 0.1, 0.9}, math.Inf(1)
	for _, p := range hwGrid {
		if ctx.Err() != nil {
			break
		}
		_, e := hwRun(x, tot, first, init, p, true)
		if e < bestErr {
			best, bestErr = p, e
		}
	}
	st, _ := hwRun(x, tot, first, init, best, false)
	damp := 0.0 // φ + φ² + … + φ^h
	for h := range out {
		damp = damp*best.phi + best.phi
		w := weekdayOf(x.day0 + len(tot) + h)
		out[h] = max(0, (st.level+damp*st.trend)*st.season[w])
	}
	return out
}

// hwInit starts the level at the first two weeks' mean and each weekday's factor at its mean over
// them relative to that.
func hwInit(x *matrix, tot []float64, first int) hwState {
	var st hwState
	var sum [7]float64
	var cnt [7]int
	all, n := 0.0, 0
	for d := first; d < min(len(tot), first+14); d++ {
		if v := tot[d]; !math.IsNaN(v) {
			w := x.weekday(d)
			sum[w] += v
			cnt[w]++
			all += v
			n++
		}
	}
	st.level = all / float64(n)
	var ever [7]bool
	for d, v := range tot {
		ever[x.weekday(d)] = ever[x.weekday(d)] || !math.IsNaN(v)
	}
	for w := range st.season {
		switch {
		case !ever[w]:
			st.season[w] = 0 // a weekday the centre never opened
		case cnt[w] > 0 && st.level > 0:
			st.season[w] = sum[w] / float64(cnt[w]) / st.level
		default:
			st.season[w] = 1
		}
	}
	return st
}

// hwRun runs the recursions; with score it also returns the sum of squared 1..7-day-ahead
// errors (relative to the level, so busy and quiet series weigh alike).
func hwRun(x *matrix, tot []float64, first int, st hwState, p hwParams, score bool) (hwState, float64) {
	sse := 0.0
	for d := first; d < len(tot); d++ {
		w := x.weekday(d)
		v := tot[d]
		if score && d >= first+14 {
			damp := 0.0
			for h := 1; h <= 7 && d+h-1 < len(tot); h++ {
				damp = damp*p.phi + p.phi
				e := tot[d+h-1]
				if math.IsNaN(e) {
					continue
				}
				f := (st.level + damp*st.trend) * st.season[x.weekday(d+h-1)]
				r := (e - f) / max(st.level, 1)
				sse += r * r
			}
		}
		if math.IsNaN(v) || st.season[w] <= 0 {
			st.level += p.phi * st.trend
			st.trend *= p.phi
			continue
		}
		prev := st.level
		st.level = p.alpha*(v/st.season[w]) + (1-p.alpha)*(prev+p.phi*st.trend)
		st.trend = p.beta*(st.level-prev) + (1-p.beta)*p.phi*st.trend
		if st.level > 0 {
			st.season[w] = p.gamma*(v/st.level) + (1-p.gamma)*st.season[w]
		}
	}
	return st, sse
}
