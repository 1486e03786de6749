package intervals

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
)

// History CSV limits.
const (
	// MaxHistoryBytes is the largest history file one import takes.
	MaxHistoryBytes = 5 << 20
	// MaxHistoryRows is the most data rows one import takes (a year of 5-minute data of one series
	// is 105,120).
	MaxHistoryRows = 150_000
	// MaxHistorySeries is the most (queue, channel) series one import takes, and the most a tenant
	// has imported in all (the history head names each; at this many it stays under 100 KB of
	// DynamoDB's 400 KB item limit).
	MaxHistorySeries = 200
	// MaxHistoryCount is the largest count one interval may have.
	MaxHistoryCount = 1_000_000_000
	// MaxListedProblems is how many row problems a rejected import lists; HistoryError.Total
	// counts them all.
	MaxListedProblems = 20
)

// HistoryHeader is the header row a history CSV starts with.
const HistoryHeader = "interval_start,queue,channel,count"

// HistorySteps are the steps a history series may have, in minutes.
var HistorySteps = []int{5, 6, 10, 15, 30, 60}

// RowProblem is one thing wrong with a history file: Row is the 1-based data row (the header is
// row 0, and problems with the whole file too).
type RowProblem struct {
	Row    int
	Reason string
}

// Pointer is the problem's JSON pointer into the file seen as rows: "/rows/17", "/rows/0" for the
// header.
func (p RowProblem) Pointer() string { return "/rows/" + strconv.Itoa(p.Row) }

// HistoryError lists what is wrong with a rejected history file: the first MaxListedProblems
// problems by row, and how many there are in all.
type HistoryError struct {
	Problems []RowProblem
	Total    int
}

// Error names the first problem and the count.
func (e *HistoryError) Error() string {
	if len(e.Problems) == 0 {
		return "history: rejected"
	}
	p := e.Problems[0]
	return fmt.Sprintf("history: %d problems; row %d: %s", e.Total, p.Row, p.Reason)
}

// History is a parsed, validated history file: one regular series per (queue, channel).
type History struct {
	series []histSeries
	rows   int
}

// histSeries is one imported series: Values[i] covers [From+i·Step, From+(i+1)·Step); NaN is an
// interval marked not observed.
type histSeries struct {
	Queue   string
	Channel events.Channel
	Step    time.Duration
	From    time.Time
	Values  []float64
}

func (s histSeries) to() time.Time { return s.From.Add(time.Duration(len(s.Values)) * s.Step) }

// SeriesSummary describes one imported series.
type SeriesSummary struct {
	Queue   string         `json:"queue"`
	Channel events.Channel `json:"channel"`
	// Step is the series' interval ("30m").
	Step string `json:"step"`
	// From is the start of its first interval, To the end of its last (exclusive), in UTC.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Rows is how many intervals it has; NotObserved how many of them were marked not observed
	// (an empty count); Total the sum of the counts.
	Rows        int   `json:"rows"`
	NotObserved int   `json:"not_observed"`
	Total       int64 `json:"total"`
}

// Rows is how many data rows the file had.
func (h History) Rows() int { return h.rows }

// Summary describes each series, by queue and channel.
func (h History) Summary() []SeriesSummary {
	out := make([]SeriesSummary, len(h.series))
	for i, s := range h.series {
		sum := SeriesSummary{Queue: s.Queue, Channel: s.Channel, Step: stepName(s.Step), From: s.From.UTC(), To: s.to().UTC(), Rows: len(s.Values)}
		for _, v := range s.Values {
			if math.IsNaN(v) {
				sum.NotObserved++
			} else {
				sum.Total += int64(v)
			}
		}
		out[i] = sum
	}
	return out
}

func stepName(d time.Duration) string { return strconv.Itoa(int(d/time.Minute)) + "m" }

// histRow is one data row, parsed.
type histRow struct {
	row   int
	at    time.Time
	count float64 // NaN: not observed
}

// problems collects row problems.
type problems []RowProblem

func (p *problems) add(row int, format string, args ...any) {
	*p = append(*p, RowProblem{Row: row, Reason: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	slices.SortStableFunc(p, func(a, b RowProblem) int { return cmp.Compare(a.Row, b.Row) })
	return &HistoryError{Problems: slices.Clip(p[:min(len(p), MaxListedProblems)]), Total: len(p)}
}

// ParseHistory reads a history CSV (docs/forecast-history.md): the header HistoryHeader, then one
// row per interval: its start (RFC 3339 with offset), the queue (one knownQueue accepts, or
// AllQueues), the channel (chat or voice) and the count (a whole number ≥ 0; empty when the
// interval was not observed). Rows may come in any order. Each (queue, channel) series has one
// step from HistorySteps, inferred from its rows: the most common distance between consecutive ones. It
// fails with a *HistoryError listing row pointers for bad fields, duplicates, gaps, unaligned rows
// and mixed steps; with ErrTooLarge over the limits.
func ParseHistory(r io.Reader, knownQueue func(string) bool) (History, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxHistoryBytes+1))
	if err != nil {
		return History{}, fmt.Errorf("read history: %w", err)
	}
	if len(body) > MaxHistoryBytes {
		return History{}, fmt.Errorf("%w: more than %d bytes; split it by queue or period", ErrTooLarge, MaxHistoryBytes)
	}
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(body)))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var probs problems
	header, err := cr.Read()
	if err != nil {
		probs.add(0, "the file must start with the header %s", HistoryHeader)
		return History{}, probs.err()
	}
	if got := strings.ToLower(strings.Join(trimAll(header), ",")); got != HistoryHeader {
		probs.add(0, "header is %q; want %s", truncate(got, 80), HistoryHeader)
		return History{}, probs.err()
	}
	type seriesID struct {
		queue string
		ch    events.Channel
	}
	groups := map[seriesID][]histRow{}
	var order []seriesID
	rows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		rows++
		if rows > MaxHistoryRows {
			return History{}, fmt.Errorf("%w: more than %d rows; split it by queue or period", ErrTooLarge, MaxHistoryRows)
		}
		if err != nil && !errors.Is(err, csv.ErrFieldCount) {
			probs.add(rows, "not CSV: %s", csvReason(err))
			break // the reader cannot be trusted past a broken quote
		}
		if len(rec) != 4 {
			probs.add(rows, "has %d fields; want 4 (%s)", len(rec), HistoryHeader)
			continue
		}
		rec = trimAll(rec)
		at, ok := parseStart(&probs, rows, rec[0])
		queue, ch := rec[1], events.Channel(rec[2])
		if err := checkSeries(queue, events.ChannelChat); err != nil || queue != AllQueues && knownQueue != nil && !knownQueue(queue) {
			probs.add(rows, "queue %q is not a queue of the tenant (nor %s)", truncate(queue, 80), AllQueues)
			ok = false
		}
		if ch != events.ChannelChat && ch != events.ChannelVoice {
			probs.add(rows, "channel %q: want chat or voice", truncate(rec[2], 20))
			ok = false
		}
		count, _ := parseCount(&probs, rows, rec[3]) // a bad count still takes its place in the series
		if !ok {
			continue
		}
		id := seriesID{queue, ch}
		if _, seen := groups[id]; !seen {
			if len(order) == MaxHistorySeries {
				return History{}, fmt.Errorf("%w: more than %d series (queue and channel pairs)", ErrTooLarge, MaxHistorySeries)
			}
			order = append(order, id)
		}
		groups[id] = append(groups[id], histRow{row: rows, at: at, count: count})
	}
	if rows == 0 {
		probs.add(0, "no data rows after the header")
	}
	var out History
	out.rows = rows
	for _, id := range order {
		s, ok := buildSeries(&probs, id.queue, id.ch, groups[id])
		if ok {
			out.series = append(out.series, s)
		}
	}
	if err := probs.err(); err != nil {
		return History{}, err
	}
	slices.SortFunc(out.series, func(a, b histSeries) int {
		return cmp.Or(cmp.Compare(a.Queue, b.Queue), cmp.Compare(a.Channel, b.Channel))
	})
	return out, nil
}

func parseStart(probs *problems, row int, s string) (time.Time, bool) {
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		probs.add(row, "interval_start %q is not an RFC 3339 time with offset (2025-06-03T09:30:00+08:00)", truncate(s, 40))
		return time.Time{}, false
	}
	if at.Second() != 0 || at.Nanosecond() != 0 {
		probs.add(row, "interval_start %s is not on a whole minute", s)
		return time.Time{}, false
	}
	if at.Year() < 2000 || at.Year() > 2100 {
		probs.add(row, "interval_start %s is outside the years 2000–2100", s)
		return time.Time{}, false
	}
	return at, true
}

func parseCount(probs *problems, row int, s string) (float64, bool) {
	if s == "" {
		return math.NaN(), true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		probs.add(row, "count %q is not a whole number (leave it empty for an interval not observed)", truncate(s, 20))
	case n < 0:
		probs.add(row, "count %d is negative", n)
	case n > MaxHistoryCount:
		probs.add(row, "count %d is over %d", n, MaxHistoryCount)
	default:
		return float64(n), true
	}
	return 0, false
}

// buildSeries orders one series' rows and checks them: no duplicates, a step from HistorySteps,
// every row aligned to it, no gaps, no other step. The step is the most common distance between
// consecutive rows (a tie goes to an allowed step, then the shorter), so one stray row is reported
// at that row, as mixing steps, rather than as gaps around it.
func buildSeries(probs *problems, queue string, ch events.Channel, rows []histRow) (histSeries, bool) {
	name := queue + "/" + string(ch)
	slices.SortStableFunc(rows, func(a, b histRow) int { return a.at.Compare(b.at) })
	ok := true
	uniq := rows[:1]
	for _, r := range rows[1:] {
		last := uniq[len(uniq)-1]
		if r.at.Equal(last.at) { // the later row repeats the earlier; check the rest without it
			probs.add(max(r.row, last.row), "repeats the interval %s of %s (row %d)", r.at.Format(time.RFC3339), name, min(r.row, last.row))
			ok = false
			if r.row < last.row {
				uniq[len(uniq)-1] = r
			}
			continue
		}
		uniq = append(uniq, r)
	}
	rows = uniq
	if len(rows) < 2 {
		probs.add(rows[0].row, "%s has one row; a series needs two or more to tell its step", name)
		return histSeries{}, false
	}
	step := commonStep(rows)
	if !allowedStep(step) {
		at := rows[1].row
		for i := 1; i < len(rows); i++ {
			if rows[i].at.Sub(rows[i-1].at) == step {
				at = rows[i].row
				break
			}
		}
		probs.add(at, "%s has intervals %v apart; a step must be one of 5, 6, 10, 15, 30 or 60 minutes", name, step)
		return histSeries{}, false
	}
	mins := int(step / time.Minute)
	prev := -1 // the last row on the series' grid
	for i, r := range rows {
		if r.at.Minute()%mins != 0 {
			after := ""
			if i > 0 {
				after = fmt.Sprintf(", %v after %s", r.at.Sub(rows[i-1].at), rows[i-1].at.Format(time.RFC3339))
			}
			probs.add(r.row, "%s mixes steps: %s starts at minute %d, not on its %dm step%s", name, r.at.Format(time.RFC3339), r.at.Minute(), mins, after)
			ok = false
			continue
		}
		if prev < 0 {
			prev = i
			continue
		}
		d := r.at.Sub(rows[prev].at)
		switch {
		case d == step:
		case d > step && d%step == 0:
			probs.add(r.row, "gap in %s: %d intervals of %dm missing from %s (give every interval; an empty count marks one not observed)",
				name, int(d/step)-1, mins, rows[prev].at.Add(step).Format(time.RFC3339))
			ok = false
		default:
			probs.add(r.row, "%s mixes steps: %v after %s where the series' step is %dm", name, d, rows[prev].at.Format(time.RFC3339), mins)
			ok = false
			continue
		}
		prev = i
	}
	if !ok {
		return histSeries{}, false
	}
	s := histSeries{Queue: queue, Channel: ch, Step: step, From: rows[0].at.UTC(), Values: make([]float64, len(rows))}
	for i, r := range rows {
		s.Values[i] = r.count
	}
	return s, true
}

// commonStep is the most common distance between consecutive rows (sorted, no duplicates); of
// equally common ones, an allowed step, then the shorter.
func commonStep(rows []histRow) time.Duration {
	n := map[time.Duration]int{}
	for i := 1; i < len(rows); i++ {
		n[rows[i].at.Sub(rows[i-1].at)]++
	}
	var best time.Duration
	for d, k := range n {
		if best == 0 || k > n[best] || k == n[best] && (allowedStep(d) && !allowedStep(best) || allowedStep(d) == allowedStep(best) && d < best) {
			best = d
		}
	}
	return best
}

func allowedStep(d time.Duration) bool {
	return d%time.Minute == 0 && slices.Contains(HistorySteps, int(d/time.Minute))
}

func trimAll(rec []string) []string {
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	return rec
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:n], "?") + "…"
}

func csvReason(err error) string {
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
