package local

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/media-edge/config"
	"github.com/lingxi/lingxi/media-edge/edge"
)

// The demo tenant's telephony, seeded through the admin API like everything else.
const (
	// DemoNumber is the number that reaches the demo bank.
	DemoNumber = "+862150001234"
	// DemoAgent is the softphone account of the demo bank's agent; its password is kept in the
	// state folder (agent-password) like the keys.
	DemoAgent         = "agent1"
	agentPasswordFile = "agent-password"
)

// demoQueues are the queues the demo bot hands calls to; each transfers to the demo agent.
var demoQueues = []string{"general", "cards", "complaints", "vip"}

// EdgeOptions say where the media edge listens on the local stack.
type EdgeOptions struct {
	// Off leaves the edge out (tests of other parts).
	Off bool
	// SIP is the UDP and TCP address ("127.0.0.1:5060"; empty or port 0 picks a free one).
	SIP string
	// Health is the health endpoint's address ("" leaves it out).
	Health string
	// RTPMin and RTPMax bound the RTP ports (defaults 20000–29998).
	RTPMin, RTPMax int
	// EndSilence overrides the endpointing silence (config's default when zero).
	EndSilence config.Duration
	// RTPInactivity overrides how long a call may receive no RTP (config's default when zero).
	RTPInactivity config.Duration
	// Timings receives the edge's voice-turn phase durations (edge.Options.Timings; the bench).
	Timings func(phase string, d time.Duration)
}

// seedVoice gives the demo tenant a number, trunks from loopback (UDP and TCP), an agent's
// softphone account and a transfer target for each queue.
func (l *Local) seedVoice(ctx context.Context) error {
	pw, err := secret(filepath.Join(l.stateDir, agentPasswordFile), newPassword)
	if err != nil {
		return fmt.Errorf("agent password: %w", err)
	}
	l.AgentPassword = pw
	type step struct {
		method, path string
		body         any
	}
	steps := []step{
		{"PUT", "/v1/trunks/loopback", map[string]any{"cidrs": []string{"127.0.0.0/8"}, "transport": "udp"}},
		{"PUT", "/v1/trunks/loopback-tcp", map[string]any{"cidrs": []string{"127.0.0.0/8"}, "transport": "tcp"}},
		{"PUT", "/v1/numbers/" + url.PathEscape(DemoNumber), map[string]any{"language": "", "trunks": []string{}}},
		{"PUT", "/v1/sip-accounts/" + DemoAgent, map[string]any{"password": pw}},
	}
	for _, q := range demoQueues {
		steps = append(steps, step{"PUT", "/v1/voice-transfer-targets/" + q, map[string]any{"target": "account:" + DemoAgent}})
	}
	for _, st := range steps {
		code, body, err := l.Call(ctx, st.method, st.path, l.DemoKey, st.body)
		if err != nil || code >= 300 {
			return fmt.Errorf("%s %s: %d %s %v", st.method, st.path, code, body, err)
		}
	}
	return nil
}

// startEdge runs the media edge in this process against the local stack's AWS APIs.
func (l *Local) startEdge(ctx context.Context, o EdgeOptions, log *slog.Logger) error {
	cfg := config.Defaults()
	cfg.SIPUDP, cfg.SIPTCP = "127.0.0.1:0", "127.0.0.1:0"
	if o.SIP != "" {
		cfg.SIPUDP, cfg.SIPTCP = o.SIP, o.SIP
	}
	cfg.HealthHTTP = o.Health
	if o.RTPMin != 0 {
		cfg.RTPMin, cfg.RTPMax = o.RTPMin, o.RTPMax
	}
	if o.EndSilence != 0 {
		cfg.EndSilence = o.EndSilence
	}
	if o.RTPInactivity != 0 {
		cfg.RTPInactivity = o.RTPInactivity
	}
	st := l.Stack
	cfg.Table, cfg.Stream, cfg.RecordingsBucket = st.Ref("Table"), st.Ref("EventStream"), st.Ref("Bucket")
	cfg.ChatFunction = "ChatFunction"
	ep := st.Endpoints()
	awsCfg := aws.Config{Region: devstack.Region, Credentials: devstack.Credentials()}
	e, err := edge.New(cfg, edge.Options{AWS: awsCfg, Log: log, Timings: o.Timings, Endpoints: edge.Endpoints{
		DynamoDB: ep.DynamoDB, Kinesis: ep.Kinesis, S3: ep.S3, Lambda: st.LambdaURL(),
	}})
	if err != nil {
		return fmt.Errorf("media edge: %w", err)
	}
	ectx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ready := make(chan struct{})
	served := make(chan error, 1)
	go func() { served <- e.Serve(ectx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-served:
		cancel()
		return fmt.Errorf("media edge: %w", err)
	}
	l.edge, l.stopEdge, l.edgeDone = e, cancel, served
	return nil
}

// EdgeAddr is where the media edge takes SIP over UDP (the zero AddrPort when it is off).
func (l *Local) EdgeAddr() netip.AddrPort {
	if l.edge == nil {
		return netip.AddrPort{}
	}
	return l.edge.Addr("udp")
}

// Edge is the running media edge (nil when it is off).
func (l *Local) Edge() *edge.Edge { return l.edge }

func (l *Local) closeEdge() {
	if l.edge == nil {
		return
	}
	l.stopEdge()
	<-l.edgeDone
	l.edge = nil
}
