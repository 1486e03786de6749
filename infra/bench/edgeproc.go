package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/media-edge/edge"
	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/media-edge/sip"
	"github.com/lingxi/lingxi/media-edge/voice"
	"github.com/lingxi/lingxi/media-edge/voice/local"
	"github.com/lingxi/lingxi/media-edge/voice/vad"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// The numbers the bench edge answers: the load number's bot answers every turn with a long
// prompt and a gather; the setup number's bot gathers at once without a prompt (SIPp hangs up).
const (
	loadNumber  = "+8610000001"
	setupNumber = "+8610000002"
)

// loadPrompt is what the load bot says on every turn (about 9 s of espeak-ng speech).
const loadPrompt = "Thank you for calling the demo bank. Please tell me in one sentence what you are calling about, for example a lost or stolen card, your balance, or a transfer between accounts."

var benchTenant = func() tenant.ID {
	t, err := tenant.Parse("bench")
	if err != nil {
		panic(err)
	}
	return t
}()

// edgeStats is what the edge process reports on "stats": the media sessions' counters summed, its
// resource use so far, and its memory now.
type edgeStats struct {
	Sessions     int    `json:"sessions"`
	Active       int    `json:"active"`
	Ticks        uint64 `json:"ticks"`
	LateTicks    uint64 `json:"late_ticks"`
	SkippedTicks uint64 `json:"skipped_ticks"`
	PacketsIn    uint64 `json:"packets_in"`
	PacketsOut   uint64 `json:"packets_out"`
	Lost         uint64 `json:"lost"`
	FramesDrop   uint64 `json:"frames_dropped"`
	CPUMicros    int64  `json:"cpu_us"` // user + system
	RSSBytes     int64  `json:"rss_bytes"`
	HeapBytes    uint64 `json:"heap_bytes"` // heap in use + goroutine stacks
	Turns        uint64 `json:"turns"`
}

// sub is the counters' growth from a to b (memory and gauges are b's).
func (b edgeStats) sub(a edgeStats) edgeStats {
	b.Ticks -= a.Ticks
	b.LateTicks -= a.LateTicks
	b.SkippedTicks -= a.SkippedTicks
	b.PacketsIn -= a.PacketsIn
	b.PacketsOut -= a.PacketsOut
	b.Lost -= a.Lost
	b.FramesDrop -= a.FramesDrop
	b.CPUMicros -= a.CPUMicros
	b.Turns -= a.Turns
	return b
}

// sessionSet holds the sessions of the calls since the last reset.
type sessionSet struct {
	mu    sync.Mutex
	list  []*media.Session
	turns uint64
}

func (s *sessionSet) add(x *media.Session) {
	s.mu.Lock()
	s.list = append(s.list, x)
	s.mu.Unlock()
}

func (s *sessionSet) turn() {
	s.mu.Lock()
	s.turns++
	s.mu.Unlock()
}

func (s *sessionSet) reset() {
	s.mu.Lock()
	s.list = nil
	s.mu.Unlock()
}

func (s *sessionSet) sum() edgeStats {
	s.mu.Lock()
	list := append([]*media.Session(nil), s.list...)
	turns := s.turns
	s.mu.Unlock()
	st := edgeStats{Sessions: len(list), Turns: turns}
	for _, x := range list {
		m := x.Stats()
		st.Ticks += m.Ticks
		st.LateTicks += m.LateTicks
		st.SkippedTicks += m.SkippedTicks
		st.PacketsIn += m.PacketsIn
		st.PacketsOut += m.PacketsOut
		st.Lost += m.Lost
		st.FramesDrop += m.FramesDropped
	}
	return st
}

// selfUsage fills the process's CPU time and memory.
func selfUsage(st *edgeStats) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		st.CPUMicros = ru.Utime.Sec*1e6 + int64(ru.Utime.Usec) + ru.Stime.Sec*1e6 + int64(ru.Stime.Usec)
	}
	st.RSSBytes = currentRSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st.HeapBytes = ms.HeapInuse + ms.StackInuse
}

// currentRSS reads the resident set from /proc/self/statm (0 when unreadable).
func currentRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// benchEdge is the media edge as media-edge/edge assembles it (its SIP server, RTP ports, VAD,
// recorder, prompt cache and call navigation) with the bench's bot, a recogniser that hears
// nothing, recordings to a discarding S3 and events dropped.
type benchEdge struct {
	srv      *sip.Server
	sessions *sessionSet
	prompts  call.Prompts
}

func newBenchEdge(log *slog.Logger, noEcho bool, timings func(string, time.Duration)) (*benchEdge, error) {
	loop := netip.MustParseAddr("127.0.0.1")
	ports, err := media.NewPorts(loop, 20000, 39999)
	if err != nil {
		return nil, err
	}
	sessions := &sessionSet{}
	dir := benchDirectory{}
	cache := voice.NewPromptCache(&local.Espeak{}, 64<<20)
	h := &call.Handler{
		Bot:        benchBot{sessions: sessions},
		Recognizer: deafRecognizer{},
		Prompts:    edge.Prompts(cache),
		NewEar: func() call.Ear {
			c := vad.Defaults()
			c.BargeIn.Disabled = noEcho
			return edge.Ear(vad.NewDetector(c))
		},
		Recorders: discardRecorders{log: log},
		Directory: dir,
		Facts:     noFacts{},
		Log:       log,
		OnSession: sessions.add,
		Timings:   timings,
	}
	srv, err := sip.NewServer(sip.Config{UDP: "127.0.0.1:0", Advertise: loop}, sip.Deps{
		Directory: dir, Registrations: noRegistrations{}, Ports: ports, Calls: h, Log: log,
	})
	if err != nil {
		return nil, err
	}
	h.Dialer = srv
	return &benchEdge{srv: srv, sessions: sessions, prompts: edge.Prompts(cache)}, nil
}

// runEdgeChild is the edge process: it prints "ready ADDR" once its SIP UDP port listens, then
// answers the lines of stdin: "stats" (a JSON edgeStats line), "reset" (forget the sessions
// counted so far), "quit".
func runEdgeChild(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("bench child edge", flag.ContinueOnError)
	noEcho := fs.Bool("no-echo", false, "turn the VAD's echo canceller off (barge-in is then plain speech detection)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	if path := os.Getenv("LINGXI_BENCH_EDGE_CPUPROFILE"); path != "" {
		// Where the edge's CPU goes, for reading with `go tool pprof`.
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	e, err := newBenchEdge(log, *noEcho, nil)
	if err != nil {
		return err
	}
	// Synthesise the load prompt before any call so that the first calls do not all wait for it.
	if _, err := e.prompts.Prompt(ctx, loadPrompt, "en"); err != nil {
		return fmt.Errorf("espeak-ng: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan struct{})
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-served:
		return err
	}
	fmt.Fprintf(out, "ready %s\n", e.srv.Addr("udp"))
	sc := bufio.NewScanner(in)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		switch strings.TrimSpace(sc.Text()) {
		case "stats":
			st := e.sessions.sum()
			st.Active = e.srv.Active()
			selfUsage(&st)
			if err := enc.Encode(st); err != nil {
				return err
			}
		case "reset":
			e.sessions.reset()
			runtime.GC()
			fmt.Fprintln(out, "ok")
		case "quit":
			cancel()
			return ignoreCanceled(<-served)
		}
	}
	cancel()
	return ignoreCanceled(<-served)
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// benchBot answers the load number with a long prompt and a gather, the setup number with a gather
// alone.
type benchBot struct{ sessions *sessionSet }

func (b benchBot) Turn(_ context.Context, _ tenant.ID, in call.BotInput) (call.BotReply, error) {
	b.sessions.turn()
	gather := call.Action{Type: call.ActGather, TimeoutMS: 8000}
	if in.Dialled == setupNumber {
		return call.BotReply{Language: "en", Actions: []call.Action{gather}}, nil
	}
	return call.BotReply{Language: "en", Actions: []call.Action{{Type: call.ActSay, Text: loadPrompt}, gather}}, nil
}

type deafRecognizer struct{}

func (deafRecognizer) Recognize(context.Context, []int16, string, []string) (string, float64, error) {
	return "", 0, nil
}

// Hears every language: the caller's speech still barges in and ends turns, as it would with a
// recogniser for the call's language.
func (deafRecognizer) Hears(string) bool { return true }

type discardRecorders struct{ log *slog.Logger }

func (r discardRecorders) Open(ctx context.Context, t tenant.ID, callID string, at time.Time) (media.Recorder, error) {
	return media.NewS3Recorder(ctx, discardS3{}, "bench", "recordings/"+callID+".wav", media.RecorderOptions{Log: r.log})
}

// discardS3 takes every upload and keeps nothing: the recorder's encoding, spooling and part
// uploads run, the network transfer does not.
type discardS3 struct{}

func (discardS3) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return &s3.PutObjectOutput{}, nil
}

func (discardS3) CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	return &s3.CreateMultipartUploadOutput{UploadId: aws.String("bench")}, nil
}

func (discardS3) UploadPart(_ context.Context, in *s3.UploadPartInput, _ ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	if in.Body != nil {
		_, _ = io.Copy(io.Discard, in.Body)
	}
	return &s3.UploadPartOutput{ETag: aws.String("\"bench\"")}, nil
}

func (discardS3) CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	return &s3.CompleteMultipartUploadOutput{}, nil
}

func (discardS3) AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return &s3.AbortMultipartUploadOutput{}, nil
}

// benchDirectory: the two bench numbers, delivered by a trunk on loopback.
type benchDirectory struct{}

func (benchDirectory) Number(_ context.Context, e164 string) (voicecfg.Number, []voicecfg.Trunk, error) {
	if e164 != loadNumber && e164 != setupNumber {
		return voicecfg.Number{}, nil, voicecfg.ErrNotFound
	}
	return voicecfg.Number{Tenant: benchTenant, E164: e164, Language: "en"},
		[]voicecfg.Trunk{{Tenant: benchTenant, Name: "loopback", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}, nil
}

func (benchDirectory) Account(context.Context, string) (voicecfg.Account, error) {
	return voicecfg.Account{}, voicecfg.ErrNotFound
}

func (benchDirectory) TransferTarget(context.Context, tenant.ID, string) (voicecfg.TransferTarget, error) {
	return voicecfg.TransferTarget{}, voicecfg.ErrNotFound
}

type noRegistrations struct{}

func (noRegistrations) Put(context.Context, voicecfg.Registration) error { return nil }
func (noRegistrations) Lookup(context.Context, tenant.ID, string) ([]voicecfg.Registration, error) {
	return nil, nil
}

// noFacts drops the call events (the bench measures the media path, not the stream).
type noFacts struct{}

func (noFacts) Answered(context.Context, call.Info)                                                 {}
func (noFacts) Digit(context.Context, call.Info, byte, time.Duration)                               {}
func (noFacts) Utterance(context.Context, call.Info, string, float64, time.Duration, time.Duration) {}
func (noFacts) BargedIn(context.Context, call.Info, call.BargeInFact)                               {}
func (noFacts) Transferred(context.Context, call.Info, call.TransferFact)                           {}
func (noFacts) Ended(context.Context, call.Info, call.Ending)                                       {}
func (noFacts) Diverted(context.Context, call.Info, call.DivertFact)                                {}
func (noFacts) Rated(context.Context, call.Info, call.Rating)                                       {}
