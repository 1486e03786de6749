package steering

// judge.go: Judge. An activation is judged when it is withdrawn and every JudgeEvery while it
// runs, each time over the window since the one before: the observed outcome is the queue's
// wallboard counters now less those at the window's start (Snapshot); the counterfactual is what
// the simulator says the same window would have been without the strategy (Config.Counterfactual,
// sim.Counterfactual: the window's arrivals from the interval counters, the agents and the backlog
// at its start). strategy.JudgeTogether measures the effect of the activations of one queue that
// share a window (one counterfactual without any of them, the effect shared), Scores.Learn learns
// it, and the judgements are kept in the activation records, with the scores, in one transaction.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/sim"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// judgeTries bounds the attempts at keeping judgements whose scores write lost a race.
const judgeTries = 3

// judgeDue judges what res withdrew and the activations in force whose window reached
// JudgeEvery, the engine's own only (never one an override forced on). Activations of one queue whose windows start together (activated by one decision,
// or judged last together) are judged together against one counterfactual without any of them
// (strategy.JudgeTogether): the effect seen is shared, not counted once per strategy.
func (e *Engine) judgeDue(ctx context.Context, t tenant.ID, res runResult) error {
	if len(res.seen.snaps) == 0 {
		return nil
	}
	var (
		errs   []error
		groups = map[string][]versioned{}
		order  []string
	)
	add := func(v versioned) {
		// An override's window is the supervisor's choice: it teaches the scores nothing about
		// when the engine should choose the strategy (docs/dispatch-engine.md).
		if v.rec.Source == strategy.ByOverride || v.rec.Start.At.IsZero() || !res.now.After(v.rec.Start.At) {
			return
		}
		k := v.rec.Queue + "|" + v.rec.Start.At.UTC().Format(time.RFC3339Nano)
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], v)
	}
	for _, w := range res.withdrawn {
		add(w)
	}
	for _, a := range res.active {
		// Not due, or an override's: no need to read its record (Start.At is never before Since).
		if a.Source == strategy.ByOverride || res.now.Sub(a.Since) < JudgeEvery {
			continue
		}
		var rec ActivationRecord
		ver, err := e.db.Get(ctx, t, activationKey(a.ID), &rec)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("read activation %s: %w", a.ID, err))
			continue
		}
		if rec.WithdrawnAt != nil || res.now.Sub(rec.Start.At) < JudgeEvery {
			continue
		}
		rec.Until = a.Until
		add(versioned{rec: rec, ver: ver})
	}
	for _, k := range order {
		if err := e.judge(ctx, t, groups[k], res); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// judge judges activations of one queue sharing a window start over [start, now], learns from
// them and keeps the judgements and the scores in one transaction.
func (e *Engine) judge(ctx context.Context, t tenant.ID, group []versioned, res runResult) error {
	first := group[0].rec
	from, to := first.Start.At, res.now
	now, ok := res.seen.snaps[first.Queue]
	if !ok {
		return nil // the queue is gone: nothing to measure
	}
	observed := observedOutcome(first.Start, now)
	w, err := e.window(ctx, t, first, from, to)
	if err != nil {
		return err
	}
	cf := e.cfg.Counterfactual(ctx, w)
	acts := make([]strategy.Activation, len(group))
	for i, v := range group {
		acts[i] = v.rec.Activation
	}
	js := strategy.JudgeTogether(acts, observed, cf, from, to)
	if len(js) != len(group) {
		return fmt.Errorf("judge %s: %d judgements for %d activations", first.ID, len(js), len(group))
	}
	for try := 0; ; try++ {
		scores, sv, err := e.scores(ctx, t)
		if err != nil {
			return err
		}
		ops := make([]store.Op, 0, len(group)+1)
		for i, v := range group {
			rec := v.rec
			rec.Judgement = &js[i]
			rec.Judgements++
			rec.Start = now
			ops = append(ops, store.PutOp(t, activationKey(rec.ID), rec, v.ver, store.WithTTL(rec.Since.Add(ActivationKeep))))
			scores = scores.Learn(js[i])
		}
		ops = append(ops, store.PutOp(t, scoresKey, scores, sv))
		err = e.db.Tx(ctx, ops...)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrConflict) || try+1 == judgeTries {
			return fmt.Errorf("keep the judgements of %s: %w", first.ID, err)
		}
		// A concurrent run learnt first: if it judged these records too, leave it at that.
		var cur ActivationRecord
		cv, gerr := e.db.Get(ctx, t, activationKey(first.ID), &cur)
		if gerr != nil {
			return fmt.Errorf("keep the judgements of %s: %w", first.ID, gerr)
		}
		if cv != group[0].ver {
			return nil
		}
	}
}

// observedOutcome is what happened between two snapshots of a queue's counters
// (strategy.Outcome.Since: the wallboard's rates). Counters restart with the wallboard's day:
// across midnight the window is measured from the day's start.
func observedOutcome(from, to Snapshot) strategy.Outcome {
	if from.Day != to.Day {
		from = Snapshot{}
	}
	return to.outcome().Since(from.outcome())
}

// outcome is the snapshot's counters as cumulative outcome counts.
func (s Snapshot) outcome() strategy.Outcome {
	return strategy.Outcome{Arrived: s.Offered, Answered: s.Answered, AnsweredInTarget: s.AnsweredInTarget,
		Abandoned: s.Abandoned, AbandonedAfterTarget: s.AbandonedAfterTarget, Diverted: s.Diverted}
}

// window is the counterfactual's replay of rec's queue over [from, to): the arrivals counted per
// 5 minutes (every channel), spread over their minutes, with the agents, backlog, handle time and
// patience at the start.
func (e *Engine) window(ctx context.Context, t tenant.ID, rec ActivationRecord, from, to time.Time) (sim.Window, error) {
	w := sim.Window{From: from, To: to, Agents: rec.Start.Agents, StartWaiting: rec.Start.Waiting,
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
			return sim.Window{}, fmt.Errorf("judge %s: arrivals of %s/%s: %w", rec.ID, rec.Queue, ch, err)
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
