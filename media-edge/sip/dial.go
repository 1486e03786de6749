package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// Leg is a call the edge placed (Dial), typically to bridge a caller to an agent. Params, Updates
// and Ended come from the dialog's session; Ended's side is "callee" when the far end hung up.
type Leg struct {
	// ID is the leg's SIP Call-ID.
	ID     string
	Tenant tenant.ID
	// Target is the SIP URI that was dialled (an account's registered Contact for
	// "account:NAME").
	Target string
	// Conn is the leg's RTP socket from Ports; it is closed when the leg ends, before Done.
	Conn *net.UDPConn

	*session
	dialog *sipgo.DialogClientSession
	id     string
	done   chan struct{}
}

// Hangup ends the leg from the edge (BYE).
func (l *Leg) Hangup(cause string) { l.end(SideEdge, cause) }

// Done is closed when the leg has ended and its socket is closed.
func (l *Leg) Done() <-chan struct{} { return l.done }

// Dial places a call for tenant t to target, a SIP URI ("sip:agent@10.0.0.5:5070") or
// "account:NAME" (the newest live registration of that softphone account of t). from is the
// user put in the From URI (for example the caller's number); "" uses "lingxi".
//
// ctx bounds the whole leg: ringing (at most Config.DialTimeout, then CANCEL and ErrNoAnswer) and,
// once answered, the conversation (ctx done → BYE). A final refusal is a *RejectedError.
func (s *Server) Dial(ctx context.Context, t tenant.ID, target, from string) (*Leg, error) {
	if !s.track() {
		return nil, ErrNotServing
	}
	defer s.wg.Done()
	uri, err := s.resolveTarget(ctx, t, target)
	if err != nil {
		return nil, err
	}
	transport := "udp"
	if v, ok := uri.UriParams.Get("transport"); ok && v != "" {
		transport = strings.ToLower(v)
	}
	if strings.EqualFold(uri.Scheme, "sips") {
		transport = "tls"
	}
	if !s.Addr(transport).IsValid() {
		return nil, fmt.Errorf("sip: dial: transport %s is not served", transport)
	}
	conn, err := s.d.Ports.Listen()
	if err != nil {
		return nil, fmt.Errorf("sip: dial: rtp port: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = conn.Close()
		}
	}()
	offer := localSDP{
		addr:      s.cfg.Advertise,
		port:      conn.LocalAddr().(*net.UDPAddr).Port,
		sessID:    randomID(),
		version:   1,
		codecs:    []media.Codec{media.PCMU, media.PCMA},
		dtmf:      dtmfPT,
		direction: "sendrecv",
	}
	req := sip.NewRequest(sip.INVITE, uri)
	req.SetTransport(strings.ToUpper(transport))
	if from == "" || !validUser(from) {
		from = "lingxi"
	}
	fh := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: from, Host: s.cfg.Advertise.String()}, Params: sip.NewParams()}
	fh.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(fh)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(sip.NewHeader("User-Agent", s.cfg.UserAgent))
	req.AppendHeader(sip.NewHeader("Allow", allowed))
	req.SetBody(offer.render())
	ring, cancelRing := context.WithTimeout(ctx, s.cfg.DialTimeout)
	defer cancelRing()
	dlg, err := s.dialogUA(transport).WriteInvite(ring, req)
	if err != nil {
		return nil, fmt.Errorf("sip: dial: invite: %w", err)
	}
	if err := dlg.WaitAnswer(ring, sipgo.AnswerOptions{}); err != nil {
		var rej *sipgo.ErrDialogResponse
		switch {
		case errors.As(err, &rej):
			return nil, &RejectedError{Status: rej.Res.StatusCode, Reason: rej.Res.Reason}
		case ctx.Err() != nil:
			return nil, fmt.Errorf("sip: dial: %w", context.Cause(ctx))
		case ring.Err() != nil:
			return nil, ErrNoAnswer
		}
		return nil, fmt.Errorf("sip: dial: %w", err)
	}
	p, err := parseAnswer(dlg.InviteResponse.Body(), nil)
	if err := dlg.Ack(ctx); err != nil {
		return nil, fmt.Errorf("sip: dial: ack: %w", err)
	}
	if err != nil {
		byeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), byeTimeout)
		_ = dlg.Bye(byeCtx)
		cancel()
		return nil, fmt.Errorf("sip: dial: answer: %w", err)
	}
	callID := string(*req.CallID())
	theirs, _ := dlg.InviteResponse.To().Params.Get("tag")
	ours, _ := fh.Params.Get("tag")
	l := &Leg{
		ID:      callID,
		Tenant:  t,
		Target:  uri.String(),
		Conn:    conn,
		session: newSession(s, ctx, callID, offerPolicy{}),
		dialog:  dlg,
		id:      sip.DialogIDMake(callID, ours, theirs),
		done:    make(chan struct{}),
	}
	l.readRequest = dlg.ReadRequest
	offer.codecs, offer.dtmf, offer.direction = []media.Codec{p.Codec}, p.DTMFPayloadType, p.Direction
	l.params, l.local = p, offer
	l.answered.Store(true)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.end(SideEdge, "shutdown")
		byeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), byeTimeout)
		_ = dlg.Bye(byeCtx)
		cancel()
		return nil, ErrNotServing
	}
	s.legs[l.id] = l
	s.mu.Unlock()
	ok = true
	s.wg.Add(1)
	go s.runLeg(l)
	return l, nil
}

// runLeg waits for the leg to end and tears it down.
func (s *Server) runLeg(l *Leg) {
	defer s.wg.Done()
	<-l.ctx.Done()
	l.end(SideEdge, "context")
	if side, _ := l.Ended(); side != SideCallee {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(l.ctx), byeTimeout)
		if err := l.dialog.Bye(ctx); err != nil {
			s.log.Debug("sip leg bye", "leg", l.ID, "err", err)
		}
		cancel()
	}
	l.closeUpdates()
	_ = l.Conn.Close()
	s.mu.Lock()
	delete(s.legs, l.id)
	s.mu.Unlock()
	close(l.done)
}

// resolveTarget turns a dial target into a SIP URI.
func (s *Server) resolveTarget(ctx context.Context, t tenant.ID, target string) (sip.Uri, error) {
	var uri sip.Uri
	if name, ok := strings.CutPrefix(target, "account:"); ok {
		regs, err := s.d.Registrations.Lookup(ctx, t, name)
		if err != nil && !errors.Is(err, voicecfg.ErrNotFound) {
			return uri, fmt.Errorf("sip: dial: registrations: %w", err)
		}
		now := s.now()
		// Only bindings to an address, as REGISTER stores them (boundContact), are dialled: one
		// naming a host (stored by an older edge) would send the INVITE wherever DNS says.
		regs = slices.DeleteFunc(regs, func(r voicecfg.Registration) bool { return !r.Expires.After(now) || !boundToAddress(r.Contact) })
		if len(regs) == 0 {
			return uri, ErrNotRegistered
		}
		slices.SortFunc(regs, func(a, b voicecfg.Registration) int { return b.Expires.Compare(a.Expires) })
		target = regs[0].Contact
	}
	if err := sip.ParseUri(target, &uri); err != nil {
		return uri, fmt.Errorf("sip: dial: target: %w", err)
	}
	if s := strings.ToLower(uri.Scheme); (s != "sip" && s != "sips") || uri.Host == "" {
		return uri, fmt.Errorf("sip: dial: target is not a sip uri")
	}
	return uri, nil
}

// boundToAddress reports whether a registered contact names an IP address (not a host name) and
// no maddr.
func boundToAddress(contact string) bool {
	var u sip.Uri
	if err := sip.ParseUri(contact, &u); err != nil || u.UriParams.Has("maddr") || u.Port == 0 {
		return false
	}
	_, err := netip.ParseAddr(strings.Trim(u.Host, "[]"))
	return err == nil
}

// validUser reports whether v can be a SIP URI user as is (digits, letters, "+-_.").
func validUser(v string) bool {
	if len(v) > 64 {
		return false
	}
	for _, r := range v {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("+-_.", r)
		if !ok {
			return false
		}
	}
	return true
}
