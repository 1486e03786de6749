package hotline

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/lingxi/lingxi/media-edge/media"
)

// A phone numbers its key presses with ever later RTP timestamps; replaying one recorded press
// twice (sip-tester's dtmf_2833_N.pcap all start at the same timestamp) would repeat one event.
// keyPcap writes the presses of ks as a pcap for SIPp's play_pcap_audio, each key 100 ms long
// (5 packets, then 3 end packets), 300 ms apart, on timestamps no other press of this run uses.
var nextTS atomic.Uint32

const keyGap = 300 * time.Millisecond

func keyPcap(t *testing.T, ks string) (string, time.Duration) {
	t.Helper()
	var buf []byte
	// pcap global header: magic, v2.4, zone 0, sigfigs 0, snaplen 65535, Ethernet.
	buf = binary.LittleEndian.AppendUint32(buf, 0xa1b2c3d4)
	buf = binary.LittleEndian.AppendUint16(buf, 2)
	buf = binary.LittleEndian.AppendUint16(buf, 4)
	buf = binary.LittleEndian.AppendUint32(buf, 0)
	buf = binary.LittleEndian.AppendUint32(buf, 0)
	buf = binary.LittleEndian.AppendUint32(buf, 65535)
	buf = binary.LittleEndian.AppendUint32(buf, 1)
	base := nextTS.Add(1_000_000)
	seq := uint16(base)
	at := time.Duration(0)
	for i, k := range ks {
		code := strings.IndexRune("0123456789*#", k)
		if code < 0 {
			t.Fatalf("no key %q", k)
		}
		ts := base + uint32(i)*uint32(keyGap/time.Millisecond*8)
		for p := 0; p < 8; p++ {
			end := p >= 5
			dur := uint16(min(p+1, 5) * 160)
			pk := rtp.Packet{Header: rtp.Header{Version: 2, Marker: p == 0, PayloadType: 101, SequenceNumber: seq, Timestamp: ts, SSRC: 0x4c58a1},
				Payload: media.AppendEvent(nil, media.Event{Code: uint8(code), End: end, Volume: 10, Duration: dur})}
			seq++
			b, err := pk.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			buf = appendUDPRecord(buf, at+time.Duration(i)*keyGap+time.Duration(min(p, 5))*20*time.Millisecond, b)
		}
	}
	f := filepath.Join(t.TempDir(), fmt.Sprintf("keys-%d.pcap", base))
	if err := os.WriteFile(f, buf, 0o600); err != nil {
		t.Fatal(err)
	}
	return f, time.Duration(len(ks)) * keyGap
}

// appendUDPRecord adds one captured Ethernet/IPv4/UDP frame carrying payload (addresses and
// ports are SIPp's to rewrite).
func appendUDPRecord(buf []byte, at time.Duration, payload []byte) []byte {
	frame := make([]byte, 0, 42+len(payload))
	frame = append(frame, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00) // Ethernet, IPv4
	ipLen := 20 + 8 + len(payload)
	ip := []byte{0x45, 0, byte(ipLen >> 8), byte(ipLen), 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(ip[i])<<8 | uint32(ip[i+1])
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	ip[10], ip[11] = byte(^sum>>8), byte(^sum)
	frame = append(frame, ip...)
	udpLen := 8 + len(payload)
	frame = append(frame, 0x17, 0x70, 0x17, 0x70, byte(udpLen>>8), byte(udpLen), 0, 0) // 6000 → 6000, no checksum
	frame = append(frame, payload...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(at/time.Second))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(at%time.Second/time.Microsecond))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(frame)))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(frame)))
	return append(buf, frame...)
}
