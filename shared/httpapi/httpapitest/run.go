package httpapitest

// The runner both functions' suites share: every write route a function serves must have a Route,
// and every Case sent to it must be a 4xx problem that commits nothing and leaves the route's GET
// answers as they were.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
)

// Committer is a function's store-and-events writer (shared/outbox), as its handler package
// declares it.
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error
}

// CountingCommitter counts the commits that went through Next, so a suite can tell that a request
// wrote nothing.
type CountingCommitter struct {
	Next Committer
	n    atomic.Int64
}

// Commit commits through Next and counts it if it went through.
func (c *CountingCommitter) Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error {
	err := c.Next.Commit(ctx, ops, evs...)
	if err == nil {
		c.n.Add(1)
	}
	return err
}

// Commits is how many commits went through so far.
func (c *CountingCommitter) Commits() int64 { return c.n.Load() }

// Answer is a function's answer to one request: its status and its body decoded as JSON.
type Answer struct {
	Status int
	Body   map[string]any
}

// Suite is one function's standing bad-input suite.
type Suite struct {
	// Routes has a line per write route, keyed by route key ("PUT /v1/intents/{id}").
	Routes map[string]Route
	// Served are the route keys the function serves; its GET routes are not write routes.
	Served []string
	// Where names the file holding Routes, for the failure that asks for a missing line.
	Where string
	// Key is the API key of routes whose Route.Key is empty.
	Key string
	// Send makes one request with the given Content-Type.
	Send func(t *testing.T, method, path, key, body, contentType string) Answer
	// Get answers a GET of path with Key as text to compare: status, validators and body.
	Get func(t *testing.T, path string) string
	// Commits counts the commits so far (CountingCommitter.Commits).
	Commits func() int64
	// Events lists the events on the function's stream so far, each as "type subject".
	Events func(t *testing.T) []string
}

// RunWriteRoutes checks that s.Routes names exactly the write routes served, then sends every Case
// of every route and fails unless each is a 4xx problem (pointing at the case's field, without
// decoder text) that commits nothing and leaves the route's GET answers as they were; and at the
// end, that no event was emitted.
func RunWriteRoutes(t *testing.T, s Suite) {
	t.Helper()
	eventsBefore := len(s.Events(t))
	var keys []string
	for _, rk := range s.Served {
		if strings.HasPrefix(rk, "GET ") {
			continue
		}
		if _, ok := s.Routes[rk]; !ok {
			t.Errorf("write route %s has no bad-input line: add one to badInputRoutes (%s)", rk, s.Where)
			continue
		}
		keys = append(keys, rk)
	}
	for rk := range s.Routes {
		if !slices.Contains(s.Served, rk) {
			t.Errorf("badInputRoutes names %s, which the function does not serve", rk)
		}
	}
	slices.Sort(keys)
	for _, rk := range keys {
		route := s.Routes[rk]
		t.Run(rk, func(t *testing.T) {
			if route.Pending != "" {
				t.Skip(route.Pending)
			}
			method, _, _ := strings.Cut(rk, " ")
			key := route.Key
			if key == "" {
				key = s.Key
			}
			snapshot := func(t *testing.T) []string {
				t.Helper()
				var out []string
				for _, path := range route.Get {
					out = append(out, path+" → "+s.Get(t, path))
				}
				return out
			}
			before := snapshot(t)
			for _, tc := range Cases(route) {
				t.Run(tc.Name, func(t *testing.T) {
					commits := s.Commits()
					ct := tc.ContentType
					if ct == "" {
						ct = "application/json"
					}
					r := s.Send(t, method, route.Path, key, tc.Body, ct)
					if r.Status < 400 || r.Status >= 500 {
						t.Fatalf("status %d, want a 4xx problem: %v", r.Status, r.Body)
					}
					if typ, _ := r.Body["type"].(string); !strings.HasPrefix(typ, "urn:lingxi:problem:") || r.Body["status"] != float64(r.Status) {
						t.Fatalf("not a problem: %v", r.Body)
					}
					if tc.Field != "" && !slices.Contains(fields(r.Body), tc.Field) {
						t.Fatalf("problem %v does not point at %s", r.Body, tc.Field)
					}
					if detail, _ := r.Body["detail"].(string); strings.Contains(detail, "json:") || strings.Contains(detail, "Go value") {
						t.Fatalf("decoder text reached the caller: %q", detail)
					}
					if n := s.Commits() - commits; n != 0 {
						t.Fatalf("a refused request committed %d writes", n)
					}
					if after := snapshot(t); !slices.Equal(after, before) {
						t.Fatalf("state changed:\nbefore %v\nafter  %v", before, after)
					}
				})
			}
		})
	}
	if evs := s.Events(t); len(evs) != eventsBefore {
		t.Fatalf("bad input emitted %d events: %v", len(evs)-eventsBefore, evs[eventsBefore:])
	}
}

// fields lists the JSON pointers a problem's errors name.
func fields(problem map[string]any) []string {
	var out []string
	errs, _ := problem["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			out = append(out, fmt.Sprint(m["field"]))
		}
	}
	return out
}
