// Package bankdata reads the two public call-centre datasets the forecasts are measured on, and
// scores forecasts the way the published peers did.
//
//   - The US bank (Weinberg, Brown & Stroud 2007; fpp3 bank_calls): header
//     `datetime_local,date,interval_start,calls`, 5-minute counts on weekdays 07:00–21:05.
//   - The Israeli "Anonymous Bank" (Technion SEE data, 1999): header
//     `date,interval_index,interval_start,weekday,calls`, 6-minute counts for all 240 slots of
//     every day (interval_index 1 is 00:00–00:06).
//
// Times are local clock times with no zone; they are read as UTC, so days and weekdays come out
// as written and no daylight-saving shift is involved.
package bankdata

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
)

// Format names a dataset's layout; it is also the name of its scoring window.
type Format string

const (
	US Format = "US" // 5-minute, weekdays 07:00–21:05
	IL Format = "IL" // 6-minute, every slot of every day
)

// MaxDays bounds the span a file may cover (the series is dense over it).
const MaxDays = 3 * 366

// ErrFormat wraps every complaint about a file's content.
var ErrFormat = errors.New("bank data")

const (
	headerUS = "datetime_local,date,interval_start,calls"
	headerIL = "date,interval_index,interval_start,weekday,calls"
)

// Data is one file read: its format and its counts as a dense series from the first day's
// midnight to the end of the last day, NaN where the file has no row.
type Data struct {
	Format Format
	Series forecast.Series
}

// ReadFile reads a bank CSV file.
func ReadFile(path string) (Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return Data{}, err
	}
	defer f.Close()
	d, err := Read(f)
	if err != nil {
		return Data{}, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

type row struct {
	t     time.Time
	calls float64
}

// Read reads either format, told apart by the header line.
func Read(r io.Reader) (Data, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return Data{}, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	var d Data
	var parse func(rec []string) (row, error)
	switch strings.Join(head, ",") {
	case headerUS:
		d.Format, d.Series.Step, parse = US, 5*time.Minute, parseUS
	case headerIL:
		d.Format, d.Series.Step, parse = IL, 6*time.Minute, parseIL
	default:
		return Data{}, fmt.Errorf("%w: header %q: want %q or %q", ErrFormat, strings.Join(head, ","), headerUS, headerIL)
	}
	var rows []row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Data{}, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		rw, err := parse(rec)
		if err != nil {
			return Data{}, fmt.Errorf("%w: line %d: %v", ErrFormat, line, err)
		}
		if rw.t.UnixNano()%int64(d.Series.Step) != 0 {
			return Data{}, fmt.Errorf("%w: line %d: %s is not on a %v boundary", ErrFormat, line, rw.t.Format(time.DateTime), d.Series.Step)
		}
		rows = append(rows, rw)
	}
	if len(rows) == 0 {
		return Data{}, fmt.Errorf("%w: no rows", ErrFormat)
	}
	first, last := rows[0].t, rows[0].t
	for _, rw := range rows {
		first, last = forecast.Earlier(first, rw.t), forecast.Later(last, rw.t)
	}
	start := first.Truncate(24 * time.Hour)
	end := last.Truncate(24 * time.Hour).Add(24 * time.Hour)
	if end.Sub(start) > MaxDays*24*time.Hour {
		return Data{}, fmt.Errorf("%w: the rows span %s..%s, more than %d days", ErrFormat, first.Format(time.DateOnly), last.Format(time.DateOnly), MaxDays)
	}
	d.Series.Start = start
	d.Series.Values = make([]float64, int(end.Sub(start)/d.Series.Step))
	for i := range d.Series.Values {
		d.Series.Values[i] = math.NaN()
	}
	for _, rw := range rows {
		i := d.Series.Index(rw.t)
		if !math.IsNaN(d.Series.Values[i]) {
			return Data{}, fmt.Errorf("%w: two rows for %s", ErrFormat, rw.t.Format(time.DateTime))
		}
		d.Series.Values[i] = rw.calls
	}
	return d, nil
}

func parseCalls(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e9 {
		return 0, fmt.Errorf("calls %q: want a count ≥ 0", s)
	}
	return v, nil
}

func parseUS(rec []string) (row, error) {
	if len(rec) != 4 {
		return row{}, fmt.Errorf("%d fields, want 4", len(rec))
	}
	t, err := time.Parse("2006-01-02T15:04:05", rec[0])
	if err != nil {
		return row{}, fmt.Errorf("datetime_local %q: %v", rec[0], err)
	}
	if rec[1] != t.Format(time.DateOnly) || rec[2] != t.Format("15:04") {
		return row{}, fmt.Errorf("date %q and interval_start %q disagree with datetime_local %q", rec[1], rec[2], rec[0])
	}
	calls, err := parseCalls(rec[3])
	return row{t, calls}, err
}

func parseIL(rec []string) (row, error) {
	if len(rec) != 5 {
		return row{}, fmt.Errorf("%d fields, want 5", len(rec))
	}
	day, err := time.Parse(time.DateOnly, rec[0])
	if err != nil {
		return row{}, fmt.Errorf("date %q: %v", rec[0], err)
	}
	idx, err := strconv.Atoi(rec[1])
	if err != nil || idx < 1 || idx > 240 {
		return row{}, fmt.Errorf("interval_index %q: want 1..240", rec[1])
	}
	t := day.Add(time.Duration(idx-1) * 6 * time.Minute)
	if rec[2] != t.Format("15:04") {
		return row{}, fmt.Errorf("interval_start %q: interval %d starts at %s", rec[2], idx, t.Format("15:04"))
	}
	if rec[3] != day.Weekday().String() {
		return row{}, fmt.Errorf("weekday %q: %s is a %s", rec[3], rec[0], day.Weekday())
	}
	calls, err := parseCalls(rec[4])
	return row{t, calls}, err
}
