package staffing

import (
	"fmt"
	"math"
)

// maxSeriesTerms bounds one Erlang A series. Its length is about max(0, λ/θ − n·μ/θ) plus a few
// times sqrt(λ/θ) terms (λ arrivals and n·μ services per second, θ = 1/patience), so with
// patience ≤ MaxPatience it is reached only by loads no centre has.
const maxSeriesTerms = 20_000_000

// erlangA is M/M/n+M (Palm's Erlang A): Poisson arrivals at lam per second, n agents serving at mu
// each, callers abandoning after an exponential patience with rate theta, B = ErlangB(n, lam/mu),
// t the target answer time in seconds. With x = n·mu/theta, y = lam/theta and
//
//	T_k = y^k / ((x+1)(x+2)…(x+1+k)),  U = Σ_k T_k,  A = 1 + y·U
//
// (A is Mandelbaum–Zeltyn's A(x, y) = x·e^y·y^−x·γ(x, y), summed here term by term in a scaled
// form so that neither a large A nor a small T_k overflows or underflows), the stationary
// distribution gives
//
//	P(wait > 0) = A·B / (1 + (A − 1)·B),       π_n = P(wait > 0) / A
//	P(abandon)  = π_n · Σ_k (k+1)·T_k            (θ·E[queue] / λ)
//	P(answered after waiting) = π_n · x · U
//	P(answered after waiting ≤ t) = π_n · x · (U − E·U_t),  E = exp(−(x+1)·θt + y·(1 − e^−θt)),
//	                                 U_t the U of y·e^−θt in place of y
//	ASA (answered calls) = π_n · x · Σ_k T_k·H_k / θ / (1 − P(abandon)),  H_k = Σ_{i≤k} 1/(x+1+i)
//	occupancy = lam·(1 − P(abandon)) / (n·mu)
//
// The waiting-time terms follow from the virtual wait of a caller finding k ahead being a sum of
// exponentials with rates θ(x+i), i = 0..k, whose density is (x)_{k+1}/k!·e^{−xu}(1 − e^{−u})^k
// in units of 1/θ; the weighted sum over k is then a single exponential of (1 − e^{−u}). The
// service level counts a caller as served in time only when answered within t: a caller who
// abandons, even after 2 s, counts against it.
func erlangA(n int, lam, mu, theta, t, b float64) (measures, error) {
	if n <= 0 {
		return measures{sl: 0, asa: math.Inf(1), abandon: 1, occupancy: 1}, nil
	}
	x := float64(n) * mu / theta
	y := lam / theta
	logU, hMean, kMean, err := aSeries(x+1, y)
	if err != nil {
		return measures{}, err
	}
	logA := logAddExp(0, math.Log(y)+logU)
	pw := 0.0
	if b > 0 {
		pw = 1 / (1 + math.Exp(math.Log1p(-b)-math.Log(b)-logA))
	}
	if pw == 0 {
		return measures{sl: 1, asa: 0, abandon: 0, occupancy: lam / (float64(n) * mu)}, nil
	}
	logPi := math.Log(pw) - logA
	answeredWaiting := math.Exp(logPi + math.Log(x) + logU)
	abandon := math.Min(1, math.Exp(logPi+logU+math.Log(kMean)))
	inTime := 0.0
	if t > 0 {
		logUt, _, _, err := aSeries(x+1, y*math.Exp(-theta*t))
		if err != nil {
			return measures{}, err
		}
		logE := -(x+1)*theta*t - y*math.Expm1(-theta*t)
		frac := 1 - math.Exp(logE+logUt-logU)
		inTime = answeredWaiting * math.Max(0, math.Min(1, frac))
	}
	m := measures{
		sl:        math.Max(0, math.Min(1, 1-pw+inTime)),
		abandon:   abandon,
		occupancy: math.Min(1, lam*(1-abandon)/(float64(n)*mu)),
	}
	if served := 1 - abandon; served > 0 {
		m.asa = answeredWaiting * hMean / theta / served
	} else {
		m.asa = math.Inf(1)
	}
	return m, nil
}

// aSeries sums T_k = z^k / (a(a+1)…(a+k)), k ≥ 0, returning log Σ T_k, the T-weighted mean of
// H_k = Σ_{i≤k} 1/(a+i) and the T-weighted mean of k+1. Terms are kept relative to a running
// scale (rescaled by 1e200 whenever they grow past it), so the sum's logarithm is exact to
// rounding for any a, z > 0. It stops past the peak (z < a+k) once a term is below 1e−17 of the
// sum.
func aSeries(a, z float64) (logSum, hMean, kMean float64, err error) {
	const big = 1e200
	logBig := math.Log(big)
	scale := -math.Log(a)
	v, h := 1.0, 1/a
	s0, sH, sK := 1.0, h, 1.0
	for k := 1; ; k++ {
		ak := a + float64(k)
		r := z / ak
		v *= r
		h += 1 / ak
		s0 += v
		sH += v * h
		sK += v * float64(k+1)
		if v > big {
			v, s0, sH, sK = v/big, s0/big, sH/big, sK/big
			scale += logBig
		}
		if r < 1 && v < 1e-17*s0 {
			break
		}
		if k >= maxSeriesTerms {
			return 0, 0, 0, fmt.Errorf("%w: Erlang A needs more than %d series terms (arrivals × patience too large)", ErrInvalid, maxSeriesTerms)
		}
	}
	return scale + math.Log(s0), sH / s0, sK / s0, nil
}

func logAddExp(p, q float64) float64 {
	if p < q {
		p, q = q, p
	}
	return p + math.Log1p(math.Exp(q-p))
}
