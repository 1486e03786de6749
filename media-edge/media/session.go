package media

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// Frame is one 20 ms tick of a call: what the caller said (from the jitter buffer, concealed when
// lost) and what the edge sent at the same tick (silence when nothing). The VAD uses Played as the
// echo reference.
type Frame struct {
	Caller [FrameSamples]int16
	Played [FrameSamples]int16
	// At is the tick's time since Run began (tick number × 20 ms).
	At time.Duration
	// Lost is a concealed frame: a packet was missing while the caller's stream ran.
	Lost bool
	// Hold: the call is on hold (sendonly or inactive); Caller and Played are silence.
	Hold bool
}

// Recorder takes both sides of every tick. Write is called by the session's ticker and must not
// block on the network; Close is the caller's to call after Run returns (the session never closes
// it), and returns the object's key.
type Recorder interface {
	Write(caller, played *[FrameSamples]int16) error
	Close(ctx context.Context) (key string, err error)
}

// Options are a session's collaborators; all may be left zero.
type Options struct {
	// Recorder receives every tick's two sides.
	Recorder Recorder
	// OnPacket is called for each RTP packet received (from the reader goroutine; keep it cheap):
	// the SIP side's inactivity timer.
	OnPacket func()
	Log      *slog.Logger
	// Clock paces the ticker; the system clock when nil.
	Clock Clock
	// JitterDepth is the jitter buffer's target depth (DefaultJitterDepth when zero; 20–160 ms).
	JitterDepth time.Duration
	// Latch takes the source of the first packet of the call (after SRTP authentication when
	// keyed) as the remote address, for both directions (symmetric RTP, "comedia"): for peers
	// behind NAT whose SDP names a private address. Without it only packets from the SDP's
	// address are taken. Update with a new remote latches again.
	Latch bool
	// DTX sends nothing while nothing plays (the first packet after the pause carries the marker
	// bit). By default silence is sent, which keeps NAT bindings and the peer's own RTP timeout
	// alive.
	DTX bool
}

// Stats are a session's counters since NewSession.
type Stats struct {
	PacketsIn, PacketsOut uint64
	// Lost is the packets never received (sequence gaps not filled later).
	Lost uint64
	// Late is the packets dropped for arriving after their playout time or too far out of order.
	Late       uint64
	Reordered  uint64
	Duplicates uint64
	// Concealed is the frames played from concealment.
	Concealed uint64
	// Resyncs is how often the jitter buffer started over (SSRC change, timestamp or sequence jump).
	Resyncs uint64
	// Invalid is the datagrams dropped unread: not RTP, from another address, failing SRTP
	// authentication, or an unknown payload type.
	Invalid uint64
	// Ticks is the 20 ms ticks run; LateTicks those run one period or more after their time;
	// SkippedTicks those run without sending because the ticker fell too far behind.
	Ticks, LateTicks, SkippedTicks uint64
	// FramesDropped and DigitsDropped were not taken from Frames and DTMF in time.
	FramesDropped, DigitsDropped uint64
	// SendErrors and RecordErrors are failed writes to the network and to the Recorder.
	SendErrors, RecordErrors uint64
}

const (
	frameQueue = 16 // Frames' buffer: 320 ms of slack for the consumer
	digitQueue = 32
	dtmfQueue  = 16
	// maxBehind is how many ticks the ticker may fall behind before it skips ahead instead of
	// catching up two ticks per wake-up.
	maxBehind = 5
	mtu       = 1500
	rtpHeader = 12
	payloadCN = 13 // comfort noise (RFC 3389), ignored
)

// Session is the RTP side of one call: a reader goroutine and a 20 ms ticker, both owned by Run.
type Session struct {
	conn     *net.UDPConn
	latch    bool
	log      *slog.Logger
	clock    Clock
	rec      Recorder
	onPacket func()
	dtx      bool

	frames  chan Frame
	digits  chan Digit
	dtmfOut chan dtmfSend
	running atomic.Bool

	mu         sync.Mutex
	p          Params
	send, recv bool
	tx, rx     *srtp.Context
	seq        seqTracker
	jb         *jitter
	dr         dtmfReceiver
	playing    *Playback
	stats      Stats
	now        int64 // the tick being played
	ended      bool
	latched    bool
	sdpRemote  netip.AddrPort // Remote as the SDP gave it (p.Remote may be latched)

	packetsOut, sendErrs, recErrs, framesDropped, lateTicks, skipped, ticks atomic.Uint64

	// The ticker's own.
	ssrc     uint32
	outSeq   uint16
	outTS    uint32
	sentLast bool
	dtmfCur  *dtmfSend
	dtmfGap  int
	pkt      [mtu]byte
	enc      []byte
	evBuf    [eventSize]byte
	tDigits  [2]Digit
	recFail  bool
	thdr     rtp.Header
	frame    Frame // the tick being built (kept here: passed to interfaces, it would escape)

	// The reader's own.
	rpkt    rtp.Packet
	rhdr    rtp.Header
	dec     []byte
	rDigits [2]Digit
}

// NewSession prepares the RTP side of a call on conn (from Ports.Listen; the caller closes it
// after Run returns) with the negotiated p.
func NewSession(conn *net.UDPConn, p Params, o Options) (*Session, error) {
	if conn == nil {
		return nil, errors.New("media: new session: no conn")
	}
	send, recv, err := p.directions()
	if err != nil {
		return nil, err
	}
	s := &Session{
		conn: conn, latch: o.Latch, log: o.Log, clock: o.Clock, rec: o.Recorder, onPacket: o.OnPacket, dtx: o.DTX,
		frames: make(chan Frame, frameQueue), digits: make(chan Digit, digitQueue), dtmfOut: make(chan dtmfSend, dtmfQueue),
		p: p, send: send, recv: recv, sdpRemote: p.Remote,
		jb: newJitter(cmpOr(o.JitterDepth, DefaultJitterDepth)),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = systemClock{}
	}
	if p.SRTP != nil {
		if s.tx, s.rx, err = srtpContexts(p.SRTP); err != nil {
			return nil, fmt.Errorf("media: new session: %w", err)
		}
	}
	var r [10]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, fmt.Errorf("media: new session: %w", err)
	}
	s.ssrc = binary.BigEndian.Uint32(r[0:])
	s.outTS = binary.BigEndian.Uint32(r[4:])
	s.outSeq = binary.BigEndian.Uint16(r[8:]) & 0x7FFF // RFC 3550: room before wrapping for SRTP's first ROC guess
	return s, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// directions validates what a session needs of p and says which ways audio flows.
func (p Params) directions() (send, recv bool, err error) {
	if !p.Codec.valid() {
		return false, false, fmt.Errorf("media: codec %d: %w", p.Codec, ErrUnsupported)
	}
	if p.DTMFPayloadType != 0 && (p.DTMFPayloadType < 96 || p.DTMFPayloadType > 127) {
		return false, false, fmt.Errorf("media: telephone-event payload type %d: %w", p.DTMFPayloadType, ErrUnsupported)
	}
	switch p.Direction {
	case "", "sendrecv":
		return true, true, nil
	case "recvonly":
		return true, false, nil
	case "sendonly", "inactive":
		return false, false, nil
	}
	return false, false, fmt.Errorf("media: direction %q: %w", p.Direction, ErrUnsupported)
}

// Frames delivers one Frame per tick. It is never waited on: a frame the consumer is not ready
// for is dropped and counted (Stats.FramesDropped). Closed when Run returns.
func (s *Session) Frames() <-chan Frame { return s.frames }

// DTMF delivers one Digit per key press received (RFC 4733). Closed when Run returns.
func (s *Session) DTMF() <-chan Digit { return s.digits }

// Stats returns the session's counters.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	st.PacketsOut = s.packetsOut.Load()
	st.SendErrors = s.sendErrs.Load()
	st.RecordErrors = s.recErrs.Load()
	st.FramesDropped = s.framesDropped.Load()
	st.LateTicks = s.lateTicks.Load()
	st.SkippedTicks = s.skipped.Load()
	st.Ticks = s.ticks.Load()
	return st
}

// Run receives and plays until ctx ends, then delivers what is pending (a digit whose end packets
// never came), ends the playback (Interrupted) and closes Frames and DTMF. A read error other
// than the end of ctx ends it too, and is returned.
func (s *Session) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errRunTwice
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		err := s.read(ctx)
		cancel()
		readErr <- err
	})
	stop := context.AfterFunc(ctx, func() { s.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	s.loop(ctx)
	wg.Wait()

	s.mu.Lock()
	s.ended = true
	pb := s.playing
	s.playing = nil
	s.queueDigits(s.dr.finish(s.tDigits[:0]))
	s.mu.Unlock()
	if pb != nil {
		pb.finish(true)
	}
	close(s.frames)
	close(s.digits)
	return <-readErr
}

// loop runs tick n at start + n×20 ms: a monotonic schedule. Behind by a tick or more it runs two
// ticks per wake-up until it has caught up (no burst); behind by more than maxBehind it runs the
// missed ticks without sending (the receive side, frames and recording stay whole).
func (s *Session) loop(ctx context.Context) {
	start := s.clock.Now()
	t := s.clock.NewTimer(0)
	defer t.Stop()
	var next int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		due := int64(s.clock.Now().Sub(start) / FramePeriod)
		if due-next > maxBehind {
			for ; next < due; next++ {
				s.skipped.Add(1)
				s.lateTicks.Add(1)
				s.tick(next, false)
			}
		}
		for i := 0; i < 2 && next <= due; i++ {
			if next < due {
				s.lateTicks.Add(1)
			}
			s.tick(next, true)
			next++
		}
		t.Reset(max(start.Add(time.Duration(next)*FramePeriod).Sub(s.clock.Now()), 0))
	}
}

// tick plays tick n: one frame out of the jitter buffer, one frame of the playing source (or a
// DTMF packet) to the peer, both to the recorder and to Frames.
func (s *Session) tick(n int64, sending bool) {
	f := &s.frame
	*f = Frame{At: time.Duration(n) * FramePeriod}
	s.mu.Lock()
	s.now = n
	if s.recv {
		f.Lost = s.jb.pop(&f.Caller, n, &s.stats)
	}
	f.Hold = !s.send && !s.recv
	s.queueDigits(s.dr.expire(n, s.tDigits[:0]))
	send := s.send && sending && s.p.Remote.IsValid()
	pb := s.playing
	if !s.send {
		pb = nil // on hold the prompt waits
	}
	remote, codec, dtmfPT, tx := s.p.Remote, s.p.Codec, s.p.DTMFPayloadType, s.tx
	s.mu.Unlock()
	s.ticks.Add(1)

	if send && s.dtmfCur == nil && dtmfPT != 0 {
		if s.dtmfGap > 0 {
			s.dtmfGap--
		} else {
			select {
			case d := <-s.dtmfOut:
				d.ts = s.outTS
				s.dtmfCur = &d
			default:
			}
		}
	}
	switch {
	case send && s.dtmfCur != nil:
		payload, marker, done := s.dtmfCur.next(s.evBuf[:])
		s.write(remote, tx, dtmfPT, marker, s.dtmfCur.ts, payload)
		if done {
			s.dtmfCur, s.dtmfGap = nil, dtmfGap
		}
		s.sentLast = true
	case sending && pb != nil && s.pull(pb, &f.Played) && send:
		s.sendAudio(remote, tx, codec, &f.Played)
	case send && !s.dtx:
		s.sendAudio(remote, tx, codec, &f.Played) // silence
	default:
		s.sentLast = false
	}
	s.outTS += FrameSamples

	if s.rec != nil {
		if err := s.rec.Write(&f.Caller, &f.Played); err != nil {
			s.recErrs.Add(1)
			if !s.recFail {
				s.recFail = true
				s.log.Warn("recording write failed; the call goes on", "err", err)
			}
		}
	}
	select {
	case s.frames <- *f:
	default:
		s.framesDropped.Add(1)
	}
}

// pull takes the next frame of pb; when pb is finished it ends it and leaves buf silent.
func (s *Session) pull(pb *Playback, buf *[FrameSamples]int16) bool {
	if pb.src.Next(buf) {
		return true
	}
	*buf = [FrameSamples]int16{}
	s.mu.Lock()
	if s.playing == pb {
		s.playing = nil
	}
	s.mu.Unlock()
	pb.finish(false)
	return false
}

func (s *Session) sendAudio(remote netip.AddrPort, tx *srtp.Context, c Codec, pcm *[FrameSamples]int16) {
	h := rtp.Header{Version: 2, Marker: !s.sentLast, PayloadType: uint8(c), SequenceNumber: s.outSeq, Timestamp: s.outTS, SSRC: s.ssrc}
	s.outSeq++
	s.sentLast = true
	n, _ := h.MarshalTo(s.pkt[:])
	c.Encode(s.pkt[n:], pcm[:])
	s.transmit(remote, tx, s.pkt[:n+FrameSamples])
}

func (s *Session) write(remote netip.AddrPort, tx *srtp.Context, pt uint8, marker bool, ts uint32, payload []byte) {
	h := rtp.Header{Version: 2, Marker: marker, PayloadType: pt, SequenceNumber: s.outSeq, Timestamp: ts, SSRC: s.ssrc}
	s.outSeq++
	n, _ := h.MarshalTo(s.pkt[:])
	n += copy(s.pkt[n:], payload)
	s.transmit(remote, tx, s.pkt[:n])
}

func (s *Session) transmit(remote netip.AddrPort, tx *srtp.Context, b []byte) {
	if tx != nil {
		out, err := tx.EncryptRTP(s.enc[:0], b, &s.thdr)
		if err != nil {
			s.sendErrs.Add(1)
			return
		}
		b, s.enc = out, out // grown on the first packet, reused after (plain calls never need it)
	}
	if _, err := s.conn.WriteToUDPAddrPort(b, remote); err != nil {
		s.sendErrs.Add(1)
		return
	}
	s.packetsOut.Add(1)
}

// read is the reader goroutine.
func (s *Session) read(ctx context.Context) error {
	buf := make([]byte, mtu)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				continue
			}
			return fmt.Errorf("media: read RTP: %w", err)
		}
		s.receive(buf[:n], from)
	}
}

// receive is the parse path of one datagram.
func (s *Session) receive(data []byte, from netip.AddrPort) {
	if len(data) < rtpHeader || data[0]>>6 != 2 {
		s.invalid()
		return
	}
	if pt := data[1] & 0x7F; pt >= 64 && pt <= 95 {
		return // RTCP multiplexed on the RTP port (RFC 5761): not used
	}
	s.mu.Lock()
	remote, rx, latching := s.p.Remote, s.rx, s.latch && !s.latched
	s.mu.Unlock()
	if !latching && remote.IsValid() && from.Addr().Unmap() != remote.Addr().Unmap() {
		s.invalid()
		return
	}
	if rx != nil {
		out, err := rx.DecryptRTP(s.dec[:0], data, &s.rhdr)
		if err != nil {
			s.invalid()
			return
		}
		data, s.dec = out, out
	}
	if err := s.rpkt.Unmarshal(data); err != nil {
		s.invalid()
		return
	}
	s.mu.Lock()
	if s.take(&s.rpkt) && latching && !s.latched {
		s.latched = true
		if from != s.p.Remote {
			s.log.Debug("RTP latched to the peer's source", "from", from, "sdp", s.p.Remote)
			s.p.Remote = from
		}
	}
	s.mu.Unlock()
	if s.onPacket != nil {
		s.onPacket()
	}
}

// take routes one received packet by payload type and reports whether it was one of the call's
// (negotiated payload type); s.mu is held.
func (s *Session) take(pk *rtp.Packet) bool {
	known := pk.PayloadType == uint8(s.p.Codec) || pk.PayloadType == payloadCN ||
		s.p.DTMFPayloadType != 0 && pk.PayloadType == s.p.DTMFPayloadType
	if !known {
		s.stats.Invalid++
		return false
	}
	s.stats.PacketsIn++
	v := s.seq.check(pk.SSRC, pk.SequenceNumber, &s.stats)
	switch {
	case pk.PayloadType == uint8(s.p.Codec):
		if s.recv {
			s.jb.push(v, pk.Timestamp, pk.Payload, s.p.Codec.decodeTable(), s.now, &s.stats)
		}
	case s.p.DTMFPayloadType != 0 && pk.PayloadType == s.p.DTMFPayloadType:
		if v == seqRestart {
			s.jb.reset()
		}
		if !s.recv || v == seqDup || v == seqTooOld {
			return true
		}
		e, err := ParseEvent(pk.Payload)
		if err != nil {
			return true
		}
		s.queueDigits(s.dr.push(e, pk.Timestamp, s.now, s.rDigits[:0]))
	}
	return true
}

func (s *Session) invalid() {
	s.mu.Lock()
	s.stats.Invalid++
	s.mu.Unlock()
}

// queueDigits hands digits to DTMF without waiting; s.mu is held.
func (s *Session) queueDigits(ds []Digit) {
	for _, d := range ds {
		select {
		case s.digits <- d:
		default:
			s.stats.DigitsDropped++
		}
	}
}

// Play starts src, replacing (and interrupting) what was playing. After Run has returned the
// playback is already done and interrupted.
func (s *Session) Play(src Source) *Playback {
	pb := &Playback{s: s, src: src, done: make(chan struct{})}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		pb.finish(true)
		return pb
	}
	old := s.playing
	s.playing = pb
	s.mu.Unlock()
	if old != nil {
		old.finish(true)
	}
	return pb
}

// StopPlayback interrupts what is playing (barge-in).
func (s *Session) StopPlayback() {
	s.mu.Lock()
	old := s.playing
	s.playing = nil
	s.mu.Unlock()
	if old != nil {
		old.finish(true)
	}
}

// SendDTMF queues one key press ('0'–'9', '*', '#', 'A'–'D') to send as RFC 4733 events of
// duration d (clamped to 40 ms–8 s): a packet per tick with the marker on the first, three end
// packets, then 60 ms of audio before the next key. Audio pauses meanwhile. Without a negotiated
// telephone-event payload type, or with 16 keys already queued, the key is dropped and logged.
func (s *Session) SendDTMF(key byte, d time.Duration) {
	code, ok := eventOfKey(key)
	if !ok {
		s.log.Warn("send DTMF: not a DTMF key", "key", key)
		return
	}
	s.mu.Lock()
	pt := s.p.DTMFPayloadType
	s.mu.Unlock()
	if pt == 0 {
		s.log.Warn("send DTMF: telephone-event not negotiated; key dropped")
		return
	}
	d = max(dtmfMinDur, min(d, dtmfMaxDur))
	select {
	case s.dtmfOut <- dtmfSend{code: code, total: uint16(d * sampleRate / time.Second)}:
	default:
		s.log.Warn("send DTMF: queue full; key dropped")
	}
}

// Update applies a re-INVITE's new parameters: remote address, codec, keys, direction.
// "sendonly" and "inactive" (as the peer declared them) put the call on hold: nothing is sent, the
// playing source waits, received audio is ignored; "recvonly" sends but ignores received audio;
// "sendrecv" resumes (the first packet carries the marker bit, the jitter buffer starts over).
// On error the session keeps its old parameters.
func (s *Session) Update(p Params) error {
	send, recv, err := p.directions()
	if err != nil {
		return err
	}
	s.mu.Lock()
	same := sameSDES(s.p.SRTP, p.SRTP)
	s.mu.Unlock()
	var tx, rx *srtp.Context
	if !same && p.SRTP != nil {
		if tx, rx, err = srtpContexts(p.SRTP); err != nil {
			return fmt.Errorf("media: update: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !same {
		s.tx, s.rx = tx, rx
	}
	moved := p.Remote != s.sdpRemote
	if !recv || moved {
		s.jb.reset()
		s.seq = seqTracker{}
	}
	s.sdpRemote = p.Remote
	if moved {
		s.latched = false
	} else if s.latched {
		p.Remote = s.p.Remote // the same SDP address: keep the latched source
	}
	s.p, s.send, s.recv = p, send, recv
	return nil
}

func sameSDES(a, b *SDES) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Suite == b.Suite && string(a.Local) == string(b.Local) && string(a.Remote) == string(b.Remote)
}
