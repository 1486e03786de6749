package media

import (
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// level identifies test frame k (k < 40): frame k is a constant of level(k), 800 apart, more than
// either law's quantization step below 16384, so each level has its own code.
func level(k int) int16 { return int16(-15600 + 800*k) }

// which returns the frame index whose level decodes to v, or -1.
func which(v int16, c Codec, n int) int {
	for k := range n {
		var b [1]byte
		c.Encode(b[:], []int16{level(k)})
		if c.Decode(make([]int16, 1), b[:]); c.decodeTable()[b[0]] == v {
			return k
		}
	}
	return -1
}

// TestReceiveReorderLossDuplicate feeds 40 frames over loopback with one pair swapped, one frame
// lost, one duplicated and one arriving after its playout time, a tick of the fake clock per
// frame: the caller's side comes out in order, the holes concealed, and the counters say what
// happened.
func TestReceiveReorderLossDuplicate(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		t.Run(c.String(), func(t *testing.T) {
			pr := newPeer(t)
			pc := newPacketCounter()
			s := startSession(t, Params{Remote: pr.addr(), Codec: c}, Options{OnPacket: pc.inc, DTX: true})
			pr.to = s.addr()
			first := s.frame(t) // tick 0, before any packet
			if first.Lost || slices.Max(first.Caller[:]) != 0 {
				t.Fatalf("tick 0: %+v", first.Lost)
			}
			const n = 40
			// schedule[i] lists the frames sent just before tick i+1.
			schedule := make([][]int, n)
			for k := range n {
				schedule[k] = []int{k}
			}
			schedule[5], schedule[6] = []int{6}, []int{5} // swapped
			schedule[10] = nil                            // lost
			schedule[20] = []int{20, 20}                  // duplicated
			schedule[30] = nil                            // late: sent after its playout
			schedule[36] = []int{36, 30}
			const seq0, ts0 = 65530, 0xFFFFF000 // both wrap during the test
			sent := 0
			var got []Frame
			for i := range n {
				for _, k := range schedule[i] {
					pr.audio(seq0+uint16(k), ts0+uint32(k*FrameSamples), c, tone(level(k)))
					sent++
				}
				pc.wait(t, sent)
				got = append(got, s.step(t))
			}
			// Tick i+1 plays frame i-3: 60 ms of depth, three ticks between a packet and its playout.
			for i, f := range got {
				k := i - 3
				switch {
				case k < 0:
					if f.Lost || slices.Max(f.Caller[:]) != 0 {
						t.Errorf("tick %d: want silence while the buffer fills", i+1)
					}
				case k == 10 || k == 30:
					prev := which(got[i-1].Caller[0], c, n)
					want := c.decodeTable()[c.encodeOne(level(prev))] >> 1
					if !f.Lost || f.Caller[0] != want {
						t.Errorf("tick %d (frame %d): lost=%v level %d, want concealed %d", i+1, k, f.Lost, f.Caller[0], want)
					}
				default:
					if f.Lost || which(f.Caller[0], c, n) != k || f.Caller[0] != f.Caller[FrameSamples-1] {
						t.Errorf("tick %d: lost=%v level %d (frame %d), want frame %d", i+1, f.Lost, f.Caller[0], which(f.Caller[0], c, n), k)
					}
				}
			}
			st := s.Stats()
			want := Stats{PacketsIn: uint64(sent), Lost: 1, Late: 1, Reordered: 2, Duplicates: 1, Concealed: 2}
			if st.PacketsIn != want.PacketsIn || st.Lost != want.Lost || st.Late != want.Late || st.Reordered != want.Reordered ||
				st.Duplicates != want.Duplicates || st.Concealed != want.Concealed || st.Resyncs != 0 || st.Invalid != 0 {
				t.Errorf("stats %+v, want %+v", st, want)
			}
		})
	}
}

func (c Codec) encodeOne(v int16) byte {
	var b [1]byte
	c.Encode(b[:], []int16{v})
	return b[0]
}

// TestSSRCChangeResyncs: a new SSRC (a transfer leg, an SBC failover) with unrelated sequence
// numbers and timestamps restarts the buffer instead of being dropped as late.
func TestSSRCChangeResyncs(t *testing.T) {
	pr := newPeer(t)
	pc := newPacketCounter()
	s := startSession(t, Params{Remote: pr.addr(), Codec: PCMU}, Options{OnPacket: pc.inc})
	pr.to = s.addr()
	s.frame(t)
	heard := 0
	for k := range 20 {
		if k == 10 {
			pr.ssrc = 0x99
		}
		seq, ts := uint16(100+k), uint32(5000+k*FrameSamples)
		if k >= 10 {
			seq, ts = uint16(40000+k), uint32(900000+k*FrameSamples)
		}
		pr.audio(seq, ts, PCMU, tone(level(k)))
		pc.wait(t, k+1)
		if f := s.step(t); f.Caller[0] != 0 && !f.Lost {
			heard++
		}
	}
	if st := s.Stats(); st.Resyncs != 1 || st.Late != 0 || st.Lost != 0 {
		t.Errorf("stats %+v", st)
	}
	// 7 frames of each stream: three ticks of filling each time, and the two frames of the old
	// stream still buffered at the change are dropped with it.
	if heard != 14 {
		t.Errorf("heard %d frames of 20, want 14", heard)
	}
}

// TestPlayPacing plays 50 frames with DTX: exactly 50 packets, consecutive sequence numbers,
// timestamps 160 apart, the marker on the first; Done closes uninterrupted; each tick's Played is
// the frame sent.
func TestPlayPacing(t *testing.T) {
	pr := newPeer(t)
	s := startSession(t, Params{Remote: pr.addr(), Codec: PCMA}, Options{DTX: true})
	pr.to = s.addr()
	s.frame(t)
	const n = 50
	var pcm []int16
	for k := range n {
		pcm = append(pcm, tone(level(k))...)
	}
	pb := s.Play(PCM(pcm))
	var played []Frame
	for range n + 1 {
		played = append(played, s.step(t))
	}
	select {
	case <-pb.Done():
	default:
		t.Fatal("playback not done after its frames")
	}
	if pb.Interrupted() {
		t.Error("finished playback reports interrupted")
	}
	var prev rtp.Packet
	for k := range n {
		pk := pr.recv()
		if pk.Marker != (k == 0) {
			t.Errorf("packet %d marker %v", k, pk.Marker)
		}
		if k > 0 && (pk.SequenceNumber != prev.SequenceNumber+1 || pk.Timestamp != prev.Timestamp+FrameSamples || pk.SSRC != prev.SSRC) {
			t.Errorf("packet %d: seq %d ts %d after seq %d ts %d", k, pk.SequenceNumber, pk.Timestamp, prev.SequenceNumber, prev.Timestamp)
		}
		if v := ALawDecode(pk.Payload[0]); v != ALawDecode(ALawEncode(level(k))) || len(pk.Payload) != FrameSamples {
			t.Errorf("packet %d carries level %d (%d bytes)", k, v, len(pk.Payload))
		}
		if played[k].Played[0] != level(k) {
			t.Errorf("tick %d Played %d, want %d", k+1, played[k].Played[0], level(k))
		}
		prev = pk
	}
	if st := s.Stats(); st.PacketsOut != n || st.LateTicks != 0 {
		t.Errorf("stats %+v, want %d packets out and no late tick", st, n)
	}
	// A second prompt after the pause: the marker again, the timestamp showing the pause.
	s.Play(PCM(tone(7)))
	s.step(t)
	pk := pr.recv()
	if !pk.Marker || pk.SequenceNumber != prev.SequenceNumber+1 || pk.Timestamp != prev.Timestamp+2*FrameSamples {
		t.Errorf("after the pause: marker %v seq %d ts %d", pk.Marker, pk.SequenceNumber, pk.Timestamp)
	}
}

// TestPlayReplaceAndBargeIn: a later Play interrupts the earlier one, StopPlayback interrupts,
// and silence goes out in between (no DTX).
func TestPlayReplaceAndBargeIn(t *testing.T) {
	pr := newPeer(t)
	s := startSession(t, Params{Remote: pr.addr(), Codec: PCMU}, Options{})
	pr.to = s.addr()
	s.frame(t)
	if pk := pr.recv(); !pk.Marker || pk.Payload[0] != 0xFF {
		t.Fatalf("tick 0 sends marked silence, got marker %v payload %x", pk.Marker, pk.Payload[0])
	}
	long := make([]int16, 100*FrameSamples)
	for i := range long {
		long[i] = 3000
	}
	a := s.Play(PCM(long))
	s.step(t)
	b := s.Play(PCM(long))
	<-a.Done()
	if !a.Interrupted() {
		t.Error("replaced playback not interrupted")
	}
	f := s.step(t)
	s.StopPlayback()
	<-b.Done()
	if !b.Interrupted() || f.Played[0] != 3000 {
		t.Errorf("barge-in: interrupted %v, played %d", b.Interrupted(), f.Played[0])
	}
	if f := s.step(t); f.Played[0] != 0 {
		t.Errorf("after barge-in Played %d, want silence", f.Played[0])
	}
	for range 3 {
		if pk := pr.recv(); pk.Marker {
			t.Error("marker on a continuous stream")
		}
	}
}

// TestLateTicksCatchUpWithoutBurst: the clock jumps 3 periods: the ticker runs the missed ticks
// two per wake-up and counts them late; a jump of a second skips ahead without sending the missed
// frames.
func TestLateTicksCatchUpWithoutBurst(t *testing.T) {
	pr := newPeer(t)
	rec := newTickRecorder()
	s := startSession(t, Params{Remote: pr.addr(), Codec: PCMU}, Options{Recorder: rec})
	pr.to = s.addr()
	s.frame(t)
	pr.recv()
	s.clock.Advance(3 * FramePeriod)
	for range 3 {
		s.frame(t)
	}
	if st := s.Stats(); st.LateTicks != 2 || st.Ticks != 4 || st.PacketsOut != 4 {
		t.Errorf("after a 60 ms stall: %+v", st)
	}
	s.clock.Advance(time.Second)
	rec.wait(t, 54) // the frames of skipped ticks may be dropped: the recorder sees every tick
	st := s.Stats()
	if st.Ticks != 54 || st.SkippedTicks != 49 || st.PacketsOut != 5 {
		t.Errorf("after a 1 s stall: ticks %d skipped %d out %d", st.Ticks, st.SkippedTicks, st.PacketsOut)
	}
	var last rtp.Packet
	for range 3 {
		last = pr.recv()
	}
	if pk := pr.recv(); pk.Timestamp != last.Timestamp+50*FrameSamples || pk.SequenceNumber != last.SequenceNumber+1 {
		t.Errorf("after the skip: ts +%d seq +%d", pk.Timestamp-last.Timestamp, pk.SequenceNumber-last.SequenceNumber)
	}
}

// TestHoldAndResume: Update to sendonly (the peer holds) stops sending and hearing, the prompt
// waits; sendrecv resumes it where it stopped, with the marker.
func TestHoldAndResume(t *testing.T) {
	pr := newPeer(t)
	p := Params{Remote: pr.addr(), Codec: PCMU, Direction: "sendrecv"}
	s := startSession(t, p, Options{DTX: true})
	pr.to = s.addr()
	s.frame(t)
	pcm := append(tone(100), append(tone(200), tone(300)...)...)
	pb := s.Play(PCM(pcm))
	s.step(t)
	first := pr.recv()
	for _, dir := range []string{"sendonly", "inactive"} {
		p.Direction = dir
		if err := s.Update(p); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if f := s.step(t); !f.Hold || f.Played[0] != 0 {
				t.Fatalf("%s: hold %v played %d", dir, f.Hold, f.Played[0])
			}
		}
		out := s.Stats().PacketsOut
		pr.audio(1, 1, PCMU, tone(5000)) // music on hold: not heard
		s.step(t)
		if st := s.Stats(); st.PacketsOut != out || st.Concealed != 0 {
			t.Fatalf("%s: %+v", dir, st)
		}
		p.Direction = "sendrecv"
		s.Update(p)
		f := s.step(t)
		pk := pr.recv()
		if !pk.Marker || pk.SequenceNumber != first.SequenceNumber+1 || f.Played[0] != 200 && f.Played[0] != 300 {
			t.Fatalf("resume from %s: marker %v seq +%d played %d", dir, pk.Marker, pk.SequenceNumber-first.SequenceNumber, f.Played[0])
		}
		first = pk
	}
	s.step(t)
	<-pb.Done()
	if pb.Interrupted() {
		t.Error("held prompt interrupted")
	}
	if err := s.Update(Params{Codec: 9}); err == nil {
		t.Error("Update with G.722 accepted")
	}
}

// TestRunEndsPlaybackAndCloses: ending Run interrupts the playback, closes Frames and DTMF, and
// a Play afterwards is done at once.
func TestRunEndsPlaybackAndCloses(t *testing.T) {
	conn, err := testPorts(t).Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := NewSession(conn, Params{Codec: PCMU}, Options{Clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	pb := s.Play(PCM(make([]int16, 1000*FrameSamples)))
	ctx, cancel := contextWithCancel(t)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	<-s.Frames()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-pb.Done()
	if !pb.Interrupted() {
		t.Error("playback at the end of the call not interrupted")
	}
	for range s.Frames() {
	}
	if _, ok := <-s.DTMF(); ok {
		t.Error("DTMF open after Run")
	}
	if later := s.Play(PCM(tone(1))); !later.Interrupted() {
		t.Error("Play after Run not done")
	}
	if err := s.Run(ctx); err == nil {
		t.Error("second Run accepted")
	}
}

// TestLatch: a peer behind NAT names one address in its SDP and sends from another. Without Latch
// its packets are dropped; with it the session takes the first packet's source for both ways.
func TestLatch(t *testing.T) {
	for _, latch := range []bool{false, true} {
		pr := newPeer(t)
		sdp := newPeerOn(t, "127.0.0.2:0") // the address the SDP names
		pc := newPacketCounter()
		s := startSession(t, Params{Remote: sdp.addr(), Codec: PCMU}, Options{OnPacket: pc.inc, Latch: latch, DTX: true})
		pr.to, sdp.to = s.addr(), s.addr()
		s.frame(t)
		pr.audio(1, 160, PCMU, tone(1000))
		if !latch {
			// The packet from the SDP's address, sent after, is the barrier: loopback delivers a
			// datagram before sendto returns, so the first one was read before it.
			sdp.audio(2, 320, PCMU, tone(1000))
		}
		pc.wait(t, 1)
		if st := s.Stats(); st.PacketsIn != 1 || (st.Invalid == 1) == latch {
			t.Fatalf("latch %v: %+v", latch, st)
		}
		if !latch {
			continue
		}
		s.Play(PCM(tone(2000)))
		s.step(t)
		if pk := pr.recv(); ULawDecode(pk.Payload[0]) != ULawDecode(ULawEncode(2000)) {
			t.Errorf("latched peer got %d", ULawDecode(pk.Payload[0]))
		}
		// A re-INVITE with the same SDP keeps the latched source.
		if err := s.Update(Params{Remote: sdp.addr(), Codec: PCMU}); err != nil {
			t.Fatal(err)
		}
		s.Play(PCM(tone(3000)))
		s.step(t)
		if pk := pr.recv(); ULawDecode(pk.Payload[0]) != ULawDecode(ULawEncode(3000)) {
			t.Errorf("after re-INVITE the peer got %d", ULawDecode(pk.Payload[0]))
		}
	}
}
