package spikes

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// rate is the synthetic topic's expected contacts per 5 minutes at t (local): 20 on weekday
// days 08:00–18:00, 60 on Monday 09:00–11:00 (the Monday-morning peak), 2 at night and weekends.
func rate(t time.Time) float64 {
	wd, h := t.Weekday(), t.Hour()
	switch {
	case wd == time.Saturday || wd == time.Sunday || h < 8 || h >= 18:
		return 2
	case wd == time.Monday && h >= 9 && h < 11:
		return 60
	}
	return 20
}

// poisson draws a Poisson count (Knuth's method is fine at these rates).
func poisson(rng *rand.Rand, mean float64) float64 {
	l, k, p := math.Exp(-mean), 0.0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// series is topic's 5-minute counts from from for days days, the rate times factor(t).
func series(rng *rand.Rand, topic string, from time.Time, days int, factor func(time.Time) float64) []Count {
	var out []Count
	loc := from.Location()
	for d := range days {
		day := from.AddDate(0, 0, d)
		for t := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc); t.Day() == day.Day(); t = t.Add(5 * time.Minute) {
			f := 1.0
			if factor != nil {
				f = factor(t)
			}
			out = append(out, Count{Start: t, Topic: topic, N: poisson(rng, rate(t)*f)})
		}
	}
	return out
}

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// learned is a baseline of 8 weeks of the synthetic topic "billing" before 2026-03-02 (a Monday).
func learned(t *testing.T, loc *time.Location) (*Baseline, Config, time.Time) {
	t.Helper()
	cfg := Config{Location: loc}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, loc)
	rng := rand.New(rand.NewPCG(1, 2))
	b := Learn(series(rng, "billing", start.AddDate(0, 0, -56), 56, nil), cfg)
	return b, cfg, start
}

func TestRiseCaughtAtOnce(t *testing.T) {
	b, cfg, start := learned(t, shanghai)
	onset := start.AddDate(0, 0, 1).Add(10 * time.Hour) // Tuesday 10:00
	rng := rand.New(rand.NewPCG(3, 4))
	live := series(rng, "billing", start.AddDate(0, 0, 1), 1, func(t time.Time) float64 {
		if !t.Before(onset) && t.Before(onset.Add(time.Hour)) {
			return 3
		}
		return 1
	})
	alerts := Scan(b, live, cfg)
	if len(alerts) != 1 {
		t.Fatalf("alerts %+v, want one", alerts)
	}
	a := alerts[0]
	if !a.Onset.Equal(onset) {
		t.Errorf("onset %v, want %v", a.Onset, onset)
	}
	if a.At.After(onset.Add(2 * b.Interval)) {
		t.Errorf("seen at %v, want by the close of the second interval (%v)", a.At, onset.Add(2*b.Interval))
	}
	if a.Count < 2*a.Expected || a.Score < cfg.withDefaults().Threshold {
		t.Errorf("alert %+v: want count ≥ 2× expected and score ≥ threshold", a)
	}
}

func TestPartialIntervalSeesTheBurst(t *testing.T) {
	b, cfg, start := learned(t, shanghai)
	at := start.AddDate(0, 0, 1).Add(10 * time.Hour)
	recent := []Count{
		{Start: at.Add(-10 * time.Minute), Topic: "billing", N: 19},
		{Start: at.Add(-5 * time.Minute), Topic: "billing", N: 22},
		{Start: at, Topic: "billing", N: 34}, // 2 minutes in: 34 where 8 were expected
	}
	a, ok := Check(b, recent, 0.4, cfg)
	if !ok {
		t.Fatal("a 34-in-2-minutes burst over 20 per 5 minutes was not an alert")
	}
	if !a.Onset.Equal(at) || !a.At.Equal(at.Add(2*time.Minute)) {
		t.Errorf("alert %+v: want onset %v, at %v", a, at, at.Add(2*time.Minute))
	}
	recent[2].N = 9 // on course for 22 in the interval: normal
	if a, ok := Check(b, recent, 0.4, cfg); ok {
		t.Errorf("9 in 2 minutes alerted: %+v", a)
	}
}

// A normal week — Monday's 3× morning peak, nights, weekends — raises nothing, in a zone with
// no daylight saving and in one that changes its clocks during the week learned and scanned.
func TestNormalWeekNoAlarms(t *testing.T) {
	for _, zone := range []string{"Asia/Shanghai", "America/New_York", "Europe/Berlin"} {
		t.Run(zone, func(t *testing.T) {
			loc := mustZone(zone)
			cfg := Config{Location: loc}
			// New York moves its clocks on 2026-03-08, Berlin on 03-29: scan the weeks holding them.
			live0 := time.Date(2026, 3, 2, 0, 0, 0, 0, loc)
			if zone == "Europe/Berlin" {
				live0 = time.Date(2026, 3, 23, 0, 0, 0, 0, loc)
			}
			rng := rand.New(rand.NewPCG(5, 6))
			b := Learn(series(rng, "billing", live0.AddDate(0, 0, -56), 56, nil), cfg)
			live := series(rng, "billing", live0, 7, nil)
			if alerts := Scan(b, live, cfg); len(alerts) > 0 {
				t.Errorf("%d alerts on a normal week, the first %+v", len(alerts), alerts[0])
			}
			mon := time.Date(live0.Year(), live0.Month(), live0.Day(), 9, 30, 0, 0, loc)
			if e := b.Expected("billing", mon); math.Abs(e-60) > 8 {
				t.Errorf("expected %.1f on Monday 09:30 local, want about 60", e)
			}
		})
	}
}

// The slots follow the local clock across a change of the clocks: a baseline learned before
// New York's spring change still expects the 09:00 peak at 09:00 local after it.
func TestSlotsFollowLocalClock(t *testing.T) {
	ny := mustZone("America/New_York")
	cfg := Config{Location: ny}
	rng := rand.New(rand.NewPCG(7, 8))
	b := Learn(series(rng, "billing", time.Date(2026, 1, 5, 0, 0, 0, 0, ny), 56, nil), cfg)
	after := time.Date(2026, 3, 9, 9, 0, 0, 0, ny) // Monday after the change (EDT)
	if e := b.Expected("billing", after); math.Abs(e-60) > 8 {
		t.Errorf("expected %.1f at 09:00 EDT, want about 60", e)
	}
	if e := b.Expected("billing", after.Add(-time.Hour)); math.Abs(e-20) > 5 {
		t.Errorf("expected %.1f at 08:00 EDT, want about 20", e)
	}
}

func TestColdTopic(t *testing.T) {
	b, cfg, start := learned(t, shanghai)
	at := start.AddDate(0, 0, 1).Add(10 * time.Hour)
	if a, ok := Check(b, []Count{{Start: at, Topic: "new-topic", N: 2}}, 1, cfg); ok {
		t.Errorf("2 messages of a topic never seen alerted: %+v", a)
	}
	if a, ok := Check(b, []Count{{Start: at, Topic: "billing", N: 1}, {Start: at.Add(5 * time.Minute), Topic: "billing", N: 3}}, 1, Config{Location: shanghai}); ok {
		t.Errorf("1 → 3 alerted: %+v", a)
	}
	// An emerging topic with 25 messages in 5 minutes is news.
	a, ok := Check(b, []Count{{Start: at, Topic: "new-topic", N: 25}}, 1, cfg)
	if !ok || a.Expected != b.Floor {
		t.Errorf("25 messages of a new topic: alert %+v %v, want one against the floor %v", a, ok, b.Floor)
	}
}

func TestMinCount(t *testing.T) {
	b, _, start := learned(t, shanghai)
	night := start.AddDate(0, 0, 1).Add(2 * time.Hour) // 2 expected per 5 minutes
	recent := []Count{{Start: night, Topic: "billing", N: 9}}
	if _, ok := Check(b, recent, 1, Config{Location: shanghai, MinCount: 10}); ok {
		t.Error("9 contacts alerted under MinCount 10")
	}
	if _, ok := Check(b, recent, 1, Config{Location: shanghai, MinCount: 5, Threshold: 3}); !ok {
		t.Error("9 contacts against 2 expected did not alert at MinCount 5, threshold 3")
	}
}

// One alert while a spike lasts; a second spike after it ended is a second alert.
func TestSuppressionWhileSpikeLasts(t *testing.T) {
	b, cfg, start := learned(t, shanghai)
	day := start.AddDate(0, 0, 2)
	first, second := day.Add(9*time.Hour), day.Add(14*time.Hour)
	rng := rand.New(rand.NewPCG(9, 10))
	live := series(rng, "billing", day, 1, func(t time.Time) float64 {
		switch {
		case !t.Before(first) && t.Before(first.Add(2*time.Hour)):
			return 3
		case !t.Before(second) && t.Before(second.Add(time.Hour)):
			return 4
		}
		return 1
	})
	alerts := Scan(b, live, cfg)
	if len(alerts) != 2 {
		t.Fatalf("%d alerts %+v, want 2 (one per spike)", len(alerts), alerts)
	}
	if !alerts[0].Onset.Equal(first) || !alerts[1].Onset.Equal(second) {
		t.Errorf("onsets %v and %v, want %v and %v", alerts[0].Onset, alerts[1].Onset, first, second)
	}
}

func TestWithExpected(t *testing.T) {
	b, cfg, start := learned(t, shanghai)
	at := start.AddDate(0, 0, 1).Add(10 * time.Hour)
	recent := []Count{{Start: at, Topic: "billing", N: 70}}
	if _, ok := Check(b, recent, 1, cfg); !ok {
		t.Fatal("70 against 20 expected did not alert")
	}
	// The tenant's forecast knows of a campaign: 65 expected.
	fb := b.WithExpected(func(topic string, _ time.Time) (float64, bool) { return 65, topic == "billing" })
	if a, ok := Check(fb, recent, 1, cfg); ok {
		t.Errorf("alerted against a forecast of 65: %+v", a)
	}
	if fb.Expected("other", at) != b.Floor || b.Expected("billing", at) == 65 {
		t.Error("WithExpected changed other topics or the original baseline")
	}
}

func TestBaselineJSON(t *testing.T) {
	b, _, start := learned(t, shanghai)
	p, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var back Baseline
	if err := json.Unmarshal(p, &back); err != nil {
		t.Fatal(err)
	}
	for h := range 24 {
		at := start.Add(time.Duration(h) * time.Hour)
		if back.Expected("billing", at) != b.Expected("billing", at) {
			t.Fatalf("at %v: %v after the round trip, %v before", at, back.Expected("billing", at), b.Expected("billing", at))
		}
	}
	for name, bad := range map[string]string{
		"zone":     `{"interval_ns":300000000000,"zone":"Mars/Base","floor":0.1,"topics":{}}`,
		"interval": `{"interval_ns":7,"zone":"UTC","floor":0.1,"topics":{}}`,
		"slots":    `{"interval_ns":300000000000,"zone":"UTC","floor":0.1,"topics":{"a":{"slots":[1,2],"alpha":0.1}}}`,
	} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s: a bad baseline was accepted", name)
		}
	}
}

// nbScore against the tail summed term by term.
func TestNBScore(t *testing.T) {
	for _, c := range []struct{ x, m, alpha float64 }{
		{10, 3, 0.01}, {30, 10, 0.1}, {60, 20, 0.05}, {7, 1, 0.5}, {200, 100, 0.01}, {25, 20, 0.2},
	} {
		r := 1 / c.alpha
		q := c.m / (c.m + r)
		// P(X=k) = Γ(k+r)/(Γ(r) k!) (1−q)^r q^k
		tail := 0.0
		for k := c.x; k < c.x+5000; k++ {
			lg1, _ := math.Lgamma(k + r)
			lg2, _ := math.Lgamma(r)
			lg3, _ := math.Lgamma(k + 1)
			tail += math.Exp(lg1 - lg2 - lg3 + r*math.Log1p(-q) + k*math.Log(q))
		}
		want := -math.Log10(tail)
		if got := nbScore(c.x, c.m, c.alpha); math.Abs(got-want) > 1e-6*math.Max(1, want) {
			t.Errorf("nbScore(%v, %v, %v) = %v, want %v", c.x, c.m, c.alpha, got, want)
		}
	}
	if s := nbScore(5000, 100, 0.01); math.IsInf(s, 0) || math.IsNaN(s) || s < 300 {
		t.Errorf("far tail score %v, want a finite score above 300", s)
	}
	if s := nbScore(3, 5, 0.1); s != 0 {
		t.Errorf("score %v below the mean, want 0", s)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]Config{
		"interval":  {Interval: 7 * time.Minute},
		"short":     {Interval: time.Second},
		"threshold": {Threshold: math.NaN()},
		"window":    {Window: -1},
		"floor":     {Floor: -1},
	} {
		if c.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (Config{Interval: 6 * time.Minute}).Validate(); err != nil {
		t.Errorf("6m: %v", err)
	}
}

// A zero Baseline expects the floor of nothing everywhere and does not divide by its interval.
func TestZeroBaseline(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	live := []Count{{Start: at, Topic: "a", N: 1}, {Start: at.Add(5 * time.Minute), Topic: "a", N: 40}}
	if got := Scan(&Baseline{}, live, Config{}); len(got) != 1 || !got[0].Onset.Equal(at.Add(5*time.Minute)) {
		t.Errorf("alerts %+v, want one from the second interval", got)
	}
}
