// Package plan is a tenant's plan: the limits the platform admin sets per tenant, kept in one item
// (kind "tenant", id "plan") beside the tenant's profile.
//
// A Plan holds two groups and a share:
//   - Quotas: how many stored things a tenant may keep (API keys, NLU models kept, intents,
//     articles, flows, live conversations, webhook endpoints, telephone numbers, SIP trunks,
//     softphone accounts). shared/quota enforces them.
//   - RateLimits: request rates per route class (chat turns, configuration writes, training,
//     reads), each a token bucket of Rate requests a second and Burst requests at once.
//   - WebhookConcurrency: how many of the tenant's webhook deliveries may be in flight at once.
//
// A tenant without a plan item, and every field left zero in one, gets the defaults
// (DefaultQuotas, DefaultRateLimits): Effective fills them in, so readers never see a zero limit.
// The platform admin changes a plan with PUT /v1/tenants/{id}/plan (functions/api).
//
// The package is a leaf: types, defaults and the item's key. Reading goes through Load with a
// one-method Getter, so any store (or a fake) serves.
package plan

import (
	"context"
	"errors"
	"fmt"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Key is the plan item's key within its tenant.
var Key = store.Key{Kind: "tenant", ID: "plan"}

// Plan is a tenant's limits. Zero fields mean "the default" (see Effective).
type Plan struct {
	Quotas     Quotas     `dynamodbav:"quotas" json:"quotas"`
	RateLimits RateLimits `dynamodbav:"rate_limits" json:"rate_limits"`
	// WebhookConcurrency is the tenant's share of the webhook sender: how many of its deliveries
	// may be in flight at once, over all its endpoints (shared/webhooks/delivery).
	WebhookConcurrency int64 `dynamodbav:"webhook_concurrency" json:"webhook_concurrency"`
}

// DefaultWebhookConcurrency is a tenant's share of the webhook sender when its plan leaves it 0:
// a quarter of the sender's 20 (template.yaml, DeliverFunction's MaximumConcurrency).
const DefaultWebhookConcurrency = 5

// Quotas caps how many of each stored thing a tenant keeps. Each is a count of items; 0 means the
// default.
type Quotas struct {
	APIKeys           int64 `dynamodbav:"api_keys" json:"api_keys"`                     // API keys, admin and partner
	Models            int64 `dynamodbav:"models" json:"models"`                         // trained NLU models kept
	Intents           int64 `dynamodbav:"intents" json:"intents"`                       // bot intents
	Articles          int64 `dynamodbav:"articles" json:"articles"`                     // knowledge articles
	Flows             int64 `dynamodbav:"flows" json:"flows"`                           // dialog flows
	LiveConversations int64 `dynamodbav:"live_conversations" json:"live_conversations"` // chat conversations started and not yet ended
	WebhookEndpoints  int64 `dynamodbav:"webhook_endpoints" json:"webhook_endpoints"`   // partners' event webhook endpoints
	Numbers           int64 `dynamodbav:"numbers" json:"numbers"`                       // dialled numbers (/v1/numbers)
	Trunks            int64 `dynamodbav:"trunks" json:"trunks"`                         // SIP trunks (/v1/trunks)
	SIPAccounts       int64 `dynamodbav:"sip_accounts" json:"sip_accounts"`             // agents' softphone accounts (/v1/sip-accounts)
	Users             int64 `dynamodbav:"users" json:"users"`                           // people who sign in to the console (/v1/users)
}

// Quota is one field of Quotas as the code reads it: Name is the field's JSON and DynamoDB name
// and the quota's name wherever it shows (problems, GET /v1/tenant, its counter's id), Default
// what a tenant gets when the plan leaves it 0, and Of where it is in a Quotas.
type Quota struct {
	Name    string
	Default int64
	Of      func(*Quotas) *int64
}

// QuotaTable is the one list of the quotas, in the order GET /v1/tenant shows them: the defaults,
// Effective, shared/quota's resources and limits, and the plan route's checks all read it. A test
// holds it to Quotas' fields and tags.
var QuotaTable = []Quota{
	{"api_keys", 50, func(q *Quotas) *int64 { return &q.APIKeys }},
	{"models", 20, func(q *Quotas) *int64 { return &q.Models }},
	{"intents", 500, func(q *Quotas) *int64 { return &q.Intents }},
	{"articles", 5000, func(q *Quotas) *int64 { return &q.Articles }},
	{"flows", 200, func(q *Quotas) *int64 { return &q.Flows }},
	{"live_conversations", 10000, func(q *Quotas) *int64 { return &q.LiveConversations }},
	{"webhook_endpoints", 20, func(q *Quotas) *int64 { return &q.WebhookEndpoints }},
	{"numbers", 100, func(q *Quotas) *int64 { return &q.Numbers }},
	{"trunks", 20, func(q *Quotas) *int64 { return &q.Trunks }},
	{"sip_accounts", 500, func(q *Quotas) *int64 { return &q.SIPAccounts }},
	{"users", 1000, func(q *Quotas) *int64 { return &q.Users }},
}

// Get returns the quota named name, 0 for a name that is no quota.
func (q Quotas) Get(name string) int64 {
	for _, f := range QuotaTable {
		if f.Name == name {
			return *f.Of(&q)
		}
	}
	return 0
}

// RateLimit is a token bucket: Rate requests a second on average, at most Burst at once. Zero fields
// mean the default of the class.
type RateLimit struct {
	Rate  float64 `dynamodbav:"rate" json:"rate"`
	Burst int64   `dynamodbav:"burst" json:"burst"`
}

// RateLimits are the request limits per route class.
type RateLimits struct {
	Chat     RateLimit `dynamodbav:"chat" json:"chat"`         // chat turns (functions/chat)
	Config   RateLimit `dynamodbav:"config" json:"config"`     // configuration writes (functions/api)
	Training RateLimit `dynamodbav:"training" json:"training"` // training requests
	Read     RateLimit `dynamodbav:"read" json:"read"`         // reads (GET routes)
}

// DefaultQuotas are what a new tenant gets.
func DefaultQuotas() Quotas {
	var q Quotas
	for _, f := range QuotaTable {
		*f.Of(&q) = f.Default
	}
	return q
}

// DefaultRateLimits are what a new tenant gets.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Chat:     RateLimit{Rate: 20, Burst: 40},
		Config:   RateLimit{Rate: 5, Burst: 20},
		Training: RateLimit{Rate: 1.0 / 10, Burst: 5},
		Read:     RateLimit{Rate: 50, Burst: 100},
	}
}

// Default is the plan a new tenant gets.
func Default() Plan {
	return Plan{Quotas: DefaultQuotas(), RateLimits: DefaultRateLimits(), WebhookConcurrency: DefaultWebhookConcurrency}
}

// Effective returns p with every zero field replaced by its default.
func (p Plan) Effective() Plan {
	for _, f := range QuotaTable {
		if v := f.Of(&p.Quotas); *v == 0 {
			*v = f.Default
		}
	}
	r, dr := &p.RateLimits, DefaultRateLimits()
	for _, f := range []struct{ v, def *RateLimit }{
		{&r.Chat, &dr.Chat}, {&r.Config, &dr.Config}, {&r.Training, &dr.Training}, {&r.Read, &dr.Read},
	} {
		if f.v.Rate == 0 {
			f.v.Rate = f.def.Rate
		}
		if f.v.Burst == 0 {
			f.v.Burst = f.def.Burst
		}
	}
	if p.WebhookConcurrency == 0 {
		p.WebhookConcurrency = DefaultWebhookConcurrency
	}
	return p
}

// Getter reads one item of a tenant (store.Store satisfies it).
type Getter interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
}

// Load returns t's effective plan and the plan item's version (0: no item, so all defaults).
func Load(ctx context.Context, g Getter, t tenant.ID) (Plan, int64, error) {
	var p Plan
	ver, err := g.Get(ctx, t, Key, &p)
	if errors.Is(err, store.ErrNotFound) {
		return Default(), 0, nil
	}
	if err != nil {
		return Plan{}, 0, fmt.Errorf("load plan of %s: %w", t, err)
	}
	return p.Effective(), ver, nil
}
