package handler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// users.go: the people of a tenant (/v1/users, shared/users) and their sign-in (/v1/sessions,
// /v1/me). Sessions are shared/auth's: a token authenticates like an API key, as a Principal with
// the user's id and role, so an admin's session passes the admin routes and an agent's does not.

// kindSignInFailed is every refused sign-in: no such tenant, no such login name, a wrong password
// or a disabled user all answer the same, after the same argon2id work.
var kindSignInFailed = &httpapi.Kind{Slug: "sign-in-failed", Title: "The tenant, login name or password is wrong", Status: http.StatusUnauthorized}

// maxSessions bounds a user's live sessions: a sign-in beyond it ends the oldest, so that ending
// them all fits one transaction.
const maxSessions = 10

// Sign-in attempt limits (WithSignInLimiter): per tenant and login name, and per tenant and
// source address. Both count every attempt, good or bad.
var (
	signInPerUser    = ratelimit.Limit{Count: 10, Per: 15 * time.Minute, Burst: 10}
	signInPerAddress = ratelimit.Limit{Count: 60, Per: 15 * time.Minute, Burst: 30}
)

// Sign-in rate classes (bucket names in the tenant's rate partition).
const (
	signInUserClass    = "signin-user:"
	signInAddressClass = "signin-addr:"
)

// SignInLimits are the limits of the sign-in classes, for the limiter WithSignInLimiter takes
// (ratelimit.Options.Limits); other classes have none.
var SignInLimits = ratelimit.LimitsFunc(func(_ context.Context, _ tenant.ID, c httpapi.RateClass) (ratelimit.Limit, error) {
	switch {
	case strings.HasPrefix(string(c), signInUserClass):
		return signInPerUser, nil
	case strings.HasPrefix(string(c), signInAddressClass):
		return signInPerAddress, nil
	}
	return ratelimit.Limit{}, nil
})

// WithSignInLimiter limits sign-in attempts through l (a ratelimit.Limiter with SignInLimits).
// Without it sign-in is not limited.
func WithSignInLimiter(l httpapi.RateLimiter) Option { return func(api *API) { api.signIn = l } }

func (api *API) userRoutes() {
	api.router.Handle("POST /v1/users", api.tenantKey(auth.RoleAdmin, api.createUser))
	api.router.Handle("GET /v1/users", api.tenantKey(auth.RoleAdmin, api.listUsers))
	api.router.Handle("GET /v1/users/{id}", api.tenantKey(auth.RoleAdmin, api.getUser))
	api.router.Handle("PATCH /v1/users/{id}", api.tenantKey(auth.RoleAdmin, api.patchUser))
	api.router.Handle("DELETE /v1/users/{id}", api.tenantKey(auth.RoleAdmin, api.deleteUser))
	api.router.Handle("DELETE /v1/users/{id}/sessions", api.tenantKey(auth.RoleAdmin, api.revokeSessions))
	api.router.Handle("POST /v1/sessions", api.signInRoute)
	api.router.Handle("DELETE /v1/sessions/current", api.tenantKey(auth.RoleAgent, api.signOut))
	api.router.Handle("GET /v1/me", api.tenantKey(auth.RoleAgent, api.getMe))
}

// userOut is a user as the API shows it: never the password or its hash.
type userOut struct {
	users.User
	Version int64 `json:"version"`
}

// signInBody is POST /v1/sessions. Tenant is the tenant's id (the slug in the console's address).
type signInBody struct {
	Tenant   string `json:"tenant"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// sessionCreated is a sign-in's answer: the token, shown this once.
type sessionCreated struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      userOut   `json:"user"`
}

func userWhat(id string) string { return fmt.Sprintf("user %q", id) }

// pathUser reads {id}; an id that cannot be a user's is 404, as an unknown one is.
func pathUser(r *httpapi.Request) (string, error) {
	id := r.Params["id"]
	if !users.ValidID(id) {
		return "", httpapi.Errorf(httpapi.KindNotFound, "no %s", userWhat(id))
	}
	return id, nil
}

// patchFields names the fields p sets, for the event.
func patchFields(p users.Patch) []string {
	var f []string
	add := func(set bool, name string) {
		if set {
			f = append(f, name)
		}
	}
	add(p.Username != nil, "username")
	add(p.DisplayName != nil, "display_name")
	add(p.Role != nil, "role")
	add(p.Disabled != nil, "disabled")
	add(p.Skills != nil, "skills")
	add(p.Capacity != nil, "capacity")
	add(p.SIPAccount != nil, "sip_account")
	add(p.Password != nil, "password")
	return f
}

func userChanged(p auth.Principal, u users.User, action lxevents.UserAction, fields []string, version int64, ended int) (lxevents.Envelope, error) {
	return lxevents.New(p.Tenant, lxevents.TypeUserChanged, "user/"+u.ID, Source, lxevents.UserChanged{
		UserID: u.ID, Username: u.Username, Role: lxevents.UserRole(u.Role), Action: action, Fields: fields,
		Disabled: u.Disabled, Version: version, SessionsEnded: ended, ChangedBy: p.Actor()})
}

// checkSIPAccount refuses a link to a softphone account the tenant does not have.
func (api *API) checkSIPAccount(ctx context.Context, t tenant.ID, p users.Patch) error {
	if p.SIPAccount == nil || *p.SIPAccount == "" {
		return nil
	}
	var rec voicecfg.AccountRecord
	_, err := api.store.Get(ctx, t, voicecfg.AccountKey(*p.SIPAccount), &rec)
	if errors.Is(err, store.ErrNotFound) {
		return httpapi.Invalid(httpapi.FieldError{Field: "/sip_account", Reason: fmt.Sprintf("no softphone account %q in this tenant (/v1/sip-accounts)", *p.SIPAccount)})
	}
	if err != nil {
		return fmt.Errorf("get softphone account: %w", err)
	}
	return nil
}

func (api *API) createUser(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var body users.Patch
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if fe := body.Check(true); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	if err := api.checkSIPAccount(ctx, p.Tenant, body); err != nil {
		return httpapi.Response{}, err
	}
	if _, err := api.ledger.Ensure(ctx, p.Tenant, quota.Users); err != nil {
		return httpapi.Response{}, err
	}
	limit, err := api.limit(ctx, p.Tenant, quota.Users)
	if err != nil {
		return httpapi.Response{}, err
	}
	id, err := users.NewID()
	if err != nil {
		return httpapi.Response{}, err
	}
	u, err := body.Apply(users.User{ID: id}, api.now().UTC())
	if err != nil {
		return httpapi.Response{}, err
	}
	ev, err := userChanged(p, u, lxevents.UserCreated, patchFields(body), 1, 0)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := []store.Op{
		quota.Take(p.Tenant, quota.Users, 1, limit),
		store.CreateOp(p.Tenant, users.Key(id), u),
		store.CreateOp(p.Tenant, users.UsernameKey(u.Username), users.UsernameOwner{UserID: id}),
	}
	if err := api.commit.Commit(ctx, ops, ev); err != nil {
		if quota.Exceeded(err, quota.Users) {
			return httpapi.Response{}, api.ledger.Refusal(ctx, p.Tenant, quota.Users, limit, 1)
		}
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "login name %q is taken in this tenant", u.Username)
		}
		return httpapi.Response{}, fmt.Errorf("create user: %w", err)
	}
	return httpapi.Response{Status: http.StatusCreated, Body: userOut{User: u, Version: 1}, Headers: etag(1)}, nil
}

func (api *API) listUsers(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.listItems(ctx, r, p.Tenant, users.KindUser, func(rec store.Record) (any, bool, error) {
		var u users.User
		if err := rec.Decode(&u); err != nil {
			return nil, false, err
		}
		return userOut{User: u, Version: rec.Version}, true, nil
	})
}

func (api *API) getUser(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathUser(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var u users.User
	ver, err := api.getItem(ctx, p.Tenant, users.Key(id), userWhat(id), &u)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: userOut{User: u, Version: ver}, Headers: etag(ver)}, nil
}

// sessionsOf lists user id's sessions, oldest first.
func (api *API) sessionsOf(ctx context.Context, t tenant.ID, id string) ([]auth.Session, error) {
	var out []auth.Session
	for rec, err := range store.Records(ctx, api.store, t, auth.KindSession, id+"/", store.PageRequest{Limit: 100}) {
		if err != nil {
			return nil, fmt.Errorf("sessions of %s: %w", id, err)
		}
		var s auth.Session
		if err := rec.Decode(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b auth.Session) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// endSessionsOps are the ops that end every session of user id, and how many there are.
func (api *API) endSessionsOps(ctx context.Context, t tenant.ID, id string) ([]store.Op, int, error) {
	ss, err := api.sessionsOf(ctx, t, id)
	if err != nil {
		return nil, 0, err
	}
	var ops []store.Op
	for _, s := range ss {
		ops = append(ops, auth.EndSessionOps(t, s)...)
	}
	return ops, len(ss), nil
}

// loadUser reads user id for a write under pc: 404 when absent, 412 when pc names another version.
func (api *API) loadUser(ctx context.Context, t tenant.ID, id string, pc precondition, out *users.User) (int64, error) {
	return api.loadForWrite(ctx, t, users.Key(id), userWhat(id), "users", "POST /v1/users", pc, out)
}

// userWriteConflict maps a refused user transaction: 412 when the request named a version,
// otherwise 409.
func userWriteConflict(err error, pc precondition, id string) error {
	if errors.Is(err, store.ErrConflict) {
		if pc.version > 0 {
			return httpapi.Errorf(kindPrecondition, "%s changed meanwhile (If-Match: %d)", userWhat(id), pc.version)
		}
		return httpapi.Errorf(httpapi.KindConflict, "%s changed meanwhile; retry", userWhat(id))
	}
	return fmt.Errorf("write %s: %w", userWhat(id), err)
}

func (api *API) patchUser(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathUser(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var body users.Patch
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if fe := body.Check(false); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	var old users.User
	cur, err := api.loadUser(ctx, p.Tenant, id, pc, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.checkSIPAccount(ctx, p.Tenant, body); err != nil {
		return httpapi.Response{}, err
	}
	fields := patchFields(body)
	if len(fields) == 0 {
		return httpapi.Response{Status: http.StatusOK, Body: userOut{User: old, Version: cur}, Headers: etag(cur)}, nil
	}
	u, err := body.Apply(old, api.now().UTC())
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := []store.Op{store.PutOp(p.Tenant, users.Key(id), u, cur)}
	if u.Username != old.Username {
		var owner users.UsernameOwner
		_, err := api.store.Get(ctx, p.Tenant, users.UsernameKey(u.Username), &owner)
		if err == nil {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "login name %q is taken in this tenant", u.Username)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return httpapi.Response{}, fmt.Errorf("get login name: %w", err)
		}
		ops = append(ops, store.DeleteOp(p.Tenant, users.UsernameKey(old.Username), 0),
			store.CreateOp(p.Tenant, users.UsernameKey(u.Username), users.UsernameOwner{UserID: id}))
	}
	ended := 0
	if users.EndsSessions(old, u) {
		var end []store.Op
		if end, ended, err = api.endSessionsOps(ctx, p.Tenant, id); err != nil {
			return httpapi.Response{}, err
		}
		ops = append(ops, end...)
	}
	ev, err := userChanged(p, u, lxevents.UserUpdated, fields, cur+1, ended)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, ops, ev); err != nil {
		return httpapi.Response{}, userWriteConflict(err, pc, id)
	}
	return httpapi.Response{Status: http.StatusOK, Body: userOut{User: u, Version: cur + 1}, Headers: etag(cur + 1)}, nil
}

func (api *API) deleteUser(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathUser(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var old users.User
	cur, err := api.loadUser(ctx, p.Tenant, id, pc, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	if _, err := api.ledger.Ensure(ctx, p.Tenant, quota.Users); err != nil {
		return httpapi.Response{}, err
	}
	end, ended, err := api.endSessionsOps(ctx, p.Tenant, id)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := append([]store.Op{
		store.DeleteOp(p.Tenant, users.Key(id), cur),
		store.DeleteOp(p.Tenant, users.UsernameKey(old.Username), 0),
		quota.Release(p.Tenant, quota.Users, 1),
	}, end...)
	ev, err := userChanged(p, old, lxevents.UserDeleted, nil, 0, ended)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, ops, ev); err != nil {
		return httpapi.Response{}, userWriteConflict(err, pc, id)
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

func (api *API) revokeSessions(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathUser(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	var u users.User
	ver, err := api.getItem(ctx, p.Tenant, users.Key(id), userWhat(id), &u)
	if err != nil {
		return httpapi.Response{}, err
	}
	end, ended, err := api.endSessionsOps(ctx, p.Tenant, id)
	if err != nil {
		return httpapi.Response{}, err
	}
	ev, err := userChanged(p, u, lxevents.UserSessionsRevoked, nil, ver, ended)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, end, ev); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "the sessions of %s changed meanwhile; retry", userWhat(id))
		}
		return httpapi.Response{}, fmt.Errorf("revoke sessions of %s: %w", id, err)
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

// signInFailed is the one answer of every refused sign-in.
func signInFailed() error {
	return httpapi.Errorf(kindSignInFailed, "sign-in failed: check the tenant, login name and password")
}

// takeSignIn takes one attempt from class's bucket of t; a limiter failure admits the attempt.
func (api *API) takeSignIn(ctx context.Context, r *httpapi.Request, t tenant.ID, class string) error {
	if api.signIn == nil {
		return nil
	}
	d, err := api.signIn.Allow(ctx, t, httpapi.RateClass(class))
	if err != nil {
		api.log.WarnContext(ctx, "sign-in limiter failed; attempt admitted", "tenant", t.String(), "err", err)
		return nil
	}
	if d.Allowed {
		return nil
	}
	return r.Refuse(d, "too many sign-in attempts")
}

// signInRoute is POST /v1/sessions. It needs no key, and it is never replayed: an Idempotency-Key
// is refused, since a replay would have to show the token again (or answer without it).
func (api *API) signInRoute(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
	if r.Header("idempotency-key") != "" {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "Idempotency-Key", Reason: "sign-in is never replayed; send it again without the header"})
	}
	var body signInBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	var fe []httpapi.FieldError
	t, err := tenant.Parse(body.Tenant)
	if err != nil {
		fe = append(fe, httpapi.FieldError{Field: "/tenant", Reason: "must be a tenant id (1-64 characters of a-z, 0-9 and '-')"})
	}
	username := strings.ToLower(strings.TrimSpace(body.Username))
	if !users.ValidUsername(username) {
		fe = append(fe, httpapi.FieldError{Field: "/username", Reason: users.UsernameRule})
	}
	if body.Password == "" || len(body.Password) > 4*users.MaxPasswordLen {
		fe = append(fe, httpapi.FieldError{Field: "/password", Reason: "must be the user's password"})
	}
	if len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	for _, class := range []string{signInUserClass + username, signInAddressClass + r.RequestContext.HTTP.SourceIP} {
		if err := api.takeSignIn(ctx, r, t, class); err != nil {
			return httpapi.Response{}, err
		}
	}
	u, ver, err := api.userByName(ctx, t, username)
	if err != nil {
		return httpapi.Response{}, err
	}
	if ver == 0 {
		_ = users.VerifyMissing(body.Password)
		return httpapi.Response{}, signInFailed()
	}
	if err := users.VerifyPassword(u.PasswordHash, body.Password); err != nil {
		if !errors.Is(err, users.ErrMismatch) {
			api.log.ErrorContext(ctx, "stored password hash is unreadable", "tenant", t.String(), "user", u.ID, "err", err)
		}
		return httpapi.Response{}, signInFailed()
	}
	if u.Disabled {
		return httpapi.Response{}, signInFailed()
	}
	token, err := auth.NewSessionToken()
	if err != nil {
		return httpapi.Response{}, err
	}
	s, ops := auth.SessionRecords(t, token, u.ID, auth.Role(u.Role), api.now().UTC())
	live, err := api.sessionsOf(ctx, t, u.ID)
	if err != nil {
		return httpapi.Response{}, err
	}
	for i := 0; i+maxSessions <= len(live); i++ {
		ops = append(ops, auth.EndSessionOps(t, live[i])...)
	}
	if err := api.commit.Commit(ctx, ops); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "the user's sessions changed meanwhile; sign in again")
		}
		return httpapi.Response{}, fmt.Errorf("open session: %w", err)
	}
	return httpapi.Response{Status: http.StatusCreated, Body: sessionCreated{Token: token, ExpiresAt: s.ExpiresAt, User: userOut{User: u, Version: ver}},
		Headers: map[string]string{"Cache-Control": "no-store"}}, nil
}

// userByName finds t's user by login name; version 0 when there is none.
func (api *API) userByName(ctx context.Context, t tenant.ID, username string) (users.User, int64, error) {
	var owner users.UsernameOwner
	_, err := api.store.Get(ctx, t, users.UsernameKey(username), &owner)
	if errors.Is(err, store.ErrNotFound) {
		return users.User{}, 0, nil
	}
	if err != nil {
		return users.User{}, 0, fmt.Errorf("get login name: %w", err)
	}
	var u users.User
	ver, err := api.store.Get(ctx, t, users.Key(owner.UserID), &u)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return users.User{}, 0, nil
	}
	if err != nil {
		return users.User{}, 0, fmt.Errorf("get user: %w", err)
	}
	return u, ver, nil
}

// signedIn refuses a principal that is not a person's session.
func signedIn(p auth.Principal) error {
	if p.UserID == "" || p.SessionID == "" {
		return httpapi.Errorf(httpapi.KindForbidden, "this route is for a signed-in person: send the session token from POST /v1/sessions")
	}
	return nil
}

func (api *API) signOut(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if err := signedIn(p); err != nil {
		return httpapi.Response{}, err
	}
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	err := api.commit.Commit(ctx, auth.EndSessionOps(p.Tenant, auth.Session{ID: p.SessionID, UserID: p.UserID}))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return httpapi.Response{}, fmt.Errorf("end session: %w", err)
	}
	api.signedOut(ctx, p) // agents.go: the last session's sign-out takes the person off the floor
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

func (api *API) getMe(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if err := signedIn(p); err != nil {
		return httpapi.Response{}, err
	}
	var u users.User
	ver, err := api.getItem(ctx, p.Tenant, users.Key(p.UserID), userWhat(p.UserID), &u)
	if err != nil {
		return httpapi.Response{}, err
	}
	out := meOut{userOut: userOut{User: u, Version: ver}}
	if api.human.floor != nil {
		pr, _, err := api.human.floor.Presence(ctx, p.Tenant, p.UserID)
		switch {
		case err == nil:
			out.Presence = &mePresence{State: string(pr.State), Since: pr.Since}
		case !errors.Is(err, floor.ErrNotFound): // never set: offline, said by no presence
			return httpapi.Response{}, fmt.Errorf("presence of %s: %w", p.UserID, err)
		}
	}
	return httpapi.Response{Status: http.StatusOK, Body: out, Headers: etag(ver)}, nil
}

// meOut is GET /v1/me: the person and, once they have set one, their state on the floor (so a
// desktop opened in a new tab shows what the dispatcher sees).
type meOut struct {
	userOut
	Presence *mePresence `json:"presence,omitempty"`
}

// mePresence is the person's state and since when.
type mePresence struct {
	State string    `json:"state"`
	Since time.Time `json:"since"`
}
