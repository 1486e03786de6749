package conversation

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
)

// errHostNotAllowed: a flow webhook named a host outside the tenant's Settings.WebhookHosts.
var errHostNotAllowed = errors.New("webhook host is not in the tenant's allowed hosts")

// errPrivateAddress: a webhook host resolved to an address on a private network.
var errPrivateAddress = errors.New("webhook address is not public")

// hostGuard sends a request only to hosts the tenant's settings allow, checked at call time (the
// settings may have changed since the flow was saved).
type hostGuard struct {
	next dialog.Doer
	set  botconfig.Settings
}

func (g hostGuard) Do(req *http.Request) (*http.Response, error) {
	if !g.set.WebhookHostAllowed(req.URL.Hostname()) {
		return nil, fmt.Errorf("%w: %s", errHostNotAllowed, req.URL.Hostname())
	}
	return g.next.Do(req)
}

// NewWebhookClient returns the HTTP client production sends flow webhooks with: it does not
// follow redirects and its dialer refuses loopback, private, link-local and other non-public
// addresses, so a tenant's flow cannot reach into the platform's network whatever its DNS says.
// allowLoopback admits loopback addresses (and only those) for the local stack.
func NewWebhookClient(allowLoopback bool) *http.Client {
	d := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", errPrivateAddress, address)
			}
			if !public(ap.Addr()) && !(allowLoopback && ap.Addr().Unmap().IsLoopback()) {
				return fmt.Errorf("%w: %s", errPrivateAddress, ap.Addr())
			}
			return nil
		},
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       60 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// public reports whether a is a global unicast address outside private ranges.
func public(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(a) && // carrier-grade NAT
		!netip.MustParsePrefix("fc00::/7").Contains(a)
}
