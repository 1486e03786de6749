package events

// TenantCreated (tenant.created) records that a tenant was set up. The envelope's subject is the
// new tenant's id, which is also its tenant field.
type TenantCreated struct {
	// Name is the tenant's display name, e.g. the company name.
	Name string `json:"name" jsonschema:"minLength=1,maxLength=200"`
	// CreatedBy identifies who created the tenant: an operator's user id, or "system" for
	// self-service sign-up.
	CreatedBy string `json:"created_by" jsonschema:"minLength=1,maxLength=128"`
}

// APIKeyCreated (apikey.created) records that a tenant API key was made. The subject is the key's
// id. The key itself is never in an event: only its display prefix.
type APIKeyCreated struct {
	// KeyID is the key's record id, e.g. "key_…".
	KeyID string `json:"key_id" jsonschema:"minLength=1,maxLength=64"`
	// Role is what the key may do.
	Role KeyRole `json:"role"`
	// Prefix is the key's first characters, shown in listings to tell keys apart.
	Prefix string `json:"prefix" jsonschema:"minLength=1,maxLength=32"`
	// CreatedBy is the id of the key that made this one, or "platform-admin".
	CreatedBy string `json:"created_by" jsonschema:"minLength=1,maxLength=128"`
}

// KeyRole is what an API key may do.
type KeyRole string

// Key roles.
const (
	KeyRoleAdmin   KeyRole = "admin"
	KeyRolePartner KeyRole = "partner"
)

// APIKeyRevoked (apikey.revoked) records that a tenant API key stopped working. The subject is the
// key's id.
type APIKeyRevoked struct {
	// KeyID is the revoked key's record id.
	KeyID string `json:"key_id" jsonschema:"minLength=1,maxLength=64"`
	// RevokedBy is the id of the key that revoked it.
	RevokedBy string `json:"revoked_by" jsonschema:"minLength=1,maxLength=128"`
}

// TenantRecovered (tenant.recovered) records that the platform admin issued a new admin key for a
// tenant, e.g. one that lost every admin key. It is the audit record of that act; an
// apikey.created for the same key (created_by "platform-admin") is committed with it. The subject
// is the new key's id, as for apikey.created.
type TenantRecovered struct {
	// KeyID is the new admin key's record id.
	KeyID string `json:"key_id" jsonschema:"minLength=1,maxLength=64"`
	// Prefix is the new key's display prefix.
	Prefix string `json:"prefix" jsonschema:"minLength=1,maxLength=32"`
	// Reason is why the platform admin did it, as they gave it (a ticket number, say).
	Reason string `json:"reason" jsonschema:"minLength=1,maxLength=500"`
	// IssuedBy is "platform-admin".
	IssuedBy string `json:"issued_by" jsonschema:"minLength=1,maxLength=128"`
}

// TenantPlanChanged (tenant.plan.changed) records that the platform admin changed a tenant's plan:
// its quotas and request rate limits. The subject is the tenant's id. Each number is the limit now
// in force (defaults filled in).
type TenantPlanChanged struct {
	// Quotas caps the stored things.
	Quotas PlanQuotas `json:"quotas"`
	// RateLimits are the request limits per route class.
	RateLimits PlanRateLimits `json:"rate_limits"`
	// WebhookConcurrency is how many of the tenant's webhook deliveries may be in flight at once
	// (added later: absent in events of older builds).
	WebhookConcurrency int64 `json:"webhook_concurrency,omitempty" jsonschema:"minimum=1"`
	// ChangedBy is "platform-admin".
	ChangedBy string `json:"changed_by" jsonschema:"minLength=1,maxLength=128"`
	// Version is the plan item's version after the change.
	Version int64 `json:"version" jsonschema:"minimum=1"`
}

// PlanQuotas are a plan's quotas: how many of each stored thing a tenant may keep.
type PlanQuotas struct {
	APIKeys           int64 `json:"api_keys" jsonschema:"minimum=1"`
	Models            int64 `json:"models" jsonschema:"minimum=1"`
	Intents           int64 `json:"intents" jsonschema:"minimum=1"`
	Articles          int64 `json:"articles" jsonschema:"minimum=1"`
	Flows             int64 `json:"flows" jsonschema:"minimum=1"`
	LiveConversations int64 `json:"live_conversations" jsonschema:"minimum=1"`
	// WebhookEndpoints was added later: absent in events of older builds.
	WebhookEndpoints int64 `json:"webhook_endpoints,omitempty" jsonschema:"minimum=1"`
	// The telephony quotas (added later: absent from events written before them).
	Numbers     int64 `json:"numbers,omitempty" jsonschema:"minimum=1"`
	Trunks      int64 `json:"trunks,omitempty" jsonschema:"minimum=1"`
	SIPAccounts int64 `json:"sip_accounts,omitempty" jsonschema:"minimum=1"`
	// Users (people who sign in to the console) was added later.
	Users int64 `json:"users,omitempty" jsonschema:"minimum=1"`
}

// PlanRateLimits are a plan's request limits per route class.
type PlanRateLimits struct {
	Chat     RateLimit `json:"chat"`     // chat turns
	Config   RateLimit `json:"config"`   // configuration writes
	Training RateLimit `json:"training"` // training requests
	Read     RateLimit `json:"read"`     // reads
}

// RateLimit is a token bucket: Rate requests a second on average, at most Burst at once.
type RateLimit struct {
	Rate  float64 `json:"rate" jsonschema:"exclusiveMinimum=0"`
	Burst int64   `json:"burst" jsonschema:"minimum=1"`
}
