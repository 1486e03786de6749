package forecast_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecast/bankdata"
)

// TestTuneRollingOrigins is how the package's constants were tuned, and only on the two bank
// training files: the mean protocol WAPE (and daily WAPE) of forecasts from rolling origins inside
// them — one-shot 42-day forecasts from 12 (US) and 20 (IL) weekly origins, or with FC_H=1
// next-day forecasts from origins two days apart; FC_N=n sets the number of origins, FC_V=1 logs each
// origin, FC_ORACLE=1 rescales each forecast day to the actual day's total (so only the intraday
// profile is scored). It prints the mean, the last origin's and the median WAPE, and the WAPE
// pooled over every origin's intervals (next-day: a nearly closed day's WAPE does not swamp the mean). It runs only when asked:
//
//	FC_EVAL=all go test -run TestTuneRollingOrigins -v ./shared/forecast   (or FC_EVAL=regression,ets)
func TestTuneRollingOrigins(t *testing.T) {
	if os.Getenv("FC_EVAL") == "" {
		t.Skip("set FC_EVAL to a model list or all")
	}
	models := strings.Split(os.Getenv("FC_EVAL"), ",")
	if models[0] == "all" {
		models = nil
	}
	horizonDays := 42
	if v := os.Getenv("FC_H"); v == "1" {
		horizonDays = 1
	}
	out := ""
	origins, _ := strconv.Atoi(os.Getenv("FC_ORIGINS"))
	wins := map[string]int{}
	for _, c := range []struct {
		name, path string
		origins    int
	}{
		{"US", "/work/shared/datasets/callcenter_us_bank_2003/train.csv", 12},
		{"IL", "/work/shared/datasets/callcenter_anonymous_bank_1999/train.csv", 20},
	} {
		d, err := bankdata.ReadFile(c.path)
		if err != nil {
			t.Skip(err)
		}
		s, _ := d.Series.Aggregate(30 * time.Minute)
		per := 48
		n := len(s.Values) / per
		var ws, dws []float64
		pooledErr, pooledAct := 0.0, 0.0 // Σ|F−A| and ΣA over every origin's scored intervals
		no := c.origins
		if v, _ := strconv.Atoi(os.Getenv("FC_N")); v > 0 {
			no = v
		}
		for k := 0; k < no; k++ {
			var cut int
			hd := horizonDays
			if horizonDays == 1 {
				cut = n - 1 - k*2
			} else {
				cut = n - hd - k*7
			}
			hist := forecast.Series{Start: s.Start, Step: s.Step, Values: s.Values[:cut*per]}
			act := forecast.Series{Start: s.Start, Step: s.Step, Values: s.Values}
			f, err := forecast.Predict(context.Background(), hist, min(hd, n-cut)*per, forecast.Options{Origins: origins, Models: models, Open: bankdata.Open(d.Format, s.Step)})
			if err != nil {
				t.Fatal(err)
			}
			m := bankdata.Evaluate(d.Format, f, act)
			wins[f.Model]++
			wins[f.Model]++
			if os.Getenv("FC_ORACLE") == "1" {
				sc := bankdata.Scored(d.Format, act)
				for dd := 0; dd < len(f.Point)/per; dd++ {
					fs, as := 0.0, 0.0
					for i := dd * per; i < (dd+1)*per; i++ {
						if a := sc.Values[cut*per+i]; !math.IsNaN(a) {
							fs += f.Point[i]
							as += a
						}
					}
					for i := dd * per; i < (dd+1)*per && fs > 0; i++ {
						f.Point[i] *= as / fs
					}
				}
				m = bankdata.Evaluate(d.Format, f, act)
			}
			if m.Intervals == 0 { // a day the centre is closed: nothing scored
				continue
			}
			if os.Getenv("FC_V") != "" {
				t.Logf("%s origin %d cut %s: wape %.2f daily %.2f model %s", c.name, k, s.Time(cut*per).Format(time.DateOnly), m.WAPE, m.DailyWAPE, f.Model)
			}
			ws = append(ws, m.WAPE)
			dws = append(dws, m.DailyWAPE)
			sc := bankdata.Scored(d.Format, act)
			sumA := 0.0
			for i := range f.Point {
				if a := sc.Values[cut*per+i]; !math.IsNaN(a) {
					sumA += a
				}
			}
			pooledErr += m.WAPE * sumA / 100
			pooledAct += sumA
		}
		out += fmt.Sprintf(" %s=%.2f/%.2f(last %.2f, median %.2f, pooled %.2f)", c.name, mean(ws), mean(dws), ws[0], medianOf(ws), 100*pooledErr/pooledAct)
	}
	t.Logf("EVAL %v h=%d:%s %v\n", models, horizonDays, out, wins)
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
