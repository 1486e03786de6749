package main

// The media edge's benchmarks (issue 9, part 11), one section of BENCH.md:
//
//   - load: the most concurrent calls the edge holds with the full pipeline while late or
//     skipped output ticks stay under 0.1%; the edge (this binary re-executed as `child edge`)
//     pinned to core 0 with GOMAXPROCS=1, the generator (`child gen`) on core 1;
//   - setup: SIPp's built-in uac scenario at increasing rates, no media;
//   - latency: the voice turn through the local stack (latency.go);
//   - vad: the VAD on FSDD folds beside Silero and an energy baseline (vadfolds.go).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/media-edge/voice/local"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

// edgeHeading starts the edge's section of BENCH.md.
const edgeHeading = "## Media edge (SIP/RTP): calls per core, call setup, voice-turn latency, VAD"

// edgePlan is what the edge benchmarks run.
type edgePlan struct {
	steps      []int         // concurrent calls per load step
	window     time.Duration // measured time per step, once every call is up
	rate       float64       // calls placed per second while a step ramps up
	setupRates []int         // SIPp calls per second
	setupFor   time.Duration // per SIPp rate
	turns      int           // voice turns timed
	parts      map[string]bool
}

// child is a re-executed bench process: the edge or the load generator.
type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startChild runs this binary as `child ROLE ARGS…`, pinned to core cpu when taskset is there and
// the machine has that core.
func startChild(ctx context.Context, cpu int, env []string, role string, args ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	argv := append([]string{exe, "child", role}, args...)
	if ts, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > cpu {
		argv = append([]string{ts, "-c", strconv.Itoa(cpu)}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), "GOMAXPROCS=1"), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &child{cmd: cmd, in: in, out: bufio.NewReader(out)}, nil
}

// ask writes a command line and returns the reply line.
func (c *child) ask(cmd string) (string, error) {
	if cmd != "" {
		if _, err := fmt.Fprintln(c.in, cmd); err != nil {
			return "", err
		}
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("child: %w", err)
	}
	return strings.TrimSpace(line), nil
}

func (c *child) askJSON(cmd string, v any) error {
	line, err := c.ask(cmd)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(line), v)
}

// stop closes stdin and waits for the process.
func (c *child) stop() error {
	c.in.Close()
	return c.cmd.Wait()
}

// runChild dispatches `bench child ROLE`.
func runChild(ctx context.Context, role string, args []string) error {
	switch role {
	case "edge":
		return runEdgeChild(ctx, args, os.Stdin, os.Stdout)
	case "gen":
		return runGenChild(ctx, args, os.Stdin, os.Stdout)
	}
	return fmt.Errorf("unknown child role %q", role)
}

// loadStep is one step's figures.
type loadStep struct {
	Calls, Up, Failed int
	SetupSeconds      float64
	Window            time.Duration
	Edge              edgeStats // over the window; memory with the calls up
	Gen               genStats
	BaseHeap          uint64
	BaseRSS           int64
	// Load is the machine's 1-minute load average when the step's window ended.
	Load string
}

func (s loadStep) lateTickPct() float64 {
	if s.Edge.Ticks == 0 {
		return 100
	}
	return 100 * float64(s.Edge.LateTicks+s.Edge.SkippedTicks) / float64(s.Edge.Ticks)
}

func (s loadStep) lateArrivalPct() float64 {
	if s.Gen.Received == 0 {
		return 100
	}
	return 100 * float64(s.Gen.LateGaps) / float64(s.Gen.Received)
}

// missingPct is the output packets the generator expected in the window but never saw.
func (s loadStep) missingPct() float64 {
	want := float64(s.Up) * s.Window.Seconds() * 50
	if want == 0 {
		return 100
	}
	return max(0, 100*(want-float64(s.Gen.Received))/want)
}

func (s loadStep) cpuPerCallSecond() float64 {
	if s.Up == 0 {
		return 0
	}
	return float64(s.Edge.CPUMicros) / (float64(s.Up) * s.Window.Seconds())
}

// coreUse is the edge's CPU time over the window's wall time: its share of its one core.
func (s loadStep) coreUse() float64 {
	return 100 * float64(s.Edge.CPUMicros) / float64(s.Window.Microseconds())
}

func (s loadStep) heapPerCall() float64 {
	if s.Up == 0 || s.Edge.HeapBytes < s.BaseHeap {
		return 0
	}
	return float64(s.Edge.HeapBytes-s.BaseHeap) / float64(s.Up)
}

func (s loadStep) rssPerCall() float64 {
	if s.Up == 0 || s.Edge.RSSBytes < s.BaseRSS {
		return 0
	}
	return float64(s.Edge.RSSBytes-s.BaseRSS) / float64(s.Up)
}

// writeSpeech synthesises the caller's utterance with espeak-ng into dir and returns its path.
func writeSpeech(ctx context.Context, dir, text string) (string, []int16, error) {
	pcm, err := (&local.Espeak{}).Synthesize(ctx, text, "en")
	if err != nil {
		return "", nil, fmt.Errorf("espeak-ng: %w", err)
	}
	var b bytes.Buffer
	if err := wav.Encode(&b, 8000, 1, pcm); err != nil {
		return "", nil, err
	}
	p := filepath.Join(dir, "speech.wav")
	return p, pcm, os.WriteFile(p, b.Bytes(), 0o600)
}

// startEdge starts the edge's child process and waits for it to listen; it returns the child and
// its SIP address. quit stops it.
func startEdge(ctx context.Context, env []string, args ...string) (*child, string, error) {
	edge, err := startChild(ctx, 0, env, "edge", args...)
	if err != nil {
		return nil, "", err
	}
	ready, err := edge.ask("")
	if err != nil {
		edge.quit()
		return nil, "", err
	}
	addr, ok := strings.CutPrefix(ready, "ready ")
	if !ok {
		edge.quit()
		return nil, "", fmt.Errorf("edge: %q", ready)
	}
	return edge, addr, nil
}

// quit asks the child to stop and waits for it.
func (c *child) quit() {
	_, _ = fmt.Fprintln(c.in, "quit")
	_ = c.stop()
}

// runLoad starts the edge process and steps the calls up; it stops after the first step over
// 1% late ticks (the steps beyond would only be worse).
func runLoad(ctx context.Context, p edgePlan, speech string, env []string, edgeArgs ...string) ([]loadStep, error) {
	edge, addr, err := startEdge(ctx, env, edgeArgs...)
	if err != nil {
		return nil, err
	}
	defer edge.quit()
	var steps []loadStep
	for _, n := range p.steps {
		st, err := loadOnce(ctx, edge, addr, speech, n, p)
		if err != nil {
			return steps, fmt.Errorf("%d calls: %w", n, err)
		}
		fmt.Fprintf(os.Stderr, "   %5d calls: late ticks %.3f%%, late arrivals %.3f%%, missing %.3f%%, %.0f µs CPU per call-second, heap %.0f KiB/call\n",
			st.Up, st.lateTickPct(), st.lateArrivalPct(), st.missingPct(), st.cpuPerCallSecond(), st.heapPerCall()/1024)
		steps = append(steps, st)
		if st.lateTickPct() > 1 || st.lateArrivalPct() > 1 {
			break
		}
	}
	return steps, nil
}

func loadOnce(ctx context.Context, edge *child, addr, speech string, n int, p edgePlan) (loadStep, error) {
	st := loadStep{Calls: n, Window: p.window}
	if _, err := edge.ask("reset"); err != nil {
		return st, err
	}
	var base edgeStats
	if err := edge.askJSON("stats", &base); err != nil {
		return st, err
	}
	st.BaseHeap, st.BaseRSS = base.HeapBytes, base.RSSBytes
	gen, err := startChild(ctx, 1, nil, "gen", "-target", addr, "-calls", strconv.Itoa(n),
		"-rate", strconv.FormatFloat(p.rate, 'f', -1, 64), "-speech", speech)
	if err != nil {
		return st, err
	}
	defer gen.stop()
	up, err := gen.ask("")
	if err != nil {
		return st, err
	}
	if _, err := fmt.Sscanf(up, "up %d %d %f", &st.Up, &st.Failed, &st.SetupSeconds); err != nil {
		return st, fmt.Errorf("generator: %q", up)
	}
	// Let the calls' first turns start and the ramp's backlog clear.
	if err := sleepCtx(ctx, 3*time.Second); err != nil {
		return st, err
	}
	if _, err := gen.ask("mark"); err != nil {
		return st, err
	}
	var s0, s1 edgeStats
	if err := edge.askJSON("stats", &s0); err != nil {
		return st, err
	}
	if err := sleepCtx(ctx, p.window); err != nil {
		return st, err
	}
	if err := edge.askJSON("stats", &s1); err != nil {
		return st, err
	}
	if err := gen.askJSON("report", &st.Gen); err != nil {
		return st, err
	}
	st.Edge = s1.sub(s0)
	st.Load = loadAverage()
	if _, err := gen.ask("hangup"); err != nil {
		return st, err
	}
	// Wait for the edge to have ended every call (bounded).
	for range 300 {
		var s edgeStats
		if err := edge.askJSON("stats", &s); err != nil {
			return st, err
		}
		if s.Active == 0 {
			break
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return st, err
		}
	}
	return st, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// loadAverage is the 1-minute load average ("" when unknown).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// machineFacts: cores, CPU model, load average.
func machineFacts() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s/%s, %s; the machine is shared with other work",
		runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// marginalCPU fits the edge's CPU time per second of window against the calls of the steps under
// 1% late (least squares): the CPU one more call costs (µs per call-second), and the calls at which
// the edge would use its whole core. ok is false with fewer than two such steps.
func marginalCPU(steps []loadStep) (perCall, ceiling float64, ok bool) {
	var xs, ys []float64
	for _, s := range steps {
		if s.lateTickPct() <= 1 && s.Up > 0 {
			xs = append(xs, float64(s.Up))
			ys = append(ys, float64(s.Edge.CPUMicros)/s.Window.Seconds())
		}
	}
	if len(xs) < 2 {
		return 0, 0, false
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 || sxy <= 0 {
		return 0, 0, false
	}
	slope := sxy / sxx
	fixed := my - slope*mx
	return slope, (1e6 - fixed) / slope, true
}

// largestUnder is the most calls of a step under limit % late ticks and late arrivals.
func largestUnder(steps []loadStep, limit float64) int {
	best := 0
	for _, s := range steps {
		if s.lateTickPct() < limit && s.lateArrivalPct() < limit && s.Failed == 0 {
			best = max(best, s.Up)
		}
	}
	return best
}

// loadRun is the load steps of one edge configuration.
type loadRun struct {
	name, about string
	steps       []loadStep
}

func renderLoad(b *strings.Builder, p edgePlan, runs []loadRun) {
	fmt.Fprintf(b, "### Concurrent calls with the full pipeline on one core\n\n")
	fmt.Fprintf(b, "The edge runs as its own process (`bench child edge`: the real SIP server, RTP ports, jitter buffer, VAD per call, dual-channel recorder, prompt cache with espeak-ng, call navigation) pinned with `taskset -c 0` and GOMAXPROCS=1. ")
	fmt.Fprintf(b, "Its bot answers every turn with a %d-character prompt (about 9 s) and a gather; recognition is a stub that hears nothing (the recogniser is not in this pipeline); recordings go to a discarding S3 API (the recorder encodes, spools to temp files and uploads parts; nothing leaves the process); events are dropped. ", len(loadPrompt))
	fmt.Fprintf(b, "The load generator (`bench child gen`, sipgo UAC, one UDP socket per call, 20 senders staggered over the 20 ms period) runs pinned to core 1: it places the calls at %.0f/s, sends each a PCMU stream looping a 6 s cycle (espeak-ng saying \"a lost or stolen card\" over −60 dBFS noise, so every call has an utterance and barges in on prompts), then after 3 s measures for %s. ", p.rate, p.window)
	fmt.Fprintf(b, "Late ticks: the edge's media.Stats LateTicks+SkippedTicks (output ticks run one period late or skipped) summed over the calls, over all ticks; late arrivals: the generator's inter-arrival gaps over 40 ms per packet received; missing: packets expected (50/s per call) but not received. CPU: the edge process's getrusage user+system time over the window / (calls × seconds). Memory: the edge's Go heap in use + stacks with the calls up, less before the step, per call (RSS delta too, which the Go runtime under-reports after earlier steps).\n\n")
	fmt.Fprintf(b, "Core use: the edge's CPU time over the window's wall time (100%% = its whole core; the core is shared with whatever else the machine runs: load avg is the machine's 1-minute load average at the window's end, on 2 cores, so late ticks at low core use are other processes taking the edge's core). A configuration's steps stop after the first over 1%%.\n\n")
	b.WriteString("| edge | calls | up | failed | late ticks | late arrivals | max gap | missing | edge CPU µs / call-s | core use | heap / call | RSS / call | turns in window | setup s | load avg |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		for _, s := range r.steps {
			fmt.Fprintf(b, "| %s | %d | %d | %d | %.3f%% | %.3f%% | %.0f ms | %.2f%% | %.0f | %.0f%% | %.0f KiB | %.0f KiB | %d | %.1f | %s |\n",
				r.name, s.Calls, s.Up, s.Failed, s.lateTickPct(), s.lateArrivalPct(), s.Gen.MaxGapMS, s.missingPct(), s.cpuPerCallSecond(),
				s.coreUse(), s.heapPerCall()/1024, s.rssPerCall()/1024, s.Edge.Turns, s.SetupSeconds, s.Load)
		}
	}
	b.WriteString("\n")
	for _, r := range runs {
		fmt.Fprintf(b, "- **%s** (%s): largest step under 0.1%% late ticks and late arrivals: **%d calls**", r.name, r.about, largestUnder(r.steps, 0.1))
		if per, ceil, ok := marginalCPU(r.steps); ok {
			fmt.Fprintf(b, "; marginal CPU %.0f µs per call-second (least squares over the steps under 1%% late), so the whole core would be busy at about %.0f calls — an extrapolation, not a measurement", per, ceil)
		}
		b.WriteString(".\n")
	}
	fmt.Fprintf(b, "\nGoal: ≥ 2,000 calls on one core under 0.1%% late frames, ≤ 500 µs of edge CPU per call-second.\n\n")
}

// runEdgeBench runs the parts in p and returns the section.
func runEdgeBench(ctx context.Context, cfg config, p edgePlan) (string, error) {
	work, err := os.MkdirTemp("", "lingxi-edge-bench-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", edgeHeading)
	fmt.Fprintf(&b, "Machine: %s. Each part below names the command that produced it (`-edge-parts` runs some alone and replaces only their parts here); the datasets were in %s.\n\n", machineFacts(), cfg.dataDir)
	var errs []error
	if p.parts["load"] {
		started := time.Now()
		fmt.Fprintln(os.Stderr, "== media edge: concurrent calls")
		var runs []loadRun
		speech, _, err := writeSpeech(ctx, work, "a lost or stolen card")
		if err != nil {
			return "", err
		}
		profile := filepath.Join(work, "edge.pprof")
		for _, v := range []struct {
			name, about string
			env, args   []string
		}{
			{"as shipped", "vad.Defaults(): the echo canceller on, as media-edge/edge runs it; CPU-profiled", []string{"LINGXI_BENCH_EDGE_CPUPROFILE=" + profile}, nil},
			{"no echo canceller", "vad.Defaults() with BargeIn.Disabled: what the VAD's NLMS echo canceller costs", nil, []string{"-no-echo"}},
		} {
			fmt.Fprintf(os.Stderr, "   edge %s\n", v.name)
			steps, err := runLoad(ctx, p, speech, v.env, v.args...)
			if err != nil {
				errs = append(errs, fmt.Errorf("load (%s): %w", v.name, err))
			}
			runs = append(runs, loadRun{name: v.name, about: v.about, steps: steps})
		}
		var pb strings.Builder
		renderLoad(&pb, p, runs)
		renderProfile(ctx, &pb, profile)
		b.WriteString(stamp(pb.String(), started))
	}
	if p.parts["latency"] {
		started := time.Now()
		fmt.Fprintln(os.Stderr, "== media edge: voice-turn latency (local stack)")
		var runs []latencyRun
		for _, silence := range latencySilences {
			r := latencyRun{endSilence: silence}
			fmt.Fprintf(os.Stderr, "   endpointing silence %s\n", silence)
			turns, err := runLatency(ctx, cfg.repoRoot, p, work, silence, &r.cold, &r.skipped)
			if err != nil {
				errs = append(errs, fmt.Errorf("latency (%s): %w", silence, err))
			}
			r.turns = turns
			runs = append(runs, r)
		}
		var pb strings.Builder
		renderLatency(&pb, p, runs)
		b.WriteString(stamp(pb.String(), started))
	}
	if p.parts["setup"] {
		started := time.Now()
		fmt.Fprintln(os.Stderr, "== media edge: call setup rate (SIPp)")
		steps, err := runSetup(ctx, p, work)
		if err != nil {
			errs = append(errs, fmt.Errorf("setup: %w", err))
		}
		var pb strings.Builder
		renderSetup(&pb, p, steps)
		b.WriteString(stamp(pb.String(), started))
	}
	if p.parts["vad"] {
		started := time.Now()
		fmt.Fprintln(os.Stderr, "== media edge: VAD on FSDD folds")
		res, note, err := runVADFolds(ctx, cfg.repoRoot, cfg.dataDir, work)
		if err != nil {
			errs = append(errs, fmt.Errorf("vad: %w", err))
		}
		var pb strings.Builder
		renderVAD(&pb, res, note)
		b.WriteString(stamp(pb.String(), started))
	}
	if len(errs) > 0 {
		return b.String(), errors.Join(errs...)
	}
	return b.String(), nil
}

// setupStep is one SIPp rate's figures.
type setupStep struct {
	Rate                      int
	Calls, Successful, Failed int
	Seconds                   float64
	EdgeCPUMicros             int64
	FailedCodes               string
}

// runSetup runs SIPp's built-in uac scenario (INVITE, 200, ACK, 200 ms, BYE; its SDP's media
// port gets the edge's RTP, SIPp sends none) against the setup number at each rate.
func runSetup(ctx context.Context, p edgePlan, work string) ([]setupStep, error) {
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		return nil, errors.New("sipp is not installed (Debian sip-tester; bash infra/deps/install.sh)")
	}
	edge, addr, err := startEdge(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer edge.quit()
	var steps []setupStep
	for i, rate := range p.setupRates {
		n := max(1, int(float64(rate)*p.setupFor.Seconds()))
		st := setupStep{Rate: rate, Calls: n}
		var s0, s1 edgeStats
		if err := edge.askJSON("stats", &s0); err != nil {
			return steps, err
		}
		dir := filepath.Join(work, fmt.Sprintf("sipp-%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return steps, err
		}
		argv := []string{sipp, "-sn", "uac", "-s", strings.TrimPrefix(setupNumber, "+"), "-r", strconv.Itoa(rate), "-m", strconv.Itoa(n),
			"-d", "200", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-nostdin", "-timeout", (p.setupFor + 30*time.Second).String(), "-timeout_error",
			"-recv_timeout", "10000", "-trace_stat", "-stf", filepath.Join(dir, "stat.csv"), "-fd", "1", addr}
		if ts, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > 1 {
			argv = append([]string{ts, "-c", "1"}, argv...)
		}
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir = dir
		began := time.Now()
		out, runErr := cmd.CombinedOutput()
		st.Seconds = time.Since(began).Seconds()
		if err := edge.askJSON("stats", &s1); err != nil {
			return steps, err
		}
		st.EdgeCPUMicros = s1.CPUMicros - s0.CPUMicros
		ok, failed, err := sippStat(filepath.Join(dir, "stat.csv"))
		if err != nil {
			tail := string(out)
			if len(tail) > 2000 {
				tail = tail[len(tail)-2000:]
			}
			return steps, fmt.Errorf("sipp at %d/s: %v (%v)\n%s", rate, err, runErr, tail)
		}
		st.Successful, st.Failed = ok, failed
		fmt.Fprintf(os.Stderr, "   sipp %d calls/s: %d/%d successful, %d failed, %.1f s\n", rate, ok, n, failed, st.Seconds)
		steps = append(steps, st)
		// Let the edge end the calls' media before the next rate.
		for range 100 {
			var s edgeStats
			if err := edge.askJSON("stats", &s); err != nil || s.Active == 0 {
				break
			}
			_ = sleepCtx(ctx, 100*time.Millisecond)
		}
	}
	return steps, nil
}

// sippStat reads the cumulative successful and failed calls from the last line of SIPp's
// statistics file (semicolon-separated, a header line first).
func sippStat(path string) (ok, failed int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	return parseSippStat(string(b))
}

func parseSippStat(s string) (ok, failed int, err error) {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 {
		return 0, 0, errors.New("sipp statistics: no data line")
	}
	head := strings.Split(lines[0], ";")
	last := strings.Split(lines[len(lines)-1], ";")
	col := func(name string) (int, error) {
		for i, h := range head {
			if h == name && i < len(last) {
				return strconv.Atoi(strings.TrimSpace(last[i]))
			}
		}
		return 0, fmt.Errorf("sipp statistics: no column %s", name)
	}
	if ok, err = col("SuccessfulCall(C)"); err != nil {
		return 0, 0, err
	}
	if failed, err = col("FailedCall(C)"); err != nil {
		return 0, 0, err
	}
	return ok, failed, nil
}

func renderSetup(b *strings.Builder, p edgePlan, steps []setupStep) {
	b.WriteString("### Call setup rate without media\n\n")
	fmt.Fprintf(b, "SIPp's built-in `uac` scenario (`taskset -c 1 sipp -sn uac -s %s -r RATE -m RATE×%s -d 200 -i 127.0.0.1 -mi 127.0.0.1 -nostdin -trace_stat EDGE`: INVITE, 100/200, ACK, 200 ms, BYE; SIPp sends no RTP) against an edge process built as above (as shipped, pinned to core 0, GOMAXPROCS=1). The number's bot gathers without a prompt, so each call still opens its RTP port, media session, VAD and recording. Calls/s: successful calls over SIPp's wall time (which includes the last calls' 200 ms and BYE). Edge CPU per call: the edge process's CPU time over the rate's run / successful calls.\n\n", strings.TrimPrefix(setupNumber, "+"), p.setupFor)
	b.WriteString("| offered calls/s | calls | successful | failed | successful calls/s | edge CPU ms / call |\n|---|---|---|---|---|---|\n")
	for _, s := range steps {
		fmt.Fprintf(b, "| %d | %d | %d | %d | %.0f | %.2f |\n", s.Rate, s.Calls, s.Successful, s.Failed, float64(s.Successful)/s.Seconds, float64(s.EdgeCPUMicros)/1000/float64(max(s.Successful, 1)))
	}
	b.WriteString("\n")
}

// renderProfile adds the top of the as-shipped edge's CPU profile (all its steps together).
func renderProfile(ctx context.Context, b *strings.Builder, profile string) {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	cmd := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=12", exe, profile)
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(b, "(No CPU profile of the edge: %v.)\n\n", err)
		return
	}
	b.WriteString("Where the as-shipped edge's CPU goes over all its steps (`go tool pprof -top` of the edge process, flat time):\n\n```\n")
	keep := false
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "flat%") {
			keep = true
		}
		if keep && strings.TrimSpace(l) != "" {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("```\n\n")
}

// stamp puts, under a part's heading, the command that ran it, when, and the load average then.
func stamp(part string, started time.Time) string {
	head, rest, _ := strings.Cut(part, "\n")
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = fmt.Sprintf("; load average at the end %s %s %s", f[0], f[1], f[2])
		}
	}
	return fmt.Sprintf("%s\n\nRun: `go run ./infra/bench %s`, %s–%s%s.\n%s", head, strings.Join(os.Args[1:], " "),
		started.UTC().Format("2006-01-02 15:04"), time.Now().UTC().Format("15:04 UTC"), load, rest)
}

// mergeEdgeSection keeps, from the edge's section in doc, the parts (### headings) that section
// does not have: a run of some parts replaces only theirs.
func mergeEdgeSection(doc, section string) string { return mergeParts(doc, edgeHeading, section) }

// mergeParts keeps, from the section under heading in doc, the parts (### headings) that section
// does not have.
func mergeParts(doc, heading, section string) string {
	i := strings.Index(doc, heading+"\n")
	if i < 0 {
		return section
	}
	old := doc[i:]
	if j := strings.Index(old[len(heading):], "\n## "); j >= 0 {
		old = old[:len(heading)+j+1]
	}
	_, oldParts := splitParts(old)
	pre, newParts := splitParts(section)
	seen := map[string]bool{}
	var b strings.Builder
	b.WriteString(pre)
	for _, op := range oldParts {
		part := op
		for _, np := range newParts {
			if partHeading(np) == partHeading(op) {
				part = np
			}
		}
		seen[partHeading(part)] = true
		b.WriteString(part)
	}
	for _, np := range newParts {
		if !seen[partHeading(np)] {
			b.WriteString(np)
		}
	}
	return b.String()
}

// splitParts cuts a section at its "### " headings.
func splitParts(section string) (pre string, parts []string) {
	idx := []int{}
	for off := 0; off < len(section); {
		if strings.HasPrefix(section[off:], "### ") {
			idx = append(idx, off)
		}
		nl := strings.IndexByte(section[off:], '\n')
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	if len(idx) == 0 {
		return section, nil
	}
	pre = section[:idx[0]]
	for k, at := range idx {
		end := len(section)
		if k+1 < len(idx) {
			end = idx[k+1]
		}
		part := section[at:end]
		if !strings.HasSuffix(part, "\n\n") {
			part = strings.TrimRight(part, "\n") + "\n\n"
		}
		parts = append(parts, part)
	}
	return pre, parts
}

func partHeading(part string) string { h, _, _ := strings.Cut(part, "\n"); return h }
