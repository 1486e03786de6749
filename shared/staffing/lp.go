package staffing

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// Limits of the LP. gonum's simplex is dense and refactors the basis on every pivot (O(rows³) a
// pivot, a few rows' worth of pivots). Measured on this machine: a block of 30 rows and 42
// candidates (a day open 07:00–22:00 at 30-minute steps) 6 ms, 60 rows 120 ms, 90 rows 410 ms;
// a week of 336 rows in one block would take about a minute. So a block may have at most
// lpMaxRows intervals and lpMaxCols candidates, and the blocks together at most lpBudget in
// Σ rows³ (about two seconds); anything bigger goes to the heuristic.
const (
	lpMaxRows = 100
	lpMaxCols = 1500
	lpBudget  = 3_000_000
)

// block is a set of candidates that share intervals with each other and with no candidate outside
// it, and the intervals they cover.
type block struct {
	cands []int
	rows  []int
}

// blocks splits the candidates into independent blocks: connected by sharing an interval, and all
// one block when a template limits its count (the limit couples every day).
func (p *problem) blocks() []block {
	parent := make([]int, len(p.cands))
	for j := range parent {
		parent[j] = j
	}
	var find func(int) int
	find = func(j int) int {
		for parent[j] != j {
			parent[j] = parent[parent[j]]
			j = parent[j]
		}
		return j
	}
	union := func(a, b int) { parent[find(a)] = find(b) }
	coupled := false
	for _, t := range p.templates {
		coupled = coupled || t.Max > 0
	}
	owner := make([]int, len(p.req))
	for i := range owner {
		owner[i] = -1
	}
	for j, c := range p.cands {
		if coupled && j > 0 {
			union(j, 0)
		}
		for _, i := range c.cover {
			if owner[i] >= 0 {
				union(j, owner[i])
			} else {
				owner[i] = j
			}
		}
	}
	index := map[int]int{}
	var out []block
	for j := range p.cands {
		r := find(j)
		k, ok := index[r]
		if !ok {
			k = len(out)
			index[r] = k
			out = append(out, block{})
		}
		out[k].cands = append(out[k].cands, j)
	}
	for i, j := range owner {
		if j >= 0 {
			k := index[find(j)]
			out[k].rows = append(out[k].rows, i)
		}
	}
	return out
}

// lp solves the LP relaxation block by block, rounds each solution down and at ½, repairs both
// with the heuristic's local search, keeps the better and runs the heuristic's ruin and recreate
// on it (on the test week: 173 → 171, 5.2% above the bound). bound is the LP optimum, a
// lower bound on any plan's objective. ok is false when the method rule sends the problem to the
// heuristic alone (a block or the whole too large for the simplex) or the simplex fails
// numerically.
//
// A rolling horizon (windows of 72 intervals, each solved with what earlier windows decided held
// fixed) was tried for the weeks too big for one LP and dropped: on the test week it came within
// 16% of the bound where the heuristic came within 22%, but on the same week open around the clock
// it did no better than the heuristic (270 against 267, bound 230) at twice the time.
func (p *problem) lp(ctx context.Context) (counts []int, bound float64, ok bool, err error) {
	bs := p.blocks()
	cost := 0
	fits := true
	for _, b := range bs {
		fits = fits && len(b.rows) <= lpMaxRows && len(b.cands) <= lpMaxCols
		cost += len(b.rows) * len(b.rows) * len(b.rows)
	}
	if !fits || cost > lpBudget {
		return nil, 0, false, nil
	}
	x := make([]float64, len(p.cands))
	covered := make([]bool, len(p.req))
	for _, b := range bs {
		if err := ctx.Err(); err != nil {
			return nil, 0, false, err
		}
		f, xb, err := p.solveLP(b.rows, b.cands, func(i int) int { return p.req[i] }, func(t int) int { return p.templates[t].Max })
		if err != nil {
			return nil, 0, false, nil
		}
		bound += f
		for k, j := range b.cands {
			x[j] = xb[k]
		}
		for _, i := range b.rows {
			covered[i] = true
		}
	}
	for i, r := range p.req {
		if !covered[i] {
			bound += float64(UnderWeight * r) // no shift can cover it
		}
	}
	var best []int
	for _, up := range []float64{1, 0.5} {
		c := make([]int, len(x))
		for j, v := range x {
			c[j] = int(math.Floor(v + 1e-9))
			if v-float64(c[j]) >= up {
				c[j]++
			}
		}
		p.clampMax(c)
		if err := p.improve(ctx, c, nil); err != nil {
			return nil, 0, false, err
		}
		if best == nil || p.objective(c) < p.objective(best) {
			best = c
		}
	}
	if err := p.ruinRecreate(ctx, best); err != nil {
		return nil, 0, false, err
	}
	return best, bound, true, nil
}

// clampMax lowers counts (latest candidates first) until no template exceeds its Max.
func (p *problem) clampMax(counts []int) {
	used := make([]int, len(p.templates))
	for j, c := range p.cands {
		used[c.tmpl] += counts[j]
	}
	for j := len(counts) - 1; j >= 0; j-- {
		t := p.cands[j].tmpl
		if m := p.templates[t].Max; m > 0 && used[t] > m {
			d := min(counts[j], used[t]-m)
			counts[j] -= d
			used[t] -= d
		}
	}
}

// solveLP solves the LP of some intervals (rows) and candidates in standard form, with need(i)
// agents required on interval i and limit(t) the most shifts of template t (0: no limit), and
// returns its optimum and the candidates' values:
//
//	minimise   Σ_i OverWeight·o_i + UnderWeight·u_i
//	subject to Σ_j a_ij·x_j − o_i + u_i = need(i)   (each interval i)
//	           Σ_{j of t} x_j + s_t = limit(t)      (each template t with a limit)
//	           x, o, u, s ≥ 0
//
// a_ij = 1 when candidate j works interval i in full. The u_i (o_i where need is negative) and s_t
// columns form a feasible starting basis (u = need, s = limit), so no phase one is needed.
func (p *problem) solveLP(rows, cands []int, need func(i int) int, limit func(t int) int) (float64, []float64, error) {
	rowOf := make(map[int]int, len(rows))
	for k, i := range rows {
		rowOf[i] = k
	}
	var limited []int
	for t := range p.templates {
		if limit(t) > 0 && slices.ContainsFunc(cands, func(j int) bool { return p.cands[j].tmpl == t }) {
			limited = append(limited, t)
		}
	}
	nr, nj := len(rows), len(cands)
	m := nr + len(limited)
	n := nj + 2*nr + len(limited)
	a := mat.NewDense(m, n, nil)
	c := make([]float64, n)
	rhs := make([]float64, m)
	basis := make([]int, 0, m)
	for k, j := range cands {
		for _, i := range p.cands[j].cover {
			if r, ok := rowOf[i]; ok {
				a.Set(r, k, 1)
			}
		}
		for l, t := range limited {
			if p.cands[j].tmpl == t {
				a.Set(nr+l, k, 1)
			}
		}
	}
	for k, i := range rows {
		o, u := nj+k, nj+nr+k
		a.Set(k, o, -1)
		a.Set(k, u, 1)
		c[o], c[u] = OverWeight, UnderWeight
		rhs[k] = float64(need(i))
		if rhs[k] >= 0 {
			basis = append(basis, u)
		} else {
			basis = append(basis, o)
		}
	}
	for l, t := range limited {
		s := nj + 2*nr + l
		a.Set(nr+l, s, 1)
		rhs[nr+l] = float64(limit(t))
		basis = append(basis, s)
	}
	f, sol, err := lp.Simplex(c, a, rhs, 1e-9, basis)
	if err != nil {
		return 0, nil, fmt.Errorf("shift plan LP: %w", err)
	}
	return f, sol[:nj], nil
}
