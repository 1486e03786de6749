package media

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
)

// Ports hands out RTP ports of a configured range: even ports (RTP's convention, the odd one above
// being RTCP's), each bound on one address. The kernel is the record of what is in use: Close of
// the returned conn frees its port. Listen walks the range round-robin so that a port just freed
// is the last to be reused (late packets of the last call do not reach the next).
type Ports struct {
	bind     netip.Addr
	min, max int

	mu   sync.Mutex
	next int
}

// NewPorts returns the even ports of [min, max] on bind.
func NewPorts(bind netip.Addr, min, max int) (*Ports, error) {
	if !bind.IsValid() {
		return nil, fmt.Errorf("RTP bind address unset: %w", errPortRange)
	}
	if min%2 != 0 {
		min++
	}
	if min < 1024 || max > 65535 || min > max {
		return nil, fmt.Errorf("RTP ports %d–%d (want even ports within 1024–65535): %w", min, max, errPortRange)
	}
	return &Ports{bind: bind, min: min, max: max, next: min}, nil
}

// Size is how many ports the range holds: the most concurrent calls it serves.
func (p *Ports) Size() int { return (p.max-p.min)/2 + 1 }

// Listen binds a free port of the range. It fails with ErrNoFreePort when every port is taken.
func (p *Ports) Listen() (*net.UDPConn, error) {
	n := p.Size()
	for range n {
		p.mu.Lock()
		port := p.next
		p.next += 2
		if p.next > p.max {
			p.next = p.min
		}
		p.mu.Unlock()
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.bind, uint16(port))))
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("listen RTP on %s port %d: %w", p.bind, port, err)
		}
	}
	return nil, fmt.Errorf("RTP ports %d–%d on %s: %w", p.min, p.max, p.bind, ErrNoFreePort)
}
