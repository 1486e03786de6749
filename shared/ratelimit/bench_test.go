package ratelimit

import (
	"slices"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
)

// BenchmarkAllow measures a decision's cost against dynalite over loopback: its median latency
// (p50-µs) and the DynamoDB calls (calls/op) and conditional-write failures (condfails/op) it
// makes. "admit" stays under the limit (the steady state: one UpdateItem each); "over" asks twice
// the limit's rate, so half the requests are refused, each after a call (the bucket admits again
// before this instance asks again); "flood" asks ten times the rate: most refusals are local.
//
//	go run ./infra/cmd/emulators -- go test -run '^$' -bench BenchmarkAllow ./shared/ratelimit
func BenchmarkAllow(b *testing.B) {
	cases := map[string]struct {
		lim  Limit
		step time.Duration // clock advance per request
	}{
		"admit": {Limit{Count: 1000, Per: time.Second, Burst: 1000}, time.Millisecond},
		"over":  {Limit{Count: 100, Per: time.Second, Burst: 10}, 5 * time.Millisecond},
		"flood": {Limit{Count: 100, Per: time.Second, Burst: 10}, time.Millisecond},
	}
	for _, name := range []string{"admit", "over", "flood"} {
		tc := cases[name]
		b.Run(name, func(b *testing.B) {
			db, table := newTableB(b)
			clk := newClock()
			l := New(db, table, Options{Limits: &fixed{lim: tc.lim}, Now: clk.Now, Timeout: time.Minute})
			id := mustTenantB(b, "bench")
			lat := make([]time.Duration, 0, b.N)
			refused := 0
			b.ResetTimer()
			for b.Loop() {
				clk.Advance(tc.step)
				start := time.Now()
				d, err := l.Allow(b.Context(), id, httpapi.RateChat)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if !d.Allowed {
					refused++
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			s := l.Stats()
			n := float64(len(lat))
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(s.Calls)/n, "calls/op")
			b.ReportMetric(float64(s.ConditionFailures)/n, "condfails/op")
			b.ReportMetric(float64(refused)/n, "refused/op")
		})
	}
}
