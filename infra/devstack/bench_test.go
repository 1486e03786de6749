package devstack

import (
	"io"
	"net/http"
	"sort"
	"testing"
	"time"
)

// BenchmarkHTTPOverhead measures one HTTP API request to a function that does nothing: the cost
// devstack adds (route match, event encoding, Runtime API round trip, response mapping) plus the
// bootstrap's own request handling. It reports the median and 99th percentile besides ns/op.
//
//	go test -run '^$' -bench HTTPOverhead -benchtime 2000x ./infra/devstack/
func BenchmarkHTTPOverhead(b *testing.B) {
	st, _ := startStack(b, "bench.yaml", nil)
	url := st.HTTPURL() + "/hello"
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
	get := func() time.Duration {
		start := time.Now()
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return time.Since(start)
	}
	for range 50 { // cold start and warm-up
		get()
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		lat = append(lat, get())
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	if s := st.Stats("Hello"); s.ColdStarts != 1 {
		b.Errorf("sequential requests used %d instances, want 1", s.ColdStarts)
	}
}
