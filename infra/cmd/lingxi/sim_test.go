package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSeries writes `interval_start,<column>` rows of 30 minutes from 2003-03-03 07:00.
func writeSeries(t *testing.T, dir, name, column string, values ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("interval_start," + column + "\n")
	start := time.Date(2003, 3, 3, 7, 0, 0, 0, time.UTC)
	for i, v := range values {
		fmt.Fprintf(&b, "%s,%s\n", start.Add(time.Duration(i)*30*time.Minute).Format("2006-01-02T15:04:05"), v)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runSim(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"sim"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// decodeSimLines reads every stdout line as a simLine, rejecting unknown keys.
func decodeSimLines(t *testing.T, out string) []simLine {
	t.Helper()
	var lines []simLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		var s simLine
		if err := dec.Decode(&s); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		lines = append(lines, s)
	}
	return lines
}

func TestSimPrintsOneLinePerPolicy(t *testing.T) {
	dir := t.TempDir()
	arr := writeSeries(t, dir, "arrivals.csv", "calls", "80", "100", "120", "120", "100", "80", "60", "40")
	code, out, errOut := runSim(t, "--arrivals", arr, "--interval", "30m", "--aht", "180", "--patience", "120", "--agents", "12",
		"--spike", "2003-03-03T08:00,2003-03-03T10:00,3", "--divertible", "0.4", "--policy", "all", "--seed", "3", "--backup", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := decodeSimLines(t, out)
	if len(lines) != 10 || lines[0].Policy != "static" || lines[1].Policy != "engine" || !strings.HasPrefix(lines[2].Policy, "only:") {
		t.Fatalf("policies: %+v", lines)
	}
	for _, k := range []string{`"policy"`, `"service_level"`, `"asa_s"`, `"abandon_rate"`, `"diverted"`, `"callbacks"`, `"occupancy"`} {
		if !strings.Contains(out, k) {
			t.Errorf("no %s in %s", k, out)
		}
	}
	st := lines[0]
	if st.ServiceLevel <= 0 || st.ServiceLevel >= 0.8 || st.AbandonRate <= 0.05 || st.Occupancy < 0.5 || st.Occupancy > 1 || st.Diverted != 0 || st.Callbacks != 0 {
		t.Errorf("static under a 3× spike: %+v", st)
	}
	// The engine acts on the spike (the real Decide, every simulated minute) and does better.
	if eng := lines[1]; eng.AbandonRate >= st.AbandonRate || eng.Diverted+eng.Callbacks == 0 {
		t.Errorf("engine %+v, static %+v", eng, st)
	}
	// The same seed gives the same figures; without the spike the static plan does better.
	_, again, _ := runSim(t, "--arrivals", arr, "--aht", "180", "--patience", "120", "--agents", "12",
		"--spike", "2003-03-03T08:00,2003-03-03T10:00,3", "--divertible", "0.4", "--policy", "static", "--seed", "3")
	if got := decodeSimLines(t, again); len(got) != 1 || got[0] != st {
		t.Errorf("static again: %+v vs %+v", got, st)
	}
	_, calm, _ := runSim(t, "--arrivals", arr, "--aht", "180", "--patience", "120", "--agents", "12", "--policy", "static", "--seed", "3")
	if got := decodeSimLines(t, calm); got[0].ServiceLevel <= st.ServiceLevel {
		t.Errorf("no spike %+v, spike %+v", got[0], st)
	}
}

func TestSimStaffingFileAndSLSeconds(t *testing.T) {
	dir := t.TempDir()
	arr := writeSeries(t, dir, "arrivals.csv", "calls", "100", "100", "100", "100")
	few := writeSeries(t, dir, "few.csv", "agents", "9", "9", "9", "9")
	many := writeSeries(t, dir, "many.csv", "agents", "14", "14", "14", "14", "14")
	var sl [2]float64
	for i, f := range []string{few, many} {
		code, out, errOut := runSim(t, "--arrivals", arr, "--aht", "3m", "--patience", "2m", "--staffing", f, "--policy", "static")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		sl[i] = decodeSimLines(t, out)[0].ServiceLevel
	}
	if sl[0] >= sl[1] {
		t.Errorf("9 agents SL %.3f, 14 agents %.3f", sl[0], sl[1])
	}
	_, out, _ := runSim(t, "--arrivals", arr, "--aht", "180", "--patience", "120", "--staffing", few, "--policy", "static", "--sl-seconds", "60")
	if got := decodeSimLines(t, out)[0].ServiceLevel; got <= sl[0] {
		t.Errorf("SL within 60 s %.3f not above within 20 s %.3f", got, sl[0])
	}
}

func TestSimBadFlags(t *testing.T) {
	dir := t.TempDir()
	arr := writeSeries(t, dir, "arrivals.csv", "calls", "100", "100")
	short := writeSeries(t, dir, "short.csv", "agents", "10")
	base := []string{"--arrivals", arr, "--aht", "180", "--patience", "120"}
	cases := map[string]struct {
		args []string
		msg  string
	}{
		"no arrivals":       {[]string{"--aht", "180", "--patience", "120", "--agents", "3"}, "are required"},
		"no aht":            {[]string{"--arrivals", arr, "--patience", "120", "--agents", "3"}, "are required"},
		"no agents":         {base, "one of --agents"},
		"agents and plan":   {append(base, "--agents", "3", "--staffing", short), "one of --agents"},
		"zero aht":          {[]string{"--arrivals", arr, "--aht", "0", "--patience", "120", "--agents", "3"}, "--aht"},
		"bad patience":      {[]string{"--arrivals", arr, "--aht", "180", "--patience", "soon", "--agents", "3"}, "--patience"},
		"short interval":    {append(base, "--agents", "3", "--interval", "10s"), "--interval"},
		"divertible 2":      {append(base, "--agents", "3", "--divertible", "2"), "--divertible"},
		"backup too many":   {append(base, "--agents", "3", "--backup", "200000"), "--backup"},
		"bad policy":        {append(base, "--agents", "3", "--policy", "clever"), "--policy"},
		"unknown strategy":  {append(base, "--agents", "3", "--policy", "only:teleport"), "--policy"},
		"spike two fields":  {append(base, "--agents", "3", "--spike", "2003-03-03T07:00,3"), "--spike"},
		"spike bad time":    {append(base, "--agents", "3", "--spike", "7am,8am,3"), "--spike"},
		"spike backwards":   {append(base, "--agents", "3", "--spike", "2003-03-03T08:00,2003-03-03T07:00,3"), "not after"},
		"spike factor":      {append(base, "--agents", "3", "--spike", "2003-03-03T07:00,2003-03-03T08:00,-1"), "FACTOR"},
		"sl seconds 0":      {append(base, "--agents", "3", "--sl-seconds", "0"), "--sl-seconds"},
		"negative reserve":  {append(base, "--agents", "3", "--backup", "-1"), "--backup"},
		"plan too short":    {append(base, "--staffing", short), "no row for 2003-03-03T07:30"},
		"unknown flag":      {append(base, "--agents", "3", "--frobnicate"), "flag provided but not defined"},
		"stray argument":    {append(base, "--agents", "3", "extra"), "unexpected arguments"},
		"agents not a num":  {append(base, "--agents", "many"), "--agents: want a whole number"},
		"negative agents":   {append(base, "--agents", "-2"), "--agents: want a whole number"},
		"zero-length spike": {append(base, "--agents", "3", "--spike", "2003-03-03T07:00,2003-03-03T07:00,2"), "not after"},
	}
	for name, c := range cases {
		code, out, errOut := runSim(t, c.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, c.msg) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q (want 2 and %q)", name, code, out, errOut, c.msg)
		}
	}
	huge := writeSeries(t, dir, "huge.csv", "calls", "1000000", "1000000", "1000000", "1000000", "1000000", "1000000")
	if code, _, errOut := runSim(t, "--arrivals", huge, "--aht", "180", "--patience", "120", "--agents", "3"); code != 2 || !strings.Contains(errOut, "expected arrivals in all") {
		t.Errorf("six million calls: exit %d %q", code, errOut)
	}
	if code, _, errOut := runSim(t, "--arrivals", filepath.Join(dir, "missing.csv"), "--aht", "180", "--patience", "120", "--agents", "3"); code != 1 || !strings.Contains(errOut, "missing.csv") {
		t.Errorf("missing file: exit %d %q", code, errOut)
	}
}

func TestSimBadCSV(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		text, msg string
	}{
		"wrong header":     {"start,calls\n2003-03-03T07:00,1\n", `want "interval_start,calls"`},
		"no rows":          {"interval_start,calls\n", "no rows"},
		"bad time":         {"interval_start,calls\n03/03/2003 07:00,1\n", "line 2: \"03/03/2003 07:00\" is not an ISO local time"},
		"zone given":       {"interval_start,calls\n2003-03-03T07:00:00Z,1\n", "not an ISO local time"},
		"negative calls":   {"interval_start,calls\n2003-03-03T07:00,-1\n", "line 2: calls \"-1\""},
		"NaN calls":        {"interval_start,calls\n2003-03-03T07:00,NaN\n", "line 2: calls"},
		"three fields":     {"interval_start,calls\n2003-03-03T07:00,1,2\n", "line 2: 3 fields"},
		"out of order":     {"interval_start,calls\n2003-03-03T08:00,1\n2003-03-03T07:30,1\n", "line 3: 2003-03-03T07:30 is not after"},
		"duplicate":        {"interval_start,calls\n2003-03-03T07:00,1\n2003-03-03T07:00,1\n", "line 3"},
		"off grid":         {"interval_start,calls\n2003-03-03T07:00,1\n2003-03-03T07:45,1\n", "not on the 30m0s grid"},
		"too long a span":  {"interval_start,calls\n2003-03-03T07:00,1\n2013-03-03T07:00,1\n", "more than"},
		"unbalanced quote": {"interval_start,calls\n\"2003-03-03T07:00,1\n", "extraneous or missing"},
	}
	for name, c := range cases {
		p := writeFile(t, dir, "a.csv", c.text)
		code, out, errOut := runSim(t, "--arrivals", p, "--aht", "180", "--patience", "120", "--agents", "3")
		if code != 2 || out != "" || !strings.Contains(errOut, c.msg) || !strings.Contains(errOut, p) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q (want 2 and %q)", name, code, out, errOut, c.msg)
		}
	}
	arr := writeSeries(t, dir, "arr.csv", "calls", "10")
	for name, text := range map[string]string{
		"fractional agents": "interval_start,agents\n2003-03-03T07:00,2.5\n",
		"calls header":      "interval_start,calls\n2003-03-03T07:00,2\n",
	} {
		p := writeFile(t, dir, "plan.csv", text)
		code, _, errOut := runSim(t, "--arrivals", arr, "--aht", "180", "--patience", "120", "--staffing", p)
		if code != 2 || !strings.Contains(errOut, "--staffing") {
			t.Errorf("%s: exit %d %q", name, code, errOut)
		}
	}
}

// Gaps in the arrivals are intervals without calls; the other ISO layouts are read.
func TestReadSeriesGapsAndLayouts(t *testing.T) {
	s, err := readSeries(strings.NewReader("\ufeffinterval_start,calls\n2003-03-03 07:00:00,5\n2003-03-03T08:00,7\n"), "calls", 30*time.Minute, false, 1e6)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.values) != 3 || s.values[0] != 5 || s.values[1] != 0 || s.set[1] || s.values[2] != 7 {
		t.Errorf("%+v", s)
	}
}

func FuzzReadSeries(f *testing.F) {
	f.Add("interval_start,calls\n2003-03-03T07:00,5\n2003-03-03T07:30,7\n")
	f.Add("interval_start,calls\n2003-03-03 07:00,5\n2003-03-04 07:00,1.5\n")
	f.Add("interval_start,calls\n\"2003-03-03T07:00\",1e3\n")
	f.Add("interval_start,agents\n2003-03-03T07:00,3\n")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := readSeries(strings.NewReader(text), "calls", 30*time.Minute, false, 1e6)
		if err != nil {
			return
		}
		if len(s.values) == 0 || len(s.values) > maxSimIntervals || len(s.set) != len(s.values) || !s.set[0] || !s.set[len(s.set)-1] {
			t.Fatalf("%d values, set %v", len(s.values), len(s.set))
		}
		for _, v := range s.values {
			if !(v >= 0 && v <= 1e6) {
				t.Fatalf("value %v", v)
			}
		}
	})
}

func FuzzParseSpike(f *testing.F) {
	f.Add("2003-03-03T08:00,2003-03-03T10:00,3")
	f.Add("2003-03-03 08:00:00, 2003-03-03 10:00:00, 2.5")
	f.Add("2003-03-03T08:00,2003-03-03T07:00,3")
	f.Add(",,")
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := parseSpike(s)
		if err != nil {
			return
		}
		if !sp.to.After(sp.from) || !(sp.factor >= 0 && sp.factor <= 100) {
			t.Fatalf("%q gave %+v", s, sp)
		}
	})
}
