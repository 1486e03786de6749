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

// trunkBody is PUT /v1/trunks/{name}; the name comes from the path.
type trunkBody struct {
	// CIDRs are the source addresses of the trunk's SIP requests: IPv4 or IPv6 addresses or
	// prefixes, no wider than /8 (IPv4) or /32 (IPv6).
	CIDRs []string `json:"cidrs"`
	// Transport is "udp" (the default), "tcp" or "tls".
	Transport string `json:"transport"`
	// SRTP: the trunk's media is SRTP keyed by SDES; plain RTP offers from it are refused.
	SRTP bool `json:"srtp"`
	// Username, with Password, makes the trunk answer a digest challenge as well; empty: address
	// checks only.
	Username string `json:"username"`
	// Password is write-only: only its digest (HA1) is stored, and it is never shown. A replace
	// that keeps the username may leave it out to keep the stored one.
	Password *string `json:"password"`
}

// trunkOut is a trunk as the API shows it: never its password or digest.
type trunkOut struct {
	Name        string    `json:"name"`
	CIDRs       []string  `json:"cidrs"`
	Transport   string    `json:"transport"`
	SRTP        bool      `json:"srtp"`
	Username    string    `json:"username"`
	HasPassword bool      `json:"has_password"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

func trunkView(rec voicecfg.TrunkRecord, ver int64) trunkOut {
	return trunkOut{Name: rec.Name, CIDRs: rec.CIDRs, Transport: rec.Transport, SRTP: rec.SRTP, Username: rec.Username,
		HasPassword: rec.HA1 != "", UpdatedAt: rec.UpdatedAt, Version: ver}
}

func trunkItem(name string) voiceItem {
	return voiceItem{key: voicecfg.TrunkKey(name), what: fmt.Sprintf("trunk %q", name), kind: lxevents.VoiceConfigTrunk, quota: quota.Trunks}
}

func pathTrunk(r *httpapi.Request, write bool) (string, error) {
	return pathParam(r, "name", "trunk", botconfig.IDRule, botconfig.ValidID, write)
}

// trunkRecord checks b (every bad field) and builds the record; old is the trunk it replaces
// (zero when it creates one), whose digest a replace that keeps the username keeps.
func trunkRecord(name string, b trunkBody, old voicecfg.TrunkRecord) (voicecfg.TrunkRecord, error) {
	rec := voicecfg.TrunkRecord{Name: name, Transport: b.Transport, SRTP: b.SRTP, Username: b.Username}
	var fields []httpapi.FieldError
	bad := func(ptr, reason string) { fields = append(fields, httpapi.FieldError{Field: ptr, Reason: reason}) }
	if len(b.CIDRs) == 0 || len(b.CIDRs) > voicecfg.MaxTrunkCIDRs {
		bad("/cidrs", fmt.Sprintf("must list 1 to %d source addresses or prefixes", voicecfg.MaxTrunkCIDRs))
	}
	for i, s := range b.CIDRs {
		p, err := voicecfg.ParsePrefix(s)
		switch {
		case err != nil:
			bad(fmt.Sprintf("/cidrs/%d", i), err.Error())
		case slices.Contains(rec.CIDRs, p.String()):
			bad(fmt.Sprintf("/cidrs/%d", i), "repeats an earlier prefix")
		default:
			rec.CIDRs = append(rec.CIDRs, p.String())
		}
	}
	if rec.Transport == "" {
		rec.Transport = voicecfg.TransportUDP
	}
	if !voicecfg.ValidTransport(rec.Transport) {
		bad("/transport", `must be "udp", "tcp" or "tls"`)
	}
	switch {
	case b.Username == "" && b.Password != nil:
		bad("/username", "is required with a password")
	case b.Username == "":
	case !voicecfg.ValidUsername(b.Username):
		bad("/username", voicecfg.UsernameRule)
	case b.Password != nil:
		if err := voicecfg.CheckPassword(*b.Password); err != nil {
			bad("/password", err.Error())
		} else {
			rec.HA1 = voicecfg.HA1(b.Username, *b.Password)
		}
	case old.Username == b.Username && old.HA1 != "":
		rec.HA1 = old.HA1
	default:
		bad("/password", "is required with a new or changed username")
	}
	if len(fields) > 0 {
		return rec, httpapi.Invalid(fields...)
	}
	return rec, nil
}

// trunks are the routes of /v1/trunks.
func (api *API) trunks() voiceResource[trunkBody, voicecfg.TrunkRecord] {
	return voiceResource[trunkBody, voicecfg.TrunkRecord]{api: api, path: pathTrunk, item: trunkItem, kind: voicecfg.KindTrunk,
		view: pureView(trunkView),
		// A body bad on its own is refused before any read: checked as if the stored trunk had this
		// username and a password, since only the stored trunk can tell whether one is missing.
		check: func(_ context.Context, _ auth.Principal, name string, b trunkBody) error {
			_, err := trunkRecord(name, b, voicecfg.TrunkRecord{Username: b.Username, HA1: "stored"})
			return err
		},
		build: func(_ context.Context, p auth.Principal, _ voiceItem, name string, b trunkBody, old voicecfg.TrunkRecord, cur int64) (voicecfg.TrunkRecord, []store.Op, func(error) error, error) {
			rec, err := trunkRecord(name, b, old)
			if err != nil {
				return rec, nil, nil, err
			}
			rec.UpdatedAt = api.now().UTC()
			var ops []store.Op
			if cur == 0 {
				ops = append(ops, store.CreateOp(p.Tenant, voicecfg.RefsKey(voicecfg.RefTrunk, name), voicecfg.Refs{}))
			}
			return rec, ops, nil, nil
		},
		remove: func(ctx context.Context, p auth.Principal, it voiceItem, name string, _ voicecfg.TrunkRecord) ([]store.Op, error) {
			refsVer, err := api.refsHeld(ctx, p.Tenant, voicecfg.RefTrunk, name, it.what, func() ([]string, error) {
				return referring(ctx, api.store, p.Tenant, voicecfg.KindNumber, func(n voicecfg.NumberRecord) bool { return slices.Contains(n.Trunks, name) })
			})
			if err != nil {
				return nil, err
			}
			return deleteRefsOps(p.Tenant, voicecfg.RefTrunk, name, refsVer), nil
		},
	}
}
