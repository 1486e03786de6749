package handler

import (
	"net/http"
	"strings"
	"testing"
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
