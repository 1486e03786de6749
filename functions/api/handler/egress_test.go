package handler

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/egress"
)

// Regression (issue 7, defect 3): flows were saved with webhooks to 198.18.0.1, 100.64.0.1, a
// NAT64 address or `2130706433`. Saving one now answers 400 pointing at the step's url, and
// nothing is stored.
func TestFlowWebhookToNonPublicAddressRefused(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "egress")
	for name, host := range map[string]string{
		"benchmarking":       "198.18.0.1",
		"shared address":     "100.64.0.1",
		"nat64":              "[64:ff9b::a00:1]",
		"decimal loopback":   "2130706433",
		"hex loopback":       "0x7f000001",
		"short loopback":     "127.1",
		"octal loopback":     "0177.0.0.1",
		"mixed private":      "0xa.0.1",
		"metadata":           "169.254.169.254",
		"mapped private":     "[::ffff:10.0.0.1]",
		"unique local":       "[fd00::1]",
		"documentation ipv6": "[2001:db8::1]",
	} {
		t.Run(name, func(t *testing.T) {
			flow := strings.Replace(greetFlow, "api.acme.example", host, 1)
			e.call(t, "PUT", "/v1/flows/verify", key, flow).want(t, "webhook to "+host, http.StatusBadRequest, "/steps/1/url")
			e.call(t, "GET", "/v1/flows/verify", key, "").want(t, "nothing stored", http.StatusNotFound)
		})
	}
	// A public host still saves.
	e.call(t, "PUT", "/v1/flows/verify", key, greetFlow).want(t, "public host", http.StatusCreated)
}

// Regression (issue 7, defect 3): a flow was saved with a webhook to any loopback port, which
// only the dialer refused later. It is refused when saved unless the egress policy names the
// port (the local stack names its demo bank's); other loopback ports — the emulators, the
// Runtime API — stay refused, by any spelling.
func TestFlowWebhookLoopbackOnlyNamedPorts(t *testing.T) {
	e := newEnv(t)
	WithEgress(egress.Policy{LoopbackPorts: []uint16{9099}})(e.api)
	key := e.createTenant(t, "loopback")
	e.call(t, "PUT", "/v1/bot/settings", key, `{"webhook_hosts":["127.0.0.1","localhost","::1"]}`).want(t, "settings", http.StatusOK)
	for name, tc := range map[string]struct {
		base   string
		status int
	}{
		"named port":         {"http://127.0.0.1:9099", http.StatusCreated},
		"named port by name": {"http://localhost:9099", http.StatusOK},
		"named port ipv6":    {"http://[::1]:9099", http.StatusOK},
		"another port":       {"http://127.0.0.1:4566", http.StatusBadRequest},
		"another by name":    {"http://localhost:9001", http.StatusBadRequest},
		"default http port":  {"http://127.0.0.1", http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			flow := strings.Replace(greetFlow, "https://api.acme.example", tc.base, 1)
			r := e.call(t, "PUT", "/v1/flows/verify", key, flow)
			if tc.status == http.StatusBadRequest {
				r.want(t, tc.base, tc.status, "/steps/1/url")
			} else if r.status != http.StatusCreated && r.status != http.StatusOK {
				t.Fatalf("%s: %d %v", tc.base, r.status, r.body)
			}
		})
	}
}
