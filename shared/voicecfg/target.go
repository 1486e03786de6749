package voicecfg

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/lingxi/lingxi/shared/egress"
)

// AccountPrefix starts a transfer target that names a softphone account of the tenant.
const AccountPrefix = "account:"

// MaxTargetLen bounds a transfer target.
const MaxTargetLen = 256

// Target is a parsed transfer target: an account of the tenant, or a SIP URI.
type Target struct {
	// Account is the softphone account's username, for "account:USERNAME"; empty for a URI.
	Account string
	// URI is the SIP URI, for a "sip:" or "sips:" target.
	URI *SIPURI
}

// SIPURI is a SIP or SIPS URI (RFC 3261 §19.1) of the strict form a transfer target may take:
// sip[s]:[user@]host[:port][;param[=value]]…, no password, no headers, no maddr (which would send
// the call somewhere other than the host the egress check saw).
type SIPURI struct {
	Secure bool   // sips:
	User   string // the user part as written (may be empty)
	Host   string // a DNS name, a dotted IPv4 address, or an IPv6 address without brackets
	Port   uint16 // 0: the scheme's default (Port())
	// Transport is the transport parameter ("udp", "tcp", "tls"), empty when absent.
	Transport string
	// Params are the URI parameters as written, without the leading ';'.
	Params []string
}

// DefaultPort is the port a URI without one reaches: 5061 for sips, 5060 for sip.
func (u SIPURI) DefaultPort() uint16 {
	if u.Secure {
		return 5061
	}
	return 5060
}

// EffectivePort is u.Port, or the scheme's default.
func (u SIPURI) EffectivePort() uint16 {
	if u.Port != 0 {
		return u.Port
	}
	return u.DefaultPort()
}

// ParseTarget reads a transfer target: "account:USERNAME" (ValidUsername) or a SIP URI of the
// strict form SIPURI describes. It does not judge where a URI points: CheckEgress does.
func ParseTarget(s string) (Target, error) {
	if s == "" {
		return Target{}, errors.New(`must be "account:USERNAME" or a sip: or sips: URI`)
	}
	if len(s) > MaxTargetLen {
		return Target{}, fmt.Errorf("must be at most %d characters", MaxTargetLen)
	}
	if name, ok := strings.CutPrefix(s, AccountPrefix); ok {
		if !ValidUsername(name) {
			return Target{}, errors.New("names no valid account username: " + UsernameRule)
		}
		return Target{Account: name}, nil
	}
	u, err := ParseSIPURI(s)
	if err != nil {
		return Target{}, err
	}
	return Target{URI: &u}, nil
}

// ParseSIPURI reads a SIP or SIPS URI of the strict form SIPURI describes.
func ParseSIPURI(s string) (SIPURI, error) {
	var u SIPURI
	rest, ok := strings.CutPrefix(s, "sip:")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "sips:"); !ok {
			return u, errors.New(`must start with "account:", "sip:" or "sips:" (lower case)`)
		}
		u.Secure = true
	}
	if strings.ContainsAny(rest, "?") {
		return u, errors.New("must not have headers ('?')")
	}
	hostport, params, _ := strings.Cut(rest, ";")
	if user, hp, found := strings.Cut(hostport, "@"); found {
		if err := checkUser(user); err != nil {
			return u, err
		}
		u.User, hostport = user, hp
	}
	if err := u.setHostPort(hostport); err != nil {
		return u, err
	}
	if params != "" || strings.HasSuffix(rest, ";") {
		if err := u.setParams(params); err != nil {
			return u, err
		}
	}
	return u, nil
}

// checkUser checks a URI's user part: unreserved characters, %HH escapes and the user-unreserved
// ones that cannot be mistaken for URI structure (& = + $ ,); no password (':').
func checkUser(user string) error {
	if user == "" {
		return errors.New("has an empty user part before '@'")
	}
	if len(user) > 64 {
		return errors.New("has a user part longer than 64 characters")
	}
	for i := 0; i < len(user); i++ {
		c := user[i]
		switch {
		case isAlnum(c), strings.IndexByte("-_.!~*'()&=+$,", c) >= 0:
		case c == '%':
			if i+2 >= len(user) || !isHex(user[i+1]) || !isHex(user[i+2]) {
				return errors.New("has a bad %-escape in its user part")
			}
			i += 2
		case c == ':':
			return errors.New("must not hold a password")
		default:
			return fmt.Errorf("has %q in its user part", c)
		}
	}
	return nil
}

func (u *SIPURI) setHostPort(hp string) error {
	host, port := hp, ""
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return errors.New("has an IPv6 host without its ']'")
		}
		host, port = hp[1:end], hp[end+1:]
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return errors.New("has a bad IPv6 host")
		}
		if port != "" && !strings.HasPrefix(port, ":") {
			return errors.New("has text after its IPv6 host")
		}
		port = strings.TrimPrefix(port, ":")
		if port == "" && strings.HasSuffix(hp, ":") {
			return errors.New("has an empty port")
		}
	} else {
		if i := strings.LastIndexByte(hp, ':'); i >= 0 {
			host, port = hp[:i], hp[i+1:]
			if port == "" {
				return errors.New("has an empty port")
			}
		}
		if err := checkHostname(host); err != nil {
			return err
		}
	}
	u.Host = host
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 || port[0] == '0' || port[0] == '+' {
			return fmt.Errorf("has a bad port %q: want 1 to 65535", port)
		}
		u.Port = uint16(n)
	}
	return nil
}

// checkHostname checks a host that is a name or a dotted IPv4 address (RFC 3261 hostname, IPv4address).
func checkHostname(h string) error {
	if h == "" {
		return errors.New("has no host")
	}
	if len(h) > 253 {
		return errors.New("has a host longer than 253 characters")
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("has a bad host %q", h)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !isAlnum(c) && (c != '-' || i == 0 || i == len(label)-1) {
				return fmt.Errorf("has a bad host %q", h)
			}
		}
	}
	return nil
}

// setParams reads ;-separated parameters: tokens, name or name=value; transport must be udp, tcp
// or tls (and not udp on sips:); maddr is refused.
func (u *SIPURI) setParams(params string) error {
	seen := map[string]bool{}
	for p := range strings.SplitSeq(params, ";") {
		name, value, hasValue := strings.Cut(p, "=")
		name = strings.ToLower(name)
		if !isToken(name) || hasValue && !isToken(value) {
			return fmt.Errorf("has a bad parameter %q", p)
		}
		if seen[name] {
			return fmt.Errorf("has the parameter %q twice", name)
		}
		seen[name] = true
		switch name {
		case "maddr":
			return errors.New("must not have maddr (the call must go to the URI's host)")
		case "transport":
			v := strings.ToLower(value)
			if !ValidTransport(v) {
				return errors.New("has a transport other than udp, tcp or tls")
			}
			if u.Secure && v == TransportUDP {
				return errors.New("is sips: with transport=udp")
			}
			u.Transport = v
		}
		u.Params = append(u.Params, p)
	}
	if len(u.Params) > 8 {
		return errors.New("has more than 8 parameters")
	}
	return nil
}

// isToken: RFC 3261 token characters, without '%' and '`'.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && strings.IndexByte("-.!*_+'~", s[i]) < 0 {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// CheckEgress applies the egress policy that flow webhooks follow (shared/egress) to where u
// points: a public address or a DNS name (judged again when it is dialled), or loopback on a port
// the policy names (the local stack's softphones); every other address is refused.
func (u SIPURI) CheckEgress(p egress.Policy) error {
	kind, err := egress.CheckHost(u.Host)
	if err != nil {
		return err
	}
	if kind != egress.HostLoopback {
		return nil
	}
	a := netip.IPv6Loopback()
	if u.Host != "::1" {
		a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		if parsed, err := netip.ParseAddr(u.Host); err == nil {
			a = parsed
		}
	}
	return p.Allow(netip.AddrPortFrom(a, u.EffectivePort()))
}
