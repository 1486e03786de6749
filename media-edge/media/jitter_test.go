package media

import (
	"testing"
)

// simulate runs a jitter buffer over ticks: packet k is sent at tick k×period/FramePeriod-ish
// (sendTick(k)) and arrives delay(k) ticks later; each tick takes that tick's arrivals, then
// plays a frame. It returns the stats and the lost (concealed) ticks.
func simulate(t *testing.T, ticks int, sendTick func(k int) int, delay func(k int) int) (Stats, int) {
	t.Helper()
	var st Stats
	var seq seqTracker
	j := newJitter(DefaultJitterDepth)
	arrivals := map[int][]int{}
	for k := 0; ; k++ {
		at := sendTick(k) + delay(k)
		if sendTick(k) >= ticks {
			break
		}
		arrivals[at] = append(arrivals[at], k)
	}
	payload := make([]byte, FrameSamples)
	for i := range payload {
		payload[i] = 0x10
	}
	var out [FrameSamples]int16
	lost := 0
	for n := range ticks {
		for _, k := range arrivals[n] {
			v := seq.check(1, uint16(k), &st)
			j.push(v, uint32(k*FrameSamples), payload, &ulawDecode, int64(n), &st)
		}
		if j.pop(&out, int64(n), &st) {
			lost++
		}
	}
	return st, lost
}

// A route that delays every tenth packet by 100 ms: the first few arrive late, the buffer grows
// a frame per window until they fit, and no more are late after that.
func TestJitterGrowsOnLatePackets(t *testing.T) {
	const ticks = 3000
	st, _ := simulate(t, ticks, func(k int) int { return k }, func(k int) int {
		if k%10 == 9 {
			return 5
		}
		return 0
	})
	t.Logf("%+v", st)
	if st.Late == 0 || st.Late > 15 || st.Resyncs != 0 {
		t.Errorf("stats %+v: want a few late packets while the buffer grows, no resync", st)
	}
	if st.Lost != 0 {
		t.Errorf("lost %d: late packets are not losses", st.Lost)
	}
}

// A sender whose clock runs 2% fast (51 packets per 50 of our ticks) fills the buffer: it sheds a
// frame now and then instead of overflowing and starting over.
func TestJitterShedsFastSender(t *testing.T) {
	st, _ := simulate(t, 10000, func(k int) int { return k * 50 / 51 }, func(int) int { return 0 })
	t.Logf("%+v", st)
	if st.Resyncs != 0 || st.Late != 0 {
		t.Errorf("stats %+v: want neither resync nor late packet", st)
	}
}

// A sender whose clock runs 2% slow starves the buffer: it conceals the frames that never come
// and grows when packets come late, without starting over.
func TestJitterSlowSender(t *testing.T) {
	const ticks = 10000
	st, lost := simulate(t, ticks, func(k int) int { return k * 51 / 50 }, func(int) int { return 0 })
	t.Logf("%+v lost %d", st, lost)
	if st.Resyncs != 0 || st.Late > ticks/100 {
		t.Errorf("stats %+v: want no resync and few late packets", st)
	}
	if lost < ticks/60 || lost > ticks/40 {
		t.Errorf("concealed %d of %d ticks, want about 2%%", lost, ticks)
	}
}

// Peers with another packetization (10 ms, 30 ms) fill the 20 ms frames from the timestamps:
// nothing is late, lost or concealed once the stream runs.
func TestJitterOtherPtime(t *testing.T) {
	for _, samples := range []int{80, 240} {
		var st Stats
		var seq seqTracker
		j := newJitter(DefaultJitterDepth)
		payload := make([]byte, samples)
		var out [FrameSamples]int16
		concealed := 0
		sent := 0
		for n := range 3000 {
			// A packet leaves once its last sample is due: by tick n, n×160 samples are due.
			for (sent+1)*samples <= n*FrameSamples {
				v := seq.check(1, uint16(sent), &st)
				j.push(v, uint32(sent*samples), payload, &ulawDecode, int64(n), &st)
				sent++
			}
			if j.pop(&out, int64(n), &st) {
				concealed++
			}
		}
		if st.Late != 0 || st.Resyncs != 0 || concealed != 0 {
			t.Errorf("ptime %d ms: %+v, concealed %d", samples/8, st, concealed)
		}
	}
}
