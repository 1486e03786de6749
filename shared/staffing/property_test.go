package staffing

import (
	"math/rand/v2"
	"testing"
	"time"
)

// randomCase draws an interval and a target over the range centres see: 0–5,000 calls per 5 to
// 60 minutes, AHT 30 s – 15 min, SL targets 50–95% in 0–60 s or an ASA, patience none or 1 s – 1 h.
func randomCase(r *rand.Rand) (Interval, Target) {
	lengths := []time.Duration{5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}
	iv := Interval{
		Calls:  float64(r.IntN(5000)) * r.Float64(),
		AHT:    time.Duration(30+r.IntN(870)) * time.Second,
		Length: lengths[r.IntN(len(lengths))],
	}
	t := Target{Shrinkage: 0.4 * r.Float64()}
	if r.IntN(4) == 0 {
		t.ASA = time.Duration(1+r.IntN(120)) * time.Second
	} else {
		t.ServiceLevel = 0.5 + 0.45*r.Float64()
		t.AnswerWithin = time.Duration(r.IntN(61)) * time.Second
	}
	if r.IntN(3) == 0 {
		t.MaxOccupancy = 0.7 + 0.3*r.Float64()
	}
	if r.IntN(2) == 0 {
		t.Patience = time.Duration(1+r.IntN(3600)) * time.Second
	}
	return iv, t
}

// Property: with more agents the service level never falls, and ASA, abandon rate and occupancy
// never rise (what makes Required's search exact); Required's count meets the target and one
// fewer does not; more calls never need fewer agents.
func TestMonotoneInAgents(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 6))
	for c := 0; c < 300; c++ {
		iv, tg := randomCase(r)
		res, err := Required(iv, tg)
		if err != nil {
			t.Fatalf("case %d %+v %+v: %v", c, iv, tg, err)
		}
		if iv.Calls > 0 {
			if !meetsTarget(res, tg) {
				t.Errorf("case %d %+v %+v: %+v misses the target", c, iv, tg, res)
			}
			if res.Agents > 1 {
				less, err := Evaluate(iv, tg, res.Agents-1)
				if err != nil {
					t.Fatal(err)
				}
				if meetsTarget(less, tg) {
					t.Errorf("case %d %+v %+v: %d agents already meet it: %+v", c, iv, tg, res.Agents-1, less)
				}
			}
		}
		lo := max(1, res.Agents-40)
		prev, err := Evaluate(iv, tg, lo)
		if err != nil {
			t.Fatal(err)
		}
		for n := lo + 1; n <= res.Agents+40; n++ {
			cur, err := Evaluate(iv, tg, n)
			if err != nil {
				t.Fatal(err)
			}
			const eps = 1e-12
			if cur.ServiceLevel < prev.ServiceLevel-eps || cur.ASA > prev.ASA && cur.ASA-prev.ASA > time.Microsecond ||
				cur.AbandonRate > prev.AbandonRate+eps || cur.Occupancy > prev.Occupancy+1e-9 {
				t.Errorf("case %d %+v %+v: %d agents %+v, %d agents %+v", c, iv, tg, n-1, prev, n, cur)
				break
			}
			prev = cur
		}
		more := iv
		more.Calls = iv.Calls*1.1 + 1
		if res2, err := Required(more, tg); err != nil || res2.Agents < res.Agents {
			t.Errorf("case %d %+v %+v: %v more calls need %d agents, fewer than %d (%v)", c, iv, tg, more.Calls, res2.Agents, res.Agents, err)
		}
	}
}

func meetsTarget(r Result, t Target) bool {
	return (t.ServiceLevel == 0 || r.ServiceLevel >= t.ServiceLevel-1e-12) &&
		(t.ASA == 0 || r.ASA <= t.ASA) &&
		(t.MaxOccupancy == 0 || r.Occupancy <= t.MaxOccupancy+1e-12)
}

// BenchmarkRequired1000Intervals staffs 1,000 intervals of about 500 agents each (4,500–5,400
// calls per 30 minutes at 180 s AHT, 80/20, 30% shrinkage): the work of three weeks of 30-minute
// intervals of a large centre.
func BenchmarkRequired1000Intervals(b *testing.B) {
	for _, name := range []string{"erlang-c", "erlang-a"} {
		b.Run(name, func(b *testing.B) {
			tg := Target{ServiceLevel: 0.8, AnswerWithin: 20 * time.Second, Shrinkage: 0.3}
			if name == "erlang-a" {
				tg.Patience = 2 * time.Minute
			}
			agents := 0
			for b.Loop() {
				agents = 0
				for i := range 1000 {
					iv := Interval{Calls: 4500 + float64(i%10)*100, AHT: 180 * time.Second, Length: 30 * time.Minute}
					r, err := Required(iv, tg)
					if err != nil {
						b.Fatal(err)
					}
					agents += r.Agents
				}
			}
			b.ReportMetric(float64(agents)/1000, "agents/interval")
		})
	}
}
