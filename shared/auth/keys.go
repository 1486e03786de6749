// Package auth turns an API key into the tenant and role it acts for. Keys are 256 random bits,
// shown once when made and stored only as a SHA-256 hash (a fast hash is right for keys of that
// strength: there is nothing to brute-force). The tenant a request acts for comes from here, and
// only from here, for HTTP callers.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/randid"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Role says what a key may do.
type Role string

// Roles. Admin manages the tenant (keys, configuration); partner calls the customer-facing APIs.
// Agent and supervisor are roles of people (shared/users), held by their sign-in sessions only;
// a person with role admin acts as an admin key does.
const (
	RoleAdmin      Role = "admin"
	RolePartner    Role = "partner"
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
)

// Valid reports whether r is a role a key may have.
func (r Role) Valid() bool { return r == RoleAdmin || r == RolePartner }

// ValidUser reports whether r is a role a person may have.
func (r Role) ValidUser() bool { return r == RoleAdmin || r == RoleSupervisor || r == RoleAgent }

// Allows reports whether a caller with role r may act where need is required. Admin may do all; a
// supervisor may also do what an agent may.
func (r Role) Allows(need Role) bool {
	return r == RoleAdmin || r == need || r == RoleSupervisor && need == RoleAgent
}

// KeyPrefix starts every tenant key, so leaked keys are easy to scan for.
const KeyPrefix = "lxk_"

// DisplayLen is how many leading characters of a key are kept to show in listings.
const DisplayLen = len(KeyPrefix) + 8

// Errors. ErrUnauthenticated covers every way a key can be wrong, so callers learn nothing more.
var (
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
)

// Store kinds used by this package.
const (
	KindKeyHash = "apikey-hash" // platform item: key hash → owner
	KindKey     = "apikey"      // tenant item: key id → metadata (for listing)
)

// NewKey returns a fresh random key: the prefix and 256 bits in base64url.
func NewKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random key: %w", err)
	}
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// NewID returns a short random id for a key record (not secret).
func NewID() (string, error) { return randid.New("key_", 9), nil }

// Hash returns the hex SHA-256 of key.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Owner is what the platform index stores for a key hash.
type Owner struct {
	Tenant string `dynamodbav:"tenant"`
	KeyID  string `dynamodbav:"key_id"`
	Role   Role   `dynamodbav:"role"`
}

// Key is the tenant-side record of a key, shown in listings. It never holds the key itself.
type Key struct {
	ID        string    `dynamodbav:"id" json:"id"`
	Name      string    `dynamodbav:"name" json:"name,omitempty"`
	Role      Role      `dynamodbav:"role" json:"role"`
	Prefix    string    `dynamodbav:"prefix" json:"prefix"`
	Hash      string    `dynamodbav:"hash" json:"-"`
	CreatedAt time.Time `dynamodbav:"created_at" json:"created_at"`
	CreatedBy string    `dynamodbav:"created_by" json:"created_by,omitempty"`
}

// Principal is an authenticated caller.
type Principal struct {
	Tenant tenant.ID
	Role   Role
	KeyID  string // the API key's id; empty for a person's session
	Admin  bool   // the platform admin (no tenant)
	// UserID and SessionID are set when a person signed in (sessions.go) made the request.
	UserID, SessionID string
	// ConversationID and WidgetID are set for a widget visitor's token (visitors.go): the one
	// conversation it may act on, and the widget that started it.
	ConversationID, WidgetID string
}

// Actor names who acted, for events and records: the key's id or "user/<id>".
func (p Principal) Actor() string {
	if p.UserID != "" {
		return "user/" + p.UserID
	}
	if p.Role == RoleVisitor {
		return "visitor"
	}
	return p.KeyID
}

// Lookup is the store access the authenticator needs.
type Lookup interface {
	PlatformGet(ctx context.Context, k store.Key, out any) (int64, error)
}

var _ Lookup = (*store.Store)(nil)

// Authenticator resolves bearer keys.
type Authenticator struct {
	lookup    Lookup
	adminHash []byte // SHA-256 of the platform-admin key; empty disables admin access
	now       func() time.Time
}

// WithClock makes a read sessions' expiry from now (for tests); it returns a.
func (a *Authenticator) WithClock(now func() time.Time) *Authenticator {
	a.now = now
	return a
}

// NewAuthenticator returns an authenticator over lookup. adminKeySHA256 is the hex hash of the
// platform-admin key configured at deploy time; an empty one disables the admin.
func NewAuthenticator(lookup Lookup, adminKeySHA256 string) (*Authenticator, error) {
	a := &Authenticator{lookup: lookup, now: time.Now}
	if adminKeySHA256 != "" {
		h, err := hex.DecodeString(adminKeySHA256)
		if err != nil || len(h) != sha256.Size {
			return nil, errors.New("admin key hash must be 64 hex characters")
		}
		a.adminHash = h
	}
	return a, nil
}

// BearerKey extracts the key from an Authorization header value.
func BearerKey(header string) (string, bool) {
	scheme, key, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	key = strings.TrimSpace(key)
	return key, key != "" && len(key) <= 256
}

// Authenticate resolves a key to its principal.
func (a *Authenticator) Authenticate(ctx context.Context, key string) (Principal, error) {
	sum := sha256.Sum256([]byte(key))
	if len(a.adminHash) > 0 && subtle.ConstantTimeCompare(sum[:], a.adminHash) == 1 {
		return Principal{Admin: true}, nil
	}
	if strings.HasPrefix(key, SessionPrefix) {
		return a.session(ctx, hex.EncodeToString(sum[:]))
	}
	if !strings.HasPrefix(key, KeyPrefix) {
		return Principal{}, ErrUnauthenticated
	}
	var o Owner
	_, err := a.lookup.PlatformGet(ctx, store.Key{Kind: KindKeyHash, ID: hex.EncodeToString(sum[:])}, &o)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up key: %w", err)
	}
	t, err := tenant.Parse(o.Tenant) // written by us when the key was made
	if err != nil || !o.Role.Valid() {
		return Principal{}, fmt.Errorf("key record %s is corrupt: %w", o.KeyID, err)
	}
	return Principal{Tenant: t, Role: o.Role, KeyID: o.KeyID}, nil
}

// Records returns the store operations that create key for tenant t: the platform index by hash
// and the tenant's listing record. Write them in one transaction.
func Records(t tenant.ID, key string, meta Key) (Key, []store.Op) {
	meta.Hash = Hash(key)
	meta.Prefix = key[:DisplayLen]
	return meta, []store.Op{
		store.PlatformCreateOp(store.Key{Kind: KindKeyHash, ID: meta.Hash}, Owner{Tenant: t.String(), KeyID: meta.ID, Role: meta.Role}),
		store.CreateOp(t, store.Key{Kind: KindKey, ID: meta.ID}, meta),
	}
}
