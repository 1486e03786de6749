package handler

import (
	"context"
	"fmt"
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

// sipAccounts are the routes of /v1/sip-accounts.
func (api *API) sipAccounts() voiceResource[sipAccountBody, voicecfg.AccountRecord] {
	return voiceResource[sipAccountBody, voicecfg.AccountRecord]{api: api, path: pathUsername, item: sipAccountItem, kind: voicecfg.KindAccount,
		view: func(ctx context.Context, t tenant.ID, rec voicecfg.AccountRecord, ver int64) (any, error) {
			return api.sipAccountView(ctx, t, rec, ver)
		},
		check: func(_ context.Context, _ auth.Principal, _ string, b sipAccountBody) error {
			if b.Password != nil {
				if err := voicecfg.CheckPassword(*b.Password); err != nil {
					return httpapi.Invalid(httpapi.FieldError{Field: "/password", Reason: err.Error()})
				}
			}
			return nil
		},
		build: func(ctx context.Context, p auth.Principal, it voiceItem, username string, b sipAccountBody, old voicecfg.AccountRecord, cur int64) (voicecfg.AccountRecord, []store.Op, func(error) error, error) {
			rec := voicecfg.AccountRecord{Username: username, HA1: old.HA1, UpdatedAt: api.now().UTC()}
			if b.Password != nil {
				rec.HA1 = voicecfg.HA1(username, *b.Password)
			}
			if rec.HA1 == "" {
				return rec, nil, nil, httpapi.Invalid(httpapi.FieldError{Field: "/password", Reason: "is required to create an account"})
			}
			claim, err := api.claimOp(ctx, p.Tenant, it.key, it.what)
			if err != nil {
				return rec, nil, nil, err
			}
			ops := []store.Op{claim}
			if cur == 0 {
				ops = append(ops, store.CreateOp(p.Tenant, voicecfg.RefsKey(voicecfg.RefAccount, username), voicecfg.Refs{}))
			}
			return rec, ops, api.claimLost(ctx, p.Tenant, it.key, it.what), nil
		},
		remove: api.deleteSIPAccountOps,
	}
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

// deleteSIPAccountOps are the ops that delete an account besides its own: its platform claim,
// its reference counter (409 while a transfer target names it) and its registrations.
func (api *API) deleteSIPAccountOps(ctx context.Context, p auth.Principal, it voiceItem, username string, _ voicecfg.AccountRecord) ([]store.Op, error) {
	target := voicecfg.AccountPrefix + username
	refsVer, err := api.refsHeld(ctx, p.Tenant, voicecfg.RefAccount, username, it.what, func() ([]string, error) {
		return referring(ctx, api.store, p.Tenant, voicecfg.KindTransfer, func(t voicecfg.TransferRecord) bool { return t.Target == target })
	})
	if err != nil {
		return nil, err
	}
	ops := append([]store.Op{store.PlatformDeleteOp(it.key)}, deleteRefsOps(p.Tenant, voicecfg.RefAccount, username, refsVer)...)
	regs, err := api.registrationDeletes(ctx, p, username)
	if err != nil {
		return nil, err
	}
	return append(ops, regs...), nil
}
