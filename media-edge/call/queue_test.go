package call

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/shared/tenant"
)

// silentPrompts says every text as 100 ms of audio and keeps the texts.
type silentPrompts struct {
	mu    sync.Mutex
	texts []string
}

func (p *silentPrompts) Prompt(_ context.Context, text, _ string) ([]int16, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.texts = append(p.texts, text)
	return make([]int16, 800), nil
}

// queuedRun is a call waiting in queue general, its loop played by the test: steps come from
// x.results and the test runs them.
func queuedRun(t *testing.T, f *fakeFloor) (*callRun, *queueWait, context.Context, *sync.WaitGroup) {
	t.Helper()
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sess, err := media.NewSession(conn, media.Params{Remote: netip.MustParseAddrPort("127.0.0.1:9"), Codec: media.PCMU}, media.Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wctx, stop := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait(); conn.Close() })
	nav := NewNavigator("en")
	nav.Reply(0, "en", []Action{{Type: ActTransfer, Queue: "general"}})
	ten, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	x := &callRun{h: &Handler{Prompts: &silentPrompts{}, Floor: f}, sess: sess, nav: nav, log: log,
		info: Info{Tenant: ten, ID: "call-1", From: "+8613800138000"}, results: make(chan func() []Command, 4)}
	q := &queueWait{queue: "general", stop: stop, announced: true}
	x.queued = q
	return x, q, wctx, &wg
}

// A callback offered after a wait never cuts the join announcement: it waits for its end, then is
// said; a 1 before the offer is only a key.
func TestALaterCallbackOfferWaitsForTheAnnouncement(t *testing.T) {
	f := &fakeFloor{}
	f.set(VoiceContact{State: ContactQueued})
	x, q, wctx, wg := queuedRun(t, f)
	q.promptEnd = time.Now().Add(time.Hour) // the announcement is still playing
	x.offerCallbackLater(wctx, wg, q, CallbackOffer{After: time.Millisecond, Promise: 45 * time.Minute}, "en", nil)
	if cmds := (<-x.results)(); cmds != nil || !q.offerBy.IsZero() || x.playback != nil {
		t.Fatalf("the offer cut the announcement: %+v, offer by %s", cmds, q.offerBy)
	}
	if cmds := x.queueDigit(wctx, wg, '1'); cmds != nil || q.requesting {
		t.Fatal("a 1 before the offer asked for a callback")
	}
	q.promptEnd = time.Now().Add(-time.Second) // the announcement ended
	at := time.Now()
	(<-x.results)()
	if x.playback == nil || q.offerBy.Before(at.Add(44*time.Minute)) || q.offerBy.After(time.Now().Add(45*time.Minute)) {
		t.Fatalf("after the announcement: playing %v, offer by %s", x.playback != nil, q.offerBy)
	}
	texts := x.h.Prompts.(*silentPrompts).texts
	if len(texts) != 1 || texts[0] != "Press 1 to be called back by "+hhmm(q.offerBy, nil)+"." {
		t.Fatalf("said %q", texts)
	}
}

// A 1 after the offer: the floor keeps the contact as a callback, the wait for an agent stops,
// the caller hears the confirmation and the call ends with cause callback; a second 1 meanwhile
// asks nothing more.
func TestOneAfterTheOfferTakesTheCallback(t *testing.T) {
	f := &fakeFloor{}
	f.set(VoiceContact{State: ContactQueued})
	x, q, wctx, wg := queuedRun(t, f)
	q.offerBy = time.Date(2026, 12, 6, 10, 45, 0, 0, time.UTC)
	if cmds := x.queueDigit(wctx, wg, '2'); cmds != nil || q.requesting {
		t.Fatal("a 2 asked for a callback")
	}
	x.queueDigit(wctx, wg, '1')
	x.queueDigit(wctx, wg, '1')
	cmds := (<-x.results)()
	if len(cmds) != 1 || cmds[0].Kind != CmdSay || cmds[0].Text != "Thank you. We will call you back by 10:45. Goodbye." {
		t.Fatalf("after the callback: %+v", cmds)
	}
	if !q.done || !q.taken.Load() || x.outcome != DispositionCallbackRequested || wctx.Err() == nil {
		t.Fatalf("done %v, taken %v, outcome %q, wait %v", q.done, q.taken.Load(), x.outcome, wctx.Err())
	}
	if got := f.notes(); !slices.Equal(got, []string{"callback +8613800138000 2026-12-06T10:45:00Z"}) {
		t.Fatalf("floor writes %v", got)
	}
	if cmds := x.nav.PlaybackDone(0); len(cmds) != 1 || cmds[0].Kind != CmdHangup || cmds[0].Cause != "callback" {
		t.Fatalf("after the confirmation: %+v", cmds)
	}
}

// A 1 as the contact is offered to an agent changes nothing: the caller keeps waiting (the agent's
// phone rings) and may press again.
func TestOneWhileOfferedKeepsWaiting(t *testing.T) {
	f := &fakeFloor{}
	f.set(VoiceContact{State: ContactOffered, Offer: &VoiceOffer{ID: "o1", AgentID: "usr_a", ExpiresAt: time.Now().Add(time.Hour)}})
	x, q, wctx, wg := queuedRun(t, f)
	q.offerBy = time.Now().Add(time.Hour)
	x.queueDigit(wctx, wg, '1')
	if cmds := (<-x.results)(); cmds != nil || q.done || q.requesting || q.taken.Load() || wctx.Err() != nil {
		t.Fatalf("after a refused callback: %+v, done %v", cmds, q.done)
	}
	if n := f.notes(); len(n) != 0 || strings.Contains(strings.Join(n, ","), "callback") {
		t.Fatalf("floor writes %v", n)
	}
}
