package steering

// judge.go: Judge. An activation is judged when it is withdrawn and every JudgeEvery while it
// runs, each time over the window since the one before: the observed outcome is the queue's
// wallboard counters now less those at the window's start (Snapshot); the counterfactual is what
// the simulator says the same window would have been without the strategy (Config.Counterfactual,
// sim.Counterfactual: the window's arrivals from the interval counters, the agents and the backlog
// at its start). strategy.Judge measures the effect, Scores.Learn learns it, and the judgement
// is kept in the activation record, with the scores, in one transaction.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// judgeTries bounds the attempts at keeping one judgement whose scores write lost a race.
const judgeTries = 3

// judgeDue judges what res withdrew and the activations in force whose window reached
// JudgeEvery.
func (e *Engine) judgeDue(ctx context.Context, t tenant.ID, res runResult) error {
	if e.cfg.Counterfactual == nil || len(res.seen.snaps) == 0 {
		return nil
	}
	var errs []error
	for _, w := range res.withdrawn {
		if err := e.judge(ctx, t, w.rec, w.ver, res); err != nil {
			errs = append(errs, err)
		}
	}
	for _, a := range res.active {
		var rec ActivationRecord
		ver, err := e.db.Get(ctx, t, activationKey(a.ID), &rec)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("read activation %s: %w", a.ID, err))
			continue
		}
		if rec.WithdrawnAt != nil || rec.Start.At.IsZero() || res.now.Sub(rec.Start.At) < JudgeEvery {
			continue
		}
		rec.Until = a.Until
		if err := e.judge(ctx, t, rec, ver, res); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// judge judges rec (at version ver) over [rec.Start.At, now], learns from it and keeps both.
func (e *Engine) judge(ctx context.Context, t tenant.ID, rec ActivationRecord, ver int64, res runResult) error {
	from, to := rec.Start.At, res.now
	if from.IsZero() || !to.After(from) {
		return nil
	}
	now, ok := res.seen.snaps[rec.Queue]
	if !ok {
		return nil // the queue is gone: nothing to measure
	}
	observed := observedOutcome(rec.Start, now)
	w, err := e.window(ctx, t, rec, from, to)
	if err != nil {
		return err
	}
	cf := e.cfg.Counterfactual(ctx, w)
	j := strategy.Judge(rec.Activation, observed, cf, from, to)
	rec.Judgement = &j
	rec.Judgements++
	rec.Start = now
	for try := 0; ; try++ {
		scores, sv, err := e.scores(ctx, t)
		if err != nil {
			return err
		}
		err = e.db.Tx(ctx,
			store.PutOp(t, activationKey(rec.ID), rec, ver, store.WithTTL(rec.Since.Add(ActivationKeep))),
			store.PutOp(t, scoresKey, scores.Learn(j), sv))
		if err == nil || !errors.Is(err, store.ErrConflict) || try+1 == judgeTries {
			if err != nil {
				return fmt.Errorf("keep the judgement of %s: %w", rec.ID, err)
			}
			return nil
		}
		// A concurrent judgement learnt first: re-read the record too (it may be judged already).
		var cur ActivationRecord
		cv, gerr := e.db.Get(ctx, t, activationKey(rec.ID), &cur)
		if gerr != nil {
			return fmt.Errorf("keep the judgement of %s: %w", rec.ID, gerr)
		}
		if cv != ver {
			return nil
		}
	}
}

// observedOutcome is what happened between two snapshots of a queue's counters. Counters restart
// with the wallboard's day: across midnight the window is measured from the day's start.
func observedOutcome(from, to Snapshot) strategy.Outcome {
	if from.Day != to.Day {
		from = Snapshot{}
	}
	o := strategy.Outcome{
		Arrived:              max(to.Offered-from.Offered, 0),
		Answered:             max(to.Answered-from.Answered, 0),
		AnsweredInTarget:     max(to.AnsweredInTarget-from.AnsweredInTarget, 0),
		Abandoned:            max(to.Abandoned-from.Abandoned, 0),
		AbandonedAfterTarget: max(to.AbandonedAfterTarget-from.AbandonedAfterTarget, 0),
	}
	if n := o.Answered + o.AbandonedAfterTarget; n > 0 {
		o.ServiceLevel = round2(100 * float64(o.AnsweredInTarget) / float64(n))
	}
	if n := o.Answered + o.Abandoned; n > 0 {
		o.AbandonRate = round2(100 * float64(o.Abandoned) / float64(n))
	}
	return o
}

// window is the counterfactual's replay of rec's queue over [from, to): the arrivals counted per
// 5 minutes (every channel), spread over their minutes, with the agents, backlog, handle time and
// patience at the start.
func (e *Engine) window(ctx context.Context, t tenant.ID, rec ActivationRecord, from, to time.Time) (Window, error) {
	w := Window{From: from, To: to, Agents: rec.Start.Agents, StartWaiting: rec.Start.Waiting,
		HandleSeconds: rec.Start.HandleSeconds, PatienceSeconds: rec.Start.PatienceSeconds,
		TargetSeconds: rec.Start.TargetSeconds, Seed: seed(t, rec.ID)}
	minutes := int(to.Sub(from) / time.Minute)
	if minutes < 1 {
		minutes = 1
	}
	w.ArrivalsPerMinute = make([]float64, minutes)
	start := from.Truncate(intervals.Step)
	for _, ch := range channels {
		s, err := e.cfg.Counts.Series(ctx, t, rec.Queue, ch, intervals.Offered, start, to, intervals.Step)
		if err != nil {
			return Window{}, fmt.Errorf("judge %s: arrivals of %s/%s: %w", rec.ID, rec.Queue, ch, err)
		}
		for i, v := range s.Values {
			if v != v || v == 0 { // NaN: not observed
				continue
			}
			slot := s.Time(i)
			per := v / float64(intervals.Step/time.Minute)
			for m := range int(intervals.Step / time.Minute) {
				at := slot.Add(time.Duration(m) * time.Minute)
				if k := int(at.Sub(from) / time.Minute); !at.Before(from) && k < minutes {
					w.ArrivalsPerMinute[k] += per
				}
			}
		}
	}
	return w, nil
}
