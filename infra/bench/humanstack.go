package main

// The human service through the local stack (`make run`'s stack, the media edge off): chat
// handoffs made by the demo bot (a customer writes "agent"), queued and offered by the real
// dispatch function. Two parts:
//
//   - handoff → offer: one agent signed in with a WebSocket connection; each handoff is timed from
//     the customer's message to the offer arriving on the agent's connection. The agent accepts
//     and wraps up (through shared/floor, as the desktop's routes do) before the next one.
//   - burst: 50 agents available (chat capacity 2), 200 handoffs sent at once; simulated desktops
//     accept every offer they see on the stream and wrap up after a hold. The store is sampled
//     throughout for double bookings (a contact in two agents' slots, an agent over capacity),
//     the events are checked for a contact assigned to two agents, and every handoff must be
//     queued and assigned by the end (else it is lost).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/coder/websocket"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// humanPlan sizes the local-stack parts.
type humanPlan struct {
	latencyHandoffs  int           // handoffs timed one after another
	burst, agents    int           // handoffs at once, agents available
	chatCapacity     int           // each agent's chat slots in the burst
	hold             time.Duration // how long a simulated agent keeps a contact before wrap-up
	window           time.Duration // how long the burst may take to be assigned
	offerWaitPerItem time.Duration // how long one timed handoff may take
}

var defaultHumanPlan = humanPlan{latencyHandoffs: 30, burst: 200, agents: 50, chatCapacity: 2,
	hold: 2 * time.Second, window: 3 * time.Minute, offerWaitPerItem: 30 * time.Second}

// humanStack is the local stack with a floor over its table.
type humanStack struct {
	l     *local.Local
	fl    *floor.Floor
	t     tenant.ID
	kc    *kinesis.Client
	sname string
}

func runHumanStack(ctx context.Context, cfg config, b *strings.Builder) error {
	p := defaultHumanPlan
	state, err := os.MkdirTemp("", "lingxi-human-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(state)
	logf, err := os.Create(filepath.Join(state, "stack.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(os.Stderr, "== human: starting the local stack (log %s)\n", logf.Name())
	l, err := local.Start(ctx, local.Options{Template: filepath.Join(cfg.repoRoot, "template.yaml"), StateDir: state, Log: logf, Edge: local.EdgeOptions{Off: true}})
	if err != nil {
		return fmt.Errorf("start the local stack: %w", err)
	}
	defer l.Close()
	hs, err := newHumanStack(l)
	if err != nil {
		return err
	}
	// The burst is 400 chat requests at once and 50 people: lift the demo plan's rates so that
	// the handoffs, not the rate limiter, are measured.
	code, out, err := l.Call(ctx, "PUT", "/v1/tenants/"+local.DemoTenant+"/plan", l.AdminKey, map[string]any{
		"quotas":      map[string]int{"live_conversations": 5000, "users": 1000},
		"rate_limits": map[string]any{"chat": map[string]any{"rate": 1000, "burst": 2000}, "config": map[string]any{"rate": 200, "burst": 400}, "read": map[string]any{"rate": 500, "burst": 1000}},
	})
	if err != nil || code >= 300 {
		return fmt.Errorf("lift the demo plan: %d %s %v", code, out, err)
	}

	if cfg.humanParts["latency"] {
		fmt.Fprintln(os.Stderr, "== human: handoff → offer")
		lat, via, err := hs.offerLatency(ctx, p)
		if err != nil {
			return fmt.Errorf("handoff → offer: %w", err)
		}
		renderOfferLatency(b, p, lat, via)
	}
	if cfg.humanParts["burst"] {
		fmt.Fprintf(os.Stderr, "== human: burst of %d handoffs, %d agents\n", p.burst, p.agents)
		res, err := hs.burst(ctx, p)
		if err != nil {
			return fmt.Errorf("burst: %w", err)
		}
		renderBurst(b, p, res)
	}
	return nil
}

func newHumanStack(l *local.Local) (*humanStack, error) {
	t, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		return nil, err
	}
	ep := l.Stack.Endpoints()
	awsCfg := aws.Config{Region: devstack.Region, Credentials: devstack.Credentials()}
	db := store.New(dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(ep.DynamoDB) }), l.Stack.Ref("Table"))
	kc := kinesis.NewFromConfig(awsCfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(ep.Kinesis) })
	name := l.Stack.Ref("EventStream")
	fl := floor.New(db, outbox.New(db, stream.NewPublisher(kc, name), slog.New(slog.NewTextHandler(io.Discard, nil))))
	return &humanStack{l: l, fl: fl, t: t, kc: kc, sname: name}, nil
}

const benchAgentPassword = "bench agent password 42"

// agent makes an available agent of the demo tenant (chat capacity chat) and returns its id.
func (hs *humanStack) agent(ctx context.Context, username string, chat int) (string, error) {
	code, out, err := hs.l.Call(ctx, "POST", "/v1/users", hs.l.DemoKey, map[string]any{
		"username": username, "display_name": username, "role": "agent", "password": benchAgentPassword,
		"skills": []map[string]any{}, "capacity": map[string]int{"voice": 1, "chat": chat},
	})
	if err != nil || code != http.StatusCreated {
		return "", fmt.Errorf("create agent %s: %d %s %v", username, code, out, err)
	}
	var u struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &u); err != nil {
		return "", err
	}
	if _, err := hs.fl.SetState(ctx, hs.t, u.ID, floor.AgentAvailable, "self", u.ID); err != nil {
		return "", fmt.Errorf("agent %s available: %w", username, err)
	}
	return u.ID, nil
}

// conversation starts a chat conversation of the demo bot and returns its id (the contact id
// its handoff will have).
func (hs *humanStack) conversation(ctx context.Context, customer string) (string, error) {
	code, out, err := hs.l.Call(ctx, "POST", "/v1/conversations", hs.l.DemoKey, map[string]any{"customer": map[string]string{"id": customer}, "language": "en"})
	if err != nil || code != http.StatusCreated {
		return "", fmt.Errorf("start a conversation: %d %s %v", code, out, err)
	}
	var c struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &c); err != nil || c.ID == "" {
		return "", fmt.Errorf("start a conversation: %s %v", out, err)
	}
	return c.ID, nil
}

// handoff: the customer asks for a person; the bot hands the conversation off.
func (hs *humanStack) handoff(ctx context.Context, conv string) error {
	code, out, err := hs.l.Call(ctx, "POST", "/v1/conversations/"+conv+"/messages", hs.l.DemoKey, map[string]string{"text": "agent"})
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("ask for a person: %d %s %v", code, out, err)
	}
	var r struct {
		State string `json:"state"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.State != "handoff" {
		return fmt.Errorf("ask for a person: the conversation is %q, not handed off: %s", r.State, out)
	}
	return nil
}

// offerLatency times handoffs one after another until each is offered to the one agent: on the
// agent's WebSocket when the stack has the agents' WebSocket API, else (via "store") when the
// contact item says offered.
func (hs *humanStack) offerLatency(ctx context.Context, p humanPlan) ([]time.Duration, string, error) {
	agentID, err := hs.agent(ctx, "latency-agent", 1)
	if err != nil {
		return nil, "", err
	}
	offers, via, closeWS, err := hs.offerFeed(ctx, "latency-agent")
	if err != nil {
		return nil, "", err
	}
	defer closeWS()
	var lat []time.Duration
	for i := range p.latencyHandoffs + 1 { // the first one warms the functions up and is not counted
		conv, err := hs.conversation(ctx, fmt.Sprintf("latency-%d", i))
		if err != nil {
			return nil, "", err
		}
		start := time.Now()
		if err := hs.handoff(ctx, conv); err != nil {
			return nil, "", err
		}
		offerID, err := offers(ctx, conv, start.Add(p.offerWaitPerItem))
		if err != nil {
			return nil, "", fmt.Errorf("handoff %d: %w", i, err)
		}
		if i > 0 {
			lat = append(lat, time.Since(start))
		}
		if _, err := hs.fl.Accept(ctx, hs.t, conv, offerID, agentID); err != nil {
			return nil, "", fmt.Errorf("accept: %w", err)
		}
		if _, err := hs.fl.Wrapup(ctx, hs.t, conv, agentID, "resolved", ""); err != nil {
			return nil, "", fmt.Errorf("wrap up: %w", err)
		}
	}
	if _, err := hs.fl.SetState(ctx, hs.t, agentID, floor.AgentOffline, "sign_out", agentID); err != nil {
		return nil, "", err
	}
	return lat, via, nil
}

// offerWait waits for the offer of contact id until the deadline and returns its offer id.
type offerWait func(ctx context.Context, id string, deadline time.Time) (string, error)

// offerFeed signs the agent in and connects to the agents' WebSocket API when the stack has one;
// else it watches the contact items.
func (hs *humanStack) offerFeed(ctx context.Context, username string) (offerWait, string, func(), error) {
	apis := hs.l.Stack.WebSocketAPIs()
	if len(apis) == 0 {
		return hs.storeOffers, "store", func() {}, nil
	}
	code, out, err := hs.l.Call(ctx, "POST", "/v1/sessions", "", map[string]string{"tenant": local.DemoTenant, "username": username, "password": benchAgentPassword})
	if err != nil || code != http.StatusCreated {
		return nil, "", nil, fmt.Errorf("sign in: %d %s %v", code, out, err)
	}
	var s struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(out, &s); err != nil {
		return nil, "", nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	conn, _, err := websocket.Dial(wctx, hs.l.Stack.WebSocketURL(apis[0])+"?token="+s.Token, nil)
	if err != nil {
		cancel()
		return nil, "", nil, fmt.Errorf("connect to %s: %w", apis[0], err)
	}
	type offer struct{ contact, id string }
	got := make(chan offer, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, msg, err := conn.Read(wctx)
			if err != nil {
				return
			}
			var m struct {
				Type      string `json:"type"`
				ContactID string `json:"contact_id"`
				OfferID   string `json:"offer_id"`
			}
			if json.Unmarshal(msg, &m) == nil && m.Type == "offer" {
				select {
				case got <- offer{m.ContactID, m.OfferID}:
				case <-wctx.Done():
					return
				}
			}
		}
	}()
	wait := func(ctx context.Context, id string, deadline time.Time) (string, error) {
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		for {
			select {
			case o := <-got:
				if o.contact == id {
					return o.id, nil
				}
			case <-ctx.Done():
				return "", fmt.Errorf("no offer of %s on the WebSocket", id)
			}
		}
	}
	closeWS := func() {
		conn.Close(websocket.StatusNormalClosure, "")
		cancel()
		<-done
	}
	return wait, "websocket " + apis[0], closeWS, nil
}

// storeOffers polls the contact item until it is offered.
func (hs *humanStack) storeOffers(ctx context.Context, id string, deadline time.Time) (string, error) {
	for time.Now().Before(deadline) {
		c, _, err := hs.fl.Contact(ctx, hs.t, id)
		if err == nil && c.State == floor.StateOffered && c.Offer != nil {
			return c.Offer.ID, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return "", fmt.Errorf("contact %s was not offered in time", id)
}

// burstResult is what the burst found.
type burstResult struct {
	handoffs, refused int
	sendSpan          time.Duration // from the first handoff sent to the last answered
	// assignedAll is when the last contact was assigned, from the first handoff sent (0: not all
	// were); assignedAt are the times of every assignment from then, in order.
	assignedAll time.Duration
	assignedAt  []time.Duration
	// offeredAt are the times of every contact's first offer from the first handoff sent.
	offeredAt  []time.Duration
	toAssigned []time.Duration // per contact: handoff sent → assigned seen
	// double bookings: a contact in two agents' slots at once (store), an agent over capacity
	// (store), a contact assigned to two agents (events).
	twoAgents, overCapacity, assignedTwice int
	samples                                int
	// lost: handed off but never queued; never assigned within the window.
	neverQueued, neverAssigned int
	offers, accepted, gone     int
	events                     int
}

// burst runs the 200-handoff burst.
func (hs *humanStack) burst(ctx context.Context, p humanPlan) (burstResult, error) {
	var r burstResult
	agents := make([]string, p.agents)
	for i := range agents {
		id, err := hs.agent(ctx, fmt.Sprintf("burst-agent-%02d", i), p.chatCapacity)
		if err != nil {
			return r, err
		}
		agents[i] = id
	}
	convs := make([]string, p.burst)
	for i := range convs {
		id, err := hs.conversation(ctx, fmt.Sprintf("burst-%d", i))
		if err != nil {
			return r, err
		}
		convs[i] = id
	}
	ours := map[string]int{}
	for i, c := range convs {
		ours[c] = i
	}
	tail, err := hs.tailStream(ctx)
	if err != nil {
		return r, err
	}
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		mu         sync.Mutex
		sent       = make([]time.Time, len(convs))
		assignedAt = map[string]time.Time{}
		offeredAt  = map[string]time.Time{}
		queued     = map[string]bool{}
		assignedTo = map[string]map[string]bool{}
		evs        []events.Envelope
		wg         sync.WaitGroup
	)
	// The simulated desktops: accept each offer at once, wrap up after the hold.
	onEvent := func(e events.Envelope) {
		if _, ok := ours[e.Subject]; !ok {
			return
		}
		mu.Lock()
		evs = append(evs, e)
		switch e.Type {
		case events.TypeContactQueued:
			queued[e.Subject] = true
		case events.TypeContactAssigned:
			var a events.ContactAssigned
			if json.Unmarshal(e.Data, &a) == nil {
				if assignedTo[e.Subject] == nil {
					assignedTo[e.Subject] = map[string]bool{}
				}
				assignedTo[e.Subject][a.AgentID] = true
				if _, seen := assignedAt[e.Subject]; !seen {
					assignedAt[e.Subject] = time.Now()
				}
			}
		}
		mu.Unlock()
		if e.Type != events.TypeContactOffered {
			return
		}
		var o events.ContactOffered
		if json.Unmarshal(e.Data, &o) != nil {
			return
		}
		mu.Lock()
		r.offers++
		if _, seen := offeredAt[e.Subject]; !seen {
			offeredAt[e.Subject] = time.Now()
		}
		mu.Unlock()
		wg.Go(func() {
			if _, err := hs.fl.Accept(bctx, hs.t, e.Subject, o.OfferID, o.AgentID); err != nil {
				mu.Lock()
				r.gone++
				mu.Unlock()
				return
			}
			mu.Lock()
			r.accepted++
			mu.Unlock()
			select {
			case <-time.After(p.hold):
			case <-bctx.Done():
				return
			}
			if _, err := hs.fl.Wrapup(bctx, hs.t, e.Subject, o.AgentID, "resolved", ""); err != nil && bctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "   wrap up %s: %v\n", e.Subject, err)
			}
		})
	}
	tailDone := make(chan error, 1)
	go func() { tailDone <- tail(bctx, onEvent) }()
	// The store sampler: slots of every presence.
	sampleDone := make(chan struct{})
	go func() {
		defer close(sampleDone)
		for bctx.Err() == nil {
			two, over, err := hs.checkSlots(bctx)
			if err == nil {
				mu.Lock()
				r.samples++
				r.twoAgents += two
				r.overCapacity += over
				mu.Unlock()
			}
			select {
			case <-bctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()

	first := time.Now()
	var sends sync.WaitGroup
	refused := make([]bool, len(convs))
	for i, c := range convs {
		sends.Go(func() {
			mu.Lock()
			sent[i] = time.Now()
			mu.Unlock()
			if err := hs.handoff(bctx, c); err != nil {
				fmt.Fprintf(os.Stderr, "   handoff %d: %v\n", i, err)
				refused[i] = true
			}
		})
	}
	sends.Wait()
	r.sendSpan = time.Since(first)
	for _, x := range refused {
		if x {
			r.refused++
		}
	}
	r.handoffs = len(convs) - r.refused
	deadline := time.Now().Add(p.window)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(assignedAt)
		mu.Unlock()
		if n >= r.handoffs {
			break
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	// Let the last wrap-ups land, then a last look at the store.
	time.Sleep(p.hold + time.Second)
	stop()
	tailErr := <-tailDone // no offer is handed to a desktop after this
	wg.Wait()
	<-sampleDone
	if tailErr != nil && ctx.Err() == nil && !errors.Is(tailErr, context.Canceled) {
		return r, tailErr
	}
	two, over, err := hs.checkSlots(ctx)
	if err != nil {
		return r, err
	}
	r.twoAgents += two
	r.overCapacity += over
	r.samples++
	r.events = len(evs)
	var last time.Time
	for i, c := range convs {
		if refused[i] {
			continue
		}
		if !queued[c] {
			if cc, _, err := hs.fl.Contact(ctx, hs.t, c); err != nil || cc.EnqueuedAt.IsZero() {
				r.neverQueued++
			}
		}
		if at, ok := offeredAt[c]; ok {
			r.offeredAt = append(r.offeredAt, at.Sub(first))
		}
		at, ok := assignedAt[c]
		if !ok {
			r.neverAssigned++
			continue
		}
		r.toAssigned = append(r.toAssigned, at.Sub(sent[i]))
		r.assignedAt = append(r.assignedAt, at.Sub(first))
		if at.After(last) {
			last = at
		}
		if len(assignedTo[c]) > 1 {
			r.assignedTwice++
		}
	}
	if r.neverAssigned == 0 {
		r.assignedAll = last.Sub(first)
	}
	return r, nil
}

// checkSlots reads every presence and counts contacts in two agents' slots and channels over
// capacity.
func (hs *humanStack) checkSlots(ctx context.Context) (twoAgents, overCapacity int, err error) {
	ps, err := hs.fl.Presences(ctx, hs.t)
	if err != nil {
		return 0, 0, err
	}
	holder := map[string]string{}
	for _, p := range ps {
		per := map[events.Channel]int{}
		for _, s := range p.Slots {
			per[s.Channel]++
			if h, ok := holder[s.ContactID]; ok && h != p.UserID {
				twoAgents++
			}
			holder[s.ContactID] = p.UserID
		}
		for ch, n := range per {
			if n > p.Capacity[ch] {
				overCapacity++
			}
		}
	}
	return twoAgents, overCapacity, nil
}

// tailStream positions at the stream's end now and returns a reader that hands every later
// event to f until ctx ends.
func (hs *humanStack) tailStream(ctx context.Context) (func(context.Context, func(events.Envelope)) error, error) {
	shards, err := hs.kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(hs.sname)})
	if err != nil {
		return nil, err
	}
	iters := make([]*string, len(shards.Shards))
	for i, sh := range shards.Shards {
		it, err := hs.kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(hs.sname), ShardId: sh.ShardId, ShardIteratorType: kinesistypes.ShardIteratorTypeLatest})
		if err != nil {
			return nil, err
		}
		iters[i] = it.ShardIterator
	}
	return func(ctx context.Context, f func(events.Envelope)) error {
		for ctx.Err() == nil {
			quiet := true
			for i, it := range iters {
				if it == nil {
					continue
				}
				out, err := hs.kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it})
				if err != nil {
					return err
				}
				for _, rec := range out.Records {
					if e, err := events.Decode(rec.Data); err == nil {
						f(e)
					}
				}
				quiet = quiet && len(out.Records) == 0
				iters[i] = out.NextShardIterator
			}
			if quiet {
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
		return nil
	}, nil
}

func renderOfferLatency(b *strings.Builder, p humanPlan, lat []time.Duration, via string) {
	b.WriteString("### Handoff → offer through the local stack\n\n")
	fmt.Fprintf(b, "The local stack as `make run` starts it (devstack, the emulators, the real api, chat and dispatch functions; media edge off). One agent (chat capacity 1) is available; a customer of the demo bot writes \"agent\" and the bot hands the conversation off (`contact.created`), dispatch queues it (`contact.queued`), decides and offers it. Timed from sending the customer's message to the offer arriving: %s. The agent accepts and wraps up before the next handoff; %d handoffs after one that warms the functions up.\n\n", offerVia(via), p.latencyHandoffs)
	if len(lat) == 0 {
		b.WriteString("No handoff was timed.\n\n")
		return
	}
	ds := slices.Clone(lat)
	slices.Sort(ds)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(b, "| handoffs | p50 | p95 | max |\n|---|---|---|---|\n| %d | %s | %s | %s |\n\n", len(ds), ms(pct(ds, 50)), ms(pct(ds, 95)), ms(ds[len(ds)-1]))
	b.WriteString("Goal: p95 < 1 s.\n\n")
}

func offerVia(via string) string {
	if via == "store" {
		return "the contact item read as `offered` (polled every 20 ms through shared/floor) — the stack has no agents' WebSocket API yet, so this is handoff → offered in the store, not yet on the agent's WebSocket"
	}
	return "the `offer` message on the agent's WebSocket connection (" + strings.TrimPrefix(via, "websocket ") + ", signed in with the agent's session token)"
}

// pct is the q-th percentile of sorted ds (nearest rank).
func pct(ds []time.Duration, q int) time.Duration {
	i := (len(ds)*q + 99) / 100
	return ds[max(min(i, len(ds))-1, 0)]
}

func renderBurst(b *strings.Builder, p humanPlan, r burstResult) {
	b.WriteString("### A burst of handoffs\n\n")
	fmt.Fprintf(b, "The same stack; %d agents available, each with chat capacity %d (%d slots); %d conversations of the demo bot ask for a person at once (%d concurrent requests, devstack runs at most 10 instances a function). Simulated desktops read the stream and accept each offer at once through shared/floor (as `POST /v1/contacts/{id}/accept` does), then wrap up after %s, so the second half of the burst is offered the slots the first half frees. Double bookings are checked in the store (every presence read every 250 ms while the burst runs and once after: a contact in two agents' slots, an agent's channel over capacity; %d reads) and in the events (a contact assigned to two agents). A contact is lost when its handoff was answered but it was never queued, or was not assigned within %s.\n\n",
		p.agents, p.chatCapacity, p.agents*p.chatCapacity, p.burst, p.burst, p.hold, r.samples, p.window)
	b.WriteString("| handoffs answered | refused | offers | accepted | offers gone before accept | contacts in two agents' slots | agents over capacity | assigned to two agents | never queued | never assigned | last assigned after |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	last := "–"
	if r.assignedAll > 0 {
		last = fmt.Sprintf("%.1f s", r.assignedAll.Seconds())
	}
	fmt.Fprintf(b, "| %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |\n\n", r.handoffs, r.refused, r.offers, r.accepted, r.gone, r.twoAgents, r.overCapacity, r.assignedTwice, r.neverQueued, r.neverAssigned, last)
	if len(r.toAssigned) > 0 {
		ds := slices.Clone(r.toAssigned)
		slices.Sort(ds)
		fmt.Fprintf(b, "Handoff sent → assigned (seen on the stream): p50 %.1f s, p95 %.1f s (the second half waits for the first half's %s of handling); the %d handoff requests took %.1f s to answer.\n\n",
			pct(ds, 50).Seconds(), pct(ds, 95).Seconds(), p.hold, p.burst, r.sendSpan.Seconds())
	}
	if slots := p.agents * p.chatCapacity; len(r.assignedAt) >= slots {
		at := slices.Clone(r.assignedAt)
		slices.Sort(at)
		fmt.Fprintf(b, "From the first handoff sent: the first assignment after %.1f s, %d (one per slot) after %.1f s, all %d after %.1f s.",
			at[0].Seconds(), slots, at[slots-1].Seconds(), len(at), at[len(at)-1].Seconds())
		if len(r.offeredAt) >= slots {
			of := slices.Clone(r.offeredAt)
			slices.Sort(of)
			fmt.Fprintf(b, " First offers (as the desktops saw them on the stream): the first after %.1f s, %d after %.1f s, all %d after %.1f s.", of[0].Seconds(), slots, of[slots-1].Seconds(), len(of), of[len(of)-1].Seconds())
		}
		b.WriteString("\n\n")
	}
	fmt.Fprintf(b, "Double bookings: **%d**; lost contacts: **%d**. Goal: 0 and 0.\n\n", r.twoAgents+r.overCapacity+r.assignedTwice, r.neverQueued+r.neverAssigned)
}
