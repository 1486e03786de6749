package delivery

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/lingxi/lingxi/shared/store"
)

// Store kinds.
const (
	KindEndpoint = "webhook"
	KindDelivery = "webhook.delivery"
	KindLane     = "webhook.lane"
)

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// Secret is one signing secret of an endpoint. A secret with an ExpiresAt signs until then (the
// old secret during a rotation's grace period).
type Secret struct {
	Value     string     `dynamodbav:"value"`
	ExpiresAt *time.Time `dynamodbav:"expires_at,omitempty"`
}

// Endpoint is a partner's webhook endpoint. Secrets never leave the API but once, when made.
type Endpoint struct {
	ID          string    `dynamodbav:"id" json:"id"`
	URL         string    `dynamodbav:"url" json:"url"`
	EventTypes  []string  `dynamodbav:"event_types" json:"event_types"`
	Description string    `dynamodbav:"description" json:"description"`
	Enabled     bool      `dynamodbav:"enabled" json:"enabled"`
	Secrets     []Secret  `dynamodbav:"secrets" json:"-"`
	CreatedAt   time.Time `dynamodbav:"created_at" json:"created_at"`
	UpdatedAt   time.Time `dynamodbav:"updated_at" json:"updated_at"`
	// SecretRotatedAt is when the newest secret was made; PreviousSecretExpiresAt when the one
	// before stops signing (absent: only one secret signs).
	SecretRotatedAt         time.Time  `dynamodbav:"secret_rotated_at" json:"secret_rotated_at"`
	PreviousSecretExpiresAt *time.Time `dynamodbav:"-" json:"previous_secret_expires_at,omitempty"`
	// Version is the stored item's version (also the API's ETag); the store keeps it, not the item.
	Version int64 `dynamodbav:"-" json:"version"`
}

// EndpointKey is the store key of endpoint id.
func EndpointKey(id string) store.Key { return store.Key{Kind: KindEndpoint, ID: id} }

// Subscribed reports whether e wants events of type typ.
func (e *Endpoint) Subscribed(typ string) bool { return slices.Contains(e.EventTypes, typ) }

// SigningSecrets are the secrets that sign at now, newest first.
func (e *Endpoint) SigningSecrets(now time.Time) [][]byte {
	var out [][]byte
	for i := len(e.Secrets) - 1; i >= 0; i-- {
		s := e.Secrets[i]
		if s.ExpiresAt == nil || now.Before(*s.ExpiresAt) {
			out = append(out, []byte(s.Value))
		}
	}
	return out
}

// Rotate makes a new secret; the current ones keep signing until now+grace (a grace of 0 retires
// them at once). Secrets already expired are dropped. It returns the new secret.
func (e *Endpoint) Rotate(now time.Time, grace time.Duration) (string, error) {
	s, err := NewSecret()
	if err != nil {
		return "", err
	}
	until := now.Add(grace)
	var keep []Secret
	for _, old := range e.Secrets {
		if old.ExpiresAt != nil && !now.Before(*old.ExpiresAt) {
			continue
		}
		if grace > 0 {
			if old.ExpiresAt == nil || old.ExpiresAt.After(until) {
				old.ExpiresAt = &until
			}
			keep = append(keep, old)
		}
	}
	e.Secrets = append(keep, Secret{Value: s})
	e.SecretRotatedAt = now
	return s, nil
}

// View fills the fields derived for the API at now.
func (e *Endpoint) View(now time.Time) *Endpoint {
	e.PreviousSecretExpiresAt = nil
	for _, s := range e.Secrets {
		if s.ExpiresAt != nil && now.Before(*s.ExpiresAt) && (e.PreviousSecretExpiresAt == nil || s.ExpiresAt.After(*e.PreviousSecretExpiresAt)) {
			t := *s.ExpiresAt
			e.PreviousSecretExpiresAt = &t
		}
	}
	if e.EventTypes == nil {
		e.EventTypes = []string{}
	}
	return e
}

// NewSecret returns a random signing secret.
func NewSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new webhook secret: %w", err)
	}
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// NewID returns a random endpoint id.
func NewID() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new webhook id: %w", err)
	}
	return "we_" + fmt.Sprintf("%x", b), nil
}
