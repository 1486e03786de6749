package spikes

import "math"

// nbScore is −log10 P(X ≥ x) for X negative binomial with mean m and variance m + αm²; 0 when
// x is not above m. x may be fractional (the tail is continuous in it).
func nbScore(x, m, alpha float64) float64 {
	if !(x > m) || m <= 0 {
		if x > 0 && m <= 0 {
			return math.Inf(1)
		}
		return 0
	}
	r := 1 / alpha
	// P(X ≥ k) = I_q(k, r) with q = m / (m + r), the regularised incomplete beta function.
	q := m / (m + r)
	return -logIncBeta(x, r, q) / math.Ln10
}

// logIncBeta is ln I_x(a, b) (continued fraction, Lentz's method; Numerical Recipes §6.4), in
// log space so that tails far below 1e-300 still score.
func logIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return math.Inf(-1)
	case x >= 1:
		return 0
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := lab - la - lb + a*math.Log(x) + b*math.Log1p(-x)
	if x < (a+1)/(a+b+2) {
		return front + math.Log(betaCF(a, b, x)) - math.Log(a)
	}
	rest := math.Exp(front + math.Log(betaCF(b, a, 1-x)) - math.Log(b))
	if rest >= 1 {
		return math.Inf(-1)
	}
	return math.Log1p(-rest)
}

// betaCF is the continued fraction of the incomplete beta function.
func betaCF(a, b, x float64) float64 {
	const (
		maxIter = 10000
		eps     = 1e-13
		tiny    = 1e-300
	)
	clamp := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	qab, qap, qam := a+b, a+1, a-1
	c := 1.0
	d := 1 / clamp(1-qab*x/qap)
	h := d
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 / clamp(1+aa*d)
		c = clamp(1 + aa/c)
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 / clamp(1+aa*d)
		c = clamp(1 + aa/c)
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}
