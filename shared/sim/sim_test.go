package sim

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/staffing"
	"github.com/lingxi/lingxi/shared/strategy"
)

var day = time.Date(2003, 3, 3, 7, 0, 0, 0, time.UTC)

// flat is a scenario of n intervals of 30 minutes with the same calls and agents.
func flat(n int, calls float64, agents int) Scenario {
	sc := Scenario{Start: day, Interval: 30 * time.Minute, HandleSeconds: 180, PatienceSeconds: 120, Seed: 7}
	for range n {
		sc.Arrivals = append(sc.Arrivals, calls)
		sc.Agents = append(sc.Agents, agents)
	}
	return sc
}

// forced is a policy whose active set is fixed from the first minute (no Decide): it tests the
// floor's side of each strategy.
func runForced(t *testing.T, sc Scenario, acts ...strategy.Activation) Result {
	t.Helper()
	sc = sc.withDefaults()
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	for i := range acts {
		acts[i].Queue = QueueName
		acts[i].Until = sc.Start.Add(1000 * time.Hour)
	}
	f := newFloor(context.Background(), sc, drawCustomers(sc.Arrivals, sc.Interval, sc.HandleSeconds, sc.HandleCV, sc.PatienceSeconds, sc.Seed))
	f.onTick = func(f *floor, minute int) error {
		if minute == 0 {
			f.apply(acts)
		}
		return nil
	}
	if err := f.run(); err != nil {
		t.Fatal(err)
	}
	return f.result("forced")
}

// With exponential-like handle times and patience, the simulated floor comes close to Erlang A's
// steady state (the staffing package's): abandonment and occupancy over a long flat day.
func TestStaticMatchesErlangA(t *testing.T) {
	sc := flat(40, 100, 0)
	iv := staffing.Interval{Calls: 100, AHT: 180 * time.Second, Length: 30 * time.Minute}
	tg := staffing.Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, Patience: 120 * time.Second}
	req, err := staffing.Required(iv, tg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sc.Agents {
		sc.Agents[i] = req.Agents
	}
	r, err := Run(context.Background(), sc, Static)
	if err != nil {
		t.Fatal(err)
	}
	if r.Arrived < 3800 || r.Arrived > 4200 {
		t.Errorf("arrived %d, want about 4000 (Poisson)", r.Arrived)
	}
	if math.Abs(r.AbandonRate-req.AbandonRate) > 0.02 {
		t.Errorf("abandon rate %.4f, Erlang A %.4f", r.AbandonRate, req.AbandonRate)
	}
	if math.Abs(r.Occupancy-req.Occupancy) > 0.04 {
		t.Errorf("occupancy %.4f, Erlang A %.4f", r.Occupancy, req.Occupancy)
	}
	if r.ServiceLevel < 0.75 {
		t.Errorf("service level %.3f with the Erlang A staffing for 80/20", r.ServiceLevel)
	}
	if r.Decisions != 0 || r.Diverted != 0 || r.Callbacks != 0 {
		t.Errorf("static policy did something: %+v", r)
	}
	t.Logf("sim %+v; Erlang A agents %d abandon %.4f occupancy %.4f", r, req.Agents, req.AbandonRate, req.Occupancy)
}

func TestSameCustomersAndDeterministic(t *testing.T) {
	sc := flat(4, 150, 10)
	a, err := Run(context.Background(), sc, Static)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(context.Background(), sc, Static)
	if a.Arrived != b.Arrived || a.ServiceLevel != b.ServiceLevel || a.Abandoned != b.Abandoned {
		t.Errorf("two runs differ: %+v vs %+v", a, b)
	}
	d := runForced(t, sc, strategy.Activation{Strategy: strategy.Divert, Params: strategy.Params{DivertShare: 0.5}})
	if d.Arrived != a.Arrived {
		t.Errorf("divert saw %d arrivals, static %d: not the same customers", d.Arrived, a.Arrived)
	}
	sc.Seed++
	c, _ := Run(context.Background(), sc, Static)
	if c.Arrived == a.Arrived && c.Abandoned == a.Abandoned {
		t.Errorf("another seed gave the same day")
	}
}

func TestDivertTakesItsShare(t *testing.T) {
	sc := flat(8, 150, 10)
	sc.Divertible = 0.5
	base := runForced(t, sc)
	r := runForced(t, sc, strategy.Activation{Strategy: strategy.Divert, Params: strategy.Params{DivertShare: 0.4}})
	share := r.DivertShare()
	if math.Abs(share-0.2) > 0.03 {
		t.Errorf("diverted %.3f of arrivals, want 0.4 × 0.5 = 0.2", share)
	}
	if r.DivertedChat == 0 || r.DivertedChat == r.Diverted {
		t.Errorf("channel choice: %d of %d to chat", r.DivertedChat, r.Diverted)
	}
	if r.ServiceLevel <= base.ServiceLevel || r.AbandonRate >= base.AbandonRate {
		t.Errorf("divert did not help an overloaded queue: %+v vs %+v", r, base)
	}
}

func TestBotFirstResolvesItsShare(t *testing.T) {
	sc := flat(8, 150, 10)
	r := runForced(t, sc, strategy.Activation{Strategy: strategy.BotFirst, Params: strategy.Params{Intents: []string{intentRoutine}}})
	if math.Abs(float64(r.BotResolved)/float64(r.Arrived)-DefaultBotResolution) > 0.03 {
		t.Errorf("bot resolved %d of %d, want %.2f", r.BotResolved, r.Arrived, DefaultBotResolution)
	}
	none := runForced(t, sc, strategy.Activation{Strategy: strategy.BotFirst, Params: strategy.Params{Intents: []string{"unknown"}}})
	if none.BotResolved != 0 {
		t.Errorf("an intent the bot does not know resolved %d", none.BotResolved)
	}
}

func TestCallbacksLeaveTheQueueAndAreServedLater(t *testing.T) {
	// Two overloaded hours, then a quiet one: the callbacks are made in the quiet hour.
	sc := flat(6, 150, 10)
	sc.Arrivals[4], sc.Arrivals[5] = 10, 10
	base := runForced(t, sc)
	r := runForced(t, sc, strategy.Activation{Strategy: strategy.Callback, Params: strategy.Params{CallbackAfterSeconds: 30, PromiseMinutes: 120}})
	if r.Callbacks == 0 || r.CallbacksServed != r.Callbacks {
		t.Errorf("callbacks %d, served %d: want all served", r.Callbacks, r.CallbacksServed)
	}
	if r.Abandoned >= base.Abandoned || r.ServiceLevel <= base.ServiceLevel {
		t.Errorf("callbacks did not help: %+v vs %+v", r, base)
	}
	if got := r.Answered + r.Abandoned + r.Callbacks; got != r.Arrived {
		t.Errorf("answered %d + abandoned %d + callbacks %d != arrived %d", r.Answered, r.Abandoned, r.Callbacks, r.Arrived)
	}
	// A promise shorter than the overload is broken for some.
	tight := runForced(t, sc, strategy.Activation{Strategy: strategy.Callback, Params: strategy.Params{CallbackAfterSeconds: 30, PromiseMinutes: 5}})
	if tight.CallbacksLate == 0 {
		t.Errorf("5-minute promises in an overload all kept: %+v", tight)
	}
}

func TestReservesJoinAndLeave(t *testing.T) {
	sc := flat(4, 150, 10)
	sc.BackupAgents, sc.OnCallAgents, sc.MovableAgents, sc.OutboundAgents = 3, 3, 3, 3
	base := runForced(t, sc)
	for _, k := range []strategy.Kind{strategy.Overflow, strategy.CallIn, strategy.MoveAgents, strategy.PauseOutbound} {
		r := runForced(t, sc, strategy.Activation{Strategy: k})
		if r.Answered <= base.Answered || r.ServiceLevel <= base.ServiceLevel {
			t.Errorf("%s: %+v, static %+v", k, r, base)
		}
	}
	// Overflow at once beats call-in after its delay.
	o := runForced(t, sc, strategy.Activation{Strategy: strategy.Overflow})
	c := runForced(t, sc, strategy.Activation{Strategy: strategy.CallIn})
	if o.Answered <= c.Answered {
		t.Errorf("overflow answered %d, call-in (10 min later) %d", o.Answered, c.Answered)
	}
}

func TestShiftChangeLetsCallsFinish(t *testing.T) {
	sc := flat(4, 60, 8)
	sc.Agents[2], sc.Agents[3] = 0, 0
	r, err := Run(context.Background(), sc, Static)
	if err != nil {
		t.Fatal(err)
	}
	sc.MeasureFrom = day.Add(time.Hour)
	late, _ := Run(context.Background(), sc, Static)
	if late.Answered != 0 || late.Abandoned != late.Arrived {
		t.Errorf("with nobody signed in after 1h: %+v", late)
	}
	if r.Answered == 0 || r.Occupancy <= 0 || r.Occupancy > 1 {
		t.Errorf("%+v", r)
	}
}

func TestAnnounceWaitBalks(t *testing.T) {
	sc := flat(4, 200, 10)
	r := runForced(t, sc, strategy.Activation{Strategy: strategy.AnnounceWait})
	if r.Balked == 0 || r.Balked > r.Abandoned {
		t.Errorf("balked %d, abandoned %d", r.Balked, r.Abandoned)
	}
}

func TestMeasureWindow(t *testing.T) {
	sc := flat(4, 100, 12)
	all, _ := Run(context.Background(), sc, Static)
	sc.MeasureFrom, sc.MeasureTo = day.Add(30*time.Minute), day.Add(90*time.Minute)
	part, _ := Run(context.Background(), sc, Static)
	if part.Arrived <= 0 || part.Arrived >= all.Arrived || math.Abs(float64(part.Arrived)-200) > 50 {
		t.Errorf("window arrivals %d of %d", part.Arrived, all.Arrived)
	}
}

func TestScenarioErrors(t *testing.T) {
	good := flat(2, 10, 1)
	cases := map[string]func(*Scenario){
		"no arrivals":        func(s *Scenario) { s.Arrivals, s.Agents = nil, nil },
		"agents length":      func(s *Scenario) { s.Agents = s.Agents[:1] },
		"forecast length":    func(s *Scenario) { s.Forecast = []float64{1} },
		"negative arrivals":  func(s *Scenario) { s.Arrivals[0] = -1 },
		"NaN arrivals":       func(s *Scenario) { s.Arrivals[1] = math.NaN() },
		"zero handle":        func(s *Scenario) { s.HandleSeconds = 0 },
		"zero patience":      func(s *Scenario) { s.PatienceSeconds = 0 },
		"short interval":     func(s *Scenario) { s.Interval = time.Second },
		"divertible 2":       func(s *Scenario) { s.Divertible = 2 },
		"negative reserve":   func(s *Scenario) { s.BackupAgents = -1 },
		"measure backwards":  func(s *Scenario) { s.MeasureFrom, s.MeasureTo = day.Add(time.Hour), day },
		"negative agents":    func(s *Scenario) { s.Agents[0] = -3 },
		"target percent 101": func(s *Scenario) { s.TargetPercent = 101 },
		"too many customers": func(s *Scenario) {
			s.Arrivals[0], s.Arrivals[1] = 1e6, 1e6
			s.Arrivals = append(s.Arrivals, make([]float64, 10)...)
			s.Agents = append(s.Agents, make([]int, 10)...)
			for i := range s.Arrivals {
				s.Arrivals[i] = 1e6
			}
		},
	}
	for name, mut := range cases {
		sc := good
		sc.Arrivals = append([]float64(nil), good.Arrivals...)
		sc.Agents = append([]int(nil), good.Agents...)
		mut(&sc)
		if _, err := Run(context.Background(), sc, Static); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Run(context.Background(), good, Policy{}); err == nil {
		t.Error("a policy without a name ran")
	}
}

func TestPolicies(t *testing.T) {
	if ps := Policies(false); len(ps) != 2 || ps[0].Name != "static" || ps[1].Name != "engine" {
		t.Errorf("%+v", ps)
	}
	all := Policies(true)
	if len(all) != 2+len(strategy.Catalog()) {
		t.Errorf("%d policies", len(all))
	}
	for _, p := range all {
		q, err := ParsePolicy(p.Name)
		if err != nil || q != p {
			t.Errorf("ParsePolicy(%q) = %+v, %v", p.Name, q, err)
		}
	}
	if _, err := ParsePolicy("only:teleport"); err == nil {
		t.Error("an unknown strategy parsed")
	}
}

func TestCounterfactual(t *testing.T) {
	w := Window{From: day, To: day.Add(30 * time.Minute), Agents: 10, StartWaiting: 5, HandleSeconds: 180, PatienceSeconds: 120, TargetSeconds: 20, Seed: 3}
	for range 30 {
		w.ArrivalsPerMinute = append(w.ArrivalsPerMinute, 4)
	}
	few := Counterfactual(context.Background(), w)
	w.Agents = 14
	more := Counterfactual(context.Background(), w)
	if few.Arrived < 100 || few.ServiceLevel >= more.ServiceLevel || few.AbandonRate <= more.AbandonRate {
		t.Errorf("10 agents %+v, 14 agents %+v", few, more)
	}
	if again := Counterfactual(context.Background(), w); again != more {
		t.Errorf("not deterministic: %+v vs %+v", again, more)
	}
	if z := Counterfactual(context.Background(), Window{From: day, To: day}); z != (strategy.Outcome{}) {
		t.Errorf("empty window: %+v", z)
	}
}

// The engine is told what a live floor would show: the waiting callers, the agents by state, the
// last quarter-hour's arrival rate and the plan's forecast from the current interval.
func TestObservationFromTheFloor(t *testing.T) {
	sc := flat(4, 150, 10).withDefaults()
	sc.Forecast = []float64{100, 100, 100, 100}
	f := newFloor(context.Background(), sc, drawCustomers(sc.Arrivals, sc.Interval, sc.HandleSeconds, sc.HandleCV, sc.PatienceSeconds, sc.Seed))
	var obs strategy.Observation
	f.onTick = func(f *floor, minute int) error {
		if minute == 55 {
			obs = f.observe(sc.Start.Add(55*time.Minute), sc.Settings)
			if obs.Channels[0].Waiting != f.nWait || obs.Channels[0].Busy != f.nBusy || obs.Channels[0].Available != len(f.idle) {
				t.Errorf("observation %+v, floor waiting %d busy %d", obs.Channels[0], f.nWait, f.nBusy)
			}
		}
		return nil
	}
	if err := f.run(); err != nil {
		t.Fatal(err)
	}
	v := obs.Channels[0]
	if v.Channel != strategy.Voice || v.Capacity != 1 || v.Available+v.Busy != 10 {
		t.Errorf("agents: %+v", v)
	}
	if v.ArrivalsPerHour < 200 || v.ArrivalsPerHour > 400 {
		t.Errorf("arrivals per hour %.0f, want about 300", v.ArrivalsPerHour)
	}
	if v.Waiting == 0 || v.LongestWaitSeconds == 0 || v.ServiceLevel == nil || v.AbandonRate == nil {
		t.Errorf("an overloaded queue: %+v", v)
	}
	if len(v.Forecast) == 0 || !v.Forecast[0].Start.Equal(sc.Start.Add(30*time.Minute)) || v.Forecast[0].Calls != 100 || v.Forecast[0].Low >= 100 {
		t.Errorf("forecast %+v", v.Forecast)
	}
	if obs.Queue != QueueName || obs.TargetSeconds != 20 || obs.TargetPercent != 80 {
		t.Errorf("%+v", obs)
	}
}

// Backup agents taking the queue's calls under Overflow are the strategy's cover, not the queue's
// agents: the observation counts the plan's only.
func TestObservationCountsThePlansAgents(t *testing.T) {
	sc := flat(2, 150, 10).withDefaults()
	sc.BackupAgents = 3
	f := newFloor(context.Background(), sc, drawCustomers(sc.Arrivals, sc.Interval, sc.HandleSeconds, sc.HandleCV, sc.PatienceSeconds, sc.Seed))
	checked := false
	f.onTick = func(f *floor, minute int) error {
		if minute == 0 {
			f.apply([]strategy.Activation{{Queue: QueueName, Strategy: strategy.Overflow, Until: sc.Start.Add(time.Hour)}})
		}
		if minute == 20 {
			v := f.observe(sc.Start.Add(20*time.Minute), sc.Settings).Channels[0]
			if f.nIn != 13 || v.Available+v.Busy != 10 {
				t.Errorf("signed in %d; observed %d available + %d busy, want the plan's 10", f.nIn, v.Available, v.Busy)
			}
			checked = true
		}
		return nil
	}
	if err := f.run(); err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Fatal("minute 20 never observed")
	}
}

// Whatever the stored counters say, Counterfactual returns (no panic), with counts that add up
// and rates in range.
func FuzzCounterfactual(f *testing.F) {
	f.Add(30, 10, 5, 4.0, 180.0, 120.0, 20, uint64(1))
	f.Add(1, 0, 0, 0.0, 0.0, 0.0, 0, uint64(0))
	f.Add(90, 3, 200, 50.0, 600.0, 30.0, 60, uint64(9))
	f.Fuzz(func(t *testing.T, minutes, agents, waiting int, perMinute, handle, patience float64, target int, seed uint64) {
		if minutes > 240 || perMinute > 200 || waiting > 2000 || agents > 500 {
			return // keep each input quick; the bounds themselves are tested above
		}
		w := Window{From: day, To: day.Add(time.Duration(minutes) * time.Minute), Agents: agents, StartWaiting: waiting,
			HandleSeconds: handle, PatienceSeconds: patience, TargetSeconds: target, Seed: seed}
		for range max(0, minutes) {
			w.ArrivalsPerMinute = append(w.ArrivalsPerMinute, perMinute)
		}
		o := Counterfactual(context.Background(), w)
		if o.Answered+o.Abandoned > o.Arrived+1 || o.AnsweredInTarget > o.Answered || o.AbandonedAfterTarget > o.Abandoned {
			t.Fatalf("%+v", o)
		}
		if o.ServiceLevel < 0 || o.ServiceLevel > 100 || o.AbandonRate < 0 || o.AbandonRate > 100 {
			t.Fatalf("rates %+v", o)
		}
	})
}
