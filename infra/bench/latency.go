package main

// The voice-turn latency: the local stack as `make run` brings it up (its edge, the demo tenant,
// the real chat function, pocketsphinx and espeak-ng), one Go caller at a time that waits for the
// greeting to end, says "a lost or stolen card" and times the end of its speech to the first
// non-silent packet back; the edge's own phase timings (edge.Options.Timings) split it.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/infra/local"
	edgeconfig "github.com/lingxi/lingxi/media-edge/config"
	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/media-edge/voice/vad"
)

// phaseLog keeps the edge's phase timings with the time each was reported.
type phaseLog struct {
	mu      sync.Mutex
	entries []phaseEntry
}

type phaseEntry struct {
	phase string
	d     time.Duration
	at    time.Time
}

func (l *phaseLog) add(phase string, d time.Duration) {
	l.mu.Lock()
	l.entries = append(l.entries, phaseEntry{phase, d, time.Now()})
	l.mu.Unlock()
}

// between returns the first duration of each phase reported in (from, to].
func (l *phaseLog) between(from, to time.Time) map[string]time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]time.Duration{}
	for _, e := range l.entries {
		if e.at.After(from) && !e.at.After(to) {
			if _, ok := out[e.phase]; !ok {
				out[e.phase] = e.d
			}
		}
	}
	return out
}

// turnTiming is one measured turn.
type turnTiming struct {
	total                                      time.Duration // end of speech → first reply audio
	recognition, turn, synthesis, endpointRest time.Duration
}

// speechEnd is the index of the frame after the last one with speech in pcm (|x| > 300).
func speechEnd(pcm []int16) int {
	last := -1
	for i, v := range pcm {
		if v > 300 || v < -300 {
			last = i
		}
	}
	return (last + media.FrameSamples) / media.FrameSamples
}

// silent reports whether a PCMU payload is silence (no sample beyond ±200).
func silent(payload []byte) bool {
	for _, b := range payload {
		if v := media.ULawDecode(b); v > 200 || v < -200 {
			return false
		}
	}
	return true
}

// percentile is the p-th percentile (nearest rank) of ds, 0 when empty: the VAD scorer's.
func percentile(ds []time.Duration, p float64) time.Duration { return vad.Percentile(ds, p) }

// greetingGap is the silence after which the caller takes the greeting as over.
const greetingGap = 2 * time.Second

// errOverlap: the edge was still playing while the caller spoke (the greeting was not over); the
// call is not counted.
var errOverlap = errors.New("the edge played audio while the caller spoke")

// runLatency starts the local stack and times p.turns voice turns, one call each.
// cold receives the first call's turn (cold caches), which the figures leave out.
// skipped counts the calls left out because the edge was still playing while the caller spoke.
func runLatency(ctx context.Context, root string, p edgePlan, work string, endSilence time.Duration, cold *turnTiming, skipped *int) ([]turnTiming, error) {
	_, speech, err := writeSpeech(ctx, work, "a lost or stolen card")
	if err != nil {
		return nil, err
	}
	state := filepath.Join(work, fmt.Sprintf("stack-%d", endSilence.Milliseconds()))
	logf, err := os.Create(state + ".log")
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	phases := &phaseLog{}
	fmt.Fprintf(os.Stderr, "   starting the local stack (log %s)\n", logf.Name())
	l, err := local.Start(ctx, local.Options{Template: filepath.Join(root, "template.yaml"), StateDir: state, Log: logf,
		Edge: local.EdgeOptions{Timings: phases.add, EndSilence: edgeconfig.Duration(endSilence)}})
	if err != nil {
		return nil, fmt.Errorf("start the local stack: %w", err)
	}
	defer l.Close()
	var out []turnTiming
	var errs []error
	for i := 0; len(out) < p.turns; i++ { // the first call warms the caches and functions and is not counted
		t, err := timeOneTurn(ctx, l.EdgeAddr().String(), speech, phases)
		if err != nil {
			if errors.Is(err, errOverlap) {
				*skipped++
			} else {
				errs = append(errs, err)
			}
			fmt.Fprintf(os.Stderr, "   turn %d: %v\n", i, err)
			if len(errs) > 3 || *skipped > p.turns {
				return out, errors.Join(append(errs, fmt.Errorf("%d calls overlapped", *skipped))...)
			}
			continue
		}
		fmt.Fprintf(os.Stderr, "   turn %d: %s (recognition %s, turn %s, synthesis %s)\n", i, t.total.Round(time.Millisecond),
			t.recognition.Round(time.Millisecond), t.turn.Round(time.Millisecond), t.synthesis.Round(time.Millisecond))
		if i > 0 {
			out = append(out, t)
		} else {
			*cold = t
		}
	}
	return out, nil
}

// timeOneTurn calls the demo number, waits for the greeting to end (1 s of silence after audio),
// says the sentence, and times its end to the first non-silent packet back.
func timeOneTurn(ctx context.Context, edgeAddr string, speech []int16, phases *phaseLog) (turnTiming, error) {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	dialogs, stopUAC, err := startUAC(ctx, "lingxi-bench-caller")
	if err != nil {
		return turnTiming{}, err
	}
	defer stopUAC()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return turnTiming{}, err
	}
	defer conn.Close()
	port := conn.LocalAddr().(*net.UDPAddr).Port
	body := []byte(strings.Join([]string{
		"v=0", "o=caller 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
		fmt.Sprintf("m=audio %d RTP/AVP 0 101", port), "a=rtpmap:0 PCMU/8000",
		"a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv",
	}, "\r\n") + "\r\n")
	host, portStr, _ := strings.Cut(edgeAddr, ":")
	var sipPort int
	fmt.Sscan(portStr, &sipPort)
	req := sip.Uri{Scheme: "sip", User: local.DemoNumber, Host: host, Port: sipPort}
	// An English caller (the demo bot greets +1 numbers in English).
	tag := sip.NewParams()
	tag.Add("tag", sip.GenerateTagN(16))
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "+14155550100", Host: "127.0.0.1"}, Params: tag}
	d, err := dialogs.Invite(ctx, req, body, sip.NewHeader("Content-Type", "application/sdp"), from)
	if err != nil {
		return turnTiming{}, err
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		return turnTiming{}, err
	}
	if err := d.Ack(ctx); err != nil {
		return turnTiming{}, err
	}
	defer func() {
		bctx, bcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = d.Bye(bctx)
		bcancel()
	}()
	remote, err := answerRTP(d.InviteResponse.Body())
	if err != nil {
		return turnTiming{}, err
	}

	// The receiver notes when audio was last heard and the first audio after a mark.
	type heard struct {
		lastAudio time.Time
		any       bool
	}
	var mu sync.Mutex
	var h heard
	var markAt time.Time
	reply := make(chan time.Time, 1)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, _, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if n < 12 || buf[1]&0x7F != 0 {
				continue
			}
			now := time.Now()
			if silent(buf[12:n]) {
				continue
			}
			mu.Lock()
			h.lastAudio, h.any = now, true
			if !markAt.IsZero() && now.After(markAt) {
				select {
				case reply <- now:
				default:
				}
			}
			mu.Unlock()
		}
	}()

	// The sender: low noise, and the speech when told; it reports when the speech's last
	// voiced frame went out.
	end := speechEnd(speech)
	say := make(chan struct{})
	spoken := make(chan time.Time, 1)
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		rng := rand.New(rand.NewPCG(1, 2))
		pkt := make([]byte, 12+media.FrameSamples)
		var frame [media.FrameSamples]int16
		var seq uint16
		var ts uint32
		pos := -1 // frame index into speech while speaking
		tick := time.NewTicker(framePeriod)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-say:
				pos, say = 0, nil
			case <-tick.C:
				for i := range frame {
					frame[i] = int16(rng.NormFloat64() * 30)
				}
				if pos >= 0 {
					for i := range media.FrameSamples {
						if k := pos*media.FrameSamples + i; k < len(speech) {
							frame[i] += speech[k]
						}
					}
				}
				pkt[0], pkt[1] = 0x80, 0
				binary.BigEndian.PutUint16(pkt[2:], seq)
				binary.BigEndian.PutUint32(pkt[4:], ts)
				binary.BigEndian.PutUint32(pkt[8:], 0x1234)
				media.PCMU.Encode(pkt[12:], frame[:])
				_, _ = conn.WriteToUDPAddrPort(pkt, remote)
				seq++
				ts += media.FrameSamples
				if pos >= 0 {
					pos++
					if pos == end {
						spoken <- time.Now()
					}
				}
			}
		}
	}()
	defer func() { cancel(); <-senderDone }()

	// Wait for the greeting: audio, then two seconds without (a prompt synthesised slowly leaves a
	// gap inside it).
	for {
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return turnTiming{}, fmt.Errorf("waiting for the greeting: %w", err)
		}
		mu.Lock()
		done := h.any && time.Since(h.lastAudio) > greetingGap
		mu.Unlock()
		if done {
			break
		}
	}
	saidAt := time.Now()
	close(say)
	var endAt time.Time
	select {
	case endAt = <-spoken:
	case <-ctx.Done():
		return turnTiming{}, ctx.Err()
	}
	mu.Lock()
	markAt = endAt
	overlapped := h.lastAudio.After(saidAt)
	mu.Unlock()
	if overlapped {
		return turnTiming{}, errOverlap
	}
	var replyAt time.Time
	select {
	case replyAt = <-reply:
	case <-ctx.Done():
		return turnTiming{}, errors.New("no reply to the sentence")
	}
	ph := phases.between(endAt, replyAt)
	t := turnTiming{total: replyAt.Sub(endAt), recognition: ph["recognition"], turn: ph["turn"], synthesis: ph["synthesis"]}
	t.endpointRest = max(0, t.total-t.recognition-t.turn-t.synthesis)
	return t, nil
}

// latencyRun is the turns of one endpointing silence.
type latencyRun struct {
	endSilence time.Duration
	turns      []turnTiming
	cold       turnTiming
	skipped    int // calls where the edge was still playing while the caller spoke
}

func renderLatency(b *strings.Builder, p edgePlan, runs []latencyRun) {
	b.WriteString("### Voice-turn latency with local engines\n\n")
	fmt.Fprintf(b, "The local stack as `make run` starts it (`local.Start`: devstack, the emulators, the real chat function, the demo tenant, the media edge in process with pocketsphinx and espeak-ng; once with the configured endpointing silence, %s, and once with %s through local.EdgeOptions.EndSilence). A Go caller (sipgo, PCMU at 20 ms with −60 dBFS noise) calls the demo number %d + 1 times in turn (the first call warms up and is not counted), waits for the greeting to end (2 s without audio), says \"a lost or stolen card\" (espeak-ng) and measures the end of its speech (its last frame with a sample over ±300 sent) → the first non-silent RTP packet back. The edge reports each phase's duration (edge.Options.Timings → call.Handler.Timings): recognition (pocketsphinx on the utterance), turn (the chat function through devstack's Lambda Invoke), synthesis (the reply's first prompt, from the prompt cache when said before). Endpointing and the rest: the total less those three — the VAD's end-of-utterance silence, the wait for the next 20 ms tick and loopback.\n\n", latencySilences[0], latencySilences[1], p.turns)
	for _, r := range runs {
		renderLatencyRun(b, r)
	}
	b.WriteString("Goal: < 500 ms from the end of the caller's speech to the first reply audio, endpointing included.\n\n")
}

// latencySilences: the edge's configured endpointing silence (config.Defaults) and a shorter one.
var latencySilences = []time.Duration{time.Duration(edgeconfig.Defaults().EndSilence), 300 * time.Millisecond}

func renderLatencyRun(b *strings.Builder, r latencyRun) {
	turns, cold := r.turns, r.cold
	fmt.Fprintf(b, "Endpointing silence %s:\n\n", r.endSilence)
	if len(turns) == 0 {
		b.WriteString("No turn was measured.\n\n")
		return
	}
	col := func(f func(turnTiming) time.Duration) []time.Duration {
		var ds []time.Duration
		for _, t := range turns {
			ds = append(ds, f(t))
		}
		return ds
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
	b.WriteString("| phase | median | p95 |\n|---|---|---|\n")
	for _, r := range []struct {
		name string
		f    func(turnTiming) time.Duration
	}{
		{"endpointing and the rest", func(t turnTiming) time.Duration { return t.endpointRest }},
		{"recognition", func(t turnTiming) time.Duration { return t.recognition }},
		{"turn", func(t turnTiming) time.Duration { return t.turn }},
		{"synthesis", func(t turnTiming) time.Duration { return t.synthesis }},
		{"**end of speech → first reply audio**", func(t turnTiming) time.Duration { return t.total }},
	} {
		ds := col(r.f)
		fmt.Fprintf(b, "| %s | %s | %s |\n", r.name, ms(percentile(ds, 50)), ms(percentile(ds, 95)))
	}
	if cold.total > 0 {
		fmt.Fprintf(b, "\nThe warm-up call's turn (the reply's prompt not cached yet, the function's first voice turn): %s in all: endpointing and the rest %s, recognition %s, turn %s, synthesis %s.\n",
			ms(cold.total), ms(cold.endpointRest), ms(cold.recognition), ms(cold.turn), ms(cold.synthesis))
	}
	slow := 0
	for _, t := range turns {
		if t.total > 2*time.Second {
			slow++
		}
	}
	fmt.Fprintf(b, "\n%d turns measured", len(turns))
	if slow > 0 {
		fmt.Fprintf(b, "; in %d of them no reply audio came within 2 s (the sentence cut at a pause between words or misheard, so the bot's answer was not spoken at once and the next audio came later)", slow)
	}
	if r.skipped > 0 {
		fmt.Fprintf(b, "; %d more call(s) left out because the edge was still playing while the caller spoke (a gap of 2 s inside the greeting)", r.skipped)
	}
	b.WriteString(".\n\n")
}
