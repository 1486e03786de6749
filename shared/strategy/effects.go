package strategy

import (
	"math"
	"sort"
	"time"
)

// The effect models' assumptions (doc.go states them; the learnt scores correct them per tenant
// and context).
const (
	// DefaultDivertible is the share of voice callers assumed able to use self-service when the
	// observation does not say (Observation.Divertible).
	DefaultDivertible = 0.3
	// CallbackAccept is the share of callers offered a callback who accept it.
	CallbackAccept = 0.6
	// PromiseMinutes is the callback promised by default and at least: within an hour; the
	// engine promises CallbackMargin after the gap is projected to close, at most
	// MaxPromiseMinutes.
	PromiseMinutes    = 60
	MaxPromiseMinutes = 240
	CallbackMargin    = 30 * time.Minute
	// CallInShow is the share of on-call staff who come; CallInDelay how long they take.
	CallInShow  = 0.5
	CallInDelay = 30 * time.Minute
	// AnnounceLeave is the share of customers told a wait longer than the target who leave at
	// once (they would mostly have abandoned later).
	AnnounceLeave = 0.05
	// BotFirstMinResolution is the bot's resolution rate an intent needs for BotFirst.
	BotFirstMinResolution = 0.6
	// DivertCapMargin: with the divertible share known, the cap counts the callers expected to
	// take the offer, with this margin for chance.
	DivertCapMargin = 1.1
	// DivertStep rounds a divert share up (5 % steps read well).
	DivertStep = 0.05
	// RenewMinutes is how far a decision extends an activation it keeps.
	RenewMinutes = 15
)

// DefaultParams are the params of strategy k for the queue o under s: what a supervisor's
// override without params uses, and where the engine starts before sizing (Decide sizes Divert's
// share to the gap, MoveAgents' count to the voice gap and AnnounceWait's wait to Erlang A's).
func DefaultParams(k Kind, s Settings, o Observation) Params {
	switch k {
	case Divert:
		return Params{DivertShare: min(1, max(0, finite(s.DivertCapPercent))/100), DivertLink: s.DivertLink}
	case BotFirst:
		return Params{Intents: goodIntents(o)}
	case Callback:
		return Params{CallbackAfterSeconds: callbackAfter(o), PromiseMinutes: PromiseMinutes}
	case AnnounceWait:
		return Params{ExpectedWaitSeconds: roughWait(o)}
	case MoveAgents:
		return Params{Agents: max(0, o.MovableAgents)}
	case CallIn:
		return Params{Users: append([]string(nil), s.OnCall...)}
	}
	return Params{}
}

// AtOnceCallbackSeconds is the soonest callback offer: a few seconds into the wait, for a gap
// nothing else closes.
const AtOnceCallbackSeconds = 5

// callbackLevels are the sooner offers the engine may move a callback to when the gap needs
// more, weakest first: at the target answer time (10 s to 2 min), then at once
// (AtOnceCallbackSeconds).
func callbackLevels(o Observation) []int {
	ts := o.TargetSeconds
	if ts <= 0 {
		ts = DefaultTargetSeconds
	}
	return []int{min(120, max(10, ts)), AtOnceCallbackSeconds}
}

// callbackAfter is when callers are offered a callback: twice the target answer time, from 30 s
// to 2 min.
func callbackAfter(o Observation) int {
	ts := o.TargetSeconds
	if ts <= 0 {
		ts = DefaultTargetSeconds
	}
	return min(120, max(30, 2*ts))
}

// roughWait is the wait a new customer can expect from the figures alone: the longest of the
// oldest wait and the queue ahead served by the agents signed in.
func roughWait(o Observation) int {
	w := 0.0
	for _, v := range o.Channels {
		servers := float64(max(1, agentsOf(v)*capacityOf(v)))
		w = max(w, float64(max(0, v.LongestWaitSeconds)), (float64(max(0, v.Waiting))+1)*handleOf(v)/servers)
	}
	return int(math.Round(min(w, 3600)))
}

// goodIntents are the intents of o's handoffs the bot resolves at BotFirstMinResolution or more,
// best resolved first.
func goodIntents(o Observation) []string {
	var out []string
	for in, share := range o.HandoffIntents {
		if finite(share) > 0 && finite(o.BotResolution[in]) >= BotFirstMinResolution {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := o.BotResolution[out[i]], o.BotResolution[out[j]]
		if ri != rj {
			return ri > rj
		}
		return out[i] < out[j]
	})
	return out
}

// botShares are the share of o's handoffs with the intents and the share the bot resolves.
func botShares(o Observation, intents []string) (touched, resolved float64) {
	for _, in := range intents {
		h := min(1, finite(o.HandoffIntents[in]))
		touched += h
		resolved += h * min(1, finite(o.BotResolution[in]))
	}
	return min(1, touched), min(1, resolved)
}

// ContextOf is the context an activation on the queue o with the projected gap is judged and
// learnt in: the gap's size and the channel with most of the load.
func ContextOf(o Observation, gapAgents float64) Context {
	c := Context{Gap: "large", Channel: Voice}
	switch {
	case gapAgents < 2:
		c.Gap = "small"
	case gapAgents < 6:
		c.Gap = "medium"
	}
	best := -1.0
	for _, v := range o.Channels {
		load := finite(v.ArrivalsPerHour) * handleOf(v) / float64(capacityOf(v))
		if v.Channel == Voice || v.Channel == Chat {
			if load > best || (load == best && v.Channel == Voice) {
				best, c.Channel = load, v.Channel
			}
		}
	}
	return c
}

// loadAgents is the agent equivalents of rate (per hour) on channel c.
func (c *channelGap) loadAgents(rate float64) float64 { return rate * c.handle / 3600 / c.capacity }

// divertible is the share of voice callers able to use self-service.
func (q *queueGap) divertible() float64 {
	if d := finite(q.obs.Divertible); d > 0 {
		return min(1, d)
	}
	return DefaultDivertible
}

// capBase is the arrivals per hour the divert cap is a share of: the voice arrivals at the peak,
// or the chat arrivals for a queue without voice.
func (q *queueGap) capBase() float64 {
	if q.voice >= 0 && q.ch[q.voice].rate[q.peak] > 0 {
		return q.ch[q.voice].rate[q.peak]
	}
	if q.chat >= 0 {
		return q.ch[q.chat].rate[q.peak]
	}
	return 0
}

// effect is strategy k's modelled effect on q with params p, unscaled by scores: agent
// equivalents per channel and interval (eff[c*J+j], added into eff) and the customers touched per
// hour. since is when it started (CallIn's staff arrive CallInDelay later); n is the agents a
// resource strategy adds (Overflow, PauseOutbound, CallIn before the show rate).
func (q *queueGap) effect(k Kind, p Params, since time.Time, n float64, m *memo, eff []float64) (customers float64) {
	J := len(q.starts)
	switch k {
	case Divert:
		if q.voice < 0 {
			return 0
		}
		c := &q.ch[q.voice]
		share := min(1, finite(p.DivertShare))
		for j := range J {
			eff[q.voice*J+j] += share * q.divertible() * c.loadAgents(c.rate[j])
		}
		return share * c.rate[q.peak]
	case BotFirst:
		if q.chat < 0 {
			return 0
		}
		c := &q.ch[q.chat]
		touched, resolved := botShares(q.obs, p.Intents)
		for j := range J {
			eff[q.chat*J+j] += resolved * c.loadAgents(c.rate[j])
		}
		return touched * c.rate[q.peak]
	case Callback:
		if q.voice < 0 {
			return 0
		}
		reached, served := q.beyond(p.CallbackAfterSeconds, m)
		// An offer after the target answer time takes callers who already missed it: it counts
		// for target ÷ after of the load it removes.
		timely := min(1, q.target.AnswerWithin.Seconds()/float64(max(1, p.CallbackAfterSeconds)))
		c := &q.ch[q.voice]
		for j := range J {
			eff[q.voice*J+j] += CallbackAccept * reached * served * timely * c.loadAgents(c.rate[j])
		}
		return reached * c.rate[c.worst]
	case AnnounceWait:
		for ci := range q.ch {
			c := &q.ch[ci]
			customers += c.rate[q.peak]
			if c.asa <= q.target.AnswerWithin.Seconds() {
				continue
			}
			for j := range J {
				eff[ci*J+j] += AnnounceLeave * c.loadAgents(c.rate[j])
			}
		}
		return customers
	case MoveAgents:
		if q.voice < 0 {
			return 0
		}
		a := float64(max(0, p.Agents))
		for j := range J {
			eff[q.voice*J+j] += a
		}
		if q.chat >= 0 {
			c := &q.ch[q.chat]
			return a * c.capacity * 3600 / c.handle
		}
		return 0
	case CallIn:
		from := since.Add(CallInDelay)
		q.spread(n*CallInShow, from, eff)
		return 0
	case Overflow:
		q.spread(n, time.Time{}, eff)
		if len(q.ch) > 0 {
			c := &q.ch[q.mainChannel()]
			return n * c.capacity * 3600 / c.handle
		}
		return 0
	case PauseOutbound:
		q.spread(n, time.Time{}, eff)
	}
	return 0
}

// spread adds n agents to each interval starting at or after from: the channels' gaps first
// (voice, then chat, then the others), the rest to the main channel.
func (q *queueGap) spread(n float64, from time.Time, eff []float64) {
	J := len(q.starts)
	if len(q.ch) == 0 || n <= 0 {
		return
	}
	order := q.channelOrder()
	for j, at := range q.starts {
		if at.Before(from) {
			continue
		}
		left := n
		for _, ci := range order {
			take := min(left, max(0, q.ch[ci].gap[j]))
			eff[ci*J+j] += take
			left -= take
		}
		eff[q.mainChannel()*J+j] += left
	}
}

// channelOrder is voice, chat, then the others, in the observation's order.
func (q *queueGap) channelOrder() []int {
	order := make([]int, 0, len(q.ch))
	if q.voice >= 0 {
		order = append(order, q.voice)
	}
	if q.chat >= 0 {
		order = append(order, q.chat)
	}
	for ci := range q.ch {
		if ci != q.voice && ci != q.chat {
			order = append(order, ci)
		}
	}
	return order
}

// mainChannel is the channel a resource's agents go to when no channel is short: voice when the
// queue has it.
func (q *queueGap) mainChannel() int {
	if q.voice >= 0 {
		return q.voice
	}
	if q.chat >= 0 {
		return q.chat
	}
	return 0
}

// beyond is, at the voice channel's worst interval with today's agents (Erlang A), the share of
// callers a callback offer after the given seconds reaches — those not answered by then, times
// the share whose patience lasts that long, exp(−after ÷ patience) — and the share of callers
// that would be served rather than abandon (only those would have taken an agent's time).
func (q *queueGap) beyond(after int, m *memo) (reached, served float64) {
	if q.voice < 0 || after <= 0 {
		return 0, 0
	}
	c := &q.ch[q.voice]
	r := c.rate[c.worst]
	if r <= 0 {
		return 0, 0
	}
	survive := math.Exp(-float64(after) / c.patience)
	if c.signed == 0 {
		return survive, 0
	}
	t := q.target
	t.AnswerWithin = time.Duration(after) * time.Second
	t.Patience = secs(c.patience)
	ev := m.evaluate(r, c.handle, c.patience, t, int(c.signed*c.capacity))
	return min(1, max(0, (1-ev.ServiceLevel)*survive)), min(1, max(0, 1-ev.AbandonRate))
}
