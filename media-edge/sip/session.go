package sip

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/media-edge/media"
)

// session is what a call and a dialled leg share: the media negotiated in their dialog, later
// offers within it (re-INVITE, UPDATE), and how the dialog ended.
type session struct {
	srv    *Server
	label  string // the Call-ID, for logs
	policy offerPolicy
	ctx    context.Context
	cancel context.CancelCauseFunc
	// readRequest checks an in-dialog request's CSeq (the sipgo dialog's ReadRequest).
	readRequest func(*sip.Request, sip.ServerTransaction) error
	// onDirection, when set, is told of each change of direction (the call's inactivity timer).
	onDirection func()

	answered atomic.Bool
	offer    sync.Mutex // one offer/answer exchange at a time

	mu      sync.Mutex
	params  media.Params
	local   localSDP
	updates chan media.Params
	closed  bool
	side    string
	cause   string
	// The newest ACK of a re-INVITE's 2xx, and a channel closed (and replaced) on each ACK.
	ackSeq uint32
	ackReq *sip.Request
	acked  chan struct{}
}

func newSession(s *Server, parent context.Context, label string, pol offerPolicy) *session {
	ctx, cancel := context.WithCancelCause(parent)
	return &session{
		srv:     s,
		label:   label,
		policy:  pol,
		ctx:     ctx,
		cancel:  cancel,
		updates: make(chan media.Params, 1),
		acked:   make(chan struct{}),
	}
}

// Params is the currently negotiated media.
func (ss *session) Params() media.Params {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.params
}

// Updates delivers the media of each later offer/answer in the dialog (re-INVITE or UPDATE: hold,
// resume, a new remote address). Only the latest unread value is kept; the channel is closed when
// the dialog ends.
func (ss *session) Updates() <-chan media.Params { return ss.updates }

// Ended reports who ended the dialog and why, once it is over (empty before).
func (ss *session) Ended() (side, cause string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.side, ss.cause
}

// end ends the dialog once; the first side and cause stay.
func (ss *session) end(side, cause string) bool {
	ss.mu.Lock()
	if ss.side != "" {
		ss.mu.Unlock()
		return false
	}
	ss.side, ss.cause = side, cause
	ss.mu.Unlock()
	ss.cancel(errors.New(side + ": " + cause))
	return true
}

// setMedia makes p and l current and publishes p on Updates.
func (ss *session) setMedia(p media.Params, l localSDP) {
	ss.mu.Lock()
	turned := ss.params.Direction != p.Direction
	ss.params, ss.local = p, l
	if !ss.closed {
		select {
		case <-ss.updates:
		default:
		}
		ss.updates <- p
	}
	ss.mu.Unlock()
	if turned && ss.onDirection != nil {
		ss.onDirection()
	}
}

// closeUpdates closes Updates once.
func (ss *session) closeUpdates() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.closed {
		ss.closed = true
		close(ss.updates)
	}
}

// takeAck hands an ACK of a re-INVITE's 2xx to the exchanges waiting for it.
func (ss *session) takeAck(req *sip.Request) {
	cs := req.CSeq()
	if cs == nil {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if cs.SeqNo > ss.ackSeq {
		ss.ackSeq, ss.ackReq = cs.SeqNo, req
	}
	close(ss.acked)
	ss.acked = make(chan struct{})
}

// reinvite answers an INVITE within the dialog.
func (ss *session) reinvite(req *sip.Request, tx sip.ServerTransaction) {
	s := ss.srv
	if !ss.answered.Load() {
		s.respond(tx, req, 491, "Request Pending", nil)
		return
	}
	if !ss.offer.TryLock() {
		s.respond(tx, req, 500, "Server Internal Error", nil, retryAfter(time.Second))
		return
	}
	locked := true
	defer func() {
		if locked {
			ss.offer.Unlock()
		}
	}()
	if err := ss.readRequest(req, tx); err != nil {
		s.respond(tx, req, 500, "Server Internal Error", nil, sip.NewHeader("Warning", `399 lingxi "CSeq out of order"`))
		return
	}
	if len(req.Body()) == 0 {
		// An offerless re-INVITE (a session refresh): offer the current media; the answer
		// comes in the ACK.
		ss.mu.Lock()
		l, cur := ss.local, ss.params
		ss.mu.Unlock()
		res := ss.okSDP(req, l.render())
		if err := tx.Respond(res); err != nil {
			return
		}
		a := ss.waitAck(req, tx, res)
		if a == nil || len(a.Body()) == 0 {
			return
		}
		p, err := parseAnswer(a.Body(), cur.SRTP)
		if err != nil {
			s.log.Info("sip re-invite answer refused", "call", ss.label, "err", err)
			return
		}
		p.SRTP = cur.SRTP
		l.direction = p.Direction
		ss.setMedia(p, l)
		return
	}
	if code, reason, ok := sdpBody(req); !ok {
		s.respond(tx, req, code, reason, nil, sip.NewHeader("Accept", "application/sdp"))
		return
	}
	p, l, err := ss.answer(req.Body())
	if err != nil {
		code, reason := sdpStatus(err)
		s.log.Info("sip re-invite offer refused", "call", ss.label, "err", err)
		s.respond(tx, req, code, reason, nil, sip.NewHeader("Warning", `305 lingxi "Incompatible media format"`))
		return
	}
	res := ss.okSDP(req, l.render())
	if err := tx.Respond(res); err != nil {
		return
	}
	ss.setMedia(p, l)
	// The exchange is complete with the answer sent: a later re-INVITE may come before this
	// ACK (RFC 3261 14.2).
	ss.offer.Unlock()
	locked = false
	ss.waitAck(req, tx, res)
}

// update answers an UPDATE (RFC 3311): an offer answered at once, or a refresh without a body.
func (ss *session) update(req *sip.Request, tx sip.ServerTransaction) {
	s := ss.srv
	if len(req.Body()) == 0 {
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		ss.decorate(res, req)
		_ = tx.Respond(res)
		return
	}
	if !ss.answered.Load() || !ss.offer.TryLock() {
		s.respond(tx, req, 491, "Request Pending", nil)
		return
	}
	defer ss.offer.Unlock()
	if err := ss.readRequest(req, tx); err != nil {
		s.respond(tx, req, 500, "Server Internal Error", nil, sip.NewHeader("Warning", `399 lingxi "CSeq out of order"`))
		return
	}
	if code, reason, ok := sdpBody(req); !ok {
		s.respond(tx, req, code, reason, nil, sip.NewHeader("Accept", "application/sdp"))
		return
	}
	p, l, err := ss.answer(req.Body())
	if err != nil {
		code, reason := sdpStatus(err)
		s.respond(tx, req, code, reason, nil, sip.NewHeader("Warning", `305 lingxi "Incompatible media format"`))
		return
	}
	if err := tx.Respond(ss.okSDP(req, l.render())); err != nil {
		return
	}
	ss.setMedia(p, l)
}

// answer negotiates a new offer within the dialog. The edge keeps its SRTP key while the stream
// stays SRTP with the same suite.
func (ss *session) answer(body []byte) (media.Params, localSDP, error) {
	ans, err := answerOffer(body, ss.policy)
	if err != nil {
		return media.Params{}, localSDP{}, err
	}
	ss.mu.Lock()
	l, cur := ss.local, ss.params
	ss.mu.Unlock()
	p := ans.params
	if p.SRTP != nil && cur.SRTP != nil && cur.SRTP.Suite == p.SRTP.Suite {
		p.SRTP.Local = cur.SRTP.Local
	}
	l.version++
	l.codecs = []media.Codec{p.Codec}
	l.dtmf = p.DTMFPayloadType
	l.direction = p.Direction
	l.srtp, l.cryptoTag = p.SRTP, ans.cryptoTag
	l.others, l.chosen = ans.media, ans.chosen
	return p, l, nil
}

// okSDP is a 200 carrying an SDP body.
func (ss *session) okSDP(req *sip.Request, body []byte) *sip.Response {
	res := sip.NewResponseFromRequest(req, 200, "OK", body)
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	ss.decorate(res, req)
	return res
}

func (ss *session) decorate(res *sip.Response, req *sip.Request) {
	ct := ss.srv.contact(req.Transport())
	res.AppendHeader(&ct)
	res.AppendHeader(sip.NewHeader("Server", ss.srv.cfg.UserAgent))
}

// waitAck retransmits a re-INVITE's 2xx (over UDP) until its ACK arrives, and returns that ACK
// (nil when a later ACK superseded it or the dialog ended); without any the dialog ends
// ("timeout", "no_ack").
func (ss *session) waitAck(req *sip.Request, tx sip.ServerTransaction, res *sip.Response) *sip.Request {
	want := req.CSeq().SeqNo
	deadline := time.NewTimer(64 * sip.T1)
	defer deadline.Stop()
	interval := sip.T1
	retransmit := time.NewTimer(interval)
	defer retransmit.Stop()
	reliable := sip.IsReliable(req.Transport())
	for {
		ss.mu.Lock()
		seq, ack, acked := ss.ackSeq, ss.ackReq, ss.acked
		ss.mu.Unlock()
		if seq >= want {
			if seq == want {
				return ack
			}
			return nil
		}
		select {
		case <-acked:
		case <-retransmit.C:
			if !reliable {
				if err := tx.Respond(res); err != nil {
					_ = ss.srv.srv.WriteResponse(res)
				}
			}
			interval = min(2*interval, sip.T2)
			retransmit.Reset(interval)
		case <-deadline.C:
			ss.end(SideTimeout, "no_ack")
			return nil
		case <-ss.ctx.Done():
			return nil
		}
	}
}

// sdpBody checks that a request's body is SDP (415 otherwise).
func sdpBody(req *sip.Request) (int, string, bool) {
	ct := req.ContentType()
	if ct == nil {
		return 415, "Unsupported Media Type", false
	}
	mt, _, _ := strings.Cut(ct.Value(), ";")
	if !strings.EqualFold(strings.TrimSpace(mt), "application/sdp") {
		return 415, "Unsupported Media Type", false
	}
	if ce := req.GetHeader("Content-Encoding"); ce != nil && !strings.EqualFold(strings.TrimSpace(ce.Value()), "identity") {
		return 415, "Unsupported Media Type", false
	}
	return 0, "", true
}
