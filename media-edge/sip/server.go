package sip

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// allowed is the Allow header: every method the edge serves.
const allowed = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE"

// maxCallID bounds the Call-ID the edge accepts (it becomes Call.ID).
const maxCallID = 128

// byeTimeout bounds the wait for the answer to a BYE the edge sends.
const byeTimeout = 8 * time.Second

// Server is the SIP side of the media edge.
type Server struct {
	cfg    Config
	d      Deps
	log    *slog.Logger
	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	cli    *sipgo.Client
	dig    *digester
	block  *blocklist
	parser *sip.Parser
	now    func() time.Time

	draining atomic.Bool
	active   atomic.Int64

	// wg counts the goroutines of calls and legs (and INVITEs being answered).
	wg sync.WaitGroup

	mu     sync.Mutex
	ctx    context.Context // Serve's; nil before Serve
	closed bool
	calls  map[string]*Call // by dialog id
	legs   map[string]*Leg  // by dialog id
	addrs  map[string]netip.AddrPort
	udp    net.PacketConn
}

// NewServer checks cfg and builds a server; Serve starts it.
func NewServer(cfg Config, d Deps) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if d.Directory == nil || d.Registrations == nil || d.Ports == nil || d.Calls == nil {
		return nil, errors.New("sip: Directory, Registrations, Ports and Calls are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	key := cfg.NonceKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("sip: nonce key: %w", err)
		}
	}
	s := &Server{
		cfg:    cfg,
		d:      d,
		log:    d.Log,
		dig:    &digester{key: key, now: time.Now},
		block:  newBlocklist(cfg.AuthFailures, cfg.AuthWindow, cfg.BlockFor),
		parser: sip.NewParser(),
		now:    time.Now,
		calls:  make(map[string]*Call),
		legs:   make(map[string]*Leg),
		addrs:  make(map[string]netip.AddrPort),
	}
	lib := slog.New(redact{d.Log.Handler()}).With("component", "sipgo")
	s.ua, err = sipgo.NewUA(
		sipgo.WithUserAgent(cfg.UserAgent),
		sipgo.WithUserAgentHostname(cfg.Advertise.String()),
		sipgo.WithUserAgenTLSConfig(cfg.TLSConfig),
		sipgo.WithUserAgentTransportLayerOptions(
			sip.WithTransportLayerLogger(lib),
			sip.WithTransportLayerReadFilter(s.readFilter),
		),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(lib)),
	)
	if err != nil {
		return nil, fmt.Errorf("sip: user agent: %w", err)
	}
	s.srv, err = sipgo.NewServer(s.ua, sipgo.WithServerLogger(lib))
	if err != nil {
		return nil, fmt.Errorf("sip: server: %w", err)
	}
	s.cli, err = sipgo.NewClient(s.ua, sipgo.WithClientHostname(cfg.Advertise.String()), sipgo.WithClientLogger(lib))
	if err != nil {
		return nil, fmt.Errorf("sip: client: %w", err)
	}
	s.srv.OnOptions(s.guard(s.handleOptions))
	s.srv.OnInvite(s.guard(s.handleInvite))
	s.srv.OnAck(s.handleAck)
	s.srv.OnBye(s.guard(s.handleBye))
	s.srv.OnCancel(s.handleStrayCancel)
	s.srv.OnRegister(s.guard(s.handleRegister))
	s.srv.OnUpdate(s.guard(s.handleUpdate))
	s.srv.OnNoRoute(s.handleUnsupported)
	return s, nil
}

// Serve listens on every configured transport until ctx ends, calling ready (if not nil) once all
// listeners are bound. When ctx ends, calls in progress are hung up (cause "shutdown") before the
// listeners close.
func (s *Server) Serve(ctx context.Context, ready func()) error {
	var closers []func() error
	closeAll := func() {
		for _, c := range closers {
			_ = c()
		}
	}
	var serve []func() error
	if s.cfg.UDP != "" {
		c, err := net.ListenPacket("udp", s.cfg.UDP)
		if err != nil {
			return fmt.Errorf("sip: listen udp %s: %w", s.cfg.UDP, err)
		}
		closers = append(closers, c.Close)
		s.setAddr("udp", c.LocalAddr(), c)
		serve = append(serve, func() error { return s.srv.ServeUDP(c) })
	}
	if s.cfg.TCP != "" {
		l, err := net.Listen("tcp", s.cfg.TCP)
		if err != nil {
			closeAll()
			return fmt.Errorf("sip: listen tcp %s: %w", s.cfg.TCP, err)
		}
		closers = append(closers, l.Close)
		s.setAddr("tcp", l.Addr(), nil)
		serve = append(serve, func() error { return s.srv.ServeTCP(l) })
	}
	if s.cfg.TLS != "" {
		l, err := tls.Listen("tcp", s.cfg.TLS, s.cfg.TLSConfig)
		if err != nil {
			closeAll()
			return fmt.Errorf("sip: listen tls %s: %w", s.cfg.TLS, err)
		}
		closers = append(closers, l.Close)
		s.setAddr("tls", l.Addr(), nil)
		serve = append(serve, func() error { return s.srv.ServeTLS(l) })
	}
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()

	var lwg sync.WaitGroup
	errc := make(chan error, len(serve))
	for _, f := range serve {
		lwg.Add(1)
		go func() {
			defer lwg.Done()
			if err := f(); err != nil && !errors.Is(err, net.ErrClosed) {
				errc <- err
			}
		}()
	}
	if ready != nil {
		ready()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("sip: serve: %w", err)
	}
	s.shutdown()
	closeAll()
	_ = s.ua.Close()
	lwg.Wait()
	return err
}

// shutdown refuses new work, ends every call and leg and waits for their goroutines.
func (s *Server) shutdown() {
	s.mu.Lock()
	s.closed = true
	calls := make([]*Call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	legs := make([]*Leg, 0, len(s.legs))
	for _, l := range s.legs {
		legs = append(legs, l)
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.end(SideEdge, "shutdown")
	}
	for _, l := range legs {
		l.end(SideEdge, "shutdown")
	}
	s.wg.Wait()
}

// track registers a goroutine of a call; false once the server is shutting down.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.ctx == nil {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Server) setAddr(network string, a net.Addr, udp net.PacketConn) {
	ap, _ := netip.ParseAddrPort(a.String())
	s.mu.Lock()
	s.addrs[network] = ap
	if udp != nil {
		s.udp = udp
	}
	s.mu.Unlock()
}

// Addr is the bound address of a transport ("udp", "tcp", "tls"), valid once Serve called ready.
func (s *Server) Addr(network string) netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs[network]
}

// Drain makes new INVITEs get 503 (with Retry-After) and OPTIONS report it; calls in progress go on.
func (s *Server) Drain() { s.draining.Store(true) }

// Active is the number of calls in progress (ringing or answered).
func (s *Server) Active() int { return int(s.active.Load()) }

// contact is the edge's Contact for a transport ("UDP", "TCP", "TLS").
func (s *Server) contact(transport string) sip.ContactHeader {
	network := strings.ToLower(transport)
	u := sip.Uri{Scheme: "sip", User: "lingxi", Host: s.cfg.Advertise.String(), Port: int(s.Addr(network).Port())}
	if network != "udp" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", network)
	}
	return sip.ContactHeader{Address: u}
}

// dialogUA is the sipgo dialog user agent for one dialog over a transport.
func (s *Server) dialogUA(transport string) *sipgo.DialogUA {
	return &sipgo.DialogUA{Client: s.cli, ContactHDR: s.contact(transport), RewriteContact: true}
}

// guard answers what every request but ACK and CANCEL must pass: a sane Call-ID and no Require
// of an extension the edge lacks.
func (s *Server) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if !validCallID(req) {
			s.respond(tx, req, 400, "Bad Request", nil, sip.NewHeader("Warning", `399 lingxi "invalid Call-ID"`))
			return
		}
		var unsupported []string
		for _, name := range []string{"Require", "Proxy-Require"} {
			for _, hd := range req.GetHeaders(name) {
				for _, tag := range strings.Split(hd.Value(), ",") {
					if tag = strings.TrimSpace(tag); tag != "" {
						unsupported = append(unsupported, tag)
					}
				}
			}
		}
		if len(unsupported) > 0 {
			s.respond(tx, req, 420, "Bad Extension", nil, sip.NewHeader("Unsupported", strings.Join(unsupported, ", ")))
			return
		}
		h(req, tx)
	}
}

// validCallID reports whether the Call-ID is 1–128 visible ASCII characters.
func validCallID(req *sip.Request) bool {
	id := req.CallID()
	if id == nil {
		return false
	}
	v := string(*id)
	if v == "" || len(v) > maxCallID {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}

// respond answers req on tx, logging a failure to send.
func (s *Server) respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, body []byte, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	res.AppendHeader(sip.NewHeader("Server", s.cfg.UserAgent))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond", "status", code, "method", string(req.Method), "err", err)
	}
}

// handleOptions is the SIP health check: 200 while serving, 503 while draining. Within a dialog
// (a keepalive of a call in progress) it is always 200: the call goes on while the edge drains.
func (s *Server) handleOptions(req *sip.Request, tx sip.ServerTransaction) {
	hdrs := []sip.Header{
		sip.NewHeader("Allow", allowed),
		sip.NewHeader("Accept", "application/sdp"),
		sip.NewHeader("Accept-Encoding", "identity"),
		sip.NewHeader("Accept-Language", "en"),
	}
	inDialog := req.To() != nil && req.To().Params.Has("tag")
	if s.draining.Load() && !inDialog {
		s.respond(tx, req, 503, "Service Unavailable", nil, append(hdrs, sip.NewHeader("Retry-After", "60"))...)
		return
	}
	s.respond(tx, req, 200, "OK", nil, hdrs...)
}

// handleUnsupported answers the methods of SIP's extensions that the edge knows but does not serve
// with 405, anything else with 501.
func (s *Server) handleUnsupported(req *sip.Request, tx sip.ServerTransaction) {
	switch strings.ToUpper(string(req.Method)) {
	case "SUBSCRIBE", "NOTIFY", "REFER", "INFO", "MESSAGE", "PRACK", "PUBLISH":
		s.respond(tx, req, 405, "Method Not Allowed", nil, sip.NewHeader("Allow", allowed))
		return
	}
	s.respond(tx, req, 501, "Not Implemented", nil, sip.NewHeader("Allow", allowed))
}

// handleStrayCancel answers a CANCEL that matched no INVITE transaction.
func (s *Server) handleStrayCancel(req *sip.Request, tx sip.ServerTransaction) {
	s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
}

// source is the IP and port a request came from.
func source(req *sip.Request) netip.AddrPort {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// lookupDialog finds the call or leg an in-dialog request belongs to.
func (s *Server) lookupDialog(req *sip.Request) (*Call, *Leg) {
	id, err := sip.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[id], s.legs[id]
}

func (s *Server) handleBye(req *sip.Request, tx sip.ServerTransaction) {
	// The dialog is marked ended before the 200 goes out, so that nothing (a shutdown racing
	// with this BYE) sends a BYE of its own on it.
	switch c, l := s.lookupDialog(req); {
	case c != nil:
		c.end(SideCaller, "bye")
		if err := c.dialog.ReadBye(req, tx); err != nil {
			s.respond(tx, req, 500, "Server Internal Error", nil)
		}
	case l != nil:
		l.end(SideCallee, "bye")
		if err := l.dialog.ReadBye(req, tx); err != nil {
			s.respond(tx, req, 500, "Server Internal Error", nil)
		}
	default:
		s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
	}
}

func (s *Server) handleAck(req *sip.Request, tx sip.ServerTransaction) {
	switch c, l := s.lookupDialog(req); {
	case c != nil:
		c.ack(req, tx)
	case l != nil:
		l.takeAck(req)
	}
}

func (s *Server) handleUpdate(req *sip.Request, tx sip.ServerTransaction) {
	switch c, l := s.lookupDialog(req); {
	case c != nil:
		c.update(req, tx)
	case l != nil:
		l.update(req, tx)
	default:
		s.respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
	}
}

// masked shows the last four characters of a number or user: logs never carry them in full.
func masked(v string) string {
	if len(v) <= 4 {
		return strings.Repeat("*", len(v))
	}
	return strings.Repeat("*", min(len(v)-4, 8)) + v[len(v)-4:]
}

// maskedAddr is a source address fit for info-level logs (it is personal data): its /24 (IPv4)
// or /48 (IPv6) network, as web analytics anonymise addresses.
func maskedAddr(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	a = a.Unmap()
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p.String()
}

// retryAfter is the Retry-After header of a 503 (seconds).
func retryAfter(d time.Duration) sip.Header {
	return sip.NewHeader("Retry-After", strconv.Itoa(max(int(d/time.Second), 1)))
}

// redact drops the raw message text sipgo puts in its log records (it carries numbers).
type redact struct{ slog.Handler }

func (r redact) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "data", "req", "res", "msg", "raddr", "src":
		default:
			out.AddAttrs(a)
		}
		return true
	})
	return r.Handler.Handle(ctx, out)
}

func (r redact) WithAttrs(as []slog.Attr) slog.Handler { return redact{r.Handler.WithAttrs(as)} }
func (r redact) WithGroup(name string) slog.Handler    { return redact{r.Handler.WithGroup(name)} }
