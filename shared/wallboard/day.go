package wallboard

import (
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/tenant"
)

// DayLayout is the form of a day: the tenant's calendar date.
const DayLayout = "2006-01-02"

// IntervalMinutes is the length of an arrivals interval.
const IntervalMinutes = 15

// Location is the time zone of t's day. Tenants have no time zone setting yet (the bot settings
// hold none), so every tenant's day is the UTC day; this is the one place to change when they do.
func Location(tenant.ID) *time.Location { return time.UTC }

// DayOf returns the day at in loc.
func DayOf(at time.Time, loc *time.Location) string { return at.In(loc).Format(DayLayout) }

// dayStart returns the first instant of day in loc.
func dayStart(day string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(DayLayout, day, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w %q: %w", ErrBadDay, day, err)
	}
	return d, nil
}

// PrevDay returns the day before day.
func PrevDay(day string) (string, error) {
	d, err := time.Parse(DayLayout, day)
	if err != nil {
		return "", fmt.Errorf("%w %q: %w", ErrBadDay, day, err)
	}
	return d.AddDate(0, 0, -1).Format(DayLayout), nil
}

// intervals returns the number of arrivals intervals of day in loc: 96 for a 24-hour day, more or
// fewer on the days a zone changes its offset.
func intervals(start time.Time) int {
	end := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, start.Location())
	return int(end.Sub(start) / (IntervalMinutes * time.Minute))
}
