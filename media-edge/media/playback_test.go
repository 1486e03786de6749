package media

import "testing"

func TestPCMSource(t *testing.T) {
	src := PCM(make([]int16, FrameSamples+10))
	var buf [FrameSamples]int16
	buf[50] = 9
	n := 0
	for src.Next(&buf) {
		n++
	}
	if n != 2 || buf[50] != 0 {
		t.Errorf("%d frames (want 2, the last padded)", n)
	}
}

// TestLive: frames come out in order, a slow reader loses the oldest beyond the depth, an empty
// queue plays silence, and Close ends the source once drained.
func TestLive(t *testing.T) {
	l := NewLive()
	var f, out [FrameSamples]int16
	for i := range 5 {
		f[0] = int16(i + 1)
		l.Push(&f)
	}
	for _, want := range []int16{3, 4, 5, 0} {
		if !l.Next(&out) || out[0] != want {
			t.Fatalf("got %d, want %d", out[0], want)
		}
	}
	if l.Dropped() != 2 {
		t.Errorf("dropped %d", l.Dropped())
	}
	f[0] = 7
	l.Push(&f)
	l.Close()
	l.Push(&f) // after Close: ignored
	if !l.Next(&out) || out[0] != 7 {
		t.Fatalf("queued frame after Close: %d", out[0])
	}
	if l.Next(&out) {
		t.Error("closed and drained source still playing")
	}
}

// TestBridge: two sessions joined by Live sources (a transfer through the edge): what one leg's
// peer says reaches the other leg's peer.
func TestBridge(t *testing.T) {
	caller, agent := newPeer(t), newPeer(t)
	pc := newPacketCounter()
	a := startSession(t, Params{Remote: caller.addr(), Codec: PCMU}, Options{OnPacket: pc.inc, DTX: true})
	b := startSession(t, Params{Remote: agent.addr(), Codec: PCMA}, Options{DTX: true})
	caller.to = a.addr()
	a.frame(t)
	b.frame(t)
	toAgent := NewLive()
	b.Play(toAgent)
	for k := range 6 {
		caller.audio(uint16(k), uint32(k*FrameSamples), PCMU, tone(level(k)))
		pc.wait(t, k+1)
		f := a.step(t)
		toAgent.Push(&f.Caller)
		b.step(t)
	}
	// The agent hears three ticks of silence (A's jitter buffer filling), then frames 0–2, as
	// A-law.
	var heard []int16
	for range 6 {
		pk := agent.recv()
		heard = append(heard, ALawDecode(pk.Payload[0]))
	}
	if heard[0] != ALawDecode(ALawEncode(0)) {
		t.Errorf("agent heard %d before the caller spoke", heard[0])
	}
	heard = heard[3:]
	for i, v := range heard {
		want := ALawDecode(ALawEncode(ULawDecode(ULawEncode(level(i)))))
		if v != want {
			t.Errorf("agent heard %d as frame %d, want %d", v, i, want)
		}
	}
}
