package vad

import "math"

// levelTracker follows the noise's broadband level and how much it fluctuates, independently of
// any speech decision: over the last 2.4 s, in 240 ms sub-windows, it keeps each sub-window's mean
// and spread of frame power (dB), and takes the quietest sub-window as the noise. Steady noise
// (white, pink, a line's hiss) barely fluctuates; a babble of voices does by several dB, and
// speech must then stand further above it.
type levelTracker struct {
	sum, sumSq float64
	n          int
	means      [minWindows]float64
	sds        [minWindows]float64
	filled     int
}

func (l *levelTracker) reset() { *l = levelTracker{} }

// add folds in one frame's power (dB).
func (l *levelTracker) add(db float64) {
	l.sum += db
	l.sumSq += db * db
	l.n++
	if l.n < minSubLen {
		return
	}
	mean := l.sum / float64(l.n)
	sd := math.Sqrt(max(l.sumSq/float64(l.n)-mean*mean, 0))
	copy(l.means[:], l.means[1:])
	copy(l.sds[:], l.sds[1:])
	l.means[minWindows-1], l.sds[minWindows-1] = mean, sd
	l.filled = min(l.filled+1, minWindows)
	l.sum, l.sumSq, l.n = 0, 0, 0
}

// noise returns the quietest sub-window's mean and spread; ok is false before the first one.
func (l *levelTracker) noise() (mean, sd float64, ok bool) {
	if l.filled == 0 {
		return 0, 0, false
	}
	best := minWindows - l.filled
	for i := best; i < minWindows; i++ {
		if l.means[i] < l.means[best] {
			best = i
		}
	}
	return l.means[best], l.sds[best], true
}
