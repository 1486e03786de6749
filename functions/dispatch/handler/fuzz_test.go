package handler

import (
	"encoding/json"
	"testing"
)

// FuzzParseTimer feeds ParseTimer arbitrary message bodies: it never panics, and what it accepts
// encodes to a body it accepts again as the same timer. Seeds: the kept corpus in
// testdata/fuzz/FuzzParseTimer and the bodies below.
func FuzzParseTimer(f *testing.F) {
	for _, s := range []string{
		`{"tenant":"acme","kind":"offer","contact_id":"conv-1","offer_id":"of_x","due":"2026-12-06T09:00:15Z"}`,
		`{"tenant":"acme","kind":"decide","due":"2026-12-06T09:00:15Z"}`,
		`{"tenant":"acme","kind":"max_wait","contact_id":"c","due":"2026-12-06T09:10:00.5+08:00"}`,
		`{"tenant":"","kind":"offer"}`, `{}`, `[]`, `{"tenant":"acme","kind":"x","due":"2026-12-06T09:00:15Z"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		tn, tm, err := ParseTimer(body)
		if err != nil {
			return
		}
		if tm.Tenant != tn.String() {
			t.Fatalf("tenant %q parsed as %q", tm.Tenant, tn)
		}
		b, err := json.Marshal(tm)
		if err != nil {
			t.Fatal(err)
		}
		_, again, err := ParseTimer(string(b))
		if err != nil || !again.Due.Equal(tm.Due) || again.Kind != tm.Kind || again.ContactID != tm.ContactID || again.OfferID != tm.OfferID {
			t.Fatalf("%s re-parsed as %+v, %v", b, again, err)
		}
	})
}
