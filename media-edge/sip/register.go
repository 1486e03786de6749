package sip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/shared/voicecfg"
)

// Registration intervals (seconds): shorter ones get 423, longer ones are cut.
const (
	minExpires     = 60
	maxExpires     = 3600
	defaultExpires = 3600
	// maxContacts bounds the bindings of one REGISTER.
	maxContacts = 8
	// maxContactLen bounds a stored Contact URI.
	maxContactLen = 256
)

// handleRegister takes a softphone's REGISTER: digest authentication against the account's HA1,
// then its bindings stored in Registrations with this edge as Edge.
func (s *Server) handleRegister(req *sip.Request, tx sip.ServerTransaction) {
	src := source(req)
	if s.block.blocked(src.Addr(), s.now()) {
		s.respond(tx, req, 403, "Forbidden", nil)
		return
	}
	to := req.To()
	if to == nil || to.Address.User == "" || len(to.Address.User) > 64 {
		s.respond(tx, req, 400, "Bad Request", nil, sip.NewHeader("Warning", `399 lingxi "no user in To"`))
		return
	}
	user := to.Address.User
	creds := credentials(req)
	if creds == nil {
		s.challenge(tx, req, src.Addr(), false, false)
		return
	}
	fail := func() {
		if s.block.fail(src.Addr(), s.now()) {
			s.log.Warn("sip source blocked after repeated failures", "source", maskedAddr(src.Addr()))
		}
		s.log.Info("sip register rejected", "user", masked(user), "source", maskedAddr(src.Addr()))
		s.respond(tx, req, 403, "Forbidden", nil)
	}
	if creds.Username != user {
		fail()
		return
	}
	ctx, cancel := context.WithTimeout(s.serveCtx(), lookupTimeout)
	defer cancel()
	acct, err := s.d.Directory.Account(ctx, user)
	if errors.Is(err, voicecfg.ErrNotFound) {
		fail()
		return
	}
	if err != nil {
		s.log.Error("sip account lookup", "user", masked(user), "err", err)
		s.respond(tx, req, 500, "Server Internal Error", nil)
		return
	}
	switch s.dig.verify(req, src.Addr(), creds, acct.HA1) {
	case authStale:
		s.challenge(tx, req, src.Addr(), true, false)
		return
	case authBad, authMissing:
		fail()
		return
	}
	s.block.succeed(src.Addr(), s.now())

	expires := -1
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.Atoi(strings.TrimSpace(h.Value()))
		if err != nil || n < 0 {
			s.respond(tx, req, 400, "Bad Request", nil, sip.NewHeader("Warning", `399 lingxi "bad Expires"`))
			return
		}
		expires = n
	}
	bindings, wildcard, err := contacts(req, src, expires)
	if err != nil {
		s.respond(tx, req, 400, "Bad Request", nil, sip.NewHeader("Warning", fmt.Sprintf(`399 lingxi "%s"`, err)))
		return
	}
	now := s.now()
	ec := s.contact(req.Transport())
	edge := ec.Address.String()
	switch {
	case wildcard:
		if expires != 0 || len(bindings) > 0 {
			s.respond(tx, req, 400, "Bad Request", nil, sip.NewHeader("Warning", `399 lingxi "* needs Expires: 0 alone"`))
			return
		}
		regs, err := s.d.Registrations.Lookup(ctx, acct.Tenant, acct.Username)
		if err != nil {
			s.log.Error("sip registrations lookup", "user", masked(user), "err", err)
			s.respond(tx, req, 500, "Server Internal Error", nil)
			return
		}
		for _, r := range regs {
			r.Expires = now.Add(-time.Second)
			if err := s.d.Registrations.Put(ctx, r); err != nil {
				s.log.Error("sip unregister", "user", masked(user), "err", err)
				s.respond(tx, req, 500, "Server Internal Error", nil)
				return
			}
		}
	default:
		for _, b := range bindings {
			if b.expires > 0 && b.expires < minExpires {
				s.respond(tx, req, 423, "Interval Too Brief", nil, sip.NewHeader("Min-Expires", strconv.Itoa(minExpires)))
				return
			}
		}
		for _, b := range bindings {
			until := now.Add(time.Duration(b.expires) * time.Second)
			if b.expires == 0 {
				until = now.Add(-time.Second)
			}
			r := voicecfg.Registration{Tenant: acct.Tenant, Username: acct.Username, Contact: b.uri, Expires: until, Edge: edge}
			if err := s.d.Registrations.Put(ctx, r); err != nil {
				s.log.Error("sip register store", "user", masked(user), "err", err)
				s.respond(tx, req, 500, "Server Internal Error", nil)
				return
			}
		}
	}
	regs, err := s.d.Registrations.Lookup(ctx, acct.Tenant, acct.Username)
	if err != nil {
		s.log.Error("sip registrations lookup", "user", masked(user), "err", err)
		s.respond(tx, req, 500, "Server Internal Error", nil)
		return
	}
	hdrs := []sip.Header{sip.NewHeader("Date", now.UTC().Format(http.TimeFormat))}
	for _, r := range regs {
		left := int(r.Expires.Sub(now) / time.Second)
		if left <= 0 {
			continue
		}
		hdrs = append(hdrs, sip.NewHeader("Contact", fmt.Sprintf("<%s>;expires=%d", r.Contact, left)))
	}
	s.log.Info("sip registered", "user", masked(user), "tenant", acct.Tenant, "bindings", len(hdrs)-1)
	s.respond(tx, req, 200, "OK", nil, hdrs...)
}

// binding is one Contact of a REGISTER.
type binding struct {
	uri     string
	expires int
}

// contacts reads the Contact headers of a REGISTER; wildcard reports "Contact: *". Each binding
// is the Contact bound to src, the address the REGISTER came from (see boundContact).
func contacts(req *sip.Request, src netip.AddrPort, expires int) ([]binding, bool, error) {
	if !src.IsValid() {
		return nil, false, errors.New("no source address")
	}
	var out []binding
	wildcard := false
	for _, h := range req.GetHeaders("Contact") {
		ch, ok := h.(*sip.ContactHeader)
		if !ok {
			return nil, false, errors.New("bad Contact")
		}
		if ch.Address.Wildcard {
			wildcard = true
			continue
		}
		if len(out) == maxContacts {
			return nil, false, errors.New("too many contacts")
		}
		scheme := strings.ToLower(ch.Address.Scheme)
		if (scheme != "sip" && scheme != "sips") || ch.Address.Host == "" {
			return nil, false, errors.New("bad Contact")
		}
		bound := boundContact(ch.Address, src, req.Transport())
		uri := bound.String()
		if len(uri) > maxContactLen {
			return nil, false, errors.New("bad Contact")
		}
		e := expires
		if v, ok := ch.Params.Get("expires"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return nil, false, errors.New("bad expires")
			}
			e = n
		}
		if e < 0 {
			e = defaultExpires
		}
		out = append(out, binding{uri: uri, expires: min(e, maxExpires)})
	}
	return out, wildcard, nil
}

// boundContact is the Contact a softphone is dialled at: its user and parameters, but the host and
// port the REGISTER came from (src) and the transport it came over, as NAT-aware registrars do.
// A device thus cannot make the edge send INVITEs or RTP to any other address or host name (a
// metadata service, a private network, a name that rebinds): it is dialled where it registered
// from. maddr and URI headers, which would redirect or add to the INVITE, are dropped.
func boundContact(contact sip.Uri, src netip.AddrPort, transport string) sip.Uri {
	u := sip.Uri{Scheme: "sip", User: contact.User, Host: src.Addr().Unmap().String(), Port: int(src.Port())}
	transport = strings.ToLower(transport)
	if transport == "tls" {
		u.Scheme = "sips"
	}
	u.UriParams = sip.NewParams()
	for _, kv := range contact.UriParams {
		switch k := strings.ToLower(kv.K); {
		case k == "maddr" || k == "transport" || !paramText(kv.K) || !paramText(kv.V):
		default:
			u.UriParams.Add(kv.K, kv.V)
		}
	}
	if transport == "tcp" || transport == "tls" {
		u.UriParams.Add("transport", transport)
	}
	return u
}

// paramText reports whether v is made of the characters of a URI parameter (RFC 3261 paramchar);
// the parser leaves "?headers" glued to the last parameter, and those are not kept.
func paramText(v string) bool {
	for _, r := range v {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("-_.!~*'()%[]/:&+$", r)
		if !ok {
			return false
		}
	}
	return true
}
