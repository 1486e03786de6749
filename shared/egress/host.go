package egress

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// HostKind says what a URL host that CheckHost accepts names.
type HostKind int

const (
	// HostName is a DNS name; where it leads is decided when it is dialled.
	HostName HostKind = iota
	// HostPublic is a public IP address written the ordinary way.
	HostPublic
	// HostLoopback is "localhost", ::1 or a dotted-decimal 127.x.y.z: the local stack's
	// listeners. Dialling one is allowed only on a port the Policy names.
	HostLoopback
)

// CheckHost is the save-time check of a URL host (as url.URL.Hostname returns it, brackets
// removed). It refuses:
//   - IP addresses in a refused range (see Public), loopback excepted (HostLoopback);
//   - every other numeric spelling of an IPv4 address (127.1, 2130706433, 0x7f000001,
//     0177.0.0.1, 0x7f.1, …), read as browsers and inet_aton read them, so that what is stored
//     is the address that will be dialled, whatever resolver runs later;
//   - hosts that end in a number but are no IPv4 address (1.2.3.256, example.0x1), which
//     browsers refuse as well;
//   - IPv6 addresses with a zone, and names under .localhost other than localhost itself.
//
// Full-width digits and dots (１２７．０．０．１, 127。0。0。1) are folded to ASCII first, as IDNA
// does. A name that passes may still resolve to a refused address: the Dialer checks that.
func CheckHost(host string) (HostKind, error) {
	if host == "" {
		return 0, errors.New("no host")
	}
	h := strings.TrimSuffix(strings.ToLower(foldWidth(host)), ".")
	if strings.Contains(h, ":") { // only an IPv6 literal has a colon in a host
		a, err := netip.ParseAddr(h)
		if err != nil {
			return 0, fmt.Errorf("%q is not an IPv6 address", host)
		}
		return judge(host, a, true)
	}
	if h == "localhost" {
		return HostLoopback, nil
	}
	if strings.HasSuffix(h, ".localhost") {
		return 0, fmt.Errorf("%q is a loopback name; use localhost or 127.0.0.1", host)
	}
	if !endsInNumber(h) {
		return HostName, nil
	}
	a, ok := parseIPv4(h)
	if !ok {
		return 0, fmt.Errorf("%q ends in a number but is not an IPv4 address", host)
	}
	canonical := a.String() == h && h == host
	return judge(host, a, canonical)
}

// judge classifies the address a that host spells.
func judge(host string, a netip.Addr, canonical bool) (HostKind, error) {
	if a.Is4() && a.IsLoopback() || a == netip.IPv6Loopback() {
		if !canonical {
			return 0, fmt.Errorf("%q is a numeric spelling of %s; write loopback addresses as 127.0.0.1 or ::1", host, a)
		}
		return HostLoopback, nil
	}
	if reason := why(a); reason != "" {
		return 0, &RefusedError{Addr: a, Reason: reason}
	}
	if !canonical {
		return 0, fmt.Errorf("%q is a numeric spelling of %s; write IPv4 addresses in dotted-decimal form", host, a)
	}
	return HostPublic, nil
}

// foldWidth maps full-width ASCII (U+FF01–U+FF5E) to ASCII and the ideographic full stops to
// ".", the part of IDNA's mapping that can turn a name into a number.
func foldWidth(s string) string {
	if isASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3002 || r == 0xFF61: // 。 and ｡
			return '.'
		}
		return r
	}, s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// endsInNumber is the WHATWG URL standard's "ends in a number" test: the last label (a trailing
// dot ignored) is all digits, or parses as an IPv4 number (0x…, 0…).
func endsInNumber(h string) bool {
	labels := strings.Split(h, ".")
	last := labels[len(labels)-1]
	if last == "" {
		if len(labels) == 1 {
			return false
		}
		last = labels[len(labels)-2]
	}
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := ipv4Number(last)
	return ok
}

// parseIPv4 is the WHATWG URL standard's IPv4 parser (the inet_aton forms): one to four parts,
// each decimal, 0x-hex or 0-octal; the last part fills the remaining bytes.
func parseIPv4(h string) (netip.Addr, bool) {
	parts := strings.Split(h, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := ipv4Number(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v := uint32(last)
	for i, n := range nums[:len(nums)-1] {
		v += uint32(n) << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// ipv4Number is the WHATWG URL standard's IPv4 number parser.
func ipv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	if s == "" {
		return 0, true
	}
	for _, c := range s { // ParseUint would take "_" and a sign; the standard takes digits only
		if !isDigit(c, base) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil { // too long for 64 bits: beyond every part's range, refused by the caller
		return math.MaxUint64, true
	}
	return n, true
}

func isDigit(c rune, base int) bool {
	switch {
	case c >= '0' && c <= '7':
		return true
	case c == '8' || c == '9':
		return base >= 10
	case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		return base == 16
	}
	return false
}
