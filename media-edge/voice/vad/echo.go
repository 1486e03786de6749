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
	norm  float64   // Σ x² over the regressor
	refPw []float64 // reference frame powers over the echo tail, newest last

	erl    float64
	active bool // the reference had energy within the echo tail
}

const (
	nlmsStep   = 0.5
	refFloor   = 1000.0 // reference frame power below which the prompt is silent (about −60 dBFS)
	erlInitial = 1.0    // 0 dB: assume the worst until measured
	erlDecay   = 0.98   // per frame: 6 dB in 1.4 s
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
	c.norm = 0
	c.erl = erlInitial
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
	if !c.active {
		// Nothing to cancel. Keep the regressor norm in step with the (silent) history.
		*out = *mic
		c.norm = 0
		return tail
	}
	delta := float64(L) * refFloor
	for n := range FrameSamples {
		xn := float64(c.hist[L+n])
		xo := float64(c.hist[n])
		c.norm += xn*xn - xo*xo
		if c.norm < 0 {
			c.norm = 0
		}
		x := c.hist[n+1 : n+1+L]
		w := c.w[:len(x)]
		var y float32
		for i, v := range x {
			y += w[i] * v
		}
		e := mic[n] - float64(y)
		out[n] = e
		if adapt {
			g := float32(nlmsStep * e / (c.norm + delta))
			for i, v := range x {
				w[i] += g * v
			}
		}
	}
	return tail
}

// delayFrames says which past reference frames (0 = the current one) the converged filter draws
// the echo from: those holding the taps with 90% of its energy. ok is false while the filter has
// not concentrated its energy in a short span (not converged, or a dispersive path).
func (c *canceller) delayFrames() (lo, hi int, ok bool) {
	var total float64
	for _, w := range c.w {
		total += float64(w) * float64(w)
	}
	if total == 0 {
		return 0, 0, false
	}
	// w[i] multiplies the sample i−taps+1 samples back from the newest, relative to the output
	// sample; find the smallest window of taps holding 90% of the energy from the peak outwards.
	peak := 0
	for i, w := range c.w {
		if w*w > c.w[peak]*c.w[peak] {
			peak = i
		}
	}
	a, b := peak, peak
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
	if b-a > FrameSamples { // a spread over more than a frame: no sharp path yet
		return 0, 0, false
	}
	// Tap i reaches back taps−1−i samples; the frame being filtered spans 160 samples, so a lag of
	// d samples reaches frames floor(d/160) and floor(d/160)+1 back.
	dMin, dMax := c.taps-1-b, c.taps-1-a
	lo, hi = dMin/FrameSamples, dMax/FrameSamples+1
	hi = min(hi, len(c.refPw)-1)
	return lo, hi, true
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
