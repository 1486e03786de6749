package conversation

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/egress"
)

// errHostNotAllowed: a flow webhook named a host outside the tenant's Settings.WebhookHosts.
var errHostNotAllowed = errors.New("webhook host is not in the tenant's allowed hosts")

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

// NewWebhookClient returns the HTTP client production sends flow webhooks with: egress's client
// for a policy that allows public addresses and, on the local stack, the loopback ports named
// (the demo bank's); it checks every connection after DNS resolution and follows no redirect, so
// a tenant's flow cannot reach into the platform's network whatever its DNS says.
func NewWebhookClient(loopbackPorts []uint16) *http.Client {
	return egress.NewClient(egress.Policy{LoopbackPorts: loopbackPorts})
}
