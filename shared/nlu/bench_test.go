package nlu

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkPredict150 classifies one message at a time with a 150-intent
// model (synthetic data of CLINC150's size: 100 examples per intent). It
// reports the median and 99th-percentile time per message; the budget is
// 1 ms at p99 on one core (run with -cpu 1).
func BenchmarkPredict150(b *testing.B) {
	train := synthetic150(100, 1)
	m, err := Train(train, Options{Seed: 1, CalibrationFolds: 1})
	if err != nil {
		b.Fatal(err)
	}
	msgs := synthetic150(4, 2) // unseen messages
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t := time.Now()
		m.Predict(msgs[i%len(msgs)].Text)
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) }
	b.ReportMetric(q(0.5), "p50-ns")
	b.ReportMetric(q(0.99), "p99-ns")
}
