package strategy

import (
	"math"
	"time"

	"github.com/lingxi/lingxi/shared/staffing"
)

// The perception's assumptions (doc.go states them).
const (
	// BacklogMinutes: the contacts waiting now are to be cleared over this long, so they add
	// Waiting × 60 / BacklogMinutes to the hourly arrival rate of the current interval.
	BacklogMinutes = 15
	// DefaultHandleSeconds and DefaultPatienceSeconds stand in for a channel's figures when the
	// observation has none.
	DefaultHandleSeconds   = 300
	DefaultPatienceSeconds = 180
	// DefaultTargetSeconds and DefaultTargetPercent: 80 % within 20 s.
	DefaultTargetSeconds = 20
	DefaultTargetPercent = 80
	// OpenServiceLevelMargin: a projected service level this many points below the target opens
	// the gap even when fewer than OpenGapAgents agents are missing.
	OpenServiceLevelMargin = 5
	// OpenGapAgents: a projected gap of this many agents or more is open.
	OpenGapAgents = 1
	// MaxAgents bounds the agents counted on one channel and MaxCapacity the contacts per agent
	// (an observation beyond them is absurd).
	MaxAgents   = 100_000
	MaxCapacity = 100
)

// channelGap is one channel of a queue over the decision's intervals (0 = now).
type channelGap struct {
	view     ChannelView
	capacity float64 // contacts per agent at once
	handle   float64 // seconds
	patience float64 // seconds
	signed   float64 // agents signed in (available + busy)
	rate     []float64
	req      []float64
	gap      []float64
	sl       float64 // percent, at the channel's worst interval with today's agents
	asa      float64 // seconds, same
	worst    int     // the interval of its largest gap
	low      float64 // gap at the worst interval for the forecast's low and high
	high     float64
}

// queueGap is a queue's perception.
type queueGap struct {
	obs      Observation
	starts   []time.Time // each interval's start (now for 0)
	ch       []channelGap
	voice    int // index in ch, -1 when absent
	chat     int
	target   staffing.Target
	staffed  bool // someone signed in or something waiting
	peak     int  // the interval of the largest projected gap
	required float64
	avail    float64
	// total is the projected gap per interval (positive parts summed over channels).
	total []float64
}

// memo keeps the Erlang results of one decision: many intervals share a rate.
type memo struct {
	keys []memoKey
	vals []staffing.Result
}

type memoKey struct {
	rate, handle, patience float64
	within                 time.Duration
	sl                     float64
	servers                int // -1: Required
}

func (m *memo) result(k memoKey) (staffing.Result, bool) {
	for i := range m.keys {
		if m.keys[i] == k {
			return m.vals[i], true
		}
	}
	return staffing.Result{}, false
}

// MaxErlangLoad bounds the load (Erlangs) and the servers Erlang A is asked about: beyond it
// (no queue is that large) the engine uses square-root staffing, so an absurd observation cannot
// make a decision slow.
const MaxErlangLoad = 2000

// required is the number of servers (contacts at once) Erlang A needs for rate (per hour); an
// unreachable, invalid or oversized case falls back to square-root staffing (load + √load).
func (m *memo) required(rate, handle, patience float64, t staffing.Target) float64 {
	if rate <= 0 {
		return 0
	}
	if a := rate * handle / 3600; a > MaxErlangLoad {
		return math.Ceil(a + math.Sqrt(a))
	}
	k := memoKey{rate, handle, patience, t.AnswerWithin, t.ServiceLevel, -1}
	if r, ok := m.result(k); ok {
		return float64(r.Agents)
	}
	r, err := staffing.Required(interval(rate, handle), t)
	if err != nil {
		a := rate * handle / 3600
		r = staffing.Result{Agents: int(math.Ceil(a + math.Sqrt(a)))}
	}
	m.keys, m.vals = append(m.keys, k), append(m.vals, r)
	return float64(r.Agents)
}

// evaluate is what servers achieve for rate under t (service level for t.AnswerWithin).
func (m *memo) evaluate(rate, handle, patience float64, t staffing.Target, servers int) staffing.Result {
	if rate <= 0 {
		return staffing.Result{ServiceLevel: 1}
	}
	if a := rate * handle / 3600; a > MaxErlangLoad || servers > 2*MaxErlangLoad {
		return sqrtStaffing(a, servers, t)
	}
	k := memoKey{rate, handle, patience, t.AnswerWithin, t.ServiceLevel, servers}
	if r, ok := m.result(k); ok {
		return r
	}
	r, err := staffing.Evaluate(interval(rate, handle), t, servers)
	if err != nil {
		r = staffing.Result{Agents: servers}
		if float64(servers) > rate*handle/3600 {
			r.ServiceLevel = 1
		}
	}
	m.keys, m.vals = append(m.keys, k), append(m.vals, r)
	return r
}

// sqrtStaffing approximates what servers achieve on load a beyond Erlang A's bound: the
// target's service level at a + √a servers, all of it from a + 1.25 √a, none at or below a.
func sqrtStaffing(a float64, servers int, t staffing.Target) staffing.Result {
	n := float64(max(0, servers))
	beta := (n - a) / math.Sqrt(max(a, 1))
	r := staffing.Result{Agents: max(0, servers), ServiceLevel: min(1, max(0, beta*t.ServiceLevel))}
	if beta >= 1.25 {
		r.ServiceLevel = 1
	}
	if a > 0 {
		r.AbandonRate = max(0, (a-n)/a)
		r.Occupancy = min(1, a/max(n, 1))
	}
	if beta < 1 {
		r.ASA = t.Patience
	}
	return r
}

func interval(rate, handle float64) staffing.Interval {
	return staffing.Interval{Calls: rate, AHT: secs(handle), Length: time.Hour}
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Bounds of the figures Erlang A is given: a handle time from MinHandleSeconds to
// MaxHandleSeconds, a patience of at most MaxPatienceSeconds and MaxPatienceRatio handle times
// (beyond, callers are as good as infinitely patient, and Erlang A's series grow long).
const (
	MinHandleSeconds   = 10
	MaxHandleSeconds   = 4 * 3600
	MaxPatienceSeconds = 3600
	MaxPatienceRatio   = 60
)

// handleOf is v's mean handle time (DefaultHandleSeconds when unknown), bounded.
func handleOf(v ChannelView) float64 {
	h := finite(v.HandleSeconds)
	if h < 1 {
		h = DefaultHandleSeconds
	}
	return min(MaxHandleSeconds, max(MinHandleSeconds, h))
}

// patienceOf is v's mean patience (DefaultPatienceSeconds when unknown), bounded.
func patienceOf(v ChannelView) float64 {
	p := finite(v.PatienceSeconds)
	if p < 1 {
		p = DefaultPatienceSeconds
	}
	return min(p, MaxPatienceSeconds, MaxPatienceRatio*handleOf(v))
}

// agentsOf is the agents signed in on v, bounded.
func agentsOf(v ChannelView) int {
	return min(MaxAgents, min(MaxAgents, max(0, v.Available))+min(MaxAgents, max(0, v.Busy)))
}

// capacityOf is v's contacts per agent, from 1 to MaxCapacity.
func capacityOf(v ChannelView) int { return min(MaxCapacity, max(1, v.Capacity)) }

// finite returns f, or 0 when it is NaN, infinite or negative.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0
	}
	return f
}

// perceive projects o's gap over the horizon.
func perceive(o Observation, now time.Time, horizon time.Duration, m *memo) queueGap {
	q := queueGap{obs: o, voice: -1, chat: -1}
	tp := o.TargetPercent
	if tp <= 0 {
		tp = DefaultTargetPercent
	}
	tp = min(tp, 99) // Erlang A's targets are below 100 %
	ts := o.TargetSeconds
	if ts <= 0 {
		ts = DefaultTargetSeconds
	}
	ts = min(ts, 3600)
	q.target = staffing.Target{ServiceLevel: float64(tp) / 100, AnswerWithin: time.Duration(ts) * time.Second}
	end := now.Add(horizon)
	// The intervals: now, then each forecast interval starting within the horizon (the union over
	// channels, in time order).
	q.starts = append(q.starts, now)
	for _, v := range o.Channels {
		for _, p := range v.Forecast {
			if p.Start.After(now) && p.Start.Before(end) {
				q.starts = insertTime(q.starts, p.Start)
			}
		}
	}
	q.starts = thin(q.starts)
	for _, v := range o.Channels {
		c := channelGap{view: v, capacity: float64(capacityOf(v)), handle: finite(v.HandleSeconds), patience: finite(v.PatienceSeconds)}
		c.handle, c.patience = handleOf(v), patienceOf(v)
		c.signed = float64(agentsOf(v))
		if v.Waiting > 0 || c.signed > 0 {
			q.staffed = true
		}
		t := q.target
		t.Patience = secs(c.patience)
		recent := min(finite(v.ArrivalsPerHour), 1e6)
		n := len(q.starts)
		c.rate, c.req, c.gap = make([]float64, n), make([]float64, n), make([]float64, n)
		var lowRate, highRate []float64
		lowRate, highRate = make([]float64, n), make([]float64, n)
		for j, at := range q.starts {
			r, lo, hi := recent, recent, recent
			if p, ok := forecastAt(v.Forecast, at); ok {
				hours := p.End.Sub(p.Start).Hours()
				r = max(r, finite(p.Calls)/hours)
				lo = max(lo, finite(p.Low)/hours)
				hi = max(hi, finite(p.High)/hours, r)
				lo = min(lo, r)
			} else {
				lo, hi = r, r
			}
			if j == 0 {
				backlog := float64(min(MaxAgents*100, max(0, v.Waiting))) * 60 / BacklogMinutes
				r, lo, hi = r+backlog, lo+backlog, hi+backlog
			}
			c.rate[j], lowRate[j], highRate[j] = min(r, 1e6), min(lo, 1e6), min(hi, 1e6)
			c.req[j] = math.Ceil(m.required(c.rate[j], c.handle, c.patience, t)/c.capacity - 1e-9)
			c.gap[j] = c.req[j] - c.signed
			if c.gap[j] > c.gap[c.worst] {
				c.worst = j
			}
		}
		w := c.worst
		c.low = math.Ceil(m.required(lowRate[w], c.handle, c.patience, t)/c.capacity-1e-9) - c.signed
		c.high = math.Ceil(m.required(highRate[w], c.handle, c.patience, t)/c.capacity-1e-9) - c.signed
		ev := m.evaluate(c.rate[w], c.handle, c.patience, t, int(c.signed*c.capacity))
		c.sl, c.asa = 100*ev.ServiceLevel, ev.ASA.Seconds()
		if c.rate[w] > 0 && c.signed == 0 {
			c.sl, c.asa = 0, c.patience
		}
		switch v.Channel {
		case Voice:
			if q.voice < 0 {
				q.voice = len(q.ch)
			}
		case Chat:
			if q.chat < 0 {
				q.chat = len(q.ch)
			}
		}
		q.ch = append(q.ch, c)
	}
	q.total = make([]float64, len(q.starts))
	for j := range q.starts {
		q.total[j] = sumPositive(q, j)
		if q.total[j] > q.total[q.peak] {
			q.peak = j
		}
	}
	for _, c := range q.ch {
		q.required += c.req[0]
		q.avail += c.signed
	}
	return q
}

// sumPositive is interval j's gap: the channels' positive gaps summed (an idle chat agent does not
// take calls unless MoveAgents moves them), or the signed sum when no channel is short.
func sumPositive(q queueGap, j int) float64 {
	pos, all, short := 0.0, 0.0, false
	for _, c := range q.ch {
		all += c.gap[j]
		if c.gap[j] > 0 {
			pos += c.gap[j]
			short = true
		}
	}
	if short {
		return pos
	}
	return all
}

// forecastAt returns the forecast interval holding at.
func forecastAt(fc []ForecastPoint, at time.Time) (ForecastPoint, bool) {
	for _, p := range fc {
		if !at.Before(p.Start) && at.Before(p.End) && p.End.Sub(p.Start) > 0 {
			return p, true
		}
	}
	return ForecastPoint{}, false
}

// MinIntervalSpacing: interval starts closer than this to the previous one kept are skipped, so a
// forecast of short intervals costs at most HorizonMinutes ÷ 15 projections.
const MinIntervalSpacing = 15 * time.Minute

// thin keeps the first start and each one at least MinIntervalSpacing after the last kept.
func thin(ts []time.Time) []time.Time {
	out := ts[:1]
	for _, t := range ts[1:] {
		if t.Sub(out[len(out)-1]) >= MinIntervalSpacing {
			out = append(out, t)
		}
	}
	return out
}

func insertTime(ts []time.Time, t time.Time) []time.Time {
	i := len(ts)
	for i > 0 && ts[i-1].After(t) {
		i--
	}
	if i > 0 && ts[i-1].Equal(t) {
		return ts
	}
	ts = append(ts, time.Time{})
	copy(ts[i+1:], ts[i:])
	ts[i] = t
	return ts
}

// observedSL is the worst channel's projected service level (percent) with today's agents.
func (q queueGap) observedSL() float64 {
	sl := 100.0
	for _, c := range q.ch {
		if c.rate[c.worst] > 0 {
			sl = min(sl, c.sl)
		}
	}
	return sl
}

// closed says the gap without the strategies in force is closed: the floor closed, or the
// observed projected gap below OpenGapAgents with the service level within the margin.
func (q queueGap) closed() bool {
	return !q.staffed || (q.total[q.peak] < OpenGapAgents && q.observedSL() >= q.target.ServiceLevel*100-OpenServiceLevelMargin)
}

// gapOf is the gap the decision reports: what remains of the observed gap once the strategies in
// force add covered (agent equivalents per channel and interval), its band and the service level
// today's agents plus those achieve.
func (q queueGap) gapOf(covered []float64, m *memo) Gap {
	C, J := len(q.ch), len(q.starts)
	g := Gap{RequiredNow: q.required, AvailableNow: q.avail, Now: q.required - q.avail, Target: q.target.ServiceLevel * 100, ServiceLevel: 100}
	res := make([]float64, C*J)
	for ci, c := range q.ch {
		for j := range J {
			res[ci*J+j] = c.gap[j] - covered[ci*J+j]
		}
	}
	_, g.Projected = peakOf(res, C, J)
	lo, hi := 0.0, 0.0
	for ci, c := range q.ch {
		cov := covered[ci*J+c.worst]
		lo += max(0, c.low-cov)
		hi += max(0, c.high-cov)
		if c.rate[c.worst] <= 0 {
			continue
		}
		sl := c.sl
		if cov > 0 {
			t := q.target
			t.Patience = secs(c.patience)
			servers := int(math.Floor((c.signed + cov) * c.capacity))
			sl = 100 * m.evaluate(c.rate[c.worst], c.handle, c.patience, t, servers).ServiceLevel
		}
		g.ServiceLevel = min(g.ServiceLevel, sl)
	}
	if g.Projected > 0 {
		g.Low, g.High = min(lo, g.Projected), max(hi, g.Projected)
	} else {
		g.Low, g.High = g.Projected, g.Projected
	}
	_, gp := peakOf(covered, C, J)
	g.Covered = max(0, gp)
	g.Open = q.staffed && (g.Projected >= OpenGapAgents || g.ServiceLevel < g.Target-OpenServiceLevelMargin)
	return g
}
