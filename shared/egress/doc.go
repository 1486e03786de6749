// Package egress is the one place that decides where the platform may send a request on a
// tenant's behalf (flow webhooks): public addresses only, never the platform's own network.
//
//   - ranges.go: the refused ranges (every non-public block of the IANA IPv4 and IPv6
//     special-purpose address registries) and Public.
//   - host.go: the save-time check of a URL host (CheckHost), which reads numeric spellings such
//     as 127.1, 2130706433, 0x7f000001 or 0177.0.0.1 the way browsers and inet_aton do.
//   - policy.go: Policy, the connection-time decision (Allow), with the local stack's explicit
//     list of loopback ports, and ParsePorts for that list.
//   - dial.go: Dialer and NewClient: every connection is checked after DNS resolution, in the
//     socket's Control hook before connect(2), and redirects are never followed.
//   - errors.go: ErrRefused and RefusedError.
//
// A flow is checked when it is saved (CheckHost, through dialog.ParseFlow) and again on every
// connection its webhooks open (Dialer): DNS can point a public name at 10.0.0.1 after the save.
package egress
