package forecast

import (
	"context"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
)

// fitRegression: a least-squares model of the log daily totals on calendar terms, spread over the
// weekday's intraday profile (shapes). The columns are a fixed effect per week (the level, free
// to wander), weekday effects, Fourier terms of the position in the month (K = domHarmonics:
// salaries, statements and bills make the first and last days of a month busier or quieter),
// an indicator of the first open day after a closed one (a holiday's backlog), and, with a year
// of history, Fourier terms of the day of the year. A light ridge keeps the system solvable
// (weekday effects and week levels share a constant). The future weeks' level is simple
// exponential smoothing of the week effects, α picked by one-week-ahead squared error.
func fitRegression(ctx context.Context, x *matrix, hd int) [][]float64 {
	s := shapes(x)
	tot := dailyTotals(x, s)
	out, _ := calendarRegression(ctx, x, tot, hd)
	return spread(x, s, out)
}

// Tuned on rolling origins inside the two bank training files.
const (
	domHarmonics  = 2
	bdEdge        = 3
	ridgeCalendar = 1.0
)

const (
	yearHarmonics  = 2
	ridgeWeek      = 1e-6
	minRegressDays = 10
	yearForFourier = 365
	logFloorCalls  = 1.0 // totals below this are not modelled on the log scale
)

// weekOf is a week number (weeks start on Monday).
func weekOf(day int) int { return int(math.Floor(float64(day+3) / 7)) }

// calendar computes the calendar columns of days (the week effect aside): weekday, the
// business-day position in the month (first bdEdge open days, last bdEdge open days), Fourier
// terms of the day of the month, the first open day after a closed one, and with annual the
// day-of-year Fourier terms. usual says which weekdays the centre opens.
type calendar struct {
	usual  func(time.Weekday) bool
	annual bool
}

func (c calendar) width() int {
	return 7 + 2*bdEdge + 2*domHarmonics + 1 + 2*yearHarmonics*int(b2f(c.annual))
}

func (c calendar) features(day int, afterClosed bool) []float64 {
	f := make([]float64, 0, c.width())
	wd := weekdayOf(day)
	for w := range 7 {
		f = append(f, b2f(time.Weekday(w) == wd))
	}
	t := time.Unix(int64(day)*86400, 0).UTC()
	dim := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	fromStart, fromEnd := 0, 0 // open days of the month up to and after this one
	if c.usual(wd) {
		for k := day - t.Day() + 1; k <= day; k++ {
			fromStart += int(b2f(c.usual(weekdayOf(k))))
		}
		for k := day; k <= day-t.Day()+dim; k++ {
			fromEnd += int(b2f(c.usual(weekdayOf(k))))
		}
	}
	for k := 1; k <= bdEdge; k++ {
		f = append(f, b2f(fromStart == k))
	}
	for k := 1; k <= bdEdge; k++ {
		f = append(f, b2f(fromEnd == k))
	}
	pos := 2 * math.Pi * float64(t.Day()-1) / float64(dim)
	for k := 1; k <= domHarmonics; k++ {
		f = append(f, math.Sin(float64(k)*pos), math.Cos(float64(k)*pos))
	}
	f = append(f, b2f(afterClosed))
	if c.annual {
		yp := 2 * math.Pi * float64(t.YearDay()-1) / 365.25
		for k := 1; k <= yearHarmonics; k++ {
			f = append(f, math.Sin(float64(k)*yp), math.Cos(float64(k)*yp))
		}
	}
	return f
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// calendarRegression forecasts hd daily totals after tot. It also returns the calendar factor
// of every day of tot and of the forecast (the month-position, after-closure and annual terms,
// weekday and level aside; 1 on days the centre does not usually open), or nil when the
// regression could not be fitted.
func calendarRegression(ctx context.Context, x *matrix, tot []float64, hd int) (out, adj []float64) {
	out = make([]float64, hd)
	// Which weekdays the centre usually opens: those with data on most of their days.
	var seen, open [7]int
	for d, v := range tot {
		seen[x.weekday(d)]++
		if !math.IsNaN(v) {
			open[x.weekday(d)]++
		}
	}
	usual := func(w time.Weekday) bool { return open[w] > 0 && 2*open[w] >= seen[w] }
	closedBefore := func(d int, known func(int) bool) bool {
		prev := d - 1
		for prev >= 0 && !usual(x.weekday(prev)) {
			prev--
		}
		return prev >= 0 && !known(prev)
	}
	observedDay := func(d int) bool { return d >= 0 && d < len(tot) && !math.IsNaN(tot[d]) }
	var rows []int
	for d, v := range tot {
		if !math.IsNaN(v) && v >= logFloorCalls {
			rows = append(rows, d)
		}
	}
	if len(rows) < minRegressDays {
		return holtWinters(ctx, x, tot, hd), nil
	}
	cal := calendar{usual: usual, annual: rows[len(rows)-1]-rows[0] >= yearForFourier}
	weekIdx := map[int]int{}
	var weeks []int
	for _, d := range rows {
		w := weekOf(x.day0 + d)
		if _, ok := weekIdx[w]; !ok {
			weekIdx[w] = len(weeks)
			weeks = append(weeks, w)
		}
	}
	after := func(d int) bool { return usual(x.weekday(d)) && closedBefore(d, observedDay) }
	nAfter := 0
	for _, d := range rows {
		if after(d) {
			nAfter++
		}
	}
	nw := len(weeks)
	nf := cal.width()
	cols := nw + nf
	xtx := mat.NewSymDense(cols, nil)
	xty := mat.NewVecDense(cols, nil)
	feat := make([]float64, cols)
	for _, d := range rows {
		clear(feat)
		feat[weekIdx[weekOf(x.day0+d)]] = 1
		copy(feat[nw:], cal.features(x.day0+d, nAfter >= 2 && after(d)))
		y := math.Log(tot[d])
		for i, a := range feat {
			if a == 0 {
				continue
			}
			xty.SetVec(i, xty.AtVec(i)+a*y)
			for j := i; j < cols; j++ {
				if feat[j] != 0 {
					xtx.SetSym(i, j, xtx.At(i, j)+a*feat[j])
				}
			}
		}
	}
	for i := range cols {
		r := ridgeWeek
		if i >= nw+7 {
			r = ridgeCalendar
		}
		xtx.SetSym(i, i, xtx.At(i, i)+r)
	}
	var chol mat.Cholesky
	if !chol.Factorize(xtx) {
		return holtWinters(ctx, x, tot, hd), nil
	}
	beta := mat.NewVecDense(cols, nil)
	if err := chol.SolveVecTo(beta, xty); err != nil {
		return holtWinters(ctx, x, tot, hd), nil
	}
	// Residual variance, for the log-normal mean.
	ss := 0.0
	for _, d := range rows {
		f := cal.features(x.day0+d, nAfter >= 2 && after(d))
		pred := beta.AtVec(weekIdx[weekOf(x.day0+d)])
		for i, a := range f {
			pred += a * beta.AtVec(nw+i)
		}
		r := math.Log(tot[d]) - pred
		ss += r * r
	}
	sigma2 := ss / float64(max(len(rows)-cols, 1))
	level := smoothLevels(beta.RawVector().Data[:nw], (hd+6)/7)
	futureKnown := func(d int) bool {
		if d < len(tot) {
			return observedDay(d)
		}
		return true // future days are open unless a holiday says otherwise (applied by Predict)
	}
	for h := range out {
		d := len(tot) + h
		if !usual(x.weekday(d)) {
			continue
		}
		f := cal.features(x.day0+d, nAfter >= 2 && closedBefore(d, futureKnown))
		v := level
		for i, a := range f {
			v += a * beta.AtVec(nw+i)
		}
		out[h] = math.Exp(v + sigma2/2)
	}
	adj = make([]float64, len(tot)+hd)
	for d := range adj {
		adj[d] = 1
		if !usual(x.weekday(d)) {
			continue
		}
		v := 0.0
		for i, a := range cal.features(x.day0+d, nAfter >= 2 && closedBefore(d, futureKnown)) {
			if i >= 7 {
				v += a * beta.AtVec(nw+i)
			}
		}
		adj[d] = math.Exp(v)
	}
	return out, adj
}

// smoothLevels forecasts the level of the weeks ahead from the week effects: their exponentially
// weighted mean (weights (1−α)^age, normalised), with a memory that grows with the horizon:
// α = 0.3 for the next week, 0.15 up to three weeks, 0.05 beyond (the level wanders, and next month's is closer to the mean of many
// weeks than to last week's). Tuned on rolling origins inside the two bank training files; picking
// α per series by its own multi-week errors did worse there (too few weeks to choose from).
func smoothLevels(lv []float64, weeks int) float64 {
	a := 0.05
	switch {
	case weeks <= 1:
		a = 0.3
	case weeks <= 3:
		a = 0.15
	}
	num, den, w := 0.0, 0.0, 1.0
	for t := len(lv) - 1; t >= 0; t-- {
		num += w * lv[t]
		den += w
		w *= 1 - a
	}
	return num / den
}
