package sip

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// agent is a phone that answers the edge's INVITEs as a sipgo dialog server.
type agent struct {
	*phone
	dialogs *sipgo.DialogServerCache
	calls   chan *sipgo.DialogServerSession
}

func newAgent(t *testing.T, e *testEdge, status int) *agent {
	return newAgentOn(t, e, status, "udp")
}

// newAgentOn is newAgent listening on network.
func newAgentOn(t *testing.T, e *testEdge, status int, network string) *agent {
	p := newPhone(t, network, nil)
	a := &agent{phone: p, calls: make(chan *sipgo.DialogServerSession, 4)}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "agent", Host: "127.0.0.1", Port: int(p.addr.Port())}}
	a.dialogs = sipgo.NewDialogServerCache(p.cli, contact)
	onAck := func(req *sip.Request, tx sip.ServerTransaction) { _ = a.dialogs.ReadAck(req, tx) }
	answer := func(req *sip.Request, tx sip.ServerTransaction) {
		d, err := a.dialogs.ReadInvite(req, tx)
		if err != nil {
			return
		}
		if status != 200 {
			_ = d.Respond(status, "Busy Here", nil)
			return
		}
		body := []byte("v=0\r\no=agent 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
			"m=audio 42000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")
		res := sip.NewSDPResponseFromRequest(d.InviteRequest, body)
		if err := d.WriteResponse(res); err != nil {
			return
		}
		a.calls <- d
	}
	p.setHooks(answer, onAck)
	return a
}

func registerAgent(t *testing.T, e *testEdge, a *agent) {
	err := e.regs.Put(context.Background(), voicecfg.Registration{
		Tenant: testTenant, Username: "alice", Contact: "sip:alice@" + a.addr.String(),
		Expires: time.Now().Add(time.Hour), Edge: "sip:lingxi@" + e.udp(),
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDialAnAgentWhoHangsUp(t *testing.T) {
	e := startEdge(t, nil)
	a := newAgent(t, e, 200)
	registerAgent(t, e, a)
	leg, err := e.srv.Dial(testCtx(t), testTenant, "account:alice", "+8613800000000")
	if err != nil {
		t.Fatal(err)
	}
	want := media.Params{Remote: netip.MustParseAddrPort("127.0.0.1:42000"), Codec: media.PCMA, DTMFPayloadType: 101, Direction: "sendrecv"}
	if leg.Params() != want {
		t.Fatalf("params = %+v", leg.Params())
	}
	d := <-a.calls
	if got := d.InviteRequest.From().Address.User; got != "+8613800000000" {
		t.Fatalf("from = %q", got)
	}
	if err := d.Bye(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	<-leg.Done()
	if side, cause := leg.Ended(); side != SideCallee || cause != "bye" {
		t.Fatalf("ended = %s %s", side, cause)
	}
}

func TestDialHangupFromTheEdge(t *testing.T) {
	e := startEdge(t, nil)
	a := newAgent(t, e, 200)
	registerAgent(t, e, a)
	e.srv.Drain() // calls in progress may still be transferred while the edge drains
	leg, err := e.srv.Dial(testCtx(t), testTenant, "sip:alice@"+a.addr.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	<-a.calls
	leg.Hangup("transfer_over")
	select {
	case <-a.byes:
	case <-time.After(10 * time.Second):
		t.Fatal("the agent got no BYE")
	}
	<-leg.Done()
	if side, cause := leg.Ended(); side != SideEdge || cause != "transfer_over" {
		t.Fatalf("ended = %s %s", side, cause)
	}
}

func TestDialFailures(t *testing.T) {
	e := startEdge(t, func(c *Config) { c.DialTimeout = 200 * time.Millisecond })
	if _, err := e.srv.Dial(testCtx(t), testTenant, "account:alice", ""); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("unregistered: %v", err)
	}
	busy := newAgent(t, e, 486)
	_, err := e.srv.Dial(testCtx(t), testTenant, "sip:alice@"+busy.addr.String(), "")
	var rej *RejectedError
	if !errors.As(err, &rej) || rej.Status != 486 {
		t.Fatalf("busy: %v", err)
	}
	if _, err := e.srv.Dial(testCtx(t), testTenant, "http://example", ""); err == nil {
		t.Fatal("dialled a non-SIP target")
	}
}

func TestDialedAgentHoldsTheCall(t *testing.T) {
	e := startEdge(t, nil)
	a := newAgent(t, e, 200)
	leg, err := e.srv.Dial(testCtx(t), testTenant, "sip:alice@"+a.addr.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	d := <-a.calls
	req := sip.NewRequest(sip.INVITE, d.InviteRequest.Contact().Address)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(offer("a=sendonly"))
	res, err := d.Do(testCtx(t), req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("re-INVITE: %v %v", res, err)
	}
	ack := sip.NewRequest(sip.ACK, d.InviteRequest.Contact().Address)
	if err := d.WriteRequest(ack); err != nil {
		t.Fatal(err)
	}
	if got := <-leg.Updates(); got.Direction != "recvonly" {
		t.Fatalf("direction = %s", got.Direction)
	}
	leg.Hangup("done")
	<-leg.Done()
}

// Regression (issue 9 review): Dial("account:NAME") dialled whatever Contact the softphone
// registered. An agent whose REGISTER names another party's address is dialled where it
// registered from, and a stored binding naming a host is not dialled at all.
func TestDialAnAccountWhereItRegisteredFrom(t *testing.T) {
	e := startEdge(t, nil)
	a := newAgent(t, e, 200)
	victim := newAgent(t, e, 200)
	c := sip.Uri{Scheme: "sip", User: "alice", Host: "127.0.0.1", Port: int(victim.addr.Port())}
	if res := a.register(t, e, "alice", testPassword, c, "300"); res.StatusCode != 200 {
		t.Fatalf("register: %v", res)
	}
	leg, err := e.srv.Dial(testCtx(t), testTenant, "account:alice", "")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-a.calls:
		_ = d.Bye(testCtx(t))
	case <-victim.calls:
		t.Fatal("the edge dialled the address the Contact named")
	}
	<-leg.Done()

	e.regs.mu.Lock()
	clear(e.regs.regs)
	e.regs.mu.Unlock()
	err = e.regs.Put(context.Background(), voicecfg.Registration{
		Tenant: testTenant, Username: "alice", Contact: "sip:alice@localhost:" + strconv.Itoa(int(victim.addr.Port())),
		Expires: time.Now().Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Dial(testCtx(t), testTenant, "account:alice", ""); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("dial of a host name binding: %v", err)
	}
}

// An agent that registered over TCP is dialled over the connection it registered on (its source
// is that connection's ephemeral port, which nothing else listens on).
func TestDialAnAccountRegisteredOverTCP(t *testing.T) {
	e := startEdge(t, nil)
	a := newAgentOn(t, e, 200, "tcp")
	c := sip.Uri{Scheme: "sip", User: "alice", Host: "127.0.0.1", Port: int(a.addr.Port()), UriParams: sip.HeaderParams{{K: "transport", V: "tcp"}}}
	if res := a.registerWith(t, e, a.cli, "tcp", "alice", testPassword, c, "300"); res.StatusCode != 200 {
		t.Fatalf("register: %v", res)
	}
	regs, _ := e.regs.Lookup(testCtx(t), testTenant, "alice")
	if len(regs) != 1 || !strings.HasSuffix(regs[0].Contact, ";transport=tcp") || strings.Contains(regs[0].Contact, a.addr.String()) {
		t.Fatalf("registrations = %+v (the agent listens on %s)", regs, a.addr)
	}
	leg, err := e.srv.Dial(testCtx(t), testTenant, "account:alice", "")
	if err != nil {
		t.Fatal(err)
	}
	d := <-a.calls
	_ = d.Bye(testCtx(t))
	<-leg.Done()
}
