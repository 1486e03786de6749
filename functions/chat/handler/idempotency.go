package handler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Idempotency keys. A POST that carries an Idempotency-Key header is run once per tenant, route
// and key: the first request creates a pending record (conditionally, so exactly one request
// runs), runs, and replaces the record with its response for IdempotencyTTL. A retry with the
// same key and the same request (method, path and body bytes) gets that response again, marked
// Idempotent-Replayed: true, without running the turn or emitting events again. The same key with
// another request is 422; a retry while the first still runs is 409. A request that fails leaves
// no record, so the caller may retry it with the same key: the handlers commit their writes and
// events in one step at the end, and a failed request committed nothing.
const (
	// IdempotencyHeader is the request header; API Gateway hands it to us lower-cased.
	IdempotencyHeader = "Idempotency-Key"
	// KindIdempotency is the store kind of idempotency records; the id is "<route> <key>".
	KindIdempotency = "idem"
	// IdempotencyTTL is how long a response is kept for replay.
	IdempotencyTTL = 24 * time.Hour
	// pendingTTL bounds how long a request that died mid-run (a timeout, a crash) blocks its key:
	// longer than the function's timeout (29 s in template.yaml), after which the key is free.
	pendingTTL = time.Minute
	// maxIdempotencyKey is the longest key accepted, in bytes.
	maxIdempotencyKey = 255
)

// Problem kinds of idempotency keys, beyond httpapi's.
var (
	kindKeyReused   = &httpapi.Kind{Slug: "idempotency-key-reused", Title: "The Idempotency-Key was already used for another request", Status: http.StatusUnprocessableEntity}
	kindKeyInFlight = &httpapi.Kind{Slug: "idempotency-key-in-flight", Title: "A request with this Idempotency-Key is still running; retry later", Status: http.StatusConflict}
)

// IdempotencyStore keeps idempotency records; *store.Store is one.
type IdempotencyStore interface {
	Create(ctx context.Context, t tenant.ID, k store.Key, v any, opts ...store.Option) error
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	Put(ctx context.Context, t tenant.ID, k store.Key, v any, version int64, opts ...store.Option) (int64, error)
	Delete(ctx context.Context, t tenant.ID, k store.Key, version int64) error
}

var _ IdempotencyStore = (*store.Store)(nil)

// Option configures the API.
type Option func(*API)

// WithIdempotency keeps Idempotency-Key records in s. Without it a request with the header is 503:
// silently running it without the guarantee it asks for would be worse.
func WithIdempotency(s IdempotencyStore) Option { return func(api *API) { api.idem = s } }

// Record states.
const (
	idemPending = "pending"
	idemDone    = "done"
)

// idemRecord is what the table keeps per key.
type idemRecord struct {
	State       string            `dynamodbav:"state"`
	Fingerprint string            `dynamodbav:"fp"` // sha256 of method, path and body
	Status      int               `dynamodbav:"status,omitempty"`
	Body        string            `dynamodbav:"body,omitempty"` // the response body as JSON; "" for none
	Headers     map[string]string `dynamodbav:"headers,omitempty"`
	CreatedAt   time.Time         `dynamodbav:"created_at"`
}

// validIdempotencyKey reports whether k is 1–255 printable ASCII characters.
func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// fingerprint identifies a request for comparing a retry with the first: same method, path and
// body bytes.
func fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", method, path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// idempotent runs h at most once per tenant, route and Idempotency-Key (see the constants above).
// Requests without the header go straight to h.
func (api *API) idempotent(route string, h tenantHandler) tenantHandler {
	return func(ctx context.Context, r *httpapi.Request, t tenant.ID) (resp httpapi.Response, err error) {
		key, ok := r.Headers["idempotency-key"]
		if !ok {
			return h(ctx, r, t)
		}
		if !validIdempotencyKey(key) {
			return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "header/" + IdempotencyHeader, Reason: "must be 1–255 printable ASCII characters"})
		}
		if api.idem == nil {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "%s is not available here; retry without it", IdempotencyHeader)
		}
		body, err := r.Body()
		if err != nil {
			return httpapi.Response{}, err
		}
		fp := fingerprint(r.RequestContext.HTTP.Method, r.RawPath, body)
		k := store.Key{Kind: KindIdempotency, ID: route + " " + key}
		now := api.now().UTC()
		err = api.idem.Create(ctx, t, k, idemRecord{State: idemPending, Fingerprint: fp, CreatedAt: now}, store.WithTTL(now.Add(pendingTTL)))
		if errors.Is(err, store.ErrConflict) {
			return api.replay(ctx, t, k, fp)
		}
		if err != nil {
			return httpapi.Response{}, fmt.Errorf("idempotency: reserve key: %w", err)
		}

		// From here the pending record is ours (version 1): every way out replaces or drops it.
		// Cleanup must not be cut short by the request's cancellation.
		cleanup := context.WithoutCancel(ctx)
		forget := func() {
			if derr := api.idem.Delete(cleanup, t, k, 1); derr != nil {
				api.log.WarnContext(ctx, "idempotency: drop pending record", "route", route, "err", derr)
			}
		}
		defer func() {
			if p := recover(); p != nil {
				forget()
				panic(p) // the router turns it into a 500
			}
		}()
		resp, err = h(ctx, r, t)
		if err != nil {
			forget()
			return httpapi.Response{}, err
		}
		done := idemRecord{State: idemDone, Fingerprint: fp, Status: resp.Status, Headers: resp.Headers, CreatedAt: now}
		if resp.Body != nil {
			b, merr := httpapi.Marshal(resp.Body)
			if merr != nil {
				forget()
				return httpapi.Response{}, fmt.Errorf("idempotency: encode response: %w", merr)
			}
			done.Body = string(b)
		}
		if _, perr := api.idem.Put(cleanup, t, k, done, 1, store.WithTTL(api.now().Add(IdempotencyTTL))); perr != nil {
			// The turn is done and committed: answer it. A retry will find no record (or a
			// stale pending one) and may run again; log it so that can be traced.
			api.log.ErrorContext(ctx, "idempotency: store response", "route", route, "err", perr)
		}
		return done.response(false), nil
	}
}

// replay answers a request whose key already has a record: the stored response, or why not.
func (api *API) replay(ctx context.Context, t tenant.ID, k store.Key, fp string) (httpapi.Response, error) {
	var rec idemRecord
	_, err := api.idem.Get(ctx, t, k, &rec)
	if errors.Is(err, store.ErrNotFound) {
		// The first request failed (or its pending record expired) between our create and this
		// read: nothing is running now, so the caller may simply retry.
		return httpapi.Response{}, httpapi.Errorf(kindKeyInFlight, "the first request with this key has just finished without a result; retry")
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("idempotency: read record: %w", err)
	}
	if rec.Fingerprint != fp {
		return httpapi.Response{}, httpapi.Errorf(kindKeyReused, "this %s was used for a request with another method, path or body; use a new key", IdempotencyHeader)
	}
	if rec.State != idemDone {
		return httpapi.Response{}, httpapi.Errorf(kindKeyInFlight, "the first request with this key is still running; retry later")
	}
	return rec.response(true), nil
}

// response rebuilds the stored response; replayed marks it with Idempotent-Replayed.
func (rec idemRecord) response(replayed bool) httpapi.Response {
	resp := httpapi.Response{Status: rec.Status, Headers: map[string]string{}}
	for name, v := range rec.Headers {
		resp.Headers[name] = v
	}
	if replayed {
		resp.Headers["Idempotent-Replayed"] = "true"
	}
	if rec.Body != "" {
		resp.Body = json.RawMessage(rec.Body)
	}
	return resp
}
