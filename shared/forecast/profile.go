package forecast

import (
	"math"
	"time"
)

// The multiplicative layout the ets and regression models share: a day's volume is its total
// times its weekday's intraday profile (each slot's share of the day).

// profileDays is how many recent days of a weekday make its profile.
const profileDays = 8

// dayShape is each weekday's intraday profile (shares summing to 1 over the slots it has data
// for) and the slots it usually has data for.
type dayShape struct {
	share [7][]float64
}

// shapes computes the profiles: the mean of each slot over the weekday's last profileDays days that
// are at least 90% observed, normalised to shares, and lightly smoothed across neighbouring slots
// ([1 2 1]/4) when the step is under 30 minutes or a slot averages fewer than smoothBelow calls,
// so a share is not one interval's Poisson noise (on busy 30-minute slots smoothing only blurs
// real edges such as the opening ramp); a weekday without such days borrows the all-days profile.
func shapes(x *matrix) dayShape {
	var s dayShape
	if x.slots == 1 {
		for w := range s.share {
			s.share[w] = []float64{1}
		}
		return s
	}
	maxObs := 0
	for _, row := range x.rows {
		maxObs = max(maxObs, observed(row))
	}
	full := func(d int) bool {
		return maxObs > 0 && float64(observed(x.rows[d])) >= 0.9*float64(usualSlots(x, x.weekday(d)))
	}
	var all []int
	for w := range s.share {
		var days []int
		for _, d := range daysOf(x, time.Weekday(w)) {
			if full(d) {
				days = append(days, d)
				if len(days) == profileDays {
					break
				}
			}
		}
		all = append(all, days...)
		s.share[w] = sharesOf(x, days)
	}
	fallback := sharesOf(x, all)
	for w := range s.share {
		if s.share[w] == nil {
			s.share[w] = fallback
		}
		if s.share[w] == nil {
			s.share[w] = make([]float64, x.slots)
		}
	}
	return s
}

// usualSlots is how many slots the weekday's recent days mostly have data for.
func usualSlots(x *matrix, w time.Weekday) int {
	days := daysOf(x, w)
	days = days[:min(len(days), profileDays)]
	if len(days) == 0 {
		return x.slots
	}
	n := 0
	for p := range x.slots {
		k := 0
		for _, d := range days {
			if !math.IsNaN(x.rows[d][p]) {
				k++
			}
		}
		if 2*k >= len(days) {
			n++
		}
	}
	return n
}

func sharesOf(x *matrix, days []int) []float64 {
	if len(days) == 0 {
		return nil
	}
	sum := make([]float64, x.slots)
	cnt := make([]int, x.slots)
	for _, d := range days {
		for p, v := range x.rows[d] {
			if !math.IsNaN(v) {
				sum[p] += v
				cnt[p]++
			}
		}
	}
	mean := make([]float64, x.slots)
	for p := range mean {
		if cnt[p] > 0 {
			mean[p] = sum[p] / float64(cnt[p])
		}
	}
	level, k := 0.0, 0
	for p := range mean {
		if cnt[p] > 0 {
			level += mean[p]
			k++
		}
	}
	if k > 0 {
		level /= float64(k)
	}
	if x.step < 30*time.Minute || level < smoothBelow {
		sm := make([]float64, x.slots)
		for p := range mean {
			l, r := mean[max(p-1, 0)], mean[min(p+1, x.slots-1)]
			if cnt[max(p-1, 0)] == 0 {
				l = mean[p]
			}
			if cnt[min(p+1, x.slots-1)] == 0 {
				r = mean[p]
			}
			if cnt[p] > 0 {
				sm[p] = (l + 2*mean[p] + r) / 4
			}
		}
		mean = sm
	}
	total := 0.0
	for _, v := range mean {
		total += v
	}
	if total <= 0 {
		return nil
	}
	for p := range mean {
		mean[p] /= total
	}
	return mean
}

// smoothBelow: profiles of slots averaging fewer calls than this are smoothed whatever the step.
const smoothBelow = 200

// dailyTotals estimates each training day's total: the sum of its observed slots divided by their
// share of its weekday's profile; NaN for a day with less than half its usual slots observed.
func dailyTotals(x *matrix, s dayShape) []float64 {
	out := make([]float64, len(x.rows))
	for d, row := range x.rows {
		out[d] = math.NaN()
		sum, share, n := 0.0, 0.0, 0
		sh := s.share[x.weekday(d)]
		for p, v := range row {
			if !math.IsNaN(v) {
				sum += v
				share += sh[p]
				n++
			}
		}
		if n == 0 || share < 0.5 {
			continue
		}
		out[d] = sum / share
	}
	return out
}

// spread lays daily totals out over the profiles.
func spread(x *matrix, s dayShape, totals []float64) [][]float64 {
	out := make([][]float64, len(totals))
	for h, tot := range totals {
		sh := s.share[weekdayOf(x.day0+len(x.rows)+h)]
		out[h] = make([]float64, x.slots)
		for p := range out[h] {
			out[h][p] = tot * sh[p]
		}
	}
	return out
}
