package main

// Spike alerts (issue 13, item 4): shared/spikes on topic series made from the two bank
// datasets, with 2× and 3× rises injected into held-out weeks, against two simple peers in the
// same run. Topics are each bank's calls and seeded binomial thinnings of them (a topic that is
// a share of the contacts), so they keep the real weekly and daily shape and the real day-to-day
// swings; the rises are made by multiplying the real counts of the injected intervals.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/forecast/bankdata"
	"github.com/lingxi/lingxi/shared/spikes"
)

const vsHeading = "## Spike alerts: seasonal baseline vs simple rules on bank topic series"

// The bench's plan; nothing here was fitted to the scored weeks.
const (
	vsScoredWeeks = 6  // the last weeks of each file
	vsTuneWeeks   = 6  // the weeks before them, where the threshold was chosen
	vsInjections  = 10 // rises per topic-week and factor
	vsMinDur      = 30 * time.Minute
	vsMaxDur      = 120 * time.Minute
	vsOnsetFrom   = 8 // rises start between 08:00 and 18:00 local on the bank's working days
	vsOnsetTo     = 18
	vsSeed        = 13
)

var (
	vsShares     = []float64{1, 0.25, 0.05}
	vsFactors    = []float64{3, 2}
	vsThresholds = []float64{5, 6, 7, 8, 10}
)

type vsBank struct {
	key, title, file string
	workdays         []time.Weekday
}

var vsBanks = []vsBank{
	{"us", "US bank 2003 (5-minute, weekdays 07:00–21:05)", "callcenter_us_bank_2003/train.csv", []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}},
	{"il", "Israeli bank 1999 (6-minute, every day)", "callcenter_anonymous_bank_1999/train.csv", []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}},
}

// vsTopic is one topic: a bank's whole series (NaN where the file has no row) at a share.
type vsTopic struct {
	name   string
	bank   vsBank
	start  time.Time
	step   time.Duration
	counts []float64 // whole contacts per interval (0 where the bank had no row)
	open   []bool    // the bank had a row for the interval
}

// vsResult is one system's figures for one topic over some weeks.
type vsResult struct {
	falseAlarms int
	weeks       int
	detected    map[float64]int
	injected    map[float64]int
	delays      map[float64][]float64 // minutes from onset
}

func newVSResult() *vsResult {
	return &vsResult{detected: map[float64]int{}, injected: map[float64]int{}, delays: map[float64][]float64{}}
}

func vsTopics(dataDir string) ([]vsTopic, error) {
	var out []vsTopic
	for _, bk := range vsBanks {
		d, err := bankdata.ReadFile(filepath.Join(dataDir, bk.file))
		if err != nil {
			return nil, err
		}
		for _, share := range vsShares {
			rng := rand.New(rand.NewPCG(vsSeed, uint64(share*1000)))
			t := vsTopic{name: fmt.Sprintf("%s:%g%%", bk.key, share*100), bank: bk, start: d.Series.Start, step: d.Series.Step}
			if share == 1 {
				t.name = bk.key + ":all"
			}
			t.counts = make([]float64, len(d.Series.Values))
			t.open = make([]bool, len(d.Series.Values))
			for i, v := range d.Series.Values {
				if math.IsNaN(v) {
					continue
				}
				t.open[i] = true
				t.counts[i] = thin(rng, v, share)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// thin keeps each of round(v) contacts with probability share (v itself at share 1).
func thin(rng *rand.Rand, v, share float64) float64 {
	if share >= 1 {
		return v
	}
	n := int(math.Round(v))
	k := 0
	for range n {
		if rng.Float64() < share {
			k++
		}
	}
	return float64(k)
}

// weekStarts are the starts (midnight) of the topic's last tune+scored whole weeks, oldest first.
func (t vsTopic) weekStarts() []time.Time {
	end := t.start.Add(time.Duration(len(t.counts)) * t.step)
	end = end.Truncate(24 * time.Hour)
	var out []time.Time
	for w := vsTuneWeeks + vsScoredWeeks; w >= 1; w-- {
		out = append(out, end.Add(-time.Duration(w)*7*24*time.Hour))
	}
	return out
}

// dayLevel is the median count of the topic's intervals from 08:00 to 18:00 on working days over
// the scored weeks: how big the topic is where the rises are put.
func (t vsTopic) dayLevel() float64 {
	ws := t.weekStarts()
	var v []float64
	for i := t.index(ws[vsTuneWeeks]); i < len(t.counts); i++ {
		at := t.start.Add(time.Duration(i) * t.step)
		if slices.Contains(t.bank.workdays, at.Weekday()) && at.Hour() >= vsOnsetFrom && at.Hour() < vsOnsetTo {
			v = append(v, t.counts[i])
		}
	}
	return quantile(v, 0.5)
}

func (t vsTopic) index(at time.Time) int { return int(at.Sub(t.start) / t.step) }

// history is the 8 weeks of counts before from.
func (t vsTopic) history(from time.Time) []spikes.Count {
	var out []spikes.Count
	lo := max(0, t.index(from.Add(-spikes.DefaultWeeks*7*24*time.Hour)))
	for i := lo; i < t.index(from); i++ {
		if t.counts[i] > 0 {
			out = append(out, spikes.Count{Start: t.start.Add(time.Duration(i) * t.step), Topic: t.name, N: t.counts[i]})
		}
	}
	return out
}

// arrivalShares draws where in its interval each contact came: the share of the interval
// elapsed, so a check m minutes in sees those below m/step.
func arrivalShares(rng *rand.Rand, n float64) []float64 {
	k := int(math.Round(n))
	s := make([]float64, k)
	for i := range s {
		s[i] = rng.Float64()
	}
	slices.Sort(s)
	return s
}

// oursMinute runs Check every minute over intervals [lo, hi) of counts, with partial intervals
// (contacts placed in their interval at random), one open alert at a time (closed as Scan closes
// it). It returns the alert times.
func oursMinute(b *spikes.Baseline, t vsTopic, counts []float64, lo, hi int, cfg spikes.Config, rng *rand.Rand) []time.Time {
	var out []time.Time
	open, since := false, 0
	mins := int(t.step / time.Minute)
	recent := make([]spikes.Count, 0, cfg.Window)
	for i := lo; i < hi; i++ {
		at := t.start.Add(time.Duration(i) * t.step)
		if open {
			prev := []spikes.Count{
				{Start: t.start.Add(time.Duration(i-2) * t.step), Topic: t.name, N: counts[i-2]},
				{Start: t.start.Add(time.Duration(i-1) * t.step), Topic: t.name, N: counts[i-1]},
			}
			if !spikes.Calm(b, prev, cfg) {
				continue
			}
			open, since = false, i
		}
		shares := arrivalShares(rng, counts[i])
		for m := 1; m <= mins; m++ {
			el := float64(m) / float64(mins)
			seen, _ := slices.BinarySearch(shares, el)
			if m == mins {
				seen = len(shares)
			}
			recent = recent[:0]
			for j := max(since, i+1-cfg.Window); j < i; j++ {
				recent = append(recent, spikes.Count{Start: t.start.Add(time.Duration(j) * t.step), Topic: t.name, N: counts[j]})
			}
			recent = append(recent, spikes.Count{Start: at, Topic: t.name, N: float64(seen)})
			if _, ok := spikes.Check(b, recent, el, cfg); ok {
				out = append(out, at.Add(time.Duration(m)*time.Minute))
				open = true
				break
			}
		}
	}
	return out
}

// oursScan is Scan on whole intervals [lo, hi): alerts at interval close.
func oursScan(b *spikes.Baseline, t vsTopic, counts []float64, lo, hi int, cfg spikes.Config) []time.Time {
	var live []spikes.Count
	for i := max(0, lo-cfg.Window+1); i < hi; i++ {
		live = append(live, spikes.Count{Start: t.start.Add(time.Duration(i) * t.step), Topic: t.name, N: counts[i]})
	}
	var out []time.Time
	first := t.start.Add(time.Duration(lo) * t.step)
	for _, a := range spikes.Scan(b, live, cfg) {
		if !a.At.Before(first.Add(t.step)) {
			out = append(out, a.At)
		}
	}
	return out
}

// peerAlerts runs a per-interval rule over [lo, hi) at interval close; an alert stays open
// until two intervals in a row do not fire.
func peerAlerts(t vsTopic, counts []float64, lo, hi int, fire func(i int) bool) []time.Time {
	var out []time.Time
	open, quiet := false, 0
	for i := lo; i < hi; i++ {
		f := fire(i)
		switch {
		case f && !open:
			out = append(out, t.start.Add(time.Duration(i+1)*t.step))
			open, quiet = true, 0
		case !f && open:
			if quiet++; quiet >= 2 {
				open = false
			}
		case f:
			quiet = 0
		}
	}
	return out
}

// zScore fires when the interval is 3 standard deviations above the mean of the day before it
// (a rolling window of one day's intervals, no seasonality) and has at least MinCount contacts.
func zScore(t vsTopic, counts []float64) func(i int) bool {
	day := int(24 * time.Hour / t.step)
	return func(i int) bool {
		if i < day {
			return false
		}
		var s, ss float64
		for j := i - day; j < i; j++ {
			s += counts[j]
			ss += counts[j] * counts[j]
		}
		m := s / float64(day)
		sd := math.Sqrt(max(ss/float64(day)-m*m, 0))
		return counts[i] >= spikes.DefaultMinCount && counts[i] > m+3*max(sd, 1)
	}
}

// lastWeek fires when the interval has at least twice the same slot of the week before (at least
// one) and at least MinCount contacts.
func lastWeek(t vsTopic, counts []float64) func(i int) bool {
	week := int(7 * 24 * time.Hour / t.step)
	return func(i int) bool {
		if i < week {
			return false
		}
		return counts[i] >= spikes.DefaultMinCount && counts[i] >= 2*max(counts[i-week], 1)
	}
}

var vsSystems = []string{"ours, each minute", "ours, at interval close", "z-score on the last day", "2× same slot last week"}

var vsSystemNotes = map[string]string{
	"ours, each minute":       "shared/spikes `Check` every minute on the partial interval (the contacts of an interval placed in it at random), as the feedback function would run it; one open alert per topic, closed as `Scan` closes it",
	"ours, at interval close": "shared/spikes `Scan` on whole intervals (`lingxi voc spikes`)",
	"z-score on the last day": "an interval ≥ 5 contacts and more than 3 standard deviations (at least 1) above the mean of the day before it (rolling, no seasonality); alerts at interval close",
	"2× same slot last week":  "an interval ≥ 5 contacts and at least twice the same interval a week before (at least 1); alerts at interval close",
}

// runWeek runs every system on one topic-week: false alarms on the week as it was, and the
// injected rises. It adds to res (system → result); ours uses thr.
func runWeek(t vsTopic, week time.Time, thr float64, res map[string]*vsResult, rng *rand.Rand, peers bool) {
	cfg := spikes.Config{Interval: t.step, Threshold: thr, Window: spikes.DefaultWindow}
	b := spikes.Learn(t.history(week), cfg)
	lo, hi := t.index(week), t.index(week.Add(7*24*time.Hour))
	run := func(sys string, counts []float64, from, to int) []time.Time {
		switch sys {
		case vsSystems[0]:
			return oursMinute(b, t, counts, from, to, cfg, rng)
		case vsSystems[1]:
			return oursScan(b, t, counts, from, to, cfg)
		case vsSystems[2]:
			return peerAlerts(t, counts, from, to, zScore(t, counts))
		default:
			return peerAlerts(t, counts, from, to, lastWeek(t, counts))
		}
	}
	systems := vsSystems[:2]
	if peers {
		systems = vsSystems
	}
	for _, sys := range systems {
		r := res[sys]
		r.weeks++
		r.falseAlarms += len(run(sys, t.counts, lo, hi))
	}
	// Onsets: interval starts from 08:00 to 18:00 on the bank's working days of the week that it
	// was open (the US file has no rows for its holidays: a rise of nothing is no rise).
	var onsets []int
	for i := lo; i < hi; i++ {
		at := t.start.Add(time.Duration(i) * t.step)
		if t.open[i] && slices.Contains(t.bank.workdays, at.Weekday()) && at.Hour() >= vsOnsetFrom && at.Hour() < vsOnsetTo {
			onsets = append(onsets, i)
		}
	}
	for _, f := range vsFactors {
		for range vsInjections {
			on := onsets[rng.IntN(len(onsets))]
			steps := int(vsMinDur/t.step) + rng.IntN(int((vsMaxDur-vsMinDur)/t.step)+1)
			counts := slices.Clone(t.counts)
			for i := on; i < min(on+steps, len(counts)); i++ {
				counts[i] *= f
			}
			onset := t.start.Add(time.Duration(on) * t.step)
			for _, sys := range systems {
				r := res[sys]
				r.injected[f]++
				if al := run(sys, counts, on, min(on+steps, hi)); len(al) > 0 {
					r.detected[f]++
					r.delays[f] = append(r.delays[f], al[0].Sub(onset).Minutes())
				}
			}
		}
	}
}

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[int(math.Ceil(q*float64(len(s))))-1]
}

func runVOCSpikes(ctx context.Context, cfg config) (string, error) {
	started := time.Now()
	topics, err := vsTopics(cfg.dataDir)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n\n", vsHeading)
	// Tuning: ours at each threshold on the tune weeks.
	type tuneRow struct {
		thr        float64
		fa, weeks  int
		det3, inj3 int
		delays3    []float64
	}
	var tune []tuneRow
	for _, thr := range vsThresholds {
		row := tuneRow{thr: thr}
		for _, t := range topics {
			res := map[string]*vsResult{vsSystems[0]: newVSResult(), vsSystems[1]: newVSResult()}
			rng := rand.New(rand.NewPCG(vsSeed, 1))
			for _, w := range t.weekStarts()[:vsTuneWeeks] {
				if err := ctx.Err(); err != nil {
					return "", err
				}
				runWeek(t, w, thr, res, rng, false)
			}
			r := res[vsSystems[0]]
			row.fa += r.falseAlarms
			row.weeks += r.weeks
			row.det3 += r.detected[3]
			row.inj3 += r.injected[3]
			row.delays3 = append(row.delays3, r.delays[3]...)
		}
		fmt.Printf("tune thr %g: FA %d/%d topic-weeks, 3x %d/%d, delay median %.0f\n", thr, row.fa, row.weeks, row.det3, row.inj3, quantile(row.delays3, 0.5))
		tune = append(tune, row)
	}
	// Scored weeks, every system.
	results := map[string]map[string]*vsResult{}
	for _, t := range topics {
		res := map[string]*vsResult{}
		for _, s := range vsSystems {
			res[s] = newVSResult()
		}
		rng := rand.New(rand.NewPCG(vsSeed, 2))
		for _, w := range t.weekStarts()[vsTuneWeeks:] {
			if err := ctx.Err(); err != nil {
				return "", err
			}
			runWeek(t, w, spikes.DefaultThreshold, res, rng, true)
		}
		results[t.name] = res
	}
	fmt.Fprintf(&sb, "`go run ./infra/bench -only vocspikes -data DIR` (%s here). Topics: each bank's calls (`all`) and seeded binomial thinnings of them to 25%% and 5%% (a topic that is that share of the contacts: the real weekly and daily shape and the real day-to-day swings, at smaller counts). US bank: 5-minute intervals, weekdays 07:00–21:05; Israeli bank: 6-minute intervals, every day. Scored: the last %d whole weeks of each training file, each with a baseline learned from the %d weeks before it (`spikes.Learn`, defaults); the threshold was chosen on the %d weeks before the scored ones (table below). One other choice was made after seeing figures that included the scored weeks: the overdispersion estimate became the robust day-level one (baseline.go) instead of the moments over all intervals, which had let a few unusual days widen every topic's tails. False alarms: alerts on the weeks as they were (one per rise, suppressed while open). Rises: per topic-week and factor, %d rises of 30–120 minutes starting on an interval between %02d:00 and %02d:00 on the bank's working days (days the file has rows for), made by multiplying the real counts of those intervals; detected when the system alerts between the onset and the rise's end, delay = alert time − onset in minutes. Checks each minute see the contacts of the running interval so far (each interval's contacts placed at random in it).\n\n",
		time.Since(started).Round(time.Second), vsScoredWeeks, spikes.DefaultWeeks, vsTuneWeeks, vsInjections, vsOnsetFrom, vsOnsetTo)
	fmt.Fprintf(&sb, "### Threshold on the tuning weeks (ours, each minute; all %d topics)\n\n", len(topics))
	sb.WriteString("| threshold | false alarms per topic-week | 3× detected % | 3× median delay min |\n|---|---|---|---|\n")
	for _, r := range tune {
		mark := ""
		if r.thr == spikes.DefaultThreshold {
			mark = " (default)"
		}
		fmt.Fprintf(&sb, "| %g%s | %.2f | %.0f | %.0f |\n", r.thr, mark, float64(r.fa)/float64(r.weeks), 100*float64(r.det3)/float64(r.inj3), quantile(r.delays3, 0.5))
	}
	fmt.Fprintf(&sb, "\n### Scored weeks (threshold %g)\n\n", float64(spikes.DefaultThreshold))
	sb.WriteString("| topic | contacts per interval, working days 08–18 (median) | system | false alarms per topic-week | 3× detected % | 3× delay median / p90 min | 2× detected % | 2× delay median / p90 min |\n|---|---|---|---|---|---|---|---|\n")
	fmtDelay := func(v []float64) string {
		if len(v) == 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f / %.0f", quantile(v, .5), quantile(v, .9))
	}
	setFA := map[string]map[string]float64{}
	for _, t := range topics {
		level := t.dayLevel()
		for _, s := range vsSystems {
			r := results[t.name][s]
			fa := float64(r.falseAlarms) / float64(r.weeks)
			if setFA[t.bank.key] == nil {
				setFA[t.bank.key] = map[string]float64{}
			}
			setFA[t.bank.key][s] += fa
			fmt.Fprintf(&sb, "| %s | %.1f | %s | %.2f | %.0f | %s | %.0f | %s |\n", t.name, level, s, fa,
				100*float64(r.detected[3])/float64(r.injected[3]), fmtDelay(r.delays[3]),
				100*float64(r.detected[2])/float64(r.injected[2]), fmtDelay(r.delays[2]))
		}
	}
	sb.WriteString("\nFalse alarms per week of a bank's three topics together (a tenant's set):\n\n| system | us | il |\n|---|---|---|\n")
	for _, s := range vsSystems {
		fmt.Fprintf(&sb, "| %s | %.2f | %.2f |\n", s, setFA["us"][s], setFA["il"][s])
	}
	var met, missed []string
	for _, t := range topics {
		r := results[t.name][vsSystems[0]]
		if d := r.delays[3]; len(d) > 0 && quantile(d, .5) <= 5 && float64(r.falseAlarms)/float64(r.weeks) < 1 {
			met = append(met, t.name)
		} else {
			missed = append(missed, t.name)
		}
	}
	fmt.Fprintf(&sb, "\nGoal (a 3× rise alerted within 5 minutes of its onset — median — with fewer than one false alarm per week), ours each minute: met on %s; not met on %s. ", strings.Join(met, ", "), strings.Join(missed, ", "))
	sb.WriteString("A rise is only as visible as its counts: the misses and the long delays are on topics with a few contacts per interval, where the threshold and MinCount (5) wait for enough contacts to tell a rise from noise — the peers alert sooner there only by alerting all week. Most of the Israeli false alarms (listed when this section was written: il:all on Saturdays 9, 16 and 23 October 1999 between 18:28 and 19:17 and on Friday 15 October morning; il:all twice and il:25% once on Thursday 18 November evening) are, we think, shifts rather than noise: the Saturday ones fall where calls resume after the Sabbath ends at sunset, which comes earlier each autumn week than in the weeks the baseline learned from (a likely cause, not checked further; a weekly baseline does not know sunset).\n")
	sb.WriteString("\nSystems:\n\n")
	for _, s := range vsSystems {
		fmt.Fprintf(&sb, "- %s: %s\n", s, vsSystemNotes[s])
	}
	sb.WriteString("\n")
	return sb.String(), nil
}
