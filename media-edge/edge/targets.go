package edge

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// sipTargets checks a transfer target when it is dialled, as the api function checked it when it
// was saved (the same egress policy as webhooks): a SIP URI's host name is resolved here, once,
// and the edge dials the address it checked, so a name that resolves elsewhere later (DNS
// rebinding) cannot send a call to the platform's own network. Softphone accounts are dialled at
// the contact they registered from.
type sipTargets struct {
	policy   egress.Policy
	resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
}

var _ call.Targets = sipTargets{}

func newSIPTargets(p egress.Policy) sipTargets {
	return sipTargets{policy: p, resolver: net.DefaultResolver}
}

func (s sipTargets) Resolve(ctx context.Context, target string) (string, error) {
	t, err := voicecfg.ParseTarget(target)
	if err != nil {
		return "", err
	}
	if t.URI == nil {
		return target, nil
	}
	u := *t.URI
	addr, err := netip.ParseAddr(u.Host)
	if err != nil {
		ips, err := s.resolver.LookupNetIP(ctx, "ip", u.Host)
		if err != nil {
			return "", fmt.Errorf("resolve the transfer target's host: %w", err)
		}
		if len(ips) == 0 {
			return "", fmt.Errorf("resolve the transfer target's host: no address")
		}
		addr = ips[0].Unmap()
	}
	if err := s.policy.Allow(netip.AddrPortFrom(addr, u.EffectivePort())); err != nil {
		return "", err
	}
	return withHost(target, u, addr), nil
}

// withHost writes target again with its host replaced by addr (brackets for IPv6).
func withHost(target string, u voicecfg.SIPURI, addr netip.Addr) string {
	host := addr.String()
	if addr.Is6() {
		host = "[" + host + "]"
	}
	scheme := "sip:"
	if u.Secure {
		scheme = "sips:"
	}
	rest := strings.TrimPrefix(target, scheme)
	prefix := scheme
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		prefix, rest = scheme+rest[:at+1], rest[at+1:]
	}
	// rest starts with the host as written (a name, an IPv4 address or a bracketed IPv6 one).
	end := len(u.Host)
	if strings.HasPrefix(rest, "[") {
		end += 2
	}
	return prefix + host + rest[end:]
}
