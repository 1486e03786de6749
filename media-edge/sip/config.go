package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// Config is the signalling part of the edge's configuration.
type Config struct {
	// UDP, TCP and TLS are bind addresses ("host:port"); "" leaves the transport off. Port 0
	// binds a free port (Server.Addr reports it).
	UDP, TCP, TLS string
	// TLSConfig carries the certificate when TLS is set.
	TLSConfig *tls.Config
	// Advertise is the address put in Contact, Via and SDP.
	Advertise netip.Addr
	// UserAgent names the edge in User-Agent and Server headers (default "lingxi-edge").
	UserAgent string
	// RTPInactivity: a call that received no RTP (Call.Touch) for this long is hung up with
	// cause "rtp_timeout" (default 30 s; negative disables). Paused while the peer sends no RTP
	// by agreement (the edge's direction is sendonly or inactive).
	RTPInactivity time.Duration
	// AuthFailures within AuthWindow from one source IP block that source for BlockFor
	// (defaults 5, 1 min, 10 min).
	AuthFailures int
	AuthWindow   time.Duration
	BlockFor     time.Duration
	// AnswerDelay is how long an INVITE rings (180) before the edge answers (default 0).
	AnswerDelay time.Duration
	// DialTimeout bounds how long a dialled leg may ring (default 30 s).
	DialTimeout time.Duration
	// MaxCalls refuses INVITEs beyond this many calls in progress with 503 (0: no limit).
	MaxCalls int
	// NonceKey signs digest nonces; edges that share it accept each other's nonces (default: a
	// random key per server).
	NonceKey []byte
}

// PortAllocator hands out the RTP socket of a call (media.Ports implements it).
type PortAllocator interface {
	Listen() (*net.UDPConn, error)
}

// CallHandler runs an answered call. ServeCall is called in its own goroutine once the 200 OK was
// sent and its ACK received; ctx is done when the dialog ends (BYE from the peer, inactivity,
// Hangup, server shutdown). When ServeCall returns and the dialog is still up, the server sends
// BYE. The server closes Call.Conn after ServeCall returned.
type CallHandler interface {
	ServeCall(ctx context.Context, c *Call)
}

// CallHandlerFunc adapts a function to CallHandler.
type CallHandlerFunc func(ctx context.Context, c *Call)

// ServeCall calls f.
func (f CallHandlerFunc) ServeCall(ctx context.Context, c *Call) { f(ctx, c) }

// EventSink receives the toll-fraud facts: a call to a known number refused before it was
// answered.
type EventSink interface {
	CallRejected(ctx context.Context, r Rejection)
}

// Rejection is a call to a tenant's number that the edge refused.
type Rejection struct {
	Tenant tenant.ID
	// CallID is the INVITE's Call-ID.
	CallID string
	// From is the caller's From user and To the dialled number in E.164 (personal data); Source
	// is the request's source address, "203.0.113.7:5060" or "[2001:db8::1]:5060" (personal data).
	From, To, Source string
	// Transport is "udp", "tcp" or "tls".
	Transport string
	// Reason is one of the Reason constants.
	Reason string
	// Status is the SIP status the INVITE was answered with.
	Status int
}

// Rejection reasons.
const (
	// ReasonSourceNotAllowed: the source is none of the number's trunks, and no account of the
	// tenant called (403).
	ReasonSourceNotAllowed = "source_not_allowed"
	// ReasonTransportMismatch: the trunk must use another transport (403).
	ReasonTransportMismatch = "transport_mismatch"
	// ReasonAuthFailed: digest credentials were wrong (403).
	ReasonAuthFailed = "auth_failed"
	// ReasonAccountTenant: the calling account belongs to another tenant (403).
	ReasonAccountTenant = "account_of_other_tenant"
	// ReasonBlocked: the source is blocked after repeated authentication failures (403).
	ReasonBlocked = "blocked"
	// ReasonDraining: the edge is shutting down and takes no new calls (503).
	ReasonDraining = "draining"
	// ReasonMediaNotAcceptable: the offer has no codec in common, or plain RTP where the trunk
	// requires SRTP (488).
	ReasonMediaNotAcceptable = "media_not_acceptable"
)

// Deps are the server's collaborators.
type Deps struct {
	Directory     voicecfg.Directory
	Registrations voicecfg.Registrations
	Ports         PortAllocator
	Calls         CallHandler
	// Events may be nil (rejections are then only logged).
	Events EventSink
	// Log may be nil (slog.Default()).
	Log *slog.Logger
}

// withDefaults fills zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.UserAgent == "" {
		c.UserAgent = "lingxi-edge"
	}
	if c.RTPInactivity == 0 {
		c.RTPInactivity = 30 * time.Second
	}
	if c.AuthFailures <= 0 {
		c.AuthFailures = 5
	}
	if c.AuthWindow <= 0 {
		c.AuthWindow = time.Minute
	}
	if c.BlockFor <= 0 {
		c.BlockFor = 10 * time.Minute
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 30 * time.Second
	}
	var errs []error
	if c.UDP == "" && c.TCP == "" && c.TLS == "" {
		errs = append(errs, errors.New("no transport configured"))
	}
	if c.TLS != "" && c.TLSConfig == nil {
		errs = append(errs, errors.New("tls: no TLSConfig"))
	}
	if !c.Advertise.IsValid() || c.Advertise.IsUnspecified() {
		errs = append(errs, errors.New("advertise: not a usable address"))
	}
	if c.AnswerDelay < 0 || c.MaxCalls < 0 {
		errs = append(errs, errors.New("answer delay and max calls must not be negative"))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("sip config: %w", errors.Join(errs...))
	}
	return c, nil
}
