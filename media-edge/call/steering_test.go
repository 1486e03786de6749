package call

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lingxi/lingxi/media-edge/sip"
	"github.com/lingxi/lingxi/shared/tenant"
)

func TestJoinAnnouncement(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	by := time.Date(2026, 12, 6, 6, 45, 0, 0, time.UTC) // 14:45 in Shanghai
	for name, tc := range map[string]struct {
		lang   string
		st     QueueSteering
		divert bool
		by     time.Time
		want   string
	}{
		"nothing in force": {lang: "en",
			want: "Please hold while we connect you to an agent."},
		"the expected wait": {lang: "en", st: QueueSteering{ExpectedWait: 4*time.Minute + 10*time.Second},
			want: "The expected wait is about 5 minutes. Please hold while we connect you to an agent."},
		"a short wait is a minute": {lang: "en", st: QueueSteering{ExpectedWait: 20 * time.Second},
			want: "The expected wait is about 1 minute. Please hold while we connect you to an agent."},
		"self-service": {lang: "en", divert: true,
			want: "Please hold while we connect you to an agent. You can also get help right away in our app; we have sent you a link by text message."},
		"a callback in UTC": {lang: "en", by: by,
			want: "Please hold while we connect you to an agent. Press 1 to be called back by 06:45."},
		"all of them in the tenant's zone": {lang: "en", st: QueueSteering{ExpectedWait: 2 * time.Minute, Location: shanghai}, divert: true, by: by,
			want: "The expected wait is about 2 minutes. Please hold while we connect you to an agent. You can also get help right away in our app; we have sent you a link by text message. Press 1 to be called back by 14:45."},
		"in Chinese": {lang: "zh", st: QueueSteering{ExpectedWait: 3 * time.Minute, Location: shanghai}, divert: true, by: by,
			want: "预计等待时间约为3分钟。请稍候，正在为您转接人工客服。您也可以在我们的应用中立即获得帮助，我们已通过短信向您发送了链接。如需在14:45前接到我们的回电，请按1。"},
		"a language without prompts speaks English": {lang: "fr", st: QueueSteering{ExpectedWait: time.Minute},
			want: "The expected wait is about 1 minute. Please hold while we connect you to an agent."},
	} {
		if got := joinAnnouncement(tc.lang, tc.st, tc.divert, tc.by); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", name, got, tc.want)
		}
	}
	if got := callbackOffer("zh", by, nil); got != "如需在06:45前接到我们的回电，请按1。" {
		t.Errorf("the later offer: %q", got)
	}
	if got := callbackConfirmation("en", by, shanghai); got != "Thank you. We will call you back by 14:45. Goodbye." {
		t.Errorf("the confirmation: %q", got)
	}
	if got := callbackConfirmation("zh", by, shanghai); got != "好的，我们将在14:45前给您回电。再见。" {
		t.Errorf("the confirmation in Chinese: %q", got)
	}
}

// The divert decision is a stable hash of the call id: the same call decides the same way every
// time it is asked, none at share 0, all at share 1, and about share of many calls.
func TestDivertsIsAStableShareOfCalls(t *testing.T) {
	const n = 20000
	for _, share := range []float64{0, 0.1, 0.35, 0.8, 1} {
		k := 0
		for i := range n {
			id := fmt.Sprintf("0193a5c0-0000-7000-8000-%012d", i)
			d := Diverts(id, share)
			if d != Diverts(id, share) {
				t.Fatalf("call %s decided two ways", id)
			}
			if d {
				k++
			}
		}
		got := float64(k) / n
		if got < share-0.02 || got > share+0.02 {
			t.Errorf("share %.2f: %.3f of the calls diverted", share, got)
		}
	}
	if !Diverts("any", 1) || Diverts("any", 0) || Diverts("any", -1) {
		t.Fatal("the bounds")
	}
	// A call diverted at a share stays diverted at a larger one: raising the share adds callers.
	for i := range 1000 {
		id := fmt.Sprint("call-", i)
		if Diverts(id, 0.2) && !Diverts(id, 0.5) {
			t.Fatalf("%s diverted at 20%% but not at 50%%", id)
		}
	}
}

func TestReachable(t *testing.T) {
	for from, want := range map[string]bool{"+8613800138000": true, "sip:alice@example.com": true, "": false, "anonymous": false, "Anonymous": false} {
		if reachable(from) != want {
			t.Errorf("reachable(%q) = %v", from, !want)
		}
	}
}

// The callback's goodbye: the confirmation, then the edge hangs up with cause callback, whatever
// the navigation was doing (the call was waiting in a queue).
func TestEndSaysGoodbyeThenHangsUp(t *testing.T) {
	n := NewNavigator("en")
	n.Reply(0, "en", []Action{{Type: ActTransfer, Queue: "general"}})
	cmds := n.End(time.Second, "Thank you. Goodbye.", "callback")
	if len(cmds) != 1 || cmds[0].Kind != CmdSay || cmds[0].Text != "Thank you. Goodbye." || cmds[0].Lang != "en" {
		t.Fatalf("End: %+v", cmds)
	}
	if got := n.Digit(2*time.Second, '1'); len(got) != 0 {
		t.Fatalf("a key during the goodbye: %+v", got)
	}
	cmds = n.PlaybackDone(3 * time.Second)
	if len(cmds) != 1 || cmds[0].Kind != CmdHangup || cmds[0].Cause != "callback" {
		t.Fatalf("after the goodbye: %+v", cmds)
	}
	if got := n.End(4*time.Second, "again", "callback"); got != nil {
		t.Fatalf("End after the hangup: %+v", got)
	}
	// The bot's own goodbye keeps its cause.
	b := NewNavigator("en")
	b.Reply(0, "en", []Action{{Type: ActSay, Text: "Bye."}, {Type: ActHangup}})
	if cmds := b.PlaybackDone(time.Second); len(cmds) != 1 || cmds[0].Cause != "bot_hangup" {
		t.Fatalf("the bot's hangup: %+v", cmds)
	}
}

// A contact kept as a callback ends the wait: an offer of it is the agent's to call back, and the
// softphone must not ring.
func TestACallbackEndsTheWaitWithoutRinging(t *testing.T) {
	f := &fakeFloor{phones: map[string]string{"usr_a": "alice"}}
	f.set(VoiceContact{State: ContactQueued})
	if err := f.RequestCallback(context.Background(), tenant.ID{}, "call-1", "+8613800138000", time.Now()); err != nil {
		t.Fatal(err)
	}
	c := *f.c
	c.State, c.Offer = ContactOffered, &VoiceOffer{ID: "o1", AgentID: "usr_a", ExpiresAt: time.Now().Add(time.Hour)}
	f.set(c)
	w, _ := newWait(f, func(context.Context, string) (*sip.Leg, error) {
		t.Error("rang the agent for a callback")
		return nil, sip.ErrNoAnswer
	})
	if _, err := w.run(context.Background()); !errors.Is(err, errCalledBack) {
		t.Fatalf("wait ended with %v, want errCalledBack", err)
	}
	f.set(VoiceContact{State: ContactOffered, Offer: c.Offer})
	if err := f.RequestCallback(context.Background(), tenant.ID{}, "call-1", "+8613800138000", time.Now()); !errors.Is(err, ErrNotWaiting) {
		t.Fatalf("a callback for an offered contact: %v", err)
	}
}
