package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// txCommitter commits ops with store.Tx; events are not part of these tests.
type txCommitter struct{ db *store.Store }

func (c txCommitter) Commit(ctx context.Context, ops []store.Op, _ ...events.Envelope) error {
	return c.db.Tx(ctx, ops...)
}

func newGuard(t *testing.T) (*Guard, *store.Store) {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	db := store.New(ddb, table)
	return New(db, txCommitter{db}, slog.New(slog.NewTextHandler(io.Discard, nil))), db
}

// request is a POST to path with body and, unless key is "", an Idempotency-Key.
func request(path, body, key string) *httpapi.Request {
	r := &httpapi.Request{APIGatewayV2HTTPRequest: awsevents.APIGatewayV2HTTPRequest{RawPath: path, Body: body, Headers: map[string]string{}}}
	r.RequestContext.HTTP.Method = http.MethodPost
	if key != "" {
		r.Headers["idempotency-key"] = key
	}
	return r
}

// problemSlug is err's problem type slug, "" if it is not a caller-facing error.
func problemSlug(err error) string {
	var e *httpapi.Error
	if !errors.As(err, &e) {
		return ""
	}
	return e.Kind.Slug
}

// The guard's contract in both scopes, through the real store: one run per key, replay of the
// stored bytes, 422 for another request, 409 while running, a failure or panic frees the key.
func TestGuard(t *testing.T) {
	g, db := newGuard(t)
	acme, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	scopes := map[string]Scope{"tenant": ForTenant(acme), "platform": Platform}
	for name, sc := range scopes {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			route := Route{Key: "POST /v1/things", Secrets: []string{"/secret"}}
			runs := 0
			n := 0
			create := func(ctx context.Context) (httpapi.Response, error) {
				runs++
				n++
				item := store.Key{Kind: "thing", ID: name + "-" + string(rune('a'+n))}
				op := store.PlatformCreateOp(item, map[string]any{"n": n})
				if err := g.Committer().Commit(ctx, []store.Op{op}); err != nil {
					return httpapi.Response{}, err
				}
				return httpapi.Response{Status: http.StatusCreated, Body: map[string]any{"id": item.ID, "secret": "s3cr3t", "note": "<&>"}, Headers: map[string]string{"Cache-Control": "no-store"}}, nil
			}

			first, err := g.Do(ctx, request("/v1/things", `{"a":1}`, "k1"), sc, route, create)
			if err != nil || first.Status != http.StatusCreated {
				t.Fatalf("first: %v %v", first, err)
			}
			body, _ := first.Body.(json.RawMessage)
			if !strings.Contains(string(body), `"secret":"s3cr3t"`) || !strings.Contains(string(body), `"<&>"`) {
				t.Fatalf("first body %s", body)
			}
			again, err := g.Do(ctx, request("/v1/things", `{"a":1}`, "k1"), sc, route, create)
			if err != nil || runs != 1 || again.Status != http.StatusCreated || again.Headers[ReplayedHeader] != "true" ||
				again.Headers[OmittedHeader] != "/secret" || again.Headers["Cache-Control"] != "no-store" {
				t.Fatalf("replay: %v %v after %d runs", again, err, runs)
			}
			if b, _ := again.Body.(json.RawMessage); strings.Contains(string(b), "s3cr3t") || !strings.Contains(string(b), `"note":"<&>"`) {
				t.Fatalf("replayed body %s", b)
			}
			_, err = g.Do(ctx, request("/v1/things", `{"a":2}`, "k1"), sc, route, create)
			if problemSlug(err) != "idempotency-key-reused" || runs != 1 {
				t.Fatalf("another body: %v", err)
			}
			// The same key on another route is another key.
			if _, err := g.Do(ctx, request("/v1/things", `{"a":2}`, "k1"), sc, Route{Key: "POST /v1/other"}, create); err != nil || runs != 2 {
				t.Fatalf("another route: %v after %d runs", err, runs)
			}

			// While running: 409, and another request is 422.
			running, release := make(chan struct{}), make(chan struct{})
			done := make(chan error, 1)
			go func() {
				_, err := g.Do(ctx, request("/v1/things", `{}`, "k2"), sc, route, func(ctx context.Context) (httpapi.Response, error) {
					close(running)
					<-release
					return create(ctx)
				})
				done <- err
			}()
			<-running
			if _, err := g.Do(ctx, request("/v1/things", `{}`, "k2"), sc, route, create); problemSlug(err) != "idempotency-key-in-flight" {
				t.Fatalf("while running: %v", err)
			}
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}

			// A failure, a panic and a conflicting held commit each free the key.
			fail := errors.New("boom")
			if _, err := g.Do(ctx, request("/v1/things", `{}`, "k3"), sc, route, func(context.Context) (httpapi.Response, error) { return httpapi.Response{}, fail }); !errors.Is(err, fail) {
				t.Fatalf("failing run: %v", err)
			}
			func() {
				defer func() { _ = recover() }()
				_, _ = g.Do(ctx, request("/v1/things", `{}`, "k4"), sc, route, func(context.Context) (httpapi.Response, error) { panic("boom") })
			}()
			taken := store.Key{Kind: "thing", ID: name + "-taken"}
			if err := db.Tx(ctx, store.PlatformCreateOp(taken, nil)); err != nil {
				t.Fatal(err)
			}
			_, err = g.Do(ctx, request("/v1/things", `{}`, "k5"), sc, route, func(ctx context.Context) (httpapi.Response, error) {
				return httpapi.JSON(http.StatusCreated, nil), g.Committer().Commit(ctx, []store.Op{store.PlatformCreateOp(taken, nil)})
			})
			if problemSlug(err) != "conflict" {
				t.Fatalf("conflicting held commit: %v", err)
			}
			for _, k := range []string{"k3", "k4", "k5"} {
				before := runs
				if r, err := g.Do(ctx, request("/v1/things", `{}`, k), sc, route, create); err != nil || runs != before+1 || r.Headers[ReplayedHeader] != "" {
					t.Fatalf("%s after a failure: %v %v, want a run", k, r, err)
				}
			}
		})
	}
}

// Requests without the header run as they are; a bad key is 400; a guard that is not configured
// refuses the header rather than run without its guarantee.
func TestGuardHeader(t *testing.T) {
	g, _ := newGuard(t)
	ctx := context.Background()
	ran := 0
	run := func(ctx context.Context) (httpapi.Response, error) {
		ran++
		if Active(ctx) {
			t.Error("a request without the header has a reservation")
		}
		return httpapi.JSON(http.StatusOK, nil), nil
	}
	for range 2 {
		if _, err := g.Do(ctx, request("/v1/x", "", ""), Platform, Route{Key: "POST /v1/x"}, run); err != nil {
			t.Fatal(err)
		}
	}
	if ran != 2 {
		t.Fatalf("ran %d times without the header, want 2", ran)
	}
	for name, key := range map[string]string{"empty": "", "too long": strings.Repeat("k", MaxKeyLen+1), "control": "a\tb", "non-ASCII": "clé"} {
		r := request("/v1/x", "", "")
		r.Headers["idempotency-key"] = key
		if _, err := g.Do(ctx, r, Platform, Route{Key: "POST /v1/x"}, run); problemSlug(err) != "validation" {
			t.Errorf("%s key: %v", name, err)
		}
	}
	var none *Guard
	if _, err := none.Do(ctx, request("/v1/x", "", "k"), Platform, Route{Key: "POST /v1/x"}, run); problemSlug(err) != "unavailable" {
		t.Fatalf("no guard: %v", err)
	}
	if _, err := none.Do(ctx, request("/v1/x", "", ""), Platform, Route{Key: "POST /v1/x"}, run); err != nil || ran != 3 {
		t.Fatalf("no guard, no header: %v", err)
	}
}

// DoneOps gives the op that stores the response in the caller's own transaction, again for every
// attempt; a request that both held commits and staged its response is refused; a response too
// large to keep fails the request and frees its key.
func TestDoneOps(t *testing.T) {
	g, db := newGuard(t)
	ctx := context.Background()
	route := Route{Key: "POST /v1/turns"}
	if ops, err := DoneOps(ctx, httpapi.JSON(http.StatusOK, nil)); ops != nil || err != nil {
		t.Fatalf("outside a request: %v %v", ops, err)
	}
	item := store.Key{Kind: "turn", ID: "t1"}
	r, err := g.Do(ctx, request("/v1/turns", `{}`, "k1"), Platform, route, func(ctx context.Context) (httpapi.Response, error) {
		// A first attempt loses a race; the second commits with the new response.
		for attempt := range 2 {
			resp := httpapi.JSON(http.StatusOK, map[string]int{"attempt": attempt})
			ops, err := DoneOps(ctx, resp)
			if err != nil {
				return httpapi.Response{}, err
			}
			if attempt == 0 {
				continue
			}
			if err := db.Tx(ctx, append(ops, store.PlatformCreateOp(item, nil))...); err != nil {
				return httpapi.Response{}, err
			}
			return resp, nil
		}
		return httpapi.Response{}, errors.New("unreachable")
	})
	if err != nil || string(r.Body.(json.RawMessage)) != `{"attempt":1}` {
		t.Fatalf("first: %v %v", r, err)
	}
	again, err := g.Do(ctx, request("/v1/turns", `{}`, "k1"), Platform, route, func(context.Context) (httpapi.Response, error) {
		t.Fatal("ran twice")
		return httpapi.Response{}, nil
	})
	if err != nil || string(again.Body.(json.RawMessage)) != `{"attempt":1}` {
		t.Fatalf("replay: %v %v", again, err)
	}

	_, err = g.Do(ctx, request("/v1/turns", `{}`, "k2"), Platform, route, func(ctx context.Context) (httpapi.Response, error) {
		if err := g.Committer().Commit(ctx, []store.Op{store.PlatformCreateOp(store.Key{Kind: "turn", ID: "t2"}, nil)}); err != nil {
			return httpapi.Response{}, err
		}
		_, err := DoneOps(ctx, httpapi.JSON(http.StatusOK, nil))
		return httpapi.Response{}, err
	})
	if !errors.Is(err, errCommitHeldAndStaged) {
		t.Fatalf("held and staged: %v", err)
	}
	// Once staged, the guard's Committer commits at once: the write is there before the answer.
	staged := store.Key{Kind: "turn", ID: "t3"}
	_, err = g.Do(ctx, request("/v1/turns", `{}`, "k4"), Platform, route, func(ctx context.Context) (httpapi.Response, error) {
		resp := httpapi.JSON(http.StatusAccepted, nil)
		ops, err := DoneOps(ctx, resp)
		if err != nil {
			return httpapi.Response{}, err
		}
		if err := g.Committer().Commit(ctx, append(ops, store.PlatformCreateOp(staged, nil))); err != nil {
			return httpapi.Response{}, err
		}
		if _, err := db.PlatformGet(ctx, staged, nil); err != nil {
			return httpapi.Response{}, fmt.Errorf("the staged commit is not there yet: %w", err)
		}
		return resp, nil
	})
	if err != nil {
		t.Fatalf("staged, then committed: %v", err)
	}
	if r, err := g.Do(ctx, request("/v1/turns", `{}`, "k4"), Platform, route, nil); err != nil || r.Status != http.StatusAccepted || r.Headers[ReplayedHeader] != "true" {
		t.Fatalf("replay of the staged request: %v %v", r, err)
	}

	huge := strings.Repeat("x", MaxStoredBody)
	_, err = g.Do(ctx, request("/v1/turns", `{}`, "k3"), Platform, route, func(ctx context.Context) (httpapi.Response, error) {
		return httpapi.JSON(http.StatusOK, map[string]string{"text": huge}), nil
	})
	if problemSlug(err) != "idempotency-response-too-large" {
		t.Fatalf("huge response: %v", err)
	}
	if _, err := g.Do(ctx, request("/v1/turns", `{}`, "k3"), Platform, route, func(context.Context) (httpapi.Response, error) {
		return httpapi.JSON(http.StatusOK, nil), nil
	}); err != nil {
		t.Fatalf("the key after a too-large response: %v", err)
	}
}

// Held commits must fit one transaction with the response; the refusal names the limit.
func TestHeldCommitsFitOneTransaction(t *testing.T) {
	g, _ := newGuard(t)
	_, err := g.Do(context.Background(), request("/v1/bulk", `{}`, "k"), Platform, Route{Key: "POST /v1/bulk"}, func(ctx context.Context) (httpapi.Response, error) {
		ops := make([]store.Op, store.MaxTxOps)
		for i := range ops {
			ops[i] = store.PlatformCreateOp(store.Key{Kind: "bulk", ID: strings.Repeat("i", i+1)}, nil)
		}
		if err := g.Committer().Commit(ctx, ops[:store.MaxTxOps-1]); err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.Response{}, g.Committer().Commit(ctx, ops[store.MaxTxOps-1:])
	})
	if problemSlug(err) != "idempotency-too-many-writes" {
		t.Fatalf("101 writes: %v", err)
	}
}

func TestWithoutSecrets(t *testing.T) {
	tests := map[string]struct {
		doc, want string
		pointers  []string
		omitted   string
	}{
		"top level":     {`{"id":"k1","key":"s"}`, `{"id":"k1"}`, []string{"/key"}, "/key"},
		"nested":        {`{"api_key":{"id":"k1","key":"s"},"tenant":{"id":"t"}}`, `{"api_key":{"id":"k1"},"tenant":{"id":"t"}}`, []string{"/api_key/key"}, "/api_key/key"},
		"absent":        {`{"id":"k1"}`, `{"id":"k1"}`, []string{"/key", "/a/b"}, ""},
		"escaped":       {`{"a/b":{"c~d":1,"e":2}}`, `{"a/b":{"e":2}}`, []string{"/a~1b/c~0d"}, "/a~1b/c~0d"},
		"through array": {`{"keys":[{"key":"s","id":1}]}`, `{"keys":[{"id":1}]}`, []string{"/keys/0/key"}, "/keys/0/key"},
		"big numbers":   {`{"n":12345678901234567890,"key":"s"}`, `{"n":12345678901234567890}`, []string{"/key"}, "/key"},
		"not an object": {`["key"]`, `["key"]`, []string{"/0"}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, omitted, err := withoutSecrets([]byte(tc.doc), tc.pointers)
			if err != nil || string(got) != tc.want || strings.Join(omitted, ",") != tc.omitted {
				t.Fatalf("got %s %v %v, want %s %s", got, omitted, err, tc.want, tc.omitted)
			}
		})
	}
}

// A pending record blocks its key for PendingTTL only: a request that died before its commit
// leaves the key usable after that.
func TestPendingExpires(t *testing.T) {
	g, db := newGuard(t)
	var skew time.Duration
	clock := func() time.Time { return time.Now().Add(skew) }
	g = New(db.WithClock(clock), txCommitter{db.WithClock(clock)}, nil).WithClock(clock)
	ctx := context.Background()
	route := Route{Key: "POST /v1/x"}
	// A request that died mid-run: its pending record, as Do leaves it.
	k := store.Key{Kind: Kind, ID: route.Key + " k"}
	now := clock().UTC()
	fp := fingerprint(http.MethodPost, "/v1/x", []byte(`{}`))
	if err := db.Tx(ctx, Platform.put(k, record{State: statePending, Fingerprint: fp, CreatedAt: now}, 0, store.WithTTL(now.Add(PendingTTL)))); err != nil {
		t.Fatal(err)
	}
	run := func(context.Context) (httpapi.Response, error) { return httpapi.JSON(http.StatusOK, nil), nil }
	if _, err := g.Do(ctx, request("/v1/x", `{}`, "k"), Platform, route, run); problemSlug(err) != "idempotency-key-in-flight" {
		t.Fatalf("within the pending TTL: %v", err)
	}
	skew = PendingTTL + time.Second
	if r, err := g.Do(ctx, request("/v1/x", `{}`, "k"), Platform, route, run); err != nil || r.Headers[ReplayedHeader] != "" {
		t.Fatalf("after the pending TTL: %v %v, want a run", r, err)
	}
}
