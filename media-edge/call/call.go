package call

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/media-edge/sip"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// Bot runs voice turns: the chat function's turn logic, reached with the platform's credential.
type Bot interface {
	Turn(ctx context.Context, t tenant.ID, in BotInput) (BotReply, error)
}

// BotInput is one voice turn of a call.
type BotInput struct {
	CallID, Caller, Dialled, Language string
	TurnInput
}

// BotReply is the bot's answer: what to do next, and in which language.
type BotReply struct {
	Language string
	Actions  []Action
}

// Recognizer turns an utterance into text ("" when nothing was understood); Hears says whether
// it recognises a language at all.
type Recognizer interface {
	Hears(lang string) bool
	Recognize(ctx context.Context, pcm []int16, lang string, hints []string) (text string, confidence float64, err error)
}

// Prompts turns a text into 8 kHz audio, from a cache when it was said before.
type Prompts interface {
	Prompt(ctx context.Context, text, lang string) ([]int16, error)
}

// Ear is the voice activity detector of one call.
type Ear interface {
	Push(caller, played *[media.FrameSamples]int16) Heard
	Utterance() []int16
	EndNow()
	Reset()
}

// Heard is the detector's verdict on a frame; Start and End are the speech's own boundaries
// (without the endpointing silence) in the detector's time, which Reset starts again: when speech
// started (SpeechStart, BargeIn) or the utterance's span (SpeechEnd).
type Heard struct {
	Speech     Speech
	Start, End time.Duration
}

// Recorders opens the recording of a call; nil when calls are not recorded.
type Recorders interface {
	Open(ctx context.Context, t tenant.ID, callID string, at time.Time) (media.Recorder, error)
}

// Dialer places the outbound leg of a transfer.
type Dialer interface {
	Dial(ctx context.Context, t tenant.ID, target, from string) (*sip.Leg, error)
}

// Targets checks a transfer target when it is dialled and returns what to dial.
type Targets interface {
	Resolve(ctx context.Context, target string) (string, error)
}

// Facts receives what happened on a call, for the event stream.
type Facts interface {
	Answered(ctx context.Context, c Info)
	Digit(ctx context.Context, c Info, key byte, d time.Duration)
	Utterance(ctx context.Context, c Info, text string, confidence float64, start, end time.Duration)
	BargedIn(ctx context.Context, c Info, b BargeInFact)
	Transferred(ctx context.Context, c Info, t TransferFact)
	Diverted(ctx context.Context, c Info, d DivertFact)
	// Rated is the caller's answer to the satisfaction survey.
	Rated(ctx context.Context, c Info, r Rating)
	Ended(ctx context.Context, c Info, e Ending)
}

// DivertFact is a queued caller offered self-service by the dispatch engine's divert strategy:
// the tenant's webhook texts them the link.
type DivertFact struct {
	Queue, ActivationID, Link string
}

// BargeInFact is a prompt the caller interrupted.
type BargeInFact struct {
	At, Position, Prompt time.Duration
	// Input is "speech" or "dtmf".
	Input string
}

// TransferFact is a transfer that was answered.
type TransferFact struct {
	Queue, Target string
	Ring          time.Duration
}

// Info names a call in facts.
type Info struct {
	Tenant tenant.ID
	// ID is the edge's own id of the call (a UUIDv7 minted at answer): its conversation, its
	// recording and its events' subject. SIPCallID is the Call-ID the caller's device chose,
	// kept for tracing only: a device may reuse one, so it never names anything.
	ID, SIPCallID string
	From, To      string
	AnsweredAt    time.Time
	// Codec ("PCMU" or "PCMA"), SRTP and Recorded describe the call's media.
	Codec          string
	SRTP, Recorded bool
	// Setup is the time from the INVITE to the answer, when the signalling knows it.
	Setup time.Duration
}

// Dispositions: how a call turned out.
const (
	DispositionBot         = "bot"
	DispositionTransferred = "transferred"
	DispositionAbandoned   = "abandoned"
	DispositionFailed      = "failed"
	// DispositionCallbackRequested: the caller waiting in a queue took a callback.
	DispositionCallbackRequested = "callback_requested"
	// DispositionDiverted: the caller hung up while queued after the self-service offer.
	DispositionDiverted = "diverted"
)

// Ending is how a call ended.
type Ending struct {
	Duration    time.Duration
	Side, Cause string
	// Disposition is one of the Disposition constants; Talk is how long a transferred caller
	// talked with the person.
	Disposition  string
	Talk         time.Duration
	RecordingKey string
}

// Handler serves every call the SIP server answers (it is the server's sip.CallHandler).
type Handler struct {
	Bot        Bot
	Recognizer Recognizer
	Prompts    Prompts
	NewEar     func() Ear
	Recorders  Recorders
	Directory  voicecfg.Directory
	Dialer     Dialer
	Targets    Targets
	// Floor, when set, routes the transfers of queues without a transfer target to people:
	// the call waits in the queue (a hold prompt, then a comfort tone) and rings the softphone
	// of the agent dispatch offers it to. Nil: such a transfer fails with an apology.
	Floor Floor
	// FloorPoll is how often a waiting call reads its contact (DefaultFloorPoll when zero);
	// QueueGrace bounds the wait for the handoff to be queued (DefaultQueueGrace when zero).
	FloorPoll, QueueGrace time.Duration
	// Steering, when set, is what the real-time dispatch engine has in force for a queue: a call
	// joining it hears the expected wait, self-service, a callback offer. Nil: none.
	Steering Steering
	// Surveys, when set, says whether a tenant asks its callers to rate the call: after the agent
	// leaves a transferred call while the caller stays, and after the bot's goodbye. Nil: never.
	Surveys Surveys
	Facts   Facts
	Log     *slog.Logger
	// TurnTimeout bounds a voice turn (DefaultTurnTimeout when zero).
	TurnTimeout time.Duration
	// MaxDuration ends a call that lasts longer (DefaultMaxDuration when zero).
	MaxDuration time.Duration
	// OnSession, when set, is handed each call's media session once it runs (the bench reads its
	// Stats); nil in production.
	OnSession func(*media.Session)
	// Timings, when set, receives how long each phase of a voice turn took: "recognition" (the
	// recogniser), "turn" (the bot) and "synthesis" (a prompt, cached or not); nil in production.
	Timings func(phase string, d time.Duration)
}

// timing reports a phase's duration to Timings.
func (h *Handler) timing(phase string, since time.Time) {
	if h.Timings != nil {
		h.Timings(phase, time.Since(since))
	}
}

var _ sip.CallHandler = (*Handler)(nil)

// ServeCall runs one call until it ends: its media session, its navigation and its recording
// all live in ctx and stop with it.
func (h *Handler) ServeCall(ctx context.Context, c *sip.Call) {
	p := c.Params()
	id, err := uuid.NewV7()
	if err != nil {
		h.Log.Error("call id", "err", err)
		c.Hangup("edge_error")
		return
	}
	info := Info{Tenant: c.Tenant, ID: id.String(), SIPCallID: c.ID, From: c.From, To: c.To, AnsweredAt: time.Now(),
		Codec: codecName(p.Codec), SRTP: p.SRTP != nil}
	if !c.InvitedAt.IsZero() {
		info.Setup = info.AnsweredAt.Sub(c.InvitedAt)
	}
	log := h.Log.With("call", info.ID, "sip_call", c.ID, "tenant", c.Tenant.String())
	var rec media.Recorder
	if h.Recorders != nil {
		r, err := h.Recorders.Open(ctx, c.Tenant, info.ID, info.AnsweredAt)
		if err != nil {
			log.Error("open recording", "err", err) // the call goes on unrecorded
		} else {
			rec, info.Recorded = r, true
		}
	}
	sess, err := media.NewSession(c.Conn, peerView(c.Params()), media.Options{Recorder: rec, OnPacket: c.Touch, Log: log})
	if err != nil {
		log.Error("media session", "err", err)
		c.Hangup("media_failed")
		end := Ending{Side: "edge", Cause: "media_failed", Disposition: DispositionFailed}
		if rec != nil {
			end.RecordingKey = h.closeRecording(ctx, rec, log)
		}
		h.Facts.Ended(context.WithoutCancel(ctx), info, end)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(h.MaxDuration, DefaultMaxDuration))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = sess.Run(ctx) }()
	if h.OnSession != nil {
		h.OnSession(sess)
	}
	h.Facts.Answered(ctx, info)

	x := &callRun{h: h, c: c, info: info, sess: sess, ear: h.NewEar(), nav: NewNavigator(c.Number.Language).Hearing(h.Recognizer.Hears), log: log,
		results: make(chan func() []Command, 4)}
	disposition := x.loop(ctx, &wg)
	if x.hangup == "" && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		c.Hangup("max_duration") // the call's time is up: no prompt is waiting to finish
		x.cause = "max_duration"
	}
	if x.hangup != "" {
		// The last prompt's packets are sent; give the far end's jitter buffer time to play
		// them before the BYE.
		select {
		case <-time.After(byeTail):
		case <-ctx.Done():
		}
		c.Hangup(x.hangup)
	}
	if x.leg != nil {
		x.leg.Hangup("caller_hangup")
	}
	cancel()
	wg.Wait()
	if x.release != nil {
		x.release(context.Canceled)
	}
	how, calledBack := LeftHungUp, false
	if q := x.queued; q != nil {
		calledBack = q.done || q.taken.Load() // the caller may hang up before the loop heard
		switch {
		case calledBack:
			disposition = DispositionCallbackRequested
		case q.diverted:
			how = LeftDiverted
			if disposition == DispositionAbandoned {
				disposition = DispositionDiverted
			}
		}
	}
	if x.handedOff && x.h.Floor != nil && !calledBack {
		x.leave(ctx, how, log) // nothing of a call that is over stays queued for an agent
	}
	side, cause := c.Ended()
	if x.cause != "" && side == "edge" {
		cause = x.cause
	}
	if x.survey != nil && (side == sip.SideCaller || x.hangup != "") {
		// The conversation was over before the survey: the caller hanging up during it, or the
		// edge after it, does not change who ended it (a timeout or a shutdown still shows).
		side, cause = x.survey.ending()
	}
	end := Ending{Duration: time.Since(info.AnsweredAt), Side: side, Cause: cause, Disposition: disposition}
	if !x.bridgedAt.IsZero() {
		end.Talk = cmp.Or(x.talkEnd, time.Now()).Sub(x.bridgedAt)
	}
	if rec != nil {
		end.RecordingKey = h.closeRecording(ctx, rec, log)
	}
	h.Facts.Ended(context.WithoutCancel(ctx), info, end)
}

// closeRecording finishes a call's recording (the upload's last parts) and returns its key, ""
// when it failed.
func (h *Handler) closeRecording(ctx context.Context, rec media.Recorder, log *slog.Logger) string {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordingCloseTimeout)
	defer cancel()
	key, err := rec.Close(cctx)
	if err != nil {
		log.Error("close recording", "err", err)
		return ""
	}
	return key
}

// A caller is never left in silence for long: a turn, a recognition or a synthesis that takes
// longer than these is a failure (the bot's apology, or a prompt skipped).
const (
	// DefaultTurnTimeout is the chat function's own limit (29 s) and a little: giving up sooner
	// could apologise for a turn the function then commits.
	DefaultTurnTimeout = 30 * time.Second
	engineTimeout      = 10 * time.Second
	// DefaultMaxDuration bounds a call: a line left open by a broken device is not held for ever.
	DefaultMaxDuration = 4 * time.Hour
	// byeTail is how long the BYE waits after the last prompt's last packet.
	byeTail = 300 * time.Millisecond
	// recordingCloseTimeout bounds the upload of a recording's last parts.
	recordingCloseTimeout = time.Minute
)

// callRun is one call's loop state; only the loop goroutine touches it.
type callRun struct {
	h    *Handler
	c    *sip.Call
	info Info
	sess *media.Session
	ear  Ear
	nav  *Navigator
	log  *slog.Logger
	// results carries what asynchronous work (synthesis, recognition, turns, transfers) found
	// back into the loop, as a step to run there.
	results  chan func() []Command
	playback *media.Playback
	// sayGen numbers the prompts asked for; a synthesis that comes back for an older one is
	// dropped.
	sayGen int
	// earBase is the media time of the detector's last Reset; speechAt is when the caller's
	// speech started, uttStart and uttEnd the last utterance's span, in media time.
	earBase, speechAt, uttStart, uttEnd time.Duration
	// promptAt and promptLen: when the prompt playing now started, and its length.
	promptAt, promptLen time.Duration
	now                 time.Duration // media time of the last frame
	bridge              chan [media.FrameSamples]int16
	leg                 *sip.Leg
	// bridgedAt is when the transfer was answered.
	bridgedAt time.Time
	// handedOff: the bot handed the call to a queue, so dispatch queues its contact, which the
	// call leaves when it ends; release ends the agent's leg's context.
	handedOff bool
	// queued is the wait in a queue for a person (joinQueue), nil before.
	queued  *queueWait
	release context.CancelCauseFunc
	cause   string
	outcome string
	// hangup is the cause of the edge's BYE, once it decided to end the call.
	hangup string
	// surveyOn: the tenant asks callers to rate the call; survey is the survey once asked (the
	// navigator is then the survey's), talkEnd when the agent left it.
	surveyOn bool
	survey   *survey
	talkEnd  time.Time
}

// loop feeds the navigator and performs its commands until the call ends; it returns the
// call's disposition.
func (x *callRun) loop(ctx context.Context, wg *sync.WaitGroup) string {
	x.outcome = DispositionAbandoned
	x.turn(ctx, wg, TurnInput{}) // the first turn greets
	x.readSurveySetting(ctx, wg)
	var playDone <-chan struct{}
	updates := x.c.Updates()
	for {
		if x.playback != nil {
			playDone = x.playback.Done()
		} else {
			playDone = nil
		}
		var cmds []Command
		select {
		case <-ctx.Done():
			return x.outcome
		case f, ok := <-x.sess.Frames():
			if !ok {
				return x.outcome
			}
			x.now = f.At
			if x.bridge != nil {
				select {
				case x.bridge <- f.Caller:
				default: // the agent's side is behind: drop rather than delay
				}
				continue
			}
			h := x.ear.Push(&f.Caller, &f.Played)
			switch h.Speech {
			case BargeIn, SpeechStart:
				x.speechAt = x.earBase + h.Start
			case SpeechEnd:
				x.uttStart, x.uttEnd = x.earBase+h.Start, x.earBase+h.End
			}
			cmds = x.nav.Frame(f.At, h.Speech)
		case d, ok := <-x.sess.DTMF():
			if !ok {
				return x.outcome
			}
			x.h.Facts.Digit(ctx, x.info, d.Key, d.Duration)
			cmds = x.digit(ctx, wg, d.At, d.Key)
		case <-playDone:
			interrupted := x.playback.Interrupted()
			x.playback = nil
			if !interrupted {
				cmds = x.nav.PlaybackDone(x.now)
			}
		case step := <-x.results:
			cmds = step()
		case p, ok := <-updates:
			if !ok {
				updates = nil // the dialog is over; ctx follows
				continue
			}
			if err := x.sess.Update(peerView(p)); err != nil {
				x.log.Warn("re-INVITE media", "err", err)
			}
		}
		if x.do(ctx, wg, cmds) {
			return x.outcome
		}
	}
}

// digit takes a key the caller pressed at: the survey's once it is asked, else the queue's while
// the call waits for a person, else the navigation's.
func (x *callRun) digit(ctx context.Context, wg *sync.WaitGroup, at time.Duration, key byte) []Command {
	if x.queued != nil && x.survey == nil {
		return x.queueDigit(ctx, wg, key)
	}
	return x.nav.Digit(at, key)
}

// async runs work off the loop and hands its follow-up back to it.
func (x *callRun) async(ctx context.Context, wg *sync.WaitGroup, work func(context.Context) func() []Command) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		step := x.guard(ctx, work)
		select {
		case x.results <- step:
		case <-ctx.Done():
		}
	}()
}

// guard runs work; a panic in an engine or client fails this call (an apology, then the end)
// instead of the whole edge.
func (x *callRun) guard(ctx context.Context, work func(context.Context) func() []Command) (step func() []Command) {
	defer func() {
		if p := recover(); p != nil {
			x.log.Error("call work panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			step = func() []Command {
				x.cause = "edge_error"
				return x.nav.Fail(x.now)
			}
		}
	}()
	return work(ctx)
}

// do performs commands; it reports whether the call is over.
func (x *callRun) do(ctx context.Context, wg *sync.WaitGroup, cmds []Command) bool {
	for _, cmd := range cmds {
		switch cmd.Kind {
		case CmdSay:
			text, lang := cmd.Text, cmd.Lang
			x.sayGen++
			gen := x.sayGen
			x.async(ctx, wg, func(ctx context.Context) func() []Command {
				ctx, cancel := context.WithTimeout(ctx, engineTimeout)
				defer cancel()
				at := time.Now()
				pcm, err := x.h.Prompts.Prompt(ctx, text, lang)
				x.h.timing("synthesis", at)
				return func() []Command {
					if gen != x.sayGen || x.nav.mode != speaking {
						return nil // a barge-in or a later prompt overtook it: never play it late
					}
					if err != nil {
						x.log.Error("synthesise prompt", "err", err)
						return x.nav.PlaybackDone(x.now) // skip what cannot be said
					}
					x.playback = x.sess.Play(media.PCM(pcm))
					x.promptAt, x.promptLen = x.now, time.Duration(len(pcm))*time.Second/8000
					return nil
				}
			})
		case CmdStopPlay:
			x.sayGen++ // a prompt still being synthesised is not played
			x.sess.StopPlayback()
		case CmdBargeIn:
			at := time.Duration(cmd.AtMS) * time.Millisecond
			if cmd.By == "speech" {
				at = min(x.speechAt, at) // when the caller started, not when the detector was sure
			}
			b := BargeInFact{At: at, Input: cmd.By}
			if x.playback != nil { // else the prompt had not started: nothing of it was heard
				b.Prompt = x.promptLen
				b.Position = min(max(at-x.promptAt, 0), x.promptLen)
			}
			x.h.Facts.BargedIn(ctx, x.info, b)
		case CmdListen:
			x.ear.Reset()
			x.earBase = x.now + 20*time.Millisecond // the next frame is the detector's first
		case CmdEndSpeech:
			x.ear.EndNow()
		case CmdRecognize:
			pcm, hints, lang := x.ear.Utterance(), cmd.Hints, cmd.Lang
			start, end := x.uttStart, x.uttEnd
			x.async(ctx, wg, func(ctx context.Context) func() []Command {
				ctx, cancel := context.WithTimeout(ctx, engineTimeout)
				defer cancel()
				at := time.Now()
				text, conf, err := x.h.Recognizer.Recognize(ctx, pcm, lang, hints)
				x.h.timing("recognition", at)
				return func() []Command {
					if err != nil {
						x.log.Warn("recognise", "err", err, "lang", lang)
						text, conf = "", 0
					} else {
						x.h.Facts.Utterance(ctx, x.info, text, conf, start, end)
					}
					return x.nav.Recognized(text, conf)
				}
			})
		case CmdTurn:
			if x.survey != nil { // the survey's answer: never the bot's
				if x.do(ctx, wg, x.surveyAnswer(ctx, cmd.Input)) {
					return true
				}
				continue
			}
			x.turn(ctx, wg, cmd.Input)
		case CmdTransfer:
			x.handedOff = true
			x.transfer(ctx, wg, cmd.Queue)
		case CmdHangup:
			if x.survey != nil { // the survey's end: cause and outcome stay what they were
				x.hangup = cmd.Cause
				return true
			}
			if x.surveyOn && cmd.Cause == "bot_hangup" && x.cause == "" && x.outcome == DispositionAbandoned {
				// The bot's goodbye: the caller is asked to rate the call before the edge hangs up.
				x.cause, x.outcome = cmd.Cause, DispositionBot
				return x.do(ctx, wg, x.startSurvey(SurveyAfterBot))
			}
			switch {
			case x.cause != "": // the hangup after a failure's apology keeps the failure's cause
				x.outcome = DispositionFailed
			case x.outcome == DispositionAbandoned:
				x.cause, x.outcome = cmd.Cause, DispositionBot
			default:
				x.cause = cmd.Cause
			}
			x.hangup = cmd.Cause
			return true
		}
	}
	return false
}

// turn sends a turn to the bot off the loop; its reply comes back as the navigator's next
// commands. A bot that cannot answer ends the call with an apology.
func (x *callRun) turn(ctx context.Context, wg *sync.WaitGroup, in TurnInput) {
	lang := x.nav.Lang()
	x.async(ctx, wg, func(ctx context.Context) func() []Command {
		ctx, cancel := context.WithTimeout(ctx, cmp.Or(x.h.TurnTimeout, DefaultTurnTimeout))
		defer cancel()
		at := time.Now()
		r, err := x.h.Bot.Turn(ctx, x.info.Tenant, BotInput{CallID: x.info.ID, Caller: x.info.From, Dialled: x.info.To, Language: lang, TurnInput: in})
		x.h.timing("turn", at)
		return func() []Command {
			if err != nil {
				x.log.Error("voice turn", "err", err)
				x.cause = "turn_failed"
				return x.nav.Fail(x.now)
			}
			return x.nav.Reply(x.now, r.Language, r.Actions)
		}
	})
}

// transfer dials the queue's target and bridges the caller to it; the recording goes on (the
// caller on the left, the agent on the right).
func (x *callRun) transfer(ctx context.Context, wg *sync.WaitGroup, queue string) {
	x.async(ctx, wg, func(ctx context.Context) func() []Command {
		dialAt := time.Now()
		target, err := x.h.Directory.TransferTarget(ctx, x.info.Tenant, queue)
		if errors.Is(err, voicecfg.ErrNotFound) && x.h.Floor != nil {
			return func() []Command { return x.joinQueue(ctx, wg, queue) }
		}
		var (
			leg  *sip.Leg
			dial string
		)
		if err == nil {
			dial, err = x.h.Targets.Resolve(ctx, target.Target)
		}
		if err == nil {
			leg, err = x.h.Dialer.Dial(ctx, x.info.Tenant, dial, x.info.From)
		}
		return func() []Command {
			if err != nil {
				x.log.Error("transfer", "queue", queue, "err", err)
				x.cause = "transfer_failed"
				return x.nav.Fail(x.now)
			}
			if err := x.bridgeTo(ctx, wg, leg); err != nil {
				x.log.Error("bridge", "err", err)
				leg.Hangup("media_failed")
				x.cause = "transfer_failed"
				return x.nav.Fail(x.now)
			}
			x.outcome, x.bridgedAt = DispositionTransferred, time.Now()
			x.h.Facts.Transferred(ctx, x.info, TransferFact{Queue: queue, Target: target.Target, Ring: x.bridgedAt.Sub(dialAt)})
			if x.h.Floor != nil {
				// The queue's target took the call: its contact must not wait to be offered to
				// an agent of the floor meanwhile.
				x.async(ctx, wg, func(ctx context.Context) func() []Command {
					x.leave(ctx, LeftHungUp, x.log)
					return func() []Command { return nil }
				})
			}
			return nil
		}
	})
}

func (x *callRun) bridgeTo(ctx context.Context, wg *sync.WaitGroup, leg *sip.Leg) error {
	other, err := media.NewSession(leg.Conn, peerView(leg.Params()), media.Options{Log: x.log.With("leg", "agent")})
	if err != nil {
		return err
	}
	x.leg = leg
	wg.Add(1)
	go func() { defer wg.Done(); _ = other.Run(ctx) }()
	x.bridge = make(chan [media.FrameSamples]int16, 8)
	other.Play(chanSource(x.bridge))
	x.sess.StopPlayback()
	x.playback = x.sess.Play(framesSource(other.Frames()))
	// The agent hanging up ends the call, or starts the survey while the caller stays.
	x.async(ctx, wg, func(ctx context.Context) func() []Command {
		select {
		case <-leg.Done():
		case <-ctx.Done():
		}
		return func() []Command { return x.agentLeft(ctx, wg) }
	})
	return nil
}

// chanSource plays what arrives on a channel, silence when nothing has.
type chanSource chan [media.FrameSamples]int16

func (c chanSource) Next(buf *[media.FrameSamples]int16) bool {
	select {
	case f := <-c:
		*buf = f
	default:
		*buf = [media.FrameSamples]int16{}
	}
	return true
}

// framesSource plays the other leg's caller audio, silence when none came this tick; it ends
// when the other leg's session does.
type framesSource <-chan media.Frame

func (c framesSource) Next(buf *[media.FrameSamples]int16) bool {
	select {
	case f, ok := <-c:
		if !ok {
			return false
		}
		*buf = f.Caller
	default:
		*buf = [media.FrameSamples]int16{}
	}
	return true
}

func codecName(c media.Codec) string {
	if c == media.PCMA {
		return "PCMA"
	}
	return "PCMU"
}

// peerView turns the signalling's media parameters into the media session's: package sip fills
// Direction with the edge's own direction (what its SDP answer says), package media reads the
// peer's (media.Params). A peer that holds the call sends "sendonly", so the edge answers
// "recvonly": the session must see "sendonly".
func peerView(p media.Params) media.Params {
	switch p.Direction {
	case "sendonly":
		p.Direction = "recvonly"
	case "recvonly":
		p.Direction = "sendonly"
	}
	return p
}
