package main

// The spike test: the whole product on the local stack (as `make run` brings it up), one tenant's
// chat turns stepped from 5 to 50 a second for 60 s while a neighbour keeps 5 a second, then every
// accepted turn's chat.message events looked up on the stream. It reports statuses, latency,
// instances at peak and events lost, as a section of BENCH.md.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/local"
)

// spikeHeading starts the spike's section of BENCH.md.
const spikeHeading = "## Spike: 10× chat turns through the local stack"

// spikePlan is the load: rates in requests a second, bounded by the phases' lengths.
type spikePlan struct {
	base, peak, neighbour float64
	warm, spike           time.Duration
}

var defaultSpike = spikePlan{base: 5, peak: 50, neighbour: 5, warm: 20 * time.Second, spike: 60 * time.Second}

// spikeTexts are FAQ questions of the demo bot: each turn gets an answer and the conversation
// stays open.
var spikeTexts = []string{
	"what are your opening hours", "how do I reset my online banking password", "how much does a transfer cost",
	"what is my daily transfer limit", "how do I activate my new card", "can I use my card abroad",
}

// maxTurns is how many messages a conversation of the load takes before a new one starts.
const maxTurns = 8

type spikeConv struct {
	id       string
	accepted int // message turns answered 200
	turns    int // message turns sent
}

// spikeStats are one tenant's answers in one phase.
type spikeStats struct {
	status   map[int]int
	errors   int // transport errors
	lat, ok  []time.Duration
	requests int
}

// spikePhase is a stretch of constant offered load.
type spikePhase struct {
	name string
	rate float64 // requests a second
	d    time.Duration
}

type spikeTenant struct {
	name, key string
	load      []spikePhase
	pool      chan *spikeConv

	mu     sync.Mutex
	convs  []*spikeConv
	phases map[string]*spikeStats
}

func (tn *spikeTenant) record(phase string, status int, err error, d time.Duration) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	s := tn.phases[phase]
	if s == nil {
		s = &spikeStats{status: map[int]int{}}
		tn.phases[phase] = s
	}
	s.requests++
	if err != nil {
		s.errors++
		return
	}
	s.status[status]++
	s.lat = append(s.lat, d)
	if status < 300 {
		s.ok = append(s.ok, d)
	}
}

// runSpike brings the product up in a temporary folder, runs the load and returns the section.
func runSpike(ctx context.Context, root string, p spikePlan) (string, error) {
	state, err := os.MkdirTemp("", "lingxi-spike-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(state)
	logf, err := os.Create(filepath.Join(state, "stack.log"))
	if err != nil {
		return "", err
	}
	defer logf.Close()
	fmt.Fprintf(os.Stderr, "== spike: starting the local stack (log %s)\n", logf.Name())
	l, err := local.Start(ctx, local.Options{Template: filepath.Join(root, "template.yaml"), StateDir: state, Log: logf, Edge: local.EdgeOptions{Off: true}})
	if err != nil {
		return "", fmt.Errorf("start the local stack: %w", err)
	}
	defer l.Close()

	spiky := &spikeTenant{name: local.DemoTenant, key: l.DemoKey, pool: make(chan *spikeConv, 10000), phases: map[string]*spikeStats{},
		load: []spikePhase{{"baseline", p.base, p.warm}, {"spike", p.peak, p.spike}}}
	calmKey, err := seedNeighbour(ctx, l, root, "calm")
	if err != nil {
		return "", fmt.Errorf("seed the neighbour: %w", err)
	}
	calm := &spikeTenant{name: "calm", key: calmKey, pool: make(chan *spikeConv, 10000), phases: map[string]*spikeStats{},
		load: []spikePhase{{"baseline", p.neighbour, p.warm}, {"spike", p.neighbour, p.spike}}}

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 200, MaxConnsPerHost: 400}}
	url := l.Stack.HTTPURL()
	before := l.Stack.Stats("ChatFunction")
	fmt.Fprintf(os.Stderr, "== spike: %s at %.0f/s for %s, then %.0f/s for %s; %s at %.0f/s throughout\n",
		spiky.name, p.base, p.warm, p.peak, p.spike, calm.name, p.neighbour)
	started := time.Now()
	var senders, requests sync.WaitGroup
	for _, tn := range []*spikeTenant{spiky, calm} {
		senders.Go(func() {
			at := started
			for _, ph := range tn.load {
				drive(ctx, client, url, tn, ph, at, &requests)
				at = at.Add(ph.d)
			}
		})
	}
	senders.Wait()
	requests.Wait()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	after := l.Stack.Stats("ChatFunction")
	fmt.Fprintf(os.Stderr, "   load done in %s; chat function %+v\n", time.Since(started).Round(time.Second), after)

	// Every accepted turn's events, looked for on the stream; the relay publishes what a commit
	// could not, once a minute, so wait up to two minutes for stragglers.
	kin := kinesis.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: devstack.Credentials()},
		func(o *kinesis.Options) { o.BaseEndpoint = aws.String(l.Stack.Endpoints().Kinesis) })
	streamName := l.Stack.Ref("EventStream")
	var lost, dup, expected int
	deadline := time.Now().Add(2 * time.Minute)
	for {
		found, err := chatMessages(ctx, kin, streamName)
		if err != nil {
			return "", fmt.Errorf("read the stream: %w", err)
		}
		lost, dup, expected = 0, 0, 0
		for _, tn := range []*spikeTenant{spiky, calm} {
			for _, c := range tn.convs {
				f := found[c.id]
				expected += 1 + c.accepted // the start's greeting, then each answered message
				if f.bot == 0 {
					lost++
				}
				lost += max(0, c.accepted-f.customer)
				dup += max(0, f.customer-c.turns)
			}
		}
		if lost == 0 || time.Now().After(deadline) {
			break
		}
		fmt.Fprintf(os.Stderr, "   %d turns' events not on the stream yet; waiting\n", lost)
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
	return spikeReport(p, []*spikeTenant{spiky, calm}, after, after.Invocations-before.Invocations, lost, dup, expected), nil
}

// drive sends the phase's requests on schedule from start (open loop: a slow answer does not slow
// the sender); wg tracks the requests in flight.
func drive(ctx context.Context, client *http.Client, url string, tn *spikeTenant, ph spikePhase, start time.Time, wg *sync.WaitGroup) {
	n := int(ph.rate * ph.d.Seconds())
	gap := time.Duration(float64(time.Second) / ph.rate)
	for i := range n {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(start.Add(time.Duration(i) * gap))):
		}
		wg.Go(func() { turn(ctx, client, url, tn, ph.name, i) })
	}
}

// turn sends one chat turn: a message to a conversation of the tenant's that is not busy, or the
// start of a new one when none is free.
func turn(ctx context.Context, client *http.Client, url string, tn *spikeTenant, phase string, i int) {
	var c *spikeConv
	select {
	case c = <-tn.pool:
	default:
	}
	var path string
	var body any
	if c == nil {
		path, body = "/v1/conversations", map[string]any{"customer": map[string]string{"id": fmt.Sprintf("%s-%s-%d", tn.name, phase, i)}, "language": "en"}
	} else {
		path, body = "/v1/conversations/"+c.id+"/messages", map[string]string{"text": spikeTexts[(c.turns+i)%len(spikeTexts)]}
		c.turns++
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, bytes.NewReader(b))
	if err != nil {
		tn.record(phase, 0, err, 0)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tn.key)
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		tn.record(phase, 0, err, 0)
		return
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tn.record(phase, resp.StatusCode, nil, time.Since(t0))
	var out struct {
		ID      string `json:"id"`
		State   string `json:"state"`
		Actions []any  `json:"actions"`
	}
	json.Unmarshal(raw, &out)
	switch {
	case c == nil && resp.StatusCode == http.StatusCreated && out.ID != "":
		c = &spikeConv{id: out.ID}
		tn.mu.Lock()
		tn.convs = append(tn.convs, c)
		tn.mu.Unlock()
	case c == nil:
		return
	case resp.StatusCode == http.StatusOK:
		c.accepted++
		if out.State == "ended" || len(out.Actions) > 0 {
			return // handed off or closed: no more turns
		}
	case resp.StatusCode != http.StatusTooManyRequests:
		return // something went wrong with this conversation: leave it
	}
	if c.turns < maxTurns {
		tn.pool <- c
	}
}

// seedNeighbour makes a second tenant with the demo bot (through the public API) and returns its
// admin key.
func seedNeighbour(ctx context.Context, l *local.Local, root, name string) (string, error) {
	code, body, err := l.Call(ctx, "POST", "/v1/tenants", l.AdminKey, map[string]string{"id": name, "name": "Neighbour"})
	if err != nil || code != http.StatusCreated {
		return "", fmt.Errorf("create tenant: %d %s %v", code, body, err)
	}
	var created struct {
		APIKey struct {
			Key string `json:"key"`
		} `json:"api_key"`
	}
	if err := json.Unmarshal(body, &created); err != nil {
		return "", err
	}
	key := created.APIKey.Key
	raw, err := os.ReadFile(filepath.Join(root, "infra/local/demo/banking.json"))
	if err != nil {
		return "", err
	}
	// The demo bot without its flows: the neighbour's intents answer or hand off.
	var bot map[string]any
	if err := json.Unmarshal(raw, &bot); err != nil {
		return "", fmt.Errorf("demo bot: %w", err)
	}
	intents, _ := bot["intents"].([]any)
	for _, in := range intents {
		if m, ok := in.(map[string]any); ok {
			delete(m, "flow")
		}
	}
	banking, err := json.Marshal(bot)
	if err != nil {
		return "", err
	}
	for _, st := range []struct {
		method, path string
		body         any
	}{
		{"PUT", "/v1/bot/settings", map[string]any{"greeting": map[string]string{"en": "Hello.", "zh": "您好。"}, "default_queue": "general"}},
		{"POST", "/v1/import", json.RawMessage(banking)},
		{"POST", "/v1/nlu/train", map[string]string{}},
	} {
		code, body, err := l.Call(ctx, st.method, st.path, key, st.body)
		if err != nil || code >= 300 {
			return "", fmt.Errorf("%s %s: %d %s %v", st.method, st.path, code, body, err)
		}
	}
	return key, nil
}

// found counts a conversation's chat.message events on the stream by role.
type found struct{ customer, bot int }

func chatMessages(ctx context.Context, kin *kinesis.Client, name string) (map[string]found, error) {
	ls, err := kin.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name})
	if err != nil {
		return nil, err
	}
	out := map[string]found{}
	for _, sh := range ls.Shards {
		it, err := kin.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return nil, err
		}
		for iter := it.ShardIterator; iter != nil; {
			res, err := kin.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
			if err != nil {
				return nil, err
			}
			for _, r := range res.Records {
				var ev struct {
					Type    string `json:"type"`
					Subject string `json:"subject"`
					Data    struct {
						Role string `json:"role"`
					} `json:"data"`
				}
				if json.Unmarshal(r.Data, &ev) != nil || ev.Type != "chat.message" {
					continue
				}
				f := out[ev.Subject]
				if ev.Data.Role == "customer" {
					f.customer++
				} else {
					f.bot++
				}
				out[ev.Subject] = f
			}
			if len(res.Records) == 0 && aws.ToInt64(res.MillisBehindLatest) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
	}
	return out, nil
}

func spikeReport(p spikePlan, tenants []*spikeTenant, chat devstack.FunctionStats, invocations, lost, dup, expected int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", spikeHeading)
	fmt.Fprintf(&b, "The whole product on devstack (`make run`'s stack: emulators, every function's real binary, at most 10 instances a function), "+
		"open-loop load over loopback: tenant `%s` sends %.0f chat turns a second for %s, then %.0f a second for %s (a 10× step); "+
		"tenant `%s` sends %.0f a second throughout. Both have the default plan: chat turns 20 a second, bursts of 40. "+
		"A turn is a message to one of the tenant's open conversations, or the start of a new one when none is free. "+
		"Latency is measured at the client, for every answer and for the admitted ones (2xx).\n\n",
		tenants[0].name, p.base, p.warm, p.peak, p.spike, tenants[1].name, p.neighbour)
	fmt.Fprintf(&b, "| tenant | phase | offered/s | requests | 2xx | 429 | other | admitted/s | p50 ms | p99 ms | p50 ms 2xx | p99 ms 2xx |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	otherErrors := 0
	for _, tn := range tenants {
		for _, ph := range tn.load {
			st := tn.phases[ph.name]
			if st == nil {
				continue
			}
			ok, limited := 0, st.status[http.StatusTooManyRequests]
			var other []string
			for _, code := range slices.Sorted(maps.Keys(st.status)) {
				switch {
				case code < 300:
					ok += st.status[code]
				case code != http.StatusTooManyRequests:
					other = append(other, fmt.Sprintf("%d×%d", st.status[code], code))
					otherErrors += st.status[code]
				}
			}
			if st.errors > 0 {
				other = append(other, fmt.Sprintf("%d×no answer", st.errors))
				otherErrors += st.errors
			}
			if len(other) == 0 {
				other = []string{"0"}
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %d | %d | %d | %s | %.1f | %s | %s | %s | %s |\n", tn.name, ph.name, ph.rate, st.requests, ok, limited,
				strings.Join(other, ", "), float64(ok)/ph.d.Seconds(), ms(st.lat, 0.5), ms(st.lat, 0.99), ms(st.ok, 0.5), ms(st.ok, 0.99))
		}
	}
	fmt.Fprintf(&b, "\n- Errors other than 429: %d.\n", otherErrors)
	fmt.Fprintf(&b, "- Chat function: %d instances at peak (devstack's limit is 10), %d cold starts, %d invocations, %d function errors, %d timeouts.\n",
		chat.Peak, chat.ColdStarts, invocations, chat.Errors, chat.Timeouts)
	fmt.Fprintf(&b, "- Events: %d accepted turns (starts and answered messages); %d of them with no chat.message event on the stream (lost); %d customer messages on the stream more than once (duplicates).\n",
		expected, lost, dup)
	fmt.Fprintf(&b, "- Command: `go run ./infra/bench -only spike` (about 3 minutes: stack start, seeding, %s of load, the stream check).\n\n", p.warm+p.spike)
	return b.String()
}

// ms formats a latency percentile in milliseconds.
func ms(v []time.Duration, q float64) string {
	if len(v) == 0 {
		return "–"
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := min(len(s)-1, int(q*float64(len(s))))
	return fmt.Sprintf("%.0f", float64(s[i].Microseconds())/1000)
}

// spliceSection puts section (which starts with its heading) into doc: in place of the section
// with the same heading, else before "## Systems", else at the end.
func spliceSection(doc, section string) string {
	heading := strings.SplitN(section, "\n", 2)[0]
	if i := strings.Index(doc, heading+"\n"); i >= 0 {
		rest := doc[i+len(heading):]
		end := len(doc)
		if j := strings.Index(rest, "\n## "); j >= 0 {
			end = i + len(heading) + j + 1
		}
		return doc[:i] + section + doc[end:]
	}
	if i := strings.Index(doc, "## Systems\n"); i >= 0 {
		return doc[:i] + section + doc[i:]
	}
	if doc != "" && !strings.HasSuffix(doc, "\n\n") {
		doc = strings.TrimRight(doc, "\n") + "\n\n"
	}
	return doc + section
}
