package sip

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"net"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/media-edge/media"
)

// lookupTimeout bounds the directory lookups of one INVITE or REGISTER.
const lookupTimeout = 5 * time.Second

// handleInvite answers an INVITE: a new call, or an offer within a call's dialog.
func (s *Server) handleInvite(req *sip.Request, tx sip.ServerTransaction) {
	invited := s.now()
	if to := req.To(); to != nil && to.Params.Has("tag") {
		switch c, l := s.lookupDialog(req); {
		case c != nil:
			c.reinvite(req, tx)
		case l != nil:
			l.reinvite(req, tx)
		default:
			s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
		}
		return
	}
	if !s.track() {
		s.respond(tx, req, 503, "Service Unavailable", nil, retryAfter(time.Minute))
		return
	}
	defer s.wg.Done()
	src := source(req)
	switch {
	case s.draining.Load():
		s.respond(tx, req, 503, "Service Unavailable", nil, retryAfter(time.Minute))
		s.rejectedBeforeLookup(req, src, ReasonDraining, 503)
		return
	case s.cfg.MaxCalls > 0 && s.Active() >= s.cfg.MaxCalls:
		s.respond(tx, req, 503, "Service Unavailable", nil, retryAfter(5*time.Second))
		return
	case s.block.blocked(src.Addr(), s.now()):
		s.log.Debug("sip invite from a blocked source", "source", src.Addr())
		s.respond(tx, req, 403, "Forbidden", nil)
		if s.block.report(src.Addr()) {
			s.rejectedBeforeLookup(req, src, ReasonBlocked, 403)
		}
		return
	}
	s.respond(tx, req, 100, "Trying", nil)
	body := req.Body()
	if len(body) > 0 {
		if code, reason, ok := sdpBody(req); !ok {
			s.respond(tx, req, code, reason, nil, sip.NewHeader("Accept", "application/sdp"), sip.NewHeader("Accept-Encoding", "identity"))
			return
		}
	}
	ctx, cancel := context.WithTimeout(s.serveCtx(), lookupTimeout)
	adm, ok := s.authorizeInvite(ctx, req, tx, src)
	cancel()
	if !ok {
		return
	}
	pol := offerPolicy{requireSRTP: adm.trunk != nil && adm.trunk.SRTP}
	var ans sdpAnswer
	if len(body) > 0 {
		var err error
		ans, err = answerOffer(body, pol)
		if err != nil {
			code, reason := sdpStatus(err)
			s.log.Info("sip offer refused", "tenant", adm.number.Tenant, "status", code, "err", err)
			if code == 488 {
				s.rejected(s.serveCtx(), req, adm.number.Tenant, adm.number.E164, src, ReasonMediaNotAcceptable, code)
			}
			s.respond(tx, req, code, reason, nil, sip.NewHeader("Warning", `305 lingxi "Incompatible media format"`))
			return
		}
	}
	dlg, err := s.dialogUA(req.Transport()).ReadInvite(req, tx)
	if err != nil {
		if tx.Err() == nil {
			s.respond(tx, req, 400, "Bad Request", nil, sip.NewHeader("Warning", `399 lingxi "no Contact"`))
		}
		return
	}
	c := &Call{
		ID:        string(*req.CallID()),
		Tenant:    adm.number.Tenant,
		Number:    adm.number,
		From:      fromUser(req),
		To:        adm.number.E164,
		Source:    src,
		Transport: strings.ToLower(req.Transport()),
		Account:   adm.account,
		InvitedAt: invited,
		session:   newSession(s, s.serveCtx(), string(*req.CallID()), pol),
		dialog:    dlg,
		id:        dlg.ID,
	}
	c.readRequest = dlg.ReadRequest
	c.onDirection = c.Touch
	if adm.trunk != nil {
		c.Trunk = adm.trunk.Name
	}
	s.mu.Lock()
	s.calls[c.id] = c
	s.mu.Unlock()
	s.active.Add(1)
	handedOver := false
	defer func() {
		if !handedOver {
			s.release(c)
		}
	}()
	log := s.log.With("call", c.ID, "tenant", c.Tenant)

	if err := dlg.Respond(180, "Ringing", nil, sip.NewHeader("Server", s.cfg.UserAgent)); err != nil {
		c.end(SideCaller, "cancel")
		return
	}
	var ring <-chan time.Time
	if s.cfg.AnswerDelay > 0 {
		t := time.NewTimer(s.cfg.AnswerDelay)
		defer t.Stop()
		ring = t.C
	} else {
		ready := make(chan time.Time)
		close(ready)
		ring = ready
	}
	select {
	case <-ring:
	case <-dlg.Context().Done():
		c.end(SideCaller, "cancel")
		log.Info("sip call cancelled before answer")
		return
	case <-c.ctx.Done():
		_ = dlg.Respond(503, "Service Unavailable", nil, retryAfter(time.Minute))
		return
	}
	if dlg.Context().Err() != nil {
		c.end(SideCaller, "cancel")
		return
	}
	conn, err := s.d.Ports.Listen()
	if err != nil {
		log.Error("sip rtp port", "err", err)
		c.end(SideEdge, "no_rtp_port")
		_ = dlg.Respond(503, "Service Unavailable", nil, retryAfter(5*time.Second))
		return
	}
	c.Conn = conn
	l := localSDP{
		addr:    s.cfg.Advertise,
		port:    conn.LocalAddr().(*net.UDPAddr).Port,
		sessID:  randomID(),
		version: 1,
	}
	if len(body) > 0 {
		p := ans.params
		l.codecs, l.dtmf, l.direction = []media.Codec{p.Codec}, p.DTMFPayloadType, p.Direction
		l.srtp, l.cryptoTag, l.others, l.chosen = p.SRTP, ans.cryptoTag, ans.media, ans.chosen
	} else {
		l.codecs, l.dtmf, l.direction = []media.Codec{media.PCMU, media.PCMA}, dtmfPT, "sendrecv"
		if pol.requireSRTP {
			key, err := freshKey()
			if err != nil {
				c.end(SideEdge, "srtp_key")
				_ = dlg.Respond(500, "Server Internal Error", nil)
				return
			}
			l.srtp, l.cryptoTag = &media.SDES{Suite: suite80, Local: key}, "1"
		}
	}
	res := sip.NewSDPResponseFromRequest(dlg.InviteRequest, l.render())
	res.AppendHeader(sip.NewHeader("Server", s.cfg.UserAgent))
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	if err := dlg.WriteResponse(res); err != nil {
		if c.end(SideTimeout, "no_ack") {
			log.Info("sip call got no ACK", "err", err)
			s.bye(c)
		}
		return
	}
	p := ans.params
	if len(body) == 0 {
		var ack []byte
		if b := c.ackBody.Load(); b != nil {
			ack = *b
		}
		p, err = parseAnswer(ack, l.srtp)
		if err != nil {
			log.Info("sip answer in ACK refused", "err", err)
			if c.end(SideEdge, "bad_sdp") {
				s.bye(c)
			}
			return
		}
		l.codecs, l.dtmf, l.direction = []media.Codec{p.Codec}, p.DTMFPayloadType, p.Direction
	}
	c.mu.Lock()
	c.params, c.local = p, l
	c.mu.Unlock()
	c.answered.Store(true)
	handedOver = true
	s.wg.Add(1)
	go s.runCall(c)
}

// runCall runs the handler of an answered call and ends the dialog after it.
func (s *Server) runCall(c *Call) {
	defer s.wg.Done()
	defer s.release(c)
	c.startIdle()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("sip call handler panicked", "call", c.ID, "panic", r)
			}
		}()
		s.d.Calls.ServeCall(c.ctx, c)
	}()
	select {
	case <-c.ctx.Done():
		// Done without a side: Serve's context ended.
		c.end(SideEdge, "shutdown")
	case <-done:
		c.end(SideEdge, "completed")
	}
	if side, _ := c.Ended(); side != SideCaller {
		s.bye(c)
	}
	<-done
}

// bye ends the dialog from the edge.
func (s *Server) bye(c *Call) {
	side, cause := c.Ended()
	s.log.Debug("sip bye", "call", c.ID, "side", side, "cause", cause, "state", c.dialog.LoadState().String())
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), byeTimeout)
	defer cancel()
	if err := c.dialog.Bye(ctx); err != nil {
		s.log.Debug("sip bye", "call", c.ID, "err", err)
	}
}

// release forgets a call: its dialog, its socket, its count.
func (s *Server) release(c *Call) {
	c.end(SideEdge, "released")
	c.stopIdle()
	c.closeUpdates()
	if c.Conn != nil {
		_ = c.Conn.Close()
	}
	s.mu.Lock()
	delete(s.calls, c.id)
	s.mu.Unlock()
	s.active.Add(-1)
}

// serveCtx is Serve's context.
func (s *Server) serveCtx() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

func randomID() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) >> 2
}

func freshKey() ([]byte, error) {
	k := make([]byte, sdesKeyLen)
	_, err := rand.Read(k)
	return k, err
}
