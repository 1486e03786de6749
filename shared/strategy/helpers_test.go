package strategy_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

var t0 = time.Date(2025, 6, 3, 10, 0, 0, 0, time.UTC)

// voiceQueue is a voice queue with agents signed in (busy) and callers arriving per hour.
func voiceQueue(name string, agents int, perHour float64) strategy.Observation {
	return strategy.Observation{
		Queue: name, TargetSeconds: 20, TargetPercent: 80,
		Channels: []strategy.ChannelView{{
			Channel: strategy.Voice, Busy: agents, Capacity: 1,
			ArrivalsPerHour: perHour, HandleSeconds: 240, PatienceSeconds: 120,
		}},
	}
}

// withForecast adds a forecast of perHour per half hour interval over the next two hours.
func withForecast(o strategy.Observation, perHour ...float64) strategy.Observation {
	v := &o.Channels[0]
	start := t0.Truncate(30 * time.Minute)
	for i, r := range perHour {
		s := start.Add(time.Duration(i) * 30 * time.Minute)
		v.Forecast = append(v.Forecast, strategy.ForecastPoint{Start: s, End: s.Add(30 * time.Minute), Calls: r / 2, Low: r / 2 * 0.8, High: r / 2 * 1.2})
	}
	return o
}

// randomInput is a tenant of n queues with random floors, resources, settings and history.
func randomInput(r *rand.Rand, n int) strategy.Input {
	in := strategy.Input{Tenant: "t", Now: t0.Add(time.Duration(r.IntN(600)) * time.Minute), Settings: strategy.Defaults(), Seed: r.Uint64()}
	in.Settings.DivertCapPercent = float64(r.IntN(40))
	in.Settings.ExplorationBudget = float64(r.IntN(20))
	in.Settings.ActivateAfterMinutes = 1 + r.IntN(3)
	in.Settings.OnCall = []string{"u1", "u2"}
	if r.IntN(10) == 0 {
		in.Settings.Enabled = false
	}
	in.Memory.Queues = map[string]strategy.QueueMemory{}
	for i := range n {
		name := fmt.Sprintf("q%02d", i)
		o := strategy.Observation{
			Queue: name, TargetSeconds: 10 + r.IntN(50), TargetPercent: 60 + r.IntN(35),
			BackupAgents: r.IntN(4), MovableAgents: r.IntN(3), OutboundAgents: r.IntN(2) * r.IntN(5), OnCall: r.IntN(3),
			Divertible:     r.Float64() / 2,
			BotResolution:  map[string]float64{"balance": 0.5 + r.Float64()/2, "card": r.Float64()},
			HandoffIntents: map[string]float64{"balance": r.Float64() / 2, "card": r.Float64() / 2},
		}
		for _, ch := range []string{strategy.Voice, strategy.Chat} {
			if r.IntN(3) == 0 {
				continue
			}
			capacity := 1
			if ch == strategy.Chat {
				capacity = 1 + r.IntN(3)
			}
			v := strategy.ChannelView{
				Channel: ch, Waiting: r.IntN(12), LongestWaitSeconds: r.IntN(300), Available: r.IntN(3), Busy: r.IntN(25),
				Capacity: capacity, ArrivalsPerHour: float64(r.IntN(600)), HandleSeconds: 60 + float64(r.IntN(600)),
				PatienceSeconds: 30 + float64(r.IntN(300)),
			}
			start := in.Now.Truncate(30 * time.Minute)
			for k := range 5 {
				s := start.Add(time.Duration(k) * 30 * time.Minute)
				c := float64(r.IntN(300))
				v.Forecast = append(v.Forecast, strategy.ForecastPoint{Start: s, End: s.Add(30 * time.Minute), Calls: c, Low: c * 0.8, High: c * 1.25})
			}
			o.Channels = append(o.Channels, v)
		}
		in.Queues = append(in.Queues, o)
		in.Memory.Queues[name] = strategy.QueueMemory{GapStreak: r.IntN(4)}
		if r.IntN(3) == 0 {
			k := strategy.Catalog()[r.IntN(8)].Kind
			since := in.Now.Add(-time.Duration(r.IntN(200)) * time.Minute)
			in.Active = append(in.Active, strategy.Activation{
				ID: "act-old-" + name + "-" + string(k), Queue: name, Strategy: k, Source: strategy.ByEngine,
				Params: strategy.DefaultParams(k, in.Settings, o), Since: since, Until: in.Now.Add(time.Duration(r.IntN(20)-5) * time.Minute),
				Expected: strategy.Effect{Agents: float64(r.IntN(4))},
			})
		}
		if r.IntN(5) == 0 {
			k := strategy.Catalog()[r.IntN(8)].Kind
			in.Overrides = append(in.Overrides, strategy.Override{
				ID: "ovr-" + name, Queue: name, Strategy: k, On: r.IntN(2) == 0, By: "sup",
				Created: in.Now.Add(-time.Minute), Until: in.Now.Add(time.Hour),
			})
		}
	}
	return in
}
