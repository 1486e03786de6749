// Package idempotency runs a POST at most once per scope (a tenant, or the platform admin), route
// and Idempotency-Key, and replays its response to every retry — also after the function was
// killed between committing the request's writes and answering.
//
// The first request with a key reserves it with a pending record (conditionally, so exactly one
// request runs). Its response is then written into that record in the same DynamoDB transaction
// as the request's own writes, so there is no moment at which the writes stand and the response
// does not: a retry either finds the response (and gets it again, marked Idempotent-Replayed:
// true), or finds nothing committed and may run. The same key with another request (method, path
// or body) is 422; a retry while the first still runs is 409; a request that fails frees its key.
//
// Two ways lead a response into the request's transaction:
//
//   - Held commits (Guard.Committer): a handler that commits through this Committer and builds its
//     response afterwards has its commits held; when it returns its response, the guard commits
//     the held writes and events together with the response. A conflict then is a 409 with
//     nothing written. Everything one request writes must fit one transaction (store.MaxTxOps).
//   - Commit hooks (DoneOps): code that must see its commit's outcome, such as the conversation
//     service's optimistic-concurrency loop, or that must act on its write before it answers, asks
//     DoneOps for the op that stores the response it is about to commit and adds it to that
//     commit itself.
//
// Responses that show a secret once (a new API key, a webhook secret) are stored without it: the
// Route names those fields, and a replay answers the first status and body without them, with
// Idempotent-Secret-Omitted naming what was left out. docs/idempotency.md says why.
//
// Files: idempotency.go (the Guard: reserve, run, replay), record.go (the stored record, request
// fingerprints, response rendering and secret removal), commit.go (held commits and DoneOps),
// errors.go (problem kinds and sentinel errors).
package idempotency

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

const (
	// Header is the request header; API Gateway hands it to us lower-cased.
	Header = "Idempotency-Key"
	// ReplayedHeader marks a replayed response.
	ReplayedHeader = "Idempotent-Replayed"
	// OmittedHeader lists (as JSON pointers, comma-separated) the secret fields a replay left out.
	OmittedHeader = "Idempotent-Secret-Omitted"
	// Kind is the store kind of idempotency records; the id is "<route> <key>".
	Kind = "idem"
	// TTL is how long a response is kept for replay.
	TTL = 24 * time.Hour
	// PendingTTL bounds how long a request that died before its commit (a timeout, a crash) blocks
	// its key: longer than the functions' timeout (29 s in template.yaml). A request that died
	// after its commit left its response, not a pending record.
	PendingTTL = time.Minute
	// MaxKeyLen is the longest key accepted, in bytes.
	MaxKeyLen = 255
	// MaxStoredBody is the largest response body kept for replay, in bytes (a DynamoDB item holds
	// 400 KB).
	MaxStoredBody = 300 << 10
)

// Store keeps idempotency records; *store.Store is one. Writes go through Tx so that the same ops
// can join a request's transaction.
type Store interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	PlatformGet(ctx context.Context, k store.Key, out any) (int64, error)
	Tx(ctx context.Context, ops ...store.Op) error
}

var _ Store = (*store.Store)(nil)

// Committer writes store operations and their events together (shared/outbox).
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error
}

// Scope is whose keys a request uses: a tenant's, or the platform admin's (Platform).
type Scope struct{ t tenant.ID }

// ForTenant is the scope of tenant t's requests.
func ForTenant(t tenant.ID) Scope { return Scope{t: t} }

// Platform is the scope of the platform admin's requests, which act for no tenant.
var Platform = Scope{}

func (sc Scope) put(k store.Key, v any, version int64, opts ...store.Option) store.Op {
	if sc.t.IsZero() {
		return store.PlatformPutOp(k, v, version, opts...)
	}
	return store.PutOp(sc.t, k, v, version, opts...)
}

func (sc Scope) get(ctx context.Context, s Store, k store.Key, out any) (int64, error) {
	if sc.t.IsZero() {
		return s.PlatformGet(ctx, k, out)
	}
	return s.Get(ctx, sc.t, k, out)
}

// Route says what the guard needs to know of a route.
type Route struct {
	// Key is the route key, "POST /v1/api-keys": keys are per route.
	Key string
	// Secrets are JSON pointers ("/api_key/key") of response fields shown only once: they are
	// answered to the first request and never stored.
	Secrets []string
}

// Guard runs requests once per key. A nil *Guard refuses requests that carry the header.
type Guard struct {
	store  Store
	commit Committer
	log    *slog.Logger
	now    func() time.Time
}

// New returns a guard that keeps its records in s and commits held writes through c.
func New(s Store, c Committer, log *slog.Logger) *Guard {
	if log == nil {
		log = slog.Default()
	}
	return &Guard{store: s, commit: c, log: log, now: time.Now}
}

// WithClock returns a copy of g that reads the time from now, for the TTLs it writes: give it the
// store's clock (store.Store.WithClock) in tests that move time.
func (g *Guard) WithClock(now func() time.Time) *Guard {
	c := *g
	c.now = now
	return &c
}

// Do runs run at most once for the request's Idempotency-Key in scope sc and route rt (see the
// package comment); requests without the header go straight to run. run gets a context that
// carries the request's reservation: commits through g.Committer() are held, and DoneOps gives the
// op that stores the response.
func (g *Guard) Do(ctx context.Context, r *httpapi.Request, sc Scope, rt Route, run func(context.Context) (httpapi.Response, error)) (httpapi.Response, error) {
	key, ok := r.Headers[strings.ToLower(Header)]
	if !ok {
		return run(ctx)
	}
	if !validKey(key) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "header/" + Header, Reason: "must be 1–255 printable ASCII characters"})
	}
	if g == nil {
		// Running without the guarantee the caller asked for would be worse than refusing.
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "%s is not available here; retry without it", Header)
	}
	body, err := r.Body()
	if err != nil {
		return httpapi.Response{}, err
	}
	fp := fingerprint(r.RequestContext.HTTP.Method, r.RawPath, body)
	k := store.Key{Kind: Kind, ID: rt.Key + " " + key}
	now := g.now().UTC()
	err = g.store.Tx(ctx, sc.put(k, record{State: statePending, Fingerprint: fp, CreatedAt: now}, 0, store.WithTTL(now.Add(PendingTTL))))
	if errors.Is(err, store.ErrConflict) {
		return g.replay(ctx, sc, k, fp)
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("idempotency: reserve key: %w", err)
	}

	// From here the pending record (version 1) is ours: every way out stores a response in it or
	// frees it. Freeing must not be cut short by the request's cancellation.
	s := &slot{g: g, scope: sc, key: k, route: rt, fp: fp, created: now}
	cleanup := context.WithoutCancel(ctx)
	defer func() {
		if p := recover(); p != nil {
			s.free(cleanup)
			panic(p) // the router turns it into a 500
		}
	}()
	resp, err := run(context.WithValue(ctx, slotKey{}, s))
	if err != nil {
		if !s.isFreed() { // else FreeOps freed it with the request's own writes
			s.free(cleanup)
		}
		return httpapi.Response{}, err
	}
	return s.finish(ctx, cleanup, resp)
}

// replay answers a request whose key already has a record: the stored response, or why not.
func (g *Guard) replay(ctx context.Context, sc Scope, k store.Key, fp string) (httpapi.Response, error) {
	var rec record
	_, err := sc.get(ctx, g.store, k, &rec)
	if errors.Is(err, store.ErrNotFound) {
		// The first request failed (or its pending record expired) between our reservation and
		// this read: nothing is running now, so the caller may simply retry.
		return httpapi.Response{}, httpapi.Errorf(kindKeyInFlight, "the first request with this key has just finished without a result; retry")
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("idempotency: read record: %w", err)
	}
	if rec.Fingerprint != fp {
		return httpapi.Response{}, httpapi.Errorf(kindKeyReused, "this %s was used for a request with another method, path or body; use a new key", Header)
	}
	if rec.State != stateDone {
		return httpapi.Response{}, httpapi.Errorf(kindKeyInFlight, "the first request with this key is still running; retry later")
	}
	return rec.response(true), nil
}

// slot is one running request's reservation: version 1 of its record.
type slot struct {
	g       *Guard
	scope   Scope
	key     store.Key
	route   Route
	fp      string
	created time.Time

	mu     sync.Mutex
	ops    []store.Op // held commits
	evs    []events.Envelope
	staged bool // DoneOps gave the op that stores the response; the request commits it
	freed  bool // FreeOps gave the op that frees the key again after that
}

type slotKey struct{}

// done is the op that turns the pending record into rec.
func (s *slot) done(rec record) store.Op {
	return s.scope.put(s.key, rec, 1, store.WithTTL(s.g.now().Add(TTL)))
}

// freeRecord is the record that frees a key: already expired, so the store treats it as absent.
func (s *slot) freeRecord(version int64) store.Op {
	gone := s.g.now().Add(-2 * time.Second)
	return s.scope.put(s.key, record{State: stateFree, Fingerprint: s.fp, CreatedAt: s.created}, version, store.WithTTL(gone))
}

// free drops the reservation of a request that failed, so the key may be used again: the record
// is replaced, if still pending at version 1, by one that has already expired (the store treats
// it as absent).
func (s *slot) free(ctx context.Context) {
	err := s.g.store.Tx(ctx, s.freeRecord(1))
	if errors.Is(err, store.ErrConflict) {
		// The response was committed after all (a request that failed after its commit): keep it.
		s.g.log.InfoContext(ctx, "idempotency: failed request had stored its response", "route", s.route.Key)
		return
	}
	if err != nil {
		s.g.log.WarnContext(ctx, "idempotency: free key", "route", s.route.Key, "err", err)
	}
}

// finish stores resp as the request's response: with its held commits, or (when the request
// committed it itself, or committed nothing) as needed; and answers it.
func (s *slot) finish(ctx, cleanup context.Context, resp httpapi.Response) (httpapi.Response, error) {
	// The handler has returned: nothing holds or stages any more. Take what it left, and hold no
	// lock during the I/O below.
	s.mu.Lock()
	held, evs, staged := s.ops, s.evs, s.staged
	s.mu.Unlock()
	rec, first, err := s.render(resp)
	if err != nil {
		if !staged {
			s.free(cleanup)
		}
		return httpapi.Response{}, err
	}
	switch {
	case len(held) > 0 || len(evs) > 0:
		// Outside the reservation: a Committer of ours underneath must not hold this one too.
		outside := context.WithValue(ctx, slotKey{}, (*slot)(nil))
		err := s.g.commit.Commit(outside, append(held, s.done(rec)), evs...)
		if errors.Is(err, store.ErrConflict) {
			s.free(cleanup)
			// The caller sees the conflict; the cause stays in the chain for callers that map some
			// conflicts better (a quota's bound: quota.Ledger.RefusalOf).
			return httpapi.Response{}, errors.Join(httpapi.Errorf(httpapi.KindConflict, "another request changed or created what this one writes; nothing was written"), err)
		}
		if err != nil {
			s.free(cleanup)
			return httpapi.Response{}, fmt.Errorf("idempotency: commit with response: %w", err)
		}
	case staged:
		// Committed with the request's own writes.
	default:
		// Nothing was committed through us: a request that changed nothing. Storing its response
		// now is safe, since running it again would change nothing either.
		if err := s.g.store.Tx(cleanup, s.done(rec)); err != nil {
			s.g.log.ErrorContext(ctx, "idempotency: store response", "route", s.route.Key, "err", err)
		}
	}
	return first, nil
}
