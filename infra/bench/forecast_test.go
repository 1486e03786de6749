package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFcScore(t *testing.T) {
	// Two US weekdays, 07:00–08:00 in 5-minute slots: 2003-03-03 has 12 calls a slot (72 a
	// half-hour), 2003-03-04 1 a slot (6 a half-hour: below 10, out of MAPE and attainment).
	var b strings.Builder
	b.WriteString(usHeader + "\n")
	for d, per := range map[string]int{"2003-03-03": 12, "2003-03-04": 1} {
		for m := 0; m < 60; m += 5 {
			fmt.Fprintf(&b, "%sT07:%02d:00,%s,07:%02d,%d\n", d, m, d, m, per)
		}
	}
	path := filepath.Join(t.TempDir(), "test.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	actual, err := readBankActuals(path)
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	fc := map[time.Time]fcPoint{
		at("2003-03-03T07:00"): {72, 70, 74, 60, 80}, at("2003-03-03T07:30"): {90, 85, 95, 60, 100}, // 0 and 25% off; 72 outside the 80% band
		at("2003-03-04T07:00"): {6, 5, 7, 4, 8}, at("2003-03-04T07:30"): {12, 10, 14, 8, 16}, // 6 outside both
		at("2003-03-05T07:00"): {1e9, nan, nan, nan, nan}, // no actual: not scored
	}
	m, err := fcScore(actual, fc)
	if err != nil {
		t.Fatal(err)
	}
	// WAPE = (0+18+0+6)/156; MAPE = (0 + 25%)/2; attainment 1 of 2; daily: |162−144| + |18−12| = 24.
	if math.Abs(m.WAPE-100*24.0/156) > 1e-9 || math.Abs(m.MAPE-12.5) > 1e-9 || m.Attainment != 50 ||
		math.Abs(m.DailyWAPE-100*24.0/156) > 1e-9 || m.Intervals != 4 {
		t.Fatalf("got %+v", m)
	}
	if m.Coverage80 == nil || *m.Coverage80 != 50 || *m.Coverage95 != 75 {
		t.Fatalf("coverage %v %v, want 50 and 75", m.Coverage80, m.Coverage95)
	}
	p := fc[at("2003-03-04T07:00")]
	p.lo80 = nan
	fc[at("2003-03-04T07:00")] = p
	if m, err := fcScore(actual, fc); err != nil || m.Coverage80 != nil {
		t.Fatalf("an interval without a band: coverage %v, %v", m.Coverage80, err)
	}
	delete(fc, at("2003-03-04T07:30"))
	if _, err := fcScore(actual, fc); err == nil {
		t.Fatal("a scored interval without a forecast was accepted")
	}
}

func TestParseForecastCSV(t *testing.T) {
	const h = "interval_start,forecast,lo80,hi80,lo95,hi95\n"
	got, err := parseForecastCSV(strings.NewReader(h + "2003-08-04T07:00:00,453.6,400,500,380,520.5\n2003-08-04T07:30:00,0,NA,NA,NA,NA\n"))
	if err != nil || len(got) != 2 || got[at("2003-08-04T07:00")] != (fcPoint{453.6, 400, 500, 380, 520.5}) || !math.IsNaN(got[at("2003-08-04T07:30")].hi95) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"", "x,forecast,lo80,hi80,lo95,hi95\n", h + "2003-08-04T07:00:00,NaN,1,1,1,1\n", h + "2003-08-04T07:00:00,NA,1,1,1,1\n",
		h + "2003-08-04T07:00:00,1,1,1,1,1\n2003-08-04T07:00:00,2,1,1,1,1\n", h + "2003-08-04,1,1,1,1,1\n", h + "2003-08-04T07:00:00,1\n"} {
		if _, err := parseForecastCSV(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseEvalLine(t *testing.T) {
	m, err := parseEvalLine("fitting...\n{\"wape\":4.2,\"mape\":5.1,\"attainment\":88.5,\"daily_wape\":2.5,\"intervals\":812,\"fit_seconds\":1.5,\"model\":\"ensemble\"}\n")
	if err != nil || m.WAPE != 4.2 || m.DailyWAPE != 2.5 || m.Intervals != 812 || m.Model != "ensemble" || m.FitSeconds != 1.5 {
		t.Fatalf("%+v %v", m, err)
	}
	m, err = parseEvalLine(`{"peer":"tbats","scheme":"one-shot","fit_seconds":36.9,"fits":1,"points":812}`)
	if err != nil || m.FitSeconds != 36.9 || m.Fits != 1 {
		t.Fatalf("%+v %v", m, err)
	}
	for _, bad := range []string{"", "not json", `{"wape":-1}`} {
		if _, err := parseEvalLine(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestWriteBankSplit(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(ilHeader + "\n")
	day := at("1999-01-01T00:00")
	for d := 0; d < 100; d++ {
		b.WriteString(day.AddDate(0, 0, d).Format(time.DateOnly) + ",1,00:00,X,1\n")
	}
	src := filepath.Join(dir, "all.csv")
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sp, err := writeBankSplit(src, filepath.Join(dir, "o2"), 2)
	if err != nil {
		t.Fatal(err)
	}
	// 100 days 1999-01-01 … 1999-04-10; origin 2 tests on 42 days ending 42 days before the last.
	if sp.testTo != "1999-02-27" || sp.testFrom != "1999-01-17" || sp.trainTo != "1999-01-16" || sp.trainDays != 16 || sp.testDays != 42 {
		t.Fatalf("split %+v", sp)
	}
	test, _ := os.ReadFile(sp.test)
	if !strings.HasPrefix(string(test), ilHeader+"\n1999-01-17,") || strings.Count(string(test), "\n") != 43 {
		t.Fatalf("test file:\n%s", test)
	}
	if _, err := writeBankSplit(src, filepath.Join(dir, "o3"), 3); err == nil {
		t.Fatal("an origin with 0 training days was accepted")
	}
}

func ptr(v float64) *float64 { return &v }

func TestRenderForecast(t *testing.T) {
	plan := fcPlan{banks: []string{"us"}, peers: []string{"stlm_ets", "tbats"}, rolling: map[string]bool{"stlm_ets": true},
		origins: 2, schemes: []string{"one-shot", "rolling-daily"}}
	runs := []fcRun{
		{"us", "one-shot", "lingxi", 1, fcMetrics{WAPE: 4, Model: "ensemble"}},
		{"us", "one-shot", "lingxi", 2, fcMetrics{WAPE: 6, Model: "ensemble"}},
		{"us", "one-shot", "stlm_ets", 1, fcMetrics{WAPE: 10, Coverage80: ptr(70), Coverage95: ptr(90)}},
		{"us", "one-shot", "stlm_ets", 2, fcMetrics{WAPE: 10, Coverage80: ptr(80), Coverage95: ptr(94)}},
		{"us", "one-shot", "tbats", 1, fcMetrics{WAPE: 8}},
		{"us", "rolling-daily", "lingxi", 1, fcMetrics{WAPE: 3, Model: "ets"}},
		{"us", "rolling-daily", "stlm_ets", 1, fcMetrics{WAPE: 6}},
	}
	var b strings.Builder
	renderForecast(&b, plan, map[string][]fcSplit{"us": {{origin: 1, trainFrom: "2003-03-03"}}}, runs)
	for _, want := range []string{
		"| one-shot | **lingxi** (ensemble) | 5.00 |",
		"| one-shot | stlm_ets | 10.00 | 0.00 | 0.0 | 0.00 | 75.0 / 92.0 | 0.00 | 10.00, 10.00 | 0.500 |",
		"| one-shot | tbats | 8.00 |", "| 8.00 | 0.625 |",
		"| rolling-daily | stlm_ets | 6.00 |", "| 6.00 | 0.500 |",
		"one-shot only (too slow to refit every test day): tbats.",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
}

func TestErlangParsing(t *testing.T) {
	o, err := parseErlangLine(`{"agents":14,"scheduled":20,"service_level":0.888,"asa_s":7.8,"abandon_rate":0,"occupancy":0.71}`)
	if err != nil || o.Agents != 14 || o.ServiceLevel != 0.888 || o.ASA != 7.8 {
		t.Fatalf("%+v %v", o, err)
	}
	for _, bad := range []string{"", `{"agents":0}`, `{"agents":3,"service_level":1.5}`} {
		if _, err := parseErlangLine(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	out := "ref_agents,sl,asa_s,pwait,abandon\n  21,0.806556237445389,109.25,0.337104254431316,0.0e+00\n  NA,               NA,                NA,0.1008,2.22e-02\n"
	refs, err := parseErlangRef(strings.NewReader(out), 2)
	if err != nil || refs[0].refAgents != 21 || refs[0].sl != 0.806556237445389 || !math.IsNaN(refs[1].sl) || refs[1].aband != 0.0222 {
		t.Fatalf("%+v %v", refs, err)
	}
	if _, err := parseErlangRef(strings.NewReader(out), 3); err == nil {
		t.Fatal("a short answer was accepted")
	}
	cases := []erlangCase{{calls: 57, aht: 1110, interval: time.Hour, sl: 0.8, within: 20}, {calls: 200, aht: 300, interval: 30 * time.Minute, sl: 0.8, within: 20, patience: 60}}
	if got := strings.Join(cases[0].args(), " "); got != "staffing erlang --calls 57 --aht 1110 --interval 60m --sl 80/20" {
		t.Fatalf("args %q", got)
	}
	s := summarizeErlang(cases, []erlangOurs{{Agents: 23, ServiceLevel: 0.81}, {Agents: 40, AbandonRate: 0.02}},
		[]erlangRef{{refAgents: 23, sl: 0.8}, {refAgents: math.NaN(), sl: math.NaN(), asa: math.NaN(), aband: 0.0222}}, func(erlangCase) bool { return true })
	if s.cases != 2 || s.agree != 1 || math.Abs(s.maxSL-0.01) > 1e-12 || math.Abs(s.maxAb-0.0022) > 1e-12 {
		t.Fatalf("summary %+v", s)
	}
}
