package media

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// guard bounds every wait of a test on the network or a goroutine: a hang fails, never a
// measured duration.
const guard = 10 * time.Second

// fakeClock moves only when the test says so; its timers fire as Advance passes them.
type fakeClock struct {
	mu     sync.Mutex
	armed  *sync.Cond // signalled when a timer is armed
	now    time.Time
	timers []*fakeTimer
}

func newFakeClock() *fakeClock {
	c := &fakeClock{now: time.Unix(1_000_000, 0)}
	c.armed = sync.NewCond(&c.mu)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	t.Reset(d)
	return t
}

// Advance moves the clock by d and fires the timers due. It first waits for the session's timer
// to be armed: the loop computes its next wait from Now and then arms, and a clock moved between
// the two would leave the timer set a period too far (a late tick with a real clock, a hang with
// this one).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	wake := time.AfterFunc(guard, func() { c.mu.Lock(); c.armed.Broadcast(); c.mu.Unlock() })
	defer wake.Stop()
	deadline := time.Now().Add(guard)
	for !c.anyArmedLocked() && time.Now().Before(deadline) {
		c.armed.Wait()
	}
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		t.fireLocked()
	}
	c.mu.Unlock()
}

func (c *fakeClock) anyArmedLocked() bool {
	for _, t := range c.timers {
		if t.armed {
			return true
		}
	}
	return false
}

type fakeTimer struct {
	c     *fakeClock
	ch    chan time.Time
	at    time.Time
	armed bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Reset(d time.Duration) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.at, t.armed = t.c.now.Add(d), true
	t.fireLocked()
	t.c.armed.Broadcast()
}

func (t *fakeTimer) Stop() {
	t.c.mu.Lock()
	t.armed = false
	t.c.mu.Unlock()
}

func (t *fakeTimer) fireLocked() {
	if t.armed && !t.at.After(t.c.now) {
		t.armed = false
		select {
		case t.ch <- t.c.now:
		default:
		}
	}
}

// testPorts is the RTP range the tests bind on loopback, one Ports for the whole test binary so
// that its round-robin spares a port scan per session.
func testPorts(t testing.TB) *Ports {
	t.Helper()
	p, err := sharedPorts()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var sharedPorts = sync.OnceValues(func() (*Ports, error) {
	return NewPorts(netip.MustParseAddr("127.0.0.1"), 41000, 42998)
})

// running is a session under test with its Run goroutine.
type running struct {
	*Session
	conn   *net.UDPConn
	clock  *fakeClock
	frames []Frame
}

// startSession runs a session on a port of testPorts; the test's cleanup ends it and checks Run
// returned without error.
func startSession(t *testing.T, p Params, o Options) *running {
	t.Helper()
	conn, err := testPorts(t).Listen()
	if err != nil {
		t.Fatal(err)
	}
	var fc *fakeClock
	if o.Clock == nil {
		fc = newFakeClock()
		o.Clock = fc
	}
	s, err := NewSession(conn, p, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(guard):
			t.Errorf("Run did not return")
		}
		conn.Close()
	})
	return &running{Session: s, conn: conn, clock: fc}
}

func (r *running) addr() netip.AddrPort { return r.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// frame waits for the session's next frame.
func (r *running) frame(t *testing.T) Frame {
	t.Helper()
	select {
	case f, ok := <-r.Frames():
		if !ok {
			t.Fatal("Frames closed")
		}
		return f
	case <-time.After(guard):
		t.Fatal("no frame")
	}
	return Frame{}
}

// step advances the fake clock one tick and returns that tick's frame: the tick is done (its
// packet sent) when this returns.
func (r *running) step(t *testing.T) Frame {
	t.Helper()
	r.clock.Advance(FramePeriod)
	return r.frame(t)
}

// peer is the far end: a loopback socket speaking RTP with pion/rtp, SRTP with pion/srtp.
type peer struct {
	t      *testing.T
	conn   *net.UDPConn
	to     netip.AddrPort
	tx, rx *srtp.Context
	ssrc   uint32
	buf    []byte
}

func newPeer(t *testing.T) *peer {
	t.Helper()
	return newPeerOn(t, "127.0.0.1:0")
}

func newPeerOn(t *testing.T, addr string) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetReadBuffer(1 << 20); err != nil {
		t.Fatal(err)
	}
	return &peer{t: t, conn: c, ssrc: 0x1234abcd, buf: make([]byte, mtu)}
}

func (p *peer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *peer) send(pk *rtp.Packet) {
	p.t.Helper()
	b, err := pk.Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	if p.tx != nil {
		if b, err = p.tx.EncryptRTP(nil, b, nil); err != nil {
			p.t.Fatal(err)
		}
	}
	if _, err := p.conn.WriteToUDPAddrPort(b, p.to); err != nil {
		p.t.Fatal(err)
	}
}

func (p *peer) audio(seq uint16, ts uint32, c Codec, pcm []int16) {
	p.t.Helper()
	pl := make([]byte, len(pcm))
	c.Encode(pl, pcm)
	p.send(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: uint8(c), SequenceNumber: seq, Timestamp: ts, SSRC: p.ssrc}, Payload: pl})
}

// recv reads the next RTP packet the session sent.
func (p *peer) recv() rtp.Packet {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(guard))
	n, _, err := p.conn.ReadFromUDPAddrPort(p.buf)
	if err != nil {
		p.t.Fatalf("peer read: %v", err)
	}
	b := p.buf[:n]
	if p.rx != nil {
		if b, err = p.rx.DecryptRTP(nil, b, nil); err != nil {
			p.t.Fatalf("peer decrypt: %v", err)
		}
	}
	var pk rtp.Packet
	if err := pk.Unmarshal(append([]byte(nil), b...)); err != nil {
		p.t.Fatal(err)
	}
	return pk
}

// packetCounter is an OnPacket that lets a test wait until the session has taken n packets.
type packetCounter struct {
	mu   sync.Mutex
	n    int
	cond *sync.Cond
}

func newPacketCounter() *packetCounter {
	c := &packetCounter{}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *packetCounter) inc() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	c.cond.Broadcast()
}

func (c *packetCounter) wait(t *testing.T, n int) {
	t.Helper()
	timer := time.AfterFunc(guard, func() { c.cond.Broadcast() })
	defer timer.Stop()
	deadline := time.Now().Add(guard)
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.n < n {
		if time.Now().After(deadline) {
			t.Fatalf("session took %d packets, want %d", c.n, n)
		}
		c.cond.Wait()
	}
}

// tone returns a frame whose every sample is v.
func tone(v int16) []int16 {
	f := make([]int16, FrameSamples)
	for i := range f {
		f[i] = v
	}
	return f
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

// tickRecorder is a Recorder that keeps both sides and lets a test wait for n ticks: it sees every
// tick, where Frames may drop some.
type tickRecorder struct {
	mu             sync.Mutex
	cond           *sync.Cond
	caller, played []int16
	n              int
}

func newTickRecorder() *tickRecorder {
	r := &tickRecorder{}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *tickRecorder) Write(caller, played *[FrameSamples]int16) error {
	r.mu.Lock()
	r.caller = append(r.caller, caller[:]...)
	r.played = append(r.played, played[:]...)
	r.n++
	r.mu.Unlock()
	r.cond.Broadcast()
	return nil
}

func (r *tickRecorder) Close(context.Context) (string, error) { return "test", nil }

func (r *tickRecorder) wait(t *testing.T, n int) {
	t.Helper()
	timer := time.AfterFunc(guard, func() { r.cond.Broadcast() })
	defer timer.Stop()
	deadline := time.Now().Add(guard)
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.n < n {
		if time.Now().After(deadline) {
			t.Fatalf("recorder saw %d ticks, want %d", r.n, n)
		}
		r.cond.Wait()
	}
}
