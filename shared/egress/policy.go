package egress

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Policy decides which connections a tenant's request may open. The zero Policy allows public
// addresses only, which is what production runs.
type Policy struct {
	// LoopbackPorts are the loopback ports (on 127.0.0.0/8 and ::1) that may be reached: the
	// listeners the local stack's user names, such as the demo bank. Every other loopback port
	// (the emulators, the Lambda Runtime API, devstack's own APIs) stays refused. Empty: none.
	LoopbackPorts []uint16
}

// Allow returns nil when a connection to ap may be opened, else a *RefusedError.
func (p Policy) Allow(ap netip.AddrPort) error {
	a := ap.Addr()
	if (a.Is4() && a.IsLoopback() || a == netip.IPv6Loopback()) && slices.Contains(p.LoopbackPorts, ap.Port()) {
		return nil
	}
	if reason := why(a); reason != "" {
		if a.IsLoopback() {
			reason += fmt.Sprintf("; the allowed loopback ports are %s", p.portList())
		}
		return &RefusedError{Addr: a, Port: ap.Port(), Reason: reason}
	}
	return nil
}

func (p Policy) portList() string {
	if len(p.LoopbackPorts) == 0 {
		return "none"
	}
	return strings.ReplaceAll(FormatPorts(p.LoopbackPorts), ",", ", ")
}

// ParsePorts reads a comma-separated list of ports ("", "8081", "8081,9000"), as the chat
// function's LOOPBACK_WEBHOOK_PORTS and `make run WEBHOOK_PORTS=…` give it.
func ParsePorts(s string) ([]uint16, error) {
	var out []uint16
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.ParseUint(f, 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("port %q: want a number from 1 to 65535", f)
		}
		if !slices.Contains(out, uint16(n)) {
			out = append(out, uint16(n))
		}
	}
	return out, nil
}

// FormatPorts writes ports the way ParsePorts reads them.
func FormatPorts(ports []uint16) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ",")
}
