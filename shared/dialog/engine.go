package dialog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/egress"
)

// Doer sends HTTP requests; *http.Client is one. Webhooks go through it, so
// tests and the local stack inject their own. In production give it a
// client that does not follow redirects and whose dialer refuses private
// addresses: the engine checks the URL it is given, not where DNS or a
// redirect leads.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Config sets up an Engine.
type Config struct {
	// HTTP sends webhook requests. Without it every webhook step fails.
	HTTP Doer
	// WebhookSecret is the tenant's webhook signing secret. Without it
	// every webhook step fails: requests are never sent unsigned.
	WebhookSecret []byte
	// Egress decides which addresses a webhook URL that names an IP
	// address may reach; the zero Policy allows public addresses only, as
	// production wants. Tests and the local stack list their loopback
	// ports. Host names are for HTTP's dialer to judge (egress.NewClient).
	Egress egress.Policy
	// Location is the tenant's time zone, for dates ("明天"); default UTC.
	Location *time.Location
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives one line per webhook call and per failure; default
	// slog.Default(). Customer text and slot values are never logged.
	Logger *slog.Logger
	// MaxStepsPerTurn bounds the steps one Start or Turn runs without
	// waiting for the customer; default 64.
	MaxStepsPerTurn int
	// RetryBackoff is the wait before the first webhook retry, doubled
	// for each further retry (with jitter, at most 2 s); default 250 ms.
	RetryBackoff time.Duration
}

// Engine runs flows. It holds one tenant's settings (the webhook secret,
// the time zone) and no conversation state, so it is cheap to build per
// request; the HTTP client inside it is what to share. Its methods are safe
// for concurrent use.
type Engine struct {
	cfg Config
	log *slog.Logger
}

// NewEngine returns an Engine with cfg's defaults filled in.
func NewEngine(cfg Config) *Engine {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxStepsPerTurn <= 0 {
		cfg.MaxStepsPerTurn = 64
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 250 * time.Millisecond
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Engine{cfg: cfg, log: log}
}

var sorry = Text{LangEn: "Sorry, I didn't get that. ", LangZh: "抱歉，我没有听明白。"}

// Start begins a conversation on f and runs it until it waits for the
// customer or ends. The language is in.Lang when set (and then fixed), else
// the one of in.Text, else the flow's first. Slots in in.Slots and those
// in.Text names ("ending 1234") are filled first, and ask steps for filled
// slots are skipped. Webhook steps are called (Call) as the flow reaches
// them: Start is StartWith with the calls made.
func (e *Engine) Start(ctx context.Context, f *Flow, in StartInput) (State, []Output, error) {
	at := e.at(e.cfg.Now())
	return withCalls(ctx, e, func(done Webhooks) (State, []Output, error) { return at.StartWith(f, in, done) })
}

// StartWith is Start without I/O: webhook steps take their results from done (by
// WebhookCall.Key), and a webhook step without one stops the run with a *WebhookNeeded.
func (e *Engine) StartWith(f *Flow, in StartInput, done Webhooks) (State, []Output, error) {
	if f == nil || f.index == nil {
		return State{}, nil, fmt.Errorf("%w: the flow was not built by ParseFlow", ErrInvalidFlow)
	}
	st := State{
		FlowID: f.ID, FlowVersion: f.Version,
		ConversationID: in.ConversationID, CustomerID: in.CustomerID,
		Slots: map[string]string{}, Lang: f.defaultLang(), Turns: 1, Voice: in.Voice,
	}
	if in.Lang != "" {
		if f.Offers(in.Lang) {
			st.Lang = in.Lang
		}
		st.LangFixed = true
	} else if l := DetectLanguage(in.Text); f.Offers(l) {
		st.Lang = l
	}
	for _, name := range slices.Sorted(maps.Keys(in.Slots)) {
		if !f.known[name] {
			return State{}, nil, fmt.Errorf("%w: the flow has no slot %q", ErrBadInput, name)
		}
		val := strings.TrimSpace(in.Slots[name])
		if sp, ok := f.specs[name]; ok {
			v, ok := readSlot(sp, Input{Text: val}, e.cfg.Now(), e.cfg.Location, false)
			if !ok {
				return State{}, nil, fmt.Errorf("%w: slot %q: not a %s", ErrBadInput, name, sp.Type)
			}
			val = v
		}
		st.Slots[name] = clip(val)
	}
	e.prefill(f, &st, in.Text, "")
	out, err := e.run(f, &st, f.StartStep(), nil, done)
	if err != nil {
		return State{}, nil, err
	}
	return st, out, nil
}

// withCalls runs run, and again with each webhook call it needs made, until it needs none.
func withCalls(ctx context.Context, e *Engine, run func(Webhooks) (State, []Output, error)) (State, []Output, error) {
	done := Webhooks{}
	for {
		st, out, err := run(done)
		need, ok := errors.AsType[*WebhookNeeded](err)
		if !ok {
			return st, out, err
		}
		if _, seen := done[need.Call.Key]; seen {
			return st, nil, fmt.Errorf("%w: webhook %s needed twice", ErrBadState, need.Call.Step)
		}
		res, err := e.Call(ctx, need.Call)
		if err != nil {
			return st, nil, err
		}
		done[need.Call.Key] = res
	}
}

// at is e with its clock stopped at now, so that the runs of one turn agree on relative dates.
func (e *Engine) at(now time.Time) *Engine {
	c := *e
	c.cfg.Now = func() time.Time { return now }
	return &c
}

// Turn takes the customer's answer to the step st waits at and runs the
// flow until it waits again or ends. An answer that does not fit is asked
// again with the step's re-prompt, up to its max attempts; then the flow
// goes to the step's on_fail. On error st is returned unchanged, so the
// caller may retry the turn (webhooks get the same idempotency key).
// Webhook steps are called (Call) as the flow reaches them: Turn is
// TurnWith with the calls made.
func (e *Engine) Turn(ctx context.Context, f *Flow, st State, in Input) (State, []Output, error) {
	at := e.at(e.cfg.Now())
	return withCalls(ctx, e, func(done Webhooks) (State, []Output, error) { return at.TurnWith(f, st, in, done) })
}

// TurnWith is Turn without I/O: webhook steps take their results from done (by
// WebhookCall.Key), and a webhook step without one stops the run with a *WebhookNeeded (st
// returned unchanged, as on every error).
func (e *Engine) TurnWith(f *Flow, st State, in Input, done Webhooks) (State, []Output, error) {
	if f == nil || f.index == nil {
		return st, nil, fmt.Errorf("%w: the flow was not built by ParseFlow", ErrInvalidFlow)
	}
	if st.FlowID != f.ID || st.FlowVersion != f.Version {
		return st, nil, fmt.Errorf("%w: state is on %s v%d, flow is %s v%d", ErrFlowMismatch, st.FlowID, st.FlowVersion, f.ID, f.Version)
	}
	if st.Done {
		return st, nil, ErrFinished
	}
	step, ok := f.Step(st.Step)
	if !ok || (step.Kind != KindAsk && step.Kind != KindConfirm) || !st.Lang.Valid() {
		return st, nil, fmt.Errorf("%w: step %q", ErrBadState, st.Step)
	}
	next := st.clone()
	next.Turns++
	e.follow(f, &next, in)
	target := ""
	switch step.Kind {
	case KindAsk:
		if v, ok := readSlot(step.Slot, in, e.cfg.Now(), e.cfg.Location, false); ok {
			next.Slots[step.Slot.Name] = v
			e.prefill(f, &next, in.Text, step.Slot.Name)
			target = step.Next
		}
	case KindConfirm:
		switch confirmAnswer(in) {
		case answerYes:
			target = step.OnYes
		case answerNo:
			target = step.OnNo
		}
	}
	if target == "" {
		next.Attempts++
		if next.Attempts < f.maxAttempts(step) {
			return next, []Output{e.gather(f, &next, step, true)}, nil
		}
		target = f.onFail(step)
	}
	next.Attempts = 0
	out, err := e.run(f, &next, target, nil, done)
	if err != nil {
		return st, nil, err
	}
	return next, out, nil
}

func confirmAnswer(in Input) answer {
	switch strings.TrimRight(in.DTMF, "#") {
	case "1":
		return answerYes
	case "2":
		return answerNo
	case "":
		return yesNo(in.Text)
	}
	return answerNone
}

// follow switches the conversation to the customer's language (Follow),
// unless it is fixed.
func (e *Engine) follow(f *Flow, st *State, in Input) {
	if st.LangFixed {
		return
	}
	l := in.Lang
	if l == "" {
		l = Follow(st.Lang, in.Text)
	}
	if f.Offers(l) {
		st.Lang = l
	}
}

// prefill fills, from text, every empty slot the flow lets be prefilled
// except the one just answered.
func (e *Engine) prefill(f *Flow, st *State, text, except string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	for i := range f.Steps {
		sp := f.Steps[i].Slot
		if sp == nil || sp.Name == except || !sp.prefill() || f.specs[sp.Name] != sp {
			continue
		}
		if _, filled := st.Slots[sp.Name]; filled {
			continue
		}
		if v, ok := readSlot(sp, Input{Text: text}, e.cfg.Now(), e.cfg.Location, true); ok {
			st.Slots[sp.Name] = v
		}
	}
}

// run executes steps from id until one waits for the customer or the flow
// ends, appending the outputs to out. Webhook steps take their results from
// done.
func (e *Engine) run(f *Flow, st *State, id string, out []Output, done Webhooks) ([]Output, error) {
	for range e.cfg.MaxStepsPerTurn {
		s, ok := f.Step(id)
		if !ok {
			return nil, fmt.Errorf("%w: no step %q", ErrBadState, id)
		}
		switch s.Kind {
		case KindSay:
			text, _, _ := s.words(st.Voice)
			out = append(out, Output{Type: OutputSay, Lang: st.Lang, Text: f.render(text, st.Lang, st.Slots)})
			id = s.Next
		case KindAsk:
			_, filled := st.Slots[s.Slot.Name]
			asked := slices.Contains(st.Asked, s.ID)
			if !asked {
				st.Asked = append(st.Asked, s.ID)
			}
			if filled && !asked {
				id = s.Next
				continue
			}
			st.Step, st.Attempts = s.ID, 0
			return append(out, e.gather(f, st, s, false)), nil
		case KindConfirm:
			st.Step, st.Attempts = s.ID, 0
			return append(out, e.gather(f, st, s, false)), nil
		case KindBranch:
			id = s.Default
			for _, c := range s.Cases {
				if c.holds(st.Slots) {
					id = c.Next
					break
				}
			}
		case KindWebhook:
			ok, err := webhook(f, st, s, done)
			if err != nil {
				return nil, err
			}
			id = s.OnFailure
			if ok {
				id = s.OnSuccess
			}
		case KindEnd:
			text, _, _ := s.words(st.Voice)
			out = append(out, Output{Type: OutputSay, Lang: st.Lang, Text: f.render(text, st.Lang, st.Slots)})
			if s.Outcome == OutcomeHandoff {
				out = append(out, Output{Type: OutputTransfer, Lang: st.Lang, Queue: s.Queue, Reason: s.Reason})
			}
			out = append(out, Output{Type: OutputEnd, Lang: st.Lang, Outcome: s.Outcome})
			st.Step, st.Attempts = s.ID, 0
			st.Done, st.Outcome, st.Queue, st.Reason = true, s.Outcome, s.Queue, s.Reason
			return out, nil
		}
	}
	return nil, fmt.Errorf("%w: more than %d steps (flow %s, at %q)", ErrStepLimit, e.cfg.MaxStepsPerTurn, f.ID, id)
}

// gather asks the question of an ask or confirm step.
func (e *Engine) gather(f *Flow, st *State, s *Step, again bool) Output {
	_, ask, reask := s.words(st.Voice)
	prompt := f.render(ask, st.Lang, st.Slots)
	if again {
		if len(reask) > 0 {
			prompt = f.render(reask, st.Lang, st.Slots)
		} else {
			prompt = sorry[st.Lang] + prompt
		}
	}
	r, _ := f.Recognition(s.ID, st.Lang)
	o := Output{Type: OutputGather, Lang: st.Lang, Prompt: prompt, Hints: r.Phrases, Options: r.Options, DTMF: r.DTMF, MaxDigits: r.MaxDigits}
	if s.Slot != nil {
		o.Slot, o.SlotType = s.Slot.Name, s.Slot.Type
	}
	return o
}

// holds evaluates a branch condition on the slots.
func (c *Case) holds(slots map[string]string) bool {
	v, ok := slots[c.Slot]
	ok = ok && v != ""
	switch c.Op {
	case OpExists:
		return ok
	case OpMissing:
		return !ok
	}
	if !ok {
		return false
	}
	switch c.Op {
	case OpEq:
		return sameValue(v, c.Value)
	case OpNe:
		return !sameValue(v, c.Value)
	case OpIn, OpNotIn:
		in := slices.ContainsFunc(c.Values, func(x any) bool { return sameValue(v, x) })
		return in == (c.Op == OpIn)
	}
	a, aok := slotNumber(v)
	b, bok := scalarNumber(c.Value)
	if !aok || !bok {
		return false
	}
	switch c.Op {
	case OpGt:
		return a > b
	case OpGte:
		return a >= b
	case OpLt:
		return a < b
	case OpLte:
		return a <= b
	}
	return false
}

// sameValue compares a slot's text with a condition operand: as text
// (case-insensitively), or as numbers when both are.
func sameValue(v string, x any) bool {
	s := scalarText(x)
	if strings.EqualFold(v, s) {
		return true
	}
	a, aok := slotNumber(v)
	b, bok := scalarNumber(x)
	return aok && bok && a == b
}

func scalarText(x any) string {
	switch t := x.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

func scalarNumber(x any) (float64, bool) {
	switch t := x.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	case string:
		return slotNumber(t)
	}
	return 0, false
}

// slotNumber reads a slot as a number; an amount ("500.00 CNY") reads as
// its value.
func slotNumber(v string) (float64, bool) {
	head, _, _ := strings.Cut(strings.TrimSpace(v), " ")
	f, err := strconv.ParseFloat(head, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// maxSlotBytes bounds a slot value set from outside (inputs, webhooks).
const maxSlotBytes = 1000

// clip shortens s to maxSlotBytes on a character boundary.
func clip(s string) string { return cut(s, maxSlotBytes) }
