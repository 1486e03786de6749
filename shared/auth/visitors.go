package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Visitors of a tenant's web chat widget hold a token scoped to the one conversation the widget
// started for them: 256 random bits with their own prefix, stored only as their SHA-256 in the
// platform item KindVisitorHash, with a TTL. Authenticate never accepts one; only the routes of
// that conversation (and the WebSocket API's $connect) call Visitor.

// VisitorPrefix starts every visitor token.
const VisitorPrefix = "lxv_"

// VisitorTTL is a visitor token's lifetime, counted from when the widget started the conversation.
const VisitorTTL = 24 * time.Hour

// RoleVisitor is the role of a widget visitor's token: it names one conversation and allows
// nothing else.
const RoleVisitor Role = "visitor"

// KindVisitorHash is the platform item of a visitor token: token hash → VisitorOwner.
const KindVisitorHash = "visitor-hash"

// VisitorOwner is what the platform index stores for a visitor token's hash.
type VisitorOwner struct {
	Tenant         string    `dynamodbav:"tenant"`
	ConversationID string    `dynamodbav:"conversation_id"`
	WidgetID       string    `dynamodbav:"widget_id"`
	ExpiresAt      time.Time `dynamodbav:"expires_at"`
}

// NewVisitorToken returns a fresh visitor token: the prefix and 256 random bits in base64url.
func NewVisitorToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random visitor token: %w", err)
	}
	return VisitorPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// VisitorRecord returns the store operation that makes token valid for conversation convID of t,
// started through widget widgetID, from now until now+VisitorTTL.
func VisitorRecord(t tenant.ID, token, convID, widgetID string, now time.Time) store.Op {
	exp := now.Add(VisitorTTL)
	return store.PlatformPutOp(store.Key{Kind: KindVisitorHash, ID: Hash(token)},
		VisitorOwner{Tenant: t.String(), ConversationID: convID, WidgetID: widgetID, ExpiresAt: exp}, 0, store.WithTTL(exp))
}

// Visitor resolves a visitor token to its principal: the tenant, RoleVisitor and the conversation
// it may act on. Every way the token can be wrong (unknown, expired, not a visitor token) is
// ErrUnauthenticated.
func (a *Authenticator) Visitor(ctx context.Context, token string) (Principal, error) {
	if !strings.HasPrefix(token, VisitorPrefix) || len(token) > 256 {
		return Principal{}, ErrUnauthenticated
	}
	var o VisitorOwner
	_, err := a.lookup.PlatformGet(ctx, store.Key{Kind: KindVisitorHash, ID: Hash(token)}, &o)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up visitor token: %w", err)
	}
	if !a.now().Before(o.ExpiresAt) {
		return Principal{}, ErrUnauthenticated
	}
	t, err := tenant.Parse(o.Tenant)
	if err != nil || o.ConversationID == "" {
		return Principal{}, fmt.Errorf("visitor record of conversation %s is corrupt: %w", o.ConversationID, err)
	}
	return Principal{Tenant: t, Role: RoleVisitor, ConversationID: o.ConversationID, WidgetID: o.WidgetID}, nil
}
