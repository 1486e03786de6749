package staffing

import (
	"container/heap"
	"context"
	"math/rand/v2"
)

// ruinRounds is how many ruin-and-recreate rounds the heuristic runs on a requirement of n
// intervals: 2,000 up to 400 intervals (a week at 30-minute steps), fewer beyond, down to 300 at
// 2,700 and more, so that a month at 15-minute steps stays within a few seconds. On the test week
// (docs/staffing.md) 0 rounds leave the heuristic 74% above the LP bound, 200 rounds 25%, 500
// 16%, 2,000 13%.
func ruinRounds(n int) int {
	return max(300, min(2000, 800_000/max(1, n)))
}

// greedy is the heuristic. Starting from no shifts it adds, one shift at a time, the candidate
// with the best gain per interval it covers (gain: UnderWeight per short interval covered minus
// OverWeight per interval over-covered) while some candidate has a positive gain (fill); improves
// the plan by local search (improve); then runs ruinRounds rounds of ruin and recreate.
func (p *problem) greedy(ctx context.Context) ([]int, error) {
	counts := make([]int, len(p.cands))
	if err := p.fill(ctx, counts); err != nil {
		return nil, err
	}
	if err := p.improve(ctx, counts, nil); err != nil {
		return nil, err
	}
	if err := p.ruinRecreate(ctx, counts); err != nil {
		return nil, err
	}
	return counts, nil
}

// fill adds shifts to counts (in place) by best gain per covered interval while one has a
// positive gain. Gains never grow as shifts are added (coverage only rises), so they sit in a
// max-heap and are re-evaluated lazily: a popped candidate whose fresh gain still beats the next
// one is taken.
func (p *problem) fill(ctx context.Context, counts []int) error {
	cov := p.coverage(counts)
	used := make([]int, len(p.templates))
	for j, c := range p.cands {
		used[c.tmpl] += counts[j]
	}
	h := gainHeap{cands: p.cands}
	for j := range p.cands {
		if g := p.addGain(cov, j); g > 0 {
			h.items = append(h.items, gainItem{j: j, gain: g})
		}
	}
	heap.Init(&h)
	for steps := 0; h.Len() > 0; steps++ {
		if steps%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		top := h.items[0]
		c := p.cands[top.j]
		if max := p.templates[c.tmpl].Max; max > 0 && used[c.tmpl] >= max {
			heap.Pop(&h)
			continue
		}
		g := p.addGain(cov, top.j)
		if g <= 0 {
			heap.Pop(&h)
			continue
		}
		if g < top.gain {
			h.items[0].gain = g
			heap.Fix(&h, 0)
			continue
		}
		counts[top.j]++
		used[c.tmpl]++
		for _, i := range c.cover {
			cov[i]++
		}
	}
	return nil
}

// ruinRecreate is an iterated local search on counts (in place): remove a random share of the
// shifts covering a window of 2–13 intervals either side of a random interval, refill, improve the
// candidates near the window, and keep the result if it is no worse. The random source is seeded
// from the problem's size, so a plan is reproducible.
func (p *problem) ruinRecreate(ctx context.Context, counts []int) error {
	if len(p.req) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(len(p.req)), uint64(len(p.cands))))
	best := p.objective(counts)
	trial := make([]int, len(counts))
	span := 0 // the most intervals a candidate spans
	for _, c := range p.cands {
		span = max(span, c.cover[len(c.cover)-1]-c.cover[0]+1)
	}
	var scope []int
	for range ruinRounds(len(p.req)) {
		copy(trial, counts)
		centre := r.IntN(len(p.req))
		width := 2 + r.IntN(12)
		for j, c := range p.cands {
			if trial[j] == 0 || len(c.cover) == 0 {
				continue
			}
			if c.cover[0] <= centre+width && c.cover[len(c.cover)-1] >= centre-width {
				trial[j] -= r.IntN(trial[j] + 1)
			}
		}
		if err := p.fill(ctx, trial); err != nil {
			return err
		}
		scope = scope[:0]
		for j, c := range p.cands {
			if c.cover[0] <= centre+width+span && c.cover[len(c.cover)-1] >= centre-width-span {
				scope = append(scope, j)
			}
		}
		if err := p.improve(ctx, trial, scope); err != nil {
			return err
		}
		if o := p.objective(trial); o <= best {
			best = o
			copy(counts, trial)
		}
	}
	return nil
}

// addGain is how much one more shift of candidate j lowers the objective.
func (p *problem) addGain(cov []int, j int) int {
	g := 0
	for _, i := range p.cands[j].cover {
		if cov[i] < p.req[i] {
			g += UnderWeight
		} else {
			g -= OverWeight
		}
	}
	return g
}

// removeGain is how much one shift less of candidate j lowers the objective.
func (p *problem) removeGain(cov []int, j int) int {
	g := 0
	for _, i := range p.cands[j].cover {
		if cov[i] > p.req[i] {
			g += OverWeight
		} else {
			g -= UnderWeight
		}
	}
	return g
}

// improve is a local search on counts (changed in place), in passes until a pass changes nothing
// (at most 50), with three moves, each taken only when it lowers the objective and keeps every
// template's limit:
//   - drop a shift, or add one;
//   - move a shift to the best candidate (of any template) that shares an interval with it, or,
//     when none is better, sideways to one as good;
//   - add a shift and drop, among the shifts sharing an interval with it, every one that then
//     lowers the objective (the new shift displaces worse-placed ones).
func (p *problem) improve(ctx context.Context, counts []int, scope []int) error {
	if scope == nil {
		scope = make([]int, len(p.cands))
		for j := range scope {
			scope[j] = j
		}
	}
	cov := p.coverage(counts)
	used := make([]int, len(p.templates))
	for j, c := range p.cands {
		used[c.tmpl] += counts[j]
	}
	byInterval := make([][]int, len(p.req))
	for j, c := range p.cands {
		for _, i := range c.cover {
			byInterval[i] = append(byInterval[i], j)
		}
	}
	stamp := make([]int, len(p.cands))
	round := 0
	neighbours := func(j int, out []int) []int {
		round++
		out = out[:0]
		for _, i := range p.cands[j].cover {
			for _, k := range byInterval[i] {
				if stamp[k] != round {
					stamp[k] = round
					out = append(out, k)
				}
			}
		}
		return out
	}
	apply := func(j, d int) {
		counts[j] += d
		used[p.cands[j].tmpl] += d
		for _, i := range p.cands[j].cover {
			cov[i] += d
		}
	}
	room := func(j int) bool {
		t := p.cands[j].tmpl
		return p.templates[t].Max == 0 || used[t] < p.templates[t].Max
	}
	var nb []int
	for pass := 0; pass < 50; pass++ {
		changed := false
		for _, j := range scope {
			if err := ctx.Err(); err != nil {
				return err
			}
			for counts[j] > 0 && p.removeGain(cov, j) > 0 {
				apply(j, -1)
				changed = true
			}
			for room(j) && p.addGain(cov, j) > 0 {
				apply(j, +1)
				changed = true
			}
		}
		for _, j := range scope {
			if counts[j] == 0 {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			apply(j, -1)
			// Put it back where it gains most; on a tie, at a neighbour rather than where it was
			// (a sideways move: it changes nothing now but lets later moves find improvements).
			stay := p.addGain(cov, j)
			best, bestGain := j, stay
			nb = neighbours(j, nb)
			for _, k := range nb {
				if k == j || !room(k) {
					continue
				}
				if g := p.addGain(cov, k); g > bestGain || g == bestGain && best == j {
					best, bestGain = k, g
				}
			}
			apply(best, +1)
			changed = changed || bestGain > stay
		}
		for _, k := range scope {
			if !room(k) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			gain := p.addGain(cov, k)
			apply(k, +1)
			nb = neighbours(k, nb)
			var dropped []int
			for _, j := range nb {
				for counts[j] > 0 && (j != k || counts[j] > 1) && p.removeGain(cov, j) > 0 {
					gain += p.removeGain(cov, j)
					apply(j, -1)
					dropped = append(dropped, j)
				}
			}
			if gain > 0 {
				changed = true
				continue
			}
			for _, j := range dropped {
				apply(j, +1)
			}
			apply(k, -1)
		}
		if !changed {
			break
		}
	}
	return nil
}

type gainItem struct{ j, gain int }

// gainHeap orders candidates by gain per covered interval, best first (ties: the earlier
// candidate).
type gainHeap struct {
	cands []candidate
	items []gainItem
}

func (h *gainHeap) Len() int { return len(h.items) }
func (h *gainHeap) Less(a, b int) bool {
	x, y := h.items[a], h.items[b]
	l, r := x.gain*len(h.cands[y.j].cover), y.gain*len(h.cands[x.j].cover)
	if l != r {
		return l > r
	}
	return x.j < y.j
}
func (h *gainHeap) Swap(a, b int) { h.items[a], h.items[b] = h.items[b], h.items[a] }
func (h *gainHeap) Push(x any)    { h.items = append(h.items, x.(gainItem)) }
func (h *gainHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
