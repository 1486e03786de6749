package local

// forecast.go: the demo tenant's forecasting — a year of contact history generated here (no
// dataset is bundled: the public bank datasets' licences are GPL or undetermined), a calendar
// event, shift templates, and every forecast product published at start (docs/forecasting.md).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"time"
)

// DemoTimeZone is the demo tenant's time zone: its days, weekdays and shift starts are read in it.
const DemoTimeZone = "Asia/Shanghai"

// demoSeries are the demo tenant's imported series and their mean daily volumes on a Wednesday.
var demoSeries = []struct {
	Queue, Channel string
	Daily          float64
}{
	{"general", "voice", 2400},
	{"general", "chat", 1500},
}

// demoCampaigns are the demo's past campaigns (each lifts volume by 40% for its days), taught to
// the forecaster as past occurrences; the upcoming one is registered as a planned event.
var demoCampaigns = []struct {
	ID      string
	DaysAgo int // start, days before today
	Days    int
	Name    string
}{
	{"spring-cashback", 290, 3, "Spring cashback"},
	{"card-upgrade", 160, 4, "Card upgrade offer"},
	{"autumn-loans", 60, 3, "Autumn loan campaign"},
}

// demoOutageDaysAgo is a past outage (volume ×2.5 from 10:00 to 14:00), found by the review's
// anomaly detection rather than taught as an event.
const demoOutageDaysAgo = 45

// Weekly and intraday shape of the generated history (the tenant's local time): the centre is
// open 08:00–20:00 with peaks at 10:00 and 15:00; a trickle at night; Saturdays and Sundays are
// quieter; the first working day of a month (statements out) is 30% busier; a 10% rise over the
// year.
var demoWeekday = [7]float64{0.45, 1.15, 1.05, 1.0, 1.0, 1.1, 0.6} // Sunday first

func demoIntraday(minute float64) float64 {
	h := minute / 60
	if h < 8 || h >= 20 {
		return 0.05
	}
	return 0.4 + math.Exp(-(h-10)*(h-10)/3) + 0.8*math.Exp(-(h-15)*(h-15)/4)
}

// DemoHistory generates the demo series' history as the import CSV: 30-minute intervals of the
// days [today−days, today) in loc, deterministic for a calendar day (the noise is seeded by the
// day), so a restart imports the same numbers.
func DemoHistory(queue, channel string, daily float64, today time.Time, days int, loc *time.Location) []byte {
	var b bytes.Buffer
	b.WriteString("interval_start,queue,channel,count\n")
	// The intraday shape's sum over 48 half-hours, so a day's volume is daily × weekday factor.
	norm := 0.0
	for k := 0; k < 48; k++ {
		norm += demoIntraday(float64(k*30 + 15))
	}
	start := time.Date(today.Year(), today.Month(), today.Day()-days, 0, 0, 0, 0, loc)
	for d := 0; d < days; d++ {
		day := start.AddDate(0, 0, d)
		daysAgo := days - d
		level := daily * demoWeekday[day.Weekday()] * (0.9 + 0.1*float64(d)/float64(days))
		if firstWorkday(day) {
			level *= 1.3
		}
		for _, c := range demoCampaigns {
			if daysAgo <= c.DaysAgo && daysAgo > c.DaysAgo-c.Days {
				level *= 1.4
			}
		}
		seed := uint64(day.Unix()) ^ uint64(len(queue))<<40 ^ uint64(len(channel))<<48
		rng := rand.New(rand.NewPCG(seed, 0x6c696e677869))
		for k := 0; k < 48; k++ {
			at := day.Add(time.Duration(k) * 30 * time.Minute)
			mean := level * demoIntraday(float64(k*30+15)) / norm
			if daysAgo == demoOutageDaysAgo && k >= 20 && k < 28 {
				mean *= 2.5
			}
			// Noise: normal with the Poisson variance, rounded, never negative.
			n := math.Max(0, math.Round(mean+rng.NormFloat64()*math.Sqrt(mean)))
			fmt.Fprintf(&b, "%s,%s,%s,%d\n", at.UTC().Format(time.RFC3339), queue, channel, int(n))
		}
	}
	return b.Bytes()
}

// firstWorkday reports whether day is its month's first Monday-to-Friday day.
func firstWorkday(day time.Time) bool {
	if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		return false
	}
	for d := day.AddDate(0, 0, -1); d.Month() == day.Month(); d = d.AddDate(0, 0, -1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			return false
		}
	}
	return true
}

// demoShiftTemplates are the demo's shift templates (PUT /v1/staffing/settings).
var demoShiftTemplates = []map[string]any{
	{"name": "early", "length_m": 480, "earliest": "07:30", "latest": "09:00", "every_m": 30,
		"breaks": []map[string]int{{"after_m": 240, "length_m": 30}}, "days": []string{}, "max": 0},
	{"name": "late", "length_m": 480, "earliest": "11:00", "latest": "12:30", "every_m": 30,
		"breaks": []map[string]int{{"after_m": 240, "length_m": 30}}, "days": []string{}, "max": 0},
	{"name": "peak", "length_m": 240, "earliest": "09:00", "latest": "14:00", "every_m": 60,
		"breaks": []map[string]int{}, "days": []string{"mon", "tue", "wed", "thu", "fri"}, "max": 0},
}

// seedForecasts gives the demo tenant its forecasting: on the first start its time zone, a year of
// history for each demo series, its past campaigns and an upcoming one, and staffing settings with
// shift templates; on every start, every product of every series published (forced on the first
// start, the due ones after) and the rolling forecast refreshed, through the forecast function
// itself — the schedules then keep them fresh.
func (l *Local) seedForecasts(ctx context.Context, fresh bool) error {
	loc, err := time.LoadLocation(DemoTimeZone)
	if err != nil {
		return err
	}
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if fresh {
		type step struct {
			method, path string
			body         any
		}
		steps := []step{
			{"PUT", "/v1/forecast/settings", map[string]any{"time_zone": DemoTimeZone, "holidays": []any{}}},
			{"PUT", "/v1/staffing/settings", map[string]any{"aht_s": 240, "service_level": 0.8, "answer_within_s": 20,
				"max_occupancy": 0.85, "shrinkage": 0.3, "patience_s": 120, "rolling_hours": 12, "rolling_step_m": 15,
				"shift_templates": demoShiftTemplates}},
		}
		var past []map[string]any
		for _, c := range demoCampaigns {
			s := today.AddDate(0, 0, -c.DaysAgo)
			past = append(past, map[string]any{"id": c.ID, "type": "campaign", "name": c.Name,
				"windows": []map[string]string{{"start": s.Format(time.RFC3339), "end": s.AddDate(0, 0, c.Days).Format(time.RFC3339)}}})
		}
		steps = append(steps, step{"POST", "/v1/forecast/event-history", map[string]any{"events": past}})
		up := today.AddDate(0, 0, 10)
		steps = append(steps, step{"PUT", "/v1/forecast/events/winter-rewards", map[string]any{"type": "campaign", "name": "Winter rewards",
			"windows": []map[string]string{{"start": up.Format(time.RFC3339), "end": up.AddDate(0, 0, 3).Format(time.RFC3339)}}}})
		for _, st := range steps {
			code, body, err := l.Call(ctx, st.method, st.path, l.DemoKey, st.body)
			if err != nil || code >= 300 {
				return fmt.Errorf("%s %s: %d %s %v", st.method, st.path, code, body, err)
			}
		}
		for _, s := range demoSeries {
			csv := DemoHistory(s.Queue, s.Channel, s.Daily, today, 365, loc)
			code, body, err := l.callRaw(ctx, "POST", "/v1/forecast/history", l.DemoKey, "text/csv", csv)
			if err != nil || code >= 300 {
				return fmt.Errorf("POST /v1/forecast/history %s/%s: %d %.300s %v", s.Queue, s.Channel, code, body, err)
			}
		}
	}
	if err := l.RunForecastJob(ctx, "publish", fresh); err != nil {
		return err
	}
	return l.RunForecastJob(ctx, "rolling", false)
}

// ForecastJob is what the forecast function answers a job with.
type ForecastJob struct {
	Job       string   `json:"job"`
	Tenants   int      `json:"tenants"`
	Failed    int      `json:"failed"`
	Published []string `json:"published"`
	Reviewed  int      `json:"reviewed"`
}

// RunForecastJob runs one of the forecast function's scheduled jobs ("publish" or "rolling")
// for the demo tenant now, as its schedule would (force: publish every product, due or not).
func (l *Local) RunForecastJob(ctx context.Context, job string, force bool) error {
	_, err := l.ForecastJob(ctx, job, DemoTenant, force)
	return err
}

// ForecastJob invokes the forecast function with a job for tenant and returns its answer.
func (l *Local) ForecastJob(ctx context.Context, job, tenant string, force bool) (ForecastJob, error) {
	payload, _ := json.Marshal(map[string]any{"job": job, "tenant": tenant, "force": force})
	res, err := l.Stack.Invoke(ctx, "ForecastFunction", payload)
	if err != nil {
		return ForecastJob{}, fmt.Errorf("forecast job %s: %w", job, err)
	}
	if res.FunctionError != "" {
		return ForecastJob{}, fmt.Errorf("forecast job %s: %s %s", job, res.ErrorType, res.Payload)
	}
	var out ForecastJob
	if err := json.Unmarshal(res.Payload, &out); err != nil {
		return ForecastJob{}, fmt.Errorf("forecast job %s: %w (%s)", job, err, res.Payload)
	}
	return out, nil
}

// callRaw sends one request with a raw body of the given media type (none: "", with no body) to
// the local HTTP API and returns the status and body.
func (l *Local) callRaw(ctx context.Context, method, path, key, media string, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, l.Stack.HTTPURL()+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if media != "" {
		req.Header.Set("Content-Type", media)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}
