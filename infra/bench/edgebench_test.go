package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/media-edge/media"
)

func TestFramesDue(t *testing.T) {
	for _, c := range []struct {
		elapsed time.Duration
		sent    int64
		send    int
		skip    int64
		why     string
	}{
		{-time.Millisecond, 0, 0, 0, "before the start"},
		{0, 0, 1, 0, "the first frame goes at once"},
		{19 * time.Millisecond, 1, 0, 0, "the second frame is not due yet"},
		{20 * time.Millisecond, 1, 1, 0, "the second frame is due"},
		{45 * time.Millisecond, 1, 2, 0, "a late sender catches up"},
		{100 * time.Millisecond, 1, 3, 2, "a backlog beyond three frames is skipped"},
		{100 * time.Millisecond, 9, 0, 0, "ahead: nothing"},
	} {
		send, skip := framesDue(c.elapsed, c.sent)
		if send != c.send || skip != c.skip {
			t.Errorf("%s: framesDue(%s, %d) = %d, %d; want %d, %d", c.why, c.elapsed, c.sent, send, skip, c.send, c.skip)
		}
	}
}

func TestParseSippStat(t *testing.T) {
	stat := "StartTime;LastResetTime;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C)\n" +
		"a;b;5;5;0;0\n" + "a;b;3;148;1;2\n\n"
	ok, failed, err := parseSippStat(stat)
	if err != nil || ok != 148 || failed != 2 {
		t.Fatalf("parseSippStat = %d, %d, %v; want 148, 2", ok, failed, err)
	}
	if _, _, err := parseSippStat("StartTime;X\n"); err == nil {
		t.Error("a header alone parsed")
	}
	if _, _, err := parseSippStat("A;B\n1;2\n"); err == nil {
		t.Error("a file without the call columns parsed")
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	ds := ms(50, 10, 40, 20, 30, 60, 70, 80, 90, 100)
	for _, c := range []struct {
		p    float64
		want int
	}{{50, 50}, {95, 100}, {0, 10}, {100, 100}, {10, 10}} {
		if got := percentile(ds, c.p); got != time.Duration(c.want)*time.Millisecond {
			t.Errorf("p%.0f = %s, want %dms", c.p, got, c.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("the percentile of nothing is not 0")
	}
	if ds[0] != 50*time.Millisecond {
		t.Error("percentile sorted its argument")
	}
}

func TestSpeechEndAndSilence(t *testing.T) {
	pcm := make([]int16, 10*media.FrameSamples)
	pcm[3*media.FrameSamples+5] = 1000
	if got := speechEnd(pcm); got != 4 {
		t.Errorf("speechEnd = %d frames, want 4 (the frame after the last voiced one)", got)
	}
	if got := speechEnd(make([]int16, 100)); got != 0 {
		t.Errorf("speechEnd of silence = %d, want 0", got)
	}
	quiet, loud := make([]byte, media.FrameSamples), make([]byte, media.FrameSamples)
	media.PCMU.Encode(quiet, make([]int16, media.FrameSamples))
	tone := make([]int16, media.FrameSamples)
	tone[80] = 4000
	media.PCMU.Encode(loud, tone)
	if !silent(quiet) || silent(loud) {
		t.Errorf("silent: quiet %v, loud %v", silent(quiet), silent(loud))
	}
}

func TestAnswerRTP(t *testing.T) {
	body := "v=0\r\no=edge 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20004 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
	got, err := answerRTP([]byte(body))
	if err != nil || got != netip.MustParseAddrPort("127.0.0.1:20004") {
		t.Fatalf("answerRTP = %v, %v", got, err)
	}
	mediaLevel := strings.Replace(body, "m=audio 20004 RTP/AVP 0 101\r\n", "m=audio 20006 RTP/AVP 0\r\nc=IN IP4 127.0.0.2\r\n", 1)
	if got, err := answerRTP([]byte(mediaLevel)); err != nil || got != netip.MustParseAddrPort("127.0.0.2:20006") {
		t.Fatalf("answerRTP with a media-level address = %v, %v", got, err)
	}
	noAudio := strings.Replace(body, "m=audio", "m=video", 1)
	if _, err := answerRTP([]byte(noAudio)); err == nil {
		t.Error("an answer without audio gave an address")
	}
	if _, err := answerRTP([]byte("not sdp")); err == nil {
		t.Error("garbage gave an address")
	}
}

func TestLoadStepFigures(t *testing.T) {
	a := edgeStats{Ticks: 100, LateTicks: 1, CPUMicros: 1000, Turns: 2}
	b := edgeStats{Ticks: 100100, LateTicks: 11, SkippedTicks: 10, CPUMicros: 1001000, Turns: 7, HeapBytes: 3 << 20, RSSBytes: 5 << 20}
	st := loadStep{Up: 100, Window: 10 * time.Second, Edge: b.sub(a), BaseHeap: 1 << 20, BaseRSS: 4 << 20,
		Gen: genStats{Received: 50000, LateGaps: 25}}
	if st.Edge.Ticks != 100000 || st.Edge.LateTicks != 10 || st.Edge.Turns != 5 || st.Edge.HeapBytes != 3<<20 {
		t.Fatalf("sub = %+v", st.Edge)
	}
	if got := st.lateTickPct(); got != 0.02 {
		t.Errorf("late ticks = %v%%, want 0.02%%", got)
	}
	if got := st.lateArrivalPct(); got != 0.05 {
		t.Errorf("late arrivals = %v%%, want 0.05%%", got)
	}
	if got := st.cpuPerCallSecond(); got != 1000 {
		t.Errorf("CPU = %v µs per call-second, want 1000", got)
	}
	if got := st.heapPerCall(); got != float64(2<<20)/100 {
		t.Errorf("heap per call = %v", got)
	}
	if got := st.missingPct(); got != 0 {
		t.Errorf("missing = %v%%, want 0", got)
	}
	if got := st.coreUse(); got != 10 {
		t.Errorf("core use = %v%%, want 10", got)
	}
	over := st
	over.Up, over.Gen.LateGaps = 200, 500
	if got := largestUnder([]loadStep{st, over}, 0.1); got != 100 {
		t.Errorf("largest under 0.1%% = %d, want 100", got)
	}
}

func TestVADResultsAddUp(t *testing.T) {
	res := vadResults{}
	fold := func(p50, p95 float64, found int) string {
		return fmt.Sprintf(`{"engine":"lingxi-vad","noise":"white","snr_db":10,"utterances":60,"found_once":%d,"boundary_error_p50_ms":%g,"boundary_error_p95_ms":%g,"false_per_minute_of_noise":1}`+"\n"+
			`{"engine":"lingxi-vad","noise":"clean","snr_db":20,"utterances":60,"found_once":60}`+"\n", found, p50, p95)
	}
	for _, f := range []string{fold(10, 100, 58), fold(30, 200, 60)} {
		if err := res.addLines([]byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	a := res["lingxi-vad"][vadCond{"white", 10}]
	if a.FoundOnce != 118 || a.Utterances != 120 || a.p50() != 20 || a.p95() != 150 || a.p95max != 200 || a.falseMin() != 1 {
		t.Fatalf("aggregate = %+v", a)
	}
	if conds := res.conditions(); len(conds) != 2 || conds[0].Noise != "clean" {
		t.Fatalf("conditions = %v, want clean first", conds)
	}
	var b strings.Builder
	renderVAD(&b, res, "")
	if !strings.Contains(b.String(), "118/120") || !strings.Contains(b.String(), "**238/240**") {
		t.Fatalf("report:\n%s", b.String())
	}
	if err := res.addLines([]byte("{")); err == nil {
		t.Error("a broken line was taken")
	}
}

// The generator against the bench edge over loopback: three calls come up, each session is handed
// to the bench (OnSession), the bot's greeting turn and prompt are timed (Timings), audio flows
// both ways, and the generator's BYEs end every call.
func TestGeneratorAgainstEdge(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng is missing: run bash infra/deps/install.sh")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	phases := map[string]int{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := newBenchEdge(log, false, func(phase string, _ time.Duration) {
		mu.Lock()
		phases[phase]++
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, func() { close(ready) }) }()
	<-ready
	speech, _, err := writeSpeech(ctx, t.TempDir(), "a lost card")
	if err != nil {
		t.Fatal(err)
	}

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	genDone := make(chan error, 1)
	go func() {
		genDone <- runGenChild(ctx, []string{"-target", e.srv.Addr("udp").String(), "-calls", "3", "-rate", "50", "-speech", speech}, inR, outW)
		outW.Close()
	}()
	out := bufio.NewReader(outR)
	line := func(cmd string) string {
		t.Helper()
		if cmd != "" {
			if _, err := fmt.Fprintln(inW, cmd); err != nil {
				t.Fatal(err)
			}
		}
		l, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("generator: %v", err)
		}
		return strings.TrimSpace(l)
	}
	var up, failed int
	var secs float64
	if _, err := fmt.Sscanf(line(""), "up %d %d %f", &up, &failed, &secs); err != nil || up != 3 || failed != 0 {
		t.Fatalf("generator: up %d failed %d (%v)", up, failed, err)
	}
	if l := line("mark"); l != "ok" {
		t.Fatalf("mark: %q", l)
	}
	eventually(t, "audio both ways and the greeting timed", func() bool {
		var g genStats
		if err := json.Unmarshal([]byte(line("report")), &g); err != nil {
			t.Fatal(err)
		}
		st := e.sessions.sum()
		mu.Lock()
		timed := phases["turn"] >= 3 && phases["synthesis"] >= 3
		mu.Unlock()
		return g.Received > 0 && g.Sent > 0 && st.Sessions == 3 && st.PacketsIn > 0 && st.Ticks > 0 && timed
	})
	if l := line("hangup"); l != "done" {
		t.Fatalf("hangup: %q", l)
	}
	inW.Close()
	if err := <-genDone; err != nil {
		t.Fatal(err)
	}
	eventually(t, "every call ended", func() bool { return e.srv.Active() == 0 })
	cancel()
	if err := <-served; err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
}

// eventually waits for cond, failing after a generous bound (a liveness guard, not a timing
// assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMarginalCPU(t *testing.T) {
	step := func(calls int, cpuPerSecond float64) loadStep {
		return loadStep{Up: calls, Window: 10 * time.Second, Edge: edgeStats{Ticks: 1, CPUMicros: int64(cpuPerSecond * 10)}}
	}
	// 100 000 µs/s fixed + 2 000 µs/s per call: the core is full at 450 calls.
	per, ceil, ok := marginalCPU([]loadStep{step(50, 200000), step(100, 300000), step(200, 500000)})
	if !ok || per < 1999 || per > 2001 || ceil < 449 || ceil > 451 {
		t.Fatalf("marginalCPU = %v, %v, %v; want 2000, 450", per, ceil, ok)
	}
	if _, _, ok := marginalCPU([]loadStep{step(50, 200000)}); ok {
		t.Error("one step gave a slope")
	}
}

func TestMergeEdgeSection(t *testing.T) {
	doc := "# Bench\n\n## Other\n\nx\n\n" + edgeHeading + "\n\nMachine: old.\n\n### A\n\nold a\n\n### B\n\nold b\n\n## Systems\n\ny\n"
	section := edgeHeading + "\n\nMachine: new.\n\n### B\n\nnew b\n\n### C\n\nnew c\n\n"
	want := edgeHeading + "\n\nMachine: new.\n\n### A\n\nold a\n\n### B\n\nnew b\n\n### C\n\nnew c\n\n"
	if got := mergeEdgeSection(doc, section); got != want {
		t.Fatalf("merged:\n%s\nwant:\n%s", got, want)
	}
	if got := mergeEdgeSection("# Bench\n", section); got != section {
		t.Fatalf("without an earlier section: %q", got)
	}
	spliced := spliceSection(doc, mergeEdgeSection(doc, section))
	if !strings.Contains(spliced, "## Other\n\nx\n\n"+want+"## Systems") {
		t.Fatalf("spliced:\n%s", spliced)
	}
}

func TestStamp(t *testing.T) {
	got := stamp("### Part\n\nbody\n", time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC))
	if !strings.HasPrefix(got, "### Part\n\nRun: `go run ./infra/bench") || !strings.HasSuffix(got, "\n\nbody\n") {
		t.Fatalf("stamp = %q", got)
	}
}
