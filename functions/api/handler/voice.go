package handler

// The tenant's telephony configuration (docs/voice.md, shared/voicecfg): numbers, SIP trunks,
// agents' softphone accounts and queues' voice transfer targets, as the media edge reads them.
// Every route needs an admin key and acts on the key's tenant only. Items are versioned like the
// bot's (version and ETag; If-Match on a replace or delete, If-None-Match: * to create only), and
// every accepted write commits one voice.config.changed event with it, which never holds a
// password or its digest.
//
// Numbers and softphone usernames are platform-wide: a platform item maps each to its tenant, and
// is written in the same transaction as the tenant's item, on the condition that it is absent or
// already the tenant's; another tenant's claim is 409 and does not say whose it is. A trunk that a
// number names, or an account that a transfer target names, cannot be deleted (409): reference
// counts (voicecfg.KindRefs) change in the transactions that add or drop references.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// voiceSubject is the subject of every voice.config.changed event, so a tenant's telephony
// changes keep their order on the stream.
const voiceSubject = "voicecfg"

// WithSIPEgress sets which loopback ports a transfer target's SIP URI may name (the local stack's
// softphones; LOOPBACK_SIP_PORTS). Without it, as in production, only public addresses and DNS
// names are accepted.
func WithSIPEgress(p egress.Policy) Option { return func(api *API) { api.sip = p } }

func (api *API) voiceRoutes() {
	admin := func(h tenantHandler) httpapi.HandlerFunc { return api.tenantKey(auth.RoleAdmin, h) }
	numbers, trunks, sipAccounts, targets := api.numbers(), api.trunks(), api.sipAccounts(), api.transferTargets()
	api.router.Handle("GET /v1/numbers", admin(numbers.list))
	api.router.Handle("GET /v1/numbers/{number}", admin(numbers.get))
	api.router.Handle("PUT /v1/numbers/{number}", admin(numbers.put))
	api.router.Handle("DELETE /v1/numbers/{number}", admin(numbers.del))
	api.router.Handle("GET /v1/trunks", admin(trunks.list))
	api.router.Handle("GET /v1/trunks/{name}", admin(trunks.get))
	api.router.Handle("PUT /v1/trunks/{name}", admin(trunks.put))
	api.router.Handle("DELETE /v1/trunks/{name}", admin(trunks.del))
	api.router.Handle("GET /v1/sip-accounts", admin(sipAccounts.list))
	api.router.Handle("GET /v1/sip-accounts/{username}", admin(sipAccounts.get))
	api.router.Handle("PUT /v1/sip-accounts/{username}", admin(sipAccounts.put))
	api.router.Handle("DELETE /v1/sip-accounts/{username}", admin(sipAccounts.del))
	api.router.Handle("GET /v1/voice-transfer-targets", admin(targets.list))
	api.router.Handle("GET /v1/voice-transfer-targets/{queue}", admin(targets.get))
	api.router.Handle("PUT /v1/voice-transfer-targets/{queue}", admin(targets.put))
	api.router.Handle("DELETE /v1/voice-transfer-targets/{queue}", admin(targets.del))
}

// pathParam returns the path parameter name, %-decoded (a client may send "+" as %2B), if valid
// says it may be one. For reads and deletes an invalid one names nothing (404); for writes it is a
// validation error with rule as the reason.
func pathParam(r *httpapi.Request, name, what, rule string, valid func(string) bool, write bool) (string, error) {
	raw := r.Params[name]
	v, err := url.PathUnescape(raw)
	if err == nil && valid(v) {
		return v, nil
	}
	if write {
		return "", httpapi.Invalid(httpapi.FieldError{Field: name, Reason: rule})
	}
	return "", httpapi.Errorf(httpapi.KindNotFound, "no %s %q", what, raw)
}

// voiceChanged is the event of an accepted telephony write; version is the item's after it.
func voiceChanged(p auth.Principal, kind lxevents.VoiceConfigKind, id string, action lxevents.VoiceConfigAction, version int64) (lxevents.Envelope, error) {
	return lxevents.New(p.Tenant, lxevents.TypeVoiceConfigChanged, voiceSubject, Source,
		lxevents.VoiceConfigChanged{Kind: kind, ID: id, Action: action, Version: version, ChangedBy: p.Actor()})
}

// voiceItem is a telephony item a request writes: its key, what messages call it, the event kind,
// and the quota its creation and deletion count against (none for transfer targets).
type voiceItem struct {
	key   store.Key
	what  string
	kind  lxevents.VoiceConfigKind
	quota quota.Resource
}

// loadFor reads the tenant's item into out (its current version, 0 when absent) and checks the
// request's preconditions against it.
func (api *API) loadFor(ctx context.Context, t tenant.ID, it voiceItem, pc precondition, out any) (int64, error) {
	cur, err := api.currentVersion(ctx, t, it.key, out)
	if err != nil {
		return 0, err
	}
	return cur, checkPrecondition(pc, cur, it.what)
}

// commitVoice commits ops for it (at version cur before the write: 0 when it creates the item)
// with the counter op of its quota when it creates (del false, cur 0) or deletes (del true) the
// item, and the event. refused maps failures particular to the route (a claim lost to another
// tenant, a reference gone) before the common ones: a quota, 412 or 409.
func (api *API) commitVoice(ctx context.Context, p auth.Principal, it voiceItem, pc precondition, cur int64, del bool,
	ops []store.Op, refused func(error) error) error {
	action, version := lxevents.VoiceConfigPut, cur+1
	if del {
		action, version = lxevents.VoiceConfigDelete, 0
	}
	ev, err := voiceChanged(p, it.kind, it.key.ID, action, version)
	if err != nil {
		return err
	}
	var c quota.Counted
	if it.quota != "" && (del || cur == 0) {
		n := int64(1)
		if del {
			n = -1
		}
		if c, err = api.ledger.Count(ctx, p.Tenant, it.quota, n); err != nil {
			return err
		}
	}
	if err := api.commit.Commit(ctx, append(c.Ops, ops...), ev); err != nil {
		if qerr := api.ledger.Refused(ctx, p.Tenant, c, err); qerr != nil {
			return qerr
		}
		if refused != nil {
			if rerr := refused(err); rerr != nil {
				return rerr
			}
		}
		return writeConflict(err, pc, it.what)
	}
	return nil
}

// claimOp is the op that maps the platform-wide number or username k to tenant t, on the
// condition that the mapping is absent or already t's (at the version read here). Another
// tenant's mapping is 409, worded so as not to say whose it is.
func (api *API) claimOp(ctx context.Context, t tenant.ID, k store.Key, what string) (store.Op, error) {
	taken, ver, err := api.owned(ctx, t, k)
	if err != nil {
		return store.Op{}, err
	}
	if taken {
		return store.Op{}, httpapi.Errorf(httpapi.KindConflict, "%s is in use on the platform; it cannot be added to this tenant", what)
	}
	return store.PlatformPutOp(k, voicecfg.Owner{Tenant: t.String()}, ver), nil
}

// owned reads the platform mapping k: taken when another tenant than t holds it, and its
// version (0: absent).
func (api *API) owned(ctx context.Context, t tenant.ID, k store.Key) (taken bool, version int64, err error) {
	var o voicecfg.Owner
	ver, err := api.store.PlatformGet(ctx, k, &o)
	if errors.Is(err, store.ErrNotFound) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("get platform %s: %w", k, err)
	}
	return o.Tenant != t.String(), ver, nil
}

// claimLost maps the failure of a write that carried claimOp for k: when another tenant holds k
// now, it took it meanwhile (409, as if it had been first); nil otherwise.
func (api *API) claimLost(ctx context.Context, t tenant.ID, k store.Key, what string) func(error) error {
	return func(err error) error {
		if !errors.Is(err, store.ErrConflict) {
			return nil
		}
		if taken, _, rerr := api.owned(ctx, t, k); rerr == nil && taken {
			return httpapi.Errorf(httpapi.KindConflict, "%s is in use on the platform; it cannot be added to this tenant", what)
		}
		return nil
	}
}

// refOps are the ops that move references from the names in old to those in now (of what:
// voicecfg.RefTrunk or RefAccount): one more for each name only in now, one fewer for each only
// in old. Adding needs the referenced item's counter, so a name deleted meanwhile fails the
// transaction (refGone recognises it).
func refOps(t tenant.ID, what string, old, now []string) []store.Op {
	var ops []store.Op
	for _, n := range now {
		if !slices.Contains(old, n) {
			ops = append(ops, store.AddOp(t, voicecfg.RefsKey(what, n), map[string]int64{voicecfg.RefsField: 1}))
		}
	}
	for _, n := range old {
		if !slices.Contains(now, n) {
			ops = append(ops, store.AddOp(t, voicecfg.RefsKey(what, n), map[string]int64{voicecfg.RefsField: -1}))
		}
	}
	return ops
}

// refGone maps a write that failed on a reference counter: the trunk or account was deleted
// meanwhile (409).
func refGone(err error) error {
	be, ok := errors.AsType[*store.BoundError](err)
	if !ok || be.Key.Kind != voicecfg.KindRefs {
		return nil
	}
	what, name, _ := strings.Cut(be.Key.ID, "/")
	if what == voicecfg.RefAccount {
		what = "softphone account"
	}
	return httpapi.Errorf(httpapi.KindConflict, "%s %q was deleted while this request was served; create it again or name another", what, name)
}

// either returns the first non-nil mapping of err.
func either(fs ...func(error) error) func(error) error {
	return func(err error) error {
		for _, f := range fs {
			if f == nil {
				continue
			}
			if e := f(err); e != nil {
				return e
			}
		}
		return nil
	}
}

// refsHeld is the 409 of deleting a trunk or account still referenced, or nil: it reads the
// counter (and its version, for the delete's condition) and, when it is above zero, names up to
// five of the items that refer (listed by referrers).
func (api *API) refsHeld(ctx context.Context, t tenant.ID, what, name, thing string, referrers func() ([]string, error)) (int64, error) {
	var refs voicecfg.Refs
	ver, err := api.store.Get(ctx, t, voicecfg.RefsKey(what, name), &refs)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get refs of %s %s: %w", what, name, err)
	}
	if refs.N <= 0 {
		return ver, nil
	}
	names, err := referrers()
	if err != nil {
		return 0, err
	}
	return 0, httpapi.Errorf(httpapi.KindConflict, "%s is named by %d %s (%s); change them first", thing, refs.N, map[string]string{
		voicecfg.RefTrunk: "number(s)", voicecfg.RefAccount: "transfer target(s)"}[what], strings.Join(names, ", "))
}

// referring lists up to five ids of t's items of kind whose record, decoded into a T, refers
// (refers reports it).
func referring[T any](ctx context.Context, s Store, t tenant.ID, kind string, refers func(T) bool) ([]string, error) {
	var out []string
	for rec, err := range store.Records(ctx, s, t, kind, "", store.PageRequest{Limit: 100}) {
		if err != nil {
			return nil, fmt.Errorf("list %s of %s: %w", kind, t, err)
		}
		var v T
		if err := rec.Decode(&v); err != nil {
			return nil, err
		}
		if refers(v) {
			if out = append(out, rec.Key.ID); len(out) == 5 {
				break
			}
		}
	}
	return out, nil
}

// deleteRefsOps are the ops that delete the reference counter of a deleted trunk or account at
// version ver (read by refsHeld; 0: it had none).
func deleteRefsOps(t tenant.ID, what, name string, ver int64) []store.Op {
	if ver == 0 {
		return nil
	}
	return []store.Op{store.DeleteOp(t, voicecfg.RefsKey(what, name), ver)}
}
