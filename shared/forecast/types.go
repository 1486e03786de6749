package forecast

import (
	"fmt"
	"math"
	"time"
)

// Series is a regular series of counts: Values[i] covers [Start+i·Step, Start+(i+1)·Step). A NaN
// value is an interval that was not observed (a gap, or a day the centre was closed and did not
// report), which is not the same as 0 (observed, nobody came).
type Series struct {
	Start  time.Time
	Step   time.Duration
	Values []float64
}

// Time is the start of interval i.
func (s Series) Time(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Step) }

// End is the end of the last interval.
func (s Series) End() time.Time { return s.Time(len(s.Values)) }

// Index is the interval that holds t, which may be outside [0, len(Values)).
func (s Series) Index(t time.Time) int {
	d := t.Sub(s.Start)
	i := int(d / s.Step)
	if d < 0 && d%s.Step != 0 {
		i--
	}
	return i
}

// Aggregate sums consecutive intervals into steps of step, which must be a whole multiple of
// s.Step; Start must fall on a step boundary (counted from the Unix epoch in UTC, so 30-minute
// steps start on the hour and half hour). A trailing partial step is dropped. A step with any
// missing interval is missing.
func (s Series) Aggregate(step time.Duration) (Series, error) {
	if s.Step <= 0 || step <= 0 || step%s.Step != 0 {
		return Series{}, fmt.Errorf("aggregate %v to %v: not a whole multiple", s.Step, step)
	}
	if s.Start.UnixNano()%int64(step) != 0 {
		return Series{}, fmt.Errorf("aggregate to %v: the series starts at %v, not on a step boundary", step, s.Start)
	}
	k := int(step / s.Step)
	out := Series{Start: s.Start, Step: step, Values: make([]float64, len(s.Values)/k)}
	for i := range out.Values {
		sum := 0.0
		for _, v := range s.Values[i*k : (i+1)*k] {
			sum += v // NaN stays NaN
		}
		out.Values[i] = sum
	}
	return out, nil
}

// Missing reports whether a value is a gap.
func Missing(v float64) bool { return math.IsNaN(v) }

// Occurrence is one window of a tenant's event (a campaign, a product launch, an outage, a billing
// day, a holiday): the forecaster learns each Type's uplift from past occurrences and overlays it
// on the baseline for future ones.
type Occurrence struct {
	ID    string // the event's id; two windows of one event share it
	Type  string // campaign, product_launch, outage, billing_day, holiday
	Name  string
	Start time.Time
	End   time.Time // exclusive
}

// Calendar is what the forecaster knows of a tenant's days: its time zone (weekdays and intraday
// positions are read in it) and its holidays (dates in that zone, "2006-01-02" → name).
type Calendar struct {
	Location *time.Location
	Holidays map[string]string
}

// Band is a prediction interval at one coverage level (0.8 = 80%).
type Band struct {
	Level float64
	Lower []float64
	Upper []float64
}

// Contribution is how much one event adds to a forecast: Added is the sum over the horizon of the
// uplift (negative for an outage that lowers volume), in the series' unit.
type Contribution struct {
	ID    string
	Type  string
	Name  string
	Added float64
}

// Forecast is a published prediction: Point[i] for [Start+i·Step, Start+(i+1)·Step), Baseline
// the same without events, Bands the prediction intervals, Model the model (or "ensemble") and
// Weights the ensemble's weights by model, chosen by the rolling-origin backtest whose WAPE (%)
// per model is in Backtest.
type Forecast struct {
	Start    time.Time
	Step     time.Duration
	Point    []float64
	Baseline []float64
	Bands    []Band
	Model    string
	Weights  map[string]float64
	Backtest map[string]float64
	Events   []Contribution
}

// Metrics compare a forecast with actuals, in percent: Deviation is the signed deviation rate
// (偏差率) 100·(ΣF−ΣA)/ΣA; WAPE 100·Σ|F−A|/ΣA; MAPE the mean of 100·|F−A|/A; Attainment (达标率)
// the share of intervals with |F−A| ≤ 10%·A; DailyWAPE the WAPE of daily sums. MAPE and
// Attainment count only intervals with A ≥ the scorer's minimum (10 by default); Intervals is how
// many intervals were scored (both F and A present).
type Metrics struct {
	Deviation  float64
	WAPE       float64
	MAPE       float64
	Attainment float64
	DailyWAPE  float64
	Intervals  int
}
