package vad

// canceller is a normalised-LMS adaptive filter from the played prompt (the reference) to the
// caller's channel: it predicts the line's echo of the prompt and subtracts it. Adaptation stops
// while the caller may be speaking (double talk), so the caller's voice does not pull the filter.
//
// Alongside it, echoModel keeps the figures the detector needs to tell the caller from what is left
// of the echo: the echo return loss of the line (ERL, mic power over reference power) and the echo
// return loss enhancement of the filter (ERLE, mic power over residual power) measured on frames
// that carry echo only. Before the filter converges ERLE is 1, so the expected residual echo is the
// whole echo and only speech clearly louder than it counts.
type canceller struct {
	taps  int
	w     []float32 // weights, reversed: w[i] multiplies hist[n+1+i] for output sample n
	hist  []float32 // the last taps reference samples, then the current frame
	norm  float64   // Σ x² over the regressor
	refPw []float64 // reference frame powers over the echo tail, newest last

	erl, erle float64
	active    bool // the reference had energy within the echo tail
}

const (
	nlmsStep   = 0.5
	refFloor   = 1000.0 // reference frame power below which the prompt is silent (about −60 dBFS)
	erlInitial = 1.0    // 0 dB: assume the worst until measured
	erleMax    = 1000.0 // 30 dB
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
	c.erl, c.erle = erlInitial, 1
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

// residualEcho is the power of echo expected to be left in the residual for a reference whose
// largest frame power over the tail is refTail.
func (c *canceller) residualEcho(refTail float64) float64 {
	return c.erl * refTail / c.erle
}

// learn updates ERL and ERLE from a frame judged to carry echo and noise only. noise is the
// residual's noise power: frames whose mic power is not well above it say nothing about the echo.
func (c *canceller) learn(pMic, pRes, refTail, noise float64) {
	if !c.active || pMic < 4*noise {
		return
	}
	ratio := pMic / refTail
	if ratio < c.erl {
		c.erl = 0.7*c.erl + 0.3*ratio
	} else {
		c.erl = 0.98*c.erl + 0.02*ratio
	}
	e := pMic / max(pRes-noise, pMic/erleMax)
	e = min(max(e, 1), erleMax)
	c.erle = 0.9*c.erle + 0.1*e
}
