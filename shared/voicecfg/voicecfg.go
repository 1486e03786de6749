// Package voicecfg holds a tenant's telephony configuration as the media edge reads it: the numbers
// that reach the tenant, the SIP trunks allowed to deliver them, the agents' softphone accounts,
// the registrations of those softphones, and where a queue's voice transfers go.
//
// The api function writes them (/v1/numbers, /v1/trunks, /v1/sip-accounts,
// /v1/voice-transfer-targets); the media edge reads them. A dialled number and a softphone
// username are platform-wide: each belongs to one tenant, and that mapping is how the edge learns
// a call's tenant (never from anything the caller sends).
//
//   - voicecfg.go: what the edge sees (Number, Trunk, Account, Registration, TransferTarget) and
//     the two interfaces it reads them through (Directory, Registrations).
//   - items.go: the item layout in the one table (kinds, keys, stored records, the platform
//     mappings and the reference counts that keep referenced trunks and accounts).
//   - store.go: Store, the table-backed Directory and Registrations (NewStore).
//   - rules.go: the rules the api function enforces and the edge relies on: E.164 numbers, digest
//     usernames and passwords, HA1, trunk transports and source prefixes.
//   - target.go: transfer targets: "account:USERNAME" or a strict SIP URI, and its egress check.
package voicecfg

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Realm is the SIP digest realm of every credential; HA1 values are MD5(username:Realm:password).
const Realm = "lingxi"

// ErrNotFound: no such number, trunk, account, registration or target.
var ErrNotFound = errors.New("voicecfg: not found")

// Number is a dialled number (E.164) and how the tenant answers it.
type Number struct {
	Tenant tenant.ID
	// E164 is the number in E.164 form ("+862160001234").
	E164 string
	// Language is the language the bot greets in ("zh" or "en"); empty lets the bot decide.
	Language string
	// Trunks names the trunks allowed to deliver calls to this number; empty means any trunk of
	// the tenant.
	Trunks []string
}

// Trunk is a SIP trunk of a tenant: the addresses its calls come from and, where set, the digest
// credentials they must present.
type Trunk struct {
	Tenant tenant.ID
	Name   string
	// CIDRs are the source addresses the trunk's requests come from.
	CIDRs []netip.Prefix
	// Username and HA1 are the digest credentials the trunk must answer a challenge with; empty
	// Username means address checks only.
	Username, HA1 string
	// Transport is "udp", "tcp" or "tls": the transport calls from this trunk must use.
	Transport string
	// SRTP: the trunk's media is SRTP keyed by SDES (RFC 4568); plain RTP offers are refused.
	SRTP bool
}

// Account is an agent's softphone account: it registers with digest authentication and may place
// and receive calls through the edge.
type Account struct {
	Tenant   tenant.ID
	Username string
	HA1      string
}

// Registration is where a softphone account can be reached, until Expires.
type Registration struct {
	Tenant   tenant.ID
	Username string
	// Contact is the SIP URI the softphone registered ("sip:alice@127.0.0.1:5070;transport=udp").
	Contact string
	Expires time.Time
	// Edge names the edge task that took the registration (its advertised SIP address).
	Edge string
}

// TransferTarget is where the voice transfers of a tenant's queue go: a SIP URI, or
// "account:USERNAME" for whatever contact that softphone account registered.
type TransferTarget struct {
	Tenant tenant.ID
	Queue  string
	Target string
}

// Directory answers the edge's questions about the platform's telephony mapping.
type Directory interface {
	// Number returns the number and the trunks of its tenant allowed to deliver it.
	Number(ctx context.Context, e164 string) (Number, []Trunk, error)
	// Account returns the softphone account of a (platform-wide) username.
	Account(ctx context.Context, username string) (Account, error)
	// TransferTarget returns where a queue's voice transfers go.
	TransferTarget(ctx context.Context, t tenant.ID, queue string) (TransferTarget, error)
}

// Registrations stores softphone registrations so that every edge task can reach every agent.
type Registrations interface {
	// Put records (or refreshes) a registration; an Expires in the past removes it.
	Put(ctx context.Context, r Registration) error
	// Lookup returns the unexpired registrations of a username.
	Lookup(ctx context.Context, t tenant.ID, username string) ([]Registration, error)
}
