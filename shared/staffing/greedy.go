package staffing

import (
	"container/heap"
	"context"
)

// greedy is the heuristic: starting from no shifts, add the candidate whose next shift lowers the
// objective most (UnderWeight per short interval it covers, minus OverWeight per interval it
// over-covers) until none lowers it, then improve by local search. A candidate's gain never grows
// as shifts are added (coverage only rises), so gains are kept in a max-heap and re-evaluated
// lazily: a popped candidate whose fresh gain still beats the next one is taken.
func (p *problem) greedy(ctx context.Context) ([]int, error) {
	counts := make([]int, len(p.cands))
	cov := make([]int, len(p.req))
	used := make([]int, len(p.templates))
	h := make(gainHeap, 0, len(p.cands))
	for j := range p.cands {
		if g := p.addGain(cov, j); g > 0 {
			h = append(h, gainItem{j: j, gain: g})
		}
	}
	heap.Init(&h)
	for steps := 0; h.Len() > 0; steps++ {
		if steps%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		top := h[0]
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
			h[0].gain = g
			heap.Fix(&h, 0)
			continue
		}
		counts[top.j]++
		used[c.tmpl]++
		for _, i := range c.cover {
			cov[i]++
		}
	}
	if err := p.improve(ctx, counts); err != nil {
		return nil, err
	}
	return counts, nil
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

// improve is a local search on counts (changed in place) until no move lowers the objective:
// remove a shift, add a shift, or move a shift to another start of the same template. Template
// limits are kept.
func (p *problem) improve(ctx context.Context, counts []int) error {
	cov := p.coverage(counts)
	used := make([]int, len(p.templates))
	byTmpl := make([][]int, len(p.templates))
	for j, c := range p.cands {
		used[c.tmpl] += counts[j]
		byTmpl[c.tmpl] = append(byTmpl[c.tmpl], j)
	}
	apply := func(j, d int) {
		counts[j] += d
		used[p.cands[j].tmpl] += d
		for _, i := range p.cands[j].cover {
			cov[i] += d
		}
	}
	for pass := 0; pass < 100; pass++ {
		changed := false
		for j := range p.cands {
			if err := ctx.Err(); err != nil {
				return err
			}
			for counts[j] > 0 && p.removeGain(cov, j) > 0 {
				apply(j, -1)
				changed = true
			}
			t := p.cands[j].tmpl
			for (p.templates[t].Max == 0 || used[t] < p.templates[t].Max) && p.addGain(cov, j) > 0 {
				apply(j, +1)
				changed = true
			}
		}
		for j := range p.cands {
			if counts[j] == 0 {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			// Move one shift of j to the best other start of its template, if that helps.
			apply(j, -1)
			loss := -p.addGain(cov, j) // what taking it away cost
			best, bestGain := j, 0
			for _, k := range byTmpl[p.cands[j].tmpl] {
				if g := p.addGain(cov, k); g+loss > bestGain {
					best, bestGain = k, g+loss
				}
			}
			apply(best, +1)
			if best != j {
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return nil
}

type gainItem struct{ j, gain int }

// gainHeap is a max-heap of candidates by gain (ties: the earlier candidate).
type gainHeap []gainItem

func (h gainHeap) Len() int { return len(h) }
func (h gainHeap) Less(a, b int) bool {
	if h[a].gain != h[b].gain {
		return h[a].gain > h[b].gain
	}
	return h[a].j < h[b].j
}
func (h gainHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *gainHeap) Push(x any)   { *h = append(*h, x.(gainItem)) }
func (h *gainHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
