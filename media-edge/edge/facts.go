package edge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/media-edge/sip"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Source is the events' source: the media edge.
const Source = "media-edge"

// Publisher writes events to the stream (stream.Publisher).
type Publisher interface {
	Publish(ctx context.Context, envs ...events.Envelope) error
}

// facts turns what happens on calls into events and publishes them from one goroutine, so a slow
// stream never holds up a call's audio. The queue is bounded: when the stream is down for long
// enough to fill it, the newest facts are dropped and counted in the log.
type facts struct {
	pub   Publisher
	log   *slog.Logger
	queue chan events.Envelope
	done  chan struct{}
	once  sync.Once
}

var (
	_ call.Facts    = (*facts)(nil)
	_ sip.EventSink = (*facts)(nil)
)

const (
	factsQueue = 20000
	factsBatch = 200
	// publishTimeout bounds one batch's publishing, its retries included.
	publishTimeout = 30 * time.Second
)

func newFacts(pub Publisher, log *slog.Logger) *facts {
	f := &facts{pub: pub, log: log, queue: make(chan events.Envelope, factsQueue), done: make(chan struct{})}
	go f.run()
	return f
}

// run publishes batches until Close.
func (f *facts) run() {
	defer close(f.done)
	batch := make([]events.Envelope, 0, factsBatch)
	for {
		ev, ok := <-f.queue
		if !ok {
			return
		}
		batch = append(batch[:0], ev)
	more:
		for len(batch) < factsBatch {
			select {
			case ev, ok := <-f.queue:
				if !ok {
					break more
				}
				batch = append(batch, ev)
			default:
				break more
			}
		}
		f.publish(batch)
	}
}

// publish writes one batch. The publisher retries the records the stream refused, with backoff
// (shared/stream); sending the whole batch again here would repeat those it had written.
func (f *facts) publish(batch []events.Envelope) {
	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	if err := f.pub.Publish(ctx, batch...); err != nil {
		f.log.Error("events lost: the stream refused them", "events", len(batch), "err", err)
	}
}

// Close publishes what is queued and stops.
func (f *facts) Close() {
	f.once.Do(func() { close(f.queue) })
	<-f.done
}

func (f *facts) emit(t tenant.ID, typ, subject string, data any) {
	ev, err := events.New(t, typ, subject, Source, data)
	if err != nil {
		f.log.Error("build event", "type", typ, "call", subject, "err", err)
		return
	}
	select {
	case f.queue <- ev:
	default:
		f.log.Error("event dropped: the stream is behind", "type", typ, "call", subject)
	}
}

func orAnonymous(s string) string {
	if s == "" {
		return "anonymous"
	}
	return s
}

func (f *facts) Answered(_ context.Context, c call.Info) {
	f.emit(c.Tenant, events.TypeCallStarted, c.ID, events.CallStarted{CallID: c.ID, Direction: events.DirectionInbound, From: orAnonymous(c.From), To: orAnonymous(c.To), SIPCallID: c.SIPCallID})
	f.emit(c.Tenant, events.TypeCallAnswered, c.ID, events.CallAnswered{CallID: c.ID, Codec: events.CallCodec(c.Codec), SRTP: c.SRTP, Recorded: c.Recorded, SetupMS: c.Setup.Milliseconds()})
}

func (f *facts) Digit(_ context.Context, c call.Info, key byte, d time.Duration) {
	f.emit(c.Tenant, events.TypeCallDTMF, c.ID, events.CallDTMF{CallID: c.ID, Digit: string(key), DurationMS: d.Milliseconds()})
}

func (f *facts) Utterance(_ context.Context, c call.Info, text string, confidence float64, start, end time.Duration) {
	f.emit(c.Tenant, events.TypeCallUtterance, c.ID, events.CallUtterance{CallID: c.ID, Text: text, Confidence: min(max(confidence, 0), 1), StartMS: max(start.Milliseconds(), 0), EndMS: max(end.Milliseconds(), 0)})
}

func (f *facts) BargedIn(_ context.Context, c call.Info, b call.BargeInFact) {
	f.emit(c.Tenant, events.TypeCallBargeIn, c.ID, events.CallBargeIn{CallID: c.ID, AtMS: b.At.Milliseconds(), PromptPositionMS: b.Position.Milliseconds(), PromptMS: b.Prompt.Milliseconds(), Input: events.BargeInInput(b.Input)})
}

func (f *facts) Transferred(_ context.Context, c call.Info, tr call.TransferFact) {
	kind, target := events.TransferToSIPURI, tr.Target
	if name, ok := strings.CutPrefix(tr.Target, "account:"); ok {
		kind, target = events.TransferToAgent, name
	}
	f.emit(c.Tenant, events.TypeCallTransferred, c.ID, events.CallTransferred{CallID: c.ID, Queue: tr.Queue, TargetKind: kind, Target: target, RingMS: tr.Ring.Milliseconds()})
}

// Diverted is the divert strategy's cue for the tenant's webhook: text the caller the link.
func (f *facts) Diverted(_ context.Context, c call.Info, d call.DivertFact) {
	f.emit(c.Tenant, events.TypeCallDiverted, c.ID, events.CallDiverted{CallID: c.ID, ConversationID: ContactID(c.ID), Queue: d.Queue,
		ActivationID: d.ActivationID, From: orAnonymous(c.From), Link: d.Link})
}

// Rated is the caller's answer to the voice survey, about the call's contact: the contact a
// handoff made of the call is its conversation, so the id is the same whether or not a person
// took the call.
func (f *facts) Rated(_ context.Context, c call.Info, r call.Rating) {
	id, csat := ContactID(c.ID), r.CSAT
	f.emit(c.Tenant, events.TypeFeedbackSubmitted, id, events.FeedbackSubmitted{ContactID: id, CSAT: &csat, Source: events.FeedbackVoice})
}

func (f *facts) Ended(_ context.Context, c call.Info, e call.Ending) {
	ev := events.CallEnded{CallID: c.ID, DurationMS: e.Duration.Milliseconds(), RecordingKey: e.RecordingKey, HangupCause: events.CauseBye}
	switch e.Disposition {
	case call.DispositionBot:
		ev.Disposition = events.DispositionResolvedByBot
	case call.DispositionTransferred:
		ev.Disposition = events.DispositionTransferred
		ev.TalkMS = min(e.Talk.Milliseconds(), ev.DurationMS)
	case call.DispositionFailed:
		ev.Disposition = events.DispositionFailed
	case call.DispositionCallbackRequested:
		ev.Disposition = events.DispositionCallbackRequested
	case call.DispositionDiverted:
		ev.Disposition = events.DispositionDiverted
	default:
		ev.Disposition = events.DispositionAbandoned
	}
	switch {
	case e.Cause == "agent_hangup":
		ev.HangupSide, ev.Reason = events.HangupAgent, events.CallEndAgentHangup
	case e.Side == sip.SideCaller:
		ev.HangupSide, ev.Reason = events.HangupCaller, events.CallEndCallerHangup
	case e.Cause == "bot_hangup" || e.Cause == "completed" || e.Cause == "callback":
		ev.HangupSide, ev.Reason = events.HangupEdge, events.CallEndBotHangup
	default: // a timeout, a failure, a shutdown: the edge ended it, not the bot's decision
		ev.HangupSide, ev.Reason = events.HangupEdge, events.CallEndFailed
	}
	switch e.Cause {
	case "rtp_timeout":
		ev.HangupCause, ev.Reason = events.CauseRTPTimeout, events.CallEndFailed
	case "transfer_failed":
		ev.HangupCause = events.CauseTransferFailed
	case "shutdown":
		ev.HangupCause = events.CauseShutdown
	case "max_duration":
		ev.HangupCause = events.CauseError
	case "turn_failed", "media_failed":
		ev.HangupCause, ev.Reason = events.CauseError, events.CallEndFailed
	}
	f.emit(c.Tenant, events.TypeCallEnded, c.ID, ev)
}

// CallRejected records the toll-fraud protection's refusals of calls to a tenant's numbers.
func (f *facts) CallRejected(_ context.Context, r sip.Rejection) {
	t, id := r.Tenant, r.CallID
	if id == "" {
		id = "rejected-" + randomHex(8)
	}
	ev := events.CallRejected{CallID: id, From: orAnonymous(r.From), To: orAnonymous(r.To), Source: r.Source, Transport: events.SIPTransport(r.Transport), Reason: events.CallRejectReason(r.Reason), SIPStatus: r.Status}
	switch r.Reason {
	case sip.ReasonAuthFailed:
		ev.Reason = events.RejectAuthFailed
	case sip.ReasonTransportMismatch:
		ev.Reason = events.RejectWrongTransport
	case sip.ReasonSourceNotAllowed, sip.ReasonAccountTenant:
		ev.Reason = events.RejectSourceNotAllowed
	}
	f.emit(t, events.TypeCallRejected, id, ev)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.Join(errors.New("crypto/rand failed"), err)) // never returns an error on Linux
	}
	return hex.EncodeToString(b)
}
