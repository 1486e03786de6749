package sip

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// admission is who a call was admitted as.
type admission struct {
	number voicecfg.Number
	// trunk is the trunk the call came through, or nil for a softphone account.
	trunk   *voicecfg.Trunk
	account string
}

// e164 turns a Request-URI user into an E.164 number: 1–15 digits, with or without "+".
func e164(user string) (string, bool) {
	d := strings.TrimPrefix(user, "+")
	if d == "" || len(d) > 15 {
		return "", false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return "", false
		}
	}
	return "+" + d, true
}

// fromUser is the user part of the From URI.
func fromUser(req *sip.Request) string {
	if f := req.From(); f != nil {
		return f.Address.User
	}
	return ""
}

// authorizeInvite decides whether a new INVITE may reach the dialled number, answering the
// request itself (404, 403, 407, 500) when it may not (ok false).
func (s *Server) authorizeInvite(ctx context.Context, req *sip.Request, tx sip.ServerTransaction, from netip.AddrPort) (admission, bool) {
	src := from.Addr()
	to, ok := e164(req.Recipient.User)
	if !ok {
		s.log.Info("sip invite for a malformed number", "to", masked(req.Recipient.User), "source", maskedAddr(src))
		s.respond(tx, req, 404, "Not Found", nil)
		return admission{}, false
	}
	num, trunks, err := s.d.Directory.Number(ctx, to)
	if errors.Is(err, voicecfg.ErrNotFound) {
		s.log.Info("sip invite for an unknown number", "to", masked(to), "source", maskedAddr(src))
		s.respond(tx, req, 404, "Not Found", nil)
		return admission{}, false
	}
	if err != nil {
		s.log.Error("sip number lookup", "to", masked(to), "err", err)
		s.respond(tx, req, 500, "Server Internal Error", nil, retryAfter(s.cfg.AuthWindow))
		return admission{}, false
	}
	reject := func(reason string) (admission, bool) {
		if s.block.fail(src, s.now()) {
			s.log.Warn("sip source blocked after repeated failures", "source", maskedAddr(src), "tenant", num.Tenant)
		}
		s.log.Info("sip invite rejected", "tenant", num.Tenant, "to", masked(to), "source", maskedAddr(src), "reason", reason)
		s.rejected(ctx, req, num.Tenant, to, from, reason, 403)
		s.respond(tx, req, 403, "Forbidden", nil)
		return admission{}, false
	}
	transport := strings.ToLower(req.Transport())
	var fromSource, usable []voicecfg.Trunk
	for _, t := range trunks {
		if t.Tenant != num.Tenant || (len(num.Trunks) > 0 && !slices.Contains(num.Trunks, t.Name)) {
			continue
		}
		if !slices.ContainsFunc(t.CIDRs, func(p netip.Prefix) bool { return p.Contains(src) }) {
			continue
		}
		fromSource = append(fromSource, t)
		if t.Transport == "" || strings.EqualFold(t.Transport, transport) {
			usable = append(usable, t)
		}
	}
	if len(fromSource) > 0 {
		if len(usable) == 0 {
			return reject(ReasonTransportMismatch)
		}
		for i := range usable {
			if usable[i].Username == "" {
				return admission{number: num, trunk: &usable[i]}, true
			}
		}
		creds := credentials(req)
		if creds == nil {
			s.challenge(tx, req, src, false, true)
			return admission{}, false
		}
		for i := range usable {
			if usable[i].Username != creds.Username {
				continue
			}
			switch s.dig.verify(req, src, creds, usable[i].HA1) {
			case authOK:
				s.block.succeed(src, s.now())
				return admission{number: num, trunk: &usable[i]}, true
			case authStale:
				s.challenge(tx, req, src, true, true)
				return admission{}, false
			}
		}
		return reject(ReasonAuthFailed)
	}

	// Not a trunk of the tenant: a softphone account of the tenant may call in, by digest.
	creds := credentials(req)
	username := fromUser(req)
	if creds != nil {
		username = creds.Username
	}
	if username == "" {
		return reject(ReasonSourceNotAllowed)
	}
	acct, err := s.d.Directory.Account(ctx, username)
	if errors.Is(err, voicecfg.ErrNotFound) {
		return reject(ReasonSourceNotAllowed)
	}
	if err != nil {
		s.log.Error("sip account lookup", "user", masked(username), "err", err)
		s.respond(tx, req, 500, "Server Internal Error", nil)
		return admission{}, false
	}
	if acct.Tenant != num.Tenant {
		return reject(ReasonAccountTenant)
	}
	if creds == nil {
		s.challenge(tx, req, src, false, true)
		return admission{}, false
	}
	switch s.dig.verify(req, src, creds, acct.HA1) {
	case authOK:
		s.block.succeed(src, s.now())
		return admission{number: num, account: acct.Username}, true
	case authStale:
		s.challenge(tx, req, src, true, true)
		return admission{}, false
	}
	return reject(ReasonAuthFailed)
}

// challenge answers with 407 (proxy) or 401 and a fresh nonce.
func (s *Server) challenge(tx sip.ServerTransaction, req *sip.Request, src netip.Addr, stale, proxy bool) {
	if proxy {
		s.respond(tx, req, 407, "Proxy Authentication Required", nil, sip.NewHeader("Proxy-Authenticate", s.dig.challenge(src, stale)))
		return
	}
	s.respond(tx, req, 401, "Unauthorized", nil, sip.NewHeader("WWW-Authenticate", s.dig.challenge(src, stale)))
}

// rejected tells the EventSink, if any, that the INVITE req from src for the tenant's number to was
// refused.
func (s *Server) rejected(ctx context.Context, req *sip.Request, t tenant.ID, to string, src netip.AddrPort, reason string, status int) {
	if s.d.Events == nil {
		return
	}
	var callID string
	if id := req.CallID(); id != nil {
		callID = string(*id)
	}
	s.d.Events.CallRejected(ctx, Rejection{
		Tenant: t, CallID: callID, From: fromUser(req), To: to, Source: src.String(),
		Transport: strings.ToLower(req.Transport()), Reason: reason, Status: status,
	})
}

// rejectedBeforeLookup reports a refusal decided before the number was looked up (a blocked source,
// a draining edge): the event is emitted when the dialled number is a tenant's.
func (s *Server) rejectedBeforeLookup(req *sip.Request, src netip.AddrPort, reason string, status int) {
	if s.d.Events == nil {
		return
	}
	to, ok := e164(req.Recipient.User)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(s.serveCtx(), lookupTimeout)
	defer cancel()
	num, _, err := s.d.Directory.Number(ctx, to)
	if err != nil {
		if !errors.Is(err, voicecfg.ErrNotFound) {
			s.log.Error("sip number lookup", "to", masked(to), "err", err)
		}
		return
	}
	s.rejected(ctx, req, num.Tenant, to, src, reason, status)
}
