package edge

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/shared/tenant"
)

// published keeps what facts publishes (the stream itself is tested in shared/stream).
type published struct {
	mu  sync.Mutex
	evs []events.Envelope
}

func (p *published) Publish(_ context.Context, envs ...events.Envelope) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.evs = append(p.evs, envs...)
	return nil
}

func TestCallEndedSaysWhoEndedItAndHow(t *testing.T) {
	demo, err := tenant.Parse("demo")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		end        call.Ending
		side       events.HangupSide
		reason     events.CallEndReason
		cause      events.HangupCause
		disp       events.CallDisposition
		talkPassed bool
	}{
		"the caller hangs up":                      {call.Ending{Side: "caller", Cause: "bye", Disposition: call.DispositionAbandoned}, events.HangupCaller, events.CallEndCallerHangup, events.CauseBye, events.DispositionAbandoned, false},
		"the bot says goodbye":                     {call.Ending{Side: "edge", Cause: "bot_hangup", Disposition: call.DispositionBot}, events.HangupEdge, events.CallEndBotHangup, events.CauseBye, events.DispositionResolvedByBot, false},
		"the agent hangs up":                       {call.Ending{Side: "edge", Cause: "agent_hangup", Disposition: call.DispositionTransferred, Talk: 40 * time.Second}, events.HangupAgent, events.CallEndAgentHangup, events.CauseBye, events.DispositionTransferred, true},
		"no RTP":                                   {call.Ending{Side: "timeout", Cause: "rtp_timeout", Disposition: call.DispositionAbandoned}, events.HangupEdge, events.CallEndFailed, events.CauseRTPTimeout, events.DispositionAbandoned, false},
		"a failed transfer":                        {call.Ending{Side: "edge", Cause: "transfer_failed", Disposition: call.DispositionFailed}, events.HangupEdge, events.CallEndFailed, events.CauseTransferFailed, events.DispositionFailed, false},
		"a forced shutdown":                        {call.Ending{Side: "edge", Cause: "shutdown", Disposition: call.DispositionAbandoned}, events.HangupEdge, events.CallEndFailed, events.CauseShutdown, events.DispositionAbandoned, false},
		"the chat function is down":                {call.Ending{Side: "edge", Cause: "turn_failed", Disposition: call.DispositionFailed}, events.HangupEdge, events.CallEndFailed, events.CauseError, events.DispositionFailed, false},
		"a callback taken":                         {call.Ending{Side: "edge", Cause: "callback", Disposition: call.DispositionCallbackRequested}, events.HangupEdge, events.CallEndBotHangup, events.CauseBye, events.DispositionCallbackRequested, false},
		"a diverted caller leaves":                 {call.Ending{Side: "caller", Cause: "bye", Disposition: call.DispositionDiverted}, events.HangupCaller, events.CallEndCallerHangup, events.CauseBye, events.DispositionDiverted, false},
		"the agent leaves, the caller is surveyed": {call.Ending{Side: "callee", Cause: "agent_hangup", Disposition: call.DispositionTransferred, Talk: 40 * time.Second}, events.HangupAgent, events.CallEndAgentHangup, events.CauseBye, events.DispositionTransferred, true},
	}
	for name, tc := range cases {
		p := &published{}
		f := newFacts(p, slog.New(slog.DiscardHandler))
		tc.end.Duration = time.Minute
		f.Ended(context.Background(), call.Info{Tenant: demo, ID: "0193a0c2-0000-7000-8000-000000000001"}, tc.end)
		f.Close()
		if len(p.evs) != 1 || p.evs[0].Type != events.TypeCallEnded {
			t.Fatalf("%s: published %v", name, p.evs)
		}
		var got events.CallEnded
		if err := json.Unmarshal(p.evs[0].Data, &got); err != nil {
			t.Fatal(err)
		}
		if got.HangupSide != tc.side || got.Reason != tc.reason || got.HangupCause != tc.cause || got.Disposition != tc.disp || (got.TalkMS > 0) != tc.talkPassed {
			t.Errorf("%s: %+v", name, got)
		}
	}
}

// The divert strategy's offer becomes call.diverted with the caller's number for the webhook; a
// withheld number is "anonymous", as in call.started.
func TestDivertedNamesTheCallAndItsContact(t *testing.T) {
	demo, err := tenant.Parse("demo")
	if err != nil {
		t.Fatal(err)
	}
	p := &published{}
	f := newFacts(p, slog.New(slog.DiscardHandler))
	info := call.Info{Tenant: demo, ID: "0193a0c2-0000-7000-8000-0000000000d1", From: "+8613800138000"}
	f.Diverted(context.Background(), info, call.DivertFact{Queue: "general", ActivationID: "act-20261206T0930-general-divert", Link: "https://app.example.com/help"})
	f.Close()
	if len(p.evs) != 1 || p.evs[0].Type != events.TypeCallDiverted || p.evs[0].Subject != info.ID {
		t.Fatalf("published %v", p.evs)
	}
	var got events.CallDiverted
	if err := json.Unmarshal(p.evs[0].Data, &got); err != nil {
		t.Fatal(err)
	}
	want := events.CallDiverted{CallID: info.ID, ConversationID: ContactID(info.ID), Queue: "general", ActivationID: "act-20261206T0930-general-divert",
		From: "+8613800138000", Link: "https://app.example.com/help"}
	if got != want {
		t.Fatalf("call.diverted %+v, want %+v", got, want)
	}
}

// The voice survey's answer is feedback.submitted about the call's contact (its conversation),
// with the source voice.
func TestRatedIsFeedbackAboutTheCallsContact(t *testing.T) {
	demo, err := tenant.Parse("demo")
	if err != nil {
		t.Fatal(err)
	}
	p := &published{}
	f := newFacts(p, slog.New(slog.DiscardHandler))
	info := call.Info{Tenant: demo, ID: "0193a0c2-0000-7000-8000-0000000000f1", From: "+8613800138000"}
	f.Rated(context.Background(), info, call.Rating{CSAT: 4, After: call.SurveyAfterAgent})
	f.Close()
	if len(p.evs) != 1 || p.evs[0].Type != events.TypeFeedbackSubmitted || p.evs[0].Subject != ContactID(info.ID) || p.evs[0].Source != Source {
		t.Fatalf("published %v", p.evs)
	}
	got, err := events.DataAs[events.FeedbackSubmitted](p.evs[0])
	if err != nil {
		t.Fatal(err)
	}
	if got.ContactID != ContactID(info.ID) || got.CSAT == nil || *got.CSAT != 4 || got.Source != events.FeedbackVoice || got.NPS != nil || got.CustomerID != "" {
		t.Fatalf("feedback.submitted %+v", got)
	}
}
