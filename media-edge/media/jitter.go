package media

import "time"

// The receive side: sequence tracking (duplicates, reordering, loss, restarts) and the jitter
// buffer, a ring of 20 ms slots addressed by RTP timestamp relative to the playout point, so that
// any packet size, reordering and wraparound of both counters fall out of signed differences.

const (
	sampleRate = 8000
	// FramePeriod is one tick of a session: 20 ms, FrameSamples samples.
	FramePeriod = 20 * time.Millisecond

	// jbSlots bounds the buffer: 16 frames, 320 ms, about 5 KiB of samples however the peer sends.
	jbSlots = 16
	jbRing  = jbSlots * FrameSamples

	// maxDropout is the largest forward jump of sequence numbers taken as loss (RFC 3550 A.1);
	// a larger one is taken as a restart when the packet after it follows it.
	maxDropout = 3000
	// seqWindow is how far back a packet may arrive and still be placed (by sequence number).
	seqWindow = 64
	// driftWindow is the packets over which the buffer decides to grow or shrink by one frame.
	driftWindow = 50
	// calmWindows is how many windows in a row must hold a frame more than needed before the
	// buffer sheds one.
	calmWindows = 3
	// lowWater is the least margin (5 ms) a window's earliest packet may have before the buffer
	// grows: it grows before packets come late, not after.
	lowWater = FrameSamples / 4

	// concealRepeats is how many lost frames are filled from the last one before silence.
	concealRepeats = 2

	// DefaultJitterDepth is the buffer's target depth.
	DefaultJitterDepth = 60 * time.Millisecond
)

type seqVerdict uint8

const (
	seqNew     seqVerdict = iota // ahead of every packet so far
	seqOld                       // behind the newest, not seen before: reordered
	seqDup                       // seen before
	seqTooOld                    // too far behind to be placed, or a jump waiting for confirmation
	seqRestart                   // first packet, new SSRC, or a confirmed jump: start over
)

// seqTracker follows one stream's sequence numbers, whatever the payload type.
type seqTracker struct {
	started bool
	ssrc    uint32
	hi      uint16
	window  uint64 // bit i: packet hi-i received
	badSeq  int32  // the sequence number that confirms a jump, or -1
}

func (t *seqTracker) check(ssrc uint32, seq uint16, st *Stats) seqVerdict {
	if !t.started || ssrc != t.ssrc {
		t.restart(ssrc, seq)
		return seqRestart
	}
	delta := int16(seq - t.hi)
	switch {
	case delta == 0:
		st.Duplicates++
		return seqDup
	case delta > 0:
		if delta > maxDropout {
			if int32(seq) == t.badSeq {
				t.restart(ssrc, seq)
				return seqRestart
			}
			t.badSeq = int32(seq + 1)
			st.Late++
			return seqTooOld
		}
		if delta >= seqWindow {
			t.window = 1
		} else {
			t.window = t.window<<uint(delta) | 1
		}
		st.Lost += uint64(delta - 1)
		t.hi = seq
		t.badSeq = -1
		return seqNew
	default:
		back := -int(delta)
		if back >= seqWindow {
			if int32(seq) == t.badSeq {
				t.restart(ssrc, seq)
				return seqRestart
			}
			t.badSeq = int32(seq + 1)
			st.Late++
			return seqTooOld
		}
		bit := uint64(1) << uint(back)
		if t.window&bit != 0 {
			st.Duplicates++
			return seqDup
		}
		t.window |= bit
		st.Reordered++
		if st.Lost > 0 {
			st.Lost--
		}
		return seqOld
	}
}

func (t *seqTracker) restart(ssrc uint32, seq uint16) {
	*t = seqTracker{started: true, ssrc: ssrc, hi: seq, window: 1, badSeq: -1}
}

// jitter is the playout buffer of one stream.
type jitter struct {
	depth int32 // target lag of playout behind the newest packet, in samples

	ring [jbSlots][FrameSamples]int16
	fill [jbSlots]uint16
	head int    // the slot played next
	play uint32 // RTP timestamp of the first sample of that slot

	started     bool
	primed      bool                // a frame was played since the stream (re)started
	last        [FrameSamples]int16 // the last frame played from a packet
	concealRun  int
	lastArrival int64 // tick of the newest packet

	winN, calm    int
	winMin, lastD int32
	winLate       bool
	stall, skip   bool
	depthFrames   int64
}

func newJitter(depth time.Duration) *jitter {
	d := int32(depth / time.Millisecond * sampleRate / 1000)
	d = max(FrameSamples, min(d, jbRing/2))
	return &jitter{depth: d, depthFrames: int64(d / FrameSamples), winMin: jbRing}
}

// reset forgets the stream: the next packet starts it over (after hold, or a new remote).
func (j *jitter) reset() { j.started = false }

// push places one audio packet's samples. v is the sequence tracker's verdict on it.
func (j *jitter) push(v seqVerdict, ts uint32, payload []byte, dec *[256]int16, tick int64, st *Stats) {
	if len(payload) == 0 {
		return
	}
	switch v {
	case seqDup, seqTooOld:
		return
	case seqRestart:
		if j.started {
			st.Resyncs++
		}
		j.resync(ts)
	case seqNew:
		if !j.started {
			j.resync(ts)
			break
		}
		d := int32(ts - j.play)
		if d < -jbRing || d >= jbRing {
			st.Resyncs++
			j.resync(ts)
			break
		}
		j.track(d, len(payload))
	case seqOld:
		if j.started {
			j.track(int32(ts-j.play), len(payload))
		}
	}
	if v != seqOld {
		j.lastArrival = tick
	}
	if !j.write(ts, payload, dec) {
		st.Late++
		j.winLate = true
	}
}

// track watches how far ahead of playout packets arrive (reordered ones included), and every
// driftWindow packets grows the buffer by a frame if one came too late or nearly so (less than
// lowWater ahead), or sheds a frame when calmWindows windows in a row all held a frame more than
// the target, and every window after that which still does (the sender's clock runs faster than
// ours, or a delay spike has passed).
func (j *jitter) track(d int32, n int) {
	if d+int32(n) <= 0 {
		j.winLate = true
	}
	j.winMin = min(j.winMin, d)
	j.lastD = d
	j.winN++
	if j.winN < driftWindow {
		return
	}
	switch {
	case j.winLate || j.winMin < lowWater:
		j.calm = 0
		if j.lastD+2*FrameSamples < jbRing {
			j.stall = true // room for one more frame of lag
		}
	case j.winMin >= j.depth+FrameSamples:
		j.calm++
		if j.calm >= calmWindows {
			j.skip = true
		}
	default:
		j.calm = 0
	}
	j.winN, j.winMin, j.winLate = 0, jbRing, false
}

func (j *jitter) resync(ts uint32) {
	j.ring = [jbSlots][FrameSamples]int16{}
	j.fill = [jbSlots]uint16{}
	j.head = 0
	j.play = ts - uint32(j.depth)
	j.started, j.primed = true, false
	j.concealRun = 0
	j.winN, j.winMin, j.winLate, j.calm, j.stall, j.skip = 0, jbRing, false, 0, false, false
}

// write decodes payload into the slots from timestamp ts; false when it all came too late.
func (j *jitter) write(ts uint32, payload []byte, dec *[256]int16) bool {
	d := int32(ts - j.play)
	if len(payload) > jbRing {
		payload = payload[:jbRing]
	}
	n := int32(len(payload))
	if d+n <= 0 {
		return false
	}
	if d < 0 {
		payload = payload[-d:]
		d = 0
	}
	end := min(d+int32(len(payload)), jbRing)
	for pos := d; pos < end; {
		f, off := pos/FrameSamples, pos%FrameSamples
		slot := (j.head + int(f)) % jbSlots
		k := min(FrameSamples-off, end-pos)
		src := payload[pos-d : pos-d+k]
		dst := j.ring[slot][off : off+k]
		for i, b := range src {
			dst[i] = dec[b]
		}
		j.fill[slot] = uint16(min(int32(j.fill[slot])+k, FrameSamples))
		pos += k
	}
	return true
}

// pop plays the next frame into out; lost reports a concealed frame (a packet missing while the
// stream runs: the last frame repeated at half, then a quarter of its level, then silence).
func (j *jitter) pop(out *[FrameSamples]int16, tick int64, st *Stats) (lost bool) {
	if !j.started {
		*out = [FrameSamples]int16{}
		return false
	}
	if j.stall {
		j.stall = false
		j.conceal(out, st)
		return true
	}
	s := j.head
	switch {
	case j.fill[s] > 0:
		*out = j.ring[s]
		j.last = *out
		j.concealRun = 0
		j.primed = true
	case j.primed && j.gap(tick):
		j.conceal(out, st)
		lost = true
	default:
		*out = [FrameSamples]int16{}
		j.concealRun = concealRepeats // past the repeats: a loss after silence stays silent
	}
	j.advance()
	if j.skip {
		j.skip = false
		j.advance()
	}
	return lost
}

// gap reports whether the head slot is a hole in a running stream: a later packet is already
// here, or the stream was heard within the buffer's depth and a frame.
func (j *jitter) gap(tick int64) bool {
	if tick-j.lastArrival <= j.depthFrames+1 {
		return true
	}
	for i := 1; i < jbSlots; i++ {
		if j.fill[(j.head+i)%jbSlots] > 0 {
			return true
		}
	}
	return false
}

func (j *jitter) conceal(out *[FrameSamples]int16, st *Stats) {
	j.concealRun++
	st.Concealed++
	shift := uint(j.concealRun) // 1: half, 2: quarter
	if j.concealRun > concealRepeats {
		*out = [FrameSamples]int16{}
		return
	}
	for i, v := range j.last {
		out[i] = v >> shift
	}
}

func (j *jitter) advance() {
	j.ring[j.head] = [FrameSamples]int16{}
	j.fill[j.head] = 0
	j.head = (j.head + 1) % jbSlots
	j.play += FrameSamples
}
