package handler

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// maxNumberTrunks bounds the trunks one number names.
const maxNumberTrunks = 16

// numberBody is PUT /v1/numbers/{number}; the number comes from the path.
type numberBody struct {
	// Language is the language the bot greets callers of this number in: "zh", "en", or "" to let
	// the bot decide.
	Language string `json:"language"`
	// Trunks names the trunks allowed to deliver calls to this number; empty: any trunk of the
	// tenant.
	Trunks []string `json:"trunks"`
}

// numberOut is a number as the API shows it.
type numberOut struct {
	Number    string    `json:"number"`
	Language  string    `json:"language"`
	Trunks    []string  `json:"trunks"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

func numberView(rec voicecfg.NumberRecord, ver int64) numberOut {
	trunks := rec.Trunks
	if trunks == nil {
		trunks = []string{}
	}
	return numberOut{Number: rec.E164, Language: rec.Language, Trunks: trunks, UpdatedAt: rec.UpdatedAt, Version: ver}
}

func numberItem(n string) voiceItem {
	return voiceItem{key: voicecfg.NumberKey(n), what: fmt.Sprintf("number %q", n), kind: lxevents.VoiceConfigNumber, quota: quota.Numbers}
}

func pathNumber(r *httpapi.Request, write bool) (string, error) {
	return pathParam(r, "number", "number", voicecfg.E164Rule, voicecfg.ValidE164, write)
}

// checkNumber reports every bad field of b, and names that are no trunk of the tenant.
func (api *API) checkNumber(ctx context.Context, p auth.Principal, b numberBody) error {
	var fields []httpapi.FieldError
	if b.Language != "" && b.Language != string(botconfig.LangZH) && b.Language != string(botconfig.LangEN) {
		fields = append(fields, httpapi.FieldError{Field: "/language", Reason: `must be "zh", "en" or "" (the bot decides)`})
	}
	if len(b.Trunks) > maxNumberTrunks {
		fields = append(fields, httpapi.FieldError{Field: "/trunks", Reason: fmt.Sprintf("must name at most %d trunks", maxNumberTrunks)})
	}
	for i, name := range b.Trunks {
		ptr := fmt.Sprintf("/trunks/%d", i)
		switch {
		case !botconfig.ValidID(name):
			fields = append(fields, httpapi.FieldError{Field: ptr, Reason: "is not a trunk name: " + botconfig.IDRule})
		case slices.Index(b.Trunks, name) < i:
			fields = append(fields, httpapi.FieldError{Field: ptr, Reason: "names a trunk twice"})
		default:
			ver, err := api.currentVersion(ctx, p.Tenant, voicecfg.TrunkKey(name), nil)
			if err != nil {
				return err
			}
			if ver == 0 {
				fields = append(fields, httpapi.FieldError{Field: ptr, Reason: fmt.Sprintf("no trunk %q; create it first (PUT /v1/trunks/%s)", name, name)})
			}
		}
	}
	if len(fields) > 0 {
		return httpapi.Invalid(fields...)
	}
	return nil
}

func (api *API) putNumber(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	n, err := pathNumber(r, true)
	if err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var b numberBody
	if err := r.DecodeJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	if err := api.checkNumber(ctx, p, b); err != nil {
		return httpapi.Response{}, err
	}
	it := numberItem(n)
	var old voicecfg.NumberRecord
	cur, err := api.loadFor(ctx, p.Tenant, it, pc, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	claim, err := api.claimOp(ctx, p.Tenant, it.key, it.what)
	if err != nil {
		return httpapi.Response{}, err
	}
	rec := voicecfg.NumberRecord{E164: n, Language: b.Language, Trunks: b.Trunks, UpdatedAt: api.now().UTC()}
	if len(rec.Trunks) == 0 {
		rec.Trunks = nil
	}
	ops := append([]store.Op{store.PutOp(p.Tenant, it.key, rec, cur), claim}, refOps(p.Tenant, voicecfg.RefTrunk, old.Trunks, rec.Trunks)...)
	if err := api.commitVoice(ctx, p, it, pc, cur, false, ops, either(refGone, api.claimLost(ctx, p.Tenant, it.key, it.what))); err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if cur == 0 {
		status = http.StatusCreated
	}
	return httpapi.Response{Status: status, Body: numberView(rec, cur+1), Headers: etag(cur + 1)}, nil
}

func (api *API) getNumber(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	n, err := pathNumber(r, false)
	if err != nil {
		return httpapi.Response{}, err
	}
	var rec voicecfg.NumberRecord
	ver, err := api.getItem(ctx, p.Tenant, voicecfg.NumberKey(n), fmt.Sprintf("number %q", n), &rec)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: numberView(rec, ver), Headers: etag(ver)}, nil
}

func (api *API) listNumbers(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.listItems(ctx, r, p.Tenant, voicecfg.KindNumber, func(rec store.Record) (any, bool, error) {
		var n voicecfg.NumberRecord
		if err := rec.Decode(&n); err != nil {
			return nil, false, err
		}
		return numberView(n, rec.Version), true, nil
	})
}

func (api *API) deleteNumber(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	n, err := pathNumber(r, false)
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
	it := numberItem(n)
	var old voicecfg.NumberRecord
	cur, err := api.loadDeleted(ctx, p, it, pc, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := append([]store.Op{store.DeleteOp(p.Tenant, it.key, cur), store.PlatformDeleteOp(it.key)},
		refOps(p.Tenant, voicecfg.RefTrunk, old.Trunks, nil)...)
	if err := api.commitVoice(ctx, p, it, pc, cur, true, ops, nil); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

// voiceDeletePreconditions reads a delete's If-Match; If-None-Match means nothing there.
func voiceDeletePreconditions(r *httpapi.Request) (precondition, error) {
	pc, err := preconditions(r)
	if err != nil {
		return pc, err
	}
	if pc.absent {
		return pc, httpapi.Invalid(httpapi.FieldError{Field: "If-None-Match", Reason: "means nothing on a delete"})
	}
	return pc, nil
}

// loadDeleted reads the item a delete removes into out: 404 when it does not exist, 412 when the
// request's If-Match names another version.
func (api *API) loadDeleted(ctx context.Context, p auth.Principal, it voiceItem, pc precondition, out any) (int64, error) {
	cur, err := api.currentVersion(ctx, p.Tenant, it.key, out)
	if err != nil {
		return 0, err
	}
	if cur == 0 && !pc.any() {
		return 0, httpapi.Errorf(httpapi.KindNotFound, "no %s", it.what)
	}
	return cur, checkPrecondition(pc, cur, it.what)
}
