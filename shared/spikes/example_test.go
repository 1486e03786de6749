package spikes_test

import (
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/spikes"
)

// A topic with 10 contacts every 5 minutes for four weeks, then 30 a 5 minutes from 10:00: 30
// against 10 is not yet enough at the default threshold (a score of about 6), 60 against 20 is.
func ExampleScan() {
	cfg := spikes.Config{Interval: 5 * time.Minute}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var history, live []spikes.Count
	for t := start.AddDate(0, 0, -28); t.Before(start); t = t.Add(cfg.Interval) {
		history = append(history, spikes.Count{Start: t, Topic: "refund", N: 10})
	}
	for t := start.Add(9 * time.Hour); t.Before(start.Add(11 * time.Hour)); t = t.Add(cfg.Interval) {
		n := 10.0
		if t.Hour() == 10 {
			n = 30
		}
		live = append(live, spikes.Count{Start: t, Topic: "refund", N: n})
	}
	b := spikes.Learn(history, cfg)
	for _, a := range spikes.Scan(b, live, cfg) {
		fmt.Printf("%s from %s, seen %s: %g contacts, %g expected\n", a.Topic, a.Onset.Format("15:04"), a.At.Format("15:04"), a.Count, a.Expected)
	}
	// Output: refund from 10:00, seen 10:10: 60 contacts, 20 expected
}

// Check on a topic's last intervals, the current one 40% through, against an expectation the
// caller brings (a queue's forecast: 12 contacts per 5 minutes) rather than a learned history.
func ExampleCheck() {
	cfg := spikes.Config{Interval: 5 * time.Minute, Alpha: 0.05}
	forecast := func(topic string, at time.Time) (float64, bool) { return 12, topic == "queue:billing" }
	b := spikes.Learn(nil, cfg).WithExpected(forecast)
	now := time.Date(2026, 3, 3, 10, 12, 0, 0, time.UTC)
	recent := []spikes.Count{
		{Start: now.Add(-12 * time.Minute), Topic: "queue:billing", N: 11},
		{Start: now.Add(-7 * time.Minute), Topic: "queue:billing", N: 45},
		{Start: now.Add(-2 * time.Minute), Topic: "queue:billing", N: 22},
	}
	if a, ok := spikes.Check(b, recent, 0.4, cfg); ok {
		fmt.Printf("%s from %s: %g contacts, %.1f expected\n", a.Topic, a.Onset.Format("15:04"), a.Count, a.Expected)
	}
	// Output: queue:billing from 10:05: 67 contacts, 16.8 expected
}
