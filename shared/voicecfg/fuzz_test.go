package voicecfg

import (
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/egress"
)

// FuzzParseTarget: a transfer target from a tenant's request never panics the parser, and what
// it accepts is a URI whose parts are as strict as SIPURI says (or a valid account name).
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"sip:support@pbx.example.com", "sips:q@pbx.example.com:5071;transport=tls", "sip:+8610086@[2001:db8::5]:5060;user=phone",
		"account:alice", "sip:a@127.0.0.1:5070", "sip:a:pw@x", "sip:a@x;maddr=10.0.0.1", "sip:a@[::1", "sip:a@127.1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		if tg.URI == nil {
			if !ValidUsername(tg.Account) {
				t.Fatalf("accepted account %q", tg.Account)
			}
			return
		}
		u := tg.URI
		if u.Host == "" || strings.ContainsAny(u.User, ":@;?") || strings.ContainsAny(u.Host, "@;?/ ") {
			t.Fatalf("accepted %q as %+v", s, u)
		}
		for _, p := range u.Params {
			if name, _, _ := strings.Cut(p, "="); strings.EqualFold(name, "maddr") {
				t.Fatalf("accepted maddr in %q", s)
			}
		}
		_ = u.CheckEgress(egress.Policy{LoopbackPorts: []uint16{5070}})
	})
}

// FuzzParsePrefix: a trunk's source prefix never panics the parser, and what it accepts is
// masked and no wider than the rule.
func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"203.0.113.0/24", "203.0.113.7", "2001:db8::/48", "0.0.0.0/0", "::ffff:1.2.3.4/128", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrefix(s)
		if err != nil {
			return
		}
		if p.Masked() != p || p.Addr().Is4() && p.Bits() < MinPrefixBits4 || p.Addr().Is6() && p.Bits() < MinPrefixBits6 || p.Addr().Is4In6() {
			t.Fatalf("accepted %q as %v", s, p)
		}
	})
}
