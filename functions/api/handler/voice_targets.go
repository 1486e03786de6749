package handler

import (
	"context"
	"fmt"
	"net/http"
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

func (api *API) putTransferTarget(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	queue, err := pathQueue(r, true)
	if err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var b transferTargetBody
	if err := r.DecodeJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	if err := api.checkTarget(ctx, p, b.Target); err != nil {
		return httpapi.Response{}, err
	}
	it := transferItem(queue)
	var old voicecfg.TransferRecord
	cur, err := api.loadFor(ctx, p.Tenant, it, pc, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	rec := voicecfg.TransferRecord{Queue: queue, Target: b.Target, UpdatedAt: api.now().UTC()}
	ops := append([]store.Op{store.PutOp(p.Tenant, it.key, rec, cur)}, refOps(p.Tenant, voicecfg.RefAccount, accounts(old.Target), accounts(rec.Target))...)
	if err := api.commitVoice(ctx, p, it, pc, cur, false, ops, refGone); err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if cur == 0 {
		status = http.StatusCreated
	}
	return httpapi.Response{Status: status, Body: transferView(rec, cur+1), Headers: etag(cur + 1)}, nil
}

func (api *API) getTransferTarget(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	queue, err := pathQueue(r, false)
	if err != nil {
		return httpapi.Response{}, err
	}
	var rec voicecfg.TransferRecord
	ver, err := api.getItem(ctx, p.Tenant, voicecfg.TransferKey(queue), fmt.Sprintf("transfer target of queue %q", queue), &rec)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: transferView(rec, ver), Headers: etag(ver)}, nil
}

func (api *API) listTransferTargets(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.listItems(ctx, r, p.Tenant, voicecfg.KindTransfer, func(rec store.Record) (any, bool, error) {
		var t voicecfg.TransferRecord
		if err := rec.Decode(&t); err != nil {
			return nil, false, err
		}
		return transferView(t, rec.Version), true, nil
	})
}

func (api *API) deleteTransferTarget(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	queue, err := pathQueue(r, false)
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
	it := transferItem(queue)
	var old voicecfg.TransferRecord
	cur, err := api.loadDeleted(ctx, p, it, pc, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	ops := append([]store.Op{store.DeleteOp(p.Tenant, it.key, cur)}, refOps(p.Tenant, voicecfg.RefAccount, accounts(old.Target), nil)...)
	if err := api.commitVoice(ctx, p, it, pc, cur, true, ops, nil); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}
