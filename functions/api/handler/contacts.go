package handler

// contacts.go: contacts waiting for and handled by people (shared/floor) at /v1/contacts. A partner
// (or an admin) creates one as a bot handoff would (contact.created); agents accept or decline
// the offers the dispatcher makes them, write to the customer, transfer and wrap up; supervisors
// (and admins and partners) see every contact, an agent only those offered to them now or before
// (any other is 404, as an unknown one is: no existence leaks).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/guess"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
)

// kindOfferGone answers accepting or declining an offer that timed out, was declined or went to
// another agent.
var kindOfferGone = &httpapi.Kind{Slug: "offer-gone", Title: "The offer timed out or went to someone else", Status: http.StatusConflict}

// Limits of a contact a partner creates.
const (
	maxContactAttributes = 50
	maxAttributeKeyLen   = 64
	maxAttributeValueLen = 500
	maxContactTurns      = 50
	maxContactPriority   = 100
	maxCustomerIDLen     = 128
	// Profile: how many of the customer's business events and past contacts a contact shows, and
	// how many of the tenant's latest contacts are searched for the past ones.
	profileEvents   = 10
	profileContacts = 10
	profileScan     = 300
)

func (api *API) contactRoutes() {
	api.router.Handle("POST /v1/contacts", api.tenantKey(auth.RolePartner, api.createContact))
	api.router.Handle("GET /v1/contacts", api.anyRole(api.listContacts, auth.RoleAgent, auth.RolePartner))
	api.router.Handle("GET /v1/contacts/{id}", api.anyRole(api.getContact, auth.RoleAgent, auth.RolePartner))
	api.router.Handle("POST /v1/contacts/{id}/accept", api.tenantKey(auth.RoleAgent, api.acceptContact))
	api.router.Handle("POST /v1/contacts/{id}/decline", api.tenantKey(auth.RoleAgent, api.declineContact))
	api.router.Handle("POST /v1/contacts/{id}/messages", api.tenantKey(auth.RoleAgent, api.contactMessage))
	api.router.Handle("GET /v1/contacts/{id}/suggestions", api.tenantKey(auth.RoleAgent, api.contactSuggestions))
	api.router.Handle("POST /v1/contacts/{id}/transfer", api.tenantKey(auth.RoleAgent, api.transferContact))
	api.router.Handle("POST /v1/contacts/{id}/wrapup", api.tenantKey(auth.RoleAgent, api.wrapupContact))
}

// onceAuth remembers the first answer of an Authenticator, so a route that looks at the key's
// role before it names the role it needs resolves the key once.
type onceAuth struct {
	a    httpapi.Authenticator
	done bool
	p    auth.Principal
	err  error
}

func (o *onceAuth) Authenticate(ctx context.Context, key string) (auth.Principal, error) {
	if !o.done {
		o.p, o.err = o.a.Authenticate(ctx, key)
		o.done = true
	}
	return o.p, o.err
}

// anyRole admits tenant keys and sessions whose role allows any of roles.
func (api *API) anyRole(h tenantHandler, roles ...auth.Role) httpapi.HandlerFunc {
	return func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		a := &onceAuth{a: api.auth}
		p, err := httpapi.Principal(ctx, a, r)
		if err != nil {
			return httpapi.Response{}, err
		}
		need := roles[0]
		for _, role := range roles {
			if p.Role.Allows(role) {
				need = role
				break
			}
		}
		if p, err = httpapi.TenantPrincipal(ctx, a, r, need); err != nil {
			return httpapi.Response{}, err
		}
		return api.once(ctx, r, p, h)
	}
}

// needFloor is the floor, or 503 when the API was built without one.
func (api *API) needFloor() (*floor.Floor, error) {
	if api.human.floor == nil {
		return nil, httpapi.Errorf(httpapi.KindUnavailable, "the human service is not configured")
	}
	return api.human.floor, nil
}

// agentOnly reports whether p sees only the contacts offered to it: an agent's session.
func agentOnly(p auth.Principal) bool { return p.Role == auth.RoleAgent }

func contactWhat(id string) string { return fmt.Sprintf("contact %q", id) }

// floorError maps the floor's errors to problems; what names the thing acted on.
func floorError(err error, what string) error {
	var he *httpapi.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &he):
		return err
	case errors.Is(err, floor.ErrOfferGone):
		return httpapi.Errorf(kindOfferGone, "the offer of %s timed out, was declined or went to someone else", what)
	case errors.Is(err, floor.ErrNotYours):
		return httpapi.Errorf(httpapi.KindForbidden, "%s is another agent's", what)
	case errors.Is(err, floor.ErrWrongState):
		return httpapi.Errorf(httpapi.KindConflict, "%s is not in a state that allows this: %s", what, lastCause(err))
	case errors.Is(err, floor.ErrInvalid):
		return httpapi.Errorf(httpapi.KindValidation, "%s", lastCause(err))
	case errors.Is(err, floor.ErrNotFound):
		return httpapi.Errorf(httpapi.KindNotFound, "no %s", what)
	case errors.Is(err, store.ErrConflict):
		return httpapi.Errorf(httpapi.KindConflict, "%s changed while this request was served; read it again and retry", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// lastCause is a floor error's text without its sentinel and without the first "what was being
// done: " part: the rule broken ("contact is queued", "user is disabled").
func lastCause(err error) string {
	s := err.Error()
	for _, sentinel := range []error{floor.ErrWrongState, floor.ErrInvalid} {
		s = strings.ReplaceAll(s, ": "+sentinel.Error(), "")
	}
	if i := strings.Index(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// loadContact reads contact {id} as p may see it: 404 when it does not exist, or when p is an
// agent it was never offered to.
func (api *API) loadContact(ctx context.Context, r *httpapi.Request, p auth.Principal) (*floor.Floor, floor.Contact, int64, error) {
	f, err := api.needFloor()
	if err != nil {
		return nil, floor.Contact{}, 0, err
	}
	id := r.Params["id"]
	if id == "" || len(id) > 128 || !utf8.ValidString(id) {
		return nil, floor.Contact{}, 0, httpapi.Errorf(httpapi.KindNotFound, "no %s", contactWhat(id))
	}
	c, ver, err := f.Contact(ctx, p.Tenant, id)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return nil, floor.Contact{}, 0, httpapi.Errorf(httpapi.KindNotFound, "no %s", contactWhat(id))
	}
	if err != nil {
		return nil, floor.Contact{}, 0, fmt.Errorf("read %s: %w", contactWhat(id), err)
	}
	if agentOnly(p) && !c.OfferedTo(p.UserID) {
		return nil, floor.Contact{}, 0, httpapi.Errorf(httpapi.KindNotFound, "no %s", contactWhat(id))
	}
	return f, c, ver, nil
}

// ---- create --------------------------------------------------------------------------------------

// contactBody is POST /v1/contacts: a contact for a person, as a bot handoff makes one.
type contactBody struct {
	Channel    lxevents.Channel  `json:"channel"`
	Queue      string            `json:"queue"`
	CustomerID string            `json:"customer_id"`
	Priority   int               `json:"priority"`
	Intent     string            `json:"intent"`
	Attributes map[string]string `json:"attributes"`
	Transcript []turnBody        `json:"transcript"`
}

// turnBody is one turn of a transcript a partner sends.
type turnBody struct {
	Role lxevents.Role `json:"role"`
	Text string        `json:"text" text:"multiline"`
	Time time.Time     `json:"time"`
}

func (b contactBody) check() []httpapi.FieldError {
	var fe []httpapi.FieldError
	bad := func(field, reason string) { fe = append(fe, httpapi.FieldError{Field: field, Reason: reason}) }
	if b.Channel != lxevents.ChannelChat {
		bad("/channel", `must be "chat" (voice contacts come from calls)`)
	}
	if !botconfig.ValidID(b.Queue) {
		bad("/queue", botconfig.IDRule)
	}
	if utf8.RuneCountInString(b.CustomerID) > maxCustomerIDLen {
		bad("/customer_id", fmt.Sprintf("must be at most %d characters", maxCustomerIDLen))
	}
	if b.Priority < 0 || b.Priority > maxContactPriority {
		bad("/priority", fmt.Sprintf("must be 0 to %d", maxContactPriority))
	}
	if b.Intent != "" && !botconfig.ValidID(b.Intent) {
		bad("/intent", botconfig.IDRule)
	}
	if len(b.Attributes) > maxContactAttributes {
		bad("/attributes", fmt.Sprintf("must have at most %d attributes", maxContactAttributes))
	}
	for k, v := range b.Attributes {
		if k == "" || utf8.RuneCountInString(k) > maxAttributeKeyLen {
			bad("/attributes", fmt.Sprintf("names must be 1–%d characters", maxAttributeKeyLen))
		}
		if utf8.RuneCountInString(v) > maxAttributeValueLen {
			bad("/attributes/"+jsonPointerToken(k), fmt.Sprintf("must be at most %d characters", maxAttributeValueLen))
		}
	}
	if len(b.Transcript) > maxContactTurns {
		bad("/transcript", fmt.Sprintf("must have at most %d turns", maxContactTurns))
	}
	for i, t := range b.Transcript {
		if t.Role != lxevents.RoleCustomer && t.Role != lxevents.RoleBot && t.Role != lxevents.RoleAgent {
			bad(fmt.Sprintf("/transcript/%d/role", i), `must be "customer", "bot" or "agent"`)
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(t.Text)); n == 0 || n > conversation.MaxTextRunes {
			bad(fmt.Sprintf("/transcript/%d/text", i), fmt.Sprintf("must be 1–%d characters", conversation.MaxTextRunes))
		}
	}
	return fe
}

// jsonPointerToken escapes a member name for a JSON pointer (RFC 6901).
func jsonPointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (api *API) createContact(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	f, err := api.needFloor()
	if err != nil {
		return httpapi.Response{}, err
	}
	var body contactBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if fe := body.check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	if v, err := api.currentVersion(ctx, p.Tenant, floor.QueueKey(body.Queue), nil); err != nil {
		return httpapi.Response{}, err
	} else if v == 0 {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/queue", Reason: fmt.Sprintf("no queue %q in this tenant (/v1/queues)", body.Queue)})
	}
	u, err := uuid.NewV7()
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("contact id: %w", err)
	}
	now := api.now().UTC()
	turns := make([]lxevents.Turn, 0, len(body.Transcript))
	for _, t := range body.Transcript {
		at := t.Time
		if at.IsZero() {
			at = now
		}
		turns = append(turns, lxevents.Turn{Role: t.Role, Text: strings.TrimSpace(t.Text), Time: at.UTC()})
	}
	c := floor.Contact{ID: "ct-" + u.String(), Channel: body.Channel, Queue: body.Queue, Priority: body.Priority,
		CustomerID: body.CustomerID, Intent: body.Intent, Reason: lxevents.ReasonPolicy, Attributes: body.Attributes, Transcript: turns}
	// The contact.created fact is the same a bot handoff emits (partners' webhooks see both alike);
	// the dispatcher's enqueue of it finds the contact already queued here.
	ev, err := lxevents.New(p.Tenant, lxevents.TypeContactCreated, c.ID, Source, lxevents.ContactCreated{
		Channel: c.Channel, CustomerID: c.CustomerID, Queue: c.Queue, Intent: c.Intent, Reason: c.Reason, Attributes: c.Attributes, Transcript: turns})
	if err != nil {
		return httpapi.Response{}, err
	}
	c, _, err = f.Enqueue(ctx, p.Tenant, c, string(lxevents.QueueAPI))
	if err != nil {
		return httpapi.Response{}, floorError(err, contactWhat(c.ID))
	}
	if err := api.commit.Commit(ctx, nil, ev); err != nil {
		return httpapi.Response{}, fmt.Errorf("emit contact.created of %s: %w", c.ID, err)
	}
	return httpapi.JSON(http.StatusCreated, contactSummary(c, 1)), nil
}

// ---- read ----------------------------------------------------------------------------------------

// contactListed is a contact in a listing: without its transcript and decisions.
type contactListed struct {
	floor.Contact
	Decisions []decisionOut `json:"decisions,omitempty"` // never in a listing
	Version   int64         `json:"version"`
}

func contactSummary(c floor.Contact, version int64) contactListed {
	c.Transcript, c.Decisions = nil, nil
	return contactListed{Contact: c, Version: version}
}

// decisionOut is a dispatch decision as the API shows it (floor.Decision's JSON, the candidates
// as dispatch.decided has them).
type decisionOut struct {
	At         time.Time                    `json:"at"`
	AgentID    string                       `json:"agent_id"`
	Queue      string                       `json:"queue"`
	Ring       int                          `json:"ring"`
	Why        string                       `json:"why"`
	Considered int                          `json:"considered"`
	Candidates []lxevents.DispatchCandidate `json:"candidates"`
}

// decisionsOf is ds as the API shows them, through floor.Decision's own JSON.
func decisionsOf(ds []floor.Decision) ([]decisionOut, error) {
	out := []decisionOut{}
	for _, d := range ds {
		b, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		var o decisionOut
		if err := json.Unmarshal(b, &o); err != nil {
			return nil, err
		}
		if o.Candidates == nil {
			o.Candidates = []lxevents.DispatchCandidate{}
		}
		out = append(out, o)
	}
	return out, nil
}

// contactState reads ?state=, "" for every state.
func contactState(r *httpapi.Request) (floor.ContactState, error) {
	s := floor.ContactState(r.QueryStringParameters["state"])
	if s != "" && !s.Valid() {
		return "", httpapi.Invalid(httpapi.FieldError{Field: "state", Reason: "must be queued, offered, assigned, wrapup, closed or abandoned"})
	}
	return s, nil
}

func (api *API) listContacts(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	f, err := api.needFloor()
	if err != nil {
		return httpapi.Response{}, err
	}
	state, err := contactState(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	if agentOnly(p) {
		// An agent's own open contacts: a handful, one page.
		if _, err := pageRequest(r); err != nil {
			return httpapi.Response{}, err
		}
		open, err := f.OpenFor(ctx, p.Tenant, p.UserID)
		if err != nil {
			return httpapi.Response{}, fmt.Errorf("open contacts of %s: %w", p.UserID, err)
		}
		items := []contactListed{}
		for _, c := range open {
			if state == "" || c.State == state {
				items = append(items, contactSummary(c, 0))
			}
		}
		return httpapi.JSON(http.StatusOK, page[contactListed]{Items: items}), nil
	}
	return api.listItems(ctx, r, p.Tenant, floor.KindContact, func(rec store.Record) (any, bool, error) {
		var c floor.Contact
		if err := rec.Decode(&c); err != nil {
			return nil, false, err
		}
		return contactSummary(c, rec.Version), state == "" || c.State == state, nil
	})
}

// contactOut is GET /v1/contacts/{id}: the contact with its decisions, the transcript (from the
// conversation when there is one), the bot's reading (intent, slots, language) and the customer's
// profile.
type contactOut struct {
	floor.Contact
	Decisions []decisionOut     `json:"decisions"`
	Version   int64             `json:"version"`
	Language  botconfig.Lang    `json:"language,omitempty"`
	Slots     map[string]string `json:"slots"`
	Profile   contactProfile    `json:"profile"`
}

// contactProfile is who the customer is (用户画像): what the tenant told us, what they did lately
// (business events) and their other contacts.
type contactProfile struct {
	CustomerID   string            `json:"customer_id"`
	Attributes   map[string]string `json:"attributes"`
	RecentEvents []profileEvent    `json:"recent_events"`
	PastContacts []pastContact     `json:"past_contacts"`
}

// profileEvent is one of the customer's business events (POST /v1/business-events).
type profileEvent struct {
	Kind       string            `json:"kind"`
	Attributes map[string]string `json:"attributes"`
	OccurredAt time.Time         `json:"occurred_at"`
}

// pastContact is another contact of the same customer.
type pastContact struct {
	ID          string                 `json:"id"`
	Channel     lxevents.Channel       `json:"channel"`
	Queue       string                 `json:"queue"`
	State       floor.ContactState     `json:"state"`
	Intent      string                 `json:"intent"`
	Reason      lxevents.HandoffReason `json:"reason"`
	AgentID     string                 `json:"agent_id"`
	Disposition string                 `json:"disposition"`
	CreatedAt   time.Time              `json:"created_at"`
}

// conversationOf reads the chat or voice conversation of contact id, nil when there is none.
func (api *API) conversationOf(ctx context.Context, t tenant.ID, id string) (*conversation.Conversation, error) {
	var conv conversation.Conversation
	_, err := api.store.Get(ctx, t, store.Key{Kind: conversation.Kind, ID: id}, &conv)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the conversation of %s: %w", contactWhat(id), err)
	}
	return &conv, nil
}

func (api *API) getContact(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	_, c, ver, err := api.loadContact(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	conv, err := api.conversationOf(ctx, p.Tenant, c.ID)
	if err != nil {
		return httpapi.Response{}, err
	}
	out := contactOut{Contact: c, Version: ver, Slots: map[string]string{},
		Profile: contactProfile{CustomerID: c.CustomerID, Attributes: map[string]string{}, RecentEvents: []profileEvent{}, PastContacts: []pastContact{}}}
	for k, v := range c.Attributes {
		out.Profile.Attributes[k] = v
	}
	out.Language = botconfig.Lang(c.Attributes["language"])
	if conv != nil {
		out.Transcript = transcriptOf(conv)
		if conv.Language != "" {
			out.Language = conv.Language
		}
		for k, v := range conv.Customer.Attributes {
			out.Profile.Attributes[k] = v
		}
		if out.Intent == "" {
			out.Intent = conv.Intent
		}
		out.Slots = flowSlots(conv)
	}
	if out.Transcript == nil {
		out.Transcript = []lxevents.Turn{}
	}
	if out.Decisions, err = decisionsOf(c.Decisions); err != nil {
		return httpapi.Response{}, fmt.Errorf("decisions of %s: %w", c.ID, err)
	}
	out.Contact.Decisions = nil
	if err := api.profile(ctx, p.Tenant, c, &out.Profile); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: out, Headers: etag(ver)}, nil
}

// flowSlots are the slots the bot's flow collected in conv: the running flow's (dialog.State's),
// else those it had when it handed the conversation off; none otherwise.
func flowSlots(conv *conversation.Conversation) map[string]string {
	var st struct {
		Slots map[string]string `json:"slots"`
	}
	if conv.FlowState != "" && json.Unmarshal([]byte(conv.FlowState), &st) == nil && st.Slots != nil {
		return st.Slots
	}
	if conv.HandoffSlots != nil {
		return conv.HandoffSlots
	}
	return map[string]string{}
}

// transcriptOf is conv's messages as turns.
func transcriptOf(conv *conversation.Conversation) []lxevents.Turn {
	out := make([]lxevents.Turn, 0, len(conv.Messages))
	for _, m := range conv.Messages {
		out = append(out, lxevents.Turn{Role: m.Role, Text: m.Text, Time: m.Time})
	}
	return out
}

// profile fills the customer's recent business events and past contacts.
func (api *API) profile(ctx context.Context, t tenant.ID, c floor.Contact, out *contactProfile) error {
	if c.CustomerID == "" {
		return nil
	}
	evs, err := guess.CustomerEvents(ctx, api.store, t, c.CustomerID, profileEvents)
	if err != nil {
		return err
	}
	for _, e := range evs {
		attrs := e.Attributes
		if attrs == nil {
			attrs = map[string]string{}
		}
		out.RecentEvents = append(out.RecentEvents, profileEvent{Kind: e.Kind, Attributes: attrs, OccurredAt: e.OccurredAt})
	}
	// The tenant's contacts in descending id order (chat contacts' "cv-" ids and partners' "ct-"
	// ones are each time-ordered), searched for the customer's: a bounded read, not an index, so
	// only the customer's contacts among the tenant's last few hundred are found.
	scanned := 0
	for rec, err := range store.Records(ctx, api.store, t, floor.KindContact, "", store.PageRequest{Limit: 100, Descending: true}) {
		if err != nil {
			return fmt.Errorf("past contacts: %w", err)
		}
		if scanned++; scanned > profileScan || len(out.PastContacts) >= profileContacts {
			break
		}
		var pc floor.Contact
		if err := rec.Decode(&pc); err != nil {
			return err
		}
		if pc.ID == c.ID || pc.CustomerID != c.CustomerID {
			continue
		}
		out.PastContacts = append(out.PastContacts, pastContact{ID: pc.ID, Channel: pc.Channel, Queue: pc.Queue, State: pc.State,
			Intent: pc.Intent, Reason: pc.Reason, AgentID: pc.AgentID, Disposition: pc.Disposition, CreatedAt: pc.CreatedAt})
	}
	slices.SortStableFunc(out.PastContacts, func(a, b pastContact) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return nil
}

// ---- offers ----------------------------------------------------------------------------------------

// offerBody is POST /v1/contacts/{id}/accept and /decline.
type offerBody struct {
	OfferID string `json:"offer_id"`
}

func (api *API) answerOffer(ctx context.Context, r *httpapi.Request, p auth.Principal,
	do func(f *floor.Floor, c floor.Contact, offerID string) (floor.Contact, error)) (httpapi.Response, error) {
	if err := signedIn(p); err != nil {
		return httpapi.Response{}, err
	}
	var body offerBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if body.OfferID == "" || len(body.OfferID) > 64 {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/offer_id", Reason: "must be the offer's id (the offer message's offer_id)"})
	}
	f, c, _, err := api.loadContact(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	c, err = do(f, c, body.OfferID)
	if errors.Is(err, floor.ErrNotYours) {
		err = floor.ErrOfferGone // the offer is another agent's: for this one it is gone
	}
	if err != nil {
		return httpapi.Response{}, floorError(err, contactWhat(c.ID))
	}
	return api.contactAnswer(ctx, p.Tenant, c)
}

// contactAnswer is the answer of a write to contact c: the contact as it is now (read again, for
// its version; c when that read fails), without its transcript.
func (api *API) contactAnswer(ctx context.Context, t tenant.ID, c floor.Contact) (httpapi.Response, error) {
	if now, v, err := api.human.floor.Contact(ctx, t, c.ID); err == nil {
		return httpapi.JSON(http.StatusOK, contactSummary(now, v)), nil
	}
	return httpapi.JSON(http.StatusOK, contactSummary(c, 0)), nil
}

func (api *API) acceptContact(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.answerOffer(ctx, r, p, func(f *floor.Floor, c floor.Contact, offerID string) (floor.Contact, error) {
		return f.Accept(ctx, p.Tenant, c.ID, offerID, p.UserID)
	})
}

func (api *API) declineContact(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.answerOffer(ctx, r, p, func(f *floor.Floor, c floor.Contact, offerID string) (floor.Contact, error) {
		return f.Decline(ctx, p.Tenant, c.ID, offerID, p.UserID)
	})
}

// ---- the assigned agent's actions -------------------------------------------------------------------

// mayHandle says whether p may act on c as its agent: its assigned agent, or a supervisor or admin.
func mayHandle(p auth.Principal, c floor.Contact) error {
	if p.Role.Allows(auth.RoleSupervisor) {
		return nil
	}
	if c.AgentID != p.UserID || p.UserID == "" {
		return httpapi.Errorf(httpapi.KindForbidden, "%s is not assigned to you", contactWhat(c.ID))
	}
	return nil
}

// loadHandled loads the contact of a request that acts on it as its agent (mayHandle), and whom
// the floor is to hold to be its agent: p's user when the contact is theirs, "" when a supervisor
// acts on someone else's (or a queued) contact on behalf of its agent.
func (api *API) loadHandled(ctx context.Context, r *httpapi.Request, p auth.Principal) (*floor.Floor, floor.Contact, string, error) {
	f, c, _, err := api.loadContact(ctx, r, p)
	if err != nil {
		return nil, floor.Contact{}, "", err
	}
	if err := mayHandle(p, c); err != nil {
		return nil, floor.Contact{}, "", err
	}
	if c.AgentID != p.UserID {
		return f, c, "", nil
	}
	return f, c, p.UserID, nil
}

// messageBody is POST /v1/contacts/{id}/messages.
type messageBody struct {
	Text string `json:"text" text:"multiline"`
}

// agentMessageOut is the answer of POST /v1/contacts/{id}/messages.
type agentMessageOut struct {
	ContactID string        `json:"contact_id"`
	Role      lxevents.Role `json:"role"`
	Text      string        `json:"text" text:"multiline"`
	Time      time.Time     `json:"time"`
	AgentID   string        `json:"agent_id"`
}

func (api *API) contactMessage(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if err := signedIn(p); err != nil {
		return httpapi.Response{}, err
	}
	var body messageBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(body.Text)); n == 0 || n > conversation.MaxTextRunes {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/text", Reason: fmt.Sprintf("must be 1–%d characters", conversation.MaxTextRunes)})
	}
	_, c, _, err := api.loadContact(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	if c.State != floor.StateAssigned || c.AgentID != p.UserID {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "only the agent %s is assigned to writes to its customer, while it is assigned", contactWhat(c.ID))
	}
	if api.human.conversations == nil {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "agent messages are not configured")
	}
	m, err := api.human.conversations.AgentMessage(ctx, p.Tenant, c.ID, p.UserID, body.Text)
	switch {
	case errors.Is(err, conversation.ErrNotFound):
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "%s has no chat conversation to write to", contactWhat(c.ID))
	case errors.Is(err, conversation.ErrEnded):
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "the customer of %s has left the conversation", contactWhat(c.ID))
	case errors.Is(err, conversation.ErrNotHandedOff):
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "the bot still holds the conversation of %s", contactWhat(c.ID))
	case errors.Is(err, conversation.ErrInvalidText):
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/text", Reason: fmt.Sprintf("must be 1–%d characters", conversation.MaxTextRunes)})
	case errors.Is(err, conversation.ErrBusy):
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "the conversation of %s is busy; retry", contactWhat(c.ID))
	case err != nil:
		return httpapi.Response{}, fmt.Errorf("agent message to %s: %w", c.ID, err)
	}
	return httpapi.JSON(http.StatusCreated, agentMessageOut{ContactID: c.ID, Role: m.Role, Text: m.Text, Time: m.Time, AgentID: p.UserID}), nil
}

func (api *API) contactSuggestions(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	_, c, _, err := api.loadContact(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	conv, err := api.conversationOf(ctx, p.Tenant, c.ID)
	if err != nil {
		return httpapi.Response{}, err
	}
	turns, lang := c.Transcript, botconfig.Lang(c.Attributes["language"])
	if conv != nil {
		turns = transcriptOf(conv)
		if conv.Language != "" {
			lang = conv.Language
		}
	}
	last := ""
	for i := len(turns) - 1; i >= 0; i-- {
		if turns[i].Role == lxevents.RoleCustomer {
			last = turns[i].Text
			break
		}
	}
	if !lang.Valid() {
		lang = ""
	}
	s, err := api.suggest(ctx, p.Tenant, last, lang)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, s), nil
}

// transferBody is POST /v1/contacts/{id}/transfer: to a queue, or straight to an agent.
type transferBody struct {
	Queue   string `json:"queue"`
	AgentID string `json:"agent_id"`
}

func (api *API) transferContact(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var body transferBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	var fe []httpapi.FieldError
	switch {
	case body.Queue == "" && body.AgentID == "":
		fe = append(fe, httpapi.FieldError{Field: "/queue", Reason: "name a queue or an agent_id"})
	case body.Queue != "" && !botconfig.ValidID(body.Queue):
		fe = append(fe, httpapi.FieldError{Field: "/queue", Reason: botconfig.IDRule})
	}
	if body.AgentID != "" && !users.ValidID(body.AgentID) {
		fe = append(fe, httpapi.FieldError{Field: "/agent_id", Reason: "must be a person's id (usr_…)"})
	}
	if len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	f, c, asAgent, err := api.loadHandled(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	if body.Queue != "" {
		if v, err := api.currentVersion(ctx, p.Tenant, floor.QueueKey(body.Queue), nil); err != nil {
			return httpapi.Response{}, err
		} else if v == 0 {
			return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/queue", Reason: fmt.Sprintf("no queue %q in this tenant", body.Queue)})
		}
	}
	if body.AgentID != "" {
		if _, _, err := f.Presence(ctx, p.Tenant, body.AgentID); errors.Is(err, store.ErrNotFound) {
			return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/agent_id", Reason: "no such agent on the floor (they never set a state)"})
		} else if err != nil {
			return httpapi.Response{}, fmt.Errorf("read agent %s: %w", body.AgentID, err)
		}
	}
	c, err = f.TransferAs(ctx, p.Tenant, c.ID, asAgent, p.Actor(), body.Queue, body.AgentID)
	if err != nil {
		return httpapi.Response{}, floorError(err, contactWhat(r.Params["id"]))
	}
	return api.contactAnswer(ctx, p.Tenant, c)
}

// wrapupBody is POST /v1/contacts/{id}/wrapup.
type wrapupBody struct {
	Disposition string `json:"disposition"`
	Note        string `json:"note" text:"multiline"`
}

func (api *API) wrapupContact(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var body wrapupBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	var fe []httpapi.FieldError
	if n := utf8.RuneCountInString(strings.TrimSpace(body.Disposition)); n == 0 || n > floor.MaxDispositionLen {
		fe = append(fe, httpapi.FieldError{Field: "/disposition", Reason: fmt.Sprintf("must be 1–%d characters", floor.MaxDispositionLen)})
	}
	if utf8.RuneCountInString(body.Note) > floor.MaxNoteLen {
		fe = append(fe, httpapi.FieldError{Field: "/note", Reason: fmt.Sprintf("must be at most %d characters", floor.MaxNoteLen)})
	}
	if len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	f, c, by, err := api.loadHandled(ctx, r, p)
	if err != nil {
		return httpapi.Response{}, err
	}
	c, err = f.Wrapup(ctx, p.Tenant, c.ID, by, strings.TrimSpace(body.Disposition), strings.TrimSpace(body.Note))
	if err != nil {
		return httpapi.Response{}, floorError(err, contactWhat(r.Params["id"]))
	}
	// The chat ends with the contact, if the customer has not left already (and asks the
	// customer the survey when the tenant enables it).
	if conv := api.human.conversations; conv != nil {
		if _, err := conv.WrapUp(ctx, p.Tenant, c.ID); err != nil && !errors.Is(err, conversation.ErrNotFound) && !errors.Is(err, conversation.ErrEnded) {
			api.log.WarnContext(ctx, "wrap-up: ending the conversation failed; its idle check ends it", "tenant", p.Tenant.String(), "contact", c.ID, "err", err)
		}
	}
	return api.contactAnswer(ctx, p.Tenant, c)
}
