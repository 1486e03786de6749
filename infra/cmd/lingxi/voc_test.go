package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vocCounts writes days of 5-minute counts of billing and refund from from (local times, no
// zone): 20 and 8 a 5 minutes from 08:00 to 18:00 with a fixed wiggle, 2 and 1 otherwise, billing
// times rise in [riseFrom, riseTo).
func vocCounts(from time.Time, days int, riseFrom, riseTo time.Time, rise float64) string {
	var b strings.Builder
	b.WriteString("interval_start,topic,count\n")
	i := 0
	for t := from; t.Before(from.AddDate(0, 0, days)); t = t.Add(5 * time.Minute) {
		i++
		day := t.Hour() >= 8 && t.Hour() < 18
		billing, refund := 2.0, 1.0
		if day {
			billing, refund = 20+float64(i*7%5-2), 8+float64(i*3%3-1)
		}
		if !t.Before(riseFrom) && t.Before(riseTo) {
			billing *= rise
		}
		fmt.Fprintf(&b, "%s,billing,%g\n%s,refund,%g\n", t.Format("2006-01-02T15:04"), billing, t.Format("2006-01-02T15:04"), refund)
	}
	return b.String()
}

func runVoc(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"voc", "spikes"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestVocSpikes(t *testing.T) {
	dir := t.TempDir()
	zero := time.Time{}
	hist := writeFile(t, dir, "history.csv", vocCounts(time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC), 28, zero, zero, 1))
	onset := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	live := writeFile(t, dir, "live.csv", vocCounts(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), 1, onset, onset.Add(time.Hour), 3))
	code, out, errOut := runVoc(t, "--history", hist, "--live", live, "--interval", "5m", "--tz", "Asia/Shanghai")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %q: want one alert and the summary", out)
	}
	var a vocAlertLine
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatal(err)
	}
	if a.Topic != "billing" || a.Onset != "2026-03-03T10:00:00+08:00" || a.At > "2026-03-03T10:10:00+08:00" || a.Score < 8 || a.Count < 2*a.Expected {
		t.Errorf("alert %+v: want billing from 10:00 local seen by 10:10", a)
	}
	var s vocSummary
	dec = json.NewDecoder(strings.NewReader(lines[1]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s != (vocSummary{Alerts: 1, Topics: 2, Intervals: 288}) {
		t.Errorf("summary %+v", s)
	}
	// Without the rise: nothing but the summary.
	calm := writeFile(t, dir, "calm.csv", vocCounts(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), 1, zero, zero, 1))
	if code, out, errOut := runVoc(t, "--history", hist, "--live", calm, "--tz", "Asia/Shanghai"); code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"alerts":0`) {
		t.Errorf("calm day: exit %d, %q %s", code, out, errOut)
	}
}

func TestVocSpikesBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "interval_start,topic,count\n2026-03-03T10:00,billing,3\n")
	for name, c := range map[string]struct {
		file, want string
		args       []string
	}{
		"bad count":   {"interval_start,topic,count\n2026-03-03T10:00,billing,3\n2026-03-03T10:05,billing,-1\n", "line 3", nil},
		"bad time":    {"interval_start,topic,count\nyesterday,billing,3\n", "line 2", nil},
		"bad header":  {"start,topic,count\n2026-03-03T10:00,billing,3\n", "line 1", nil},
		"no topic":    {"interval_start,topic,count\n2026-03-03T10:00,,3\n", "line 2", nil},
		"quote":       {"interval_start,topic,count\n2026-03-03T10:00,billing,3\n\"2026,x,1\n", "line 3", nil},
		"bad zone":    {"", "--tz", []string{"--tz", "Mars/Base"}},
		"bad window":  {"", "interval", []string{"--interval", "7m"}},
		"bad minimum": {"", "--min-count", []string{"--min-count", "0"}},
	} {
		t.Run(name, func(t *testing.T) {
			live := good
			if c.file != "" {
				live = writeFile(t, dir, strings.ReplaceAll(name, " ", "_")+".csv", c.file)
			}
			code, _, errOut := runVoc(t, append([]string{"--history", good, "--live", live}, c.args...)...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q: want 2 naming %q", code, errOut, c.want)
			}
			if c.file != "" && !strings.Contains(errOut, filepath.Base(live)) {
				t.Errorf("stderr %q does not name the file", errOut)
			}
		})
	}
	if code, _, _ := runVoc(t, "--history", good); code != 2 {
		t.Errorf("without --live: exit %d", code)
	}
}
