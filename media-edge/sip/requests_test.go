package sip

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

func TestInviteRefusals(t *testing.T) {
	e := startEdge(t, nil)
	tests := map[string]struct {
		body []byte
		hdrs []sip.Header
		want int
	}{
		"unsupported Require": {body: offer(), hdrs: []sip.Header{sip.NewHeader("Require", "100rel")}, want: 420},
		"not SDP":             {body: []byte("hello"), hdrs: []sip.Header{sip.NewHeader("Content-Type", "text/plain")}, want: 415},
		"malformed SDP":       {body: []byte("v=0\r\nthis is not sdp\r\n"), want: 400},
		"no acceptable codec": {body: []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n"), want: 488},
		"SRTP offered to a plain trunk still works": {body: savpOffer(), want: 200},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newPhone(t, "udp", nil)
			hdrs := tc.hdrs
			if len(hdrs) == 0 || hdrs[0].Name() == "Require" {
				hdrs = append(hdrs, sip.NewHeader("Content-Type", "application/sdp"))
			}
			uri := sip.Uri{Scheme: "sip", User: testNumber, Host: "127.0.0.1", Port: int(e.srv.Addr("udp").Port())}
			d, err := p.dialogs.Invite(testCtx(t), uri, tc.body, hdrs...)
			if err != nil {
				t.Fatal(err)
			}
			err = d.WaitAnswer(testCtx(t), sipgo.AnswerOptions{})
			if got := status(t, err); got != tc.want {
				t.Fatalf("status = %d, want %d", got, tc.want)
			}
			if tc.want == 420 && !strings.Contains(d.InviteResponse.GetHeader("Unsupported").Value(), "100rel") {
				t.Fatalf("no Unsupported header: %v", d.InviteResponse)
			}
			if tc.want == 200 {
				_ = d.Ack(testCtx(t))
				e.calls.next(t)
				_ = d.Bye(testCtx(t))
			}
			// Regression (issue 9 review): a 488 to a known number emitted no event.
			if tc.want == 488 {
				e.events.waitFor(t, ReasonMediaNotAcceptable, 488)
			}
		})
	}
}

func TestUnsupportedMethods(t *testing.T) {
	e := startEdge(t, nil)
	p := newPhone(t, "udp", nil)
	if res := p.request(testCtx(t), e, "udp", sip.MESSAGE, "x"); res.StatusCode != 405 || res.GetHeader("Allow") == nil {
		t.Fatalf("MESSAGE: %d", res.StatusCode)
	}
	if res := p.request(testCtx(t), e, "udp", sip.RequestMethod("FROB"), "x"); res.StatusCode != 501 {
		t.Fatalf("FROB: %d", res.StatusCode)
	}
	if res := p.request(testCtx(t), e, "udp", sip.BYE, "x"); res.StatusCode != 481 {
		t.Fatalf("stray BYE: %d", res.StatusCode)
	}
}

func TestDrainKeepsCallsAndRefusesNewOnes(t *testing.T) {
	e := startEdge(t, nil)
	p := newPhone(t, "udp", nil)
	d, err := p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := e.calls.next(t)
	e.srv.Drain()
	_, err = p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{})
	if got := status(t, err); got != 503 {
		t.Fatalf("new call while draining: %d", got)
	}
	// Regression (issue 9 review): a 503 while draining emitted no event.
	e.events.waitFor(t, ReasonDraining, 503)
	if e.srv.Active() != 1 || c.Context().Err() != nil {
		t.Fatal("the call in progress did not go on")
	}
	if err := d.Bye(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "drained", func() bool { return e.srv.Active() == 0 })
}

func TestShutdownHangsUpCalls(t *testing.T) {
	dir, regs, h := newDirectory(), newRegistrations(), newCalls()
	srv, err := NewServer(Config{UDP: "127.0.0.1:0", Advertise: netip.MustParseAddr("127.0.0.1")},
		Deps{Directory: dir, Registrations: regs, Ports: loopbackPorts{}, Calls: h, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func() { close(ready) }) }()
	<-ready
	e := &testEdge{srv: srv, dir: dir, regs: regs, calls: h}
	p := newPhone(t, "udp", nil)
	if _, err := p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	c := h.next(t)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-p.byes
	if side, cause := c.Ended(); side != SideEdge || cause != "shutdown" {
		t.Fatalf("ended = %s %s", side, cause)
	}
}

// savpOffer offers SRTP with one AES_CM_128_HMAC_SHA1_80 key.
func savpOffer() []byte {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 30))
	return []byte("v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=audio 40000 RTP/SAVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n" +
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "\r\n")
}

func TestSRTPTrunk(t *testing.T) {
	e := startEdge(t, nil)
	e.dir.setTrunks(voicecfg.Trunk{Tenant: testTenant, Name: "secure", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, SRTP: true})
	p := newPhone(t, "udp", nil)
	_, err := p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{})
	if got := status(t, err); got != 488 {
		t.Fatalf("plain offer to an SRTP trunk: %d", got)
	}
	d, err := p.invite(testCtx(t), e, "udp", savpOffer(), sipgo.AnswerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := e.calls.next(t)
	sd := c.Params().SRTP
	if sd == nil || sd.Suite != suite80 || !bytes.Equal(sd.Remote, bytes.Repeat([]byte{7}, 30)) || len(sd.Local) != 30 {
		t.Fatalf("srtp = %+v", sd)
	}
	ans := string(d.InviteResponse.Body())
	if !strings.Contains(ans, "RTP/SAVP 8 101") || !strings.Contains(ans, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+base64.StdEncoding.EncodeToString(sd.Local)) {
		t.Fatalf("answer:\n%s", ans)
	}
	if c.Params().Codec != media.PCMA {
		t.Fatalf("codec = %d", c.Params().Codec)
	}
	_ = d.Bye(testCtx(t))
}

func TestRegister(t *testing.T) {
	e := startEdge(t, nil)
	p := newPhone(t, "udp", nil)
	ctx := testCtx(t)
	register := func(user, password, expires string) *sip.Response {
		contact := sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: int(p.addr.Port())}
		return p.register(t, e, user, password, contact, expires)
	}
	if res := register("alice", testPassword, "300"); res.StatusCode != 200 || res.Contact() == nil {
		t.Fatalf("register: %v", res)
	}
	regs, _ := e.regs.Lookup(ctx, testTenant, "alice")
	if len(regs) != 1 || regs[0].Edge != "sip:lingxi@"+e.udp() || !strings.Contains(regs[0].Contact, p.addr.String()) {
		t.Fatalf("registrations = %+v", regs)
	}
	if left := time.Until(regs[0].Expires); left < 250*time.Second || left > 300*time.Second {
		t.Fatalf("expires in %v", left)
	}
	if res := register("alice", testPassword, "30"); res.StatusCode != 423 || res.GetHeader("Min-Expires").Value() != "60" {
		t.Fatalf("brief interval: %v", res)
	}
	if res := register("alice", "wrong", "300"); res.StatusCode != 403 {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	if res := register("bob", "x", "300"); res.StatusCode != 403 {
		t.Fatalf("unknown account: %d", res.StatusCode)
	}
	if res := register("alice", testPassword, "0"); res.StatusCode != 200 {
		t.Fatalf("unregister: %d", res.StatusCode)
	}
	if regs, _ := e.regs.Lookup(ctx, testTenant, "alice"); len(regs) != 0 {
		t.Fatalf("still registered: %+v", regs)
	}
}

func TestMalformedRequestGets400AndServingGoesOn(t *testing.T) {
	e := startEdge(t, nil)
	conn, err := net.Dial("udp", e.udp())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	local := conn.LocalAddr().String()
	bad := "INVITE sip:" + testNumber + "@" + e.udp() + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK-bad1\r\n" +
		"From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:" + testNumber + "@127.0.0.1>\r\n" +
		"Call-ID: bad-1\r\nCSeq: one INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	if _, err := conn.Write([]byte(bad)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(buf[:n]), "SIP/2.0 400 ") || !strings.Contains(string(buf[:n]), "Call-ID: bad-1") || !strings.Contains(string(buf[:n]), "Malformed message") {
		t.Fatalf("answer:\n%s", buf[:n])
	}
	// Garbage that is not a request at all is dropped; the server keeps serving.
	_, _ = conn.Write([]byte("\x00\xffgarbage\r\n\r\n"))
	p := newPhone(t, "udp", nil)
	if res := p.request(testCtx(t), e, "udp", sip.OPTIONS, ""); res.StatusCode != 200 {
		t.Fatalf("OPTIONS after garbage: %d", res.StatusCode)
	}
}

func TestBadRequestBuilder(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want bool
	}{
		"request":  {"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCSeq: x INVITE\r\n\r\n", true},
		"no via":   {"INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n", false},
		"ack":      {"ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCSeq: 1 ACK\r\n\r\n", false},
		"response": {"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCSeq: 1 INVITE\r\n\r\n", false},
	} {
		if got := badRequest([]byte(tc.in), "ua") != nil; got != tc.want {
			t.Errorf("%s: %v", name, got)
		}
	}
}

// selfSigned is a TLS config for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "edge"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func TestTLS(t *testing.T) {
	srvConf, pool := selfSigned(t)
	e := startEdge(t, func(c *Config) { c.TLS, c.TLSConfig = "127.0.0.1:0", srvConf })
	e.dir.setTrunks(voicecfg.Trunk{Tenant: testTenant, Name: "tls", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Transport: "tls"})
	p := newPhone(t, "tls", &tls.Config{RootCAs: pool})
	if res := p.request(testCtx(t), e, "tls", sip.OPTIONS, ""); res.StatusCode != 200 {
		t.Fatalf("OPTIONS over TLS: %d", res.StatusCode)
	}
	d, err := p.invite(testCtx(t), e, "tls", offer(), sipgo.AnswerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := e.calls.next(t)
	if c.Transport != "tls" || c.Trunk != "tls" {
		t.Fatalf("call over %s from %s", c.Transport, c.Trunk)
	}
	if err := d.Bye(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestMaxCalls(t *testing.T) {
	e := startEdge(t, func(c *Config) { c.MaxCalls = 1 })
	p := newPhone(t, "udp", nil)
	d, err := p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.calls.next(t)
	_, err = p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{})
	if got := status(t, err); got != 503 {
		t.Fatalf("call over the limit: %d", got)
	}
	_ = d.Bye(testCtx(t))
}

func TestNumberRestrictedToItsTrunks(t *testing.T) {
	e := startEdge(t, nil)
	e.dir.mu.Lock()
	n := e.dir.numbers[testNumber]
	n.Trunks = []string{"carrier"}
	e.dir.numbers[testNumber] = n
	e.dir.mu.Unlock()
	p := newPhone(t, "udp", nil)
	_, err := p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{})
	if got := status(t, err); got != 403 {
		t.Fatalf("trunk not allowed for the number: %d", got)
	}
}

// register sends a REGISTER for user with contact over UDP from the phone's listening address
// (as real phones do), answering a digest challenge with password.
func (p *phone) register(t *testing.T, e *testEdge, user, password string, contact sip.Uri, expires string) *sip.Response {
	t.Helper()
	cli, err := sipgo.NewClient(p.ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientConnectionAddr(p.addr.String()))
	if err != nil {
		t.Fatal(err)
	}
	return p.registerWith(t, e, cli, "udp", user, password, contact, expires)
}

// registerWith sends a REGISTER through cli over network.
func (p *phone) registerWith(t *testing.T, e *testEdge, cli *sipgo.Client, network, user, password string, contact sip.Uri, expires string) *sip.Response {
	t.Helper()
	ctx := testCtx(t)
	uri := sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: int(e.srv.Addr(network).Port())}
	if network != "udp" {
		uri.UriParams = sip.HeaderParams{{K: "transport", V: network}}
	}
	req := sip.NewRequest(sip.REGISTER, uri)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1"}})
	fh := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1"}, Params: sip.NewParams()}
	fh.Params.Add("tag", sip.GenerateTagN(8))
	req.AppendHeader(fh)
	req.AppendHeader(&sip.ContactHeader{Address: contact})
	req.AppendHeader(sip.NewHeader("Expires", expires))
	res, err := cli.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 401 {
		return res
	}
	res, err = cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Regression (issue 9 review): a REGISTER stored its Contact as given, so a softphone could make
// the edge send INVITEs and RTP to any address or host name. The binding is now the REGISTER's
// source, with the Contact's user and parameters.
func TestRegisterBindsTheSourceNotTheContact(t *testing.T) {
	e := startEdge(t, nil)
	p := newPhone(t, "udp", nil)
	want := "sip:alice@" + p.addr.String() + ";line=7"
	for name, c := range map[string]sip.Uri{
		"metadata address": {Host: "169.254.169.254", Port: 80},
		"private address":  {Host: "10.0.0.5", Port: 5060},
		"host name":        {Host: "metadata.internal"},
		"ipv6 with maddr":  {Host: "fd00::1", Port: 5060, UriParams: sip.HeaderParams{{K: "maddr", V: "10.0.0.9"}}},
	} {
		t.Run(name, func(t *testing.T) {
			c.Scheme, c.User = "sip", "alice"
			c.UriParams = append(c.UriParams, sip.HeaderKV{K: "line", V: "7"})
			if res := p.register(t, e, "alice", testPassword, c, "300"); res.StatusCode != 200 {
				t.Fatalf("register: %v", res)
			}
			regs, _ := e.regs.Lookup(testCtx(t), testTenant, "alice")
			if len(regs) != 1 || regs[0].Contact != want {
				t.Fatalf("registrations = %+v, want contact %s", regs, want)
			}
			if res := p.register(t, e, "alice", testPassword, c, "0"); res.StatusCode != 200 {
				t.Fatalf("unregister: %v", res)
			}
		})
	}
}

func TestBoundContact(t *testing.T) {
	for name, tc := range map[string]struct {
		contact, src, transport, want string
	}{
		"udp":            {"sip:alice@10.0.0.5:5060;line=1", "127.0.0.1:5070", "UDP", "sip:alice@127.0.0.1:5070;line=1"},
		"ipv6 source":    {"sip:alice@example.com", "[::1]:5070", "UDP", "sip:alice@[::1]:5070"},
		"mapped source":  {"sip:alice@example.com", "[::ffff:127.0.0.1]:5070", "UDP", "sip:alice@127.0.0.1:5070"},
		"tcp flow":       {"sip:alice@10.0.0.5;transport=udp", "127.0.0.1:40000", "TCP", "sip:alice@127.0.0.1:40000;transport=tcp"},
		"tls flow":       {"sips:alice@10.0.0.5", "127.0.0.1:40000", "TLS", "sips:alice@127.0.0.1:40000;transport=tls"},
		"sips over udp":  {"sips:alice@10.0.0.5;transport=tls", "127.0.0.1:5070", "UDP", "sip:alice@127.0.0.1:5070"},
		"maddr, headers": {"sip:alice:pw@10.0.0.5;ob;maddr=10.0.0.9;x?Route=%3Csip:x%3E", "127.0.0.1:5070", "UDP", "sip:alice@127.0.0.1:5070;ob"},
	} {
		t.Run(name, func(t *testing.T) {
			var u sip.Uri
			if err := sip.ParseUri(tc.contact, &u); err != nil {
				t.Fatal(err)
			}
			got := boundContact(u, netip.MustParseAddrPort(tc.src), tc.transport)
			if got.String() != tc.want || !boundToAddress(got.String()) {
				t.Fatalf("got %s, want %s", got.String(), tc.want)
			}
		})
	}
}

// Regression (issue 9 review): a Call did not say when its INVITE arrived, so the setup time of
// call.answered could not be reported. The edge rings for AnswerDelay before it answers, so a
// time taken at the INVITE is at least that long before the call reaches its handler (a lower
// bound the timer guarantees, not a bound on speed).
func TestCallSaysWhenItWasInvited(t *testing.T) {
	const ring = 200 * time.Millisecond
	e := startEdge(t, func(c *Config) { c.AnswerDelay = ring })
	p := newPhone(t, "udp", nil)
	before := time.Now()
	d, err := p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := e.calls.next(t)
	handed := time.Now()
	if c.InvitedAt.Before(before) || handed.Sub(c.InvitedAt) < ring {
		t.Fatalf("invited at %v; sent at %v, handed over at %v", c.InvitedAt, before, handed)
	}
	_ = d.Bye(testCtx(t))
}
