// Package widget is a tenant's web chat widget: its public id (lxw_…, in the page that embeds
// it), the origins allowed to embed it, its title, and the platform item that maps the id to the
// tenant, as a dialled number maps to its tenant. A visitor's conversation starts through the id
// alone (functions/chat, POST /v1/widgets/{widget}/conversations) and gets a visitor token
// scoped to that conversation (shared/auth, visitors.go).
package widget

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/randid"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// IDPrefix starts every widget id. The id is public: it only names the tenant's widget.
const IDPrefix = "lxw_"

// Store kinds: the tenant's one widget, and the platform index of widget ids.
const (
	Kind      = "widget"    // tenant item, id SettingsID
	KindOwner = "widget-id" // platform item: widget id → Owner
	// SettingsID is the id of the tenant's widget item (one widget per tenant).
	SettingsID = "settings"
)

// Limits of the settings.
const (
	MaxOrigins   = 20
	MaxOriginLen = 200
	MaxTitle     = 80 // runes
)

// ErrNotFound: no widget has that id (or the tenant has no widget).
var ErrNotFound = errors.New("widget not found")

// Widget is a tenant's widget as stored and shown.
type Widget struct {
	ID string `dynamodbav:"widget_id" json:"widget_id"`
	// Origins are the sites allowed to start conversations from a browser (scheme://host[:port]);
	// empty allows any.
	Origins   []string  `dynamodbav:"origins" json:"origins"`
	Title     string    `dynamodbav:"title,omitempty" json:"title,omitempty"`
	CreatedAt time.Time `dynamodbav:"created_at" json:"created_at"`
	UpdatedAt time.Time `dynamodbav:"updated_at" json:"updated_at"`
}

// Owner is what the platform index stores for a widget id.
type Owner struct {
	Tenant string `dynamodbav:"tenant"`
}

// Key is the tenant's widget item.
func Key() store.Key { return store.Key{Kind: Kind, ID: SettingsID} }

// OwnerKey is the platform item of widget id.
func OwnerKey(id string) store.Key { return store.Key{Kind: KindOwner, ID: id} }

// NewID returns a fresh widget id: the prefix and 128 random bits in base64url.
func NewID() (string, error) { return randid.New(IDPrefix, idBytes), nil }

// ValidID reports whether s has the shape of a widget id (before any lookup).
func ValidID(s string) bool { return randid.Valid(s, IDPrefix, idBytes) }

// idBytes is how many random bytes follow IDPrefix.
const idBytes = 16

// Normalize trims the title and lower-cases and de-duplicates the origins.
func (w *Widget) Normalize() {
	w.Title = strings.TrimSpace(w.Title)
	seen := map[string]bool{}
	out := []string{}
	for _, o := range w.Origins {
		o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	w.Origins = out
}

// Check validates the settings an admin gives (after Normalize): each origin is
// scheme://host[:port] with https, or http for localhost and 127.0.0.1 (a developer's page).
func (w Widget) Check() []httpapi.FieldError {
	var fe []httpapi.FieldError
	if len(w.Origins) > MaxOrigins {
		fe = append(fe, httpapi.FieldError{Field: "/origins", Reason: fmt.Sprintf("at most %d origins", MaxOrigins)})
	}
	for i, o := range w.Origins {
		if reason := checkOrigin(o); reason != "" {
			fe = append(fe, httpapi.FieldError{Field: fmt.Sprintf("/origins/%d", i), Reason: reason})
		}
	}
	if !utf8.ValidString(w.Title) || utf8.RuneCountInString(w.Title) > MaxTitle || strings.ContainsFunc(w.Title, isControl) {
		fe = append(fe, httpapi.FieldError{Field: "/title", Reason: fmt.Sprintf("must be at most %d characters of text", MaxTitle)})
	}
	return fe
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func checkOrigin(o string) string {
	const rule = "must be an origin: https://host[:port] (http only for localhost or 127.0.0.1), no path"
	if o == "" || len(o) > MaxOriginLen {
		return rule
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return rule
	}
	switch u.Scheme {
	case "https":
	case "http":
		if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" {
			return rule
		}
	default:
		return rule
	}
	return ""
}

// Allows reports whether a browser request from origin may use w: any when w names no origins,
// else only those named. A request without Origin (no browser) is allowed: the origin check guards
// against other sites embedding the widget, not against clients that are not browsers.
func (w Widget) Allows(origin string) bool {
	if origin == "" || len(w.Origins) == 0 {
		return true
	}
	origin = strings.ToLower(strings.TrimRight(origin, "/"))
	for _, o := range w.Origins {
		if o == origin {
			return true
		}
	}
	return false
}

// PutOps returns the operations that store w for t over the item at version (0: none yet). A new
// widget (version 0) also creates its platform index item.
func PutOps(t tenant.ID, w Widget, version int64) []store.Op {
	ops := []store.Op{store.PutOp(t, Key(), w, version)}
	if version == 0 {
		ops = append(ops, store.PlatformCreateOp(OwnerKey(w.ID), Owner{Tenant: t.String()}))
	}
	return ops
}

// Getter is the store access Resolve needs; *store.Store is one.
type Getter interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	PlatformGet(ctx context.Context, k store.Key, out any) (int64, error)
}

var _ Getter = (*store.Store)(nil)

// Resolve finds the tenant and settings of widget id; ErrNotFound when no tenant has it.
func Resolve(ctx context.Context, db Getter, id string) (tenant.ID, Widget, error) {
	if !ValidID(id) {
		return tenant.ID{}, Widget{}, ErrNotFound
	}
	var o Owner
	if _, err := db.PlatformGet(ctx, OwnerKey(id), &o); errors.Is(err, store.ErrNotFound) {
		return tenant.ID{}, Widget{}, ErrNotFound
	} else if err != nil {
		return tenant.ID{}, Widget{}, fmt.Errorf("look up widget %s: %w", id, err)
	}
	t, err := tenant.Parse(o.Tenant)
	if err != nil {
		return tenant.ID{}, Widget{}, fmt.Errorf("widget %s owner record is corrupt: %w", id, err)
	}
	var w Widget
	if _, err := db.Get(ctx, t, Key(), &w); errors.Is(err, store.ErrNotFound) {
		return tenant.ID{}, Widget{}, ErrNotFound
	} else if err != nil {
		return tenant.ID{}, Widget{}, fmt.Errorf("read widget of %s: %w", t, err)
	}
	if w.ID != id {
		return tenant.ID{}, Widget{}, ErrNotFound
	}
	return t, w, nil
}

// Visitor rate limits: per widget and source address, in the tenant's rate partition. Starting
// conversations is tighter than the turns of one.
var (
	StartLimit = ratelimit.Limit{Count: 10, Per: time.Minute, Burst: 5}
	TurnLimit  = ratelimit.Limit{Count: 60, Per: time.Minute, Burst: 20}
)

// Rate classes (bucket names in the tenant's rate partition).
const (
	startClass = "widget-start:"
	turnClass  = "widget-turn:"
)

// StartClass and TurnClass name the bucket of widget id and source address ip.
func StartClass(id, ip string) httpapi.RateClass {
	return httpapi.RateClass(startClass + id + "#" + ip)
}

// TurnClass is the bucket of a visitor's turns from ip through widget id.
func TurnClass(id, ip string) httpapi.RateClass { return httpapi.RateClass(turnClass + id + "#" + ip) }

// Limits are the limits of the widget classes, for the limiter the chat function keeps for
// visitors (ratelimit.Options.Limits); other classes have none.
var Limits = ratelimit.LimitsFunc(func(_ context.Context, _ tenant.ID, c httpapi.RateClass) (ratelimit.Limit, error) {
	switch {
	case strings.HasPrefix(string(c), startClass):
		return StartLimit, nil
	case strings.HasPrefix(string(c), turnClass):
		return TurnLimit, nil
	}
	return ratelimit.Limit{}, nil
})
