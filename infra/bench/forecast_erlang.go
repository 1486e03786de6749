package main

// The staffing check of the forecast part: `lingxi staffing erlang` on a grid of loads against
// an independent Erlang C / Erlang A in R (infra/bench/forecast/erlang.R) and published examples.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// erlangCase is one staffing question: calls per interval, their handle time, the target
// (sl within `within` seconds) and, for Erlang A, the callers' mean patience.
type erlangCase struct {
	calls, aht float64
	interval   time.Duration
	sl         float64 // fraction
	within     float64 // seconds
	patience   float64 // seconds; 0 = Erlang C
	shrinkage  float64 // fraction
	maxOcc     float64 // fraction; 0 = none
	published  string  // a published example's source and figures, "" for the grid
}

// erlangOurs is `lingxi staffing erlang`'s JSON line.
type erlangOurs struct {
	Agents       int     `json:"agents"`
	Scheduled    int     `json:"scheduled"`
	ServiceLevel float64 `json:"service_level"`
	ASA          float64 `json:"asa_s"`
	AbandonRate  float64 `json:"abandon_rate"`
	Occupancy    float64 `json:"occupancy"`
}

// erlangRef is erlang.R's row for a case.
type erlangRef struct {
	refAgents             float64 // NaN for Erlang A
	sl, asa, pwait, aband float64
}

// erlangGrid is the loads checked: 30-minute intervals from 5 to 6,000 calls (up to 2,000
// Erlangs, thousands of agents) at three handle times and three targets; Erlang A at three
// patiences; Erlang A with a patience so long it must agree with Erlang C.
func erlangGrid() []erlangCase {
	var cs []erlangCase
	targets := [][2]float64{{0.8, 20}, {0.9, 10}, {0.7, 60}}
	for _, calls := range []float64{5, 20, 50, 100, 200, 400, 800, 1500, 3000, 6000} {
		for _, aht := range []float64{120, 300, 600} {
			for _, t := range targets {
				cs = append(cs, erlangCase{calls: calls, aht: aht, interval: 30 * time.Minute, sl: t[0], within: t[1]})
			}
		}
	}
	for _, calls := range []float64{20, 100, 400, 1500} {
		for _, patience := range []float64{60, 180, 600} {
			cs = append(cs, erlangCase{calls: calls, aht: 300, interval: 30 * time.Minute, sl: 0.8, within: 20, patience: patience})
		}
		cs = append(cs, erlangCase{calls: calls, aht: 300, interval: 30 * time.Minute, sl: 0.8, within: 20, patience: erlangLongPatience})
	}
	return cs
}

// erlangLongPatience is the longest mean patience ours accepts (a day): Erlang A with it must
// staff as Erlang C does.
const erlangLongPatience = 86400

// erlangPublished are worked examples with published answers.
var erlangPublished = []erlangCase{
	{calls: 100, aht: 180, interval: 30 * time.Minute, sl: 0.8, within: 20, shrinkage: 0.3, maxOcc: 0.85,
		published: "Call Centre Helper, \"Erlang C Formula – Made Simple With an Easy Worked Example\": 100 calls in 30 min, AHT 180 s, 80/20, max occupancy 85%, shrinkage 30% → 14 agents (P(wait) 17.41%, service level 88.8%, ASA 7.8 s, occupancy 71.4%), 20 with shrinkage"},
	{calls: 57, aht: 1110, interval: time.Hour, sl: 0.8, within: 180,
		published: "CC-Excel support forum, \"CCXLService\" thread (Tom Howard, 12 Jan 2021), checked there with Westbay Traffic Calculators: 57 calls an hour, 1,110 s handle time, 21 agents → 80.7% within 180 s"},
	{calls: 57, aht: 1110, interval: time.Hour, sl: 0.8, within: 20,
		published: "the same thread: with 20 s as the target time the agents required rise from 21 to 23"},
}

func (c erlangCase) args() []string {
	a := []string{"staffing", "erlang", "--calls", fmtNum(c.calls), "--aht", fmtNum(c.aht), "--interval", fmt.Sprintf("%dm", int(c.interval.Minutes())),
		"--sl", fmt.Sprintf("%s/%s", fmtNum(100*c.sl), fmtNum(c.within))}
	if c.patience > 0 {
		a = append(a, "--patience", fmtNum(c.patience))
	}
	if c.shrinkage > 0 {
		a = append(a, "--shrinkage", fmtNum(c.shrinkage))
	}
	if c.maxOcc > 0 {
		a = append(a, "--max-occupancy", fmtNum(c.maxOcc))
	}
	return a
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// parseErlangLine reads the last line of `lingxi staffing erlang`.
func parseErlangLine(out string) (erlangOurs, error) {
	var o erlangOurs
	last, err := decodeLastLine(out, &o)
	if err != nil {
		return erlangOurs{}, err
	}
	if o.Agents <= 0 || o.ServiceLevel < 0 || o.ServiceLevel > 1 || o.AbandonRate < 0 || o.AbandonRate > 1 {
		return erlangOurs{}, fmt.Errorf("last line %q: figures out of range", last)
	}
	return o, nil
}

// parseErlangRef reads erlang.R's CSV output: want rows.
func parseErlangRef(r io.Reader, want int) ([]erlangRef, error) {
	cr, _, err := csvWithHeader(r, "ref_agents,sl,asa_s,pwait,abandon")
	if err != nil {
		return nil, err
	}
	var out []erlangRef
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		var v [5]float64
		for i, s := range rec {
			s = strings.TrimSpace(s)
			if s == "NA" {
				v[i] = math.NaN()
				continue
			}
			if v[i], err = strconv.ParseFloat(s, 64); err != nil {
				return nil, fmt.Errorf("row %d: %q: %w", len(out)+1, s, err)
			}
		}
		out = append(out, erlangRef{refAgents: v[0], sl: v[1], asa: v[2], pwait: v[3], aband: v[4]})
	}
	if len(out) != want {
		return nil, fmt.Errorf("%d rows for %d cases", len(out), want)
	}
	return out, nil
}

// runErlangCheck runs ours on every case, then erlang.R on the same cases at ours' agents.
func runErlangCheck(ctx context.Context, cfg config, work, lingxi string, b *strings.Builder) error {
	fmt.Fprintln(os.Stderr, "== forecast: Erlang C/A against erlang.R")
	cases := append(erlangGrid(), erlangPublished...)
	ours := make([]erlangOurs, len(cases))
	var grid bytes.Buffer
	grid.WriteString("calls,aht_s,interval_s,sl,within_s,patience_s,agents\n")
	for i, c := range cases {
		stdout, err := runTail(ctx, 3, lingxi, c.args()...)
		if err != nil {
			return fmt.Errorf("lingxi %s: %w", strings.Join(c.args(), " "), err)
		}
		o, err := parseErlangLine(stdout)
		if err != nil {
			return fmt.Errorf("lingxi %s: %w", strings.Join(c.args(), " "), err)
		}
		ours[i] = o
		fmt.Fprintf(&grid, "%s,%s,%s,%s,%s,%s,%d\n", fmtNum(c.calls), fmtNum(c.aht), fmtNum(c.interval.Seconds()), fmtNum(c.sl), fmtNum(c.within), fmtNum(c.patience), o.Agents)
	}
	gridPath := filepath.Join(work, "erlang-grid.csv")
	if err := os.WriteFile(gridPath, grid.Bytes(), 0o644); err != nil {
		return err
	}
	stdout, err := runTail(ctx, 5, "Rscript", filepath.Join(cfg.repoRoot, "infra/bench/forecast/erlang.R"), gridPath)
	if err != nil {
		return fmt.Errorf("erlang.R: %w", err)
	}
	refs, err := parseErlangRef(strings.NewReader(stdout), len(cases))
	if err != nil {
		return fmt.Errorf("erlang.R: %w", err)
	}
	renderErlang(b, cases, ours, refs)
	return nil
}

// erlangSummary compares ours with the reference over a set of cases.
type erlangSummary struct {
	cases, agree, over, under   int
	maxSL, maxASA, maxAb, maxPW float64
	maxAgents                   int
}

func summarizeErlang(cases []erlangCase, ours []erlangOurs, refs []erlangRef, pick func(erlangCase) bool) erlangSummary {
	var s erlangSummary
	for i, c := range cases {
		if !pick(c) {
			continue
		}
		o, r := ours[i], refs[i]
		s.cases++
		s.maxAgents = max(s.maxAgents, o.Agents)
		if !math.IsNaN(r.refAgents) {
			switch d := o.Agents - int(r.refAgents); {
			case d == 0:
				s.agree++
			case d > 0:
				s.over++
			default:
				s.under++
			}
		}
		if !math.IsNaN(r.sl) {
			s.maxSL = math.Max(s.maxSL, math.Abs(o.ServiceLevel-r.sl))
		}
		if !math.IsNaN(r.asa) && !math.IsInf(r.asa, 0) {
			s.maxASA = math.Max(s.maxASA, math.Abs(o.ASA-r.asa))
		}
		if c.patience > 0 {
			s.maxAb = math.Max(s.maxAb, math.Abs(o.AbandonRate-r.aband))
		}
	}
	return s
}

func renderErlang(b *strings.Builder, cases []erlangCase, ours []erlangOurs, refs []erlangRef) {
	b.WriteString("### Erlang C and Erlang A against an independent reference\n\n")
	b.WriteString("`lingxi staffing erlang` (shared/staffing) is run on every case; `infra/bench/forecast/erlang.R` evaluates the same case at the agent count ours chose, with Erlang C written through R's Poisson distribution (P(wait) = p(N) / (p(N) + (1 − A/N)·P(X ≤ N−1)), X ~ Poisson(A); SL = 1 − P(wait)·e^{−(N−A)t/AHT}; ASA = P(wait)·AHT/(N−A)) and finds its own fewest agents meeting the target (no occupancy cap, no shrinkage in the grid); Erlang A (M/M/N+M) as the birth–death chain solved in log space (abandonment = θ·E[queue]/λ). Ours prints fractions to 6 decimals and ASA to 3, which bounds the differences below.\n\n")
	isC := func(c erlangCase) bool { return c.published == "" && c.patience == 0 }
	isA := func(c erlangCase) bool { return c.published == "" && c.patience > 0 && c.patience < erlangLongPatience }
	isLimit := func(c erlangCase) bool { return c.published == "" && c.patience >= erlangLongPatience }
	sc := summarizeErlang(cases, ours, refs, isC)
	sa := summarizeErlang(cases, ours, refs, isA)
	// The long-patience cases against Erlang C: the reference's required agents and service level
	// come from the Erlang C evaluation of the same load (the grid has them at 80/20, AHT 300 s).
	var limitAgree, limitCases int
	var limitSL float64
	for i, c := range cases {
		if !isLimit(c) {
			continue
		}
		limitCases++
		for j, d := range cases {
			if isC(d) && d.calls == c.calls && d.aht == c.aht && d.sl == c.sl && d.within == c.within {
				if ours[i].Agents == int(refs[j].refAgents) {
					limitAgree++
				}
				if ours[i].Agents == ours[j].Agents {
					limitSL = math.Max(limitSL, math.Abs(ours[i].ServiceLevel-ours[j].ServiceLevel))
				}
			}
		}
	}
	b.WriteString("| check | cases | agents equal to the reference's | ours more / fewer | max abs Δ service level | max abs Δ ASA (s) | max abs Δ abandonment | largest agent count |\n|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(b, "| Erlang C: 5–6,000 calls per 30 min × AHT 120/300/600 s × targets 80/20, 90/10, 70/60 | %d | %d | %d / %d | %.2g | %.2g | — | %d |\n", sc.cases, sc.agree, sc.over, sc.under, sc.maxSL, sc.maxASA, sc.maxAgents)
	fmt.Fprintf(b, "| Erlang A: 20–1,500 calls per 30 min, AHT 300 s, patience 60/180/600 s, 80/20 (abandonment at ours' agents) | %d | — | — | — | — | %.2g | %d |\n", sa.cases, sa.maxAb, sa.maxAgents)
	fmt.Fprintf(b, "| Erlang A with a day's patience (86,400 s, the longest ours accepts) against Erlang C, 80/20, AHT 300 s | %d | %d | — | %.2g (vs ours' Erlang C) | — | — | — |\n\n", limitCases, limitAgree, limitSL)
	b.WriteString("Published examples:\n\n| example | ours |\n|---|---|\n")
	for i, c := range cases {
		if c.published == "" {
			continue
		}
		o := ours[i]
		fmt.Fprintf(b, "| %s | `lingxi %s` → %d agents (%d scheduled), service level %.1f%%, ASA %.1f s, occupancy %.1f%% (erlang.R at %d agents: P(wait) %.2f%%, service level %.1f%%; fewest meeting %g/%g: %g) |\n",
			c.published, strings.Join(c.args(), " "), o.Agents, o.Scheduled, 100*o.ServiceLevel, o.ASA, 100*o.Occupancy, o.Agents, 100*refs[i].pwait, 100*refs[i].sl, 100*c.sl, c.within, refs[i].refAgents)
	}
	b.WriteString("\n")
}
