package vad

// canceller is a normalised-LMS adaptive filter from the played prompt (the reference) to the
// caller's channel: it predicts the line's echo of the prompt and subtracts it. Adaptation stops
// while the caller may be speaking (double talk), so the caller's voice does not pull the filter.
//
// Alongside it, the canceller tracks the echo return loss of the line (ERL: echo power over the
// reference power), so the detector can bound the echo any frame may carry. The bound does not
// count on the filter's convergence: right after the prompt moves to new sounds the filter lags,
// and only the bound keeps that lag from being taken for the caller. Once converged, the filter
// removes the echo from the audio the recogniser gets.
type canceller struct {
	taps  int
	w     []float32 // weights, reversed: w[i] multiplies hist[n+1+i] for output sample n
	hist  []float32 // the last taps reference samples, then the current frame
	refPw []float64 // reference frame powers over the echo tail, newest last

	erl float64
	// the taps in use: all of them until the echo path is found, then a window around it
	winLo, winHi int
	stable       int  // frames the path has held still
	active       bool // the reference had energy within the echo tail
}

const (
	nlmsStep   = 0.5
	windowPad  = 32     // taps kept either side of the echo path once found
	refFloor   = 1000.0 // reference frame power below which the prompt is silent (about −60 dBFS)
	erlInitial = 1.0    // 0 dB: assume the worst until measured
	erlDecay   = 0.98   // per frame: 6 dB in 1.4 s
	// erlSkip: below this ERL (−40 dB) the echo is under the line's own noise for any prompt
	// level, and filtering it costs most of a call's CPU for nothing.
	erlSkip = 1e-4
)

func newCanceller(taps int) *canceller {
	c := &canceller{taps: taps}
	c.w = make([]float32, taps)
	c.hist = make([]float32, taps+FrameSamples)
	c.refPw = make([]float64, (taps+FrameSamples-1)/FrameSamples+1)
	c.reset()
	return c
}

func (c *canceller) reset() {
	clear(c.w)
	clear(c.hist)
	clear(c.refPw)
	c.erl = erlInitial
	c.winLo, c.winHi, c.stable = 0, c.taps, 0
	c.active = false
}

// process cancels the echo of played in mic, writing the residual to out. adapt says whether the
// filter may learn from this frame. It returns the reference's largest frame power over the tail.
func (c *canceller) process(mic, out *[FrameSamples]float64, played *[FrameSamples]int16, adapt bool) float64 {
	L := c.taps
	copy(c.hist, c.hist[FrameSamples:])
	var pr float64
	for i := range FrameSamples {
		var x float32
		if played != nil {
			x = float32(played[i])
		}
		c.hist[L+i] = x
		pr += float64(x) * float64(x)
	}
	copy(c.refPw, c.refPw[1:])
	c.refPw[len(c.refPw)-1] = pr / FrameSamples
	tail := 0.0
	for _, p := range c.refPw {
		tail = max(tail, p)
	}
	c.active = tail > refFloor
	if lo, hi, ok := c.delayFrames(); ok && c.active {
		// The filter has found the echo path: only the frames it reaches back to can echo now.
		tail = 0
		last := len(c.refPw) - 1
		for k := lo; k <= hi; k++ {
			tail = max(tail, c.refPw[last-k])
		}
	}
	if !c.active || c.erl < erlSkip {
		// Nothing to cancel: no prompt within the tail, or a line that returns no echo worth
		// filtering (most digital trunks). The ERL is still tracked from every frame, so an
		// echo that appears raises it at once and the filter runs again.
		*out = *mic
		return tail
	}
	c.track()
	lo, hi := c.winLo, c.winHi
	delta := float64(hi-lo) * refFloor
	// The regressor's energy over the window, for n = 0; then slid sample by sample.
	var norm float64
	for _, v := range c.hist[1+lo : 1+hi] {
		norm += float64(v) * float64(v)
	}
	for n := range FrameSamples {
		x := c.hist[n+1+lo : n+1+hi]
		w := c.w[lo:hi]
		y := dot(w, x)
		e := mic[n] - float64(y)
		out[n] = e
		if adapt {
			axpy(w, x, float32(nlmsStep*e/(norm+delta)))
		}
		if n+1 < FrameSamples {
			in, gone := float64(c.hist[n+1+hi]), float64(c.hist[n+1+lo])
			norm = max(norm+in*in-gone*gone, 0)
		}
	}
	return tail
}

// track narrows the filter to the taps around the echo path once the path has held still for
// half a second: the rest of the taps are noise to adapt and cost to run (a 72 ms tail is 576
// taps; a sharp path needs a few dozen around its delay).
func (c *canceller) track() {
	if c.winHi-c.winLo < c.taps {
		return // already narrowed
	}
	a, b, ok := c.pathTaps()
	if !ok {
		c.stable = 0
		return
	}
	c.stable++
	if c.stable < 25 {
		return
	}
	c.winLo, c.winHi = max(a-windowPad, 0), min(b+1+windowPad, c.taps)
	clear(c.w[:c.winLo])
	clear(c.w[c.winHi:])
}

// dot is Σ a[i]·b[i] with four accumulators (the additions do not wait on each other).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy adds g·x to w.
func axpy(w, x []float32, g float32) {
	x = x[:len(w)]
	i := 0
	for ; i+4 <= len(w); i += 4 {
		w[i] += g * x[i]
		w[i+1] += g * x[i+1]
		w[i+2] += g * x[i+2]
		w[i+3] += g * x[i+3]
	}
	for ; i < len(w); i++ {
		w[i] += g * x[i]
	}
}

// pathTaps finds the span of taps [a, b] holding 90% of the filter's energy, grown from its peak.
// ok is false while that span is wider than a frame (not converged, or a dispersive path).
func (c *canceller) pathTaps() (a, b int, ok bool) {
	var total float64
	peak := 0
	for i, w := range c.w {
		total += float64(w) * float64(w)
		if w*w > c.w[peak]*c.w[peak] {
			peak = i
		}
	}
	if total == 0 {
		return 0, 0, false
	}
	a, b = peak, peak
	acc := float64(c.w[peak]) * float64(c.w[peak])
	for acc < 0.9*total {
		left, right := -1.0, -1.0
		if a > 0 {
			left = float64(c.w[a-1]) * float64(c.w[a-1])
		}
		if b < len(c.w)-1 {
			right = float64(c.w[b+1]) * float64(c.w[b+1])
		}
		if left < 0 && right < 0 {
			break
		}
		if left >= right {
			a--
			acc += left
		} else {
			b++
			acc += right
		}
	}
	return a, b, b-a <= FrameSamples
}

// delayFrames says which past reference frames (0 = the current one) the converged filter draws
// the echo from.
func (c *canceller) delayFrames() (lo, hi int, ok bool) {
	a, b, ok := c.pathTaps()
	if !ok {
		return 0, 0, false
	}
	// Tap i reaches back taps−1−i samples; the frame being filtered spans 160 samples, so a lag of
	// d samples reaches frames floor(d/160) and floor(d/160)+1 back.
	dMin, dMax := c.taps-1-b, c.taps-1-a
	lo, hi = dMin/FrameSamples, dMax/FrameSamples+1
	return lo, min(hi, len(c.refPw)-1), true
}

// echoBound is the power of the loudest echo the line can return for a reference whose largest
// frame power over the tail is refTail.
func (c *canceller) echoBound(refTail float64) float64 {
	return c.erl * refTail
}

// learn updates the ERL from a frame judged to carry echo and noise only. noise is the noise
// power: frames whose mic power is not well above it say nothing about the echo.
func (c *canceller) learn(pMic, refTail, noise float64) {
	if !c.active || pMic < 4*noise {
		return
	}
	// pMic/refTail never exceeds the line's ERL (refTail is the loudest reference frame the echo
	// can come from), so the estimate follows its peaks and decays slowly in between.
	ratio := min(pMic/refTail, erlInitial)
	c.erl = max(ratio, c.erl*erlDecay)
}
