package staffing

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Break is a pause inside a shift: it begins After the shift's start and lasts Length. An interval
// that a break touches does not count as covered by the shift.
type Break struct {
	After  time.Duration
	Length time.Duration
}

// ShiftTemplate is a kind of shift a tenant can staff: its length, the range of start times
// (wall-clock "HH:MM" in the tenant's zone; Latest before Earliest means the range runs past
// midnight), their granularity, its breaks, the weekdays a shift may start on (none = every day),
// and Max, the most shifts of this template in one plan (0 = no limit).
type ShiftTemplate struct {
	Name             string
	Length           time.Duration
	Earliest, Latest string
	Every            time.Duration
	Breaks           []Break
	Days             []time.Weekday
	Max              int
}

// Requirement is the number of agents to schedule per interval (shrinkage already included):
// Agents[i] for [Start+i·Step, Start+(i+1)·Step).
type Requirement struct {
	Start  time.Time
	Step   time.Duration
	Agents []int
}

// Shift is Count shifts of one template starting at the same time.
type Shift struct {
	Template string
	Start    time.Time
	End      time.Time
	Count    int
}

// Plan is a set of shifts with the agents they put on the floor per requirement interval
// (Coverage), the agent-intervals above (Over) and below (Under) the requirement, and the Method
// that produced it ("lp": the LP relaxation rounded and repaired; "greedy": the heuristic).
// docs/staffing.md has the method and its measured gap to the LP bound.
type Plan struct {
	Shifts   []Shift
	Coverage []int
	Over     int
	Under    int
	Method   string
}

// Weights of the plan objective: minimise UnderWeight·Under + OverWeight·Over. An interval short
// of one agent costs twice an idle agent-interval: the shortfall hurts the service level of every
// caller in the interval, the surplus costs one agent's time. A shift is therefore worth adding
// when more than a third of the intervals it covers are short.
const (
	UnderWeight = 2
	OverWeight  = 1
)

// Size limits of PlanShifts: a requirement of at most MaxPlanIntervals intervals (five weeks at
// 5-minute steps, a year at 1-hour ones) and at most MaxPlanCandidates candidate shifts (the
// templates' start times over the requirement's days). Bigger problems are refused (ErrInvalid)
// rather than left to run for minutes.
const (
	MaxPlanIntervals  = 10_080
	MaxPlanCandidates = 50_000
)

// Methods named in Plan.Method.
const (
	MethodLP     = "lp"
	MethodGreedy = "greedy"
)

// candidate is one possible shift: a template and a start, with the requirement intervals it
// covers (sorted).
type candidate struct {
	tmpl  int
	start time.Time
	end   time.Time
	cover []int
}

// Validate says what is wrong with the requirement; nil when it can be used.
func (r Requirement) Validate() error {
	if r.Step <= 0 {
		return fmt.Errorf("%w: requirement step must be positive, got %v", ErrInvalid, r.Step)
	}
	if len(r.Agents) > MaxPlanIntervals {
		return fmt.Errorf("%w: requirement has %d intervals, at most %d can be planned at once", ErrInvalid, len(r.Agents), MaxPlanIntervals)
	}
	for i, a := range r.Agents {
		if a < 0 {
			return fmt.Errorf("%w: requirement agents[%d] must not be negative, got %d", ErrInvalid, i, a)
		}
	}
	return nil
}

// Validate says what is wrong with the template, naming it; nil when it can be used.
func (s ShiftTemplate) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: shift template %q: %s", ErrInvalid, s.Name, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(s.Name) == "" {
		return fmt.Errorf("%w: shift template needs a name", ErrInvalid)
	}
	if s.Length <= 0 || s.Length > 24*time.Hour {
		return bad("length must be in (0, 24h], got %v", s.Length)
	}
	e, err := parseClock(s.Earliest)
	if err != nil {
		return bad("earliest: %v", err)
	}
	l, err := parseClock(s.Latest)
	if err != nil {
		return bad("latest: %v", err)
	}
	if e != l && s.Every <= 0 {
		return bad("every must be positive when earliest and latest differ, got %v", s.Every)
	}
	if s.Every < 0 {
		return bad("every must not be negative, got %v", s.Every)
	}
	if s.Max < 0 {
		return bad("max must not be negative (0 = no limit), got %d", s.Max)
	}
	for _, d := range s.Days {
		if d < time.Sunday || d > time.Saturday {
			return bad("day %d is not a weekday", d)
		}
	}
	brs := slices.Clone(s.Breaks)
	slices.SortFunc(brs, func(a, b Break) int { return int(a.After - b.After) })
	for i, b := range brs {
		if b.After <= 0 || b.Length <= 0 || b.After+b.Length >= s.Length {
			return bad("break %v after %v must lie inside the shift", b.Length, b.After)
		}
		if i > 0 && brs[i-1].After+brs[i-1].Length > b.After {
			return bad("breaks after %v and %v overlap", brs[i-1].After, b.After)
		}
	}
	return nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// parseClock reads "HH:MM" (00:00–23:59) as a duration since midnight.
func parseClock(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, fmt.Errorf("want HH:MM, got %q", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("want HH:MM between 00:00 and 23:59, got %q", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// PlanShifts covers the requirement with shifts from the templates, minimising
// UnderWeight·Under + OverWeight·Over. A shift covers a requirement interval when it is at work for
// the whole interval (an interval touched by a break, or only partly inside the shift, is not
// covered). Start times are wall-clock times in loc (nil → UTC) on the days the template allows,
// from the day before the requirement starts (a shift may run into it) to its last day.
//
// Method rule: the candidate shifts are split into independent blocks (groups that share no
// interval, such as the days of a centre closed at night; a template with a Max couples
// everything into one block). When every block has at most lpMaxRows intervals and lpMaxCols
// candidates and Σ rows³ over the blocks is at most lpBudget (the dense simplex's cost), each
// block's LP relaxation is solved with gonum's simplex, rounded, and repaired by the heuristic's
// local search and ruin and recreate. The heuristic always runs; the plan with the lower objective
// is returned (ties go to the LP), and Method says which. When the LP is too big or fails
// numerically the heuristic's plan is returned.
func PlanShifts(ctx context.Context, req Requirement, templates []ShiftTemplate, loc *time.Location) (Plan, error) {
	if loc == nil {
		loc = time.UTC
	}
	if err := req.Validate(); err != nil {
		return Plan{}, err
	}
	names := map[string]bool{}
	for _, t := range templates {
		if err := t.Validate(); err != nil {
			return Plan{}, err
		}
		if names[t.Name] {
			return Plan{}, fmt.Errorf("%w: shift template %q appears twice", ErrInvalid, t.Name)
		}
		names[t.Name] = true
	}
	cands := candidates(req, templates, loc)
	if len(cands) > MaxPlanCandidates {
		return Plan{}, fmt.Errorf("%w: the templates allow %d shifts over the requirement, at most %d can be planned at once (fewer start times or a shorter requirement)", ErrInvalid, len(cands), MaxPlanCandidates)
	}
	if err := ctx.Err(); err != nil {
		return Plan{}, err
	}
	p := problem{req: req.Agents, templates: templates, cands: cands}
	greedy, err := p.greedy(ctx)
	if err != nil {
		return Plan{}, err
	}
	lp, _, ok, err := p.lp(ctx)
	if err != nil {
		return Plan{}, err
	}
	return p.choose(req, greedy, lp, ok), nil
}

// choose is the plan of the LP's counts when the LP ran (lpOK) and its objective is no worse than
// the heuristic's, else the heuristic's.
func (p *problem) choose(req Requirement, greedy, lp []int, lpOK bool) Plan {
	if lpOK && p.objective(lp) <= p.objective(greedy) {
		return p.plan(req, lp, MethodLP)
	}
	return p.plan(req, greedy, MethodGreedy)
}

// candidates lists every shift the templates allow that covers at least one interval.
func candidates(req Requirement, templates []ShiftTemplate, loc *time.Location) []candidate {
	if len(req.Agents) == 0 {
		return nil
	}
	end := req.Start.Add(time.Duration(len(req.Agents)) * req.Step)
	first := req.Start.In(loc)
	day := time.Date(first.Year(), first.Month(), first.Day()-1, 0, 0, 0, 0, loc)
	var out []candidate
	seen := map[[2]int64]bool{}
	for ; day.Before(end); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc) {
		for ti, t := range templates {
			if len(t.Days) > 0 && !slices.Contains(t.Days, day.Weekday()) {
				continue
			}
			e, _ := parseClock(t.Earliest)
			l, _ := parseClock(t.Latest)
			if l < e {
				l += 24 * time.Hour
			}
			for off := e; off <= l; off += t.Every {
				start := time.Date(day.Year(), day.Month(), day.Day(), 0, int(off/time.Minute), 0, 0, loc)
				key := [2]int64{int64(ti), start.UnixNano()}
				if !seen[key] {
					seen[key] = true
					if c := cover(req, t, ti, start); len(c.cover) > 0 {
						out = append(out, c)
					}
				}
				if t.Every <= 0 {
					break
				}
			}
		}
	}
	return out
}

// cover is the candidate of template t starting at start: the intervals it works in full.
func cover(req Requirement, t ShiftTemplate, ti int, start time.Time) candidate {
	c := candidate{tmpl: ti, start: start, end: start.Add(t.Length)}
	from := max(0, int(start.Sub(req.Start)/req.Step))
	for i := from; i < len(req.Agents); i++ {
		is := req.Start.Add(time.Duration(i) * req.Step)
		ie := is.Add(req.Step)
		if ie.After(c.end) {
			break
		}
		if is.Before(start) {
			continue
		}
		onBreak := false
		for _, b := range t.Breaks {
			bs := start.Add(b.After)
			if bs.Before(ie) && bs.Add(b.Length).After(is) {
				onBreak = true
				break
			}
		}
		if !onBreak {
			c.cover = append(c.cover, i)
		}
	}
	return c
}

// problem is one covering problem: the requirement, the templates and the candidate shifts.
type problem struct {
	req       []int
	templates []ShiftTemplate
	cands     []candidate
}

// coverage is how many agents counts (shifts per candidate) put on each interval.
func (p *problem) coverage(counts []int) []int {
	cov := make([]int, len(p.req))
	for j, n := range counts {
		for _, i := range p.cands[j].cover {
			cov[i] += n
		}
	}
	return cov
}

// overUnder sums the agent-intervals above and below the requirement.
func (p *problem) overUnder(cov []int) (over, under int) {
	for i, r := range p.req {
		if d := cov[i] - r; d > 0 {
			over += d
		} else {
			under -= d
		}
	}
	return over, under
}

func (p *problem) objective(counts []int) int {
	over, under := p.overUnder(p.coverage(counts))
	return UnderWeight*under + OverWeight*over
}

// plan turns counts per candidate into a Plan, shifts in order of start then template.
func (p *problem) plan(req Requirement, counts []int, method string) Plan {
	pl := Plan{Coverage: p.coverage(counts), Method: method, Shifts: []Shift{}}
	pl.Over, pl.Under = p.overUnder(pl.Coverage)
	for j, n := range counts {
		if n > 0 {
			c := p.cands[j]
			pl.Shifts = append(pl.Shifts, Shift{Template: p.templates[c.tmpl].Name, Start: c.start, End: c.end, Count: n})
		}
	}
	slices.SortFunc(pl.Shifts, func(a, b Shift) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Template, b.Template)
	})
	return pl
}
