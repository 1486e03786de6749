package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock is the time source of schedules and of the stream record-age check. Tests pass a fake one
// to fire a rate(1 minute) schedule without waiting a minute.
type Clock interface {
	Now() time.Time
	// After is like time.After.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// schedule gives the next firing time strictly after t (zero: never again).
type schedule interface {
	next(t time.Time) time.Time
}

// parseSchedule reads an EventBridge schedule expression: rate(N unit) or cron(6 fields).
func parseSchedule(expr string) (schedule, error) {
	expr = strings.TrimSpace(expr)
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		return parseRate(expr[5 : len(expr)-1])
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		return parseCron(expr[5 : len(expr)-1])
	case strings.HasPrefix(expr, "at(") && strings.HasSuffix(expr, ")"):
		t, err := time.Parse("2006-01-02T15:04:05", expr[3:len(expr)-1])
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", expr, err)
		}
		return atSchedule(t), nil
	}
	return nil, fmt.Errorf("schedule %q must be rate(...) or cron(...)", expr)
}

// rateSchedule fires every `every`, counted from when devstack started it (as EventBridge counts
// from the rule's creation).
type rateSchedule struct {
	every time.Duration
	start time.Time
}

func (r *rateSchedule) next(t time.Time) time.Time {
	if t.Before(r.start) {
		return r.start.Add(r.every)
	}
	n := t.Sub(r.start)/r.every + 1
	return r.start.Add(n * r.every)
}

func parseRate(s string) (*rateSchedule, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return nil, fmt.Errorf("rate(%s): want rate(value unit)", s)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("rate(%s): the value must be a positive whole number", s)
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	unit := f[1]
	singular := strings.TrimSuffix(unit, "s")
	d, ok := units[singular]
	if !ok {
		return nil, fmt.Errorf("rate(%s): the unit must be minute(s), hour(s) or day(s)", s)
	}
	if time.Duration(n) > math.MaxInt64/d/2 {
		return nil, fmt.Errorf("rate(%s): the value is too large", s)
	}
	if n == 1 && unit != singular || n != 1 && unit == singular {
		return nil, fmt.Errorf("rate(%s): EventBridge wants %q for 1 and the plural otherwise", s, singular)
	}
	return &rateSchedule{every: time.Duration(n) * d}, nil
}

type atSchedule time.Time

func (a atSchedule) next(t time.Time) time.Time {
	if t.Before(time.Time(a)) {
		return time.Time(a)
	}
	return time.Time{}
}

// cronSchedule is EventBridge's cron: minutes hours day-of-month month day-of-week year, where one
// of the two day fields is "?".
type cronSchedule struct {
	minutes, hours, months, years field
	dom, dow                      dayRule
	loc                           *time.Location
}

type field struct {
	min  int
	bits []bool
}

func (f field) has(v int) bool { i := v - f.min; return i >= 0 && i < len(f.bits) && f.bits[i] }

type dayRule func(t time.Time) bool

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func parseField(s string, lo, hi int, names map[string]int) (field, error) {
	f := field{min: lo, bits: make([]bool, hi-lo+1)}
	val := func(x string) (int, error) {
		if n, ok := names[strings.ToUpper(x)]; ok {
			return n, nil
		}
		n, err := strconv.Atoi(x)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%q is not in %d-%d", x, lo, hi)
		}
		return n, nil
	}
	for _, part := range strings.Split(s, ",") {
		rng, stepS, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			var err error
			if step, err = strconv.Atoi(stepS); err != nil || step <= 0 {
				return f, fmt.Errorf("bad step in %q", part)
			}
			step = min(step, hi-lo+1) // a larger step picks the start only, and cannot overflow
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var err error
			if a, err = val(x); err != nil {
				return f, err
			}
			if b, err = val(y); err != nil {
				return f, err
			}
		default:
			v, err := val(rng)
			if err != nil {
				return f, err
			}
			a, b = v, v
			if hasStep {
				b = hi
			}
		}
		if a <= b {
			for v := a; v <= b; v += step {
				f.bits[v-lo] = true
			}
		} else { // a wrapping range such as FRI-MON
			for i, v := 0, a; ; i++ {
				if i%step == 0 {
					f.bits[v-lo] = true
				}
				if v == b {
					break
				}
				if v++; v > hi {
					v = lo
				}
			}
		}
	}
	return f, nil
}

func lastDay(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
}

func weekend(wd time.Weekday) bool { return wd == time.Saturday || wd == time.Sunday }

// nearestWeekday is the weekday closest to day d of t's month, without leaving the month.
func nearestWeekday(t time.Time, d int) int {
	last := lastDay(t)
	if d > last {
		d = last
	}
	wd := time.Date(t.Year(), t.Month(), d, 0, 0, 0, 0, t.Location()).Weekday()
	switch {
	case wd == time.Saturday && d == 1:
		return 3
	case wd == time.Saturday:
		return d - 1
	case wd == time.Sunday && d == last:
		return d - 2
	case wd == time.Sunday:
		return d + 1
	}
	return d
}

func parseDOM(s string) (dayRule, error) {
	switch {
	case s == "L":
		return func(t time.Time) bool { return t.Day() == lastDay(t) }, nil
	case s == "LW":
		return func(t time.Time) bool {
			d := lastDay(t)
			for weekend(time.Date(t.Year(), t.Month(), d, 0, 0, 0, 0, t.Location()).Weekday()) {
				d--
			}
			return t.Day() == d
		}, nil
	case strings.HasSuffix(s, "W"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "W"))
		if err != nil || n < 1 || n > 31 {
			return nil, fmt.Errorf("bad day-of-month %q", s)
		}
		return func(t time.Time) bool { return t.Day() == nearestWeekday(t, n) }, nil
	}
	f, err := parseField(s, 1, 31, nil)
	if err != nil {
		return nil, err
	}
	return func(t time.Time) bool { return f.has(t.Day()) }, nil
}

func parseDOW(s string) (dayRule, error) {
	dow := func(t time.Time) int { return int(t.Weekday()) + 1 }
	if s == "L" {
		s = "7"
	}
	if d, n, ok := strings.Cut(s, "#"); ok {
		wd, err := parseField(d, 1, 7, dayNames)
		k, err2 := strconv.Atoi(n)
		if err != nil || err2 != nil || k < 1 || k > 5 {
			return nil, fmt.Errorf("bad day-of-week %q", s)
		}
		return func(t time.Time) bool { return wd.has(dow(t)) && (t.Day()-1)/7+1 == k }, nil
	}
	if d, ok := strings.CutSuffix(s, "L"); ok {
		wd, err := parseField(d, 1, 7, dayNames)
		if err != nil {
			return nil, fmt.Errorf("bad day-of-week %q", s)
		}
		return func(t time.Time) bool { return wd.has(dow(t)) && t.Day()+7 > lastDay(t) }, nil
	}
	f, err := parseField(s, 1, 7, dayNames)
	if err != nil {
		return nil, err
	}
	return func(t time.Time) bool { return f.has(dow(t)) }, nil
}

func parseCron(s string) (*cronSchedule, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron(%s): want 6 fields (minutes hours day-of-month month day-of-week year)", s)
	}
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("cron(%s): exactly one of day-of-month and day-of-week must be ?", s)
	}
	c := &cronSchedule{loc: time.UTC}
	var err error
	wrap := func(e error) error { return fmt.Errorf("cron(%s): %w", s, e) }
	if c.minutes, err = parseField(f[0], 0, 59, nil); err != nil {
		return nil, wrap(err)
	}
	if c.hours, err = parseField(f[1], 0, 23, nil); err != nil {
		return nil, wrap(err)
	}
	if c.months, err = parseField(f[3], 1, 12, monthNames); err != nil {
		return nil, wrap(err)
	}
	if c.years, err = parseField(f[5], 1970, 2199, nil); err != nil {
		return nil, wrap(err)
	}
	if f[2] != "?" {
		if c.dom, err = parseDOM(f[2]); err != nil {
			return nil, wrap(err)
		}
	} else if c.dow, err = parseDOW(f[4]); err != nil {
		return nil, wrap(err)
	}
	return c, nil
}

func (c *cronSchedule) dayMatch(t time.Time) bool {
	if c.dom != nil {
		return c.dom(t)
	}
	return c.dow(t)
}

func (c *cronSchedule) next(after time.Time) time.Time {
	t := after.In(c.loc).Truncate(time.Minute).Add(time.Minute)
	for i := 0; i < 366*230; i++ {
		y, mo, d := t.Date()
		if y > 2199 {
			break
		}
		if c.years.has(y) && c.months.has(int(mo)) && c.dayMatch(t) {
			for h := t.Hour(); h < 24; h++ {
				if !c.hours.has(h) {
					continue
				}
				m0 := 0
				if h == t.Hour() {
					m0 = t.Minute()
				}
				for m := m0; m < 60; m++ {
					if c.minutes.has(m) {
						return time.Date(y, mo, d, h, m, 0, 0, c.loc)
					}
				}
			}
		}
		t = time.Date(y, mo, d+1, 0, 0, 0, 0, c.loc)
	}
	return time.Time{}
}

// scheduler fires one schedule event's function on time.
type scheduler struct {
	st    *Stack
	spec  *scheduleSpec
	sched schedule
	pool  *pool
}

func (s *scheduler) payload(at time.Time) []byte {
	if s.spec.Input != "" {
		return []byte(s.spec.Input)
	}
	if s.spec.V2 {
		return []byte("{}")
	}
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": newUUID(), "detail-type": "Scheduled Event", "source": "aws.events", "account": AccountID,
		"time": at.UTC().Format(time.RFC3339), "region": Region,
		"resources": []string{fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", Region, AccountID, s.spec.Rule)},
		"detail":    map[string]any{},
	})
	return b
}

func (s *scheduler) run(ctx context.Context, wg *sync.WaitGroup) {
	clock := s.st.clock
	t := clock.Now()
	if r, ok := s.sched.(*rateSchedule); ok {
		r.start = t
	}
	if c, ok := s.sched.(*cronSchedule); ok {
		c.loc = s.spec.Location
	}
	for {
		at := s.sched.next(t)
		if at.IsZero() {
			return
		}
		select {
		case <-clock.After(at.Sub(clock.Now())):
		case <-ctx.Done():
			return
		}
		t = at
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.fire(ctx, at)
		}()
	}
}

// fire invokes asynchronously, like EventBridge: a failed invocation is retried by Lambda's async
// policy (EventInvokeConfig.MaximumRetryAttempts, 1 and 2 minutes apart).
func (s *scheduler) fire(ctx context.Context, at time.Time) {
	payload := s.payload(at)
	fn := s.st.model.functions[s.spec.Function]
	for attempt := 0; ; attempt++ {
		res, err := s.pool.invoke(s.st.hard, payload)
		if err != nil {
			return
		}
		if res.FunctionError == "" {
			return
		}
		if attempt >= fn.AsyncRetries {
			s.st.sink.line("["+fn.LogicalID+"] ", fmt.Sprintf("scheduled event %s failed after %d attempt(s); dropped (no async on-failure destination locally)", s.spec.Event, attempt+1))
			return
		}
		select {
		case <-s.st.clock.After(time.Duration(attempt+1) * time.Minute):
		case <-ctx.Done():
			return
		}
	}
}
