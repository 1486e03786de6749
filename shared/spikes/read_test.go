package spikes

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestReadCounts(t *testing.T) {
	in := "\ufeffinterval_start, topic ,count\n" +
		"2026-03-03T10:00,billing,3\n" +
		"2026-03-03 10:05:00,billing,2.5\n" +
		"2026-03-03T10:05:00+08:00,退款,7\n"
	cs, err := ReadCountsIn(strings.NewReader(in), shanghai)
	if err != nil {
		t.Fatal(err)
	}
	want := []Count{
		{Start: time.Date(2026, 3, 3, 10, 0, 0, 0, shanghai), Topic: "billing", N: 3},
		{Start: time.Date(2026, 3, 3, 10, 5, 0, 0, shanghai), Topic: "billing", N: 2.5},
		{Start: time.Date(2026, 3, 3, 10, 5, 0, 0, shanghai), Topic: "退款", N: 7},
	}
	if len(cs) != len(want) {
		t.Fatalf("%d counts, want %d", len(cs), len(want))
	}
	for i := range want {
		if !cs[i].Start.Equal(want[i].Start) || cs[i].Topic != want[i].Topic || cs[i].N != want[i].N {
			t.Errorf("row %d: %+v, want %+v", i, cs[i], want[i])
		}
	}
}

// New York's clocks go back at 02:00 on 2026-11-01: 01:00–01:55 happens twice. A topic's rows in
// time order make the second 01:00 the later instant.
func TestReadCountsRepeatedHour(t *testing.T) {
	ny := mustZone("America/New_York")
	var b strings.Builder
	b.WriteString(Header + "\n")
	for _, hm := range []string{"00:55", "01:00", "01:30", "01:55", "01:00", "01:30", "01:55", "02:00"} {
		b.WriteString("2026-11-01T" + hm + ",billing,1\n")
	}
	cs, err := ReadCountsIn(strings.NewReader(b.String()), ny)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(cs); i++ {
		if !cs[i].Start.After(cs[i-1].Start) {
			t.Fatalf("row %d at %v is not after row %d at %v", i, cs[i].Start, i-1, cs[i-1].Start)
		}
	}
	if d := cs[4].Start.Sub(cs[1].Start); d != time.Hour {
		t.Errorf("the two 01:00 are %v apart, want 1h", d)
	}
	if d := cs[7].Start.Sub(cs[0].Start); d != 2*time.Hour+5*time.Minute {
		t.Errorf("00:55 to 02:00 took %v, want 2h5m", d)
	}
}

func TestReadCountsErrors(t *testing.T) {
	for name, c := range map[string]struct{ in, line string }{
		"empty":      {"", "line 1"},
		"header":     {"start,topic,count\n", "line 1"},
		"no rows":    {Header + "\n", "line 2"},
		"fields":     {Header + "\n2026-03-03T10:00,billing\n", "line 2"},
		"negative":   {Header + "\n2026-03-03T10:00,billing,1\n2026-03-03T10:05,billing,-1\n", "line 3"},
		"nan":        {Header + "\n2026-03-03T10:00,billing,NaN\n", "line 2"},
		"inf":        {Header + "\n2026-03-03T10:00,billing,+Inf\n", "line 2"},
		"time":       {Header + "\n10:00,billing,1\n", "line 2"},
		"year":       {Header + "\n0001-01-01T00:00,billing,1\n", "line 2"},
		"topic":      {Header + "\n2026-03-03T10:00, ,1\n", "line 2"},
		"long topic": {Header + "\n2026-03-03T10:00," + strings.Repeat("x", MaxTopicLen+1) + ",1\n", "line 2"},
		"quote":      {Header + "\n2026-03-03T10:00,billing,1\n\"2026,billing,1\n", "line 3"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadCounts(strings.NewReader(c.in))
			if !errors.Is(err, ErrCounts) || !strings.Contains(err.Error(), c.line+":") {
				t.Errorf("err %v: want ErrCounts naming %s", err, c.line)
			}
		})
	}
}

// FuzzReadCounts feeds ReadCountsIn arbitrary files. It must never panic; what it rejects is
// ErrCounts naming a line; what it accepts are finite counts in range, topics within the limit
// and times within the years allowed — and Learn and Scan run on them.
func FuzzReadCounts(f *testing.F) {
	for _, s := range []string{
		Header + "\n2026-03-03T10:00,billing,3\n2026-03-03T10:05,billing,4\n",
		Header + "\n2026-11-01T01:00,a,1\n2026-11-01T01:00,a,1\n",
		Header + "\n2026-03-03T10:05:00+08:00,退款,7.5\n",
		Header + "\n\"2026,x,1\n",
		"interval_start,topic\n1,2\n",
	} {
		f.Add([]byte(s))
	}
	ny := mustZone("America/New_York")
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := ReadCountsIn(strings.NewReader(string(b)), ny)
		if err != nil {
			if !errors.Is(err, ErrCounts) || !strings.Contains(err.Error(), "line ") {
				t.Fatalf("err %v: want ErrCounts naming a line", err)
			}
			return
		}
		var first, last time.Time
		for i, c := range cs {
			if math.IsNaN(c.N) || c.N < 0 || c.N > MaxCount || c.Topic == "" || len(c.Topic) > MaxTopicLen || c.Start.Year() < minYear || c.Start.Year() > maxYear {
				t.Fatalf("accepted %+v", c)
			}
			if i == 0 || c.Start.Before(first) {
				first = c.Start
			}
			if i == 0 || c.Start.After(last) {
				last = c.Start
			}
		}
		if last.Sub(first) < 30*24*time.Hour && len(cs) < 1000 {
			cfg := Config{Location: ny}
			Scan(Learn(cs, cfg), cs, cfg)
		}
	})
}
