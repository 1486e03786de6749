package bankdata

import (
	"math"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
)

// The peers' scoring protocol: 30-minute intervals; the US bank on weekdays 07:00–21:00 (28
// half-hours: the partial 21:00–21:05 slot is dropped, and days absent from the file are not
// scored); the Israeli bank on all 48 half-hours of every day. WAPE = 100·Σ|F−A|/ΣA; MAPE and
// attainment over intervals with A ≥ MinActual; daily WAPE on day sums.
const (
	ScoreStep = 30 * time.Minute
	MinActual = 10
)

// usOpen and usClose bound the US bank's day (its last 5-minute slot starts at 21:00).
const (
	usOpen  = 7 * time.Hour
	usClose = 21*time.Hour + 5*time.Minute
)

// Open is the centre's opening hours for a series at step: nil (always open) for the Israeli
// bank; for the US bank, weekday intervals that lie wholly within 07:00–21:05.
func Open(f Format, step time.Duration) func(time.Time) bool {
	if f != US {
		return nil
	}
	return func(t time.Time) bool {
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return false
		}
		clock := t.Sub(t.Truncate(24 * time.Hour))
		return clock >= usOpen && clock+step <= usClose
	}
}

// Scored blanks (NaN) every interval of actual (at ScoreStep) the protocol does not score.
func Scored(f Format, actual forecast.Series) forecast.Series {
	out := actual
	out.Values = append([]float64(nil), actual.Values...)
	if f != US {
		return out
	}
	for i := range out.Values {
		t := out.Time(i)
		wd := t.Weekday()
		clock := t.Sub(t.Truncate(24 * time.Hour))
		if wd == time.Saturday || wd == time.Sunday || clock < usOpen || clock+out.Step > 21*time.Hour {
			out.Values[i] = math.NaN()
		}
	}
	return out
}

// Evaluate scores a forecast by the protocol; actual must be at the forecast's step (ScoreStep
// for figures comparable with the peers).
func Evaluate(f Format, fc forecast.Forecast, actual forecast.Series) forecast.Metrics {
	return forecast.Score(fc, Scored(f, actual), time.UTC, MinActual)
}
