package egress

import (
	"fmt"
	"net/netip"
)

// refusedRange is a block no tenant request may reach.
type refusedRange struct {
	prefix netip.Prefix
	name   string
}

// refused lists the blocks of the IANA IPv4 and IPv6 Special-Purpose Address Registries that are
// not globally reachable, plus the ones that embed or relay to other addresses (NAT64, 6to4),
// which could lead back into a private network. Order matters only for the name reported.
var refused = func() []refusedRange {
	var out []refusedRange
	for _, r := range [][2]string{
		// IPv4 (RFC 6890 and successors).
		{"0.0.0.0/8", "\"this network\""},
		{"10.0.0.0/8", "private use"},
		{"100.64.0.0/10", "shared address space (carrier-grade NAT)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local (cloud metadata lives here)"},
		{"172.16.0.0/12", "private use"},
		{"192.0.0.0/24", "IETF protocol assignments"},
		{"192.0.2.0/24", "documentation (TEST-NET-1)"},
		{"192.88.99.0/24", "6to4 relay anycast"},
		{"192.168.0.0/16", "private use"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation (TEST-NET-2)"},
		{"203.0.113.0/24", "documentation (TEST-NET-3)"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved (and limited broadcast)"},
		// IPv6 (RFC 6890 and successors).
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::ffff:0:0/96", "IPv4-mapped"},
		{"64:ff9b::/96", "NAT64 (embeds an IPv4 address)"},
		{"64:ff9b:1::/48", "local-use NAT64"},
		{"100::/64", "discard-only"},
		{"2001::/23", "IETF protocol assignments (Teredo, ORCHID, …)"},
		{"2001:db8::/32", "documentation"},
		{"2002::/16", "6to4 (embeds an IPv4 address)"},
		{"3fff::/20", "documentation"},
		{"5f00::/16", "segment routing (SRv6) SIDs"},
		{"fc00::/7", "unique local"},
		{"fe80::/10", "link-local"},
		{"ff00::/8", "multicast"},
	} {
		out = append(out, refusedRange{netip.MustParsePrefix(r[0]), r[1]})
	}
	return out
}()

// globalUnicast6 holds every IPv6 global unicast allocation; the rest of the space is reserved
// by the IETF (IPv4-compatible ::/96 among it) and never public.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// Public reports whether a is a publicly routable address: outside every refused range (and, for
// IPv6, inside 2000::/3). An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is never public: a tenant
// has no reason to spell an IPv4 address that way.
func Public(a netip.Addr) bool { return why(a) == "" }

// why names the refused range holding a, or returns "" when a is public.
func why(a netip.Addr) string {
	if !a.IsValid() {
		return "not an address"
	}
	if a.Zone() != "" {
		return "scoped to an interface (" + a.Zone() + ")"
	}
	for _, r := range refused {
		if r.prefix.Contains(a) {
			return fmt.Sprintf("%s (%s)", r.name, r.prefix)
		}
	}
	if a.Is6() && !globalUnicast6.Contains(a) {
		return fmt.Sprintf("outside IPv6 global unicast (%s)", globalUnicast6)
	}
	return ""
}
