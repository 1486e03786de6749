package stream

import (
	"strings"
	"testing"
	"time"
)

func TestBackoffCap(t *testing.T) {
	p := NewPublisher(nil, "events", WithBackoff(100*time.Millisecond, 5*time.Second))
	tests := map[string]struct {
		n    int
		want time.Duration
	}{
		"no retry yet":             {0, 0},
		"first retry":              {1, 100 * time.Millisecond},
		"second retry":             {2, 200 * time.Millisecond},
		"sixth retry":              {6, 3200 * time.Millisecond},
		"capped":                   {7, 5 * time.Second},
		"huge n does not overflow": {1000, 5 * time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := p.backoffCap(tc.n); got != tc.want {
				t.Fatalf("backoffCap(%d) = %v, want %v", tc.n, got, tc.want)
			}
		})
	}
}

func TestPeekID(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"whole envelope":       {`{"type":"x","id":"evt-1","data":{"id":"inner"}}`, "evt-1"},
		"truncated after id":   {`{"id":"evt-2","type":"call.`, "evt-2"},
		"nested id is ignored": {`{"data":{"id":"inner"}}`, ""},
		"id not a string":      {`{"id":7}`, ""},
		"not an object":        {`["id","x"]`, ""},
		"garbage":              {"\x00\xff", ""},
		"empty":                {"", ""},
		"long id is cut":       {`{"id":"` + strings.Repeat("é", 200) + `"}`, strings.Repeat("é", 128) + "…"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := peekID([]byte(tc.in)); got != tc.want {
				t.Fatalf("peekID(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
