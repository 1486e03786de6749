package spikes

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Header is the first line of a counts file.
const Header = "interval_start,topic,count"

// Limits on a counts file.
const (
	MaxRows     = 5_000_000
	MaxTopicLen = 200
	MaxCount    = 1e9
)

// ErrCounts wraps every complaint about a counts file's content; the message names the line.
var ErrCounts = errors.New("counts")

// timeLayouts are the times interval_start may be written in: ISO local times (no zone), read in
// the file's zone, or RFC 3339 with an offset.
var timeLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}

// ReadCounts reads `interval_start,topic,count` (the header, then one row per topic and interval;
// rows in any order) with local times read as UTC clock times; ReadCountsIn reads them in a zone.
func ReadCounts(r io.Reader) ([]Count, error) { return ReadCountsIn(r, time.UTC) }

// ReadCountsIn reads a counts file whose local times are in loc. A time may also carry an offset
// (RFC 3339). Where the clocks go back and a local time happens twice, a topic's second row for
// that time is the second occurrence (rows of a topic in time order make the repeated hour come
// out right; an offset says it outright). Counts are finite numbers from 0 to MaxCount; topics
// are 1 to MaxTopicLen bytes of UTF-8.
func ReadCountsIn(r io.Reader, loc *time.Location) ([]Count, error) {
	if loc == nil {
		loc = time.UTC
	}
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: line 1: empty file, want the header %q", ErrCounts, Header)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: line 1: %v", ErrCounts, err)
	}
	cols := make([]string, len(head))
	for i, h := range head {
		cols[i] = strings.TrimSpace(h)
	}
	if len(cols) > 0 {
		cols[0] = strings.TrimPrefix(cols[0], "\ufeff")
	}
	if got := strings.Join(cols, ","); got != Header {
		return nil, fmt.Errorf("%w: line 1: header %q, want %q", ErrCounts, got, Header)
	}
	var out []Count
	last := 1                        // the line of the last row read
	latest := map[string]time.Time{} // per topic, its latest interval so far
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%w: line %d: %v", ErrCounts, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%w: after line %d: %v", ErrCounts, last, err)
		}
		line, _ := cr.FieldPos(0)
		last = line
		if len(out) >= MaxRows {
			return nil, fmt.Errorf("%w: line %d: more than %d rows", ErrCounts, line, MaxRows)
		}
		if len(rec) != 3 {
			return nil, fmt.Errorf("%w: line %d: %d fields, want 3 (%s)", ErrCounts, line, len(rec), Header)
		}
		topic := strings.TrimSpace(rec[1])
		if topic == "" || len(topic) > MaxTopicLen || !utf8.ValidString(topic) {
			return nil, fmt.Errorf("%w: line %d: topic: want 1 to %d bytes of UTF-8", ErrCounts, line, MaxTopicLen)
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(rec[2]), 64)
		if err != nil || math.IsNaN(n) || n < 0 || n > MaxCount {
			return nil, fmt.Errorf("%w: line %d: count %q: want a number from 0 to %g", ErrCounts, line, rec[2], float64(MaxCount))
		}
		t, err := parseTime(strings.TrimSpace(rec[0]), loc, latest[topic])
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: interval_start: %v", ErrCounts, line, err)
		}
		if t.After(latest[topic]) {
			latest[topic] = t
		}
		out = append(out, Count{Start: t, Topic: topic, N: n})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: line 2: no rows after the header", ErrCounts)
	}
	return out, nil
}

// minYear and maxYear bound the times accepted, so that interval arithmetic cannot overflow.
const (
	minYear = 1900
	maxYear = 2200
)

// parseTime reads a local time in loc (the later of two occurrences when the earlier is not
// after the topic's latest row) or an RFC 3339 time.
func parseTime(s string, loc *time.Location, latest time.Time) (time.Time, error) {
	var t time.Time
	if u, err := time.Parse(time.RFC3339, s); err == nil {
		t = u
	} else {
		var w time.Time
		ok := false
		for _, l := range timeLayouts {
			if w, err = time.Parse(l, s); err == nil {
				ok = true
				break
			}
		}
		if !ok {
			return time.Time{}, fmt.Errorf("%q is not an ISO time such as 2026-03-02T09:05", s)
		}
		t = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc)
		// time.Date picks one of the two instants of a repeated local time: find both.
		var same []time.Time
		for _, d := range []time.Duration{-2 * time.Hour, -time.Hour, 0, time.Hour, 2 * time.Hour} {
			c := t.Add(d)
			if c.In(loc).Format(time.DateTime) == w.Format(time.DateTime) {
				same = append(same, c)
			}
		}
		if len(same) > 0 {
			t = same[0]
			for _, c := range same {
				if !latest.IsZero() && !t.After(latest) && c.After(latest) {
					t = c
				}
			}
		}
	}
	if y := t.Year(); y < minYear || y > maxYear {
		return time.Time{}, fmt.Errorf("%q: want a year from %d to %d", s, minYear, maxYear)
	}
	return t, nil
}
