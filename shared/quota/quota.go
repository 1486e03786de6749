// Package quota counts a tenant's stored things and refuses writes beyond the tenant's plan.
//
// Each counted resource (Resources) has one counter item per tenant, kind "usage", id the
// resource's name, holding "n" (how many there are) and, for API keys, "admins" (how many of them
// are admin keys). Every write that creates or deletes a counted thing carries a store.AddOp on its
// counter in the same transaction: creating adds 1 under the bound n <= limit, deleting subtracts 1
// (and revoking an admin key subtracts 1 from admins under admins >= 1, which keeps a tenant from
// locking itself out). Because the count changes atomically with the items, concurrent writers can
// neither overshoot a quota nor let the count drift.
//
// Tenants created before quotas have no counter items. Ledger.Ensure creates a missing counter
// from a count of the existing items, conditionally (only if still absent), before the first
// counted write; the count is stable while it runs, because every counted write needs the counter
// to exist (AddOp's condition) and so waits for it. New tenants get all their counters when they
// are created (Ledger.CreateOps).
package quota

import (
	"context"
	"errors"
	"fmt"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
	"github.com/lingxi/lingxi/shared/voicecfg"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

// Resource is a kind of stored thing with a quota. Its value names the quota in errors and in
// GET /v1/tenant, and is the counter item's id.
type Resource string

// Counted resources.
const (
	APIKeys           Resource = "api_keys"
	Models            Resource = "models"
	Intents           Resource = "intents"
	Articles          Resource = "articles"
	Flows             Resource = "flows"
	LiveConversations Resource = "live_conversations"
	WebhookEndpoints  Resource = "webhook_endpoints"
	Numbers           Resource = "numbers"
	Trunks            Resource = "trunks"
	SIPAccounts       Resource = "sip_accounts"
	Users             Resource = "users"
)

// Resources lists every counted resource, in the order GET /v1/tenant shows them: one per quota
// of plan.QuotaTable.
var Resources = func() []Resource {
	rs := make([]Resource, len(plan.QuotaTable))
	for i, q := range plan.QuotaTable {
		rs[i] = Resource(q.Name)
	}
	return rs
}()

// kinds maps each resource to the store kind of its items (a test holds it to Resources).
var kinds = map[Resource]string{
	APIKeys:           auth.KindKey,
	Models:            botconfig.KindModel,
	Intents:           botconfig.KindIntent,
	Articles:          botconfig.KindArticle,
	Flows:             botconfig.KindFlow,
	LiveConversations: "conversation",
	WebhookEndpoints:  delivery.KindEndpoint,
	Numbers:           voicecfg.KindNumber,
	Trunks:            voicecfg.KindTrunk,
	SIPAccounts:       voicecfg.KindAccount,
	Users:             users.KindUser,
}

// ForKind returns the resource whose items have store kind kind.
func ForKind(kind string) (Resource, bool) {
	for r, k := range kinds {
		if k == kind {
			return r, true
		}
	}
	return "", false
}

// Limit is r's quota in q.
func (r Resource) Limit(q plan.Quotas) int64 { return q.Get(string(r)) }

// Counter fields.
const (
	FieldCount  = "n"
	FieldAdmins = "admins"
)

// Key is r's counter item key.
func Key(r Resource) store.Key { return store.Key{Kind: "usage", ID: string(r)} }

// Usage is a counter item.
type Usage struct {
	Count  int64 `dynamodbav:"n" json:"count"`
	Admins int64 `dynamodbav:"admins" json:"-"` // API keys only
}

// Store is what the Ledger reads and writes.
type Store interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
	Create(ctx context.Context, t tenant.ID, k store.Key, v any, opts ...store.Option) error
}

// Ledger reads and creates counters. Build it with New.
type Ledger struct{ store Store }

// New returns a Ledger over s.
func New(s Store) *Ledger { return &Ledger{store: s} }

// Get returns t's counter for r, and false if it does not exist yet.
func (l *Ledger) Get(ctx context.Context, t tenant.ID, r Resource) (Usage, bool, error) {
	var u Usage
	_, err := l.store.Get(ctx, t, Key(r), &u)
	if errors.Is(err, store.ErrNotFound) {
		return Usage{}, false, nil
	}
	if err != nil {
		return Usage{}, false, fmt.Errorf("get %s usage of %s: %w", r, t, err)
	}
	return u, true, nil
}

// Ensure returns t's counter for r, creating it from a count of t's items if it is missing (see
// the package comment).
func (l *Ledger) Ensure(ctx context.Context, t tenant.ID, r Resource) (Usage, error) {
	for range 3 {
		u, ok, err := l.Get(ctx, t, r)
		if err != nil || ok {
			return u, err
		}
		if u, err = l.Tally(ctx, t, r); err != nil {
			return Usage{}, err
		}
		err = l.store.Create(ctx, t, Key(r), u)
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return Usage{}, fmt.Errorf("create %s usage of %s: %w", r, t, err)
		}
		// Another request created it first: read theirs.
	}
	return Usage{}, fmt.Errorf("create %s usage of %s: %w", r, t, store.ErrConflict)
}

// Tally counts t's items of r by reading them all.
func (l *Ledger) Tally(ctx context.Context, t tenant.ID, r Resource) (Usage, error) {
	kind, ok := kinds[r]
	if !ok {
		return Usage{}, fmt.Errorf("tally %s: unknown resource", r)
	}
	var u Usage
	for rec, err := range store.Records(ctx, l.store, t, kind, "", store.PageRequest{Limit: 100}) {
		if err != nil {
			return Usage{}, fmt.Errorf("tally %s of %s: %w", r, t, err)
		}
		switch r {
		case APIKeys:
			var k auth.Key
			if err := rec.Decode(&k); err != nil {
				return Usage{}, fmt.Errorf("tally %s of %s: decode %s: %w", r, t, rec.Key, err)
			}
			if k.Role == auth.RoleAdmin {
				u.Admins++
			}
		case LiveConversations:
			var c struct {
				State string `dynamodbav:"state"`
			}
			if err := rec.Decode(&c); err != nil {
				return Usage{}, fmt.Errorf("tally %s of %s: decode %s: %w", r, t, rec.Key, err)
			}
			if c.State == "ended" {
				continue
			}
		}
		u.Count++
	}
	return u, nil
}

// CreateOps are the ops that give a new tenant its counters: zero everywhere but the first admin
// keys (firstAdminKeys: how many admin keys the tenant is created with, all counted in api_keys).
// Models get no counter here: the training worker's first RecordModel creates it by counting.
func CreateOps(t tenant.ID, firstAdminKeys int64) []store.Op {
	ops := make([]store.Op, 0, len(Resources))
	for _, r := range Resources {
		if r == Models {
			continue
		}
		u := Usage{}
		if r == APIKeys {
			u = Usage{Count: firstAdminKeys, Admins: firstAdminKeys}
		}
		ops = append(ops, store.CreateOp(t, Key(r), u))
	}
	return ops
}

// Take is the op that counts n more of r (n > 0), under limit: the transaction fails with an error
// that Exceeded recognises if that would make more than limit.
func Take(t tenant.ID, r Resource, n, limit int64) store.Op {
	return store.AddOp(t, Key(r), map[string]int64{FieldCount: n}, store.AtMost(FieldCount, limit))
}

// Release is the op that counts n fewer of r (n > 0). It has no bound: a delete is never refused
// for the count's sake.
func Release(t tenant.ID, r Resource, n int64) store.Op {
	return store.AddOp(t, Key(r), map[string]int64{FieldCount: -n})
}

// TakeKey is the op that counts one more API key (and one more admin key if admin), under limit.
// limit < 0 means no limit (the platform admin recovering a tenant).
func TakeKey(t tenant.ID, admin bool, limit int64) store.Op {
	d := map[string]int64{FieldCount: 1}
	if admin {
		d[FieldAdmins] = 1
	}
	if limit < 0 {
		return store.AddOp(t, Key(APIKeys), d)
	}
	return store.AddOp(t, Key(APIKeys), d, store.AtMost(FieldCount, limit))
}

// ReleaseKey is the op that counts one API key fewer; for an admin key it requires at least one
// admin key to remain, so the transaction fails (LastAdmin recognises it) rather than revoke the
// last one.
func ReleaseKey(t tenant.ID, admin bool) store.Op {
	if !admin {
		return Release(t, APIKeys, 1)
	}
	return store.AddOp(t, Key(APIKeys), map[string]int64{FieldCount: -1, FieldAdmins: -1},
		store.AtLeast(FieldAdmins, 1))
}

// Exceeded reports whether err is a transaction that failed on r's counter bound.
func Exceeded(err error, r Resource) bool {
	var be *store.BoundError
	return errors.As(err, &be) && be.Key == Key(r)
}

// ExceededError is the caller's error for a write refused by r's quota: 409, problem type
// urn:lingxi:problem:quota-exceeded, with the quota's name, limit and current usage.
// An adding of 0 means "this request", when the caller does not know how many it adds.
func ExceededError(r Resource, limit, usage int64, adding int64) *httpapi.Error {
	what := fmt.Sprintf("adding %d", adding)
	if adding <= 0 {
		what = "this request"
	}
	return &httpapi.Error{
		Kind: httpapi.KindQuotaExceeded,
		Detail: fmt.Sprintf("quota %s is %d and %d are in use; %s would exceed it (delete some, or ask for a larger plan)",
			r, limit, usage, what),
		Quota: &httpapi.QuotaUsage{Name: string(r), Limit: limit, Usage: usage},
	}
}

// RefusalOf returns the caller's error for err if it is a transaction refused by one of t's
// quotas (Exceeded), else nil: for code that sees the failure away from the write that counted,
// such as a commit held for an Idempotency-Key.
func (l *Ledger) RefusalOf(ctx context.Context, t tenant.ID, err error) error {
	for _, r := range Resources {
		if !Exceeded(err, r) {
			continue
		}
		p, _, perr := plan.Load(ctx, l.store, t)
		if perr != nil {
			return perr
		}
		return l.Refusal(ctx, t, r, r.Limit(p.Quotas), 0)
	}
	return nil
}

// Refusal returns the caller's error for err, a transaction that failed on r's bound (Exceeded):
// it reads the current usage for the message.
func (l *Ledger) Refusal(ctx context.Context, t tenant.ID, r Resource, limit, adding int64) error {
	u, _, err := l.Get(ctx, t, r)
	if err != nil {
		return err
	}
	return ExceededError(r, limit, u.Count, adding)
}

// Counted is the counter op of a write that adds or removes items of a resource, with what a
// refusal needs to explain itself. Build it with Ledger.Count.
type Counted struct {
	Resource Resource
	N        int64 // items added (> 0) or removed (< 0)
	Limit    int64 // the quota, when N > 0
	// Ops is the op to put in the write's transaction (none when N is 0).
	Ops []store.Op
}

// Count makes sure t's counter for r exists (Ensure) and returns the op that counts n more (n > 0,
// bounded by t's plan) or -n fewer (n < 0) items of r, to commit in the same transaction as the
// items. If that transaction fails, pass its error to Refused.
func (l *Ledger) Count(ctx context.Context, t tenant.ID, r Resource, n int64) (Counted, error) {
	c := Counted{Resource: r, N: n}
	if n == 0 {
		return c, nil
	}
	if _, err := l.Ensure(ctx, t, r); err != nil {
		return c, err
	}
	if n < 0 {
		c.Ops = []store.Op{Release(t, r, -n)}
		return c, nil
	}
	p, _, err := plan.Load(ctx, l.store, t)
	if err != nil {
		return c, err
	}
	c.Limit = r.Limit(p.Quotas)
	c.Ops = []store.Op{Take(t, r, n, c.Limit)}
	return c, nil
}

// Refused returns the caller's quota-exceeded error (ExceededError) if err is the failure of c's
// bound, else nil.
func (l *Ledger) Refused(ctx context.Context, t tenant.ID, c Counted, err error) error {
	if c.N <= 0 || !Exceeded(err, c.Resource) {
		return nil
	}
	return l.Refusal(ctx, t, c.Resource, c.Limit, c.N)
}

// Check returns the quota-exceeded error if t has no room for n more of r now, else nil. It is an
// early answer before costly work (a training job); only the transaction's bound (Count) is
// authoritative under concurrency.
func (l *Ledger) Check(ctx context.Context, t tenant.ID, r Resource, n int64) error {
	u, err := l.Ensure(ctx, t, r)
	if err != nil {
		return err
	}
	p, _, err := plan.Load(ctx, l.store, t)
	if err != nil {
		return err
	}
	if limit := r.Limit(p.Quotas); u.Count+n > limit {
		return ExceededError(r, limit, u.Count, n)
	}
	return nil
}
