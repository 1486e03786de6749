package staffing

import "math"

// ErlangB is the blocking probability of n servers offered a Erlangs (M/M/n/n), by the
// recurrence B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)). Every step is a ratio in [0, 1], so
// nothing overflows however large n and a are (it underflows gracefully to 0 for n ≫ a).
func ErlangB(n int, a float64) float64 {
	b := erlangB{a: a}
	return b.at(n)
}

// erlangB holds B(0..k) for one load, extended on demand: a search over agent counts reads it at
// increasing n without recomputing the recurrence.
type erlangB struct {
	a float64
	b []float64
}

func (e *erlangB) at(n int) float64 {
	if n < 0 {
		return 1
	}
	if len(e.b) == 0 {
		e.b = append(e.b, 1)
	}
	for k := len(e.b); k <= n; k++ {
		p := e.a * e.b[k-1]
		e.b = append(e.b, p/(float64(k)+p))
	}
	return e.b[n]
}

// measures are what n agents achieve in an interval: the service level (share answered within
// the target time), ASA in seconds (of answered calls), the abandon rate and occupancy.
type measures struct {
	sl, asa, abandon, occupancy float64
}

// erlangC is M/M/n with load a Erlangs, mean handle time h and target answer time t (seconds):
//
//	C  = n·B / (n − a·(1 − B))          probability of waiting (Erlang C), B = ErlangB(n, a)
//	SL = 1 − C·exp(−(n − a)·t / h)
//	ASA = C·h / (n − a)
//	occupancy = a / n
//
// With n ≤ a the queue grows without bound: nobody is answered in time and ASA is infinite.
func erlangC(n int, a, b, h, t float64) measures {
	fn := float64(n)
	if fn <= a {
		return measures{sl: 0, asa: math.Inf(1), occupancy: 1}
	}
	c := fn * b / (fn - a*(1-b))
	return measures{
		sl:        1 - c*math.Exp(-(fn-a)*t/h),
		asa:       c * h / (fn - a),
		occupancy: a / fn,
	}
}
