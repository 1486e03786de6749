package bankdata

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
)

const usSample = `datetime_local,date,interval_start,calls
2003-03-03T07:00:00,2003-03-03,07:00,111
2003-03-03T07:05:00,2003-03-03,07:05,113
2003-03-05T21:00:00,2003-03-05,21:00,50
`

const ilSample = `date,interval_index,interval_start,weekday,calls
1999-01-01,1,00:00,Friday,2
1999-01-01,2,00:06,Friday,0.5
1999-01-02,240,23:54,Saturday,7
`

func TestRead(t *testing.T) {
	us, err := Read(strings.NewReader(usSample))
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2003, 3, 3, 0, 0, 0, 0, time.UTC)
	if us.Format != US || us.Series.Step != 5*time.Minute || !us.Series.Start.Equal(day) || len(us.Series.Values) != 3*288 {
		t.Fatalf("US: %s %v %v %d", us.Format, us.Series.Step, us.Series.Start, len(us.Series.Values))
	}
	if v := us.Series.Values[us.Series.Index(day.Add(7*time.Hour+5*time.Minute))]; v != 113 {
		t.Errorf("07:05 = %v", v)
	}
	if v := us.Series.Values[us.Series.Index(day.Add(24*time.Hour+7*time.Hour))]; !math.IsNaN(v) {
		t.Errorf("an absent day = %v, want NaN", v)
	}
	il, err := Read(strings.NewReader(ilSample))
	if err != nil {
		t.Fatal(err)
	}
	if il.Format != IL || il.Series.Step != 6*time.Minute || len(il.Series.Values) != 480 || il.Series.Values[1] != 0.5 || il.Series.Values[479] != 7 || !math.IsNaN(il.Series.Values[2]) {
		t.Fatalf("IL: %+v", il)
	}
}

func TestReadRejects(t *testing.T) {
	for name, body := range map[string]string{
		"empty":         "",
		"header":        "a,b,c\n1,2,3\n",
		"no rows":       "date,interval_index,interval_start,weekday,calls\n",
		"negative":      "date,interval_index,interval_start,weekday,calls\n1999-01-01,1,00:00,Friday,-2\n",
		"nan":           "date,interval_index,interval_start,weekday,calls\n1999-01-01,1,00:00,Friday,NaN\n",
		"wrong weekday": "date,interval_index,interval_start,weekday,calls\n1999-01-01,1,00:00,Monday,2\n",
		"wrong start":   "date,interval_index,interval_start,weekday,calls\n1999-01-01,2,00:00,Friday,2\n",
		"index":         "date,interval_index,interval_start,weekday,calls\n1999-01-01,241,24:00,Friday,2\n",
		"duplicate":     usSample + "2003-03-03T07:00:00,2003-03-03,07:00,1\n",
		"off grid":      "datetime_local,date,interval_start,calls\n2003-03-03T07:01:00,2003-03-03,07:01,1\n",
		"date mismatch": "datetime_local,date,interval_start,calls\n2003-03-03T07:00:00,2003-03-04,07:00,1\n",
		"too long":      "datetime_local,date,interval_start,calls\n2003-03-03T07:00:00,2003-03-03,07:00,1\n2013-03-03T07:00:00,2013-03-03,07:00,1\n",
		"fields":        "datetime_local,date,interval_start,calls\n2003-03-03T07:00:00,2003-03-03,07:00\n",
	} {
		if _, err := Read(strings.NewReader(body)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
}

func TestProtocolWindows(t *testing.T) {
	day := time.Date(2003, 3, 3, 0, 0, 0, 0, time.UTC) // a Monday
	s := forecast.Series{Start: day, Step: ScoreStep, Values: make([]float64, 7*48)}
	for i := range s.Values {
		s.Values[i] = 20
	}
	count := func(v []float64) int {
		n := 0
		for _, x := range v {
			if !math.IsNaN(x) {
				n++
			}
		}
		return n
	}
	if n := count(Scored(US, s).Values); n != 5*28 {
		t.Errorf("US scores %d half-hours a week, want 5·28", n)
	}
	if n := count(Scored(IL, s).Values); n != 7*48 {
		t.Errorf("IL scores %d, want 7·48", n)
	}
	open := Open(US, ScoreStep)
	for _, c := range []struct {
		t    time.Time
		want bool
	}{
		{day.Add(7 * time.Hour), true}, {day.Add(6*time.Hour + 30*time.Minute), false},
		{day.Add(20*time.Hour + 30*time.Minute), true}, {day.Add(21 * time.Hour), false},
		{day.AddDate(0, 0, 5).Add(12 * time.Hour), false},
	} {
		if got := open(c.t); got != c.want {
			t.Errorf("open(%v) = %v", c.t, got)
		}
	}
	if !Open(US, 5*time.Minute)(day.Add(21 * time.Hour)) {
		t.Error("the 21:00–21:05 slot is open at 5 minutes")
	}
	if Open(IL, ScoreStep) != nil {
		t.Error("IL has opening hours")
	}
}

// TestRealFiles reads the datasets when present and checks the facts their SOURCE.md states.
func TestRealFiles(t *testing.T) {
	for _, c := range []struct {
		path   string
		format Format
		days   int
	}{
		{"/work/shared/datasets/callcenter_us_bank_2003/train.csv", US, 0},
		{"/work/shared/datasets/callcenter_anonymous_bank_1999/train.csv", IL, 323},
	} {
		if _, err := os.Stat(c.path); err != nil {
			t.Skip("datasets not here")
		}
		d, err := ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if d.Format != c.format || (c.days > 0 && len(d.Series.Values) != c.days*240) {
			t.Errorf("%s: %s, %d values", c.path, d.Format, len(d.Series.Values))
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(usSample)
	f.Add(ilSample)
	f.Add("date,interval_index,interval_start,weekday,calls\n1999-01-01,1,00:00,Friday,2\n1999-12-31,240,23:54,Friday,1e9\n")
	f.Fuzz(func(t *testing.T, body string) {
		d, err := Read(strings.NewReader(body))
		if err != nil {
			return
		}
		if d.Series.Step <= 0 || len(d.Series.Values) == 0 || len(d.Series.Values) > MaxDays*288 {
			t.Fatalf("accepted a series of %d values at %v", len(d.Series.Values), d.Series.Step)
		}
		for _, v := range d.Series.Values {
			if v < 0 || math.IsInf(v, 0) {
				t.Fatalf("value %v", v)
			}
		}
		if _, err := d.Series.Aggregate(30 * time.Minute); err != nil {
			t.Fatal(err)
		}
	})
}
