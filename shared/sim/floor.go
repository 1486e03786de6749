package sim

import (
	"container/heap"
	"context"
	"math"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

// Event kinds, in the order simultaneous events are handled.
const (
	evShift   = iota // the plan's agents for a new interval
	evDone           // an agent finished a call
	evJoin           // a reserve agent signs in
	evAbandon        // a caller's patience ran out
	evOffer          // a caller has waited long enough to be offered a callback
	evArrival        // a caller arrives
	evTick           // the engine's minute
)

type event struct {
	t    float64
	kind int
	id   int
	gen  int // an agent's join generation (evJoin) — stale joins are ignored
	seq  int
}

type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].t != h[j].t {
		return h[i].t < h[j].t
	}
	if h[i].kind != h[j].kind {
		return h[i].kind < h[j].kind
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// Agent kinds: the plan's and the reserves each strategy brings in.
const (
	kindPlan = iota
	kindBackup
	kindOnCall
	kindMovable
	kindOutbound
	nKinds
)

// joinDelay is how long an agent of each kind takes to sign in once wanted.
var joinDelay = [nKinds]float64{0, 0, CallInDelay.Seconds(), MoveDelay.Seconds(), OutboundDelay.Seconds()}

type agent struct {
	kind    int
	present bool // signed in
	joining bool // wanted, signing in (evJoin pending)
	gen     int
	busy    bool
	leaving bool // signs out when the call ends
	cust    int  // the customer served while busy
}

// Customer states.
const (
	csNone = iota
	csWaiting
	csServed
	csAbandoned
	csDiverted
	csCallback // left the queue, waiting to be called back
	csCalledBack
)

type callbackReq struct {
	c       int
	promise float64
}

// tally is what happened to a set of customers.
type tally struct {
	arrived, answered, inTarget, abandoned, afterTarget, balked int
	diverted, divertedChat, bot                                 int
	callbacks, cbServed, cbLate                                 int
	waitSum                                                     float64
}

// floor is one run of a scenario under one policy.
type floor struct {
	sc     Scenario
	custs  []customer
	state  []uint8
	now    float64
	end    float64 // the scenario's last interval ends
	stopAt float64 // no event after this is handled
	drain  bool
	events eventHeap
	seq    int

	queue []int // waiting callers in order (stale entries skipped)
	qhead int
	nWait int
	cbs   []callbackReq
	cbh   int

	agents []agent
	idle   []int
	want   [nKinds]int
	nBusy  int
	nIn    int

	active map[strategy.Kind]strategy.Activation

	mFrom, mTo       float64
	meas, day        tally
	busyTime, inTime float64
	recentArr        []float64 // arrival times, for the last 15 minutes' rate
	recentHead       int
	recentDone       []float64 // handle times completed recently, with recentDoneAt
	recentDoneAt     []float64
	recentDoneHead   int
	strategyMinutes  map[strategy.Kind]int
	decideNanos      []int64
	decisions        int
	onTick           func(f *floor, minute int) error
	ctx              context.Context
	ticksUntil       float64
	promise          []float64 // per customer, its callback's promise
}

func newFloor(ctx context.Context, sc Scenario, custs []customer) *floor {
	f := &floor{
		sc:              sc,
		custs:           custs,
		state:           make([]uint8, len(custs)),
		end:             float64(len(sc.Arrivals)) * sc.Interval.Seconds(),
		active:          map[strategy.Kind]strategy.Activation{},
		strategyMinutes: map[strategy.Kind]int{},
		ctx:             ctx,
	}
	f.stopAt = f.end + drainLimit.Seconds()
	f.mFrom, f.mTo = math.Inf(-1), math.Inf(1)
	if !sc.MeasureFrom.IsZero() {
		f.mFrom = sc.MeasureFrom.Sub(sc.Start).Seconds()
	}
	if !sc.MeasureTo.IsZero() {
		f.mTo = sc.MeasureTo.Sub(sc.Start).Seconds()
	}
	f.ticksUntil = f.end
	return f
}

func (f *floor) push(t float64, kind, id, gen int) {
	f.seq++
	heap.Push(&f.events, event{t: t, kind: kind, id: id, gen: gen, seq: f.seq})
}

func (f *floor) measured(c int) bool {
	at := f.custs[c].at
	return at >= f.mFrom && at < f.mTo
}

// count applies fn to the day's tally and, when the customer is measured, to the result's.
func (f *floor) count(c int, fn func(t *tally)) {
	fn(&f.day)
	if f.measured(c) {
		fn(&f.meas)
	}
}

// advance integrates the agents' time up to t (inside the measured window) and moves the clock.
func (f *floor) advance(t float64) {
	lo, hi := math.Max(f.now, f.mFrom), math.Min(t, math.Min(f.mTo, f.end))
	if hi > lo {
		f.busyTime += float64(f.nBusy) * (hi - lo)
		f.inTime += float64(f.nIn) * (hi - lo)
	}
	f.now = t
}

// run handles events until none is left or stopAt.
func (f *floor) run() error {
	for i := range f.sc.Arrivals {
		f.push(float64(i)*f.sc.Interval.Seconds(), evShift, i, 0)
	}
	for c := range f.custs {
		f.push(f.custs[c].at, evArrival, c, 0)
	}
	if f.onTick != nil {
		f.push(0, evTick, 0, 0)
	}
	for f.events.Len() > 0 {
		e := heap.Pop(&f.events).(event)
		if e.t > f.stopAt {
			break
		}
		f.advance(e.t)
		switch e.kind {
		case evShift:
			f.want[kindPlan] = f.sc.Agents[e.id]
			f.reconcile(kindPlan)
		case evDone:
			f.done(e.id)
		case evJoin:
			a := &f.agents[e.id]
			if a.joining && a.gen == e.gen {
				a.joining = false
				f.signIn(e.id)
			}
		case evAbandon:
			f.abandon(e.id)
		case evOffer:
			f.offer(e.id)
		case evArrival:
			f.arrive(e.id)
		case evTick:
			if err := f.ctx.Err(); err != nil {
				return err
			}
			if err := f.onTick(f, e.id); err != nil {
				return err
			}
			if f.now >= f.mFrom && f.now < f.mTo {
				for k, a := range f.active {
					if f.now < f.seconds(a.Until) {
						f.strategyMinutes[k]++
					}
				}
			}
			if next := float64(e.id+1) * 60; next < f.ticksUntil {
				f.push(next, evTick, e.id+1, 0)
			}
		}
	}
	f.advance(math.Min(f.stopAt, math.Max(f.now, f.end)))
	for i := f.cbh; i < len(f.cbs); i++ {
		if f.state[f.cbs[i].c] == csCallback {
			f.count(f.cbs[i].c, func(t *tally) { t.cbLate++ })
		}
	}
	return nil
}

// inForce returns the activation of k in force now.
func (f *floor) inForce(k strategy.Kind) (strategy.Activation, bool) {
	a, ok := f.active[k]
	if !ok || f.now >= a.Until.Sub(f.sc.Start).Seconds() {
		return strategy.Activation{}, false
	}
	return a, true
}

func (f *floor) arrive(c int) {
	cu := f.custs[c]
	f.count(c, func(t *tally) { t.arrived++ })
	f.recentArr = append(f.recentArr, f.now)
	if a, ok := f.inForce(strategy.Divert); ok && cu.uOffer < a.Params.DivertShare && cu.uDivertible < f.sc.Divertible {
		f.state[c] = csDiverted
		chat := cu.uChannel < ChatShare
		f.count(c, func(t *tally) {
			t.diverted++
			if chat {
				t.divertedChat++
			}
		})
		return
	}
	if a, ok := f.inForce(strategy.BotFirst); ok && cu.uBot < f.botShare(a.Params.Intents) {
		f.state[c] = csDiverted
		f.count(c, func(t *tally) { t.diverted++; t.bot++ })
		return
	}
	if len(f.idle) > 0 {
		f.state[c] = csWaiting
		f.serve(f.popIdle(), c)
		return
	}
	if a, ok := f.inForce(strategy.AnnounceWait); ok {
		w := float64(a.Params.ExpectedWaitSeconds)
		if w <= 0 {
			w = f.expectedWait()
		}
		if cu.patience < w && cu.uBalk < BalkShare {
			f.state[c] = csAbandoned
			f.count(c, func(t *tally) { t.abandoned++; t.balked++ })
			return
		}
	}
	f.state[c] = csWaiting
	f.queue = append(f.queue, c)
	f.nWait++
	f.push(cu.at+cu.patience, evAbandon, c, 0)
	if a, ok := f.inForce(strategy.Callback); ok {
		f.push(cu.at+float64(max(0, a.Params.CallbackAfterSeconds)), evOffer, c, 0)
	}
}

// botShare is the share of callers the bot resolves when it answers first for intents: the
// routine intent resolves BotResolutionGood of its share, the others BotResolutionOther.
func (f *floor) botShare(intents []string) float64 {
	routine := f.sc.BotResolution / BotResolutionGood
	var s float64
	for _, in := range intents {
		switch in {
		case intentRoutine:
			s += routine * BotResolutionGood
		case intentOther:
			s += (1 - routine) * BotResolutionOther
		}
	}
	return s
}

// The simulated bot's intents (engine.go reports them).
const (
	intentRoutine = "routine"
	intentOther   = "other"
)

// expectedWait is the floor's estimate of a new caller's wait: those ahead of them times the
// mean handle time, shared by the agents signed in.
func (f *floor) expectedWait() float64 {
	return float64(f.nWait+1) * f.sc.HandleSeconds / math.Max(1, float64(f.nIn))
}

func (f *floor) abandon(c int) {
	if f.state[c] != csWaiting {
		return
	}
	f.state[c] = csAbandoned
	f.nWait--
	after := f.now-f.custs[c].at > float64(f.sc.TargetSeconds)
	f.count(c, func(t *tally) {
		t.abandoned++
		if after {
			t.afterTarget++
		}
	})
}

func (f *floor) offer(c int) {
	if f.state[c] != csWaiting {
		return
	}
	a, ok := f.inForce(strategy.Callback)
	if !ok || f.custs[c].uCallback >= f.sc.CallbackAccept {
		return
	}
	f.state[c] = csCallback
	f.nWait--
	promise := f.now + float64(max(1, a.Params.PromiseMinutes))*60
	if f.promise == nil {
		f.promise = make([]float64, len(f.custs))
	}
	f.promise[c] = promise
	f.cbs = append(f.cbs, callbackReq{c: c, promise: promise})
	f.count(c, func(t *tally) { t.callbacks++ })
}

// offerWaiting schedules callback offers for the callers already waiting when Callback starts.
func (f *floor) offerWaiting(after int) {
	for _, c := range f.queue[f.qhead:] {
		if f.state[c] == csWaiting {
			f.push(math.Max(f.now, f.custs[c].at+float64(max(0, after))), evOffer, c, 0)
		}
	}
}

func (f *floor) serve(ai, c int) {
	a := &f.agents[ai]
	a.busy, a.cust = true, c
	f.nBusy++
	cu := f.custs[c]
	if f.state[c] == csCallback {
		f.state[c] = csCalledBack
		late := f.now > f.promise[c]
		f.count(c, func(t *tally) {
			t.cbServed++
			if late {
				t.cbLate++
			}
		})
	} else {
		f.state[c] = csServed
		wait := f.now - cu.at
		in := wait <= float64(f.sc.TargetSeconds)
		f.count(c, func(t *tally) {
			t.answered++
			t.waitSum += wait
			if in {
				t.inTarget++
			}
		})
	}
	f.push(f.now+cu.handle, evDone, ai, 0)
}

// callbackDue is how close to its promise a callback goes before the callers waiting.
const callbackDue = 120.0

// next picks an idle agent's work: a callback falling due, else the longest waiting caller, else
// a callback; -1 when there is none.
func (f *floor) next() int {
	for f.cbh < len(f.cbs) && f.state[f.cbs[f.cbh].c] != csCallback {
		f.cbh++
	}
	if f.cbh < len(f.cbs) && f.cbs[f.cbh].promise-f.now <= callbackDue {
		f.cbh++
		return f.cbs[f.cbh-1].c
	}
	if c := f.head(); c >= 0 {
		f.qhead++
		f.nWait--
		return c
	}
	if f.cbh < len(f.cbs) {
		f.cbh++
		return f.cbs[f.cbh-1].c
	}
	return -1
}

// head is the longest waiting caller, or -1.
func (f *floor) head() int {
	for f.qhead < len(f.queue) && f.state[f.queue[f.qhead]] != csWaiting {
		f.qhead++
	}
	if f.qhead == len(f.queue) {
		return -1
	}
	return f.queue[f.qhead]
}

func (f *floor) done(ai int) {
	a := &f.agents[ai]
	a.busy = false
	f.nBusy--
	f.recentDone = append(f.recentDone, f.custs[a.cust].handle)
	f.recentDoneAt = append(f.recentDoneAt, f.now)
	if a.leaving {
		a.leaving, a.present = false, false
		f.nIn--
		return
	}
	f.dispatch(ai)
}

// dispatch gives a free agent work, or makes it idle.
func (f *floor) dispatch(ai int) {
	if c := f.next(); c >= 0 {
		f.serve(ai, c)
		return
	}
	f.idle = append(f.idle, ai)
}

func (f *floor) popIdle() int {
	ai := f.idle[len(f.idle)-1]
	f.idle = f.idle[:len(f.idle)-1]
	return ai
}

func (f *floor) signIn(ai int) {
	f.agents[ai].present = true
	f.nIn++
	f.dispatch(ai)
}

// reconcile brings kind's signed-in (or signing-in) agents to f.want[kind]: leaving agents stay,
// new ones sign in after the kind's delay; surplus ones sign out, idle first, busy ones after
// their call.
func (f *floor) reconcile(kind int) {
	have := 0
	for i := range f.agents {
		a := &f.agents[i]
		if a.kind == kind && ((a.present && !a.leaving) || a.joining) {
			have++
		}
	}
	want := f.want[kind]
	for i := range f.agents {
		if have >= want {
			break
		}
		if a := &f.agents[i]; a.kind == kind && a.leaving {
			a.leaving = false
			have++
		}
	}
	for have < want {
		ai := -1
		for i := range f.agents {
			if a := f.agents[i]; a.kind == kind && !a.present && !a.joining {
				ai = i
				break
			}
		}
		if ai < 0 {
			f.agents = append(f.agents, agent{kind: kind})
			ai = len(f.agents) - 1
		}
		have++
		if d := joinDelay[kind]; d > 0 {
			a := &f.agents[ai]
			a.joining = true
			a.gen++
			f.push(f.now+d, evJoin, ai, a.gen)
		} else {
			f.signIn(ai)
		}
	}
	if have <= want {
		return
	}
	// Surplus: cancel joins, then sign out idle agents, then busy ones after their call.
	for i := range f.agents {
		if have == want {
			return
		}
		if a := &f.agents[i]; a.kind == kind && a.joining {
			a.joining = false
			have--
		}
	}
	for j := len(f.idle) - 1; j >= 0 && have > want; j-- {
		ai := f.idle[j]
		if f.agents[ai].kind != kind {
			continue
		}
		f.idle = append(f.idle[:j], f.idle[j+1:]...)
		f.agents[ai].present = false
		f.nIn--
		have--
	}
	for i := range f.agents {
		if have == want {
			return
		}
		if a := &f.agents[i]; a.kind == kind && a.present && a.busy && !a.leaving {
			a.leaving = true
			have--
		}
	}
}

// result turns the measured tally into a Result.
func (f *floor) result(policy string) Result {
	t := f.meas
	r := Result{
		Policy:               policy,
		Diverted:             t.diverted,
		Callbacks:            t.callbacks,
		Arrived:              t.arrived,
		Answered:             t.answered,
		Abandoned:            t.abandoned,
		AnsweredInTarget:     t.inTarget,
		AbandonedAfterTarget: t.afterTarget,
		Balked:               t.balked,
		DivertedChat:         t.divertedChat,
		BotResolved:          t.bot,
		CallbacksServed:      t.cbServed,
		CallbacksLate:        t.cbLate,
		Decisions:            f.decisions,
		DecideNanos:          f.decideNanos,
	}
	r.ServiceLevel = t.serviceLevel()
	if t.answered > 0 {
		r.ASASeconds = t.waitSum / float64(t.answered)
	}
	if t.arrived > 0 {
		r.AbandonRate = float64(t.abandoned) / float64(t.arrived)
	}
	if f.inTime > 0 {
		r.Occupancy = f.busyTime / f.inTime
	}
	if len(f.strategyMinutes) > 0 {
		r.StrategyMinutes = f.strategyMinutes
	}
	return r
}

// serviceLevel is answered within target ÷ (answered + abandoned after target), as a fraction
// (1 when nobody counts, as the wallboard shows no breach).
func (t tally) serviceLevel() float64 {
	d := t.answered + t.afterTarget
	if d == 0 {
		return 1
	}
	return float64(t.inTarget) / float64(d)
}

// recentRate is the arrivals per hour over the last 15 minutes (scaled up early in the run).
func (f *floor) recentRate() float64 {
	from := f.now - 15*60
	for f.recentHead < len(f.recentArr) && f.recentArr[f.recentHead] <= from {
		f.recentHead++
	}
	span := math.Min(15*60, f.now)
	if span < 60 {
		return 0
	}
	return float64(len(f.recentArr)-f.recentHead) * 3600 / span
}

// recentHandle is the mean handle time of calls ended in the last 30 minutes (the default when
// none ended).
func (f *floor) recentHandle() float64 {
	from := f.now - 30*60
	for f.recentDoneHead < len(f.recentDoneAt) && f.recentDoneAt[f.recentDoneHead] <= from {
		f.recentDoneHead++
	}
	var sum float64
	n := 0
	for _, h := range f.recentDone[f.recentDoneHead:] {
		sum += h
		n++
	}
	if n == 0 {
		return f.sc.HandleSeconds
	}
	return sum / float64(n)
}

// seconds is a time's offset from the scenario's start.
func (f *floor) seconds(t time.Time) float64 { return t.Sub(f.sc.Start).Seconds() }
