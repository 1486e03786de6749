package main

// The dispatch engine (issue 12, item 6): the simulator (shared/sim) on spike scenarios built
// from the two bank datasets — a day staffed for its own forecast, a 2× and a 3× step for two
// hours that the forecast does not know — static plan vs the engine vs each strategy alone, and
// the engine's decision time per tenant-minute.

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecast/bankdata"
	"github.com/lingxi/lingxi/shared/sim"
	"github.com/lingxi/lingxi/shared/staffing"
	"github.com/lingxi/lingxi/shared/strategy"
)

// dispatchHeading starts the dispatch engine's section of BENCH.md.
const dispatchHeading = "## Dispatch engine: spike scenarios in simulation (static plan vs engine vs each strategy)"

// The scenarios' documented assumptions (the datasets have arrivals only).
const (
	dpAHT        = 180.0 // seconds, mean handle time (lognormal, CV 1)
	dpPatience   = 120.0 // seconds, mean patience (exponential)
	dpDivertible = 0.3   // share of callers able to use self-service
	dpSpikeStart = 10    // the spike starts at 10:00 local and lasts two hours
	dpSpikeHours = 2
	dpPlanStep   = 30 * time.Minute // the plan's staffing interval
	dpHistory    = 4                // weeks of the same weekday in the plan's forecast
	dpSeeds      = 3                // customer draws per scenario
	dpDays       = 3                // scored days per bank
	dpTuneGap    = 8 * 7 * 24 * time.Hour
)

// Reserves as shares of the plan's agents at the spike's start: backup-skilled agents (Overflow),
// on-call staff (CallIn), multi-skilled chat agents (MoveAgents), agents on outbound campaigns
// (PauseOutbound).
const (
	dpBackupShare   = 0.15
	dpOnCallShare   = 0.10
	dpMovableShare  = 0.10
	dpOutboundShare = 0.10
)

var dpFactors = []float64{2, 3}

// dpNoReserves is the engine on the same scenario without any reserve agents: what divert,
// callbacks and announcements alone do with the plan's staff.
const dpNoReserves = "engine, no reserves"

// dpBank is one dataset as the scenarios use it.
type dpBank struct {
	key, title, file string
	open, close      int // simulated hours [open, close) local
	weekdays         []time.Weekday
}

var dpBanks = []dpBank{
	{"us", "US bank 2003 (5-minute)", "callcenter_us_bank_2003/train.csv", 7, 21, []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}},
	{"il", "Israeli bank 1999 (6-minute)", "callcenter_anonymous_bank_1999/train.csv", 7, 23, []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}},
}

// dpDay is one day made a scenario's base: the actual counts, the plan's forecast and agents.
type dpDay struct {
	bank     string
	date     time.Time
	start    time.Time
	step     time.Duration
	actual   []float64
	forecast []float64
	agents   []int
}

// dpRun is one policy on one scenario and seed.
type dpRun struct {
	bank   string
	day    time.Time
	factor float64
	seed   uint64
	res    sim.Result
	// wholeDay marks a run measured over the whole simulated day, not the spike's two hours.
	wholeDay bool
}

// runDispatchBench runs the scenarios; days is "scored" (the report) or "tune".
func runDispatchBench(ctx context.Context, cfg config) (string, error) {
	started := time.Now()
	var runs []dpRun
	var days []dpDay
	var tuned []string
	for _, bk := range dpBanks {
		data, err := bankdata.ReadFile(filepath.Join(cfg.dataDir, bk.file))
		if err != nil {
			return "", err
		}
		scored, tune, err := dpChooseDays(data.Series, bk)
		if err != nil {
			return "", fmt.Errorf("%s: %w", bk.key, err)
		}
		use := scored
		if cfg.dispatchDays == "tune" {
			use = tune
		}
		for _, d := range tune {
			tuned = append(tuned, bk.key+" "+d.Format(time.DateOnly))
		}
		for _, date := range use {
			d, err := dpMakeDay(data.Series, bk, date)
			if err != nil {
				return "", fmt.Errorf("%s %s: %w", bk.key, date.Format(time.DateOnly), err)
			}
			days = append(days, d)
			for _, factor := range dpFactors {
				for s := range uint64(dpSeeds) {
					sc := dpScenario(d, factor, s+1)
					for _, p := range sim.Policies(true) {
						if err := ctx.Err(); err != nil {
							return "", err
						}
						r, err := sim.Run(ctx, sc, p)
						if err != nil {
							return "", fmt.Errorf("%s %s %.0f× %s: %w", bk.key, date.Format(time.DateOnly), factor, p.Name, err)
						}
						runs = append(runs, dpRun{bank: bk.key, day: date, factor: factor, seed: s + 1, res: r})
					}
					bare := sc
					bare.BackupAgents, bare.OnCallAgents, bare.MovableAgents, bare.OutboundAgents = 0, 0, 0, 0
					r, err := sim.Run(ctx, bare, sim.EngineAll)
					if err != nil {
						return "", fmt.Errorf("%s %s %.0f× %s: %w", bk.key, date.Format(time.DateOnly), factor, dpNoReserves, err)
					}
					r.Policy = dpNoReserves
					runs = append(runs, dpRun{bank: bk.key, day: date, factor: factor, seed: s + 1, res: r})
					// The whole day, for what the strategies cost outside the spike.
					whole := sc
					whole.MeasureFrom, whole.MeasureTo = time.Time{}, time.Time{}
					for _, p := range []sim.Policy{sim.Static, sim.EngineAll} {
						r, err := sim.Run(ctx, whole, p)
						if err != nil {
							return "", fmt.Errorf("%s %s %.0f× %s, whole day: %w", bk.key, date.Format(time.DateOnly), factor, p.Name, err)
						}
						runs = append(runs, dpRun{bank: bk.key, day: date, factor: factor, seed: s + 1, res: r, wholeDay: true})
					}
					n := len(sim.Policies(true)) + 3
					fmt.Fprintf(os.Stderr, "   dispatch %s %s %.0f× seed %d: static SL %.1f%%, engine SL %.1f%%\n", bk.key, date.Format(time.DateOnly), factor, s+1,
						100*runs[len(runs)-n].res.ServiceLevel, 100*runs[len(runs)-n+1].res.ServiceLevel)
				}
			}
		}
	}
	synthetic := dpTimeDecide20(ctx)
	return renderDispatch(cfg, days, tuned, runs, synthetic, time.Since(started)), nil
}

// dpChooseDays picks the scored days (the file's last dpDays eligible days) and the tuning days
// (the eligible days dpTuneGap earlier). An eligible day is a working weekday whose simulated
// hours and those of the dpHistory same weekdays before it are complete in the file.
func dpChooseDays(s forecast.Series, bk dpBank) (scored, tune []time.Time, err error) {
	var eligible []time.Time
	first := s.Start.Truncate(24 * time.Hour)
	for d := first; d.Before(s.End()); d = d.Add(24 * time.Hour) {
		if !slices.Contains(bk.weekdays, d.Weekday()) {
			continue
		}
		ok := true
		for w := 0; w <= dpHistory && ok; w++ {
			ok = dpComplete(s, d.Add(-time.Duration(w)*7*24*time.Hour), bk)
		}
		if ok {
			eligible = append(eligible, d)
		}
	}
	if len(eligible) < dpDays {
		return nil, nil, fmt.Errorf("only %d eligible days", len(eligible))
	}
	scored = eligible[len(eligible)-dpDays:]
	for _, d := range scored {
		t := d.Add(-dpTuneGap)
		if slices.ContainsFunc(eligible, func(e time.Time) bool { return e.Equal(t) }) {
			tune = append(tune, t)
		}
	}
	return scored, tune, nil
}

// dpComplete says whether the simulated hours of day d are all in the series.
func dpComplete(s forecast.Series, d time.Time, bk dpBank) bool {
	from, to := d.Add(time.Duration(bk.open)*time.Hour), d.Add(time.Duration(bk.close)*time.Hour)
	if from.Before(s.Start) || to.After(s.End()) {
		return false
	}
	for t := from; t.Before(to); t = t.Add(s.Step) {
		if math.IsNaN(s.Values[s.Index(t)]) {
			return false
		}
	}
	return true
}

// dpMakeDay builds a day: actual counts over the simulated hours, the plan's forecast (the mean
// of the same interval on the dpHistory same weekdays before — what a tenant would have planned
// with) and the agents Erlang A (80/20, dpAHT, dpPatience) requires for that forecast per
// half-hour.
func dpMakeDay(s forecast.Series, bk dpBank, date time.Time) (dpDay, error) {
	d := dpDay{bank: bk.key, date: date, start: date.Add(time.Duration(bk.open) * time.Hour), step: s.Step}
	n := int(time.Duration(bk.close-bk.open) * time.Hour / s.Step)
	for i := range n {
		t := d.start.Add(time.Duration(i) * s.Step)
		d.actual = append(d.actual, s.Values[s.Index(t)])
		var sum float64
		for w := 1; w <= dpHistory; w++ {
			sum += s.Values[s.Index(t.Add(-time.Duration(w)*7*24*time.Hour))]
		}
		d.forecast = append(d.forecast, sum/dpHistory)
	}
	target := staffing.Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, Patience: time.Duration(dpPatience) * time.Second}
	perPlan := int(dpPlanStep / s.Step)
	for i := 0; i < n; i += perPlan {
		var calls float64
		for j := i; j < min(n, i+perPlan); j++ {
			calls += d.forecast[j]
		}
		length := time.Duration(min(n, i+perPlan)-i) * s.Step
		r, err := staffing.Required(staffing.Interval{Calls: calls, AHT: time.Duration(dpAHT) * time.Second, Length: length}, target)
		if err != nil {
			return dpDay{}, err
		}
		for j := i; j < min(n, i+perPlan); j++ {
			d.agents = append(d.agents, r.Agents)
		}
	}
	return d, nil
}

// dpScenario is a day with a spike of factor from dpSpikeStart for dpSpikeHours, measured over
// the spike's customers.
func dpScenario(d dpDay, factor float64, seed uint64) sim.Scenario {
	from := d.date.Add(dpSpikeStart * time.Hour)
	to := from.Add(dpSpikeHours * time.Hour)
	arr := make([]float64, len(d.actual))
	for i, a := range d.actual {
		t := d.start.Add(time.Duration(i) * d.step)
		if !t.Before(from) && t.Before(to) {
			a *= factor
		}
		arr[i] = a
	}
	base := d.agents[int(from.Sub(d.start)/d.step)]
	share := func(p float64) int { return int(math.Round(p * float64(base))) }
	return sim.Scenario{
		Start: d.start, Interval: d.step, Arrivals: arr, Forecast: d.forecast, Agents: d.agents,
		HandleSeconds: dpAHT, PatienceSeconds: dpPatience, Divertible: dpDivertible,
		BackupAgents: share(dpBackupShare), OnCallAgents: share(dpOnCallShare),
		MovableAgents: share(dpMovableShare), OutboundAgents: share(dpOutboundShare),
		Seed: seed, MeasureFrom: from, MeasureTo: to,
	}
}

// dpTimeDecide20 times Decide on a tenant with 20 queues under a spike (synthetic observations),
// per decision, for the contract's "< 5 ms for 20 queues".
func dpTimeDecide20(ctx context.Context) []int64 {
	now := time.Date(2003, 3, 3, 10, 30, 0, 0, time.UTC)
	in := strategy.Input{Tenant: "bench", Now: now, Settings: strategy.Defaults()}
	for q := range 20 {
		var fc []strategy.ForecastPoint
		for i := range 4 {
			st := now.Truncate(30 * time.Minute).Add(time.Duration(i) * 30 * time.Minute)
			fc = append(fc, strategy.ForecastPoint{Start: st, End: st.Add(30 * time.Minute), Calls: 100, Low: 87, High: 113})
		}
		in.Queues = append(in.Queues, strategy.Observation{
			Queue: fmt.Sprintf("q%02d", q), TargetSeconds: 20, TargetPercent: 80,
			Channels: []strategy.ChannelView{
				{Channel: strategy.Voice, Waiting: 25 + q, LongestWaitSeconds: 90, Busy: 12, Capacity: 1, ArrivalsPerHour: 600, HandleSeconds: 180, PatienceSeconds: 120, Forecast: fc},
				{Channel: strategy.Chat, Waiting: 3, Available: 2, Busy: 5, Capacity: 3, ArrivalsPerHour: 60, HandleSeconds: 400, PatienceSeconds: 300},
			},
			BackupAgents: 2, MovableAgents: 2, OutboundAgents: 1, OnCall: 2,
			BotResolution:  map[string]float64{"routine": 0.8, "other": 0.1},
			HandoffIntents: map[string]float64{"routine": 0.4, "other": 0.6},
		})
	}
	var out []int64
	for i := range 300 {
		if ctx.Err() != nil {
			break
		}
		in.Now = now.Add(time.Duration(i) * time.Minute)
		in.Seed = uint64(i)
		t0 := time.Now()
		d := strategy.Decide(in)
		out = append(out, time.Since(t0).Nanoseconds())
		in.Active, in.Memory = d.Active, d.Memory
	}
	return out
}

// dpAgg is a policy's figures over a set of runs: medians, and the ratios to static per run.
type dpAgg struct {
	sl, abandon, asa, divert, occ, slGain, abRatio []float64
	callbacks                                      []float64
	late                                           []float64
}

func (a *dpAgg) add(r, static sim.Result) {
	a.sl = append(a.sl, 100*r.ServiceLevel)
	a.abandon = append(a.abandon, 100*r.AbandonRate)
	a.asa = append(a.asa, r.ASASeconds)
	a.divert = append(a.divert, 100*r.DivertShare())
	a.occ = append(a.occ, 100*r.Occupancy)
	a.slGain = append(a.slGain, 100*(r.ServiceLevel-static.ServiceLevel))
	if static.AbandonRate > 0 {
		a.abRatio = append(a.abRatio, r.AbandonRate/static.AbandonRate)
	}
	if r.Arrived > 0 {
		a.callbacks = append(a.callbacks, 100*float64(r.Callbacks)/float64(r.Arrived))
	}
	if r.Callbacks > 0 {
		a.late = append(a.late, 100*float64(r.CallbacksLate)/float64(r.Callbacks))
	}
}

// dpMedian is median (human.go) of a copy, NaN for none (a column with nothing to show).
func dpMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return median(slices.Clone(xs))
}

func dpQuantile(xs []int64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return float64(s[max(0, min(len(s)-1, i))])
}

func dpFmt(v float64, format string) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf(format, v)
}

func renderDispatch(cfg config, days []dpDay, tuned []string, runs []dpRun, synthetic []int64, took time.Duration) string {
	var b strings.Builder
	b.WriteString(dispatchHeading + "\n\n")
	fmt.Fprintf(&b, "`go run ./infra/bench -only dispatch -data DIR` (part of `make bench`; %s here). shared/sim, a discrete-event simulator of one voice queue, runs each policy on the same customers: `static` (the plan, no strategy), `engine` (shared/strategy's `Decide` every simulated minute with `Defaults()` settings — divert cap %.0f%% — on observations made from the simulated floor and the plan's forecast as its rolling forecast, the active set applied to the floor) and `only:<strategy>` (Decide with that strategy alone enabled).\n\n", took.Round(time.Second), strategy.Defaults().DivertCapPercent)
	b.WriteString("Scenarios. Each day of a bank is staffed for its own forecast, as a tenant would plan it: the forecast is the mean of the same interval on the same weekday of the 4 weeks before (seasonal-naive weekday mean), the plan the agents Erlang A (shared/staffing `Required`) needs for 80/20 on each half-hour of that forecast. The truth is the day's actual counts (expected arrivals per interval; Poisson inside each interval) with a step of 2× or 3× from 10:00 to 12:00 that the forecast does not know. ")
	fmt.Fprintf(&b, "The datasets have arrivals only, so handle and patience are documented defaults: AHT %.0f s (lognormal, CV 1), patience %.0f s (exponential); %.0f%% of callers can use self-service (Divert), %.0f%% of those offered a callback accept. BotFirst acts on chat handoffs, which this voice-only queue has none of, so `only:bot_first` is the static plan. Simulated hours: US 07:00–21:00, Israel 07:00–23:00. Reserves the strategies may bring in, as shares of the plan's agents at 10:00: backup-skilled agents %.0f%% (Overflow, at once), on-call staff %.0f%% (CallIn, %v to sign in), multi-skilled chat agents %.0f%% (MoveAgents, %v), outbound agents %.0f%% (PauseOutbound, %v); static has them too and does not use them; the row `engine, no reserves` is the engine on the same scenario without any (the plan's staff alone: divert, callbacks, announcements). ",
		dpAHT, dpPatience, 100*dpDivertible, 100*sim.DefaultCallbackAccept, 100*dpBackupShare, 100*dpOnCallShare, sim.CallInDelay, 100*dpMovableShare, sim.MoveDelay, 100*dpOutboundShare, sim.OutboundDelay)
	fmt.Fprintf(&b, "Figures are over the customers arriving during the spike's two hours (served, abandoned or called back after it included), the medians over the scored days × %d customer draws; SL is answered within 20 s ÷ (answered + abandoned after 20 s), as the wallboard counts; callbacks leave the queue and are neither (so a strategy offering callbacks early raises SL by taking callers out of it: the callback columns say at what cost — callbacks as a share of arrivals, and the share called back after the promise or not before the simulation ended); diverted counts the callers taken off voice (self-service, chat, bot) as a share of arrivals.\n\n", dpSeeds)
	label := "Scored days (not used for tuning)"
	if cfg.dispatchDays == "tune" {
		label = "Tuning days (this run; the scored days are the report's)"
	}
	var ds []string
	for _, d := range days {
		ds = append(ds, fmt.Sprintf("%s %s (%s, planned peak %d agents)", d.bank, d.date.Format(time.DateOnly), d.date.Weekday(), slices.Max(d.agents)))
	}
	fmt.Fprintf(&b, "%s: %s. Tuning days (`-dispatch-days tune`, 8 weeks earlier, the only ones any setting may be tuned on): %s. Nothing in the engine or the scenarios was fitted to the scored days; the reserve shares and the defaults above were set before any run.\n\n", label, strings.Join(ds, "; "), strings.Join(tuned, ", "))

	var policies []string
	for _, p := range sim.Policies(true) {
		policies = append(policies, p.Name)
		if p.Name == "engine" {
			policies = append(policies, dpNoReserves)
		}
	}
	for _, bk := range dpBanks {
		for _, factor := range dpFactors {
			aggs := map[string]*dpAgg{}
			static := map[string]sim.Result{}
			for _, r := range runs {
				if r.bank == bk.key && r.factor == factor && r.res.Policy == "static" && !r.wholeDay {
					static[fmt.Sprint(r.day, r.seed)] = r.res
				}
			}
			for _, r := range runs {
				if r.bank != bk.key || r.factor != factor || r.wholeDay {
					continue
				}
				a := aggs[r.res.Policy]
				if a == nil {
					a = &dpAgg{}
					aggs[r.res.Policy] = a
				}
				a.add(r.res, static[fmt.Sprint(r.day, r.seed)])
			}
			if len(aggs) == 0 {
				continue
			}
			fmt.Fprintf(&b, "### %s, %.0f× for two hours\n\n", bk.title, factor)
			b.WriteString("| policy | SL % | Δ SL vs static (points) | abandoned % | abandon ratio vs static | ASA s | diverted % of arrivals | callbacks % of arrivals | callbacks late % | occupancy % |\n|---|---|---|---|---|---|---|---|---|---|\n")
			for _, p := range policies {
				a := aggs[p]
				if a == nil {
					continue
				}
				fmt.Fprintf(&b, "| %s | %.1f | %+.1f | %.1f | %s | %.1f | %.1f | %s | %s | %.1f |\n", p, dpMedian(a.sl), dpMedian(a.slGain), dpMedian(a.abandon),
					dpFmt(dpMedian(a.abRatio), "%.2f"), dpMedian(a.asa), dpMedian(a.divert), dpFmt(dpMedian(a.callbacks), "%.1f"), dpFmt(dpMedian(a.late), "%.0f"), dpMedian(a.occ))
			}
			b.WriteString("\n")
			var inForce []string
			for _, spec := range strategy.Catalog() {
				var mins []float64
				for _, r := range runs {
					if r.bank == bk.key && r.factor == factor && r.res.Policy == "engine" && !r.wholeDay {
						mins = append(mins, float64(r.res.StrategyMinutes[spec.Kind]))
					}
				}
				if m := dpMedian(mins); m > 0 {
					inForce = append(inForce, fmt.Sprintf("%s %.0f", spec.Kind, m))
				}
			}
			if len(inForce) > 0 {
				fmt.Fprintf(&b, "The engine's strategies in force during the spike's %d minutes (median minutes): %s.\n\n", dpSpikeHours*60, strings.Join(inForce, ", "))
			}
			if factor == 3 {
				for _, name := range []string{"engine", dpNoReserves} {
					e := aggs[name]
					if e == nil || len(e.slGain) == 0 || len(e.abRatio) == 0 {
						continue
					}
					cap := strategy.Defaults().DivertCapPercent
					met := dpMedian(e.slGain) >= 15 && dpMedian(e.abRatio) <= 0.5 && slices.Max(e.divert) <= cap+0.5
					verdict := "met"
					if !met {
						verdict = "not met"
					}
					fmt.Fprintf(&b, "Goal (3×, same staff: SL ≥ static + 15 points, abandonment at least halved, divert within the %.0f%% cap), %s: %s — Δ SL %+.1f points (range %+.1f … %+.1f), abandon ratio %.2f (range %.2f … %.2f), diverted at most %.1f%%.\n\n",
						cap, name, verdict, dpMedian(e.slGain), slices.Min(e.slGain), slices.Max(e.slGain), dpMedian(e.abRatio), slices.Min(e.abRatio), slices.Max(e.abRatio), slices.Max(e.divert))
				}
			}
		}
	}
	renderWholeDay(&b, runs)
	var engine []int64
	decisions := 0
	for _, r := range runs {
		if r.res.Policy == "engine" && !r.wholeDay {
			engine = append(engine, r.res.DecideNanos...)
			decisions += r.res.Decisions
		}
	}
	b.WriteString("### Decision time per tenant-minute\n\n")
	fmt.Fprintf(&b, "`strategy.Decide`'s wall time in process (one core shared with the simulator; no I/O — reading the observations and writing the decision is shared/steering's), %d decisions of the engine runs above (one queue each), and 300 decisions of a synthetic tenant with 20 queues under a spike (voice and chat each, every strategy feasible):\n\n", decisions)
	b.WriteString("| tenant | median µs | p99 µs | 10,000 tenants' minute at the median, one core | at p99 |\n|---|---|---|---|---|\n")
	for _, row := range []struct {
		name string
		ns   []int64
	}{{"1 queue (the simulated floor)", engine}, {"20 queues (synthetic)", synthetic}} {
		m, p := dpQuantile(row.ns, 0.5), dpQuantile(row.ns, 0.99)
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %.2f s | %.2f s |\n", row.name, m/1e3, p/1e3, 1e4*m/1e9, 1e4*p/1e9)
	}
	b.WriteString("\nThe goals: one decision per tenant-minute under 5 ms; 10,000 tenants' minute inside one function invocation's budget (the schedule runs every minute, so the budget is the minute; Lambda's hard limit is 15 minutes). The projection is compute only, one core, sequential; the store reads and writes per tenant come on top and are what shared/steering's pool overlaps.\n\n")
	return b.String()
}

// renderWholeDay is the whole simulated day, static vs engine: what the strategies cost (and
// what they were in force for) outside the spike too.
func renderWholeDay(b *strings.Builder, runs []dpRun) {
	static := map[string]sim.Result{}
	for _, r := range runs {
		if r.wholeDay && r.res.Policy == "static" {
			static[fmt.Sprint(r.bank, r.day, r.factor, r.seed)] = r.res
		}
	}
	if len(static) == 0 {
		return
	}
	b.WriteString("### The whole day (static vs engine)\n\n")
	b.WriteString("The same scenarios measured over every caller of the simulated day, so the cost of what the engine does outside the spike shows (medians over the scored days × draws; strategy minutes over the whole day).\n\n")
	b.WriteString("| bank | spike | static SL % | engine SL % | static abandoned % | engine abandoned % | engine diverted % | engine callbacks % | engine callbacks late % | engine's strategies in force (median minutes) |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, bk := range dpBanks {
		for _, factor := range dpFactors {
			var st, en dpAgg
			mins := map[strategy.Kind][]float64{}
			for _, r := range runs {
				if !r.wholeDay || r.bank != bk.key || r.factor != factor || r.res.Policy != "engine" {
					continue
				}
				s0 := static[fmt.Sprint(r.bank, r.day, r.factor, r.seed)]
				st.add(s0, s0)
				en.add(r.res, s0)
				for _, spec := range strategy.Catalog() {
					mins[spec.Kind] = append(mins[spec.Kind], float64(r.res.StrategyMinutes[spec.Kind]))
				}
			}
			if len(en.sl) == 0 {
				continue
			}
			var inForce []string
			for _, spec := range strategy.Catalog() {
				if m := dpMedian(mins[spec.Kind]); m > 0 {
					inForce = append(inForce, fmt.Sprintf("%s %.0f", spec.Kind, m))
				}
			}
			fmt.Fprintf(b, "| %s | %.0f× | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %s | %s |\n", bk.key, factor, dpMedian(st.sl), dpMedian(en.sl), dpMedian(st.abandon), dpMedian(en.abandon),
				dpMedian(en.divert), dpFmt(dpMedian(en.callbacks), "%.1f"), dpFmt(dpMedian(en.late), "%.0f"), strings.Join(inForce, ", "))
		}
	}
	b.WriteString("\n")
}
