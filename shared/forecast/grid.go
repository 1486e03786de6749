package forecast

import (
	"math"
	"time"
)

// matrix is a series laid out as local days × slots of the day, the shape every model works on:
// row d is the civil day day0+d in the calendar's zone, column p the slot that starts p·step after
// local midnight (one column when the step is a day). Intervals that were not observed, were
// closed, or fall on a holiday or an event window are NaN in a cleaned training matrix.
//
// On the day a zone leaves daylight saving time two intervals share a slot; the later one wins
// in the history, and both get the slot's forecast. On the day it enters, one slot stays empty.
type matrix struct {
	loc   *time.Location
	step  time.Duration
	slots int
	day0  int // civil day number (days since 1970-01-01) of row 0
	rows  [][]float64
}

// slotsPerDay is how many steps make a day (1 for a step of a day).
func slotsPerDay(step time.Duration) int {
	if step >= 24*time.Hour {
		return 1
	}
	return int((24*time.Hour + step - 1) / step)
}

// civil is the local civil day number and slot of t.
func civil(t time.Time, loc *time.Location, step time.Duration) (day, slot int) {
	lt := t.In(loc)
	y, m, d := lt.Date()
	day = int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	if step >= 24*time.Hour {
		return day, 0
	}
	secs := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second
	return day, int(secs / step)
}

// weekdayOf is the weekday of a civil day number.
func weekdayOf(day int) time.Weekday {
	return time.Weekday(((day+4)%7 + 7) % 7) // 1970-01-01 was a Thursday
}

// dateOf is the "2006-01-02" form of a civil day number.
func dateOf(day int) string {
	return time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly)
}

// newMatrix lays out s from its first day to the day of `until` (exclusive end time), NaN where
// nothing is known; skip reports intervals to leave NaN (closed ones).
func newMatrix(s Series, loc *time.Location, until time.Time, skip func(t time.Time) bool) *matrix {
	m := &matrix{loc: loc, step: s.Step, slots: slotsPerDay(s.Step)}
	first, _ := civil(s.Start, loc, s.Step)
	last, _ := civil(until.Add(-time.Nanosecond), loc, s.Step)
	if last < first {
		last = first
	}
	m.day0 = first
	m.rows = make([][]float64, last-first+1)
	for d := range m.rows {
		m.rows[d] = nanRow(m.slots)
	}
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		t := s.Time(i)
		if skip != nil && skip(t) {
			continue
		}
		d, p := civil(t, loc, s.Step)
		if d-first >= 0 && d-first < len(m.rows) && p < m.slots {
			m.rows[d-first][p] = max(v, 0)
		}
	}
	return m
}

func nanRow(n int) []float64 {
	r := make([]float64, n)
	for i := range r {
		r[i] = math.NaN()
	}
	return r
}

// weekday of row d.
func (m *matrix) weekday(d int) time.Weekday { return weekdayOf(m.day0 + d) }

// cell is the row and column of t.
func (m *matrix) cell(t time.Time) (d, p int) {
	day, slot := civil(t, m.loc, m.step)
	return day - m.day0, slot
}

// clone copies the first n rows.
func (m *matrix) head(n int) *matrix {
	c := *m
	c.rows = make([][]float64, n)
	for d := range n {
		c.rows[d] = append([]float64(nil), m.rows[d]...)
	}
	return &c
}
