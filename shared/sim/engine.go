package sim

import (
	"math"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

// engine is an engine policy's state between its minutes: what Decide remembers.
type engine struct {
	settings  strategy.Settings
	overrides []strategy.Override
	memory    strategy.Memory
	active    []strategy.Activation
	seed      uint64
}

// simTenant is the tenant the simulated decisions are made for.
const simTenant = "sim"

func newEngine(sc Scenario, p Policy) *engine {
	s := sc.Settings
	if p.Only != "" {
		s = onlySettings(s, p.Only)
	}
	return &engine{settings: s, overrides: sc.Overrides, seed: sc.Seed}
}

// onlySettings are s with the engine on and every strategy disabled but k.
func onlySettings(s strategy.Settings, k strategy.Kind) strategy.Settings {
	out := s
	out.Enabled = true
	out.Strategies = map[strategy.Kind]strategy.StrategySettings{}
	for _, spec := range strategy.Catalog() {
		ss := s.Strategies[spec.Kind]
		ss.Enabled = spec.Kind == k
		out.Strategies[spec.Kind] = ss
	}
	return out
}

// tick is one engine minute: observe the floor, decide, apply the active set.
func (e *engine) tick(f *floor, minute int) error {
	now := f.sc.Start.Add(time.Duration(minute) * time.Minute)
	var overrides []strategy.Override
	for _, o := range e.overrides {
		if !now.Before(o.Created) && now.Before(o.Until) {
			overrides = append(overrides, o)
		}
	}
	in := strategy.Input{
		Tenant:    simTenant,
		Now:       now,
		Settings:  e.settings,
		Queues:    []strategy.Observation{f.observe(now, e.settings)},
		Active:    e.active,
		Overrides: overrides,
		Memory:    e.memory,
		Seed:      e.seed ^ uint64(minute)*0x9e3779b97f4a7c15,
	}
	started := time.Now()
	d := strategy.Decide(in)
	f.decideNanos = append(f.decideNanos, time.Since(started).Nanoseconds())
	f.decisions++
	e.memory, e.active = d.Memory, d.Active
	f.apply(d.Active)
	return nil
}

// observe is what the engine would be told live about the simulated queue at now.
func (f *floor) observe(now time.Time, s strategy.Settings) strategy.Observation {
	longest := 0
	if c := f.head(); c >= 0 {
		longest = int(f.now - f.custs[c].at)
	}
	// The queue's own agents (the plan's): the reserves a strategy brought in are what the engine
	// counts as that strategy's cover, not as agents the queue has.
	available, busy := 0, 0
	for _, a := range f.agents {
		if a.kind == kindPlan && a.present {
			if a.busy {
				busy++
			} else {
				available++
			}
		}
	}
	v := strategy.ChannelView{
		Channel:            strategy.Voice,
		Waiting:            f.nWait,
		LongestWaitSeconds: longest,
		Available:          available,
		Busy:               busy,
		Capacity:           1,
		ArrivalsPerHour:    f.recentRate(),
		HandleSeconds:      f.recentHandle(),
		PatienceSeconds:    f.sc.PatienceSeconds,
		Forecast:           f.forecastFrom(now, s.HorizonMinutes),
	}
	// Today's rates so far, by the wallboard's definition; absent while nothing counts.
	d := f.day
	today := strategy.Outcome{Answered: d.answered, AnsweredInTarget: d.inTarget, Abandoned: d.abandoned, AbandonedAfterTarget: d.afterTarget}.Rated()
	if d.answered+d.afterTarget > 0 {
		v.ServiceLevel = &today.ServiceLevel
	}
	if d.answered+d.abandoned > 0 {
		v.AbandonRate = &today.AbandonRate
	}
	routine := f.sc.BotResolution / BotResolutionGood
	return strategy.Observation{
		Queue:          QueueName,
		TargetSeconds:  f.sc.TargetSeconds,
		TargetPercent:  f.sc.TargetPercent,
		Channels:       []strategy.ChannelView{v},
		BackupAgents:   f.sc.BackupAgents,
		MovableAgents:  f.sc.MovableAgents,
		OutboundAgents: f.sc.OutboundAgents,
		OnCall:         f.sc.OnCallAgents,
		BotResolution:  map[string]float64{intentRoutine: BotResolutionGood, intentOther: BotResolutionOther},
		HandoffIntents: map[string]float64{intentRoutine: routine, intentOther: 1 - routine},
		Divertible:     f.sc.Divertible,
	}
}

// forecastFrom is the rolling forecast from the interval holding now over the horizon, with an
// 80% band from the Poisson spread (±1.28 √calls).
func (f *floor) forecastFrom(now time.Time, horizonMinutes int) []strategy.ForecastPoint {
	if horizonMinutes <= 0 {
		horizonMinutes = 60
	}
	until := now.Add(time.Duration(horizonMinutes) * time.Minute)
	i := int(now.Sub(f.sc.Start) / f.sc.Interval)
	var out []strategy.ForecastPoint
	for ; i >= 0 && i < len(f.sc.Forecast); i++ {
		start := f.sc.Start.Add(time.Duration(i) * f.sc.Interval)
		if !start.Before(until) {
			break
		}
		c := f.sc.Forecast[i]
		spread := 1.2816 * math.Sqrt(c)
		out = append(out, strategy.ForecastPoint{Start: start, End: start.Add(f.sc.Interval), Calls: c, Low: math.Max(0, c-spread), High: c + spread})
	}
	return out
}

// apply makes the decision's active set the floor's: reserves join or leave, callbacks start
// being offered to those already waiting.
func (f *floor) apply(active []strategy.Activation) {
	prev := f.active
	f.active = map[strategy.Kind]strategy.Activation{}
	for _, a := range active {
		if a.Queue == QueueName && f.now < f.seconds(a.Until) {
			f.active[a.Strategy] = a
		}
	}
	if a, ok := f.active[strategy.Callback]; ok {
		// Those already waiting are offered too once Callback starts or its offer comes sooner
		// (an offer made twice is decided by the same draw, so it changes nothing).
		if p, was := prev[strategy.Callback]; !was || a.Params.CallbackAfterSeconds < p.Params.CallbackAfterSeconds {
			f.offerWaiting(a.Params.CallbackAfterSeconds)
		}
	}
	want := [nKinds]int{}
	if _, ok := f.active[strategy.Overflow]; ok {
		want[kindBackup] = f.sc.BackupAgents
	}
	if _, ok := f.active[strategy.CallIn]; ok {
		want[kindOnCall] = f.sc.OnCallAgents
	}
	if a, ok := f.active[strategy.MoveAgents]; ok {
		n := a.Params.Agents
		if n <= 0 || n > f.sc.MovableAgents {
			n = f.sc.MovableAgents
		}
		want[kindMovable] = n
	}
	if _, ok := f.active[strategy.PauseOutbound]; ok {
		want[kindOutbound] = f.sc.OutboundAgents
	}
	for k := kindBackup; k < nKinds; k++ {
		if want[k] != f.want[k] {
			f.want[k] = want[k]
			f.reconcile(k)
		}
	}
}
