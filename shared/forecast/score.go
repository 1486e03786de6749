package forecast

import (
	"math"
	"time"
)

// DefaultMinActual is the smallest actual count MAPE and attainment look at when Score is given 0:
// below it a percentage error says more about chance than about the forecast.
const DefaultMinActual = 10

// Score compares a forecast with actuals over the intervals where both exist (an actual NaN is not
// scored, so callers restrict scoring by blanking intervals). Daily WAPE sums each local day of
// loc (nil: UTC) over the scored intervals before comparing. minActual 0 means DefaultMinActual.
func Score(f Forecast, actual Series, loc *time.Location, minActual float64) Metrics {
	if loc == nil {
		loc = time.UTC
	}
	if minActual == 0 {
		minActual = DefaultMinActual
	}
	var m Metrics
	var sumF, sumA, sumAbs, sumAPE float64
	nMin, within := 0, 0
	type dayAcc struct{ f, a float64 }
	days := map[int]*dayAcc{}
	var order []int
	for i, fv := range f.Point {
		t := f.Start.Add(time.Duration(i) * f.Step)
		if actual.Step != f.Step {
			break
		}
		j := actual.Index(t)
		if j < 0 || j >= len(actual.Values) || !actual.Time(j).Equal(t) {
			continue
		}
		av := actual.Values[j]
		if math.IsNaN(av) || math.IsNaN(fv) {
			continue
		}
		m.Intervals++
		sumF += fv
		sumA += av
		sumAbs += math.Abs(fv - av)
		if av >= minActual {
			nMin++
			sumAPE += math.Abs(fv-av) / av
			if math.Abs(fv-av) <= 0.1*av {
				within++
			}
		}
		day, _ := civil(t, loc, 24*time.Hour)
		acc := days[day]
		if acc == nil {
			acc = &dayAcc{}
			days[day] = acc
			order = append(order, day)
		}
		acc.f += fv
		acc.a += av
	}
	if sumA > 0 {
		m.Deviation = 100 * (sumF - sumA) / sumA
		m.WAPE = 100 * sumAbs / sumA
		dayAbs := 0.0
		for _, d := range order {
			dayAbs += math.Abs(days[d].f - days[d].a)
		}
		m.DailyWAPE = 100 * dayAbs / sumA
	}
	if nMin > 0 {
		m.MAPE = 100 * sumAPE / float64(nMin)
		m.Attainment = 100 * float64(within) / float64(nMin)
	}
	return m
}
