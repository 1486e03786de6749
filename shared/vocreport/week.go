package vocreport

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Week is one ISO 8601 week in a time zone: Monday 00:00 to the next Monday 00:00, local time.
type Week struct {
	ID       string         // "2026-W49"
	From, To time.Time      // [From, To), in Location
	Location *time.Location // the tenant's time zone
}

var weekRE = regexp.MustCompile(`^([0-9]{4})-W([0-9]{2})$`)

// ParseWeek reads an ISO week id ("2026-W49") in loc. Years 2000–2099; the week must exist in
// that year (W53 only in years that have one).
func ParseWeek(id string, loc *time.Location) (Week, error) {
	m := weekRE.FindStringSubmatch(id)
	if m == nil {
		return Week{}, fmt.Errorf("week %q: %w: want YYYY-Www, e.g. 2026-W49", id, ErrBadWeek)
	}
	year, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	if year < 2000 || year > 2099 {
		return Week{}, fmt.Errorf("week %q: %w: year must be 2000-2099", id, ErrBadWeek)
	}
	// Week 1 is the week with the year's first Thursday, so 4 January is always in it.
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	from := monday.AddDate(0, 0, 7*(n-1))
	if y, w := from.ISOWeek(); n < 1 || y != year || w != n {
		return Week{}, fmt.Errorf("week %q: %w: %d has no week %d", id, ErrBadWeek, year, n)
	}
	return Week{ID: id, From: from, To: from.AddDate(0, 0, 7), Location: loc}, nil
}

// WeekOf is the ISO week holding t in loc.
func WeekOf(t time.Time, loc *time.Location) Week {
	y, n := t.In(loc).ISOWeek()
	w, _ := ParseWeek(fmt.Sprintf("%04d-W%02d", y, n), loc)
	return w
}

// Previous is the week before w.
func (w Week) Previous() Week { return WeekOf(w.From.AddDate(0, 0, -1), w.Location) }

// Days are the week's seven local dates (2006-01-02), Monday first.
func (w Week) Days() []string {
	out := make([]string, 7)
	for i := range out {
		out[i] = w.From.AddDate(0, 0, i).Format(time.DateOnly)
	}
	return out
}

// DayIndex is the position in Days of the local day holding t, or -1 outside the week.
func (w Week) DayIndex(t time.Time) int {
	if t.Before(w.From) || !t.Before(w.To) {
		return -1
	}
	l := t.In(w.Location)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, w.Location)
	return int(d.Sub(w.From).Round(24*time.Hour) / (24 * time.Hour))
}
