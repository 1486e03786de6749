package voicecfg

import (
	"errors"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/egress"
)

func TestValidE164(t *testing.T) {
	for s, want := range map[string]bool{
		"+862160001234": true, "+14155550100": true, "+12345678": true, "+123456789012345": true,
		"+1234567": false, "+1234567890123456": false, "862160001234": false, "+0862160001234": false,
		"+86 2160001234": false, "+86-21-6000": false, "": false, "+": false, "++12345678": false, "+１２３４５６７８": false,
	} {
		if ValidE164(s) != want {
			t.Errorf("ValidE164(%q) = %v", s, !want)
		}
	}
}

func TestValidUsername(t *testing.T) {
	for s, want := range map[string]bool{
		"alice": true, "1001": true, "agent.7_b-x": true, strings.Repeat("a", 64): true,
		"": false, "Alice": false, "-alice": false, ".a": false, "a/b": false, "a b": false, "a@b": false, strings.Repeat("a", 65): false,
	} {
		if ValidUsername(s) != want {
			t.Errorf("ValidUsername(%q) = %v", s, !want)
		}
	}
}

// HA1 is RFC 2617's: MD5 of "username:realm:password" in hex (checked against md5sum of the text).
func TestHA1(t *testing.T) {
	// printf 'alice:lingxi:correct horse' | md5sum
	if got := HA1("alice", "correct horse"); got != "7be27607930e826a1bd3036135dc4b8a" {
		t.Fatalf("HA1 = %s", got)
	}
}

func TestCheckPassword(t *testing.T) {
	for p, ok := range map[string]bool{"12345678": true, "correct horse battery": true, "short": false, "tab\there!!": false, "密码密码密码密码": false, strings.Repeat("x", 129): false} {
		if (CheckPassword(p) == nil) != ok {
			t.Errorf("CheckPassword(%q) = %v", p, CheckPassword(p))
		}
	}
}

func TestParsePrefix(t *testing.T) {
	good := map[string]string{
		"203.0.113.0/24": "203.0.113.0/24", "203.0.113.7": "203.0.113.7/32", "10.0.0.0/8": "10.0.0.0/8",
		"2001:db8::/48": "2001:db8::/48", "2001:db8::1": "2001:db8::1/128", "127.0.0.1/32": "127.0.0.1/32",
	}
	for in, want := range good {
		p, err := ParsePrefix(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePrefix(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	bad := map[string]string{
		"0.0.0.0/0": "too wide", "::/0": "too wide", "8.0.0.0/7": "too wide", "2001::/31": "too wide",
		"203.0.113.7/24": "host bits", "::ffff:1.2.3.4/128": "IPv4-mapped", "fe80::1%eth0": "zone",
		"": "address", "example.com": "address", "1.2.3.4/33": "address", "127.1": "address",
	}
	for in, why := range bad {
		if _, err := ParsePrefix(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParsePrefix(%q) = %v, want an error about %s", in, err, why)
		}
	}
}

func TestParseTarget(t *testing.T) {
	good := map[string]SIPURI{
		"sip:support@pbx.example.com":                   {User: "support", Host: "pbx.example.com"},
		"sips:queue@pbx.example.com:5071;transport=tls": {Secure: true, User: "queue", Host: "pbx.example.com", Port: 5071, Transport: "tls", Params: []string{"transport=tls"}},
		"sip:203.0.113.9":                               {Host: "203.0.113.9"},
		"sip:+8610086@[2001:db8::5]:5060;user=phone":    {User: "+8610086", Host: "2001:db8::5", Port: 5060, Params: []string{"user=phone"}},
		"sip:alice@127.0.0.1:5070":                      {User: "alice", Host: "127.0.0.1", Port: 5070},
		"sip:a%40b@example.com;lr":                      {User: "a%40b", Host: "example.com", Params: []string{"lr"}},
	}
	for in, want := range good {
		tg, err := ParseTarget(in)
		if err != nil || tg.URI == nil {
			t.Errorf("ParseTarget(%q): %v", in, err)
			continue
		}
		u := *tg.URI
		if u.Secure != want.Secure || u.User != want.User || u.Host != want.Host || u.Port != want.Port || u.Transport != want.Transport || strings.Join(u.Params, ";") != strings.Join(want.Params, ";") {
			t.Errorf("ParseTarget(%q) = %+v, want %+v", in, u, want)
		}
	}
	if tg, err := ParseTarget("account:alice"); err != nil || tg.Account != "alice" || tg.URI != nil {
		t.Errorf("account target: %+v %v", tg, err)
	}
	for _, in := range []string{
		"", "account:", "account:Alice", "SIP:a@example.com", "tel:+8610086", "http://example.com", "sip:", "sip:@example.com",
		"sip:a:pw@example.com", "sip:a@example.com?subject=x", "sip:a@example.com;maddr=10.0.0.1", "sip:a@example.com:0",
		"sip:a@example.com:65536", "sip:a@example.com:", "sip:a@-example.com", "sip:a@exa mple.com", "sip:a@[2001:db8::1",
		"sip:a@[127.0.0.1]", "sip:a@[2001:db8::1]x", "sips:a@example.com;transport=udp", "sip:a@example.com;transport=sctp",
		"sip:a@example.com;lr;lr", "sip:a@example.com;", "sip:a@example.com;=x", "sip:a b@example.com", "sip:a@example.com:05060",
		"sip:a@b@example.com", "sip:" + strings.Repeat("a", 260) + "@example.com",
	} {
		if tg, err := ParseTarget(in); err == nil {
			t.Errorf("ParseTarget(%q) = %+v, want an error", in, tg)
		}
	}
}

func TestCheckEgress(t *testing.T) {
	local := egress.Policy{LoopbackPorts: []uint16{5070}}
	for in, ok := range map[string]bool{
		"sip:a@pbx.example.com":     true,
		"sip:a@93.184.216.34":       true,
		"sip:a@127.0.0.1:5070":      true,
		"sip:a@localhost:5070":      true,
		"sip:a@[::1]:5070":          true,
		"sip:a@127.0.0.1":           false, // 5060: the edge itself
		"sip:a@127.0.0.1:5071":      false,
		"sip:a@10.0.0.1":            false,
		"sip:a@192.168.1.10:5070":   false,
		"sip:a@169.254.169.254":     false,
		"sip:a@127.1:5070":          false, // numeric spelling
		"sip:a@2130706433:5070":     false,
		"sip:a@[fe80::1]":           false,
		"sip:a@[::ffff:10.0.0.1]":   false,
		"sips:a@metadata.localhost": false,
	} {
		tg, err := ParseTarget(in)
		if err != nil {
			if ok {
				t.Errorf("ParseTarget(%q): %v", in, err)
			}
			continue
		}
		err = tg.URI.CheckEgress(local)
		if (err == nil) != ok {
			t.Errorf("CheckEgress(%q) = %v, want ok=%v", in, err, ok)
		}
	}
	// In production (the zero policy) no loopback port is allowed.
	tg, _ := ParseTarget("sip:a@127.0.0.1:5070")
	var refused *egress.RefusedError
	if err := tg.URI.CheckEgress(egress.Policy{}); !errors.As(err, &refused) {
		t.Fatalf("zero policy: %v", err)
	}
}
