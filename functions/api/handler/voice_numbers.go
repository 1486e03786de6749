package handler

import (
	"context"
	"fmt"
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

// numbers are the routes of /v1/numbers.
func (api *API) numbers() voiceResource[numberBody, voicecfg.NumberRecord] {
	return voiceResource[numberBody, voicecfg.NumberRecord]{api: api, path: pathNumber, item: numberItem, kind: voicecfg.KindNumber,
		view: pureView(numberView),
		check: func(ctx context.Context, p auth.Principal, _ string, b numberBody) error {
			return api.checkNumber(ctx, p, b)
		},
		build: func(ctx context.Context, p auth.Principal, it voiceItem, n string, b numberBody, old voicecfg.NumberRecord, _ int64) (voicecfg.NumberRecord, []store.Op, func(error) error, error) {
			claim, err := api.claimOp(ctx, p.Tenant, it.key, it.what)
			if err != nil {
				return voicecfg.NumberRecord{}, nil, nil, err
			}
			rec := voicecfg.NumberRecord{E164: n, Language: b.Language, Trunks: b.Trunks, UpdatedAt: api.now().UTC()}
			if len(rec.Trunks) == 0 {
				rec.Trunks = nil
			}
			ops := append([]store.Op{claim}, refOps(p.Tenant, voicecfg.RefTrunk, old.Trunks, rec.Trunks)...)
			return rec, ops, either(refGone, api.claimLost(ctx, p.Tenant, it.key, it.what)), nil
		},
		remove: func(_ context.Context, p auth.Principal, it voiceItem, _ string, old voicecfg.NumberRecord) ([]store.Op, error) {
			return append([]store.Op{store.PlatformDeleteOp(it.key)}, refOps(p.Tenant, voicecfg.RefTrunk, old.Trunks, nil)...), nil
		},
	}
}
