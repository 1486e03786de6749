package staffing

import (
	"math"
	"testing"
	"time"
)

// bruteErlangA solves M/M/n+M without the closed forms: the stationary distribution of the
// birth-death chain truncated at n+k states, and for a caller finding k ahead the backward
// equations of "answered within t" integrated by RK4:
//
//	f_k'(t) = (nμ + kθ)·(f_{k−1}(t) − f_k(t)) − θ·f_k(t),  f_{−1} ≡ 1, f_k(0) = 0,
//
// the mean wait of answered callers from ∫(f_k(∞) − f_k(t)) dt with f_k(∞) = nμ/(nμ + (k+1)θ).
func bruteErlangA(n int, lam, mu, theta, answer float64) measures {
	// Stationary distribution, unnormalised, in logs, truncated where the tail is below 1e−16 of
	// the largest state.
	logp := []float64{0}
	top := 0.0
	for j := 1; ; j++ {
		rate := float64(min(j, n))*mu + float64(max(0, j-n))*theta
		v := logp[j-1] + math.Log(lam/rate)
		logp = append(logp, v)
		top = math.Max(top, v)
		if j > n+5 && v < top-37 {
			break
		}
	}
	queue := len(logp) - n
	p := make([]float64, len(logp))
	sum := 0.0
	for j, v := range logp {
		p[j] = math.Exp(v - top)
		sum += p[j]
	}
	pw, eq := 0.0, 0.0
	for j := range p {
		p[j] /= sum
		if j >= n {
			pw += p[j]
			eq += float64(j-n) * p[j]
		}
	}
	abandon := theta * eq / lam
	c := float64(n) * mu
	f := make([]float64, queue)
	deriv := func(f, out []float64) {
		for k := range f {
			prev := 1.0
			if k > 0 {
				prev = f[k-1]
			}
			out[k] = (c+float64(k)*theta)*(prev-f[k]) - theta*f[k]
		}
	}
	k1, k2, k3, k4, tmp := make([]float64, queue), make([]float64, queue), make([]float64, queue), make([]float64, queue), make([]float64, queue)
	step := func(dt float64) {
		deriv(f, k1)
		for k := range f {
			tmp[k] = f[k] + dt/2*k1[k]
		}
		deriv(tmp, k2)
		for k := range f {
			tmp[k] = f[k] + dt/2*k2[k]
		}
		deriv(tmp, k3)
		for k := range f {
			tmp[k] = f[k] + dt*k3[k]
		}
		deriv(tmp, k4)
		for k := range f {
			f[k] += dt / 6 * (k1[k] + 2*k2[k] + 2*k3[k] + k4[k])
		}
	}
	dt := answer / math.Ceil(answer/math.Min(0.2, 0.25/(c+float64(queue)*theta)))
	sl := 1 - pw
	waitServed := 0.0
	done := false
	for t, tail := 0.0, 1.0; !done || tail > 1e-12; t += dt {
		if !done && t+dt/2 >= answer {
			for k := range f {
				sl += p[n+k] * f[k]
			}
			done = true
		}
		// Trapezoid on the tail mass f_k(∞) − f_k(t).
		before := 0.0
		for k := range f {
			before += p[n+k] * (c/(c+float64(k+1)*theta) - f[k])
		}
		step(dt)
		after := 0.0
		for k := range f {
			after += p[n+k] * (c/(c+float64(k+1)*theta) - f[k])
		}
		waitServed += dt * (before + after) / 2
		tail = after
	}
	return measures{sl: sl, asa: waitServed / (1 - abandon), abandon: abandon, occupancy: lam * (1 - abandon) / c}
}

// Erlang A's closed forms against the brute-force chain, across under- and overloaded agent
// counts and patience from 10 s to 10 min.
func TestErlangAMatchesChain(t *testing.T) {
	cases := []struct {
		calls    float64
		aht, pat time.Duration
		agents   []int
	}{
		{100, 180 * time.Second, 180 * time.Second, []int{6, 9, 10, 12, 14}},
		{100, 180 * time.Second, 10 * time.Second, []int{8, 11, 13}},
		{300, 240 * time.Second, 600 * time.Second, []int{30, 40, 45}},
	}
	for _, tc := range cases {
		iv := Interval{Calls: tc.calls, AHT: tc.aht, Length: 30 * time.Minute}
		target := Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, Patience: tc.pat}
		for _, n := range tc.agents {
			r, err := Evaluate(iv, target, n)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteErlangA(n, iv.Calls/iv.Length.Seconds(), 1/iv.AHT.Seconds(), 1/tc.pat.Seconds(), 20)
			if math.Abs(r.ServiceLevel-want.sl) > 1e-5 || math.Abs(r.AbandonRate-want.abandon) > 1e-6 ||
				math.Abs(r.ASA.Seconds()-want.asa) > 1e-3+1e-4*want.asa || math.Abs(r.Occupancy-want.occupancy) > 1e-6 {
				t.Errorf("calls %v AHT %v patience %v, %d agents: SL %.5f ASA %.3f s abandon %.6f occupancy %.6f; chain %.5f %.3f s %.6f %.6f",
					tc.calls, tc.aht, tc.pat, n, r.ServiceLevel, r.ASA.Seconds(), r.AbandonRate, r.Occupancy,
					want.sl, want.asa, want.abandon, want.occupancy)
			}
		}
	}
}

// As patience grows without bound Erlang A becomes Erlang C (at a day's patience, within half a
// point of SL from 12 agents up; at 11 agents, 91% occupancy, the queue is long enough that a day's
// patience still shortens the ASA by 5%); as it shrinks to nothing every
// caller who would wait abandons, so the abandon rate becomes Erlang B's blocking and the service
// level the share answered at once.
func TestErlangALimits(t *testing.T) {
	iv := Interval{Calls: 100, AHT: 180 * time.Second, Length: 30 * time.Minute}
	for _, n := range []int{12, 13, 14, 16} {
		c, err := Evaluate(iv, Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second}, n)
		if err != nil {
			t.Fatal(err)
		}
		a, err := Evaluate(iv, Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, Patience: MaxPatience}, n)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(a.ServiceLevel-c.ServiceLevel) > 0.006 || math.Abs(a.ASA.Seconds()-c.ASA.Seconds()) > 0.015*c.ASA.Seconds() || a.AbandonRate > 0.002 {
			t.Errorf("%d agents, patience %v: SL %.4f ASA %v abandon %.4f; Erlang C %.4f %v", n, MaxPatience, a.ServiceLevel, a.ASA, a.AbandonRate, c.ServiceLevel, c.ASA)
		}
	}
	for _, n := range []int{3, 5, 10, 14} {
		a, err := Evaluate(iv, Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, Patience: time.Millisecond}, n)
		if err != nil {
			t.Fatal(err)
		}
		b := ErlangB(n, iv.Load())
		if math.Abs(a.AbandonRate-b) > 1e-3 || math.Abs(a.ServiceLevel-(1-b)) > 1e-3 {
			t.Errorf("%d agents, patience 1 ms: abandon %.5f SL %.5f, Erlang B %.5f", n, a.AbandonRate, a.ServiceLevel, b)
		}
		if n == 3 && a.AbandonRate < 0.7 {
			t.Errorf("3 agents for 10 Erlangs, impatient callers: abandon %.3f, want most", a.AbandonRate)
		}
	}
}

// Large traffic under Erlang A: 10,000 calls per 30 minutes (1,000 Erlangs) and 5,000 Erlangs,
// patience from a second to a day; every measure finite, the target met, one agent fewer not.
func TestErlangALargeTraffic(t *testing.T) {
	for _, iv := range []Interval{
		{Calls: 10_000, AHT: 180 * time.Second, Length: 30 * time.Minute},
		{Calls: 5_000, AHT: 300 * time.Second, Length: 5 * time.Minute},
	} {
		for _, pat := range []time.Duration{time.Second, 2 * time.Minute, time.Hour, MaxPatience} {
			target := Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, Patience: pat}
			r, err := Required(iv, target)
			if err != nil {
				t.Fatalf("load %v patience %v: %v", iv.Load(), pat, err)
			}
			for _, v := range []float64{r.ServiceLevel, r.AbandonRate, r.Occupancy, r.ASA.Seconds()} {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Errorf("load %v patience %v: %+v", iv.Load(), pat, r)
				}
			}
			if r.ServiceLevel < 0.8 {
				t.Errorf("load %v patience %v: SL %v", iv.Load(), pat, r.ServiceLevel)
			}
			less, err := Evaluate(iv, target, r.Agents-1)
			if err != nil || less.ServiceLevel >= 0.8 {
				t.Errorf("load %v patience %v: %d agents also meet it: %+v %v", iv.Load(), pat, r.Agents-1, less, err)
			}
			t.Logf("load %.0f Erlangs, patience %v: %d agents, SL %.4f, ASA %v, abandon %.4f, occupancy %.4f",
				iv.Load(), pat, r.Agents, r.ServiceLevel, r.ASA, r.AbandonRate, r.Occupancy)
		}
	}
}
