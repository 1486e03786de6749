package forecast

import (
	"math"
	"slices"
)

// bands turns the ensemble's backtest residuals into prediction intervals. The residuals are
// taken on the square-root scale (√actual − √forecast), where Poisson-like noise has about the
// same spread at any volume, so one set of quantiles serves quiet and busy intervals alike; the
// band of level L at a point F is (√F + q₍₁₋L₎/₂·s)² .. (√F + q₍₁₊L₎/₂·s)², clipped at 0. The
// backtest windows cover leads up to their length, so s = 1 up to their mean lead and grows with
// the square root of the lead beyond it (errors of the level accumulate like a random walk).
// With fewer than minResiduals residuals the quantiles are those of a normal with the variance
// of overdispersed Poisson counts plus 10% level uncertainty.
func (r *backtestResult) bands(point []float64, lead []int, closed []bool, levels []float64) []Band {
	const minResiduals = 30
	res := slices.Clone(r.resid)
	slices.Sort(res)
	meanLead := max(float64(r.days+1)/2, 1)
	out := make([]Band, len(levels))
	for li, l := range levels {
		b := Band{Level: l, Lower: make([]float64, len(point)), Upper: make([]float64, len(point))}
		z := math.Sqrt2 * math.Erfinv(l)
		lo, hi := quantileSorted(res, (1-l)/2), quantileSorted(res, (1+l)/2)
		for i, f := range point {
			if closed[i] {
				continue
			}
			s := math.Max(1, math.Sqrt(float64(lead[i]+1)/meanLead))
			ql, qh := lo*s, hi*s
			if len(res) < minResiduals {
				sd := math.Sqrt(0.5 + 0.0025*f)
				ql, qh = -z*sd*s, z*sd*s
			}
			rf := math.Sqrt(math.Max(f, 0))
			b.Lower[i] = math.Pow(math.Max(0, rf+ql), 2)
			b.Upper[i] = math.Pow(math.Max(0, rf+qh), 2)
			b.Lower[i] = math.Min(b.Lower[i], f)
			b.Upper[i] = math.Max(b.Upper[i], f)
		}
		out[li] = b
	}
	return out
}

// quantileSorted interpolates the q-quantile of sorted values.
func quantileSorted(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	x := q * float64(len(v)-1)
	i := int(math.Floor(x))
	if i >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[i] + (x-float64(i))*(v[i+1]-v[i])
}
