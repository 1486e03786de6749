package push

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// ConnTTL is how long a connection item lives: API Gateway closes every WebSocket connection
// after two hours.
const ConnTTL = 2 * time.Hour

// Store kinds. The platform item maps a connection id to its tenant and owner ($disconnect and the
// sender know only the id); the tenant items index connections by user, role and conversation so
// that each fan-out is one Query.
const (
	KindConn     = "ws-conn"      // platform item: connection id → connRecord
	KindByUser   = "ws-conn-user" // tenant item: "<user id>#<connection id>" → Conn
	KindByRole   = "ws-conn-role" // tenant item: "<role>#<connection id>" → Conn
	KindByConv   = "ws-conn-conv" // tenant item: "<conversation id>#<connection id>" → Conn
	maxFanOut    = 1000           // connections one Query returns at most
	connIDMaxLen = 128
)

// Conn is one open WebSocket connection: a person's (UserID and Role set) or a widget visitor's
// (Role auth.RoleVisitor, ConversationID set).
type Conn struct {
	ID             string    `dynamodbav:"id" json:"id"`
	UserID         string    `dynamodbav:"user_id,omitempty" json:"user_id,omitempty"`
	Role           auth.Role `dynamodbav:"role" json:"role"`
	ConversationID string    `dynamodbav:"conversation_id,omitempty" json:"conversation_id,omitempty"`
	At             time.Time `dynamodbav:"at" json:"at"`
	// SessionID is the hash of the person's session token the connection was opened with
	// (auth.Principal.SessionID): a push first checks that the session still lives, so signing
	// out or revoking sessions also ends the person's connections.
	SessionID string `dynamodbav:"session_id,omitempty" json:"-"`
}

// connRecord is the platform item of a connection.
type connRecord struct {
	Tenant string `dynamodbav:"tenant"`
	Conn   Conn   `dynamodbav:"conn"`
}

// ErrUnknownConn is returned by Lookup for a connection that is not (or no longer) registered.
var ErrUnknownConn = errors.New("push: unknown connection")

// Registry records open connections in the store.
type Registry struct {
	db  *store.Store
	now func() time.Time
}

// NewRegistry returns a registry over db.
func NewRegistry(db *store.Store) *Registry { return &Registry{db: db, now: time.Now} }

// SessionLive reports whether the session c was opened with still lives: true for a connection
// opened without one (a visitor's, whose token cannot be revoked and outlives the connection).
func (r *Registry) SessionLive(ctx context.Context, c Conn) (bool, error) {
	if c.SessionID == "" {
		return true, nil
	}
	var o auth.SessionOwner
	_, err := r.db.PlatformGet(ctx, store.Key{Kind: auth.KindSessionHash, ID: c.SessionID}, &o)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check the session of connection %s: %w", c.ID, err)
	}
	return o.UserID == c.UserID && r.now().Before(o.ExpiresAt), nil
}

func (c Conn) indexKeys() []store.Key {
	var keys []store.Key
	if c.UserID != "" {
		keys = append(keys, store.Key{Kind: KindByUser, ID: c.UserID + "#" + c.ID})
	}
	if c.Role != "" {
		keys = append(keys, store.Key{Kind: KindByRole, ID: string(c.Role) + "#" + c.ID})
	}
	if c.ConversationID != "" {
		keys = append(keys, store.Key{Kind: KindByConv, ID: c.ConversationID + "#" + c.ID})
	}
	return keys
}

// Add registers c for t in one transaction. A connection id registered already is ErrConflict.
func (r *Registry) Add(ctx context.Context, t tenant.ID, c Conn) error {
	if c.ID == "" || len(c.ID) > connIDMaxLen {
		return fmt.Errorf("register connection: bad id %q", c.ID)
	}
	if c.At.IsZero() {
		c.At = time.Now().UTC()
	}
	ttl := store.WithTTL(c.At.Add(ConnTTL))
	ops := []store.Op{store.PlatformPutOp(store.Key{Kind: KindConn, ID: c.ID}, connRecord{Tenant: t.String(), Conn: c}, 0, ttl)}
	for _, k := range c.indexKeys() {
		ops = append(ops, store.PutOp(t, k, c, 0, ttl))
	}
	if err := r.db.Tx(ctx, ops...); err != nil {
		return fmt.Errorf("register connection %s: %w", c.ID, err)
	}
	return nil
}

// Lookup returns the tenant and record of connection connID; ErrUnknownConn when none is live.
func (r *Registry) Lookup(ctx context.Context, connID string) (tenant.ID, Conn, error) {
	if connID == "" || len(connID) > connIDMaxLen {
		return tenant.ID{}, Conn{}, ErrUnknownConn
	}
	var rec connRecord
	_, err := r.db.PlatformGet(ctx, store.Key{Kind: KindConn, ID: connID}, &rec)
	if errors.Is(err, store.ErrNotFound) {
		return tenant.ID{}, Conn{}, ErrUnknownConn
	}
	if err != nil {
		return tenant.ID{}, Conn{}, fmt.Errorf("look up connection %s: %w", connID, err)
	}
	t, err := tenant.Parse(rec.Tenant)
	if err != nil {
		return tenant.ID{}, Conn{}, fmt.Errorf("connection %s record is corrupt: %w", connID, err)
	}
	return t, rec.Conn, nil
}

// Remove forgets connection connID of t. Removing one that is gone already is not an error, so
// $disconnect and a 410 from the sender may both remove it.
func (r *Registry) Remove(ctx context.Context, t tenant.ID, connID string) error {
	owner, c, err := r.Lookup(ctx, connID)
	if errors.Is(err, ErrUnknownConn) {
		return nil
	}
	if err != nil {
		return err
	}
	if owner != t {
		return nil // another tenant's connection id: nothing of t's to remove
	}
	for _, k := range c.indexKeys() {
		if err := r.db.Delete(ctx, t, k, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("remove connection %s: %w", connID, err)
		}
	}
	if err := r.db.PlatformDelete(ctx, store.Key{Kind: KindConn, ID: connID}); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("remove connection %s: %w", connID, err)
	}
	return nil
}

// ForUser lists the open connections of user userID of t.
func (r *Registry) ForUser(ctx context.Context, t tenant.ID, userID string) ([]Conn, error) {
	return r.list(ctx, t, KindByUser, userID)
}

// ForRole lists the open connections of t's people with exactly role.
func (r *Registry) ForRole(ctx context.Context, t tenant.ID, role auth.Role) ([]Conn, error) {
	return r.list(ctx, t, KindByRole, string(role))
}

// ForConversation lists the open connections of the visitors of conversation convID of t.
func (r *Registry) ForConversation(ctx context.Context, t tenant.ID, convID string) ([]Conn, error) {
	return r.list(ctx, t, KindByConv, convID)
}

func (r *Registry) list(ctx context.Context, t tenant.ID, kind, owner string) ([]Conn, error) {
	if owner == "" {
		return nil, nil
	}
	conns, _, err := store.QueryAll[Conn](ctx, r.db, t, kind, owner+"#", maxFanOut)
	if err != nil {
		return nil, fmt.Errorf("list connections of %s %s: %w", kind, owner, err)
	}
	return conns, nil
}
