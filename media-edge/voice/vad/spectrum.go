package vad

import (
	"math"
	"math/cmplx"
)

// fftSize is the analysis window: the current 160-sample frame plus the 96 samples before it.
const fftSize = 256

// bandEdgesHz are the edges of the analysis bands, roughly mel-spaced over the telephone band.
var bandEdgesHz = [...]float64{150, 250, 350, 450, 570, 700, 840, 1000, 1170, 1370, 1600, 1850, 2150, 2500, 2900, 3350, 3800}

const numBands = len(bandEdgesHz) - 1

// hannPower is Σ w² of the Hann window: a band power divided by it is a per-sample power.
const hannPower = 3.0 * fftSize / 8

// analyser turns a frame into band powers: DC removal, a Hann window over 256 samples, an FFT.
type analyser struct {
	window  [fftSize]float64
	twiddle [half / 2]complex128 // for the 128-point FFT
	split   [half]complex128     // e^(−2πik/256), to split it into the 256-point real spectrum
	rev     [half]int
	bands   [numBands][2]int // bin ranges [lo, hi)
	hist    [fftSize]float64 // the last 256 samples after DC removal
	dcX     float64          // DC blocker state
	dcY     float64
	buf     [half]complex128
}

// half is the size of the complex FFT that computes the 256-point real one: even samples as real
// parts, odd as imaginary.
const half = fftSize / 2

func newAnalyser() *analyser {
	a := &analyser{}
	for i := range a.window {
		a.window[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/fftSize)
	}
	for i := range a.twiddle {
		a.twiddle[i] = cmplx.Exp(complex(0, -2*math.Pi*float64(i)/half))
	}
	for i := range a.split {
		a.split[i] = cmplx.Exp(complex(0, -2*math.Pi*float64(i)/fftSize))
	}
	bits := 0
	for 1<<bits < half {
		bits++
	}
	for i := range a.rev {
		r := 0
		for b := range bits {
			if i&(1<<b) != 0 {
				r |= 1 << (bits - 1 - b)
			}
		}
		a.rev[i] = r
	}
	binHz := 8000.0 / fftSize
	for b := range numBands {
		lo := int(math.Round(bandEdgesHz[b] / binHz))
		hi := int(math.Round(bandEdgesHz[b+1] / binHz))
		a.bands[b] = [2]int{lo, hi}
	}
	return a
}

func (a *analyser) reset() {
	a.hist = [fftSize]float64{}
	a.dcX, a.dcY = 0, 0
}

// bandPowers analyses one frame (float samples) and writes the mean bin power of each band.
// It returns the frame's time-domain power after DC removal.
func (a *analyser) bandPowers(frame *[FrameSamples]float64, out *[numBands]float64) float64 {
	copy(a.hist[:], a.hist[FrameSamples:])
	var p float64
	for i, x := range frame {
		// y[n] = x[n] − x[n−1] + 0.98·y[n−1]: removes DC and the lowest hum
		y := x - a.dcX + 0.98*a.dcY
		a.dcX, a.dcY = x, y
		a.hist[fftSize-FrameSamples+i] = y
		p += y * y
	}
	for i := range half {
		a.buf[a.rev[i]] = complex(a.hist[2*i]*a.window[2*i], a.hist[2*i+1]*a.window[2*i+1])
	}
	for size := 2; size <= half; size <<= 1 {
		h, step := size/2, half/size
		for start := 0; start < half; start += size {
			for k := range h {
				t := a.twiddle[k*step] * a.buf[start+k+h]
				u := a.buf[start+k]
				a.buf[start+k] = u + t
				a.buf[start+k+h] = u - t
			}
		}
	}
	for b, r := range a.bands {
		var s float64
		for k := r[0]; k < r[1]; k++ {
			// X[k] = (Z[k] + conj Z[N−k])/2 − i·W^k·(Z[k] − conj Z[N−k])/2, N = 128, W = e^(−2πi/256)
			z, zc := a.buf[k%half], cmplx.Conj(a.buf[(half-k)%half])
			c := 0.5*(z+zc) - 0.5i*a.split[k%half]*(z-zc)
			s += real(c)*real(c) + imag(c)*imag(c)
		}
		out[b] = s / float64(r[1]-r[0])
	}
	return p / FrameSamples
}

// likelihood scores band powers against the noise estimate: the mean over bands of Sohn's log
// likelihood ratio, with a decision-directed a-priori SNR.
type likelihood struct {
	prevSNR [numBands]float64 // G²·γ of the previous frame: the estimated clean-speech SNR
}

const (
	ddAlpha = 0.9   // decision-directed smoothing of the a-priori SNR
	xiMin   = 0.003 // about −25 dB
	gammaMx = 1000
	// bandLRMax caps one band's log likelihood ratio, so that a burst in two or three bands (a
	// distant talker, a tone) cannot outvote the rest: speech raises most bands at once.
	bandLRMax = 1000
)

func (l *likelihood) score(p, noise *[numBands]float64) float64 {
	var sum float64
	for b := range numBands {
		g := p[b] / max(noise[b], noiseFloor)
		g = min(g, gammaMx)
		xi := ddAlpha*l.prevSNR[b] + (1-ddAlpha)*max(g-1, 0)
		xi = max(xi, xiMin)
		sum += min(g*xi/(1+xi)-math.Log1p(xi), bandLRMax)
		gain := xi / (1 + xi)
		l.prevSNR[b] = gain * gain * g
	}
	return sum / float64(numBands)
}

func (l *likelihood) reset() { l.prevSNR = [numBands]float64{} }
