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
