package spikes

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
)

// Count is one topic's contacts in the interval starting at Start.
type Count struct {
	Start time.Time
	Topic string
	N     float64
}

// Baseline is what Learn found: per topic, the expected contacts of each weekday × time-of-day
// slot in the zone, and how overdispersed the topic's counts are. It is JSON-serialisable; an
// external expectation set by WithExpected is not part of it.
type Baseline struct {
	Interval time.Duration `json:"interval_ns"`
	Zone     string        `json:"zone"`
	// Floor is the least expectation per interval.
	Floor  float64           `json:"floor"`
	Topics map[string]*Topic `json:"topics"`

	loc      *time.Location
	expected func(topic string, at time.Time) (float64, bool)
}

// Topic is one topic's baseline.
type Topic struct {
	// Slots holds the expected contacts per interval for each weekday (Sunday first) and slot of
	// the day: index weekday × slots per day + slot.
	Slots []float64 `json:"slots"`
	// Alpha is the overdispersion: a count's variance is μ + αμ².
	Alpha float64 `json:"alpha"`
	// Mean is the topic's mean count per interval over its history.
	Mean float64 `json:"mean"`
	// Days is how many days of history the topic had.
	Days float64 `json:"days"`
}

// Limits on alpha: near Poisson at least, and never so wide that nothing could alarm.
const (
	minAlpha = 0.01
	maxAlpha = 2.0
)

// slotsPerDay is how many intervals a day holds.
func slotsPerDay(iv time.Duration) int { return int((24*time.Hour + iv - 1) / iv) }

// slotOf is the weekday × time-of-day slot of t in loc.
func slotOf(t time.Time, loc *time.Location, iv time.Duration) int {
	lt := t.In(loc)
	sec := lt.Hour()*3600 + lt.Minute()*60 + lt.Second()
	return int(lt.Weekday())*slotsPerDay(iv) + int(time.Duration(sec)*time.Second/iv)
}

// Learn makes the baseline from the history's last cfg.Weeks weeks. Per topic and slot, the
// expectation is a trimmed mean of the same slot's counts over the weeks (intervals of the topic's
// span without a row count as 0), shrunk by one week's weight towards a prior: the mean of the
// neighbouring slots of the same weekday, else the topic's same time of day on any day, else its
// mean. So a topic with one week of history leans on its neighbours and one with eight on itself.
// No expectation is below the floor; a topic absent from the history gets the floor.
func Learn(history []Count, cfg Config) *Baseline {
	cfg = cfg.withDefaults()
	iv := cfg.Interval
	b := &Baseline{
		Interval: iv,
		Zone:     cfg.Location.String(),
		Floor:    cfg.Floor * iv.Hours(),
		Topics:   map[string]*Topic{},
		loc:      cfg.Location,
	}
	if len(history) == 0 {
		return b
	}
	end := history[0].Start
	for _, c := range history {
		if c.Start.After(end) {
			end = c.Start
		}
	}
	end = end.Add(iv)
	from := end.Add(-time.Duration(cfg.Weeks) * 7 * 24 * time.Hour)
	type span struct {
		first time.Time
		rows  []Count
	}
	spans := map[string]*span{}
	for _, c := range history {
		if c.Start.Before(from) || !finite(c.N) || c.N < 0 {
			continue
		}
		s := spans[c.Topic]
		if s == nil {
			s = &span{first: c.Start}
			spans[c.Topic] = s
		}
		if c.Start.Before(s.first) {
			s.first = c.Start
		}
		s.rows = append(s.rows, c)
	}
	for name, s := range spans {
		n := int(end.Sub(s.first) / iv)
		if n <= 0 {
			continue
		}
		dense := make([]float64, n)
		for _, c := range s.rows {
			if i := int(c.Start.Sub(s.first) / iv); i >= 0 && i < n {
				dense[i] += c.N
			}
		}
		b.Topics[name] = learnTopic(dense, s.first, b, cfg)
	}
	return b
}

// learnTopic is one topic's baseline from its dense counts starting at first.
func learnTopic(dense []float64, first time.Time, b *Baseline, cfg Config) *Topic {
	iv := cfg.Interval
	spd := slotsPerDay(iv)
	keys := make([]int, len(dense))
	bySlot := make([][]float64, 7*spd)
	byTime := make([][]float64, spd)
	total := 0.0
	for i, x := range dense {
		k := slotOf(first.Add(time.Duration(i)*iv), b.loc, iv)
		keys[i] = k
		bySlot[k] = append(bySlot[k], x)
		byTime[k%spd] = append(byTime[k%spd], x)
		total += x
	}
	mean := total / float64(len(dense))
	slotMean := make([]float64, len(bySlot))
	for k, v := range bySlot {
		slotMean[k] = trimmedMean(v)
	}
	timeMean := make([]float64, spd)
	for s, v := range byTime {
		timeMean[s] = trimmedMean(v)
	}
	tp := &Topic{Slots: make([]float64, len(bySlot)), Mean: mean, Days: float64(len(dense)) * iv.Hours() / 24}
	for k := range bySlot {
		prior := math.NaN()
		var sum, n float64
		day, s := k/spd, k%spd
		for _, ns := range []int{s - 1, s + 1} {
			if ns >= 0 && ns < spd && len(bySlot[day*spd+ns]) > 0 {
				sum += slotMean[day*spd+ns]
				n++
			}
		}
		switch {
		case n > 0:
			prior = sum / n
		case len(byTime[s]) > 0:
			prior = timeMean[s]
		default:
			prior = mean
		}
		w := float64(len(bySlot[k]))
		est := prior
		if w > 0 {
			est = (w*slotMean[k] + prior) / (w + 1)
		}
		tp.Slots[k] = max(est, b.Floor)
	}
	tp.Alpha = overdispersion(dense, first, keys, tp.Slots, b.loc, iv)
	return tp
}

// overdispersion estimates α of the topic's counts. Contact counts mostly swing by a level shared
// by a whole day (a busy Monday is busy all day), so α is the variance of the day's ratio of
// contacts to expected ones, less its Poisson part, measured robustly (the median absolute
// deviation: a holiday in the history must not make every later rise look ordinary). Days
// expecting fewer than minDayExpected contacts say too little and are left out; with fewer than
// three days left, α is the moment estimate over the intervals.
func overdispersion(dense []float64, first time.Time, keys []int, slots []float64, loc *time.Location, iv time.Duration) float64 {
	const minDayExpected = 20
	type day struct{ x, m float64 }
	var days []day
	var cur day
	curDay := ""
	var num, den float64
	for i, x := range dense {
		m := slots[keys[i]]
		num += (x-m)*(x-m) - m
		den += m * m
		d := first.Add(time.Duration(i) * iv).In(loc).Format(time.DateOnly)
		if d != curDay {
			if cur.m >= minDayExpected {
				days = append(days, cur)
			}
			cur, curDay = day{}, d
		}
		cur.x += x
		cur.m += m
	}
	if cur.m >= minDayExpected {
		days = append(days, cur)
	}
	if len(days) < 3 {
		if den <= 0 {
			return minAlpha
		}
		return min(max(num/den, minAlpha), maxAlpha)
	}
	ratios := make([]float64, len(days))
	poisson := make([]float64, len(days))
	for i, d := range days {
		ratios[i] = d.x / d.m
		poisson[i] = 1 / d.m
	}
	med := median(ratios)
	if med <= 0 {
		return maxAlpha
	}
	dev := make([]float64, len(ratios))
	for i, r := range ratios {
		dev[i] = math.Abs(r - med)
	}
	sigma := 1.4826 * median(dev) / med
	return min(max(sigma*sigma-median(poisson), minAlpha), maxAlpha)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// trimmedMean is the mean without the highest and lowest tenth (at least one each when there
// are five or more values); NaN for none.
func trimmedMean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) >= 5 {
		k := max(1, len(s)/10)
		s = s[k : len(s)-k]
	}
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return sum / float64(len(s))
}

// WithExpected returns a copy of the baseline whose expectations come from f where it has one
// (the tenant's forecast for a queue, say), and from the learned slots elsewhere. The floor
// applies to both; the topic's overdispersion stays the learned one.
func (b *Baseline) WithExpected(f func(topic string, at time.Time) (float64, bool)) *Baseline {
	c := *b
	c.expected = f
	return &c
}

// Expected is the topic's expected contacts in the interval that holds at.
func (b *Baseline) Expected(topic string, at time.Time) float64 {
	if b.expected != nil {
		if v, ok := b.expected(topic, at); ok && finite(v) && v >= 0 {
			return max(v, b.Floor)
		}
	}
	tp := b.Topics[topic]
	if tp == nil {
		return b.Floor
	}
	k := slotOf(at, b.location(), b.interval())
	if k < 0 || k >= len(tp.Slots) {
		return b.Floor
	}
	return tp.Slots[k]
}

// alpha is the topic's overdispersion: the learned one, else cfg.Alpha (already defaulted).
func (b *Baseline) alpha(topic string, cfg Config) float64 {
	if tp := b.Topics[topic]; tp != nil {
		return tp.Alpha
	}
	return cfg.Alpha
}

// interval is the baseline's interval (the default for a zero Baseline).
func (b *Baseline) interval() time.Duration {
	if b.Interval <= 0 {
		return DefaultInterval
	}
	return b.Interval
}

func (b *Baseline) location() *time.Location {
	if b.loc == nil {
		return time.UTC
	}
	return b.loc
}

// UnmarshalJSON reads a baseline and checks it: a known zone, an interval that divides a day,
// and every topic's slots for a week.
func (b *Baseline) UnmarshalJSON(p []byte) error {
	type plain Baseline
	var v plain
	if err := json.Unmarshal(p, &v); err != nil {
		return err
	}
	if err := (Config{Interval: v.Interval}).Validate(); err != nil || v.Interval == 0 {
		return fmt.Errorf("baseline: interval %v: want 1m to 24h dividing a day", v.Interval)
	}
	loc, err := time.LoadLocation(v.Zone)
	if err != nil {
		return fmt.Errorf("baseline: zone %q: %w", v.Zone, err)
	}
	if !finite(v.Floor) || v.Floor < 0 {
		return fmt.Errorf("baseline: floor %v", v.Floor)
	}
	want := 7 * slotsPerDay(v.Interval)
	for name, tp := range v.Topics {
		if tp == nil || len(tp.Slots) != want {
			return fmt.Errorf("baseline: topic %q: want %d slots", name, want)
		}
		for _, x := range tp.Slots {
			if !finite(x) || x < 0 {
				return fmt.Errorf("baseline: topic %q: slot %v", name, x)
			}
		}
		if !finite(tp.Alpha) || tp.Alpha < 0 {
			return fmt.Errorf("baseline: topic %q: alpha %v", name, tp.Alpha)
		}
	}
	*b = Baseline(v)
	b.loc = loc
	return nil
}
