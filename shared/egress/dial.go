package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// Resolver looks up a host name's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// Dialer opens TCP connections only where its Policy allows. It resolves the host itself and
// dials the addresses one by one with a net.Dialer whose ControlContext asks the Policy about
// the very address being connected, after the socket exists and before connect(2): a refused
// address gets no packet, whatever DNS answered and however often the answer changes.
type Dialer struct {
	Policy Policy
	// Resolver looks up host names; nil: net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds each connection attempt; 0: 5 s.
	Timeout time.Duration

	// guard, when set (tests), runs after the Policy allowed an address and may still stop the
	// connect, so a test can prove a refusal without risking a packet to a real network.
	guard func(ap netip.AddrPort) error
}

// DialContext connects to address ("host:port") over network ("tcp", "tcp4" or "tcp6"); it has
// the signature http.Transport.DialContext wants.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	ipNet := map[string]string{"tcp": "ip", "tcp4": "ip4", "tcp6": "ip6"}[network]
	if ipNet == "" {
		return nil, fmt.Errorf("dial %s %s: only TCP is allowed", network, address)
	}
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port: %w", address, err)
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		r := d.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		if addrs, err = r.LookupNetIP(ctx, ipNet, host); err != nil {
			return nil, fmt.Errorf("dial %s: %w", address, err)
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("dial %s: no address", address)
		}
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	nd := net.Dialer{Timeout: timeout, ControlContext: d.control}
	var errs []error
	for _, a := range addrs {
		conn, err := nd.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("dial %s: %w", address, errors.Join(errs...))
}

// control is the net.Dialer hook: it runs on every connection, with the numeric address about to
// be connected.
func (d *Dialer) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("%w: network %s", ErrRefused, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: address %q", ErrRefused, address)
	}
	if err := d.Policy.Allow(ap); err != nil {
		return err
	}
	if d.guard != nil {
		return d.guard(ap)
	}
	return nil
}

// NewClient returns the HTTP client tenant requests go out with: its Dialer applies p on every
// connection, it uses no proxy (a proxy would dial for it, unchecked), and it never follows a
// redirect (the 3xx comes back as the response, which webhook callers treat as a failure).
func NewClient(p Policy) *http.Client {
	d := &Dialer{Policy: p}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       60 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
