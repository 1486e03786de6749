package sip

import (
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// The test world: tenant "bank" owns +862160001234, reachable from the loopback trunk "local"
// and by the softphone account "alice" (password "secret").
const (
	testNumber   = "+862160001234"
	testPassword = "secret"
)

var testTenant = mustTenant("bank")

func mustTenant(s string) tenant.ID {
	t, err := tenant.Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

func ha1(user, password string) string {
	h := md5.Sum([]byte(user + ":" + voicecfg.Realm + ":" + password))
	return hex.EncodeToString(h[:])
}

// fakeDirectory is an in-memory voicecfg.Directory.
type fakeDirectory struct {
	mu       sync.Mutex
	numbers  map[string]voicecfg.Number
	trunks   []voicecfg.Trunk
	accounts map[string]voicecfg.Account
	targets  map[string]voicecfg.TransferTarget
}

func newDirectory() *fakeDirectory {
	return &fakeDirectory{
		numbers: map[string]voicecfg.Number{
			testNumber: {Tenant: testTenant, E164: testNumber, Language: "en"},
		},
		trunks: []voicecfg.Trunk{{
			Tenant: testTenant, Name: "local",
			CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		}},
		accounts: map[string]voicecfg.Account{
			"alice": {Tenant: testTenant, Username: "alice", HA1: ha1("alice", testPassword)},
		},
		targets: map[string]voicecfg.TransferTarget{},
	}
}

func (d *fakeDirectory) setTrunks(ts ...voicecfg.Trunk) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.trunks = ts
}

func (d *fakeDirectory) Number(_ context.Context, e164 string) (voicecfg.Number, []voicecfg.Trunk, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, ok := d.numbers[e164]
	if !ok {
		return voicecfg.Number{}, nil, voicecfg.ErrNotFound
	}
	var ts []voicecfg.Trunk
	for _, t := range d.trunks {
		if t.Tenant == n.Tenant {
			ts = append(ts, t)
		}
	}
	return n, ts, nil
}

func (d *fakeDirectory) Account(_ context.Context, username string) (voicecfg.Account, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.accounts[username]
	if !ok {
		return voicecfg.Account{}, voicecfg.ErrNotFound
	}
	return a, nil
}

func (d *fakeDirectory) TransferTarget(_ context.Context, t tenant.ID, queue string) (voicecfg.TransferTarget, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	tt, ok := d.targets[t.String()+"/"+queue]
	if !ok {
		return voicecfg.TransferTarget{}, voicecfg.ErrNotFound
	}
	return tt, nil
}

// fakeRegistrations is an in-memory voicecfg.Registrations.
type fakeRegistrations struct {
	mu   sync.Mutex
	regs map[string]voicecfg.Registration // tenant/user/contact
}

func newRegistrations() *fakeRegistrations {
	return &fakeRegistrations{regs: map[string]voicecfg.Registration{}}
}

func (r *fakeRegistrations) Put(_ context.Context, reg voicecfg.Registration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := reg.Tenant.String() + "/" + reg.Username + "/" + reg.Contact
	if !reg.Expires.After(time.Now()) {
		delete(r.regs, k)
		return nil
	}
	r.regs[k] = reg
	return nil
}

func (r *fakeRegistrations) Lookup(_ context.Context, t tenant.ID, username string) ([]voicecfg.Registration, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []voicecfg.Registration
	for _, reg := range r.regs {
		if reg.Tenant == t && reg.Username == username && reg.Expires.After(time.Now()) {
			out = append(out, reg)
		}
	}
	return out, nil
}

// loopbackPorts hands out RTP sockets on 127.0.0.1.
type loopbackPorts struct{}

func (loopbackPorts) Listen() (*net.UDPConn, error) {
	return net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
}

// rejections records EventSink calls.
type rejections struct {
	mu  sync.Mutex
	got []Rejection
}

func (r *rejections) CallRejected(_ context.Context, rej Rejection) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rej)
}

// list is the rejections as "tenant to reason".
func (r *rejections) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rej := range r.got {
		out = append(out, fmt.Sprintf("%s %s %s", rej.Tenant, rej.To, rej.Reason))
	}
	return out
}

// find returns the first rejection for reason.
func (r *rejections) find(reason string) (Rejection, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rej := range r.got {
		if rej.Reason == reason {
			return rej, true
		}
	}
	return Rejection{}, false
}

// waitFor waits for a rejection for reason and checks its status.
func (r *rejections) waitFor(t *testing.T, reason string, status int) Rejection {
	t.Helper()
	var rej Rejection
	eventually(t, "a "+reason+" rejection", func() bool {
		var ok bool
		rej, ok = r.find(reason)
		return ok
	})
	if rej.Tenant != testTenant || rej.To != testNumber || rej.Status != status || rej.CallID == "" {
		t.Fatalf("rejection = %+v, want status %d", rej, status)
	}
	return rej
}

// calls is a CallHandler that publishes each call and then runs serve (default: wait for ctx).
type calls struct {
	ch    chan *Call
	serve func(ctx context.Context, c *Call)
}

func newCalls() *calls { return &calls{ch: make(chan *Call, 16)} }

func (h *calls) ServeCall(ctx context.Context, c *Call) {
	h.ch <- c
	if h.serve != nil {
		h.serve(ctx, c)
		return
	}
	<-ctx.Done()
}

func (h *calls) next(t *testing.T) *Call {
	t.Helper()
	select {
	case c := <-h.ch:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no call reached the handler")
		return nil
	}
}

// testEdge is a running server and its fakes.
type testEdge struct {
	srv    *Server
	dir    *fakeDirectory
	regs   *fakeRegistrations
	calls  *calls
	events *rejections
}

func (e *testEdge) udp() string { return e.srv.Addr("udp").String() }

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("SIP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startEdge runs a server on loopback with free ports; tweak adjusts the config.
func startEdge(t *testing.T, tweak func(*Config)) *testEdge {
	t.Helper()
	return startEdgeLogging(t, tweak, testLogger(t))
}

// startEdgeLogging is startEdge with the server's logger.
func startEdgeLogging(t *testing.T, tweak func(*Config), log *slog.Logger) *testEdge {
	t.Helper()
	e := &testEdge{dir: newDirectory(), regs: newRegistrations(), calls: newCalls(), events: &rejections{}}
	cfg := Config{
		UDP:       "127.0.0.1:0",
		TCP:       "127.0.0.1:0",
		Advertise: netip.MustParseAddr("127.0.0.1"),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := NewServer(cfg, Deps{
		Directory: e.dir, Registrations: e.regs, Ports: loopbackPorts{}, Calls: e.calls,
		Events: e.events, Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return e
}

// phone is a sipgo user agent on loopback that places calls and takes the edge's requests.
type phone struct {
	t       *testing.T
	ua      *sipgo.UserAgent
	cli     *sipgo.Client
	dialogs *sipgo.DialogClientCache
	addr    netip.AddrPort
	byes    chan *sip.Request
	invites chan *sip.Request
	hooks   sync.Mutex
	// answer, when set, answers INVITEs sent to the phone (the callee of a Dial).
	answer func(req *sip.Request, tx sip.ServerTransaction)
	onAck  func(req *sip.Request, tx sip.ServerTransaction)
}

// setHooks sets how the phone answers INVITEs and takes ACKs.
func (p *phone) setHooks(answer, onAck func(req *sip.Request, tx sip.ServerTransaction)) {
	p.hooks.Lock()
	defer p.hooks.Unlock()
	p.answer, p.onAck = answer, onAck
}

func (p *phone) hook() (answer, onAck func(req *sip.Request, tx sip.ServerTransaction)) {
	p.hooks.Lock()
	defer p.hooks.Unlock()
	return p.answer, p.onAck
}

func newPhone(t *testing.T, network string, tlsConf *tls.Config) *phone {
	t.Helper()
	opts := []sipgo.UserAgentOption{sipgo.WithUserAgent("phone")}
	if tlsConf != nil {
		opts = append(opts, sipgo.WithUserAgenTLSConfig(tlsConf))
	}
	ua, err := sipgo.NewUA(opts...)
	if err != nil {
		t.Fatal(err)
	}
	p := &phone{t: t, ua: ua, byes: make(chan *sip.Request, 8), invites: make(chan *sip.Request, 8)}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	p.cli, err = sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		p.hooks.Lock()
		dialogs := p.dialogs
		p.hooks.Unlock()
		if err := dialogs.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		}
		p.byes <- req
	})
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		if answer, _ := p.hook(); answer != nil {
			answer(req, tx)
			return
		}
		p.invites <- req
		_ = tx.Respond(sip.NewResponseFromRequest(req, 486, "Busy Here", nil))
	})
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		if _, onAck := p.hook(); onAck != nil {
			onAck(req, tx)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	rctx := context.WithValue(ctx, sipgo.ListenReadyCtxKey, sipgo.ListenReadyFuncCtxValue(func(_, addr string) { ready <- addr }))
	done := make(chan struct{})
	lnet := network
	if network == "tls" {
		lnet = "tcp"
	}
	go func() {
		defer close(done)
		_ = srv.ListenAndServe(rctx, lnet, "127.0.0.1:0")
	}()
	a := <-ready
	p.addr = netip.MustParseAddrPort(a)
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "phone", Host: "127.0.0.1", Port: int(p.addr.Port())}}
	if network != "udp" {
		contact.Address.UriParams = sip.NewParams()
		contact.Address.UriParams.Add("transport", network)
	}
	p.hooks.Lock()
	p.dialogs = sipgo.NewDialogClientCache(p.cli, contact)
	p.hooks.Unlock()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = ua.Close()
	})
	return p
}

// offer is an SDP offer from the phone's (unused) RTP address.
func offer(extra ...string) []byte {
	lines := []string{
		"v=0", "o=phone 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
		"m=audio 40000 RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20",
	}
	lines = append(lines, extra...)
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// invite sends an INVITE to the edge's number over network and waits for the final answer.
func (p *phone) invite(ctx context.Context, e *testEdge, network string, body []byte, opts sipgo.AnswerOptions, hdrs ...sip.Header) (*sipgo.DialogClientSession, error) {
	p.t.Helper()
	uri := sip.Uri{Scheme: "sip", User: testNumber, Host: "127.0.0.1", Port: int(e.srv.Addr(network).Port())}
	if network != "udp" {
		uri.UriParams = sip.NewParams()
		uri.UriParams.Add("transport", network)
	}
	if body != nil {
		hdrs = append(hdrs, sip.NewHeader("Content-Type", "application/sdp"))
	}
	d, err := p.dialogs.Invite(ctx, uri, body, hdrs...)
	if err != nil {
		return nil, err
	}
	if err := d.WaitAnswer(ctx, opts); err != nil {
		return d, err
	}
	return d, d.Ack(ctx)
}

// status is the final status of an answer error (or 200).
func status(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 200
	}
	var rej *sipgo.ErrDialogResponse
	if errors.As(err, &rej) {
		return rej.Res.StatusCode
	}
	t.Fatalf("not a SIP answer: %v", err)
	return 0
}

// request sends an out-of-dialog request and returns the final response.
func (p *phone) request(ctx context.Context, e *testEdge, network string, method sip.RequestMethod, user string, hdrs ...sip.Header) *sip.Response {
	p.t.Helper()
	uri := sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: int(e.srv.Addr(network).Port())}
	req := sip.NewRequest(method, uri)
	req.SetTransport(strings.ToUpper(network))
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	res, err := p.cli.Do(ctx, req)
	if err != nil {
		p.t.Fatalf("%s: %v", method, err)
	}
	return res
}

// eventually waits for cond, failing after a generous bound (a liveness guard, not a timing
// assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
