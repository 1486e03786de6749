package handler

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// sipAccountBody is PUT /v1/sip-accounts/{username}; the username comes from the path.
type sipAccountBody struct {
	// Password is write-only: only its digest (HA1) is stored, and it is never shown. Required to
	// create an account; a replace that leaves it out keeps the stored one.
	Password *string `json:"password"`
}

// registrationOut is where a softphone registered, until when.
type registrationOut struct {
	Contact string    `json:"contact"`
	Expires time.Time `json:"expires"`
}

// sipAccountOut is a softphone account as the API shows it: never its password or digest, with
// its current registrations.
type sipAccountOut struct {
	Username      string            `json:"username"`
	HasPassword   bool              `json:"has_password"`
	Registrations []registrationOut `json:"registrations"`
	UpdatedAt     time.Time         `json:"updated_at"`
	Version       int64             `json:"version"`
}

func sipAccountItem(username string) voiceItem {
	return voiceItem{key: voicecfg.AccountKey(username), what: fmt.Sprintf("softphone account %q", username),
		kind: lxevents.VoiceConfigSIPAccount, quota: quota.SIPAccounts}
}

func pathUsername(r *httpapi.Request, write bool) (string, error) {
	return pathParam(r, "username", "softphone account", voicecfg.UsernameRule, voicecfg.ValidUsername, write)
}

// sipAccountView is rec at version ver with t's unexpired registrations of it.
func (api *API) sipAccountView(ctx context.Context, t tenant.ID, rec voicecfg.AccountRecord, ver int64) (sipAccountOut, error) {
	out := sipAccountOut{Username: rec.Username, HasPassword: rec.HA1 != "", Registrations: []registrationOut{}, UpdatedAt: rec.UpdatedAt, Version: ver}
	now := api.now()
	for r, err := range store.Records(ctx, api.store, t, voicecfg.KindRegistration, rec.Username+"/", store.PageRequest{Limit: 100}) {
		if err != nil {
			return out, fmt.Errorf("registrations of %s: %w", rec.Username, err)
		}
		var reg voicecfg.RegistrationRecord
		if err := r.Decode(&reg); err != nil {
			return out, err
		}
		if reg.Expires.After(now) {
			out.Registrations = append(out.Registrations, registrationOut{Contact: reg.Contact, Expires: reg.Expires})
		}
	}
	slices.SortFunc(out.Registrations, func(a, b registrationOut) int { return a.Expires.Compare(b.Expires) })
	return out, nil
}

func (api *API) putSIPAccount(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	username, err := pathUsername(r, true)
	if err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var b sipAccountBody
	if err := r.DecodeJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	if b.Password != nil {
		if err := voicecfg.CheckPassword(*b.Password); err != nil {
			return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/password", Reason: err.Error()})
		}
	}
	it := sipAccountItem(username)
	var old voicecfg.AccountRecord
	cur, err := api.loadFor(ctx, p.Tenant, it, pc, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	rec := voicecfg.AccountRecord{Username: username, HA1: old.HA1, UpdatedAt: api.now().UTC()}
	if b.Password != nil {
		rec.HA1 = voicecfg.HA1(username, *b.Password)
	}
	if rec.HA1 == "" {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/password", Reason: "is required to create an account"})
	}
	claim, err := api.claimOp(ctx, p.Tenant, it.key, it.what)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := []store.Op{store.PutOp(p.Tenant, it.key, rec, cur), claim}
	if cur == 0 {
		ops = append(ops, store.CreateOp(p.Tenant, voicecfg.RefsKey(voicecfg.RefAccount, username), voicecfg.Refs{}))
	}
	if err := api.commitVoice(ctx, p, it, pc, cur, false, ops, api.claimLost(ctx, p.Tenant, it.key, it.what)); err != nil {
		return httpapi.Response{}, err
	}
	out, err := api.sipAccountView(ctx, p.Tenant, rec, cur+1)
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if cur == 0 {
		status = http.StatusCreated
	}
	return httpapi.Response{Status: status, Body: out, Headers: etag(cur + 1)}, nil
}

func (api *API) getSIPAccount(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	username, err := pathUsername(r, false)
	if err != nil {
		return httpapi.Response{}, err
	}
	var rec voicecfg.AccountRecord
	ver, err := api.getItem(ctx, p.Tenant, voicecfg.AccountKey(username), fmt.Sprintf("softphone account %q", username), &rec)
	if err != nil {
		return httpapi.Response{}, err
	}
	out, err := api.sipAccountView(ctx, p.Tenant, rec, ver)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: out, Headers: etag(ver)}, nil
}

func (api *API) listSIPAccounts(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.listItems(ctx, r, p.Tenant, voicecfg.KindAccount, func(rec store.Record) (any, bool, error) {
		var a voicecfg.AccountRecord
		if err := rec.Decode(&a); err != nil {
			return nil, false, err
		}
		out, err := api.sipAccountView(ctx, p.Tenant, a, rec.Version)
		return out, err == nil, err
	})
}

// maxRegistrationDeletes bounds the registrations an account's delete removes in its transaction
// (a softphone has a few; the transaction takes 100 items in all).
const maxRegistrationDeletes = 80

// registrationDeletes are the ops that remove the registrations of t's account username with it,
// so that a softphone is not called after its account is gone, even if the account is made again
// at once. 409 when there are more than maxRegistrationDeletes.
func (api *API) registrationDeletes(ctx context.Context, p auth.Principal, username string) ([]store.Op, error) {
	var ops []store.Op
	for r, err := range store.Records(ctx, api.store, p.Tenant, voicecfg.KindRegistration, username+"/", store.PageRequest{Limit: 100}) {
		if err != nil {
			return nil, fmt.Errorf("registrations of %s: %w", username, err)
		}
		if len(ops) == maxRegistrationDeletes {
			return nil, httpapi.Errorf(httpapi.KindConflict, "softphone account %q has more than %d registrations; retry once some expired", username, maxRegistrationDeletes)
		}
		ops = append(ops, store.DeleteOp(p.Tenant, r.Key, r.Version))
	}
	return ops, nil
}

func (api *API) deleteSIPAccount(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	username, err := pathUsername(r, false)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	pc, err := voiceDeletePreconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	it := sipAccountItem(username)
	cur, err := api.loadDeleted(ctx, p, it, pc, nil)
	if err != nil {
		return httpapi.Response{}, err
	}
	target := voicecfg.AccountPrefix + username
	refsVer, err := api.refsHeld(ctx, p.Tenant, voicecfg.RefAccount, username, it.what, func() ([]string, error) {
		return referring(ctx, api.store, p.Tenant, voicecfg.KindTransfer, func(t voicecfg.TransferRecord) bool { return t.Target == target })
	})
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := append([]store.Op{store.DeleteOp(p.Tenant, it.key, cur), store.PlatformDeleteOp(it.key)},
		deleteRefsOps(p.Tenant, voicecfg.RefAccount, username, refsVer)...)
	regs, err := api.registrationDeletes(ctx, p, username)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commitVoice(ctx, p, it, pc, cur, true, append(ops, regs...), nil); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}
