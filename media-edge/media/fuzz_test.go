package media

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/pion/rtp"
)

// Fuzz targets for every parser of what a peer sends; kept corpora in testdata/fuzz.

func rtpBytes(pk rtp.Packet) []byte {
	b, err := pk.Marshal()
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzReceive feeds arbitrary datagrams into a session's parse path (plain and SRTP-keyed),
// ticking between them: nothing may panic, and the counters must account for every datagram.
func FuzzReceive(f *testing.F) {
	audio := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 65535, Timestamp: 0xFFFFFF00, SSRC: 7}, Payload: bytes.Repeat([]byte{0x7F}, 160)}
	f.Add(rtpBytes(audio))
	ev := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Marker: true, SequenceNumber: 1, Timestamp: 800, SSRC: 7}, Payload: []byte{5, 0x8A, 3, 0x20}}
	f.Add(rtpBytes(ev))
	ext := audio
	ext.Header.CSRC = []uint32{1, 2}
	if err := ext.Header.SetExtension(1, []byte{1, 2}); err != nil {
		f.Fatal(err)
	}
	f.Add(rtpBytes(ext))
	pad := audio
	pad.Header.Padding, pad.PaddingSize = true, 4
	f.Add(rtpBytes(pad))
	f.Add([]byte{0x80, 0xC8, 0, 6, 0, 0, 0, 1}) // RTCP SR
	f.Add([]byte{0x80})
	f.Add([]byte{0xBF, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF}) // 15 CSRCs promised, none given

	conn, err := testPorts(f).Listen()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { conn.Close() })
	key, _ := NewSDESKey()
	plain, err := NewSession(conn, Params{Codec: PCMU, DTMFPayloadType: 101}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	keyed, err := NewSession(conn, Params{Codec: PCMA, DTMFPayloadType: 101, SRTP: &SDES{Suite: SuiteAES32, Local: key, Remote: key}}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	var n int64
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range []*Session{plain, keyed} {
			before := s.Stats()
			s.receive(data, from)
			after := s.Stats()
			if after.PacketsIn+after.Invalid > before.PacketsIn+before.Invalid+1 || after.Lost > after.PacketsIn*maxDropout {
				t.Fatalf("one datagram counted twice: %+v → %+v", before, after)
			}
			s.tick(n, true)
			n++
			for len(s.frames) > 0 {
				<-s.frames
			}
			for len(s.digits) > 0 {
				<-s.digits
			}
		}
	})
}

// FuzzParseEvent: any payload parses or fails cleanly; what parses marshals back to its bytes
// (the reserved bit aside).
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte{5, 10, 0, 160})
	f.Add([]byte{11, 0x80, 0xFF, 0xFF})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEvent(b)
		if err != nil {
			return
		}
		back := AppendEvent(nil, e)
		want := []byte{b[0], b[1] &^ 0x40, b[2], b[3]}
		if !bytes.Equal(back, want) {
			t.Fatalf("%x → %+v → %x", b[:4], e, back)
		}
		var r dtmfReceiver
		r.push(e, 1, 1, nil)
	})
}

// FuzzJitter drives the sequence tracker and the jitter buffer with arbitrary sequence numbers,
// timestamps and sizes, interleaved with ticks: nothing panics and the state stays bounded (the
// buffer is fixed arrays; a slot never claims more than a frame).
func FuzzJitter(f *testing.F) {
	// Each op is 8 bytes: seq (2), timestamp (4), payload length (1), flags (1: bit 0 pops a frame,
	// bit 1 changes SSRC).
	f.Add([]byte{0, 1, 0, 0, 0, 0, 160, 0, 0, 2, 0, 0, 0, 160, 160, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 80, 3})
	f.Add(bytes.Repeat([]byte{0x80, 0, 0x80, 0, 0, 0, 255, 1}, 8))
	f.Fuzz(func(t *testing.T, ops []byte) {
		var st Stats
		var seq seqTracker
		j := newJitter(DefaultJitterDepth)
		payload := bytes.Repeat([]byte{0x55}, 255)
		var out [FrameSamples]int16
		ssrc := uint32(1)
		for i := 0; i+8 <= len(ops); i += 8 {
			o := ops[i : i+8]
			sn := uint16(o[0])<<8 | uint16(o[1])
			ts := uint32(o[2])<<24 | uint32(o[3])<<16 | uint32(o[4])<<8 | uint32(o[5])
			if o[7]&2 != 0 {
				ssrc++
			}
			v := seq.check(ssrc, sn, &st)
			j.push(v, ts, payload[:o[6]], &ulawDecode, int64(i), &st)
			if o[7]&1 != 0 {
				j.pop(&out, int64(i), &st)
			}
			for _, n := range j.fill {
				if n > FrameSamples {
					t.Fatalf("slot claims %d samples", n)
				}
			}
		}
	})
}

// FuzzParseCrypto: any a=crypto line parses or fails cleanly; what parses formats back to a line
// that parses to the same.
func FuzzParseCrypto(f *testing.F) {
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32")
	f.Add("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB KDR=0")
	f.Fuzz(func(t *testing.T, line string) {
		tag, suite, key, err := ParseCrypto(line)
		if err != nil {
			return
		}
		tag2, suite2, key2, err := ParseCrypto(FormatCrypto(tag, suite, key))
		if err != nil || tag2 != tag || suite2 != suite || !bytes.Equal(key, key2) {
			t.Fatalf("%q does not survive a round trip: %v", line, err)
		}
	})
}
