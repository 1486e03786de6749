package sip

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/media-edge/media"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOptionsIsTheHealthCheck(t *testing.T) {
	e := startEdge(t, nil)
	for _, network := range []string{"udp", "tcp"} {
		p := newPhone(t, network, nil)
		res := p.request(testCtx(t), e, network, sip.OPTIONS, "")
		if res.StatusCode != 200 {
			t.Fatalf("%s OPTIONS: %d", network, res.StatusCode)
		}
		if a := res.GetHeader("Allow"); a == nil || !strings.Contains(a.Value(), "INVITE") {
			t.Fatalf("%s Allow: %v", network, a)
		}
		if a := res.GetHeader("Accept"); a == nil || a.Value() != "application/sdp" {
			t.Fatalf("%s Accept: %v", network, a)
		}
	}
	e.srv.Drain()
	p := newPhone(t, "udp", nil)
	res := p.request(testCtx(t), e, "udp", sip.OPTIONS, "")
	if res.StatusCode != 503 || res.GetHeader("Retry-After") == nil {
		t.Fatalf("OPTIONS while draining: %d", res.StatusCode)
	}
}

func TestAnsweredCallThenCallerBye(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			e := startEdge(t, nil)
			p := newPhone(t, network, nil)
			ctx := testCtx(t)
			d, err := p.invite(ctx, e, network, offer(), sipgo.AnswerOptions{})
			if err != nil {
				t.Fatalf("invite: %v", err)
			}
			c := e.calls.next(t)
			got := c.Params()
			want := media.Params{Remote: netip.MustParseAddrPort("127.0.0.1:40000"), Codec: media.PCMU, DTMFPayloadType: 101, Direction: "sendrecv"}
			if got != want {
				t.Fatalf("params = %+v, want %+v", got, want)
			}
			if c.Tenant != testTenant || c.To != testNumber || c.Trunk != "local" || c.Transport != network {
				t.Fatalf("call = %+v", c)
			}
			ans := string(d.InviteResponse.Body())
			port := c.Conn.LocalAddr().String()[strings.LastIndex(c.Conn.LocalAddr().String(), ":")+1:]
			for _, w := range []string{"m=audio " + port + " RTP/AVP 0 101", "c=IN IP4 127.0.0.1", "a=ptime:20", "a=sendrecv", "a=rtpmap:101 telephone-event/8000"} {
				if !strings.Contains(ans, w) {
					t.Fatalf("answer lacks %q:\n%s", w, ans)
				}
			}
			if e.srv.Active() != 1 {
				t.Fatalf("active = %d", e.srv.Active())
			}
			if err := d.Bye(ctx); err != nil {
				t.Fatalf("bye: %v", err)
			}
			<-c.Context().Done()
			if side, cause := c.Ended(); side != SideCaller || cause != "bye" {
				t.Fatalf("ended = %s %s", side, cause)
			}
			eventually(t, "no call active", func() bool { return e.srv.Active() == 0 })
		})
	}
}

func TestEdgeHangsUp(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			e := startEdge(t, nil)
			e.calls.serve = func(ctx context.Context, c *Call) { c.Hangup("done") }
			p := newPhone(t, network, nil)
			if _, err := p.invite(testCtx(t), e, network, offer(), sipgo.AnswerOptions{}); err != nil {
				t.Fatal(err)
			}
			c := e.calls.next(t)
			select {
			case <-p.byes:
			case <-time.After(10 * time.Second):
				t.Fatal("no BYE from the edge")
			}
			if side, cause := c.Ended(); side != SideEdge || cause != "done" {
				t.Fatalf("ended = %s %s", side, cause)
			}
		})
	}
}

func TestHandlerReturningEndsTheCall(t *testing.T) {
	e := startEdge(t, nil)
	e.calls.serve = func(ctx context.Context, c *Call) {}
	p := newPhone(t, "udp", nil)
	if _, err := p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	c := e.calls.next(t)
	<-p.byes
	if side, cause := c.Ended(); side != SideEdge || cause != "completed" {
		t.Fatalf("ended = %s %s", side, cause)
	}
}

func TestRTPInactivityHangsUp(t *testing.T) {
	e := startEdge(t, func(c *Config) { c.RTPInactivity = 100 * time.Millisecond })
	p := newPhone(t, "udp", nil)
	if _, err := p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	c := e.calls.next(t)
	<-p.byes
	if side, cause := c.Ended(); side != SideTimeout || cause != "rtp_timeout" {
		t.Fatalf("ended = %s %s", side, cause)
	}
}

func TestCancelBeforeAnswer(t *testing.T) {
	e := startEdge(t, func(c *Config) { c.AnswerDelay = time.Minute })
	p := newPhone(t, "udp", nil)
	ctx, cancel := context.WithCancel(testCtx(t))
	ringing := make(chan struct{})
	uri := sip.Uri{Scheme: "sip", User: testNumber, Host: "127.0.0.1", Port: int(e.srv.Addr("udp").Port())}
	d, err := p.dialogs.Invite(testCtx(t), uri, offer(), sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	var once bool
	err = d.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
		if res.StatusCode == 180 && !once {
			once = true
			close(ringing)
			cancel()
		}
		return nil
	}})
	if err == nil {
		t.Fatal("answered despite CANCEL")
	}
	select {
	case <-ringing:
	default:
		t.Fatal("never rang")
	}
	if d.InviteResponse == nil || d.InviteResponse.StatusCode != 487 {
		t.Fatalf("final answer = %v", d.InviteResponse)
	}
	eventually(t, "no call active", func() bool { return e.srv.Active() == 0 })
}

func TestReinviteHoldAndResume(t *testing.T) {
	e := startEdge(t, nil)
	p := newPhone(t, "udp", nil)
	ctx := testCtx(t)
	d, err := p.invite(ctx, e, "udp", offer(), sipgo.AnswerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := e.calls.next(t)
	for _, step := range []struct{ offered, answered, direction string }{
		{"a=sendonly", "a=recvonly", "recvonly"},
		{"a=inactive", "a=inactive", "inactive"},
		{"a=sendrecv", "a=sendrecv", "sendrecv"},
	} {
		req := sip.NewRequest(sip.INVITE, d.InviteResponse.Contact().Address)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(offer(step.offered))
		res, err := d.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 || !strings.Contains(string(res.Body()), step.answered) {
			t.Fatalf("%s: %d\n%s", step.offered, res.StatusCode, res.Body())
		}
		ack := sip.NewRequest(sip.ACK, d.InviteResponse.Contact().Address)
		if err := d.WriteRequest(ack); err != nil {
			t.Fatal(err)
		}
		got := <-c.Updates()
		if got.Direction != step.direction {
			t.Fatalf("%s: direction %s", step.offered, got.Direction)
		}
	}
	if err := d.Bye(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOfferlessInviteTakesTheAnswerFromTheACK(t *testing.T) {
	e := startEdge(t, nil)
	p := newPhone(t, "udp", nil)
	ctx := testCtx(t)
	uri := sip.Uri{Scheme: "sip", User: testNumber, Host: "127.0.0.1", Port: int(e.srv.Addr("udp").Port())}
	d, err := p.dialogs.Invite(ctx, uri, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	if o := string(d.InviteResponse.Body()); !strings.Contains(o, "RTP/AVP 0 8 101") {
		t.Fatalf("offer:\n%s", o)
	}
	ack := sip.NewRequest(sip.ACK, d.InviteResponse.Contact().Address)
	ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	ack.SetBody([]byte("v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"))
	if err := d.WriteAck(ctx, ack); err != nil {
		t.Fatal(err)
	}
	c := e.calls.next(t)
	want := media.Params{Remote: netip.MustParseAddrPort("127.0.0.1:40002"), Codec: media.PCMA, DTMFPayloadType: 101, Direction: "sendrecv"}
	if c.Params() != want {
		t.Fatalf("params = %+v", c.Params())
	}
	_ = d.Bye(ctx)
}
