package voice

import "math"

// Resample converts mono 16-bit audio from one sample rate to another with a polyphase
// windowed-sinc filter (Kaiser window, 16 zero crossings each side). Its cut-off sits at 90% of
// the lower Nyquist frequency, so downsampling TTS output (22 050 Hz) to the line's 8 kHz does not
// fold its 4–11 kHz content back into the band.
func Resample(in []int16, from, to int) []int16 {
	if from == to || len(in) == 0 {
		return append([]int16(nil), in...)
	}
	g := gcd(from, to)
	up, down := to/g, from/g // output n sits at input position n·down/up
	fc := 0.9 * float64(min(from, to)) / float64(from)
	const zeroCrossings = 16
	half := int(math.Ceil(zeroCrossings / fc))
	taps := 2*half + 1
	// One filter per phase: phase p is the fractional position p/up between input samples.
	bank := make([][]float64, up)
	for p := range up {
		frac := float64(p) / float64(up)
		h := make([]float64, taps)
		for j := range taps {
			x := float64(j-half) - frac // distance from the output position, in input samples
			h[j] = fc * sinc(fc*x) * kaiser(x/float64(half+1), 8)
		}
		bank[p] = h
	}
	n := int((int64(len(in))*int64(up) + int64(down) - 1) / int64(down))
	out := make([]int16, n)
	for i := range out {
		pos := int64(i) * int64(down)
		base := int(pos / int64(up))
		h := bank[pos%int64(up)]
		var acc float64
		lo := base - half
		for j, c := range h {
			k := lo + j
			if k >= 0 && k < len(in) {
				acc += c * float64(in[k])
			}
		}
		out[i] = clamp16(acc)
	}
	return out
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser is the Kaiser window at x in [−1, 1].
func kaiser(x, beta float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return bessel0(beta*math.Sqrt(1-x*x)) / bessel0(beta)
}

// bessel0 is the modified Bessel function of the first kind, order 0 (power series).
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / 2) / float64(k)
		sum += term * term
		if term*term < 1e-12*sum {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func clamp16(v float64) int16 {
	v = math.Round(v)
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}
