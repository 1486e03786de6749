package handler

import (
	"encoding/json"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// FuzzTrunkBody feeds PUT /v1/trunks/{name}'s checks arbitrary bodies (seeds: the kept corpus in
// testdata/fuzz/FuzzTrunkBody). Invariants: it never panics; a refusal is a validation problem
// whose every field is a pointer into the body; an accepted trunk has 1–32 distinct masked
// prefixes no wider than the rule, a known transport, and a digest only with a username, never
// the password itself.
func FuzzTrunkBody(f *testing.F) {
	f.Add(`{"cidrs":["203.0.113.0/24","2001:db8::/48"],"transport":"tls","srtp":true,"username":"carrier","password":"trunk-pass-1"}`, "carrier", "")
	f.Add(`{"cidrs":["198.51.100.7"],"username":"carrier"}`, "carrier", "0123456789abcdef0123456789abcdef")
	f.Add(`{"cidrs":["0.0.0.0/0","::ffff:1.2.3.4"],"transport":"sctp","password":"x"}`, "", "")
	f.Fuzz(func(t *testing.T, body, oldUser, oldHA1 string) {
		var b trunkBody
		if json.Unmarshal([]byte(body), &b) != nil {
			return
		}
		rec, err := trunkRecord("carrier", b, voicecfg.TrunkRecord{Username: oldUser, HA1: oldHA1})
		if err != nil {
			he, ok := errors.AsType[*httpapi.Error](err)
			if !ok || he.Kind != httpapi.KindValidation || len(he.Fields) == 0 {
				t.Fatalf("refusal %v is not a validation problem", err)
			}
			for _, fe := range he.Fields {
				if !strings.HasPrefix(fe.Field, "/") {
					t.Fatalf("field %q is no pointer", fe.Field)
				}
			}
			return
		}
		if len(rec.CIDRs) == 0 || len(rec.CIDRs) > voicecfg.MaxTrunkCIDRs || !voicecfg.ValidTransport(rec.Transport) {
			t.Fatalf("accepted %+v", rec)
		}
		for i, s := range rec.CIDRs {
			p, err := netip.ParsePrefix(s)
			if err != nil || p.Masked() != p || slices.Index(rec.CIDRs, s) != i {
				t.Fatalf("accepted prefix %q in %v", s, rec.CIDRs)
			}
		}
		if rec.HA1 != "" && rec.Username == "" || b.Password != nil && *b.Password != "" && strings.Contains(rec.HA1, *b.Password) {
			t.Fatalf("digest %q for username %q", rec.HA1, rec.Username)
		}
	})
}
