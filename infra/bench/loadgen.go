package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/sdp/v3"

	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

// The load generator places calls on the edge over loopback (sipgo UAC), sends each a paced
// PCMU stream of speech bursts in low noise, and times the edge's packets as they arrive.

const (
	framePeriod = 20 * time.Millisecond
	// lateGap: a packet that arrives more than two periods after the one before it was late.
	lateGap = 40 * time.Millisecond
	// maxBurst is the most frames a call sends at once to catch up; beyond that it skips.
	maxBurst = 3
	// senderGroups spread the calls' sends over the 20 ms period (one sender goroutine per ms).
	senderGroups = 20
)

// framesDue is the generator's pacing decision for one call: the frames whose time (start + i ×
// 20 ms, i from 0) has come and which were not sent yet, at most maxBurst; the rest of a larger
// backlog is skipped (sent never, but counted) so that a generator that fell behind does not flood.
func framesDue(elapsed time.Duration, sent int64) (send int, skip int64) {
	if elapsed < 0 {
		return 0, 0
	}
	due := int64(elapsed/framePeriod) + 1 - sent
	if due <= 0 {
		return 0, 0
	}
	if due > maxBurst {
		return maxBurst, due - maxBurst
	}
	return int(due), 0
}

// genStats are the generator's counts since the last mark.
type genStats struct {
	Calls     int     `json:"calls"`
	Failed    int     `json:"failed"`
	Received  uint64  `json:"received"`
	LateGaps  uint64  `json:"late_gaps"` // inter-arrival > 40 ms
	MaxGapMS  float64 `json:"max_gap_ms"`
	Sent      uint64  `json:"sent"`
	Skipped   uint64  `json:"skipped"` // frames the generator itself fell too far behind to send
	SetupSecs float64 `json:"setup_seconds"`
}

// genCall is one call's RTP state.
type genCall struct {
	conn   *net.UDPConn
	remote netip.AddrPort
	start  time.Time
	sent   int64
	seq    uint16
	ts     uint32
	ssrc   uint32
	offset int // where in the audio cycle the call began
	dialog *sipgo.DialogClientSession

	received, lateGaps atomic.Uint64
	maxGap             atomic.Int64
}

// generator holds the calls and the counters shared by the senders and readers.
type generator struct {
	cycle   [][]byte // PCMU payloads of the audio cycle, one per frame
	calls   []*genCall
	mu      sync.Mutex
	sent    atomic.Uint64
	skipped atomic.Uint64
	markAt  atomic.Int64 // unix nanos of the last mark; readers count only after it
}

// speechCycle builds the audio every call loops over: speech, then lowNoise-level noise until
// cycle ends (the VAD hears an utterance per cycle, over the bot's prompt or after it).
func speechCycle(speech []int16, cycle time.Duration, seed uint64) [][]byte {
	n := int(cycle / framePeriod)
	rng := rand.New(rand.NewPCG(seed, 3))
	pcm := make([]int16, n*media.FrameSamples)
	for i := range pcm {
		pcm[i] = int16(rng.NormFloat64() * 30) // about −60 dBFS of line noise
	}
	for i, v := range speech {
		if i < len(pcm) {
			pcm[i] += v
		}
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, media.FrameSamples)
		media.PCMU.Encode(out[i], pcm[i*media.FrameSamples:(i+1)*media.FrameSamples])
	}
	return out
}

// runGenChild is the generator process. It places -calls calls at -rate per second, prints
// "up N FAILED SECONDS", then answers stdin: "mark" (zero the counters; "ok"), "report" (a JSON
// genStats line), "hangup" (BYE every call; "done").
func runGenChild(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("bench child gen", flag.ContinueOnError)
	target := fs.String("target", "", "the edge's SIP UDP address")
	number := fs.String("number", loadNumber, "number to dial")
	calls := fs.Int("calls", 10, "calls to place")
	rate := fs.Float64("rate", 100, "calls placed per second")
	speechFile := fs.String("speech", "", "8 kHz mono WAV of the speech burst")
	cycle := fs.Duration("cycle", 6*time.Second, "audio cycle: the speech then noise")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var speech []int16
	if *speechFile != "" {
		f, err := os.Open(*speechFile)
		if err != nil {
			return err
		}
		speech, err = wav.DecodeMono8k(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	edge, err := netip.ParseAddrPort(*target)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	g := &generator{cycle: speechCycle(speech, *cycle, 1)}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dialogs, closeUAC, err := startUAC(ctx, "lingxi-bench")
	if err != nil {
		return err
	}
	defer closeUAC()

	var wg sync.WaitGroup
	defer wg.Wait()
	// Senders: one goroutine per 1 ms slot of the period.
	for gi := range senderGroups {
		wg.Add(1)
		go func() { defer wg.Done(); g.send(ctx, gi) }()
	}
	began := time.Now()
	var failed atomic.Int64
	var placing sync.WaitGroup
	interval := time.Duration(float64(time.Second) / *rate)
	uri := sip.Uri{Scheme: "sip", User: *number, Host: edge.Addr().String(), Port: int(edge.Port())}
	for i := range *calls {
		if err := ctx.Err(); err != nil {
			return err
		}
		if wait := time.Until(began.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		placing.Add(1)
		go func() {
			defer placing.Done()
			c, err := g.place(ctx, dialogs, uri, i)
			if err != nil {
				failed.Add(1)
				fmt.Fprintln(os.Stderr, "gen: call:", err)
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); g.read(c) }()
		}()
	}
	placing.Wait()
	fmt.Fprintf(out, "up %d %d %.3f\n", len(g.snapshot()), failed.Load(), time.Since(began).Seconds())
	sc := bufio.NewScanner(in)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		switch strings.TrimSpace(sc.Text()) {
		case "mark":
			g.mark()
			fmt.Fprintln(out, "ok")
		case "report":
			st := g.report()
			st.Failed = int(failed.Load())
			if err := enc.Encode(st); err != nil {
				return err
			}
		case "hangup":
			g.hangup(ctx)
			cancel()
			fmt.Fprintln(out, "done")
			return nil
		}
	}
	g.hangup(ctx)
	return nil
}

// startUAC starts a sipgo user agent on a loopback UDP port that places calls and answers the
// edge's BYEs; stop ends it.
func startUAC(ctx context.Context, name string) (dialogs *sipgo.DialogClientCache, stop func(), err error) {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(name))
	if err != nil {
		return nil, nil, err
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		ua.Close()
		return nil, nil, err
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		ua.Close()
		return nil, nil, err
	}
	var dmu sync.Mutex
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		dmu.Lock()
		d := dialogs
		dmu.Unlock()
		if d == nil || d.ReadBye(req, tx) != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		}
	})
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	rctx := context.WithValue(ctx, sipgo.ListenReadyCtxKey, sipgo.ListenReadyFuncCtxValue(func(_, addr string) { ready <- addr }))
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.ListenAndServe(rctx, "udp", "127.0.0.1:0") }()
	stop = func() { cancel(); <-served; ua.Close() }
	var laddr netip.AddrPort
	select {
	case a := <-ready:
		laddr = netip.MustParseAddrPort(a)
	case <-served:
		cancel()
		ua.Close()
		return nil, nil, errors.New("the SIP listener did not start")
	}
	d := sipgo.NewDialogClientCache(cli, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "bench", Host: "127.0.0.1", Port: int(laddr.Port())}})
	dmu.Lock()
	dialogs = d
	dmu.Unlock()
	return d, stop, nil
}

// place sets up call i: its RTP socket, the INVITE with its offer, the answer's RTP address.
func (g *generator) place(ctx context.Context, dialogs *sipgo.DialogClientCache, uri sip.Uri, i int) (*genCall, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	body := []byte(strings.Join([]string{
		"v=0", fmt.Sprintf("o=bench %d 1 IN IP4 127.0.0.1", i), "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
		fmt.Sprintf("m=audio %d RTP/AVP 0 101", port), "a=rtpmap:0 PCMU/8000",
		"a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv",
	}, "\r\n") + "\r\n")
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	d, err := dialogs.Invite(cctx, uri, body, sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := d.WaitAnswer(cctx, sipgo.AnswerOptions{}); err != nil {
		conn.Close()
		return nil, err
	}
	if err := d.Ack(cctx); err != nil {
		conn.Close()
		return nil, err
	}
	remote, err := answerRTP(d.InviteResponse.Body())
	if err != nil {
		conn.Close()
		return nil, err
	}
	c := &genCall{conn: conn, remote: remote, start: time.Now(), ssrc: uint32(i)*2654435761 + 1,
		offset: (i * 37) % len(g.cycle), dialog: d}
	g.mu.Lock()
	g.calls = append(g.calls, c)
	g.mu.Unlock()
	return c, nil
}

// answerRTP is the RTP address of an SDP answer's audio stream.
func answerRTP(body []byte) (netip.AddrPort, error) {
	var s sdp.SessionDescription
	if err := s.Unmarshal(body); err != nil {
		return netip.AddrPort{}, fmt.Errorf("answer SDP: %w", err)
	}
	var conn *sdp.ConnectionInformation = s.ConnectionInformation
	for _, m := range s.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		if m.ConnectionInformation != nil {
			conn = m.ConnectionInformation
		}
		if conn == nil || conn.Address == nil {
			return netip.AddrPort{}, errors.New("answer SDP: no connection address")
		}
		a, err := netip.ParseAddr(conn.Address.Address)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("answer SDP: %w", err)
		}
		return netip.AddrPortFrom(a, uint16(m.MediaName.Port.Value)), nil
	}
	return netip.AddrPort{}, errors.New("answer SDP: no audio stream")
}

func (g *generator) snapshot() []*genCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*genCall(nil), g.calls...)
}

// send is sender goroutine gi: every 20 ms, offset by gi ms, it sends what is due on the calls
// whose index is gi modulo senderGroups.
func (g *generator) send(ctx context.Context, gi int) {
	select {
	case <-time.After(time.Duration(gi) * time.Millisecond):
	case <-ctx.Done():
		return
	}
	t := time.NewTicker(framePeriod)
	defer t.Stop()
	pkt := make([]byte, 12+media.FrameSamples)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			calls := g.snapshot()
			for i := gi; i < len(calls); i += senderGroups {
				c := calls[i]
				n, skip := framesDue(now.Sub(c.start), c.sent)
				if skip > 0 {
					c.sent += skip
					c.seq += uint16(skip)
					c.ts += uint32(skip) * media.FrameSamples
					g.skipped.Add(uint64(skip))
				}
				for range n {
					frame := g.cycle[(c.offset+int(c.sent))%len(g.cycle)]
					pkt[0], pkt[1] = 0x80, 0 // v2, PCMU
					binary.BigEndian.PutUint16(pkt[2:], c.seq)
					binary.BigEndian.PutUint32(pkt[4:], c.ts)
					binary.BigEndian.PutUint32(pkt[8:], c.ssrc)
					copy(pkt[12:], frame)
					_, _ = c.conn.WriteToUDPAddrPort(pkt, c.remote)
					c.sent++
					c.seq++
					c.ts += media.FrameSamples
					g.sent.Add(1)
				}
			}
		}
	}
}

// read times call c's incoming packets until its socket closes.
func (g *generator) read(c *genCall) {
	buf := make([]byte, 1500)
	var last time.Time
	for {
		if _, _, err := c.conn.ReadFromUDPAddrPort(buf); err != nil {
			return
		}
		now := time.Now()
		if now.UnixNano() < g.markAt.Load() {
			last = now
			continue
		}
		c.received.Add(1)
		if !last.IsZero() {
			gap := now.Sub(last)
			if gap > lateGap {
				c.lateGaps.Add(1)
			}
			if int64(gap) > c.maxGap.Load() {
				c.maxGap.Store(int64(gap))
			}
		}
		last = now
	}
}

func (g *generator) mark() {
	for _, c := range g.snapshot() {
		c.received.Store(0)
		c.lateGaps.Store(0)
		c.maxGap.Store(0)
	}
	g.sent.Store(0)
	g.skipped.Store(0)
	g.markAt.Store(time.Now().UnixNano())
}

func (g *generator) report() genStats {
	calls := g.snapshot()
	st := genStats{Calls: len(calls), Sent: g.sent.Load(), Skipped: g.skipped.Load()}
	var maxGap int64
	for _, c := range calls {
		st.Received += c.received.Load()
		st.LateGaps += c.lateGaps.Load()
		maxGap = max(maxGap, c.maxGap.Load())
	}
	st.MaxGapMS = float64(maxGap) / float64(time.Millisecond)
	return st
}

// hangup sends BYE on every call, 50 at a time, and closes the sockets.
func (g *generator) hangup(ctx context.Context) {
	calls := g.snapshot()
	sem := make(chan struct{}, 50)
	var wg sync.WaitGroup
	for _, c := range calls {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_ = c.dialog.Bye(bctx)
			cancel()
			c.conn.Close()
		}()
	}
	wg.Wait()
}
