package voicecfg

import (
	"crypto/md5" //nolint:gosec // SIP digest (RFC 2617/3261) is defined over MD5; HA1 is what it stores
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
)

// Rules on the configuration, shared by the api function (which refuses what breaks them) and
// the media edge (which reads only what passed them).

// ValidE164 reports whether s is an E.164 number as the platform keys it: "+" and 8 to 15
// digits, the first not 0.
func ValidE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// E164Rule says what ValidE164 wants, for problem reasons.
const E164Rule = `must be an E.164 number: "+" and 8 to 15 digits, the first not 0 ("+862160001234")`

// MaxUsernameLen bounds a digest username.
const MaxUsernameLen = 64

// ValidUsername reports whether s may be a digest username (a softphone account's or a trunk's):
// 1–64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit. One case only, so that two
// accounts never differ only by case.
func ValidUsername(s string) bool {
	if s == "" || len(s) > MaxUsernameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// UsernameRule says what ValidUsername wants.
const UsernameRule = "use 1–64 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"

// Password limits (write-only: only its HA1 is stored).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// CheckPassword says what is wrong with a digest password, or nil: 8–128 printable ASCII
// characters (softphones and trunks type them into forms that take nothing else).
func CheckPassword(p string) error {
	if len(p) < MinPasswordLen || len(p) > MaxPasswordLen {
		return fmt.Errorf("must be %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] > 0x7e {
			return errors.New("must be printable ASCII (space to ~)")
		}
	}
	return nil
}

// HA1 is the digest credential stored for username and password: hex MD5(username:Realm:password).
func HA1(username, password string) string {
	sum := md5.Sum([]byte(username + ":" + Realm + ":" + password)) //nolint:gosec // digest's own hash
	return hex.EncodeToString(sum[:])
}

// Transports a trunk may use.
const (
	TransportUDP = "udp"
	TransportTCP = "tcp"
	TransportTLS = "tls"
)

// ValidTransport reports whether s is a trunk transport.
func ValidTransport(s string) bool {
	return s == TransportUDP || s == TransportTCP || s == TransportTLS
}

// Narrowest allowed widths of a trunk's source prefixes: a trunk's addresses are a carrier's
// signalling hosts, and a prefix wider than these (0.0.0.0/0 above all) would let the whole
// internet in as that trunk.
const (
	MinPrefixBits4 = 8
	MinPrefixBits6 = 32
)

// MaxTrunkCIDRs bounds a trunk's prefixes.
const MaxTrunkCIDRs = 32

// ParsePrefix reads a trunk source prefix: an address with its length ("203.0.113.0/24",
// "2001:db8::/48") or a single address ("203.0.113.7", stored as /32 or /128). It refuses
// prefixes with host bits set (write them masked), zones, IPv4-mapped IPv6 (write the IPv4
// address), and prefixes wider than /8 (IPv4) or /32 (IPv6).
func ParsePrefix(s string) (netip.Prefix, error) {
	if s == "" || len(s) > 64 {
		return netip.Prefix{}, errors.New("must be an IPv4 or IPv6 address or prefix")
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s)
		if aerr != nil {
			return netip.Prefix{}, errors.New(`must be an IPv4 or IPv6 address or prefix ("203.0.113.0/24")`)
		}
		if a.Zone() != "" {
			return netip.Prefix{}, errors.New("must not have a zone")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	a := p.Addr()
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("must not have a zone")
	}
	if a.Is4In6() {
		return netip.Prefix{}, fmt.Errorf("is an IPv4-mapped IPv6 address; write %s", a.Unmap())
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("has host bits set; write %s", m)
	}
	if a.Is4() && p.Bits() < MinPrefixBits4 || a.Is6() && p.Bits() < MinPrefixBits6 {
		return netip.Prefix{}, fmt.Errorf("is too wide: at most /%d for IPv4 and /%d for IPv6", MinPrefixBits4, MinPrefixBits6)
	}
	return p, nil
}
