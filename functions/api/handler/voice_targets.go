package handler

import (
	"context"
	"fmt"
	"strings"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// transferTargetBody is PUT /v1/voice-transfer-targets/{queue}; the queue comes from the path.
type transferTargetBody struct {
	// Target is where the queue's voice transfers go: "account:USERNAME" (a softphone account of
	// the tenant: whatever contact it registered) or a sip: or sips: URI.
	Target string `json:"target"`
}

// transferTargetOut is a queue's transfer target as the API shows it.
type transferTargetOut struct {
	Queue     string    `json:"queue"`
	Target    string    `json:"target"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

func transferView(rec voicecfg.TransferRecord, ver int64) transferTargetOut {
	return transferTargetOut{Queue: rec.Queue, Target: rec.Target, UpdatedAt: rec.UpdatedAt, Version: ver}
}

func transferItem(queue string) voiceItem {
	return voiceItem{key: voicecfg.TransferKey(queue), what: fmt.Sprintf("transfer target of queue %q", queue), kind: lxevents.VoiceConfigTransferTarget}
}

func pathQueue(r *httpapi.Request, write bool) (string, error) {
	return pathParam(r, "queue", "transfer target of queue", botconfig.IDRule, botconfig.ValidID, write)
}

// targetAccount is the account a stored target names, or "".
func targetAccount(target string) string {
	if name, ok := strings.CutPrefix(target, voicecfg.AccountPrefix); ok {
		return name
	}
	return ""
}

// accounts is the account a target names, as a list for refOps.
func accounts(target string) []string {
	if a := targetAccount(target); a != "" {
		return []string{a}
	}
	return nil
}

// checkTarget says what is wrong with a target (at /target), or nil: its syntax, a URI's egress,
// an account's existence in the tenant.
func (api *API) checkTarget(ctx context.Context, p auth.Principal, target string) error {
	bad := func(reason string) error {
		return httpapi.Invalid(httpapi.FieldError{Field: "/target", Reason: reason})
	}
	tg, err := voicecfg.ParseTarget(target)
	if err != nil {
		return bad(err.Error())
	}
	if tg.URI != nil {
		if err := tg.URI.CheckEgress(api.sip); err != nil {
			return bad("must not point at a non-public address (" + err.Error() + ")")
		}
		return nil
	}
	ver, err := api.currentVersion(ctx, p.Tenant, voicecfg.AccountKey(tg.Account), nil)
	if err != nil {
		return err
	}
	if ver == 0 {
		return bad(fmt.Sprintf("no softphone account %q; create it first (PUT /v1/sip-accounts/%s)", tg.Account, tg.Account))
	}
	return nil
}

// transferTargets are the routes of /v1/voice-transfer-targets.
func (api *API) transferTargets() voiceResource[transferTargetBody, voicecfg.TransferRecord] {
	return voiceResource[transferTargetBody, voicecfg.TransferRecord]{api: api, path: pathQueue, item: transferItem, kind: voicecfg.KindTransfer,
		view: pureView(transferView),
		check: func(ctx context.Context, p auth.Principal, _ string, b transferTargetBody) error {
			return api.checkTarget(ctx, p, b.Target)
		},
		build: func(_ context.Context, p auth.Principal, _ voiceItem, queue string, b transferTargetBody, old voicecfg.TransferRecord, _ int64) (voicecfg.TransferRecord, []store.Op, func(error) error, error) {
			rec := voicecfg.TransferRecord{Queue: queue, Target: b.Target, UpdatedAt: api.now().UTC()}
			return rec, refOps(p.Tenant, voicecfg.RefAccount, accounts(old.Target), accounts(rec.Target)), refGone, nil
		},
		remove: func(_ context.Context, p auth.Principal, _ voiceItem, _ string, old voicecfg.TransferRecord) ([]store.Op, error) {
			return refOps(p.Tenant, voicecfg.RefAccount, accounts(old.Target), nil), nil
		},
	}
}
