package call

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/media-edge/sip"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Floor is human routing as a call sees it: the contact the bot's handoff made of the call
// (queued, then offered to an agent by dispatch) and the agents' softphones. The edge adapts
// shared/floor to it; the contact of a call is the call's conversation
// (conversation.VoiceConversationID of the call id).
type Floor interface {
	// Contact reads the contact of call callID; ErrNoContact while dispatch has not queued it.
	Contact(ctx context.Context, t tenant.ID, callID string) (VoiceContact, error)
	// Softphone is the SIP account of agent agentID ("" when the agent has none).
	Softphone(ctx context.Context, t tenant.ID, agentID string) (string, error)
	// Accept takes the offer as the agent who answered; ErrOfferGone when it timed out or went
	// to someone else meanwhile.
	Accept(ctx context.Context, t tenant.ID, callID, offerID, agentID string) error
	// Decline gives the offer back: the agent did not answer (dispatch offers the next one).
	Decline(ctx context.Context, t tenant.ID, callID, offerID, agentID string) error
	// Leave: the caller is gone (queued → abandoned, assigned → wrap-up); how says whether the
	// caller had been offered self-service (then an abandon is recorded as diverted). A contact
	// whose caller asked for a callback stays queued.
	Leave(ctx context.Context, t tenant.ID, callID string, how Left) error
	// RequestCallback keeps the call's queued contact waiting as a callback to number, promised by
	// by; ErrNotWaiting when it is no longer queued (offered to an agent meanwhile): nothing
	// changed.
	RequestCallback(ctx context.Context, t tenant.ID, callID, number string, by time.Time) error
}

// Left is how a caller left the queue.
type Left string

// Ways of leaving.
const (
	// LeftHungUp: the caller hung up (or the call ended otherwise).
	LeftHungUp Left = "customer_left"
	// LeftDiverted: the caller hung up after hearing the self-service offer.
	LeftDiverted Left = "diverted"
)

// Routing states of a voice contact (shared/floor's).
const (
	ContactQueued    = "queued"
	ContactOffered   = "offered"
	ContactAssigned  = "assigned"
	ContactWrapup    = "wrapup"
	ContactClosed    = "closed"
	ContactAbandoned = "abandoned"
)

// VoiceContact is a call's contact as the edge watches it.
type VoiceContact struct {
	State string
	Queue string
	// Offer is the offer standing now (state offered), nil otherwise.
	Offer *VoiceOffer
	// AgentID is the agent the contact is assigned to (state assigned and after).
	AgentID string
	// Callback: the caller asked to be called back; an offer of it is the agent's to call back,
	// not a call to ring through.
	Callback bool
}

// VoiceOffer is an offer of the contact to one agent.
type VoiceOffer struct {
	ID, AgentID string
	ExpiresAt   time.Time
}

var (
	// ErrNoContact: the call has no contact (yet).
	ErrNoContact = errors.New("call: no contact for the call")
	// ErrOfferGone: the offer timed out or went to someone else.
	ErrOfferGone = errors.New("call: offer gone")
	// errNotQueued: the handoff never became a queued contact in time.
	errNotQueued = errors.New("call: the handoff was not queued")
	// errGaveUp: routing gave the contact up (maximum wait: abandoned) before an agent answered.
	errGaveUp = errors.New("call: routing gave the contact up")
	// ErrNotWaiting: the contact is no longer queued (a callback cannot be taken).
	ErrNotWaiting = errors.New("call: the contact no longer waits in its queue")
	// errCalledBack: the caller took a callback; the wait for an agent on the line is over.
	errCalledBack = errors.New("call: the caller will be called back")
)

// Timings of the wait for an agent.
const (
	// DefaultFloorPoll is how often a waiting call reads its contact.
	DefaultFloorPoll = 250 * time.Millisecond
	// DefaultQueueGrace bounds the wait for dispatch to queue the contact after the handoff.
	DefaultQueueGrace = time.Minute
	// floorTimeout bounds one read or write of the floor.
	floorTimeout = 5 * time.Second
)

// answered is the agent's leg of a waiting call, once the agent picked up and took the offer.
type answered struct {
	leg            *sip.Leg
	agentID, phone string
	// ring is how long the agent's softphone rang.
	ring time.Duration
	// release ends the leg's context (the call's end does too); call it once the leg is done.
	release context.CancelCauseFunc
}

// agentWait is one queued call waiting for an agent: it watches the contact, rings the softphone
// of each agent it is offered to, and takes the offer for the agent who answers. It runs off the
// call's loop and only reports its result.
type agentWait struct {
	floor  Floor
	t      tenant.ID
	callID string
	// dial rings a target ("account:NAME"); ctx bounds the ringing and, once answered, the leg.
	dial   func(ctx context.Context, target string) (*sip.Leg, error)
	hangup func(leg *sip.Leg, cause string)
	poll   time.Duration
	grace  time.Duration
	log    *slog.Logger
}

var (
	errOfferExpired = errors.New("offer expired while ringing")
	errOfferMoved   = errors.New("offer withdrawn while ringing")
)

// run waits until an agent answers (the result), routing gives up, or ctx ends (the caller hung
// up).
func (w *agentWait) run(ctx context.Context) (answered, error) {
	tick := time.NewTicker(w.poll)
	defer tick.Stop()
	started := time.Now()
	tried := map[string]bool{}
	for {
		c, err := w.read(ctx)
		switch {
		case errors.Is(err, ErrNoContact):
			if time.Since(started) > w.grace {
				return answered{}, errNotQueued
			}
		case err != nil:
			if ctx.Err() != nil {
				return answered{}, context.Cause(ctx)
			}
			w.log.Warn("read the call's contact", "err", err) // the next poll tries again
		case c.Callback:
			return answered{}, errCalledBack
		case c.State == ContactAbandoned || c.State == ContactClosed || c.State == ContactWrapup:
			return answered{}, fmt.Errorf("%w: contact %s", errGaveUp, c.State)
		case c.State == ContactOffered && c.Offer != nil && !tried[c.Offer.ID]:
			tried[c.Offer.ID] = true
			if a, ok := w.ring(ctx, *c.Offer); ok {
				return a, nil
			}
		case c.State == ContactAssigned && c.AgentID != "":
			// The agent accepted on the desktop before the softphone rang: it is their call.
			return w.ringAssigned(ctx, c.AgentID)
		}
		select {
		case <-ctx.Done():
			return answered{}, context.Cause(ctx)
		case <-tick.C:
		}
	}
}

func (w *agentWait) read(ctx context.Context) (VoiceContact, error) {
	ctx, cancel := context.WithTimeout(ctx, floorTimeout)
	defer cancel()
	return w.floor.Contact(ctx, w.t, w.callID)
}

// ring rings the softphone of the agent offered the contact until the offer expires or is
// withdrawn, and takes the offer when the agent answers; an agent who does not answer (or has
// no softphone) declines, so that the next one is offered.
func (w *agentWait) ring(ctx context.Context, o VoiceOffer) (answered, bool) {
	log := w.log.With("offer", o.ID, "agent", o.AgentID)
	phone, err := w.softphone(ctx, o.AgentID)
	if err != nil || phone == "" {
		log.Warn("the offered agent has no softphone", "err", err)
		w.decline(ctx, o, log)
		return answered{}, false
	}
	rctx, release := context.WithCancelCause(ctx)
	expiry := time.AfterFunc(time.Until(o.ExpiresAt), func() { release(errOfferExpired) })
	stopWatch, watched := make(chan struct{}), make(chan struct{})
	go func() { // the offer declined on the desktop, or moved by a supervisor, stops the ringing
		defer close(watched)
		tick := time.NewTicker(w.poll)
		defer tick.Stop()
		for {
			select {
			case <-stopWatch:
				return
			case <-rctx.Done():
				return
			case <-tick.C:
			}
			c, err := w.read(rctx)
			if err == nil && !offerStands(c, o) {
				release(errOfferMoved)
				return
			}
		}
	}()
	at := time.Now()
	leg, err := w.dial(rctx, "account:"+phone)
	ring := time.Since(at)
	expiry.Stop()
	close(stopWatch)
	<-watched
	if err == nil && rctx.Err() != nil { // answered just as the offer went: not this agent's call
		w.hangup(leg, "offer_gone")
		err = context.Cause(rctx)
	}
	if err != nil {
		release(err)
		if ctx.Err() == nil {
			log.Info("the agent did not take the call", "err", err)
			w.decline(ctx, o, log)
		}
		return answered{}, false
	}
	actx, cancel := context.WithTimeout(ctx, floorTimeout)
	err = w.floor.Accept(actx, w.t, w.callID, o.ID, o.AgentID)
	if err != nil {
		// The agent may have accepted on the desktop while the phone rang: the contact is theirs.
		if c, rerr := w.floor.Contact(actx, w.t, w.callID); rerr == nil && c.State == ContactAssigned && c.AgentID == o.AgentID {
			err = nil
		}
	}
	cancel()
	if err != nil {
		log.Warn("the agent answered but the offer was gone", "err", err)
		w.hangup(leg, "offer_gone")
		release(err)
		return answered{}, false
	}
	return answered{leg: leg, agentID: o.AgentID, phone: phone, ring: ring, release: release}, true
}

// ringAssigned rings the softphone of the agent the contact is already assigned to; an agent who
// does not answer leaves the caller with the apology (the contact stays theirs to wrap up).
func (w *agentWait) ringAssigned(ctx context.Context, agentID string) (answered, error) {
	phone, err := w.softphone(ctx, agentID)
	if err != nil || phone == "" {
		return answered{}, fmt.Errorf("%w: the assigned agent %s has no softphone (%v)", errGaveUp, agentID, err)
	}
	rctx, release := context.WithCancelCause(ctx)
	at := time.Now()
	leg, err := w.dial(rctx, "account:"+phone)
	if err != nil {
		release(err)
		return answered{}, fmt.Errorf("%w: the assigned agent did not answer: %w", errGaveUp, err)
	}
	return answered{leg: leg, agentID: agentID, phone: phone, ring: time.Since(at), release: release}, nil
}

// offerStands: the contact is still offered to the agent with this offer (or the agent took it
// on the desktop meanwhile).
func offerStands(c VoiceContact, o VoiceOffer) bool {
	switch c.State {
	case ContactOffered:
		return c.Offer != nil && c.Offer.ID == o.ID
	case ContactAssigned:
		return c.AgentID == o.AgentID
	}
	return false
}

func (w *agentWait) softphone(ctx context.Context, agentID string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, floorTimeout)
	defer cancel()
	return w.floor.Softphone(ctx, w.t, agentID)
}

func (w *agentWait) decline(ctx context.Context, o VoiceOffer, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, floorTimeout)
	defer cancel()
	if err := w.floor.Decline(ctx, w.t, w.callID, o.ID, o.AgentID); err != nil && !errors.Is(err, ErrOfferGone) {
		log.Warn("decline the offer", "err", err)
	}
}

// holdPrompts are said once when a call joins the queue; a comfort tone follows.
var holdPrompts = map[string]string{
	"zh": "请稍候，正在为您转接人工客服。",
	"en": "Please hold while we connect you to an agent.",
}

// holdSource plays the hold prompt, then a soft tone: 400 ms of 425 Hz every 5 s, so that the
// caller hears the line is alive.
type holdSource struct {
	prompt []int16
	off    int
	// tick counts frames after the prompt.
	tick int
}

const (
	holdPeriod    = 250 // frames: 5 s
	holdToneTicks = 20  // 400 ms
	holdToneHz    = 425
	holdToneLevel = 1500 // about −27 dBFS
)

var _ media.Source = (*holdSource)(nil)

func (h *holdSource) Next(buf *[media.FrameSamples]int16) bool {
	if h.off < len(h.prompt) {
		n := copy(buf[:], h.prompt[h.off:])
		clear(buf[n:])
		h.off += n
		return true
	}
	k := h.tick % holdPeriod
	h.tick++
	if k >= holdToneTicks {
		clear(buf[:])
		return true
	}
	for i := range buf {
		s := k*media.FrameSamples + i
		buf[i] = int16(holdToneLevel * math.Sin(2*math.Pi*holdToneHz*float64(s)/8000))
	}
	return true
}

// joinQueue: the queue has no transfer target, so the call waits for a person. The caller hears
// the hold prompt — with what the dispatch engine has in force for the queue: the expected wait
// first, self-service, a callback offer — and the comfort tone while the wait runs off the loop;
// when an agent answers, the caller is bridged to them (as a transfer to a target is).
func (x *callRun) joinQueue(ctx context.Context, wg *sync.WaitGroup, queue string) []Command {
	joinedAt := time.Now()
	lang := x.nav.Lang()
	wctx, stop := context.WithCancelCause(ctx)
	q := &queueWait{queue: queue, stop: stop}
	x.queued = q
	x.async(ctx, wg, func(ctx context.Context) func() []Command {
		st := x.steering(ctx, queue)
		divert := st.Divert != nil && reachable(x.info.From) && Diverts(x.info.ID, st.Divert.Share)
		callback := st.Callback != nil && reachable(x.info.From)
		var offerBy time.Time
		if callback && st.Callback.After <= 0 {
			offerBy = time.Now().Add(cmp.Or(st.Callback.Promise, DefaultPromise))
		}
		sctx, cancel := context.WithTimeout(ctx, engineTimeout)
		defer cancel()
		pcm, err := x.h.Prompts.Prompt(sctx, joinAnnouncement(lang, st, divert, offerBy), lang)
		return func() []Command {
			if x.bridge != nil || x.nav.mode != bridged || q.done {
				return nil // an agent already answered, or the wait failed
			}
			q.loc, q.announced = st.Location, true
			if err != nil {
				x.log.Warn("synthesise the hold prompt", "err", err) // the tone alone then: nothing was offered
			} else {
				if divert {
					q.diverted = true
					x.h.Facts.Diverted(ctx, x.info, DivertFact{Queue: queue, ActivationID: st.Divert.ActivationID, Link: st.Divert.Link})
				}
				q.offerBy = offerBy
			}
			x.playback = x.sess.Play(&holdSource{prompt: pcm})
			q.promptEnd = time.Now().Add(pcmDuration(pcm))
			x.log.Info("the caller waits in the queue", "queue", queue, "expected_wait", st.ExpectedWait, "diverted", q.diverted,
				"callback_offered", !q.offerBy.IsZero(), "callback_after", callbackAfter(st.Callback))
			if callback && st.Callback.After > 0 {
				x.offerCallbackLater(wctx, wg, q, *st.Callback, lang, st.Location)
			}
			return nil
		}
	})
	w := &agentWait{
		floor: x.h.Floor, t: x.info.Tenant, callID: x.info.ID,
		dial: func(ctx context.Context, target string) (*sip.Leg, error) {
			return x.h.Dialer.Dial(ctx, x.info.Tenant, target, x.info.From)
		},
		hangup: func(leg *sip.Leg, cause string) { leg.Hangup(cause) },
		poll:   cmp.Or(x.h.FloorPoll, DefaultFloorPoll),
		grace:  cmp.Or(x.h.QueueGrace, DefaultQueueGrace),
		log:    x.log.With("queue", queue),
	}
	x.async(wctx, wg, func(ctx context.Context) func() []Command {
		a, err := w.run(ctx)
		return func() []Command {
			switch {
			case q.done:
				if err == nil {
					a.leg.Hangup("offer_gone")
					a.release(errCalledBack)
				}
				return nil
			case errors.Is(err, errCalledBack): // the floor has the callback before its reply came
				return x.calledBack(q, q.requestedBy)
			case err != nil:
				x.log.Error("no agent took the call", "queue", queue, "waited", time.Since(joinedAt), "err", err)
				x.cause = "transfer_failed"
				return x.nav.Fail(x.now)
			}
			x.release = a.release
			if err := x.bridgeTo(ctx, wg, a.leg); err != nil {
				x.log.Error("bridge", "err", err)
				a.leg.Hangup("media_failed")
				x.cause = "transfer_failed"
				return x.nav.Fail(x.now)
			}
			x.outcome, x.bridgedAt = DispositionTransferred, time.Now()
			x.log.Info("an agent took the call", "queue", queue, "agent", a.agentID, "waited", x.bridgedAt.Sub(joinedAt))
			x.h.Facts.Transferred(ctx, x.info, TransferFact{Queue: queue, Target: "account:" + a.phone, Ring: a.ring})
			return nil
		}
	})
	return nil
}

// leaveWait bounds how long an ended call waits for its contact to appear so that it can leave
// it (dispatch may queue the handoff just after the caller hung up).
const leaveWait = 5 * time.Second

// leave tells routing the caller is gone: a contact still queued or offered is abandoned (as
// diverted when how says so), one assigned goes to wrap-up; a contact already closed, or a
// callback, stays as it is.
func (x *callRun) leave(ctx context.Context, how Left, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaveWait+floorTimeout)
	defer cancel()
	poll := cmp.Or(x.h.FloorPoll, DefaultFloorPoll)
	deadline := time.Now().Add(leaveWait)
	for {
		err := x.h.Floor.Leave(ctx, x.info.Tenant, x.info.ID, how)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrNoContact) || time.Now().After(deadline) {
			log.Info("leave the call's contact", "err", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}
