package strategy

import (
	"cmp"
	"slices"
	"time"
)

// Decide makes one decision for one tenant at in.Now: per queue it projects the gap, applies the
// supervisors' overrides, keeps, renews or withdraws the activations in force (hysteresis) and,
// when the gap has been open long enough, activates the least costly combination of feasible
// strategies that closes it, explaining each queue's part. It is pure and deterministic: the same
// Input (Seed included) gives the same Decision. doc.go states the rules.
func Decide(in Input) Decision {
	s := in.Settings.WithDefaults()
	now := in.Now
	id := DecisionID(now)
	d := Decision{ID: id, Tenant: in.Tenant, At: now, Memory: Memory{Queues: map[string]QueueMemory{}}}
	w := newWork(in, s)
	for _, o := range w.observations() {
		w.queue(&d, o)
	}
	slices.SortStableFunc(d.Active, func(a, b Activation) int {
		return cmp.Or(cmp.Compare(w.order[a.Queue], w.order[b.Queue]), cmp.Compare(kindIndex(a.Strategy), kindIndex(b.Strategy)))
	})
	return d
}

// work is one decision's state shared by its queues.
type work struct {
	in        Input
	s         Settings
	id        string
	horizon   time.Duration
	memo      memo
	active    map[string][]Activation // by queue, in input order
	overrides map[string][]Override   // by queue: the one in force per strategy (latest created)
	order     map[string]int          // the queues' order in the decision
	buf       []float64
	seen      []combo
}

func newWork(in Input, s Settings) *work {
	w := &work{
		in: in, s: s, id: DecisionID(in.Now),
		horizon:   time.Duration(min(MaxHorizonMinutes, max(MinHorizonMinutes, s.HorizonMinutes))) * time.Minute,
		active:    map[string][]Activation{},
		overrides: map[string][]Override{},
		order:     map[string]int{},
	}
	for _, a := range in.Active {
		w.active[a.Queue] = append(w.active[a.Queue], a)
	}
	for _, o := range in.Overrides {
		if !in.Now.Before(o.Until) {
			continue
		}
		if _, ok := specOf(o.Strategy); !ok {
			continue
		}
		list := w.overrides[o.Queue]
		i := slices.IndexFunc(list, func(x Override) bool { return x.Strategy == o.Strategy })
		switch {
		case i < 0:
			w.overrides[o.Queue] = append(list, o)
		case o.Created.After(list[i].Created) || o.Created.Equal(list[i].Created) && o.ID > list[i].ID:
			list[i] = o
		}
	}
	return w
}

// observations are the observed queues (the first of a repeated name) and, after them, the queues
// that only have activations or overrides (empty observations, sorted).
func (w *work) observations() []Observation {
	var out []Observation
	for _, o := range w.in.Queues {
		if _, dup := w.order[o.Queue]; dup {
			continue
		}
		w.order[o.Queue] = len(out)
		out = append(out, o)
	}
	var extra []string
	for q := range w.active {
		if _, ok := w.order[q]; !ok {
			extra = append(extra, q)
		}
	}
	for q := range w.overrides {
		if _, ok := w.order[q]; !ok && !slices.Contains(extra, q) {
			extra = append(extra, q)
		}
	}
	slices.Sort(extra)
	for _, q := range extra {
		w.order[q] = len(out)
		out = append(out, Observation{Queue: q})
	}
	return out
}
