// Package forecaststore keeps what the forecast function publishes (docs/forecasting.md): each
// published forecast as one item (points, bands, events, and once actuals exist its metrics and
// review), the latest forecast of every queue, channel and product, the accuracy history per
// queue, the tenant's staffing settings and shift templates, and the platform's list of tenants
// that forecast.
//
// Files: forecaststore.go (items and keys), store.go (reads and writes), settings.go (staffing
// settings and their checks).
package forecaststore

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/randid"
)

// Kinds of the items.
const (
	KindForecast = "forecast"          // a published forecast, by id (time-ordered)
	KindIndex    = "forecast-index"    // product|queue|channel|id → the forecast's Summary
	KindLatest   = "forecast-latest"   // queue|channel|product → the latest forecast's id
	KindAccuracy = "forecast-accuracy" // queue|forecast id → the forecast's metrics
	KindSettings = "staffing-settings" // "settings": the tenant's staffing settings
	KindTenant   = "forecast-tenant"   // platform item: a tenant whose series are forecast
)

// Product is what a forecast is for.
type Product string

// The products (issue 11 item 4).
const (
	Daily      Product = "daily"      // daily volumes for the next month
	Monthly    Product = "monthly"    // monthly volumes for the next 12 months (budget)
	Hiring     Product = "hiring"     // daily volumes for months 2–3 (hiring)
	Scheduling Product = "scheduling" // 30-minute volumes for the next month (scheduling)
	Rolling    Product = "rolling"    // the next hours at a fine step, refreshed every 5 minutes
)

// Products lists every product in publishing order.
var Products = []Product{Daily, Monthly, Hiring, Scheduling, Rolling}

// Valid reports whether p is a product.
func (p Product) Valid() bool {
	for _, q := range Products {
		if p == q {
			return true
		}
	}
	return false
}

// Band is a prediction interval at one level (0.8 = 80%).
type Band struct {
	Level float64   `dynamodbav:"level" json:"level"`
	Lower []float64 `dynamodbav:"lower" json:"lower"`
	Upper []float64 `dynamodbav:"upper" json:"upper"`
}

// EventAdded is one event a forecast includes and how much it adds over the forecast's span.
type EventAdded struct {
	ID    string  `dynamodbav:"id" json:"id"`
	Type  string  `dynamodbav:"type" json:"type"`
	Name  string  `dynamodbav:"name" json:"name"`
	Added float64 `dynamodbav:"added" json:"added"`
}

// Metrics compare a forecast with the actuals so far, in percent (forecast.Metrics).
type Metrics struct {
	Deviation  float64 `dynamodbav:"deviation" json:"deviation"`
	WAPE       float64 `dynamodbav:"wape" json:"wape"`
	MAPE       float64 `dynamodbav:"mape" json:"mape"`
	Attainment float64 `dynamodbav:"attainment" json:"attainment"`
	DailyWAPE  float64 `dynamodbav:"daily_wape" json:"daily_wape"`
	Intervals  int     `dynamodbav:"intervals" json:"intervals"`
}

// MetricsOf converts the forecaster's metrics; NaN (nothing to score) becomes 0.
func MetricsOf(m forecast.Metrics) Metrics {
	return Metrics{Deviation: finite(m.Deviation), WAPE: finite(m.WAPE), MAPE: finite(m.MAPE),
		Attainment: finite(m.Attainment), DailyWAPE: finite(m.DailyWAPE), Intervals: m.Intervals}
}

// EventDeviation is an event's share of a forecast's deviation: its window's forecast and actual.
type EventDeviation struct {
	ID       string  `dynamodbav:"id" json:"id"`
	Type     string  `dynamodbav:"type" json:"type"`
	Name     string  `dynamodbav:"name" json:"name"`
	Forecast float64 `dynamodbav:"forecast" json:"forecast"`
	Actual   float64 `dynamodbav:"actual" json:"actual"`
}

// Anomaly is a stretch of the actuals far from what was expected.
type Anomaly struct {
	Start    time.Time `dynamodbav:"start" json:"start"`
	End      time.Time `dynamodbav:"end" json:"end"`
	Expected float64   `dynamodbav:"expected" json:"expected"`
	Actual   float64   `dynamodbav:"actual" json:"actual"`
}

// Review attributes a forecast's deviation: to events, to anomalies, and the rest (Unexplained,
// in the series' unit).
type Review struct {
	Events      []EventDeviation `dynamodbav:"events" json:"events"`
	Anomalies   []Anomaly        `dynamodbav:"anomalies" json:"anomalies"`
	Unexplained float64          `dynamodbav:"unexplained" json:"unexplained"`
	Actual      float64          `dynamodbav:"actual" json:"actual"`   // the actuals' sum over the scored part
	Through     time.Time        `dynamodbav:"through" json:"through"` // actuals read up to here
	ReviewedAt  time.Time        `dynamodbav:"reviewed_at" json:"reviewed_at"`
}

// Forecast is a published forecast.
type Forecast struct {
	ID          string             `dynamodbav:"id" json:"id"`
	Queue       string             `dynamodbav:"queue" json:"queue"`
	Channel     string             `dynamodbav:"channel" json:"channel"`
	Product     Product            `dynamodbav:"product" json:"product"`
	Start       time.Time          `dynamodbav:"start" json:"start"`
	End         time.Time          `dynamodbav:"end" json:"end"`
	Step        string             `dynamodbav:"step" json:"step"` // "5m", "30m", "1d", "1mo"
	Total       float64            `dynamodbav:"total" json:"total"`
	Model       string             `dynamodbav:"model" json:"model"`
	Weights     map[string]float64 `dynamodbav:"weights" json:"weights,omitempty"`
	Backtest    map[string]float64 `dynamodbav:"backtest" json:"backtest,omitempty"` // WAPE % per model
	Points      []float64          `dynamodbav:"points" json:"points"`
	Baseline    []float64          `dynamodbav:"baseline" json:"baseline"`
	Bands       []Band             `dynamodbav:"bands" json:"bands"`
	Events      []EventAdded       `dynamodbav:"events" json:"events"`
	PublishedAt time.Time          `dynamodbav:"published_at" json:"published_at"`
	Metrics     *Metrics           `dynamodbav:"metrics,omitempty" json:"metrics,omitempty"`
	Review      *Review            `dynamodbav:"review,omitempty" json:"review,omitempty"`
}

// Summary is a forecast in a listing: everything but the points and bands.
type Summary struct {
	ID          string       `json:"id"`
	Queue       string       `json:"queue"`
	Channel     string       `json:"channel"`
	Product     Product      `json:"product"`
	Start       time.Time    `json:"start"`
	End         time.Time    `json:"end"`
	Step        string       `json:"step"`
	Intervals   int          `json:"intervals"`
	Total       float64      `json:"total"`
	Model       string       `json:"model"`
	Events      []EventAdded `json:"events"`
	PublishedAt time.Time    `json:"published_at"`
	Metrics     *Metrics     `json:"metrics,omitempty"`
}

// Summary returns f without its points.
func (f Forecast) Summary() Summary {
	ev := f.Events
	if ev == nil {
		ev = []EventAdded{}
	}
	return Summary{ID: f.ID, Queue: f.Queue, Channel: f.Channel, Product: f.Product, Start: f.Start, End: f.End,
		Step: f.Step, Intervals: len(f.Points), Total: f.Total, Model: f.Model, Events: ev, PublishedAt: f.PublishedAt, Metrics: f.Metrics}
}

// StepDuration is the length of one interval of f; 0 for the monthly product (months differ).
func (f Forecast) StepDuration() time.Duration {
	d, _ := ParseStep(f.Step)
	return d
}

// Time is the start of interval i: months for the monthly product, Step otherwise.
func (f Forecast) Time(i int, loc *time.Location) time.Time {
	if f.Step == StepMonth {
		s := f.Start.In(loc)
		return time.Date(s.Year(), s.Month()+time.Month(i), 1, 0, 0, 0, 0, loc)
	}
	return f.Start.Add(time.Duration(i) * f.StepDuration())
}

// StepMonth is the monthly product's step.
const StepMonth = "1mo"

// FormatStep writes a step as the API shows it: "5m", "30m", "1h", "1d".
func FormatStep(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	default:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
}

var stepRE = regexp.MustCompile(`^([1-9][0-9]{0,3})(m|h|d)$`)

// ParseStep reads FormatStep's form; "1mo" and anything else is an error.
func ParseStep(s string) (time.Duration, error) {
	m := stepRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("step %q: want minutes, hours or days such as 15m, 1h, 1d", s)
	}
	var n int
	fmt.Sscan(m[1], &n)
	unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

// FromForecast makes the item of a forecaster's forecast; values are rounded to hundredths (the
// item stays small: a month of 30-minute intervals with two bands is about 9,000 numbers) and
// negative values are cut to 0.
func FromForecast(id, queue, channel string, p Product, fc forecast.Forecast, step string, end time.Time, at time.Time) Forecast {
	out := Forecast{ID: id, Queue: queue, Channel: channel, Product: p, Start: fc.Start.UTC(), End: end.UTC(), Step: step,
		Model: fc.Model, Weights: roundMap(fc.Weights), Backtest: roundMap(fc.Backtest),
		Points: round(fc.Point), Baseline: round(fc.Baseline), Bands: []Band{}, Events: []EventAdded{}, PublishedAt: at.UTC()}
	if out.Baseline == nil {
		out.Baseline = append([]float64(nil), out.Points...)
	}
	for _, b := range fc.Bands {
		out.Bands = append(out.Bands, Band{Level: b.Level, Lower: round(b.Lower), Upper: round(b.Upper)})
	}
	for _, e := range fc.Events {
		out.Events = append(out.Events, EventAdded{ID: e.ID, Type: e.Type, Name: e.Name, Added: round1(e.Added)})
	}
	for _, v := range out.Points {
		out.Total += v
	}
	out.Total = round1(out.Total)
	return out
}

func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return round1(v)
}

func round1(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*100) / 100
}

func round(vs []float64) []float64 {
	if vs == nil {
		return nil
	}
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = math.Max(0, round1(v))
	}
	return out
}

func roundMap(m map[string]float64) map[string]float64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = round1(v)
	}
	return out
}

// NewID makes a forecast id: the publishing time (so ids sort by it) and 6 random bytes.
func NewID(at time.Time) string {
	return randid.New("fc_"+at.UTC().Format("20060102T150405")+"_", 6)
}

var idRE = regexp.MustCompile(`^fc_[0-9]{8}T[0-9]{6}_[A-Za-z0-9_-]{8}$`)

// ValidID reports whether id can be a forecast's.
func ValidID(id string) bool {
	return idRE.MatchString(id) && randid.Valid(id[19:], "", 6)
}

// SeriesKey names one series: a queue and a channel. Queue ids and channels have no '|'.
func SeriesKey(queue, channel string) string { return queue + "|" + channel }

// LatestID is the KindLatest item's id of a series and product.
func LatestID(queue, channel string, p Product) string {
	return SeriesKey(queue, channel) + "|" + string(p)
}

// IndexPrefix is the KindIndex id prefix of a product's forecasts, of a queue's when queue is
// set, of a series' when channel is set too.
func IndexPrefix(p Product, queue, channel string) string {
	prefix := string(p) + "|"
	if queue != "" {
		prefix += queue + "|"
		if channel != "" {
			prefix += channel + "|"
		}
	}
	return prefix
}

// AccuracyPrefix is the KindAccuracy id prefix of a queue's history.
func AccuracyPrefix(queue string) string { return queue + "|" }

// AccuracyID is the KindAccuracy item's id of a forecast.
func AccuracyID(queue, forecastID string) string { return AccuracyPrefix(queue) + forecastID }

// ValidQueue reports whether queue can name a series here (no '|', 1–128 bytes).
func ValidQueue(queue string) bool {
	return queue != "" && len(queue) <= 128 && !strings.ContainsAny(queue, "|\x00")
}
