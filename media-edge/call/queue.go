package call

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// queueWait is a call waiting in a queue for a person, with what the dispatch engine offered the
// caller; only the loop goroutine touches it.
type queueWait struct {
	queue string
	// stop ends the wait for an agent (and a pending callback offer).
	stop context.CancelCauseFunc
	// loc is the tenant's time zone the promised time is said in.
	loc *time.Location
	// diverted: the caller heard the self-service offer (call.diverted was emitted).
	diverted bool
	// offerBy is the callback time promised by the offer the caller heard; zero before (or
	// without) an offer: a 1 then is only a key.
	offerBy time.Time
	// announced: the join announcement started (or failed to); promptEnd is when the prompt
	// playing ends, so that a later offer does not cut it.
	announced bool
	promptEnd time.Time
	// requesting: a callback request is in flight; requestedBy is its promise.
	requesting  bool
	requestedBy time.Time
	// done: the callback was taken; the call ends with the confirmation.
	done bool
	// taken is set off the loop as soon as the floor took the callback: a caller who hangs up
	// before the loop hears of it still ends as a callback.
	taken atomic.Bool
}

// steering reads what the dispatch engine has in force for queue; none when it cannot be read (the
// caller waits as without the engine).
func (x *callRun) steering(ctx context.Context, queue string) QueueSteering {
	if x.h.Steering == nil {
		return QueueSteering{}
	}
	ctx, cancel := context.WithTimeout(ctx, floorTimeout)
	defer cancel()
	st, err := x.h.Steering.Queue(ctx, x.info.Tenant, queue)
	if err != nil {
		x.log.Warn("read the dispatch engine's strategies", "queue", queue, "err", err)
		return QueueSteering{}
	}
	return st
}

// offerCallbackLater says the callback offer once the caller has waited o.After (ctx is the wait's:
// an agent answering or the call ending stops it).
func (x *callRun) offerCallbackLater(ctx context.Context, wg *sync.WaitGroup, q *queueWait, o CallbackOffer, lang string, loc *time.Location) {
	x.async(ctx, wg, func(ctx context.Context) func() []Command {
		if !sleep(ctx, o.After) {
			return func() []Command { return nil }
		}
		by := time.Now().Add(cmp.Or(o.Promise, DefaultPromise))
		sctx, cancel := context.WithTimeout(ctx, engineTimeout)
		defer cancel()
		pcm, err := x.h.Prompts.Prompt(sctx, callbackOffer(lang, by, loc), lang)
		return func() []Command {
			if err != nil {
				x.log.Warn("synthesise the callback offer", "err", err)
				return nil
			}
			return x.sayOffer(ctx, wg, q, pcm, by)
		}
	})
}

// A callback offer ready before the join announcement is over looks again after the prompt's end,
// at least offerRecheck and at most offerRecheckMax later.
const (
	offerRecheck    = 200 * time.Millisecond
	offerRecheckMax = time.Second
)

// sayOffer plays the callback offer promising by, once the join announcement is over: the caller
// may press 1 from then on.
func (x *callRun) sayOffer(ctx context.Context, wg *sync.WaitGroup, q *queueWait, pcm []int16, by time.Time) []Command {
	if x.bridge != nil || x.nav.mode != bridged || q.done {
		return nil
	}
	if wait := time.Until(q.promptEnd); !q.announced || wait > 0 {
		x.async(ctx, wg, func(ctx context.Context) func() []Command {
			if !sleep(ctx, min(max(wait, offerRecheck), offerRecheckMax)) {
				return func() []Command { return nil }
			}
			return func() []Command { return x.sayOffer(ctx, wg, q, pcm, by) }
		})
		return nil
	}
	q.offerBy = by
	x.playback = x.sess.Play(&holdSource{prompt: pcm})
	q.promptEnd = time.Now().Add(pcmDuration(pcm))
	x.log.Info("the caller is offered a callback", "queue", q.queue)
	return nil
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// pcmDuration is how long 8 kHz audio plays.
func pcmDuration(pcm []int16) time.Duration { return time.Duration(len(pcm)) * time.Second / 8000 }

// queueDigit takes a key the caller pressed while waiting: 1 after a callback offer asks for the
// callback (off the loop); the contact then stays queued as a callback and the call ends with a
// confirmation. Any other key, or a 1 before the offer, is only a key.
func (x *callRun) queueDigit(ctx context.Context, wg *sync.WaitGroup, key byte) []Command {
	q := x.queued
	if key != '1' || q == nil || q.offerBy.IsZero() || q.requesting || q.done || x.bridge != nil {
		return nil
	}
	q.requesting, q.requestedBy = true, q.offerBy
	by := q.offerBy
	x.async(ctx, wg, func(ctx context.Context) func() []Command {
		ctx, cancel := context.WithTimeout(ctx, floorTimeout)
		defer cancel()
		err := x.h.Floor.RequestCallback(ctx, x.info.Tenant, x.info.ID, x.info.From, by)
		if err == nil {
			q.taken.Store(true)
		}
		return func() []Command {
			q.requesting = false
			switch {
			case errors.Is(err, ErrNotWaiting):
				x.log.Info("no callback: the contact went to an agent meanwhile", "queue", q.queue)
				return nil
			case err != nil:
				x.log.Warn("request the callback", "queue", q.queue, "err", err) // the caller may press 1 again
				return nil
			}
			return x.calledBack(q, by)
		}
	})
	return nil
}

// calledBack: the floor keeps the contact as a callback; the wait for an agent stops and the
// caller hears the confirmation, then the call ends.
func (x *callRun) calledBack(q *queueWait, by time.Time) []Command {
	if q.done {
		return nil
	}
	q.done = true
	q.stop(errCalledBack)
	if by.IsZero() {
		by = q.offerBy
	}
	x.outcome = DispositionCallbackRequested
	x.log.Info("the caller will be called back", "queue", q.queue, "by", by.UTC().Format(time.RFC3339))
	return x.nav.End(x.now, callbackConfirmation(x.nav.Lang(), by, q.loc), "callback")
}

// callbackAfter is when the callback offer comes, for the log: -1 without one.
func callbackAfter(o *CallbackOffer) time.Duration {
	if o == nil {
		return -1
	}
	return o.After
}
