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
// A weekday's profile pools the days of every weekday whose raw profile is within poolC times the
// Poisson noise distance of its own, so quiet centres get profiles from more days.
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
	var days [7][]int
	var raw [7][]float64
	var calls [7]float64
	for w := range s.share {
		for _, d := range daysOf(x, time.Weekday(w)) {
			if full(d) {
				days[w] = append(days[w], d)
				if len(days[w]) == profileDays {
					break
				}
			}
		}
		all = append(all, days[w]...)
		raw[w], calls[w] = sharesOf(x, days[w], false)
	}
	for w := range s.share {
		if raw[w] == nil {
			continue
		}
		var like []int
		for v := range raw {
			if v == w || (raw[v] != nil && profileDistance(raw[w], raw[v]) < poolC*profileNoise(raw[w], raw[v], calls[w], calls[v])) {
				like = append(like, days[v]...)
			}
		}
		s.share[w], _ = sharesOf(x, like, true)
	}
	fallback, _ := sharesOf(x, all, true)
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

// profileDistance is the L1 distance between two profiles.
func profileDistance(a, b []float64) float64 {
	d := 0.0
	for p := range a {
		d += math.Abs(a[p] - b[p])
	}
	return d
}

// profileNoise is the L1 distance two profiles of the same true shape would show from Poisson
// noise alone, estimated from n1 and n2 calls: Σ √(2/π)·√(p̄·(1/n1 + 1/n2)).
func profileNoise(a, b []float64, n1, n2 float64) float64 {
	if n1 <= 0 || n2 <= 0 {
		return 0
	}
	d := 0.0
	for p := range a {
		d += math.Sqrt(2 / math.Pi * (a[p] + b[p]) / 2 * (1/n1 + 1/n2))
	}
	return d
}

// sharesOf is the profile of the given days (ratio of sums), smoothed when asked and the counts
// are low (see shapes), and the calls it was made from.
func sharesOf(x *matrix, days []int, smooth bool) ([]float64, float64) {
	if len(days) == 0 {
		return nil, 0
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
	if smooth && (x.step < 30*time.Minute || level < smoothBelow) {
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
	total, calls := 0.0, 0.0
	for p, v := range mean {
		total += v
		calls += sum[p]
	}
	if total <= 0 {
		return nil, 0
	}
	for p := range mean {
		mean[p] /= total
	}
	return mean, calls
}

// smoothBelow: profiles of slots averaging fewer calls than this are smoothed whatever the step.
const smoothBelow = 200

// poolC: weekdays whose profiles differ by less than poolC times what Poisson noise alone would
// explain share their days (Sunday to Thursday at a quiet centre; each weekday alone at a busy one
// whose weekdays really differ).
const poolC = 2.5

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
