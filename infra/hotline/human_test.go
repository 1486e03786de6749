package hotline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/coder/websocket"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/media-edge/edge"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// tableOf is the local stack's table.
func tableOf(l *local.Local) *store.Store {
	cfg := aws.Config{Region: devstack.Region, Credentials: devstack.Credentials()}
	return store.New(dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(l.Stack.Endpoints().DynamoDB) }), l.Stack.Ref("Table"))
}

// floorOf is the local stack's floor, as the api function and dispatch use it.
func floorOf(t *testing.T, l *local.Local) *floor.Floor {
	t.Helper()
	ep := l.Stack.Endpoints()
	cfg := aws.Config{Region: devstack.Region, Credentials: devstack.Credentials()}
	db := tableOf(l)
	kc := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(ep.Kinesis) })
	return floor.New(db, outbox.New(db, stream.NewPublisher(kc, l.Stack.Ref("EventStream")), slog.New(slog.NewTextHandler(io.Discard, nil))))
}

const agentPassword = "correct horse battery staple 7"

// desktop is an agent's WebSocket connection as the console holds it: every message it got.
type desktop struct {
	cancel context.CancelFunc
	done   chan []map[string]any
	once   sync.Once
	got    []map[string]any
}

// openDesktop signs the agent in and connects to the agents' WebSocket API.
func openDesktop(t *testing.T, l *local.Local, username string) *desktop {
	t.Helper()
	ctx := context.Background()
	code, out, err := l.Call(ctx, "POST", "/v1/sessions", "", map[string]string{"tenant": local.DemoTenant, "username": username, "password": agentPassword})
	if err != nil || code != http.StatusCreated {
		t.Fatalf("sign in: %d %s %v", code, out, err)
	}
	var s struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatal(err)
	}
	apis := l.Stack.WebSocketAPIs()
	if len(apis) == 0 {
		t.Fatal("the local stack has no WebSocket API")
	}
	wctx, cancel := context.WithCancel(ctx)
	conn, _, err := websocket.Dial(wctx, l.Stack.WebSocketURL(apis[0])+"?token="+s.Token, nil)
	if err != nil {
		cancel()
		t.Fatalf("connect the desktop: %v", err)
	}
	d := &desktop{cancel: cancel, done: make(chan []map[string]any, 1)}
	go func() {
		var got []map[string]any
		defer func() { conn.CloseNow(); d.done <- got }()
		for {
			_, b, err := conn.Read(wctx)
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) == nil {
				got = append(got, m)
			}
		}
	}()
	t.Cleanup(func() { d.stop() })
	return d
}

// stop closes the connection and returns everything it received.
func (d *desktop) stop() []map[string]any {
	d.once.Do(func() {
		d.cancel()
		d.got = <-d.done
	})
	return d.got
}

// voiceAgent makes a person of the demo tenant who takes calls on the demo agent's softphone
// account and returns their user id.
func voiceAgent(t *testing.T, l *local.Local, username string) string {
	t.Helper()
	return voiceAgentOn(t, l, username, local.DemoAgent)
}

// voiceAgentOn makes a person who takes calls on softphone account sipAccount.
func voiceAgentOn(t *testing.T, l *local.Local, username, sipAccount string) string {
	t.Helper()
	body := map[string]any{
		"username": username, "display_name": "Voice Agent", "role": "agent", "password": agentPassword,
		"skills": []map[string]any{}, "capacity": map[string]int{"voice": 1, "chat": 0}, "sip_account": sipAccount,
	}
	code, out, err := l.Call(context.Background(), "POST", "/v1/users", l.DemoKey, body)
	if err != nil || code != http.StatusCreated {
		t.Fatalf("create the agent: %d %s %v", code, out, err)
	}
	var u struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// withoutTransferTarget removes queue's voice transfer target for the test: the demo's queues
// transfer to the agent's account directly, and without a target their calls go to human
// routing. The target comes back for the other tests.
func withoutTransferTarget(t *testing.T, l *local.Local, queue string) {
	t.Helper()
	ctx := context.Background()
	if code, body, err := l.Call(ctx, "DELETE", "/v1/voice-transfer-targets/"+queue, l.DemoKey, nil); err != nil || code >= 300 {
		t.Fatalf("delete the transfer target: %d %s %v", code, body, err)
	}
	t.Cleanup(func() {
		if code, body, err := l.Call(ctx, "PUT", "/v1/voice-transfer-targets/"+queue, l.DemoKey, map[string]any{"target": "account:" + local.DemoAgent}); err != nil || code >= 300 {
			t.Errorf("restore the transfer target: %d %s %v", code, body, err)
		}
	})
}

// A caller keys 0 for a person and the queue has no transfer target: the call joins human
// routing. Dispatch queues the contact and offers it to the only available agent; the edge rings
// that agent's softphone (baresip), takes the offer when it answers and bridges the caller; the
// contact is assigned to the agent, and when the call ends it goes to wrap-up.
func TestAQueuedCallRingsTheAvailableAgent(t *testing.T) {
	l := product(t)
	ctx := context.Background()
	withoutTransferTarget(t, l, "general")
	ten, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	fl := floorOf(t, l)
	username := fmt.Sprint("voice-agent-1-", time.Now().UnixNano()%1e9)
	userID := voiceAgent(t, l, username)
	if _, err := fl.SetState(ctx, ten, userID, floor.AgentAvailable, "self", userID); err != nil {
		t.Fatalf("set the agent available: %v", err)
	}
	t.Cleanup(func() {
		if _, err := fl.SetState(ctx, ten, userID, floor.AgentOffline, "sign_out", userID); err != nil {
			t.Errorf("set the agent offline: %v", err)
		}
	})
	desk := openDesktop(t, l, username)
	a := startAgent(t, l, speechWAV(t, "en", "Hello, this is Anna from the service desk. How can I help you today? Please tell me what happened."))
	words, wordsLen := speech(t, "en", "I would like to close my account")
	sipID := call{from: "+8613800138000", steps: []step{
		pause(2 * time.Second), keys(t, "0"), pause(9 * time.Second), say(words, wordsLen), hungUp,
	}}.run(t, l)

	callID, evs := callEvents(t, l, sipID)
	xfer := find(evs, events.TypeCallTransferred)
	if len(xfer) != 1 {
		t.Fatalf("call.transferred: %v\n%s\n%s", types(evs), edgeLog(callID), a.log.String())
	}
	tr := payload[events.CallTransferred](t, xfer[0])
	if tr.Queue != "general" || tr.TargetKind != events.TransferToAgent || tr.Target != local.DemoAgent {
		t.Fatalf("call.transferred %+v", tr)
	}
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.Disposition != events.DispositionTransferred || end.TalkMS <= 0 {
		t.Fatalf("call.ended %+v", end)
	}
	heard := a.heard(t)
	if e := energy(monoAsStereo(heard.Samples), 0, 0, time.Duration(len(heard.Samples))*time.Second/8000); e < 100 {
		t.Fatalf("the agent heard silence (RMS %.0f): the caller's words did not reach the softphone", e)
	}

	// The contact's life on the stream: queued, offered to the agent, assigned to them.
	contactID := edge.ContactID(callID)
	cevs := subjectEvents(t, l, contactID, events.TypeContactAssigned)
	var offeredTo, assignedTo string
	for _, e := range cevs {
		switch e.Type {
		case events.TypeContactOffered:
			offeredTo = payload[events.ContactOffered](t, e).AgentID
		case events.TypeContactAssigned:
			assignedTo = payload[events.ContactAssigned](t, e).AgentID
		}
	}
	if len(find(cevs, events.TypeContactQueued)) == 0 || offeredTo != userID || assignedTo != userID {
		t.Fatalf("contact %s: events %v, offered to %q, assigned to %q (want %s)", contactID, types(cevs), offeredTo, assignedTo, userID)
	}
	// The desktop got the offer, with the caller's context, while the softphone rang.
	var offer map[string]any
	for _, m := range desk.stop() {
		if m["type"] == "offer" && m["contact_id"] == contactID {
			offer = m
		}
	}
	if offer == nil || offer["channel"] != "voice" || offer["queue"] != "general" || offer["offer_id"] == "" {
		t.Fatalf("the agent's desktop got no voice offer of %s: %v", contactID, offer)
	}
	// The call is over: the contact waits for the agent's wrap-up.
	c, _, err := fl.Contact(ctx, ten, contactID)
	if err != nil {
		t.Fatal(err)
	}
	if c.AgentID != userID || c.State != floor.StateWrapup {
		t.Fatalf("contact after the call: state %s, agent %q", c.State, c.AgentID)
	}
	if _, err := fl.Wrapup(ctx, ten, contactID, userID, "resolved", ""); err != nil {
		t.Fatalf("wrap up: %v", err)
	}
}

// subjectEvents reads the stream until an event of type until about subject is on it (or a
// minute passes) and returns the subject's events.
func subjectEvents(t *testing.T, l *local.Local, subject, until string) []events.Envelope {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var got []events.Envelope
		for _, e := range streamEvents(t, l) {
			if e.Subject == subject {
				got = append(got, e)
			}
		}
		if len(find(got, until)) > 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s about %s; its events: %v", until, subject, types(got))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// A caller keys 0 for a person while no agent is available: the call waits in the queue, hearing
// the hold prompt and the comfort tone; the caller hangs up, and the contact is abandoned
// (customer_left).
func TestACallerWhoHangsUpWhileQueuedAbandons(t *testing.T) {
	l := product(t)
	withoutTransferTarget(t, l, "general")
	sipID := call{from: "+8613800138000", steps: []step{pause(2 * time.Second), keys(t, "0"), pause(12 * time.Second), hangUp}}.run(t, l)

	callID, evs := callEvents(t, l, sipID)
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.HangupSide != events.HangupCaller || end.Disposition != events.DispositionAbandoned || end.RecordingKey == "" {
		t.Fatalf("call.ended %+v\n%s", end, edgeLog(callID))
	}
	if n := len(find(evs, events.TypeCallTransferred)); n != 0 {
		t.Fatalf("%d call.transferred with no agent available", n)
	}
	// The hold: the prompt, then a tone every 5 s, on the edge's side of the recording.
	rec := recording(t, l, end.RecordingKey)
	last := time.Duration(len(rec.Samples)/2) * time.Second / 8000
	if e := energy(rec.Samples, 1, last-6*time.Second, last); e < 100 {
		t.Fatalf("the caller heard silence while queued (RMS %.0f over the last 6 s)", e)
	}
	contactID := edge.ContactID(callID)
	cevs := subjectEvents(t, l, contactID, events.TypeContactAbandoned)
	ab := payload[events.ContactAbandoned](t, find(cevs, events.TypeContactAbandoned)[0])
	if ab.Reason != events.AbandonCustomerLeft || ab.Queue != "general" || ab.Channel != events.ChannelVoice {
		t.Fatalf("contact.abandoned %+v", ab)
	}
	ten, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := floorOf(t, l).Contact(context.Background(), ten, contactID)
	if err != nil || c.State != floor.StateAbandoned {
		t.Fatalf("contact after the call: %+v %v", c.State, err)
	}
}

// Regression: a call the bot handed to a queue with a transfer target left its contact queued
// on the floor after the transfer failed and the call ended; dispatch then offered the dead call
// to the next available agent, who missed it. A call of a queue with a transfer target now never
// joins the floor: the edge dials the target, dispatch leaves its contact.created alone.
func TestAFailedTransferLeavesNoContactWaiting(t *testing.T) {
	l := product(t)
	waitRegistrations(t, l, false) // the target's softphone is not registered: the transfer fails
	sipID := call{from: "+8613800138000", steps: []step{pause(2 * time.Second), keys(t, "0"), hungUp}}.run(t, l)
	callID, evs := callEvents(t, l, sipID)
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.HangupCause != events.CauseTransferFailed {
		t.Fatalf("call.ended %+v", end)
	}
	contactID := edge.ContactID(callID)
	// Dispatch says when it has seen the handoff and left it to the edge.
	deadline := time.Now().Add(2 * time.Minute)
	for !dispatchLeftToTheEdge(contactID) {
		if time.Now().After(deadline) {
			t.Fatalf("dispatch never handled the handoff of %s", contactID)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ten, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	if c, _, err := floorOf(t, l).Contact(context.Background(), ten, contactID); !errors.Is(err, floor.ErrNotFound) {
		t.Fatalf("the call's contact is on the floor: %+v %v", c, err)
	}
}

// dispatchLeftToTheEdge reports whether dispatch logged that it left contactID to its queue's
// voice transfer target.
func dispatchLeftToTheEdge(contactID string) bool {
	for _, line := range strings.Split(stackLog.String(), "\n") {
		if strings.Contains(line, contactID) && strings.Contains(line, "transfer target, not the floor") {
			return true
		}
	}
	return false
}

// available sets the agents available, in this order (the first has been idle longest), and
// offline again after the test.
func available(t *testing.T, fl *floor.Floor, ten tenant.ID, ids ...string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		if _, err := fl.SetState(ctx, ten, id, floor.AgentAvailable, "self", id); err != nil {
			t.Fatalf("set %s available: %v", id, err)
		}
		t.Cleanup(func() {
			if _, err := fl.SetState(ctx, ten, id, floor.AgentOffline, "sign_out", id); err != nil {
				t.Errorf("set %s offline: %v", id, err)
			}
		})
	}
}

// An agent whose softphone rings and is not answered misses the offer: when it expires the edge
// stops the ringing and declines, dispatch offers the call to the next available agent, whose
// softphone answers, and the caller is bridged to them.
func TestAnUnansweredOfferGoesToTheNextAgent(t *testing.T) {
	l := product(t)
	ctx := context.Background()
	withoutTransferTarget(t, l, "general")
	ten, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	// Offers of the queue expire after 6 s (20 s by default) so that the test is short.
	db := tableOf(l)
	var q floor.Queue
	ver, err := db.Get(ctx, ten, floor.QueueKey("general"), &q)
	if err != nil {
		t.Fatal(err)
	}
	short := q
	short.OfferTimeoutSeconds = 6
	if ver, err = db.Put(ctx, ten, floor.QueueKey("general"), short, ver); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Put(ctx, ten, floor.QueueKey("general"), q, ver); err != nil {
			t.Errorf("restore the queue: %v", err)
		}
	})
	run := fmt.Sprint(time.Now().UnixNano() % 1e9) // names of this run: a stack may serve several
	slowPhone, slowPassword := "agent-slow-"+run, "slow-agent-pass-2026"
	if code, body, err := l.Call(ctx, "PUT", "/v1/sip-accounts/"+slowPhone, l.DemoKey, map[string]any{"password": slowPassword}); err != nil || code >= 300 {
		t.Fatalf("softphone account: %d %s %v", code, body, err)
	}
	slowID := voiceAgentOn(t, l, "slow-agent-"+run, slowPhone)
	fastID := voiceAgent(t, l, "voice-agent-2-"+run)
	slow := startSoftphone(t, l, slowPhone, slowPassword, speechWAV(t, "en", "You should never hear this."), "manual")
	fast := startAgent(t, l, speechWAV(t, "en", "Hello, this is Bob from the service desk. How can I help you today? Please tell me what happened."))
	fl := floorOf(t, l)
	available(t, fl, ten, slowID, fastID) // the slow agent has been idle longer: offered first

	sipID := call{from: "+8613800138000", steps: []step{pause(2 * time.Second), keys(t, "0"), hungUp}}.run(t, l)
	callID, evs := callEvents(t, l, sipID)
	xfer := find(evs, events.TypeCallTransferred)
	if len(xfer) != 1 {
		t.Fatalf("call.transferred: %v\n%s\n--- slow ---\n%s\n--- fast ---\n%s", types(evs), edgeLog(callID), slow.log.String(), fast.log.String())
	}
	if tr := payload[events.CallTransferred](t, xfer[0]); tr.Target != local.DemoAgent {
		t.Fatalf("call.transferred %+v", tr)
	}
	contactID := edge.ContactID(callID)
	cevs := subjectEvents(t, l, contactID, events.TypeContactAssigned)
	var offered []string
	requeued := ""
	for _, e := range cevs {
		switch e.Type {
		case events.TypeContactOffered:
			offered = append(offered, payload[events.ContactOffered](t, e).AgentID)
		case events.TypeContactQueued:
			if r := payload[events.ContactQueued](t, e).Reason; r != events.QueueHandoff {
				requeued = string(r)
			}
		}
	}
	assigned := payload[events.ContactAssigned](t, find(cevs, events.TypeContactAssigned)[0])
	if len(offered) != 2 || offered[0] != slowID || offered[1] != fastID || assigned.AgentID != fastID || requeued == "" {
		t.Fatalf("contact %s: %v; offered to %v (slow %s, fast %s), requeued %q, assigned to %s", contactID, types(cevs), offered, slowID, fastID, requeued, assigned.AgentID)
	}
	p, _, err := fl.Presence(ctx, ten, slowID)
	if err != nil || p.Missed != 1 {
		t.Fatalf("the slow agent's misses: %+v %v", p.Missed, err)
	}
}
