package media

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/pion/srtp/v3"
)

// Benchmarks of one call's hot path, per 20 ms tick: what the edge spends per call-second is
// ns/op × 50. Run: go test -run '^$' -bench . ./media-edge/media

// loopSource plays one frame forever.
type loopSource struct{ f [FrameSamples]int16 }

func (l *loopSource) Next(buf *[FrameSamples]int16) bool { *buf = l.f; return true }

// benchSession is a session sending to a loopback socket nobody reads (the kernel drops what
// overflows its buffer, as a lossy network would) and fed packets by the benchmark.
func benchSession(b *testing.B, sd *SDES) *Session {
	b.Helper()
	conn, err := testPorts(b).Listen()
	if err != nil {
		b.Fatal(err)
	}
	sink, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(); sink.Close() })
	s, err := NewSession(conn, Params{Remote: sink.LocalAddr().(*net.UDPAddr).AddrPort(), Codec: PCMU, DTMFPayloadType: 101, SRTP: sd}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	src := &loopSource{}
	for i := range src.f {
		src.f[i] = int16(i * 97)
	}
	s.Play(src)
	return s
}

// BenchmarkCallTick is one tick of a call: one audio packet received (header parse, sequence
// tracking, G.711 decode into the jitter buffer), one frame played out of the buffer, one prompt
// frame encoded and sent over loopback UDP, the frame handed to the consumer.
func BenchmarkCallTick(b *testing.B) {
	s := benchSession(b, nil)
	from := s.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	s.p.Remote = netip.AddrPortFrom(from.Addr(), s.p.Remote.Port())
	pkt := make([]byte, rtpHeader+FrameSamples)
	pkt[0], pkt[1] = 0x80, 0
	binary.BigEndian.PutUint32(pkt[8:], 42)
	var n int64
	for b.Loop() {
		binary.BigEndian.PutUint16(pkt[2:], uint16(n))
		binary.BigEndian.PutUint32(pkt[4:], uint32(n*FrameSamples))
		s.receive(pkt, from)
		s.tick(n, true)
		<-s.frames
		n++
	}
	if st := s.Stats(); st.PacketsIn != uint64(n) || st.Late != 0 {
		b.Fatalf("stats %+v", st)
	}
}

// BenchmarkCallTickSRTP is BenchmarkCallTick keyed by SDES (AES_CM_128_HMAC_SHA1_80): the edge
// decrypts and encrypts a packet per tick. The peer's encryption of the packet received is in
// the figure too; BenchmarkSRTPPacket alone measures one side's cost.
func BenchmarkCallTickSRTP(b *testing.B) {
	key, _ := NewSDESKey()
	s := benchSession(b, &SDES{Suite: SuiteAES80, Local: key, Remote: key})
	from := s.p.Remote
	s.p.Remote = from
	peer, _ := srtp.CreateContext(key[:16], key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	plain := make([]byte, rtpHeader+FrameSamples)
	plain[0] = 0x80
	binary.BigEndian.PutUint32(plain[8:], 42)
	enc := make([]byte, 0, mtu)
	var n int64
	for b.Loop() {
		binary.BigEndian.PutUint16(plain[2:], uint16(n))
		binary.BigEndian.PutUint32(plain[4:], uint32(n*FrameSamples))
		out, err := peer.EncryptRTP(enc[:0], plain, nil)
		if err != nil {
			b.Fatal(err)
		}
		s.receive(out, from)
		s.tick(n, true)
		<-s.frames
		n++
	}
	if st := s.Stats(); st.PacketsIn != uint64(n) || st.Invalid != 0 {
		b.Fatalf("stats %+v", st)
	}
}

// BenchmarkSRTPPacket is one 172-byte RTP packet encrypted by pion/srtp.
func BenchmarkSRTPPacket(b *testing.B) {
	key, _ := NewSDESKey()
	c, _ := srtp.CreateContext(key[:16], key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	plain := make([]byte, rtpHeader+FrameSamples)
	plain[0] = 0x80
	enc := make([]byte, 0, mtu)
	var n uint16
	for b.Loop() {
		binary.BigEndian.PutUint16(plain[2:], n)
		if _, err := c.EncryptRTP(enc[:0], plain, nil); err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// discardS3 accepts every call and keeps nothing: the recorder's own cost without a store.
type discardS3 struct{}

func (discardS3) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return &s3.PutObjectOutput{}, nil
}

func (discardS3) CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	id := "u"
	return &s3.CreateMultipartUploadOutput{UploadId: &id}, nil
}

func (discardS3) UploadPart(context.Context, *s3.UploadPartInput, ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	return &s3.UploadPartOutput{}, nil
}

func (discardS3) CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	return &s3.CompleteMultipartUploadOutput{}, nil
}

func (discardS3) AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return &s3.AbortMultipartUploadOutput{}, nil
}

// BenchmarkRecorderWrite is one tick recorded: interleaving into the buffer, and every 25 ticks
// a write to the spool file (parts rotate every 5 MiB).
func BenchmarkRecorderWrite(b *testing.B) {
	r, err := NewS3Recorder(b.Context(), discardS3{}, "b", "k", RecorderOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	var c, p [FrameSamples]int16
	for b.Loop() {
		if err := r.Write(&c, &p); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := r.Close(b.Context()); err != nil {
		b.Fatal(err)
	}
}

// TestMemoryPerCall measures the heap and stacks one running call holds: a session with its two
// goroutines and its recorder (the S3 client shared). It logs the figure and fails above 64 KiB,
// a bound well over what the design needs (about 30 KiB), to catch a per-call buffer that grew.
func TestMemoryPerCall(t *testing.T) {
	const calls = 200
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, calls)
	var conns []*net.UDPConn
	var recs []*S3Recorder
	for range calls {
		conn, err := testPorts(t).Listen()
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		rec, err := NewS3Recorder(ctx, discardS3{}, "b", "k", RecorderOptions{TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
		s, err := NewSession(conn, Params{Remote: netip.MustParseAddrPort("127.0.0.1:9"), Codec: PCMU, DTMFPayloadType: 101}, Options{Recorder: rec, Clock: newFakeClock()})
		if err != nil {
			t.Fatal(err)
		}
		go func() { done <- s.Run(ctx) }()
		<-s.Frames()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / calls
	stack := (int64(after.StackInuse) - int64(before.StackInuse)) / calls
	t.Logf("per call: %d bytes of heap, %d bytes of stack (%d calls)", heap, stack, calls)
	if heap+stack > 64<<10 {
		t.Errorf("a call holds %d bytes", heap+stack)
	}
	cancel()
	for range calls {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	for i := range calls {
		recs[i].Close(t.Context())
		conns[i].Close()
	}
}

// BenchmarkPacedCalls runs calls for real: each session with its reader and its 20 ms ticker on
// the system clock, receiving a packet per tick from one generator goroutine (in this process,
// so its cost is in the figure) and sending a prompt back. It reports the process's CPU per
// call-second and the share of late ticks; ns/op is one second of wall time.
func BenchmarkPacedCalls(b *testing.B) {
	for _, calls := range []int{100, 500} {
		b.Run(fmt.Sprintf("calls=%d", calls), func(b *testing.B) { pacedCalls(b, calls) })
	}
}

func pacedCalls(b *testing.B, calls int) {
	gen, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		b.Fatal(err)
	}
	defer gen.Close()
	genAddr := gen.LocalAddr().(*net.UDPAddr).AddrPort()
	ctx, cancel := context.WithCancel(b.Context())
	var wg sync.WaitGroup
	sessions := make([]*Session, calls)
	targets := make([]netip.AddrPort, calls)
	for i := range calls {
		conn, err := testPorts(b).Listen()
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		s, err := NewSession(conn, Params{Remote: genAddr, Codec: PCMU}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Play(&loopSource{})
		sessions[i], targets[i] = s, conn.LocalAddr().(*net.UDPAddr).AddrPort()
		wg.Go(func() {
			go func() {
				for range s.Frames() { // the consumer: the VAD's place
				}
			}()
			s.Run(ctx)
		})
	}
	wg.Go(func() { generate(ctx, gen, targets) })
	for b.Loop() {
		before := cpuTime()
		t0 := time.Now()
		var ticks0, late0 uint64
		for _, s := range sessions {
			st := s.Stats()
			ticks0, late0 = ticks0+st.Ticks, late0+st.LateTicks
		}
		time.Sleep(time.Second) // the measured window: wall time is what is measured here
		cpu, wall := cpuTime()-before, time.Since(t0)
		var ticks, late uint64
		for _, s := range sessions {
			st := s.Stats()
			ticks, late = ticks+st.Ticks, late+st.LateTicks
		}
		b.ReportMetric(float64(cpu.Microseconds())/(float64(calls)*wall.Seconds()), "cpu-µs/call-s")
		b.ReportMetric(100*float64(late-late0)/float64(max(ticks-ticks0, 1)), "%late-ticks")
	}
	cancel()
	wg.Wait()
}

// generate sends every target a PCMU packet per 20 ms from one socket.
func generate(ctx context.Context, c *net.UDPConn, targets []netip.AddrPort) {
	pkt := make([]byte, rtpHeader+FrameSamples)
	pkt[0] = 0x80
	t := time.NewTicker(FramePeriod)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		binary.BigEndian.PutUint16(pkt[2:], uint16(n))
		binary.BigEndian.PutUint32(pkt[4:], uint32(n*FrameSamples))
		for i, to := range targets {
			binary.BigEndian.PutUint32(pkt[8:], uint32(i))
			c.WriteToUDPAddrPort(pkt, to)
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
