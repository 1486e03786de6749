package forecast

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// synthetic builds days of a call-centre-like series at step: a weekly pattern of day levels, an
// intraday bell between 08:00 and 20:00 (0 outside), Poisson-like noise from seed.
func synthetic(start time.Time, days int, step time.Duration, seed uint64) Series {
	r := rand.New(rand.NewPCG(seed, 1))
	per := slotsPerDay(step)
	s := Series{Start: start, Step: step, Values: make([]float64, days*per)}
	for i := range s.Values {
		s.Values[i] = expected(s.Time(i), step)
		if s.Values[i] > 0 {
			s.Values[i] = math.Max(0, math.Round(s.Values[i]+r.NormFloat64()*math.Sqrt(s.Values[i])))
		}
	}
	return s
}

var dayLevel = [7]float64{0.3, 1.2, 1.1, 1.0, 1.0, 0.9, 0.5} // Sunday..Saturday

// expected is the noise-free mean of synthetic at t.
func expected(t time.Time, step time.Duration) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	if step >= 24*time.Hour {
		return 2000 * dayLevel[t.Weekday()]
	}
	if h < 8 || h >= 20 {
		return 0
	}
	shape := math.Exp(-math.Pow((h-12.5)/3.5, 2))
	return 200 * dayLevel[t.Weekday()] * shape * step.Hours() * 2
}

func wapeVsExpected(t *testing.T, f Forecast) float64 {
	t.Helper()
	num, den := 0.0, 0.0
	for i, v := range f.Point {
		if math.IsNaN(v) || v < 0 {
			t.Fatalf("point %d = %v", i, v)
		}
		e := expected(f.Start.Add(time.Duration(i)*f.Step), f.Step)
		num += math.Abs(v - e)
		den += e
	}
	return 100 * num / den
}

var monday = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

func TestModelsLearnAWeeklyPattern(t *testing.T) {
	hist := synthetic(monday, 10*7, 30*time.Minute, 1)
	for _, name := range ModelNames() {
		t.Run(name, func(t *testing.T) {
			f, err := Predict(context.Background(), hist, 14*48, Options{Models: []string{name}})
			if err != nil {
				t.Fatal(err)
			}
			limit := 10.0
			if name == ModelSeasonalNaive {
				limit = 16 // one week's noise repeated
			}
			if w := wapeVsExpected(t, f); w > limit {
				t.Errorf("WAPE against the true mean %.1f%%, want ≤ %v%%", w, limit)
			}
			if f.Model != name || f.Weights[name] != 1 {
				t.Errorf("model %q weights %v", f.Model, f.Weights)
			}
		})
	}
}

func TestEnsembleBacktestAndBands(t *testing.T) {
	hist := synthetic(monday, 12*7, time.Hour, 2)
	f, err := Predict(context.Background(), hist, 7*24, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := wapeVsExpected(t, f); w > 8 {
		t.Errorf("WAPE %.1f%%", w)
	}
	total := 0.0
	for _, w := range f.Weights {
		total += w
	}
	if math.Abs(total-1) > 1e-9 || len(f.Backtest) < len(ModelNames()) {
		t.Errorf("weights %v backtest %v", f.Weights, f.Backtest)
	}
	if len(f.Bands) != 2 || f.Bands[0].Level != 0.8 || f.Bands[1].Level != 0.95 {
		t.Fatalf("bands %+v", f.Bands)
	}
	// Coverage against a fresh draw of the same process.
	future := synthetic(f.Start, 7, time.Hour, 99)
	in80, in95, n := 0, 0, 0
	for i, p := range f.Point {
		a := future.Values[i]
		b80, b95 := f.Bands[0], f.Bands[1]
		if b80.Lower[i] > p || b80.Upper[i] < p || b95.Lower[i] > b80.Lower[i] || b95.Upper[i] < b80.Upper[i] {
			t.Fatalf("interval %d: point %v, 80%% [%v,%v], 95%% [%v,%v]", i, p, b80.Lower[i], b80.Upper[i], b95.Lower[i], b95.Upper[i])
		}
		if expected(f.Start.Add(time.Duration(i)*f.Step), f.Step) == 0 {
			continue
		}
		n++
		if a >= b80.Lower[i] && a <= b80.Upper[i] {
			in80++
		}
		if a >= b95.Lower[i] && a <= b95.Upper[i] {
			in95++
		}
	}
	if c := float64(in80) / float64(n); c < 0.6 {
		t.Errorf("80%% band covers %.2f", c)
	}
	if c := float64(in95) / float64(n); c < 0.8 {
		t.Errorf("95%% band covers %.2f", c)
	}
}

func TestGapsShortHistoryAndClosedIntervals(t *testing.T) {
	ctx := context.Background()
	t.Run("gaps", func(t *testing.T) {
		hist := synthetic(monday, 8*7, 30*time.Minute, 3)
		for i := range hist.Values {
			if (i/48)%5 == 2 || i%11 == 3 { // whole days and scattered intervals missing
				hist.Values[i] = math.NaN()
			}
		}
		f, err := Predict(ctx, hist, 7*48, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if w := wapeVsExpected(t, f); w > 10 {
			t.Errorf("WAPE %.1f%% (%s %v %v)", w, f.Model, f.Weights, f.Backtest)
		}
	})
	t.Run("one day", func(t *testing.T) {
		hist := synthetic(monday.Add(9*time.Hour), 1, 15*time.Minute, 4)
		f, err := Predict(ctx, hist, 96, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Point) != 96 {
			t.Fatalf("%d points", len(f.Point))
		}
		wapeVsExpected(t, f) // no NaN, no negative
	})
	t.Run("ten days", func(t *testing.T) {
		hist := synthetic(monday, 10, 30*time.Minute, 5)
		f, err := Predict(ctx, hist, 48*3, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if w := wapeVsExpected(t, f); w > 25 {
			t.Errorf("WAPE %.1f%%", w)
		}
	})
	t.Run("closed", func(t *testing.T) {
		open := func(t time.Time) bool {
			return t.Weekday() != time.Sunday && t.Hour() >= 8 && t.Hour() < 20
		}
		hist := synthetic(monday, 6*7, 30*time.Minute, 6)
		for i := range hist.Values {
			if !open(hist.Time(i)) {
				hist.Values[i] = math.NaN() // a closed centre reports nothing
			}
		}
		f, err := Predict(ctx, hist, 7*48, Options{Open: open})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range f.Point {
			if ti := f.Start.Add(time.Duration(i) * f.Step); !open(ti) && (v != 0 || f.Bands[1].Upper[i] != 0) {
				t.Fatalf("%v closed but forecast %v", ti, v)
			}
		}
		if w := wapeVsExpected(t, f); w > 10 {
			t.Errorf("WAPE %.1f%%", w)
		}
	})
	t.Run("daily step, a year ahead", func(t *testing.T) {
		hist := synthetic(monday, 400, 24*time.Hour, 7)
		f, err := Predict(ctx, hist, 366, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if w := wapeVsExpected(t, f); w > 6 {
			t.Errorf("WAPE %.1f%%", w)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for name, s := range map[string]Series{
			"no step":   {Start: monday, Values: []float64{1}},
			"all gaps":  {Start: monday, Step: time.Hour, Values: []float64{math.NaN(), math.NaN()}},
			"week step": {Start: monday, Step: 7 * 24 * time.Hour, Values: []float64{1, 2}},
		} {
			if _, err := Predict(ctx, s, 1, Options{}); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		if _, err := Predict(ctx, synthetic(monday, 3, time.Hour, 1), 1, Options{Models: []string{"nope"}}); err == nil {
			t.Error("unknown model: no error")
		}
	})
}

func TestHolidaysAndEvents(t *testing.T) {
	hist := synthetic(monday, 10*7, time.Hour, 8)
	cal := Calendar{Location: time.UTC, Holidays: map[string]string{}}
	// Past holidays ran at 30% of a normal day; so did the future one.
	for _, d := range []int{15, 36, 50, 72} {
		day := monday.AddDate(0, 0, d)
		cal.Holidays[day.Format(time.DateOnly)] = "holiday"
		if d < 70 {
			for h := range 24 {
				hist.Values[d*24+h] = math.Round(hist.Values[d*24+h] * 0.3)
			}
		}
	}
	// A campaign type that doubled the afternoon, twice before; once planned.
	var occ []Occurrence
	for i, d := range []int{22, 44, 73} {
		s := monday.AddDate(0, 0, d).Add(13 * time.Hour)
		occ = append(occ, Occurrence{ID: string(rune('a' + i)), Type: "campaign", Name: "promo", Start: s, End: s.Add(4 * time.Hour)})
		if d < 70 {
			for h := 13; h < 17; h++ {
				hist.Values[d*24+h] *= 2
			}
		}
	}
	occ = append(occ, Occurrence{ID: "x", Type: "outage", Name: "never seen", Start: monday.AddDate(0, 0, 74), End: monday.AddDate(0, 0, 74).Add(time.Hour)})
	f, err := Predict(context.Background(), hist, 7*24, Options{Calendar: cal, Events: occ})
	if err != nil {
		t.Fatal(err)
	}
	hol := 2 * 24 // day 72 is the third forecast day
	gotH, wantH := 0.0, 0.0
	for h := range 24 {
		gotH += f.Point[hol+h]
		wantH += 0.3 * expected(f.Start.Add(time.Duration(hol+h)*time.Hour), time.Hour)
	}
	if math.Abs(gotH/wantH-1) > 0.15 {
		t.Errorf("holiday forecast %.0f, want about %.0f", gotH, wantH)
	}
	if len(f.Events) != 2 || f.Events[0].ID != "c" || f.Events[1].ID != "x" || f.Events[1].Added != 0 {
		t.Fatalf("events %+v", f.Events)
	}
	camp := 3*24 + 13
	for h := camp; h < camp+4; h++ {
		if r := f.Point[h] / f.Baseline[h]; r < 1.7 || r > 2.3 {
			t.Errorf("hour %d: uplift %.2f, want about 2", h, r)
		}
	}
	if f.Events[0].Added <= 0 {
		t.Errorf("campaign adds %v", f.Events[0].Added)
	}
}

func TestAnomaliesAreCleaned(t *testing.T) {
	hist := synthetic(monday, 8*7, time.Hour, 9)
	last := len(hist.Values) - 7*24 // the last week's Monday
	for h := 9; h < 14; h++ {
		hist.Values[last+h] *= 6 // an outage storm the weekday means would otherwise copy
	}
	f, err := Predict(context.Background(), hist, 7*24, Options{Models: []string{ModelWeekdayMeans}})
	if err != nil {
		t.Fatal(err)
	}
	for h := 9; h < 14; h++ {
		if e := expected(f.Start.Add(time.Duration(h)*time.Hour), time.Hour); f.Point[h] > 1.3*e {
			t.Errorf("hour %d: %.0f, want about %.0f", h, f.Point[h], e)
		}
	}
}

func TestScore(t *testing.T) {
	f := Forecast{Start: monday, Step: 12 * time.Hour, Point: []float64{100, 50, 20, 5}}
	a := Series{Start: monday, Step: 12 * time.Hour, Values: []float64{110, 40, math.NaN(), 8}}
	m := Score(f, a, time.UTC, 0)
	// scored: (100,110) (50,40) (5,8): ΣA 158, Σ|F−A| 23; day 1 F 150 A 150, day 2 F 5 A 8
	want := Metrics{Deviation: 100 * (155 - 158) / 158.0, WAPE: 100 * 23 / 158.0, MAPE: 100 * (10.0/110 + 10.0/40) / 2,
		Attainment: 50, DailyWAPE: 100 * 3 / 158.0, Intervals: 3}
	if math.Abs(m.WAPE-want.WAPE) > 1e-9 || math.Abs(m.MAPE-want.MAPE) > 1e-9 || m.Attainment != want.Attainment ||
		math.Abs(m.DailyWAPE-want.DailyWAPE) > 1e-9 || m.Intervals != 3 || math.Abs(m.Deviation-want.Deviation) > 1e-9 {
		t.Errorf("got %+v\nwant %+v", m, want)
	}
}

func TestPredictStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Predict(ctx, synthetic(monday, 30, time.Hour, 1), 24, Options{}); err == nil {
		t.Error("a cancelled context: no error")
	}
}

func TestRolling(t *testing.T) {
	step := 15 * time.Minute
	plan := Forecast{Start: monday, Step: step, Point: make([]float64, 96)}
	for i := range plan.Point {
		plan.Point[i] = 100
	}
	plan.Bands = []Band{{Level: 0.8, Lower: make([]float64, 96), Upper: make([]float64, 96)}}
	for i := range plan.Point {
		plan.Bands[0].Lower[i], plan.Bands[0].Upper[i] = 80, 120
	}
	actual := Series{Start: monday, Step: step, Values: make([]float64, 40)}
	for i := range actual.Values {
		actual.Values[i] = 130 // running 30% over plan
	}
	now := monday.Add(10*time.Hour + 3*time.Minute)
	r, err := Rolling(plan, actual, now, 8)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Start.Equal(monday.Add(10*time.Hour)) || len(r.Point) != 8 {
		t.Fatalf("start %v, %d points", r.Start, len(r.Point))
	}
	if r.Point[0] < 125 || r.Point[0] > 130 {
		t.Errorf("corrected %v, want just under 130", r.Point[0])
	}
	if b := r.Bands[0]; b.Lower[0] >= r.Point[0] || b.Upper[0] <= r.Point[0] || b.Upper[0] < 120*1.25 {
		t.Errorf("band %v..%v around %v", b.Lower[0], b.Upper[0], r.Point[0])
	}
	// A quiet start barely moves the plan: 3 calls where 1 was planned.
	for i := range plan.Point {
		plan.Point[i] = 1
	}
	for i := range actual.Values {
		actual.Values[i] = 3
	}
	plan.Bands = nil
	r, err = Rolling(plan, actual, now, 4)
	if err != nil {
		t.Fatal(err)
	}
	if r.Point[0] > 1.5 || len(r.Bands) != 2 || r.Bands[1].Upper[0] <= r.Point[0] {
		t.Errorf("quiet: %v bands %+v", r.Point[0], r.Bands)
	}
	if _, err := Rolling(plan, actual, monday.AddDate(0, 0, 2), 4); err == nil {
		t.Error("now outside the plan: no error")
	}
	if _, err := Rolling(plan, Series{Start: monday, Step: time.Hour}, now, 4); err == nil {
		t.Error("steps differ: no error")
	}
}

func TestReviewForecast(t *testing.T) {
	f := Forecast{Start: monday, Step: time.Hour, Point: make([]float64, 48)}
	a := Series{Start: monday, Step: time.Hour, Values: make([]float64, 48)}
	for i := range f.Point {
		f.Point[i] = 100
		a.Values[i] = 100 + float64(i%3-1)*8
	}
	for i := 20; i < 23; i++ {
		a.Values[i] = 400 // an unexplained storm
	}
	for i := 30; i < 34; i++ {
		a.Values[i] = 250 // the campaign did better than forecast
	}
	occ := []Occurrence{{ID: "c1", Type: "campaign", Name: "spring", Start: monday.Add(30 * time.Hour), End: monday.Add(34 * time.Hour)}}
	rv := ReviewForecast(f, a, occ, Calendar{})
	if len(rv.Events) != 1 || rv.Events[0].Forecast != 400 || rv.Events[0].Actual != 1000 {
		t.Errorf("events %+v", rv.Events)
	}
	if len(rv.Anomalies) != 1 || !rv.Anomalies[0].Start.Equal(monday.Add(20*time.Hour)) || !rv.Anomalies[0].End.Equal(monday.Add(23*time.Hour)) || rv.Anomalies[0].Actual != 1200 {
		t.Errorf("anomalies %+v", rv.Anomalies)
	}
	sumA := 0.0
	for _, v := range a.Values {
		sumA += v
	}
	parts := 100*(600+900)/sumA + rv.Unexplained
	if math.Abs(parts-rv.Metrics.WAPE) > 1e-9 {
		t.Errorf("events + anomalies + unexplained = %v, WAPE %v", parts, rv.Metrics.WAPE)
	}
}

// BenchmarkPredictYear30m is the publish job's biggest routine case: a year of 30-minute history,
// a 31-day horizon, every model and the backtest.
func BenchmarkPredictYear30m(b *testing.B) {
	hist := synthetic(monday, 365, 30*time.Minute, 1)
	for b.Loop() {
		if _, err := Predict(context.Background(), hist, 31*48, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPredictYear5m(b *testing.B) {
	hist := synthetic(monday, 365, 5*time.Minute, 1)
	for b.Loop() {
		if _, err := Predict(context.Background(), hist, 31*288, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPredictDaily3Years(b *testing.B) {
	hist := synthetic(monday, 3*365, 24*time.Hour, 1)
	for b.Loop() {
		if _, err := Predict(context.Background(), hist, 366, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHolidaysTheCentreClosesOn(t *testing.T) {
	hist := synthetic(monday, 8*7, time.Hour, 10)
	cal := Calendar{Holidays: map[string]string{}}
	for _, d := range []int{10, 31, 58} { // two past holidays with no data, one ahead
		cal.Holidays[monday.AddDate(0, 0, d).Format(time.DateOnly)] = "closed"
		for h := range 24 {
			if d < 56 {
				hist.Values[d*24+h] = math.NaN()
			}
		}
	}
	f, err := Predict(context.Background(), hist, 7*24, Options{Calendar: cal})
	if err != nil {
		t.Fatal(err)
	}
	for h := 2 * 24; h < 3*24; h++ {
		if f.Point[h] != 0 {
			t.Fatalf("hour %d of a closed holiday: %v", h, f.Point[h])
		}
	}
}

func TestLocalCalendar(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, loc) // the synthetic pattern follows local clock time
	hist := synthetic(start, 8*7, 30*time.Minute, 11)
	hist.Start = hist.Start.UTC() // the store hands out UTC times
	f, err := Predict(context.Background(), hist, 7*48, Options{Calendar: Calendar{Location: loc}})
	if err != nil {
		t.Fatal(err)
	}
	f.Start = f.Start.In(loc)
	if w := wapeVsExpected(t, f); w > 8 {
		t.Errorf("WAPE %.1f%% in the tenant's zone", w)
	}
}

// TestRollingCountsTheOpenInterval: a burst inside the interval holding now moves the forecast at
// once, weighed against the part of that interval's plan that has elapsed (before, the open
// interval was ignored and a burst waited for its interval to close).
func TestRollingCountsTheOpenInterval(t *testing.T) {
	step := 5 * time.Minute
	plan := Forecast{Start: monday, Step: step, Point: make([]float64, 288)}
	for i := range plan.Point {
		plan.Point[i] = 10
	}
	now := monday.Add(10*time.Hour + 2*time.Minute + 30*time.Second)          // half of the 10:00 slot
	actual := Series{Start: monday, Step: step, Values: make([]float64, 121)} // up to and with 10:00
	for i := range actual.Values {
		actual.Values[i] = 10
	}
	steady, err := Rolling(plan, actual, now, 4)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(steady.Point[1]-10) > 0.5 {
		t.Fatalf("on plan: %v, want 10 (half the open slot's plan is 5, and 10 came: %v)", steady.Point[1], steady.Point)
	}
	actual.Values[120] = 5 + 200 // a burst of 200 in the open slot
	burst, err := Rolling(plan, actual, now, 4)
	if err != nil {
		t.Fatal(err)
	}
	if burst.Point[1] < steady.Point[1]*1.5 {
		t.Fatalf("a burst of 200 in the open slot moved the next slot from %v to %v only", steady.Point[1], burst.Point[1])
	}
}
