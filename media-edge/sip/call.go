package sip

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// Sides of a hangup, as Call.Ended and Leg.Ended report them.
const (
	SideCaller  = "caller"  // the caller sent BYE or CANCEL
	SideCallee  = "callee"  // a dialled leg's far end sent BYE
	SideEdge    = "edge"    // Hangup, the handler returned, the leg's context ended, shutdown
	SideTimeout = "timeout" // no RTP (cause "rtp_timeout") or no ACK (cause "no_ack")
)

// Call is an answered incoming call: one SIP dialog and its RTP socket. Params, Updates and
// Ended come from the dialog's session.
type Call struct {
	// ID is the SIP Call-ID (validated: 1–128 visible ASCII characters).
	ID     string
	Tenant tenant.ID
	// Number is the dialled number's configuration.
	Number voicecfg.Number
	// From is the caller's From user (personal data); To is the dialled number in E.164.
	From, To string
	// Source is where the INVITE came from; Transport is "udp", "tcp" or "tls".
	Source    netip.AddrPort
	Transport string
	// Trunk names the trunk the call came through; Account the softphone account when it came
	// from an agent (one of the two is set).
	Trunk, Account string
	// InvitedAt is when the INVITE was received (the call's setup time runs from it to the
	// answer, when ServeCall starts).
	InvitedAt time.Time
	// Conn is the call's RTP socket from Ports; the server closes it after ServeCall returned.
	Conn *net.UDPConn

	*session
	dialog  *sipgo.DialogServerSession
	id      string // dialog id
	lastRTP atomic.Int64
	ackBody atomic.Pointer[[]byte]
	idle    *time.Timer // guarded by session.mu
}

// Hangup ends the call from the edge: the server sends BYE and Ended reports ("edge", cause).
func (c *Call) Hangup(cause string) { c.end(SideEdge, cause) }

// Touch records that RTP arrived; the media side calls it for every received packet.
func (c *Call) Touch() { c.lastRTP.Store(time.Now().UnixNano()) }

// Context is the call's lifetime (the one ServeCall gets).
func (c *Call) Context() context.Context { return c.ctx }

// startIdle arms the RTP inactivity timer.
func (c *Call) startIdle() {
	d := c.srv.cfg.RTPInactivity
	if d <= 0 {
		return
	}
	c.Touch()
	c.mu.Lock()
	c.idle = time.AfterFunc(d, c.checkIdle)
	c.mu.Unlock()
}

// checkIdle ends a call that received no RTP for RTPInactivity, unless the peer sends nothing by
// agreement (the edge's direction is sendonly or inactive).
func (c *Call) checkIdle() {
	if c.ctx.Err() != nil {
		return
	}
	d := c.srv.cfg.RTPInactivity
	now := time.Now()
	c.mu.Lock()
	if c.params.Direction == "sendonly" || c.params.Direction == "inactive" {
		c.lastRTP.Store(now.UnixNano())
		c.idle.Reset(d)
		c.mu.Unlock()
		return
	}
	quiet := now.Sub(time.Unix(0, c.lastRTP.Load()))
	if quiet < d {
		c.idle.Reset(d - quiet)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.end(SideTimeout, "rtp_timeout")
}

// stopIdle stops the inactivity timer.
func (c *Call) stopIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idle != nil {
		c.idle.Stop()
	}
}

// ack takes an ACK of the dialog: the initial 2xx's confirms the dialog, a re-INVITE's goes to
// the exchange waiting for it.
func (c *Call) ack(req *sip.Request, tx sip.ServerTransaction) {
	cseq := req.CSeq()
	if cseq == nil {
		return
	}
	if cseq.SeqNo == c.dialog.InviteRequest.CSeq().SeqNo && !c.answered.Load() {
		b := req.Body()
		c.ackBody.Store(&b)
		_ = c.dialog.ReadAck(req, tx)
		return
	}
	c.takeAck(req)
}
