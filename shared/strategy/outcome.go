package strategy

import "math"

// Rated returns o with its ServiceLevel and AbandonRate computed from its counts, as the
// wallboard does: service level = answered in target ÷ (answered + abandoned after the target),
// 100 when neither happened; abandon rate = abandoned ÷ (answered + abandoned), 0 when neither.
// Diverted customers and callbacks count in neither (they did not wait for a person).
func (o Outcome) Rated() Outcome {
	o.ServiceLevel, o.AbandonRate = 100, 0
	if n := o.Answered + o.AbandonedAfterTarget; n > 0 {
		o.ServiceLevel = round1(100 * float64(o.AnsweredInTarget) / float64(n))
	}
	if n := o.Answered + o.Abandoned; n > 0 {
		o.AbandonRate = round1(100 * float64(o.Abandoned) / float64(n))
	}
	return o
}

// Since is what happened between a snapshot of cumulative counters (start) and o, rated: the
// counts' differences (never negative: counters reset at midnight restart from 0, and a
// difference below 0 is taken as the later count alone).
func (o Outcome) Since(start Outcome) Outcome {
	sub := func(now, then int) int {
		if now < then {
			return now
		}
		return now - then
	}
	return Outcome{
		Arrived:              sub(o.Arrived, start.Arrived),
		Answered:             sub(o.Answered, start.Answered),
		AnsweredInTarget:     sub(o.AnsweredInTarget, start.AnsweredInTarget),
		Abandoned:            sub(o.Abandoned, start.Abandoned),
		AbandonedAfterTarget: sub(o.AbandonedAfterTarget, start.AbandonedAfterTarget),
		Diverted:             sub(o.Diverted, start.Diverted),
		Callbacks:            sub(o.Callbacks, start.Callbacks),
	}.Rated()
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
