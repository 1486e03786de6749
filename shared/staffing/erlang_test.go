package staffing

import (
	"errors"
	"math"
	"testing"
	"time"
)

// The worked example of Call Centre Helper's "Erlang C Formula – Made Simple with an Easy Worked
// Example": 100 calls in 30 minutes, AHT 180 s (10 Erlangs), target 80% answered in 20 s, max
// occupancy 85%, shrinkage 30%. Its table: 11 agents P(wait) 68.21%, SL 39.0%; 12 agents 44.94%,
// 64.0%; 13 agents 28.53%, 79.6%; 14 agents 17.41%, 88.8%, ASA 7.8 s, occupancy 71.4% — so 14
// agents, and 20 scheduled with 30% shrinkage.
func TestErlangCTextbookExample(t *testing.T) {
	iv := Interval{Calls: 100, AHT: 180 * time.Second, Length: 30 * time.Minute}
	target := Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, MaxOccupancy: 0.85, Shrinkage: 0.3}
	table := []struct {
		agents int
		pWait  float64
		sl     float64
	}{
		{11, 0.6821, 0.390},
		{12, 0.4494, 0.640},
		{13, 0.2853, 0.796},
		{14, 0.1741, 0.888},
	}
	for _, row := range table {
		r, err := Evaluate(iv, target, row.agents)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.ServiceLevel-row.sl) > 0.0006 {
			t.Errorf("%d agents: SL %.4f, book %.3f", row.agents, r.ServiceLevel, row.sl)
		}
		n, a := float64(row.agents), 10.0
		b := ErlangB(row.agents, a)
		if pw := n * b / (n - a*(1-b)); math.Abs(pw-row.pWait) > 0.00005 {
			t.Errorf("%d agents: P(wait) %.5f, book %.4f", row.agents, pw, row.pWait)
		}
	}
	r, err := Required(iv, target)
	if err != nil {
		t.Fatal(err)
	}
	if r.Agents != 14 || r.Scheduled != 20 {
		t.Errorf("agents %d scheduled %d, book 14 and 20", r.Agents, r.Scheduled)
	}
	if math.Abs(r.Occupancy-0.714) > 0.0005 || math.Abs(r.ASA.Seconds()-7.8) > 0.05 || r.AbandonRate != 0 {
		t.Errorf("occupancy %.4f ASA %v abandon %v, book 0.714, 7.8 s, 0", r.Occupancy, r.ASA, r.AbandonRate)
	}
}

// Erlang B against the published table value B(10 trunks, 5 Erlangs) = 0.01838 and against the
// direct formula (a^n/n!) / Σ a^k/k! summed in logs.
func TestErlangBRecurrence(t *testing.T) {
	if b := ErlangB(10, 5); math.Abs(b-0.018385) > 0.000001 {
		t.Errorf("B(10, 5) = %.6f, table 0.018385", b)
	}
	for _, a := range []float64{0.5, 3, 17.5, 80} {
		for _, n := range []int{0, 1, 5, 20, 60, 120} {
			logTerm := func(k int) float64 { lg, _ := math.Lgamma(float64(k) + 1); return float64(k)*math.Log(a) - lg }
			top := logTerm(n)
			sum := 0.0
			for k := 0; k <= n; k++ {
				sum += math.Exp(logTerm(k) - top)
			}
			direct := 1 / sum
			if got := ErlangB(n, a); math.Abs(got-direct) > 1e-12*math.Max(1, direct) && math.Abs(got-direct)/direct > 1e-10 {
				t.Errorf("B(%d, %v) = %g, direct %g", n, a, got, direct)
			}
		}
	}
}

func TestTargetValidate(t *testing.T) {
	ok := Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := map[string]Target{
		"no target":          {},
		"service level 1":    {ServiceLevel: 1, AnswerWithin: time.Second},
		"service level < 0":  {ServiceLevel: -0.1},
		"service level NaN":  {ServiceLevel: math.NaN()},
		"negative answer":    {ServiceLevel: 0.8, AnswerWithin: -time.Second},
		"answer without sl":  {AnswerWithin: 20 * time.Second, ASA: time.Second},
		"negative asa":       {ASA: -time.Second},
		"occupancy > 1":      {ASA: time.Second, MaxOccupancy: 1.2},
		"occupancy 5%":       {ASA: time.Second, MaxOccupancy: 0.05},
		"shrinkage 1":        {ASA: time.Second, Shrinkage: 1},
		"negative shrinkage": {ASA: time.Second, Shrinkage: -0.1},
		"negative patience":  {ASA: time.Second, Patience: -time.Second},
		"patience too long":  {ASA: time.Second, Patience: 25 * time.Hour},
	}
	for name, tg := range cases {
		err := tg.Validate()
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
		if _, err := Required(Interval{Calls: 10, AHT: time.Minute, Length: 30 * time.Minute}, tg); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Required: %v", name, err)
		}
	}
	for name, iv := range map[string]Interval{
		"negative calls": {Calls: -1, AHT: time.Minute, Length: time.Hour},
		"NaN calls":      {Calls: math.NaN(), AHT: time.Minute, Length: time.Hour},
		"zero aht":       {Calls: 1, Length: time.Hour},
		"zero length":    {Calls: 1, AHT: time.Minute},
		"load too high":  {Calls: 1e9, AHT: time.Minute, Length: time.Hour},
	} {
		if _, err := Required(iv, ok); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNoCallsNoAgents(t *testing.T) {
	r, err := Required(Interval{AHT: time.Minute, Length: 30 * time.Minute}, Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, Shrinkage: 0.3})
	if err != nil || r.Agents != 0 || r.Scheduled != 0 || r.ServiceLevel != 1 {
		t.Errorf("%+v %v", r, err)
	}
}

// 10,000 calls per 30 minutes at 180 s is 1,000 Erlangs; 5,000 calls per 5 minutes at 300 s
// is 5,000 Erlangs. Nothing overflows, and the answer sits just above the load, as the
// square-root staffing rule says (n ≈ a + β·√a with β of about 1 for 80/20).
func TestErlangCLargeTraffic(t *testing.T) {
	for _, iv := range []Interval{
		{Calls: 10_000, AHT: 180 * time.Second, Length: 30 * time.Minute},
		{Calls: 5_000, AHT: 300 * time.Second, Length: 5 * time.Minute},
	} {
		r, err := Required(iv, Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		a := iv.Load()
		if float64(r.Agents) <= a || float64(r.Agents) > a+2*math.Sqrt(a) {
			t.Errorf("load %v: %d agents", a, r.Agents)
		}
		if r.ServiceLevel < 0.8 || math.IsNaN(r.Occupancy) || r.ASA <= 0 {
			t.Errorf("load %v: %+v", a, r)
		}
		less, err := Evaluate(iv, Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second}, r.Agents-1)
		if err != nil || less.ServiceLevel >= 0.8 {
			t.Errorf("load %v: one agent fewer still meets the target: %+v %v", a, less, err)
		}
		t.Logf("load %.0f Erlangs: %d agents, SL %.4f, ASA %v, occupancy %.4f", a, r.Agents, r.ServiceLevel, r.ASA, r.Occupancy)
	}
}
