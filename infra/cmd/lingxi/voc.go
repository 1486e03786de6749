package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/lingxi/lingxi/shared/spikes"
)

// vocAlertLine is one JSON line of `lingxi voc spikes` per alert.
type vocAlertLine struct {
	Topic    string  `json:"topic"`
	At       string  `json:"at"`
	Onset    string  `json:"onset"`
	Score    float64 `json:"score"`
	Count    float64 `json:"count"`
	Expected float64 `json:"expected"`
}

// vocSummary is the JSON line `lingxi voc spikes` prints last.
type vocSummary struct {
	Alerts    int `json:"alerts"`
	Topics    int `json:"topics"`
	Intervals int `json:"intervals"`
}

// maxScanCells bounds the topics × intervals one scan walks (a year of 5-minute intervals for
// about 500 topics).
const maxScanCells = 50_000_000

// vocSpikes learns a seasonal baseline from --history and scans --live in time order.
func vocSpikes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi voc spikes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	historyPath := fs.String("history", "", "CSV `interval_start,topic,count`: the past weeks the baseline is learned from (required)")
	livePath := fs.String("live", "", "CSV `interval_start,topic,count`: the intervals scanned in time order (required)")
	interval := fs.Duration("interval", spikes.DefaultInterval, "counting interval (divides a day)")
	minCount := fs.Float64("min-count", spikes.DefaultMinCount, "fewest contacts in an alerting window")
	threshold := fs.Float64("threshold", spikes.DefaultThreshold, "score (−log10 tail probability) that alerts")
	zone := fs.String("tz", "UTC", "IANA zone of the files' local times and of the weekly slots")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: lingxi voc spikes --history FILE --live FILE [--interval 5m] [--min-count N] [--threshold S] [--tz Zone]

Learns a weekday × time-of-day baseline per topic from --history and scans --live in time order.
Prints one JSON line per alert {"topic":…,"at":…,"onset":…,"score":…,"count":…,"expected":…},
then {"alerts":…,"topics":…,"intervals":…}. A bad file exits 2 naming the file and line.`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "lingxi voc spikes: "+format+"\n", a...)
		return errUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	if *historyPath == "" || *livePath == "" {
		return usageErr("--history and --live are required")
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return usageErr("--tz %q: not an IANA zone", *zone)
	}
	cfg := spikes.Config{Interval: *interval, Location: loc, MinCount: *minCount, Threshold: *threshold}
	if !(*minCount > 0) || !(*threshold > 0) {
		return usageErr("--min-count and --threshold must be above 0")
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	history, err := readCountsFile(*historyPath, loc)
	if err != nil {
		return usageErr("--history %v", err)
	}
	live, err := readCountsFile(*livePath, loc)
	if err != nil {
		return usageErr("--live %v", err)
	}
	first, last := live[0].Start, live[0].Start
	topics := map[string]bool{}
	for _, c := range live {
		if c.Start.Before(first) {
			first = c.Start
		}
		if c.Start.After(last) {
			last = c.Start
		}
		topics[c.Topic] = true
	}
	intervals := int(last.Sub(first) / *interval) + 1
	if float64(intervals)*float64(len(topics)) > maxScanCells {
		return usageErr("--live %s: %d topics over %d intervals is more than %d to scan", *livePath, len(topics), intervals, maxScanCells)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b := spikes.Learn(history, cfg)
	alerts := spikes.Scan(b, live, cfg)
	for _, a := range alerts {
		if err := printJSONLine(stdout, vocAlertLine{
			Topic:    a.Topic,
			At:       a.At.In(loc).Format(time.RFC3339),
			Onset:    a.Onset.In(loc).Format(time.RFC3339),
			Score:    roundTo(a.Score, 2),
			Count:    roundTo(a.Count, 3),
			Expected: roundTo(a.Expected, 3),
		}); err != nil {
			return err
		}
	}
	return printJSONLine(stdout, vocSummary{Alerts: len(alerts), Topics: len(topics), Intervals: intervals})
}

// readCountsFile reads a counts file in loc; the error names the file (and the line).
func readCountsFile(path string, loc *time.Location) ([]spikes.Count, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cs, err := spikes.ReadCountsIn(f, loc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}
