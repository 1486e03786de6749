package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runStaffing(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"staffing", "erlang"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// The Call Centre Helper worked example (shared/staffing's TestErlangCTextbookExample): 100 calls
// in 30 minutes at 180 s, 80/20, 85% occupancy cap, 30% shrinkage → 14 agents, 20 scheduled.
func TestStaffingErlangPrintsOneJSONLine(t *testing.T) {
	code, out, errOut := runStaffing(t, "--calls", "100", "--aht", "180", "--interval", "30m", "--sl", "80/20",
		"--shrinkage", "0.3", "--max-occupancy", "85%")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("want one line, got %q", out)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var got erlangLine
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := erlangLine{Agents: 14, Scheduled: 20, ServiceLevel: 0.88835, ASASeconds: 7.836, AbandonRate: 0, Occupancy: 0.714286}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, k := range []string{`"agents"`, `"scheduled"`, `"service_level"`, `"asa_s"`, `"abandon_rate"`, `"occupancy"`} {
		if !strings.Contains(out, k) {
			t.Errorf("no %s in %s", k, out)
		}
	}
}

// With --patience the answer is Erlang A: some callers abandon, and fewer agents meet 80/20.
func TestStaffingErlangWithPatience(t *testing.T) {
	code, out, errOut := runStaffing(t, "--calls", "100", "--aht", "180", "--sl", "80/20", "--patience", "120")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got erlangLine
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Agents != 12 || got.AbandonRate <= 0 || got.ServiceLevel < 0.8 {
		t.Errorf("%+v", got)
	}
	// ASA 17.1 s with 13 agents, 7.8 s with 14 (the worked example's table).
	code, out, errOut = runStaffing(t, "--calls", "100", "--aht", "3m", "--asa", "20")
	if code != 0 || !strings.Contains(out, `"agents":13`) {
		t.Errorf("ASA target: exit %d %s %s", code, out, errOut)
	}
}

func TestStaffingErlangBadFlags(t *testing.T) {
	cases := map[string]struct {
		args []string
		msg  string
	}{
		"no calls":          {[]string{"--aht", "180", "--sl", "80/20"}, "--calls and --aht are required"},
		"negative calls":    {[]string{"--calls", "-5", "--aht", "180", "--sl", "80/20"}, "--calls"},
		"NaN calls":         {[]string{"--calls", "NaN", "--aht", "180", "--sl", "80/20"}, "--calls"},
		"zero aht":          {[]string{"--calls", "100", "--aht", "0", "--sl", "80/20"}, "--aht"},
		"no target":         {[]string{"--calls", "100", "--aht", "180"}, "--sl X/T or --asa S"},
		"bad sl":            {[]string{"--calls", "100", "--aht", "180", "--sl", "80"}, "--sl"},
		"sl 100":            {[]string{"--calls", "100", "--aht", "180", "--sl", "100/20"}, "--sl"},
		"bad asa":           {[]string{"--calls", "100", "--aht", "180", "--asa", "soon"}, "--asa"},
		"bad patience":      {[]string{"--calls", "100", "--aht", "180", "--sl", "80/20", "--patience", "-3"}, "--patience"},
		"shrinkage 1.3":     {[]string{"--calls", "100", "--aht", "180", "--sl", "80/20", "--shrinkage", "1.3"}, "--shrinkage"},
		"shrinkage 100%":    {[]string{"--calls", "100", "--aht", "180", "--sl", "80/20", "--shrinkage", "100%"}, "shrinkage"},
		"occupancy 2":       {[]string{"--calls", "100", "--aht", "180", "--sl", "80/20", "--max-occupancy", "2"}, "--max-occupancy"},
		"zero interval":     {[]string{"--calls", "100", "--aht", "180", "--sl", "80/20", "--interval", "0s"}, "interval"},
		"unknown flag":      {[]string{"--calls", "100", "--aht", "180", "--sl", "80/20", "--agents", "3"}, "flag provided but not defined"},
		"stray argument":    {[]string{"--calls", "100", "--aht", "180", "--sl", "80/20", "extra"}, "unexpected arguments"},
		"patience too long": {[]string{"--calls", "100", "--aht", "180", "--sl", "80/20", "--patience", "200000"}, "--patience"},
	}
	for name, c := range cases {
		code, out, errOut := runStaffing(t, c.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, c.msg) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q (want 2 and %q)", name, code, out, errOut, c.msg)
		}
	}
}
