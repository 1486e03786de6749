package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Sessions of people (shared/users) are bearer tokens like API keys: 256 random bits with their
// own prefix, shown once at sign-in and stored only as their SHA-256. The platform item
// KindSessionHash maps the hash to the tenant, user and role; the tenant item KindSession (id
// "<user id>/<hash>") lists a user's sessions so that they can be revoked together. Both carry
// the session's expiry as their TTL, and the authenticator also checks it (DynamoDB deletes
// expired items only eventually; the store hides them, and so does the check here).

// SessionPrefix starts every session token.
const SessionPrefix = "lxs_"

// SessionTTL is a session's lifetime: absolute, counted from sign-in, never extended by use. A
// console sign-in lasts a working day; signing out or any change to the user ends it earlier.
const SessionTTL = 12 * time.Hour

// Store kinds of sessions.
const (
	KindSessionHash = "session-hash" // platform item: token hash → SessionOwner
	KindSession     = "session"      // tenant item: "<user id>/<token hash>" → Session
)

// SessionOwner is what the platform index stores for a session token's hash.
type SessionOwner struct {
	Tenant    string    `dynamodbav:"tenant"`
	UserID    string    `dynamodbav:"user_id"`
	Role      Role      `dynamodbav:"role"`
	ExpiresAt time.Time `dynamodbav:"expires_at"`
}

// Session is the tenant-side record of a session: never the token.
type Session struct {
	ID        string    `dynamodbav:"id" json:"id"` // the token's hash
	UserID    string    `dynamodbav:"user_id" json:"user_id"`
	CreatedAt time.Time `dynamodbav:"created_at" json:"created_at"`
	ExpiresAt time.Time `dynamodbav:"expires_at" json:"expires_at"`
}

// NewSessionToken returns a fresh session token: the prefix and 256 random bits in base64url.
func NewSessionToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random session token: %w", err)
	}
	return SessionPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// SessionKey is the tenant item of user userID's session whose token hashes to hash.
func SessionKey(userID, hash string) store.Key {
	return store.Key{Kind: KindSession, ID: userID + "/" + hash}
}

// SessionRecords returns the store operations that open a session with token for user userID of
// t with role, from now until now+SessionTTL: the platform index by hash and the tenant's record.
func SessionRecords(t tenant.ID, token, userID string, role Role, now time.Time) (Session, []store.Op) {
	h := Hash(token)
	s := Session{ID: h, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	ttl := store.WithTTL(s.ExpiresAt)
	return s, []store.Op{
		store.PlatformPutOp(store.Key{Kind: KindSessionHash, ID: h}, SessionOwner{Tenant: t.String(), UserID: userID, Role: role, ExpiresAt: s.ExpiresAt}, 0, ttl),
		store.PutOp(t, SessionKey(userID, h), s, 0, ttl),
	}
}

// EndSessionOps returns the store operations that end session s of t.
func EndSessionOps(t tenant.ID, s Session) []store.Op {
	return []store.Op{
		store.PlatformDeleteOp(store.Key{Kind: KindSessionHash, ID: s.ID}),
		store.DeleteOp(t, SessionKey(s.UserID, s.ID), 0),
	}
}

// session resolves a session token's hash to its principal.
func (a *Authenticator) session(ctx context.Context, hash string) (Principal, error) {
	var o SessionOwner
	_, err := a.lookup.PlatformGet(ctx, store.Key{Kind: KindSessionHash, ID: hash}, &o)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up session: %w", err)
	}
	if !a.now().Before(o.ExpiresAt) {
		return Principal{}, ErrUnauthenticated
	}
	t, err := tenant.Parse(o.Tenant)
	if err != nil || !o.Role.ValidUser() || o.UserID == "" {
		return Principal{}, fmt.Errorf("session record of user %s is corrupt: %w", o.UserID, err)
	}
	return Principal{Tenant: t, Role: o.Role, UserID: o.UserID, SessionID: hash}, nil
}
