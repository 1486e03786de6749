package call

import (
	"cmp"
	"time"

	"github.com/lingxi/lingxi/media-edge/turns"
)

// Action is one instruction of the bot's reply to a voice turn: the chat function's wire type.
type Action = turns.Action

// Action types, as the chat function names them.
const (
	ActSay      = turns.Say
	ActGather   = turns.Gather
	ActTransfer = turns.Transfer
	ActHangup   = turns.Hangup
)

// Speech is what the voice activity detector said about one 20 ms frame.
type Speech int

// Detector verdicts.
const (
	Quiet       Speech = iota // nothing new
	SpeechStart               // the caller started talking (no prompt playing)
	SpeechEnd                 // the caller stopped talking: the utterance is complete
	BargeIn                   // the caller started talking over a prompt (not its echo)
)

// Command is what the navigator asks the call to do; the call performs commands in order.
type Command struct {
	Kind CommandKind
	// Text and Lang: what to say (CmdSay).
	Text, Lang string
	// Hints: expected phrases for the recogniser (CmdRecognize).
	Hints []string
	// Input is the voice turn to send (CmdTurn).
	Input TurnInput
	// Queue to transfer to (CmdTransfer); Cause of a hangup (CmdHangup).
	Queue, Cause string
	// AtMS: when a barge-in happened, from the call's answer, and By what it was: "speech"
	// or "dtmf" (CmdBargeIn).
	AtMS int64
	By   string
}

// CommandKind names a Command.
type CommandKind int

// Commands.
const (
	CmdSay       CommandKind = iota + 1 // synthesise Text in Lang and play it; report PlaybackDone
	CmdStopPlay                         // stop the prompt now (barge-in)
	CmdListen                           // start a fresh utterance: reset the detector's capture
	CmdRecognize                        // recognise the detector's last utterance; report Recognized
	CmdEndSpeech                        // the expected input is complete: end the utterance now
	CmdTurn                             // send Input to the bot; report Reply
	CmdTransfer                         // bridge the caller to Queue's target
	CmdHangup                           // end the call
	CmdBargeIn                          // record that the caller barged in (an event)
)

// TurnInput is one voice turn: words, keys, or neither (the caller said nothing in time).
type TurnInput struct {
	Text       string
	Confidence float64
	DTMF       string
}

// maxAhead bounds the keys kept for the next question.
const maxAhead = 32

// Defaults of a gather that does not say.
const (
	defaultGatherTimeout = 8 * time.Second
	// interDigit ends a key sequence shorter than its maximum.
	interDigit = 3 * time.Second
)

type mode int

const (
	idle      mode = iota // before the first reply
	speaking              // a say is playing
	listening             // a gather is open
	thinking              // recognition or a turn is in flight
	bridged               // transferred
	done                  // hung up
)

// Navigator is the voice navigation of one call as a state machine without I/O: the call feeds it
// what happens (frames' speech verdicts, keys, playback and recognition results, the bot's
// replies) and performs the commands it returns. Decisions live here; sockets, engines and the
// bot live in the call.
type Navigator struct {
	lang    string
	pending []Action // what remains of the last reply
	mode    mode
	gather  Action // the open (or next) gather
	// listenAt is when the gather opened; lastKey when the last key came.
	listenAt, lastKey time.Duration
	digits            string
	talking           bool // the caller is mid-utterance
	hears             func(lang string) bool
	// endCause is the hangup's cause after End's goodbye ("" after the bot's own hangup).
	endCause string
	// ahead holds keys pressed while no question was open (the bot thinking, the greeting not
	// yet playing): they answer the next question that takes keys, as an IVR's type-ahead does.
	ahead string
}

// NewNavigator starts a call's navigation in a language ("zh" or "en"; the bot may change it).
func NewNavigator(lang string) *Navigator { return &Navigator{lang: lang} }

// Hearing tells the navigator in which languages speech can be recognised: in the others (no
// local Chinese recogniser) speech neither interrupts prompts nor answers questions — a cough or a
// "喂" would only stop the menu and earn a reprompt — and the caller answers with keys.
func (n *Navigator) Hearing(hears func(lang string) bool) *Navigator {
	n.hears = hears
	return n
}

// Reply takes the bot's answer to a turn and starts acting on it.
func (n *Navigator) Reply(now time.Duration, lang string, actions []Action) []Command {
	if n.mode == done || n.mode == bridged {
		return nil
	}
	if lang != "" {
		n.lang = lang
	}
	n.pending = append(n.pending[:0], actions...)
	n.talking = false
	if n.ahead != "" && n.nextGather().DTMF {
		n.dropSays() // the caller typed ahead: the question is already answered
	}
	return n.next(now)
}

// next starts the first pending action.
func (n *Navigator) next(now time.Duration) []Command {
	if len(n.pending) == 0 {
		// A reply that neither asks nor ends: listen with the defaults so the caller is not left
		// in silence.
		n.pending = []Action{{Type: ActGather, DTMF: true, MaxDigits: 1}}
	}
	a := n.pending[0]
	n.pending = n.pending[1:]
	switch a.Type {
	case ActSay:
		n.mode = speaking
		n.gather = n.nextGather()
		return []Command{{Kind: CmdSay, Text: a.Text, Lang: n.lang}}
	case ActGather:
		return n.open(now, a)
	case ActTransfer:
		n.mode = bridged
		return []Command{{Kind: CmdTransfer, Queue: a.Queue}}
	default: // hangup, and anything this edge does not know: end politely rather than hang in silence
		n.mode = done
		return []Command{{Kind: CmdHangup, Cause: cmp.Or(n.endCause, "bot_hangup")}}
	}
}

// nextGather is the gather the pending says lead to, if the reply has one: a prompt that leads to
// a question may be interrupted; a goodbye may not.
func (n *Navigator) nextGather() Action {
	for _, a := range n.pending {
		if a.Type == ActGather {
			return a
		}
		if a.Type != ActSay {
			break // a transfer or a hangup comes first: no question follows
		}
	}
	return Action{}
}

func (n *Navigator) open(now time.Duration, g Action) []Command {
	n.mode, n.gather, n.listenAt, n.digits = listening, g, now, ""
	var cmds []Command
	if !n.talking { // else the caller barged in and is still talking: keep that utterance
		cmds = append(cmds, Command{Kind: CmdListen})
	}
	if keys := n.ahead; keys != "" && g.DTMF {
		n.ahead = ""
		for i := 0; i < len(keys); i++ {
			cmds = append(cmds, n.Digit(now, keys[i])...) // keys past a complete answer are kept ahead again
		}
	}
	return cmds
}

// interruptible: a prompt is playing and a question follows it.
func (n *Navigator) interruptible() bool { return n.mode == speaking && n.gather.Type == ActGather }

// PlaybackDone: the prompt finished (not stopped by a barge-in).
func (n *Navigator) PlaybackDone(now time.Duration) []Command {
	if n.mode != speaking {
		return nil
	}
	return n.next(now)
}

// Frame takes the detector's verdict on one frame at time now (from the answer).
func (n *Navigator) Frame(now time.Duration, s Speech) []Command {
	if n.hears != nil && !n.hears(n.lang) {
		s = Quiet // timeouts still run
	}
	switch n.mode {
	case speaking:
		if (s == BargeIn || s == SpeechStart) && n.interruptible() {
			n.talking = true
			cmds := []Command{{Kind: CmdStopPlay}, {Kind: CmdBargeIn, AtMS: now.Milliseconds(), By: "speech"}}
			n.dropSays()
			return append(cmds, n.next(now)...)
		}
		return nil
	case listening:
		return n.listenFrame(now, s)
	}
	return nil
}

// dropSays skips the prompts still queued before the gather: the caller is already answering.
func (n *Navigator) dropSays() {
	for len(n.pending) > 0 && n.pending[0].Type == ActSay {
		n.pending = n.pending[1:]
	}
}

func (n *Navigator) listenFrame(now time.Duration, s Speech) []Command {
	switch s {
	case SpeechStart, BargeIn:
		if n.digits == "" { // once keys come, a noise is not an answer
			n.talking = true
		}
	case SpeechEnd:
		if !n.talking {
			return nil
		}
		n.talking = false
		n.mode = thinking
		return []Command{{Kind: CmdRecognize, Hints: n.gather.Hints, Lang: n.lang}}
	}
	switch {
	case n.digits != "" && now-n.lastKey >= interDigit:
		return n.keysDone()
	case n.digits == "" && !n.talking && now-n.listenAt >= n.timeout():
		return n.turn(TurnInput{}) // nothing said or keyed in time
	}
	return nil
}

func (n *Navigator) timeout() time.Duration {
	if n.gather.TimeoutMS > 0 {
		return time.Duration(n.gather.TimeoutMS) * time.Millisecond
	}
	return defaultGatherTimeout
}

// Digit takes one key the caller pressed.
func (n *Navigator) Digit(now time.Duration, key byte) []Command {
	var cmds []Command
	switch {
	case n.interruptible() && n.gather.DTMF:
		cmds = append(cmds, Command{Kind: CmdStopPlay}, Command{Kind: CmdBargeIn, AtMS: now.Milliseconds(), By: "dtmf"})
		n.dropSays()
		n.next(now) // opens the gather; the key below is its first input
	case n.mode == thinking || n.mode == idle:
		if len(n.ahead) < maxAhead {
			n.ahead += string(key)
		}
		return nil
	case n.mode != listening || !n.gather.DTMF:
		return nil
	}
	n.talking = false // keys win over a half-heard utterance
	if key == '#' && n.digits != "" {
		return append(cmds, n.keysDone()...)
	}
	n.digits += string(key)
	n.lastKey = now
	max := n.gather.MaxDigits
	if max <= 0 {
		max = 1
	}
	if len(n.digits) >= max {
		return append(cmds, n.keysDone()...)
	}
	return cmds
}

// keysDone: the expected keys are in; the turn goes now, without waiting for a timeout.
func (n *Navigator) keysDone() []Command {
	return append([]Command{{Kind: CmdEndSpeech}}, n.turn(TurnInput{DTMF: n.digits})...)
}

// Recognized takes the recogniser's result for the last utterance ("" when nothing was
// understood, or when recognition failed: the bot asks again).
func (n *Navigator) Recognized(text string, confidence float64) []Command {
	if n.mode != thinking {
		return nil
	}
	return n.turn(TurnInput{Text: text, Confidence: confidence})
}

func (n *Navigator) turn(in TurnInput) []Command {
	n.mode, n.digits, n.talking = thinking, "", false
	return []Command{{Kind: CmdTurn, Input: in}}
}

// apology is said when the bot or a transfer fails, before the call ends.
var apology = map[string]string{
	"zh": "抱歉，系统暂时无法处理您的来电，请稍后再拨。",
	"en": "Sorry, we cannot take your call right now. Please call again later.",
}

// Fail: the bot could not answer or a transfer could not be placed. The caller hears an apology
// in the call's language, then the call ends.
func (n *Navigator) Fail(now time.Duration) []Command {
	if n.mode == done {
		return nil
	}
	text, ok := apology[n.lang]
	if !ok {
		text = apology["en"]
	}
	n.mode, n.gather, n.talking = speaking, Action{}, false
	n.pending = []Action{{Type: ActHangup}}
	return []Command{{Kind: CmdSay, Text: text, Lang: n.lang}}
}

// End: the call ends without the bot (a callback was taken): the caller hears text, then the
// edge hangs up with cause.
func (n *Navigator) End(now time.Duration, text, cause string) []Command {
	if n.mode == done {
		return nil
	}
	n.mode, n.gather, n.talking, n.endCause = speaking, Action{}, false, cause
	n.pending = []Action{{Type: ActHangup}}
	return []Command{{Kind: CmdSay, Text: text, Lang: n.lang}}
}

// Ended: the call is over; nothing more is asked.
func (n *Navigator) Ended() { n.mode = done }

// Lang is the language the call speaks now.
func (n *Navigator) Lang() string { return n.lang }
