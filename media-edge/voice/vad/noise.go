package vad

// noiseTracker estimates the noise power of each band. Outside speech it follows the band power
// smoothly; it falls quickly whenever the power drops below it; and a minimum statistic (the lowest
// mean band power of 240 ms sub-windows over the last 2.4 s) lifts it when the noise rises while
// speech is being detected, so a louder line, or a babble of distant talkers, cannot hold the
// detector in speech for ever. Means over sub-windows rather than single frames keep the minimum
// near the mean of fluctuating noise; a pause of 240 ms in the caller's speech is enough for it.
type noiseTracker struct {
	level    [numBands]float64
	subSum   [numBands]float64 // sum over the current sub-window
	mins     [minWindows][numBands]float64
	subCount int
	filled   int // frames seen, up to initFrames
}

const (
	initFrames = 5    // the first frames are averaged unconditionally
	minSubLen  = 12   // frames per minimum-statistics sub-window
	minWindows = 10   // sub-windows: 10 × 12 frames = 2.4 s
	minBias    = 1.0  // the minimum of sub-window means is close to the mean for steady noise
	noiseFloor = 3000 // band power of white noise at about −75 dBFS: digital silence is not 0
	riseAlpha  = 0.95 // outside speech
	fallAlpha  = 0.8  // whenever the power is below the estimate
)

func (n *noiseTracker) reset() { *n = noiseTracker{} }

// update folds in one frame's band powers; speech says whether the frame is (possibly) speech.
func (n *noiseTracker) update(p *[numBands]float64, speech bool) {
	if n.filled < initFrames {
		n.filled++
		for b := range numBands {
			n.level[b] += (p[b] - n.level[b]) / float64(n.filled)
		}
		for w := range n.mins {
			n.mins[w] = n.level
		}
		n.clamp()
		return
	}
	for b := range numBands {
		switch {
		case p[b] < n.level[b]:
			n.level[b] = fallAlpha*n.level[b] + (1-fallAlpha)*p[b]
		case !speech:
			n.level[b] = riseAlpha*n.level[b] + (1-riseAlpha)*p[b]
		}
		n.subSum[b] += p[b]
	}
	n.subCount++
	if n.subCount < minSubLen {
		n.clamp()
		return
	}
	n.subCount = 0
	copy(n.mins[:], n.mins[1:])
	for b := range numBands {
		n.mins[minWindows-1][b] = n.subSum[b] / minSubLen
	}
	n.subSum = [numBands]float64{}
	for b := range numBands {
		m := n.mins[0][b]
		for w := range n.mins {
			m = min(m, n.mins[w][b])
		}
		n.level[b] = max(n.level[b], minBias*m)
	}
	n.clamp()
}

func (n *noiseTracker) clamp() {
	for b := range numBands {
		n.level[b] = max(n.level[b], noiseFloor)
	}
}

// power is the noise estimate as a per-sample time-domain power.
func (n *noiseTracker) power() float64 {
	var s float64
	for _, l := range n.level {
		s += l
	}
	return s / float64(numBands) / hannPower
}
