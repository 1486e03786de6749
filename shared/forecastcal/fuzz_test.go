package forecastcal

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzCheck feeds the rules arbitrary event and settings bodies, as the api decodes them. They
// must never panic, and every problem must point into the body (a member the rules know). Seeds:
// valid and broken bodies, and the kept corpus in testdata/fuzz/FuzzCheck.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{"id":"sale","type":"campaign","name":"Sale","queue":"general","source":"planned","windows":[{"start":"2099-01-01T00:00:00Z","end":"2099-01-02T00:00:00Z"}]}`,
		`{"id":"x","type":"outage","name":"x","source":"history","windows":[{"start":"2020-01-01T00:00:00Z","end":"2020-01-01T00:00:00Z"},{"start":"2019-12-31T00:00:00Z","end":"2020-01-02T00:00:00Z"}]}`,
		`{"time_zone":"Asia/Shanghai","holidays":[{"date":"2025-10-01","name":"National Day"},{"date":"2025-10-01","name":""}]}`,
		`{"time_zone":"../etc/passwd"}`,
	} {
		f.Add([]byte(s))
	}
	known := func(q string) bool { return q == "general" }
	f.Fuzz(func(t *testing.T, b []byte) {
		var e Event
		if json.Unmarshal(b, &e) == nil {
			for _, p := range e.Check(now, known) {
				if !strings.HasPrefix(p.Field, "/id") && !strings.HasPrefix(p.Field, "/type") && !strings.HasPrefix(p.Field, "/name") &&
					!strings.HasPrefix(p.Field, "/queue") && !strings.HasPrefix(p.Field, "/windows") {
					t.Fatalf("event problem %v", p)
				}
			}
		}
		var s Settings
		if json.Unmarshal(b, &s) == nil {
			for _, p := range s.Check() {
				if !strings.HasPrefix(p.Field, "/time_zone") && !strings.HasPrefix(p.Field, "/holidays") {
					t.Fatalf("settings problem %v", p)
				}
			}
		}
	})
}
