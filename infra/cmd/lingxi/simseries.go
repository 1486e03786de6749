package main

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
)

// maxSimIntervals bounds a series read by `lingxi sim` (a year of 5-minute intervals).
const maxSimIntervals = 366 * 24 * 12

// errSeries wraps every complaint about an arrivals or staffing file's content.
var errSeries = errors.New("series")

// simTimeLayouts are the ISO local times a series' interval_start may be written in.
var simTimeLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}

// parseLocalTime reads an ISO local time (no zone) as a clock time (UTC, so no daylight saving).
func parseLocalTime(s string) (time.Time, error) {
	for _, l := range simTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO local time such as 2003-03-03T07:00", s)
}

// series is a file's values on a grid of equal intervals from start; set says which intervals
// had a row.
type series struct {
	start  time.Time
	values []float64
	set    []bool
}

// at returns the value of the interval starting at t and whether the file had it.
func (s series) at(t time.Time, interval time.Duration) (float64, bool) {
	d := t.Sub(s.start)
	if d < 0 || d%interval != 0 {
		return 0, false
	}
	i := int(d / interval)
	if i >= len(s.values) || !s.set[i] {
		return 0, false
	}
	return s.values[i], true
}

// readSeries reads `interval_start,<column>`: a header, then one row per interval, ISO local
// times on the interval's grid in increasing order (intervals without a row are absent), values
// finite and ≥ 0 (whole numbers when integer), at most max.
func readSeries(r io.Reader, column string, interval time.Duration, integer bool, limit float64) (series, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return series{}, fmt.Errorf("%w: header: %v", errSeries, err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	for i := range head {
		head[i] = strings.TrimSpace(head[i])
	}
	want := "interval_start," + column
	if strings.Join(head, ",") != want {
		return series{}, fmt.Errorf("%w: header %q: want %q", errSeries, strings.Join(head, ","), want)
	}
	var s series
	var last time.Time
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return series{}, fmt.Errorf("%w: %v", errSeries, err)
		}
		if len(rec) != 2 {
			return series{}, fmt.Errorf("%w: line %d: %d fields, want 2 (interval_start,%s)", errSeries, line, len(rec), column)
		}
		t, err := parseLocalTime(strings.TrimSpace(rec[0]))
		if err != nil {
			return series{}, fmt.Errorf("%w: line %d: %v", errSeries, line, err)
		}
		raw := strings.TrimSpace(rec[1])
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > limit || (integer && v != math.Trunc(v)) {
			kind := "a number"
			if integer {
				kind = "a whole number"
			}
			return series{}, fmt.Errorf("%w: line %d: %s %q: want %s from 0 to %g", errSeries, line, column, raw, kind, limit)
		}
		if s.values == nil {
			s.start = t
		} else if !t.After(last) {
			return series{}, fmt.Errorf("%w: line %d: %s is not after %s (rows must be in increasing time)", errSeries, line, t.Format(simTimeLayouts[1]), last.Format(simTimeLayouts[1]))
		}
		d := t.Sub(s.start)
		if d%interval != 0 {
			return series{}, fmt.Errorf("%w: line %d: %s is not on the %v grid from %s", errSeries, line, t.Format(simTimeLayouts[1]), interval, s.start.Format(simTimeLayouts[1]))
		}
		i := int64(d / interval)
		if i >= maxSimIntervals {
			return series{}, fmt.Errorf("%w: line %d: the series spans more than %d intervals", errSeries, line, maxSimIntervals)
		}
		for int64(len(s.values)) <= i {
			s.values = append(s.values, 0)
			s.set = append(s.set, false)
		}
		s.values[i], s.set[i] = v, true
		last = t
	}
	if len(s.values) == 0 {
		return series{}, fmt.Errorf("%w: no rows", errSeries)
	}
	return s, nil
}
