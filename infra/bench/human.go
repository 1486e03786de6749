package main

// Human service (issue 10): the routing decision in process (shared/routing's benchmark, run
// several times), and through the local stack the handoff → offer latency and a burst of
// handoffs checked for double bookings and lost contacts (humanstack.go).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// humanHeading starts the human service's section of BENCH.md.
const humanHeading = "## Human service: routing decision, handoff → offer, handoff burst"

// decideRuns is how many times each decision benchmark runs; the report gives medians.
const decideRuns = 5

// decideBench is one of shared/routing's decision benchmarks.
type decideBench struct {
	name, about string
}

var decideBenches = []decideBench{
	{"BenchmarkDecide500Agents2000Contacts", "500 agents (about half available, chat capacity 0–4, voice 1), 2,000 contacts waiting over four queues with overflow"},
	{"BenchmarkDecide500Agents2000ContactsFewFree", "the same floor with every agent full but five (the steady state of a busy floor)"},
}

// decideRun is one run of one benchmark: its p50 and p99 per decision.
type decideRun struct {
	p50, p99, nsPerOp float64
	assigned          float64
}

// runDecide runs the decision benchmarks decideRuns times each (go test -count) and returns
// their runs by name.
func runDecide(ctx context.Context, root string) (map[string][]decideRun, string, error) {
	names := make([]string, len(decideBenches))
	for i, b := range decideBenches {
		names[i] = b.name
	}
	args := []string{"test", "-run", "^$", "-bench", "^(" + strings.Join(names, "|") + ")$", "-count", strconv.Itoa(decideRuns), "-cpu", "1", "./shared/routing"}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Stderr = root, os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, "", fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	runs, err := parseDecide(string(out))
	return runs, "go " + strings.Join(args, " "), err
}

// parseDecide reads `go test -bench` output: a benchmark line is its name, the iterations, then
// value-unit pairs.
func parseDecide(out string) (map[string][]decideRun, error) {
	runs := map[string][]decideRun{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkDecide") {
			continue
		}
		name, _, _ := strings.Cut(f[0], "-")
		var r decideRun
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", line, err)
			}
			switch f[i+1] {
			case "ns/op":
				r.nsPerOp = v
			case "p50-ns":
				r.p50 = v
			case "p99-ns":
				r.p99 = v
			case "assigned":
				r.assigned = v
			}
		}
		runs[name] = append(runs[name], r)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("no benchmark lines in the output")
	}
	return runs, nil
}

// median of xs (xs is sorted in place).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func renderDecide(b *strings.Builder, runs map[string][]decideRun, command string) {
	b.WriteString("### Routing decision in process\n\n")
	fmt.Fprintf(b, "`routing.Decide` (shared/routing) over one floor: every waiting contact ranked (priority with aging) and matched to the best available agent (skills and proficiency, then longest idle), overflow rings included. Each benchmark times single decisions and reports their p50 and p99; it runs %d times (`%s`, one core), and the table gives the medians of those runs with their range.\n\n", decideRuns, command)
	b.WriteString("| floor | p50 (median of runs) | p99 (median of runs) | p99 range | ns/op | assignments per decision |\n|---|---|---|---|---|---|\n")
	ms := func(ns float64) string { return fmt.Sprintf("%.2f ms", ns/1e6) }
	for _, d := range decideBenches {
		rs := runs[d.name]
		if len(rs) == 0 {
			continue
		}
		var p50, p99, op []float64
		for _, r := range rs {
			p50, p99, op = append(p50, r.p50), append(p99, r.p99), append(op, r.nsPerOp)
		}
		lo, hi := slices.Min(p99), slices.Max(p99)
		fmt.Fprintf(b, "| %s | %s | %s | %s – %s | %.0f | %.0f |\n", d.about, ms(median(p50)), ms(median(p99)), ms(lo), ms(hi), median(op), rs[0].assigned)
	}
	b.WriteString("\nGoal: p99 < 5 ms.\n\n")
}

// runHumanBench runs the human service's parts and returns its section of BENCH.md.
func runHumanBench(ctx context.Context, cfg config) (string, error) {
	started := time.Now()
	var b strings.Builder
	b.WriteString(humanHeading + "\n\n")
	if cfg.humanParts["decide"] {
		fmt.Fprintln(os.Stderr, "== human: routing decision")
		runs, command, err := runDecide(ctx, cfg.repoRoot)
		if err != nil {
			return "", fmt.Errorf("routing decision: %w", err)
		}
		renderDecide(&b, runs, command)
	}
	if cfg.humanParts["latency"] || cfg.humanParts["burst"] {
		if err := runHumanStack(ctx, cfg, &b); err != nil {
			return stamp(b.String(), started), err
		}
	}
	return stamp(b.String(), started), nil
}
