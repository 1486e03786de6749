package handler

// widget.go: the web chat widget's visitors. POST /v1/widgets/{widget}/conversations needs no key:
// the widget's public id names the tenant (shared/widget), and the answer carries a visitor token
// (lxv_, shared/auth) that the conversation's own routes (GET, messages, end) accept for that one
// conversation; any other conversation, of this tenant or another, is 404 to it. Visitors are
// rate-limited per widget and source address (widget.StartLimit, widget.TurnLimit), not from the
// tenant's partner allowance.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/widget"

	lxevents "github.com/lingxi/lingxi/events"
)

// VisitorAuthenticator resolves visitor tokens; *auth.Authenticator is one.
type VisitorAuthenticator interface {
	Visitor(ctx context.Context, token string) (auth.Principal, error)
}

var _ VisitorAuthenticator = (*auth.Authenticator)(nil)

// Widgets is what the widget's routes need.
type Widgets struct {
	Store    widget.Getter        // resolves widget ids
	Visitors VisitorAuthenticator // resolves visitor tokens
	Limiter  httpapi.RateLimiter  // per widget and source address (widget.Limits); nil: none
}

// WithWidgets serves the widget's visitors. Without it the widget route is 503 and visitor tokens
// are refused like unknown keys.
func WithWidgets(w Widgets) Option { return func(api *API) { api.widgets = &w } }

// ClaimedCustomerAttribute is the attribute that keeps the customer id a visitor gave: unverified,
// so it is shown to agents but never used as the conversation's customer id (which would open
// that customer's business events and history to anyone who names it).
const ClaimedCustomerAttribute = "claimed_customer_id"

// widgetStartBody is the body of POST /v1/widgets/{widget}/conversations.
type widgetStartBody struct {
	// CustomerID is who the visitor says they are: kept as the attribute claimed_customer_id.
	CustomerID string `json:"customer_id,omitempty" jsonschema:"maxLength=128"`
	// Language is the page's language; omitted: the bot follows the visitor's words.
	Language string `json:"language,omitempty" jsonschema:"enum=zh,enum=en"`
}

// input is the conversation a visitor starts: chat, in the page's language, with the customer id
// the visitor gave kept only as the attribute ClaimedCustomerAttribute.
func (b widgetStartBody) input() (conversation.StartInput, error) {
	var f fields
	in := conversation.StartInput{Channel: lxevents.ChannelChat}
	switch b.Language {
	case "", "zh", "en":
		in.Language = botconfig.Lang(b.Language)
	default:
		f.add("/language", `must be "zh" or "en" (or omitted, to follow the visitor)`)
	}
	checkID(&f, "/customer_id", b.CustomerID, maxIDLen, false)
	if b.CustomerID != "" {
		in.Customer.Attributes = map[string]string{ClaimedCustomerAttribute: b.CustomerID}
	}
	return in, f.err()
}

// widgetStarted is the answer: the conversation as POST /v1/conversations answers it, and the
// visitor's token, shown once.
type widgetStarted struct {
	Conversation startResponse `json:"conversation"`
	Token        string        `json:"token"`
	ExpiresAt    time.Time     `json:"expires_at"`
}

func (api *API) startWidgetConversation(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
	if api.widgets == nil {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "the widget is not served here")
	}
	if r.Header("idempotency-key") != "" {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "Idempotency-Key", Reason: "a widget conversation is never replayed (its token is shown once); send it again without the header"})
	}
	if err := r.CheckBodySize(); err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["widget"]
	t, w, err := widget.Resolve(ctx, api.widgets.Store, id)
	if errors.Is(err, widget.ErrNotFound) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no widget %q", id)
	}
	if err != nil {
		return httpapi.Response{}, err
	}
	if !w.Allows(r.Header("origin")) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindForbidden, "this site may not embed the widget")
	}
	var body widgetStartBody
	if err := r.DecodeOptionalJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	in, err := body.input()
	if err != nil {
		return httpapi.Response{}, err
	}
	// After validation, as sign-in does: a malformed request costs the address nothing.
	if err := api.takeVisitor(ctx, r, t, widget.StartClass(id, r.RequestContext.HTTP.SourceIP)); err != nil {
		return httpapi.Response{}, err
	}
	token, err := auth.NewVisitorToken()
	if err != nil {
		return httpapi.Response{}, err
	}
	now := api.now().UTC()
	// The token's record commits in the conversation's own transaction: no conversation without
	// its token, no token without its conversation.
	hooked := conversation.WithCommitHook(ctx, func(rep conversation.Reply) ([]store.Op, error) {
		return []store.Op{auth.VisitorRecord(t, token, rep.Conversation.ID, id, now)}, nil
	})
	reply, err := api.conv.Start(hooked, t, in)
	if err != nil {
		return httpapi.Response{}, problem(err, "")
	}
	out := widgetStarted{Conversation: startView(reply), Token: token, ExpiresAt: now.Add(auth.VisitorTTL)}
	return httpapi.Response{Status: http.StatusCreated, Body: out, Headers: map[string]string{"Cache-Control": "no-store"}}, nil
}

// takeVisitor takes one request from a visitor bucket; a limiter failure admits the request.
func (api *API) takeVisitor(ctx context.Context, r *httpapi.Request, t tenant.ID, class httpapi.RateClass) error {
	if api.widgets.Limiter == nil {
		return nil
	}
	d, err := api.widgets.Limiter.Allow(ctx, t, class)
	if err != nil {
		api.log.WarnContext(ctx, "visitor limiter failed; request admitted", "tenant", t.String(), "err", err)
		return nil
	}
	if d.Allowed {
		return nil
	}
	return r.Refuse(d, "too many requests from this address through the widget")
}

// partnerOrVisitor admits what partner admits, and a visitor token for the conversation the
// route's {id} names. Any other conversation is 404 to a visitor, as another tenant's is.
func (api *API) partnerOrVisitor(h tenantHandler) httpapi.HandlerFunc {
	partner := api.partner(h)
	return func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		token, ok := auth.BearerKey(r.Header("authorization"))
		if !ok || !strings.HasPrefix(token, auth.VisitorPrefix) || api.widgets == nil {
			return partner(ctx, r)
		}
		p, err := api.widgets.Visitors.Visitor(ctx, token)
		if errors.Is(err, auth.ErrUnauthenticated) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnauthenticated, "the visitor token is not valid")
		}
		if err != nil {
			return httpapi.Response{}, err
		}
		if id := r.Params["id"]; id != p.ConversationID {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no conversation %q", id)
		}
		if err := api.takeVisitor(ctx, r, p.Tenant, widget.TurnClass(p.WidgetID, r.RequestContext.HTTP.SourceIP)); err != nil {
			return httpapi.Response{}, err
		}
		if err := r.CheckBodySize(); err != nil {
			return httpapi.Response{}, err
		}
		return h(ctx, r, p.Tenant)
	}
}
