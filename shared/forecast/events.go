package forecast

import (
	"math"
	"time"
)

// Event uplift. Each Type's profile is learnt from its past occurrences: the window is cut into
// upliftBins equal parts by position, and each part's factor is Σactual / Σexpected over every
// past occurrence's intervals in it, where expected is the seasonal median of the cleaned history
// (the same weekday and slot in neighbouring weeks, event windows left out). The factors are
// shrunk towards the type's overall factor, and that towards 1, by upliftPrior expected calls, so
// one small occurrence does not teach a wild profile. A future occurrence multiplies the baseline
// inside its window by the profile; a type never seen before adds nothing but is still reported.
const (
	upliftBins  = 8
	upliftPrior = 50.0
)

type uplift struct {
	factor float64
	bins   [upliftBins]float64
}

func binOf(t time.Time, o Occurrence) int {
	span := o.End.Sub(o.Start)
	if span <= 0 {
		return 0
	}
	b := int(float64(t.Sub(o.Start)) / float64(span) * upliftBins)
	return min(max(b, 0), upliftBins-1)
}

// learnUplift learns each type's profile from the occurrences before the training matrix ends.
func learnUplift(c *cleaned, occ []Occurrence) map[string]*uplift {
	type acc struct {
		a, e       float64
		binA, binE [upliftBins]float64
	}
	accs := map[string]*acc{}
	x := c.raw
	for _, o := range occ {
		ac := accs[o.Type]
		if ac == nil {
			ac = &acc{}
			accs[o.Type] = ac
		}
		for t := o.Start; t.Before(o.End); t = t.Add(x.step) {
			d, p := x.cell(t)
			if d < 0 || p >= x.slots {
				continue
			}
			if d >= len(x.rows) {
				break
			}
			a, e := x.rows[d][p], c.expected[d][p]
			if math.IsNaN(a) || math.IsNaN(e) {
				continue
			}
			b := binOf(t, o)
			ac.a += a
			ac.e += e
			ac.binA[b] += a
			ac.binE[b] += e
		}
	}
	out := map[string]*uplift{}
	for typ, ac := range accs {
		u := &uplift{factor: (ac.a + upliftPrior) / (ac.e + upliftPrior)}
		for b := range u.bins {
			u.bins[b] = (ac.binA[b] + upliftPrior*u.factor) / (ac.binE[b] + upliftPrior)
		}
		out[typ] = u
	}
	return out
}

// overlayEvents applies the learnt uplifts to the occurrences that reach into the forecast and
// reports what each adds (by event id, in the order first met).
func overlayEvents(f *Forecast, c *cleaned, occ []Occurrence, closed func(time.Time) bool) []Contribution {
	var past []Occurrence
	for _, o := range occ {
		if o.Start.Before(f.Start) {
			past = append(past, o)
		}
	}
	ups := learnUplift(c, past)
	end := f.Start.Add(time.Duration(len(f.Point)) * f.Step)
	var out []Contribution
	index := map[string]int{}
	for _, o := range occ {
		if !o.End.After(f.Start) || !o.Start.Before(end) {
			continue
		}
		k, ok := index[o.ID]
		if !ok {
			k = len(out)
			index[o.ID] = k
			out = append(out, Contribution{ID: o.ID, Type: o.Type, Name: o.Name})
		}
		u := ups[o.Type]
		if u == nil {
			continue
		}
		series := Series{Start: f.Start, Step: f.Step}
		for i := max(series.Index(o.Start), 0); i < len(f.Point); i++ {
			t := series.Time(i)
			if !t.Before(o.End) {
				break
			}
			if t.Add(f.Step).After(o.Start) && !closed(t) {
				add := f.Point[i] * (u.bins[binOf(t, o)] - 1)
				f.Point[i] += add
				out[k].Added += add
			}
		}
	}
	return out
}
