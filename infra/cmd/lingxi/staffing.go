package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/staffing"
)

// erlangLine is the JSON line `staffing erlang` prints. Shares are fractions; abandon_rate is 0
// without --patience (Erlang C has no abandonment).
type erlangLine struct {
	Agents       int     `json:"agents"`
	Scheduled    int     `json:"scheduled"`
	ServiceLevel float64 `json:"service_level"`
	ASASeconds   float64 `json:"asa_s"`
	AbandonRate  float64 `json:"abandon_rate"`
	Occupancy    float64 `json:"occupancy"`
}

// staffingErlang prints the agents one interval needs: Erlang C, or Erlang A with --patience.
func staffingErlang(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi staffing erlang", flag.ContinueOnError)
	fs.SetOutput(stderr)
	calls := fs.String("calls", "", "calls offered in the interval (required)")
	aht := fs.String("aht", "", "average handle time in seconds (required)")
	interval := fs.Duration("interval", 30*time.Minute, "interval length")
	sl := fs.String("sl", "", "service-level target X/T: X% answered within T seconds, e.g. 80/20")
	asa := fs.String("asa", "", "average-speed-of-answer target in seconds (instead of or with --sl)")
	patience := fs.String("patience", "", "mean caller patience in seconds: Erlang A (abandonment); none: Erlang C")
	shrinkage := fs.String("shrinkage", "0", "share of paid time off the phones, 0.3 or 30%")
	maxOcc := fs.String("max-occupancy", "0", "occupancy cap, 0.85 or 85% (0: none)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: lingxi staffing erlang --calls N --aht S [--interval 30m] --sl 80/20 [--asa S] [--patience S] [--shrinkage P] [--max-occupancy P]

Prints one JSON line: {"agents":…,"scheduled":…,"service_level":…,"asa_s":…,"abandon_rate":…,"occupancy":…}
(fractions; agents on the phones, scheduled with shrinkage; abandon_rate is 0 without --patience).`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has said what was wrong
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "lingxi staffing erlang: "+format+"\n", a...)
		return errUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	var iv staffing.Interval
	var t staffing.Target
	var err error
	if *calls == "" || *aht == "" {
		return usageErr("--calls and --aht are required")
	}
	if iv.Calls, err = staffNumber(*calls); err != nil {
		return usageErr("--calls: %v", err)
	}
	if iv.AHT, err = staffSeconds(*aht); err != nil || iv.AHT <= 0 {
		return usageErr("--aht: want a positive number of seconds, got %q", *aht)
	}
	iv.Length = *interval
	if *sl == "" && *asa == "" {
		return usageErr("a target is required: --sl X/T or --asa S")
	}
	if *sl != "" {
		if t.ServiceLevel, t.AnswerWithin, err = staffing.ParseServiceLevel(*sl); err != nil {
			return usageErr("--sl: %v", err)
		}
	}
	if *asa != "" {
		if t.ASA, err = staffSeconds(*asa); err != nil || t.ASA <= 0 {
			return usageErr("--asa: want a positive number of seconds, got %q", *asa)
		}
	}
	if *patience != "" {
		if t.Patience, err = staffSeconds(*patience); err != nil || t.Patience <= 0 {
			return usageErr("--patience: want a positive number of seconds, got %q", *patience)
		}
	}
	if t.Shrinkage, err = staffShare(*shrinkage); err != nil {
		return usageErr("--shrinkage: %v", err)
	}
	if t.MaxOccupancy, err = staffShare(*maxOcc); err != nil {
		return usageErr("--max-occupancy: %v", err)
	}
	if err := iv.Validate(); err != nil {
		return usageErr("%v", err)
	}
	if err := t.Validate(); err != nil {
		return usageErr("%v", err)
	}
	r, err := staffing.Required(iv, t)
	if err != nil {
		if errors.Is(err, staffing.ErrInvalid) {
			return usageErr("%v", err)
		}
		return err
	}
	return printJSONLine(stdout, erlangLine{
		Agents:       r.Agents,
		Scheduled:    r.Scheduled,
		ServiceLevel: roundTo(r.ServiceLevel, 6),
		ASASeconds:   roundTo(r.ASA.Seconds(), 3),
		AbandonRate:  roundTo(r.AbandonRate, 6),
		Occupancy:    roundTo(r.Occupancy, 6),
	})
}

// staffNumber reads a finite, non-negative decimal.
func staffNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("want a number ≥ 0, got %q", s)
	}
	return v, nil
}

// staffSeconds reads a number of seconds ("180", "12.5") or a Go duration ("3m").
func staffSeconds(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil && strings.ContainsAny(s, "hms") {
		return d, nil
	}
	v, err := staffNumber(s)
	if err != nil || v > float64(staffing.MaxPatience/time.Second) {
		return 0, fmt.Errorf("want seconds, got %q", s)
	}
	return time.Duration(math.Round(v * float64(time.Second))), nil
}

// staffShare reads a share written 0.3 or 30%, at most 1 (the target's validation says which
// fields take 1).
func staffShare(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := staffNumber(strings.TrimSuffix(s, "%"))
	if pct {
		v /= 100
	}
	if err != nil || v > 1 {
		return 0, fmt.Errorf("want a share such as 0.3 or 30%%, got %q", s)
	}
	return v, nil
}

// roundTo rounds to the given number of decimal places.
func roundTo(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
