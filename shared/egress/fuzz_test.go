package egress

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzCheckHost: whatever a tenant writes as a host, CheckHost does not panic, a host it calls a
// name is no IP address in any spelling, and an address it accepts is public or loopback.
func FuzzCheckHost(f *testing.F) {
	for _, s := range []string{
		"api.acme.example", "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.0.0.0x1",
		"::1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "fe80::1%eth0", "１２７．０．０．１", "127。0。0。1",
		"1.2.3.256", "example.0x1", "localhost", "evil.localhost", "8.8.8.8.", "LocalHost.", "0x", "0.", ".", "..1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		kind, err := CheckHost(host)
		if err != nil {
			return
		}
		h := strings.TrimSuffix(strings.ToLower(foldWidth(host)), ".")
		switch kind {
		case HostName:
			if _, err := netip.ParseAddr(h); err == nil {
				t.Fatalf("%q: an IP address taken as a name", host)
			}
			if a, ok := parseIPv4(h); ok {
				t.Fatalf("%q: a spelling of %s taken as a name", host, a)
			}
		case HostPublic:
			a, err := netip.ParseAddr(host)
			if err != nil || !Public(a) {
				t.Fatalf("%q: accepted as a public address (%v)", host, err)
			}
		case HostLoopback:
			if a, err := netip.ParseAddr(h); h != "localhost" && (err != nil || !a.IsLoopback()) {
				t.Fatalf("%q: accepted as loopback (%v)", host, err)
			}
		}
	})
}
