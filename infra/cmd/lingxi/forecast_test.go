package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeBank writes days of a bank CSV in either format from `from`, with a weekly pattern and an
// intraday bell; the US format keeps to weekdays 07:00–21:05 as the real file does.
func writeBank(t *testing.T, path, format string, from time.Time, days int) {
	t.Helper()
	var b strings.Builder
	step := 6 * time.Minute
	if format == "US" {
		step = 5 * time.Minute
		b.WriteString("datetime_local,date,interval_start,calls\n")
	} else {
		b.WriteString("date,interval_index,interval_start,weekday,calls\n")
	}
	level := [7]float64{0.8, 1.2, 1.1, 1.0, 1.0, 0.9, 0.3}
	for d := range days {
		day := from.AddDate(0, 0, d)
		for i := 0; i < int(24*time.Hour/step); i++ {
			ts := day.Add(time.Duration(i) * step)
			h := ts.Sub(day).Hours()
			calls := math.Round(60 * level[day.Weekday()] * math.Exp(-math.Pow((h-13)/4, 2)) * (1 + 0.05*math.Sin(float64(i*7+d))))
			switch format {
			case "US":
				if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday || h < 7 || h > 21 {
					continue
				}
				fmt.Fprintf(&b, "%s,%s,%s,%v\n", ts.Format("2006-01-02T15:04:05"), ts.Format(time.DateOnly), ts.Format("15:04"), calls)
			default:
				fmt.Fprintf(&b, "%s,%d,%s,%s,%v\n", ts.Format(time.DateOnly), i+1, ts.Format("15:04"), day.Weekday(), calls)
			}
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestForecastEvalPrintsJSONLast(t *testing.T) {
	dir := t.TempDir()
	from := time.Date(2003, 3, 3, 0, 0, 0, 0, time.UTC)
	for _, format := range []string{"US", "IL"} {
		train, test := filepath.Join(dir, format+"_train.csv"), filepath.Join(dir, format+"_test.csv")
		writeBank(t, train, format, from, 5*7)
		writeBank(t, test, format, from.AddDate(0, 0, 5*7), 7)
		for _, scheme := range []string{"one-shot", "rolling-daily"} {
			t.Run(format+"/"+scheme, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				code := run(context.Background(), []string{"forecast", "eval", "--train", train, "--test", test, "--interval", "30m", "--scheme", scheme}, &stdout, &stderr)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
				lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
				var got forecastSummary
				dec := json.NewDecoder(strings.NewReader(lines[len(lines)-1]))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&got); err != nil {
					t.Fatal(err)
				}
				want := 7 * 48
				if format == "US" {
					want = 5 * 28
				}
				if got.Intervals != want || got.WAPE > 6 || got.Model == "" || got.Window != format {
					t.Errorf("%+v, want %d intervals, WAPE ≤ 6", got, want)
				}
			})
		}
	}
}

func TestForecastEvalRefusesBadArguments(t *testing.T) {
	dir := t.TempDir()
	us, il := filepath.Join(dir, "us.csv"), filepath.Join(dir, "il.csv")
	writeBank(t, us, "US", time.Date(2003, 3, 3, 0, 0, 0, 0, time.UTC), 7)
	writeBank(t, il, "IL", time.Date(2003, 3, 10, 0, 0, 0, 0, time.UTC), 7)
	later := filepath.Join(dir, "later.csv")
	writeBank(t, later, "US", time.Date(2003, 3, 10, 0, 0, 0, 0, time.UTC), 7)
	for name, args := range map[string][]string{
		"no test":      {"--train", us},
		"formats":      {"--train", us, "--test", il},
		"scheme":       {"--train", us, "--test", later, "--scheme", "weekly"},
		"overlap":      {"--train", us, "--test", us},
		"interval":     {"--train", il, "--test", il, "--interval", "7m"},
		"model":        {"--train", us, "--test", later, "--models", "magic"},
		"missing file": {"--train", filepath.Join(dir, "nope.csv"), "--test", us},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append([]string{"forecast", "eval"}, args...), &stdout, &stderr); code == 0 {
			t.Errorf("%s: exit 0", name)
		}
	}
}
