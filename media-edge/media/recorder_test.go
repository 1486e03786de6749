package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lingxi/lingxi/infra/emulators"
)

// newS3 is a bucket of its own on s3rver through the real SDK client, addressed by path as an
// S3-compatible store wants.
func newS3(t *testing.T) (*s3.Client, string) {
	t.Helper()
	return emulators.NewBucket(t, func(cfg aws.Config) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	})
}

// wav is a decoded WAV file.
type wav struct {
	channels, rate, bits int
	left, right          []int16
}

// decodeWAV reads a RIFF/WAVE file chunk by chunk, as a player would.
func decodeWAV(t *testing.T, b []byte) wav {
	t.Helper()
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("not a WAV file")
	}
	if riff := binary.LittleEndian.Uint32(b[4:]); int(riff) != len(b)-8 {
		t.Fatalf("RIFF size %d, file of %d bytes", riff, len(b))
	}
	var w wav
	var data []byte
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8 : min(p+8+size, len(b))]
		switch id {
		case "fmt ":
			if binary.LittleEndian.Uint16(body[0:]) != 1 {
				t.Fatalf("format %d, want PCM", binary.LittleEndian.Uint16(body[0:]))
			}
			w.channels = int(binary.LittleEndian.Uint16(body[2:]))
			w.rate = int(binary.LittleEndian.Uint32(body[4:]))
			w.bits = int(binary.LittleEndian.Uint16(body[14:]))
		case "data":
			if len(body) != size {
				t.Fatalf("data chunk says %d bytes, file holds %d", size, len(body))
			}
			data = body
		}
		p += 8 + size + size%2
	}
	if w.channels != 2 || w.rate != 8000 || w.bits != 16 {
		t.Fatalf("format %+v, want 2 channels of 8 kHz 16-bit", w)
	}
	for i := 0; i+4 <= len(data); i += 4 {
		w.left = append(w.left, int16(binary.LittleEndian.Uint16(data[i:])))
		w.right = append(w.right, int16(binary.LittleEndian.Uint16(data[i+2:])))
	}
	return w
}

func getObject(t *testing.T, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// callerAt and playedAt are the test signals: distinct on each side and in every sample.
func callerAt(i int) int16 { return int16(i*7 + 1) }
func playedAt(i int) int16 { return int16(-i*3 - 2) }

// record writes ticks frames of the test signals.
func record(t *testing.T, r *S3Recorder, ticks int) {
	t.Helper()
	var c, p [FrameSamples]int16
	for k := range ticks {
		for i := range FrameSamples {
			c[i], p[i] = callerAt(k*FrameSamples+i), playedAt(k*FrameSamples+i)
		}
		if err := r.Write(&c, &p); err != nil {
			t.Fatalf("write tick %d: %v", k, err)
		}
	}
}

func checkSignals(t *testing.T, w wav, ticks int) {
	t.Helper()
	if len(w.left) != ticks*FrameSamples || len(w.right) != ticks*FrameSamples {
		t.Fatalf("%d and %d samples, want %d", len(w.left), len(w.right), ticks*FrameSamples)
	}
	for i := range w.left {
		if w.left[i] != callerAt(i) || w.right[i] != playedAt(i) {
			t.Fatalf("sample %d: left %d right %d, want %d %d", i, w.left[i], w.right[i], callerAt(i), playedAt(i))
		}
	}
}

func TestS3RecorderShortCall(t *testing.T) {
	c, bucket := newS3(t)
	dir := t.TempDir()
	for _, ticks := range []int{0, 1, 37, 500} {
		key := fmt.Sprintf("recordings/tenant-a/2026/12/06/call-%d.wav", ticks)
		r, err := NewS3Recorder(t.Context(), c, bucket, key, RecorderOptions{TempDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		record(t, r, ticks)
		got, err := r.Close(t.Context())
		if err != nil || got != key {
			t.Fatalf("close: %q %v", got, err)
		}
		checkSignals(t, decodeWAV(t, getObject(t, c, bucket, key)), ticks)
		if _, err := r.Close(t.Context()); err == nil {
			t.Error("second Close accepted")
		}
	}
	assertEmpty(t, dir)
}

// TestS3RecorderMultipart records 2.6 parts' worth (about 7 minutes of call): parts 2 and 3 go
// up while the call goes on, part 1 with the header at Close. The heap stays far below a part
// while 13 MiB pass through, and the spool files are gone afterwards.
func TestS3RecorderMultipart(t *testing.T) {
	c, bucket := newS3(t)
	dir := t.TempDir()
	key := "recordings/tenant-a/2026/12/06/long.wav"
	ticks := 26 * MinPartSize / 10 / recFrameBytes
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := NewS3Recorder(t.Context(), c, bucket, key, RecorderOptions{TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	record(t, r, ticks)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap grew by %d bytes after %d bytes of recording (%d parts queued or sent)", grew, r.data, r.nextPart-2)
	if grew > MinPartSize/4 {
		t.Errorf("heap grew by %d bytes: the recording is held in memory", grew)
	}
	if _, err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r.nextPart != 4 || len(r.parts) != 3 {
		t.Errorf("parts: next %d, completed %d; want 3 parts", r.nextPart, len(r.parts))
	}
	checkSignals(t, decodeWAV(t, getObject(t, c, bucket, key)), ticks)
	assertEmpty(t, dir)
}

// TestS3RecorderExactPart: data ending exactly at a part boundary leaves no empty last part.
func TestS3RecorderExactPart(t *testing.T) {
	c, bucket := newS3(t)
	dir := t.TempDir()
	key := "recordings/t/2026/12/06/exact.wav"
	r, err := NewS3Recorder(t.Context(), c, bucket, key, RecorderOptions{TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// Part 1 takes MinPartSize-44 bytes of data; 2 parts' worth fills part 2 to a frame's bytes
	// short or over; whatever the rounding, the object must decode.
	ticks := (2*MinPartSize - WAVHeaderSize) / recFrameBytes
	record(t, r, ticks)
	if _, err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkSignals(t, decodeWAV(t, getObject(t, c, bucket, key)), ticks)
	assertEmpty(t, dir)
}

// TestS3RecorderFailure: a bucket that does not exist fails Close (the multipart upload is never
// created) and still removes the spool files.
func TestS3RecorderFailure(t *testing.T) {
	c, _ := newS3(t)
	dir := t.TempDir()
	for _, ticks := range []int{10, 12 * MinPartSize / 10 / recFrameBytes} {
		r, err := NewS3Recorder(t.Context(), c, "no-such-bucket-here", "k.wav", RecorderOptions{TempDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		record(t, r, ticks)
		if _, err := r.Close(t.Context()); err == nil {
			t.Errorf("%d ticks: Close succeeded into a missing bucket", ticks)
		}
	}
	assertEmpty(t, dir)
	if _, err := NewS3Recorder(t.Context(), c, "b", "k", RecorderOptions{PartSize: 1 << 20}); err == nil {
		t.Error("part size below 5 MiB accepted")
	}
}

// TestSessionRecords: a call's recording holds the caller on the left, exactly as the session
// heard it, and the prompt on the right.
func TestSessionRecords(t *testing.T) {
	c, bucket := newS3(t)
	rec, err := NewS3Recorder(t.Context(), c, bucket, "recordings/t/2026/12/06/call.wav", RecorderOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	pr := newPeer(t)
	pc := newPacketCounter()
	conn, err := testPorts(t).Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fc := newFakeClock()
	s, err := NewSession(conn, Params{Remote: pr.addr(), Codec: PCMA}, Options{Recorder: rec, OnPacket: pc.inc, Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	pr.to = conn.LocalAddr().(*net.UDPAddr).AddrPort()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	r := &running{Session: s, conn: conn, clock: fc}
	var frames []Frame
	frames = append(frames, r.frame(t))
	prompt := append(tone(-4000), tone(4000)...)
	s.Play(PCM(prompt))
	const n = 20
	for k := range n {
		pr.audio(uint16(k), uint32(k*FrameSamples), PCMA, tone(level(k)))
		pc.wait(t, k+1)
		frames = append(frames, r.step(t))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	key, err := rec.Close(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	w := decodeWAV(t, getObject(t, c, bucket, key))
	if len(w.left) != len(frames)*FrameSamples {
		t.Fatalf("%d samples for %d ticks", len(w.left), len(frames))
	}
	var heard int
	for i, f := range frames {
		if !bytes.Equal(i16bytes(w.left[i*FrameSamples:(i+1)*FrameSamples]), i16bytes(f.Caller[:])) ||
			!bytes.Equal(i16bytes(w.right[i*FrameSamples:(i+1)*FrameSamples]), i16bytes(f.Played[:])) {
			t.Fatalf("tick %d recorded differs from the frame", i)
		}
		if f.Caller[0] != 0 {
			heard++
		}
	}
	if heard != n-3 || w.right[FrameSamples] != -4000 || w.right[2*FrameSamples] != 4000 {
		t.Errorf("heard %d frames, right channel %d %d", heard, w.right[FrameSamples], w.right[2*FrameSamples])
	}
}

func i16bytes(s []int16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		t.Errorf("spool file left: %s", e.Name())
	}
}
