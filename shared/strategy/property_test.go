package strategy_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

// checkDecision asserts the invariants every decision keeps, whatever its input.
func checkDecision(t *testing.T, in strategy.Input, d strategy.Decision) {
	t.Helper()
	s := in.Settings.WithDefaults()
	if d.ID != strategy.DecisionID(in.Now) {
		t.Fatalf("id %q", d.ID)
	}
	capShare := s.DivertCapPercent / 100
	overridden := map[string]bool{}
	for _, o := range in.Overrides {
		if in.Now.Before(o.Until) {
			overridden[o.Queue+"/"+string(o.Strategy)] = true
		}
	}
	byQueue := map[string]strategy.QueueDecision{}
	for _, qd := range d.Queues {
		if _, dup := byQueue[qd.Queue]; dup {
			t.Fatalf("queue %s twice", qd.Queue)
		}
		byQueue[qd.Queue] = qd
		if qd.Why == "" || !strings.HasSuffix(qd.Why, ".") {
			t.Fatalf("queue %s: why %q", qd.Queue, qd.Why)
		}
		if len(qd.Options) != len(strategy.Catalog()) {
			t.Fatalf("queue %s: %d options", qd.Queue, len(qd.Options))
		}
		for _, o := range qd.Options {
			if o.Feasible == (o.Blocked != "") {
				t.Fatalf("queue %s %s: feasible %v blocked %q", qd.Queue, o.Strategy, o.Feasible, o.Blocked)
			}
			for _, f := range []float64{o.Expected.Agents, o.Expected.Cost, o.Expected.CustomersPerHour, o.Score} {
				if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
					t.Fatalf("queue %s %s: expected %+v score %v", qd.Queue, o.Strategy, o.Expected, o.Score)
				}
			}
		}
		g := qd.Gap
		for _, f := range []float64{g.Now, g.Projected, g.Low, g.High, g.ServiceLevel, g.Covered} {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				t.Fatalf("queue %s: gap %+v", qd.Queue, g)
			}
		}
		if g.Low > g.Projected+1e-9 || g.High < g.Projected-1e-9 {
			t.Fatalf("queue %s: band %+v", qd.Queue, g)
		}
	}
	ids := map[string]bool{}
	divert := map[string]float64{}
	bot := map[string]bool{}
	for _, a := range d.Active {
		if ids[a.ID] {
			t.Fatalf("activation %s twice", a.ID)
		}
		ids[a.ID] = true
		if !in.Now.Before(a.Until) {
			t.Fatalf("%s active but until %v", a.ID, a.Until)
		}
		if a.Source == strategy.ByEngine && !s.Enabled {
			t.Fatalf("engine activation %s with the engine off", a.ID)
		}
		if a.Source == strategy.ByEngine {
			if limit := a.Since.Add(time.Duration(maxMinutes(s, a.Strategy)) * time.Minute); a.Until.After(limit) {
				t.Fatalf("%s until %v past its max %v", a.ID, a.Until, limit)
			}
			if overridden[a.Queue+"/"+string(a.Strategy)] {
				t.Fatalf("engine activation %s despite an override", a.ID)
			}
		}
		if a.Strategy == strategy.Divert && a.Source == strategy.ByEngine {
			divert[a.Queue] = a.Params.DivertShare
		}
		if a.Strategy == strategy.BotFirst && a.Source == strategy.ByEngine {
			bot[a.Queue] = true
		}
	}
	for _, a := range d.Activate {
		if !ids[a.ID] {
			t.Fatalf("activated %s not active", a.ID)
		}
		o := option(byQueue[a.Queue], a.Strategy)
		if !o.Feasible {
			t.Fatalf("activated %s: option infeasible (%s)", a.ID, o.Blocked)
		}
		if a.Source == strategy.ByEngine {
			qd := byQueue[a.Queue]
			if !qd.Gap.Open || qd.Gap.Streak < s.ActivateAfterMinutes {
				t.Fatalf("activated %s without an open gap seen long enough: %+v", a.ID, qd.Gap)
			}
			if a.Reason == "" || a.ID != strategy.ActivationID(d.ID, a.Queue, a.Strategy) {
				t.Fatalf("activation %+v", a)
			}
		}
	}
	// The divert cap, for the queues where the engine added Divert or BotFirst now.
	for _, a := range d.Activate {
		if a.Source != strategy.ByEngine || (a.Strategy != strategy.Divert && a.Strategy != strategy.BotFirst) {
			continue
		}
		// The callers expected to take the divert offer: its share × the divertible share (with
		// its margin) when the observation says, every one offered when it does not.
		diverted := divert[a.Queue]
		for _, o := range in.Queues {
			if o.Queue == a.Queue && o.Divertible > 0 {
				diverted *= min(1, o.Divertible*strategy.DivertCapMargin)
			}
		}
		if diverted > capShare+1e-9 {
			t.Fatalf("queue %s: divert share %v (%v diverted) above the cap %v", a.Queue, divert[a.Queue], diverted, capShare)
		}
		if bot[a.Queue] {
			botCustomers := option(byQueue[a.Queue], strategy.BotFirst).Expected.CustomersPerHour
			if diverted*voiceRate(in, a.Queue)+botCustomers > capShare*capBase(in, a.Queue)+1e-6 {
				t.Fatalf("queue %s: divert %v + bot first %v customers above the cap %v of %v", a.Queue, diverted, botCustomers, capShare, capBase(in, a.Queue))
			}
		}
	}
	for _, w := range d.Withdraw {
		if ids[w.ActivationID] {
			t.Fatalf("%s withdrawn and active", w.ActivationID)
		}
		if w.Reason == "" {
			t.Fatalf("withdrawal %+v", w)
		}
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatalf("marshal: %v", err)
	}
}

func maxMinutes(s strategy.Settings, k strategy.Kind) int {
	if m := s.Strategies[k].MaxMinutes; m > 0 {
		return m
	}
	for _, sp := range strategy.Catalog() {
		if sp.Kind == k {
			return sp.DefaultMaxMinutes
		}
	}
	return 0
}

// voiceRate and capBase mirror the cap's base: the voice arrivals at the peak (forecast or
// recent, whichever is larger, backlog included at now) — bounded here by the largest such rate.
func voiceRate(in strategy.Input, queue string) float64 { return peakRate(in, queue, strategy.Voice) }

func capBase(in strategy.Input, queue string) float64 {
	if r := peakRate(in, queue, strategy.Voice); r > 0 {
		return r
	}
	return peakRate(in, queue, strategy.Chat)
}

func peakRate(in strategy.Input, queue, ch string) float64 {
	for _, o := range in.Queues {
		if o.Queue != queue {
			continue
		}
		for _, v := range o.Channels {
			if v.Channel == ch {
				r := v.ArrivalsPerHour + float64(v.Waiting)*4
				for _, p := range v.Forecast {
					r = max(r, p.Calls/p.End.Sub(p.Start).Hours()+float64(v.Waiting)*4)
				}
				return r
			}
		}
	}
	return 0
}

func TestPropertyRandomTenants(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for i := range 300 {
		in := randomInput(r, 1+r.IntN(6))
		d := strategy.Decide(in)
		checkDecision(t, in, d)
		// Deterministic: the same input (seed included) gives the same decision.
		if d2 := strategy.Decide(in); !reflect.DeepEqual(d, d2) {
			t.Fatalf("case %d: two decisions differ", i)
		}
		// Through JSON (as steering stores them) the input decides the same.
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var back strategy.Input
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		d3 := strategy.Decide(back)
		if len(d3.Active) != len(d.Active) || len(d3.Activate) != len(d.Activate) || len(d3.Withdraw) != len(d.Withdraw) {
			t.Fatalf("case %d: decided differently after a JSON round trip", i)
		}
	}
}

// TestPropertyMinuteByMinute runs one tenant through two hours, each decision fed the last one's
// active set and memory: the invariants hold at every minute and nothing flaps (no strategy is
// withdrawn and activated again within WithdrawAfterMinutes).
func TestPropertyMinuteByMinute(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	activated, withdrawn := 0, 0
	defer func() {
		if activated == 0 || withdrawn == 0 {
			t.Errorf("%d activations and %d withdrawals over the runs: the test exercises nothing", activated, withdrawn)
		}
	}()
	for c := range 20 {
		in := randomInput(r, 3)
		in.Active, in.Overrides = nil, nil
		lastWithdrawn := map[string]time.Time{}
		for m := range 120 {
			// Load rises for an hour, then falls.
			f := 1 + 2*math.Sin(math.Pi*float64(m)/120)
			for qi := range in.Queues {
				for ci := range in.Queues[qi].Channels {
					v := &in.Queues[qi].Channels[ci]
					v.ArrivalsPerHour = float64(50+qi*40) * f
				}
			}
			d := strategy.Decide(in)
			checkDecision(t, in, d)
			for _, w := range d.Withdraw {
				lastWithdrawn[w.Queue+"/"+string(w.Strategy)] = in.Now
			}
			for _, a := range d.Activate {
				if at, ok := lastWithdrawn[a.Queue+"/"+string(a.Strategy)]; ok && in.Now.Sub(at) < time.Duration(in.Settings.WithdrawAfterMinutes)*time.Minute {
					t.Fatalf("case %d minute %d: %s re-activated %v after its withdrawal", c, m, a.ID, in.Now.Sub(at))
				}
			}
			activated += len(d.Activate)
			withdrawn += len(d.Withdraw)
			in.Active, in.Memory = d.Active, d.Memory
			in.Now = in.Now.Add(time.Minute)
			in.Seed++
		}
	}
}
