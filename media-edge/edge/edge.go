// Package edge assembles the media edge from its configuration: the SIP server, the RTP ports,
// the speech engines, the bot's turn client, the recordings, the event stream and the health
// endpoint. main and the local stack both run it.
package edge

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/polly"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/media-edge/config"
	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/media-edge/sip"
	"github.com/lingxi/lingxi/media-edge/turns"
	"github.com/lingxi/lingxi/media-edge/voice"
	"github.com/lingxi/lingxi/media-edge/voice/awsspeech"
	"github.com/lingxi/lingxi/media-edge/voice/local"
	"github.com/lingxi/lingxi/media-edge/voice/vad"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// Edge is a running media edge.
type Edge struct {
	cfg    config.Config
	sip    *sip.Server
	facts  *facts
	health *http.Server
	log    *slog.Logger
	// draining: Drain was called.
	draining atomic.Bool
}

// Options are what the configuration does not say: the AWS clients' configuration and the log.
type Options struct {
	AWS aws.Config
	Log *slog.Logger
	// Metadata is the ECS task metadata endpoint's base URL (ECS_CONTAINER_METADATA_URI_V4), read
	// when the advertised address is config.AdvertiseTask.
	Metadata string
	// Endpoints, when set, point the clients at local implementations of the AWS APIs (the
	// local stack); empty in AWS.
	Endpoints Endpoints
	// Timings, when set, receives each voice turn's phase durations (call.Handler.Timings: the
	// bench's latency breakdown); nil in production.
	Timings func(phase string, d time.Duration)
}

// Endpoints are base URLs of the AWS APIs the edge calls; an empty one keeps AWS's own.
type Endpoints struct {
	DynamoDB, Kinesis, S3, Lambda string
}

func endpoint(u string) *string {
	if u == "" {
		return nil
	}
	return &u
}

// New builds an edge; nothing listens before Serve.
func New(cfg config.Config, o Options) (*Edge, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	advertise, err := advertised(context.Background(), cfg.Advertise, o.Metadata)
	if err != nil {
		return nil, err
	}
	rtpBind, err := netip.ParseAddr(cfg.RTPBind)
	if err != nil {
		return nil, fmt.Errorf("rtp_bind: %w", err)
	}
	ports, err := media.NewPorts(rtpBind, cfg.RTPMin, cfg.RTPMax)
	if err != nil {
		return nil, err
	}
	loopbackSIP, err := egress.ParsePorts(cfg.LoopbackSIPPorts)
	if err != nil {
		return nil, fmt.Errorf("loopback_sip_ports: %w", err)
	}
	nonceKey, err := hex.DecodeString(cfg.NonceKey)
	if err != nil {
		return nil, fmt.Errorf("nonce_key: %w", err)
	}
	ep := o.Endpoints
	ddb := dynamodb.NewFromConfig(o.AWS, func(x *dynamodb.Options) { x.BaseEndpoint = endpoint(ep.DynamoDB) })
	db := store.New(ddb, cfg.Table)
	dir := voicecfg.NewStore(db)
	var (
		asr voice.Recognizer
		tts voice.Synthesizer
	)
	hears := []string{"zh", "en"}
	switch cfg.Engines {
	case "aws":
		asr = &awsspeech.Transcribe{Region: o.AWS.Region, Credentials: o.AWS.Credentials}
		tts = &awsspeech.Polly{Client: polly.NewFromConfig(o.AWS)}
	default:
		asr, tts = &local.Sphinx{}, &local.Espeak{}
		hears = []string{"en"} // Debian has no Chinese model for pocketsphinx
	}
	kin := kinesis.NewFromConfig(o.AWS, func(x *kinesis.Options) { x.BaseEndpoint = endpoint(ep.Kinesis) })
	pub := stream.NewPublisher(kin, cfg.Stream)
	f := newFacts(pub, log.With("component", "events"))
	// Human routing: the transfers of queues without a transfer target wait for an agent; the
	// floor's writes commit their events through the outbox (the relay delivers what a failed
	// publish left).
	fl := floor.New(db, outbox.New(db, pub, log.With("component", "outbox")))
	lam := lambda.NewFromConfig(o.AWS, func(x *lambda.Options) { x.BaseEndpoint = endpoint(ep.Lambda) })
	h := &call.Handler{
		Bot:        bot{turns.New(lam, cfg.ChatFunction)},
		Recognizer: recognizer{asr, hears},
		Prompts:    prompts{voice.NewPromptCache(tts, cfg.PromptCacheBytes)},
		NewEar: func() call.Ear {
			v := vad.Defaults()
			v.EndSilence = time.Duration(cfg.EndSilence)
			return ear{vad.NewDetector(v)}
		},
		Directory:   dir,
		Targets:     newSIPTargets(egress.Policy{LoopbackPorts: loopbackSIP}),
		Floor:       routingFloor{fl},
		Steering:    engineSteering{db: db, cal: forecastcal.New(db), now: time.Now},
		Surveys:     botSurveys{db},
		Facts:       f,
		Log:         log.With("component", "call"),
		MaxDuration: time.Duration(cfg.MaxCall),
		Timings:     o.Timings,
	}
	if cfg.Record {
		s3c := s3.NewFromConfig(o.AWS, func(x *s3.Options) {
			if ep.S3 != "" {
				x.BaseEndpoint, x.UsePathStyle = endpoint(ep.S3), true
			}
		})
		h.Recorders = recorders{client: s3c, bucket: cfg.RecordingsBucket, spool: cfg.SpoolDir, log: log}
	}
	sc := sip.Config{
		UDP: cfg.SIPUDP, TCP: cfg.SIPTCP, TLS: cfg.SIPTLS, Advertise: advertise,
		RTPInactivity: time.Duration(cfg.RTPInactivity), AuthFailures: cfg.AuthFailures,
		BlockFor: time.Duration(cfg.BlockFor), MaxCalls: cfg.MaxCalls, NonceKey: nonceKey,
	}
	if cfg.SIPTLS != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("tls: %w", err)
		}
		sc.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	srv, err := sip.NewServer(sc, sip.Deps{Directory: dir, Registrations: dir, Ports: ports, Calls: h, Events: f, Log: log.With("component", "sip")})
	if err != nil {
		f.Close()
		return nil, err
	}
	h.Dialer = srv
	e := &Edge{cfg: cfg, sip: srv, facts: f, log: log}
	if cfg.HealthHTTP != "" {
		e.health = &http.Server{Addr: cfg.HealthHTTP, Handler: e.healthHandler(), ReadHeaderTimeout: 5 * time.Second}
	}
	return e, nil
}

// Serve answers calls until ctx ends; then the calls still up are ended (a forced stop). ready is
// called once every listener is up.
func (e *Edge) Serve(ctx context.Context, ready func()) error {
	defer e.facts.Close()
	if e.health != nil {
		ln, err := net.Listen("tcp", e.cfg.HealthHTTP)
		if err != nil {
			return fmt.Errorf("health: %w", err)
		}
		go func() { _ = e.health.Serve(ln) }() // ends with Close below
		defer e.health.Close()
	}
	err := e.sip.Serve(ctx, ready)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// Drain refuses new calls (503) and returns once the calls in progress have ended or ctx ends.
func (e *Edge) Drain(ctx context.Context) error {
	e.draining.Store(true)
	e.sip.Drain()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for e.sip.Active() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d calls still up: %w", e.sip.Active(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// Addr is where a SIP transport listens ("udp", "tcp", "tls").
func (e *Edge) Addr(network string) netip.AddrPort { return e.sip.Addr(network) }

// Active is the number of calls in progress.
func (e *Edge) Active() int { return e.sip.Active() }

func (e *Edge) healthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if e.draining.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "{\"status\":\"draining\",\"calls\":%d}\n", e.sip.Active())
			return
		}
		fmt.Fprintf(w, "{\"status\":\"ok\",\"calls\":%d}\n", e.sip.Active())
	})
	return mux
}

// recorders opens each call's dual-channel recording at
// recordings/<tenant>/<yyyy>/<mm>/<dd>/<call-id>.wav.
type recorders struct {
	client        media.S3API
	bucket, spool string
	log           *slog.Logger
}

func (r recorders) Open(ctx context.Context, t tenant.ID, callID string, at time.Time) (media.Recorder, error) {
	key := RecordingKey(t, callID, at)
	return media.NewS3Recorder(ctx, r.client, r.bucket, key, media.RecorderOptions{TempDir: r.spool, Log: r.log.With("recording", key)})
}

// RecordingKey is where a call's recording is kept.
func RecordingKey(t tenant.ID, callID string, at time.Time) string {
	return fmt.Sprintf("recordings/%s/%s/%s.wav", t, at.UTC().Format("2006/01/02"), keySafe(callID))
}

// keySafe keeps a call id's visible ASCII but the characters S3 keys and URLs dislike.
func keySafe(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '@') {
			b[i] = '_'
		}
	}
	return string(b)
}
