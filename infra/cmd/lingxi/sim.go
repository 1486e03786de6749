package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/sim"
)

// simLine is the JSON line `lingxi sim` prints per policy (issue 12, item 5). Shares are
// fractions; service_level is the share answered within --sl-seconds (of those answered or
// abandoned after it).
type simLine struct {
	Policy       string  `json:"policy"`
	ServiceLevel float64 `json:"service_level"`
	ASASeconds   float64 `json:"asa_s"`
	AbandonRate  float64 `json:"abandon_rate"`
	Diverted     int     `json:"diverted"`
	Callbacks    int     `json:"callbacks"`
	Occupancy    float64 `json:"occupancy"`
}

// spike is --spike START,END,FACTOR.
type spike struct {
	from, to time.Time
	factor   float64
}

func parseSpike(s string) (spike, error) {
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return spike{}, fmt.Errorf("want START,END,FACTOR (ISO local times), got %q", s)
	}
	var sp spike
	var err error
	if sp.from, err = parseLocalTime(strings.TrimSpace(f[0])); err != nil {
		return spike{}, err
	}
	if sp.to, err = parseLocalTime(strings.TrimSpace(f[1])); err != nil {
		return spike{}, err
	}
	if !sp.to.After(sp.from) {
		return spike{}, fmt.Errorf("END %s is not after START %s", f[1], f[0])
	}
	sp.factor, err = strconv.ParseFloat(strings.TrimSpace(f[2]), 64)
	if err != nil || math.IsNaN(sp.factor) || math.IsInf(sp.factor, 0) || sp.factor < 0 || sp.factor > 100 {
		return spike{}, fmt.Errorf("FACTOR %q: want a number from 0 to 100", f[2])
	}
	return sp, nil
}

// simRun runs the simulator on a series under the policies and prints one JSON line per policy.
func simRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	arrivalsPath := fs.String("arrivals", "", "CSV `interval_start,calls` (ISO local times), the expected calls per interval (required)")
	interval := fs.Duration("interval", 30*time.Minute, "interval length of the series")
	aht := fs.String("aht", "", "mean handle time in seconds (lognormal, CV 1) (required)")
	patience := fs.String("patience", "", "mean patience in seconds (exponential) (required)")
	agentsFlag := fs.String("agents", "", "agents signed in every interval (or --staffing)")
	staffingPath := fs.String("staffing", "", "CSV `interval_start,agents`, the plan per interval (or --agents)")
	spikeFlag := fs.String("spike", "", "START,END,FACTOR: multiply the arrivals of the intervals starting from START to before END by FACTOR (the engine's forecast is not told)")
	divertible := fs.Float64("divertible", 0.3, "share of voice callers who can use self-service (0–1)")
	policy := fs.String("policy", "all", "static, engine, all (static, engine and each strategy alone) or only:<strategy>")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives every policy the same customers")
	slSeconds := fs.Int("sl-seconds", 20, "service level: answered within this many seconds")
	backup := fs.Int("backup", 0, "agents with backup skills Overflow can bring in")
	onCall := fs.Int("on-call", 0, "on-call staff CallIn can bring in (10 minutes to sign in)")
	movable := fs.Int("movable", 0, "multi-skilled chat agents MoveAgents can move to voice")
	outbound := fs.Int("outbound", 0, "agents on outbound campaigns PauseOutbound can free")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: lingxi sim --arrivals FILE.csv [--interval 30m] --aht S --patience S (--agents N | --staffing FILE.csv)
       [--spike START,END,FACTOR] [--divertible P] [--policy static|engine|all] [--seed N] [--sl-seconds S]

Simulates one voice queue (discrete events) under each policy on the same customers; the engine
policies run the dispatch engine's Decide every simulated minute. Prints one JSON line per policy,
last: {"policy":…,"service_level":…,"asa_s":…,"abandon_rate":…,"diverted":…,"callbacks":…,"occupancy":…}`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "lingxi sim: "+format+"\n", a...)
		return errUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	if *arrivalsPath == "" || *aht == "" || *patience == "" {
		return usageErr("--arrivals, --aht and --patience are required")
	}
	if (*agentsFlag != "") == (*staffingPath != "") {
		return usageErr("give one of --agents N and --staffing FILE.csv")
	}
	agents := 0
	if *agentsFlag != "" {
		n, err := strconv.Atoi(*agentsFlag)
		if err != nil || n < 0 || n > 100000 {
			return usageErr("--agents: want a whole number from 0 to 100000, got %q", *agentsFlag)
		}
		agents = n
	}
	if *interval < time.Minute || *interval > 24*time.Hour {
		return usageErr("--interval: want 1m to 24h, got %v", *interval)
	}
	ahtD, err := staffSeconds(*aht)
	if err != nil || ahtD <= 0 {
		return usageErr("--aht: want a positive number of seconds, got %q", *aht)
	}
	patD, err := staffSeconds(*patience)
	if err != nil || patD <= 0 {
		return usageErr("--patience: want a positive number of seconds, got %q", *patience)
	}
	if math.IsNaN(*divertible) || *divertible < 0 || *divertible > 1 {
		return usageErr("--divertible: want a share from 0 to 1, got %v", *divertible)
	}
	if *slSeconds < 1 || *slSeconds > 3600 {
		return usageErr("--sl-seconds: want 1 to 3600, got %d", *slSeconds)
	}
	for _, n := range []int{*backup, *onCall, *movable, *outbound} {
		if n < 0 || n > sim.MaxAgents {
			return usageErr("--backup, --on-call, --movable, --outbound: want 0 to %d agents, got %d", sim.MaxAgents, n)
		}
	}
	var policies []sim.Policy
	switch *policy {
	case "all":
		policies = sim.Policies(true)
	default:
		p, err := sim.ParsePolicy(*policy)
		if err != nil {
			return usageErr("--policy %q: want static, engine, all or only:<strategy>", *policy)
		}
		policies = []sim.Policy{p}
	}
	var sp *spike
	if *spikeFlag != "" {
		s, err := parseSpike(*spikeFlag)
		if err != nil {
			return usageErr("--spike: %v", err)
		}
		sp = &s
	}
	arr, err := readSeriesFile(*arrivalsPath, "calls", *interval, false, 1e6)
	if err != nil {
		if errors.Is(err, errSeries) {
			return usageErr("--arrivals %v", err)
		}
		return fmt.Errorf("--arrivals: %w", err)
	}
	sc := sim.Scenario{
		Start: arr.start, Interval: *interval,
		HandleSeconds: ahtD.Seconds(), PatienceSeconds: patD.Seconds(),
		TargetSeconds: *slSeconds, Divertible: *divertible, Seed: *seed,
		BackupAgents: *backup, OnCallAgents: *onCall, MovableAgents: *movable, OutboundAgents: *outbound,
	}
	var st series
	if *staffingPath != "" {
		if st, err = readSeriesFile(*staffingPath, "agents", *interval, true, 100000); err != nil {
			if errors.Is(err, errSeries) {
				return usageErr("--staffing %v", err)
			}
			return fmt.Errorf("--staffing: %w", err)
		}
	}
	for i, calls := range arr.values {
		t := arr.start.Add(time.Duration(i) * *interval)
		sc.Forecast = append(sc.Forecast, calls)
		if sp != nil && !t.Before(sp.from) && t.Before(sp.to) {
			calls *= sp.factor
		}
		sc.Arrivals = append(sc.Arrivals, calls)
		n := agents
		if *staffingPath != "" {
			v, ok := st.at(t, *interval)
			if !ok {
				return usageErr("--staffing %s: no row for %s (the plan must cover every interval of the arrivals)", *staffingPath, t.Format("2006-01-02T15:04"))
			}
			n = int(v)
		}
		sc.Agents = append(sc.Agents, n)
	}
	for _, p := range policies {
		r, err := sim.Run(ctx, sc, p)
		if err != nil {
			if errors.Is(err, sim.ErrScenario) {
				return usageErr("%v", err)
			}
			return err
		}
		if err := printJSONLine(stdout, simLine{
			Policy:       r.Policy,
			ServiceLevel: roundTo(r.ServiceLevel, 6),
			ASASeconds:   roundTo(r.ASASeconds, 3),
			AbandonRate:  roundTo(r.AbandonRate, 6),
			Diverted:     r.Diverted,
			Callbacks:    r.Callbacks,
			Occupancy:    roundTo(r.Occupancy, 6),
		}); err != nil {
			return err
		}
	}
	return nil
}

// readSeriesFile reads a series file; the error names the file.
func readSeriesFile(path, column string, interval time.Duration, integer bool, limit float64) (series, error) {
	f, err := os.Open(path)
	if err != nil {
		return series{}, err
	}
	defer f.Close()
	s, err := readSeries(f, column, interval, integer, limit)
	if err != nil {
		return series{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
