package media

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pion/srtp/v3"
)

func TestCryptoRoundTrip(t *testing.T) {
	key, err := NewSDESKey()
	if err != nil || len(key) != SDESKeySize {
		t.Fatal(len(key), err)
	}
	for _, suite := range []string{SuiteAES80, SuiteAES32} {
		line := FormatCrypto(1, suite, key)
		for _, in := range []string{line, "a=crypto:" + line, "crypto:" + line + "\r\n"} {
			tag, s, k, err := ParseCrypto(in)
			if err != nil || tag != 1 || s != suite || !bytes.Equal(k, key) {
				t.Errorf("%q: %d %s %x %v", in, tag, s, k, err)
			}
		}
	}
}

func TestParseCrypto(t *testing.T) {
	// RFC 4568 §4's example key.
	const k = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
	cases := map[string]error{
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k:                  nil,
		"1 AES_CM_128_HMAC_SHA1_32 inline:" + k + "|2^20":        nil,
		"2 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|1:4":    ErrUnsupported,
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:4":         ErrUnsupported,
		"1 AES_256_CM_HMAC_SHA1_80 inline:" + k:                  ErrUnsupported,
		"1 AEAD_AES_128_GCM inline:" + k:                         ErrUnsupported,
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + " KDR=1":       ErrUnsupported,
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + ";inline:" + k: ErrUnsupported,
		"1 AES_CM_128_HMAC_SHA1_80 inline:!!!":                   ErrMalformed,
		"1 AES_CM_128_HMAC_SHA1_80 inline:QUJD":                  ErrMalformed,
		"1 AES_CM_128_HMAC_SHA1_80 " + k:                         ErrMalformed,
		"x AES_CM_128_HMAC_SHA1_80 inline:" + k:                  ErrMalformed,
		"1 AES_CM_128_HMAC_SHA1_80":                              ErrMalformed,
		"":                                                       ErrMalformed,
	}
	for in, want := range cases {
		_, _, _, err := ParseCrypto(in)
		if !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", in, err, want)
		}
	}
}

// TestSRTPBothWays: a session keyed by SDES exchanges audio with a pion/srtp peer both ways, for
// both suites; a packet under another key is dropped as invalid.
func TestSRTPBothWays(t *testing.T) {
	for _, suite := range []string{SuiteAES80, SuiteAES32} {
		t.Run(suite, func(t *testing.T) {
			edgeKey, _ := NewSDESKey()
			peerKey, _ := NewSDESKey()
			pr := newPeer(t)
			prof, _ := profileOf(suite)
			var err error
			if pr.tx, err = srtp.CreateContext(peerKey[:16], peerKey[16:], prof); err != nil {
				t.Fatal(err)
			}
			if pr.rx, err = srtp.CreateContext(edgeKey[:16], edgeKey[16:], prof); err != nil {
				t.Fatal(err)
			}
			pc := newPacketCounter()
			s := startSession(t, Params{Remote: pr.addr(), Codec: PCMU, SRTP: &SDES{Suite: suite, Local: edgeKey, Remote: peerKey}},
				Options{OnPacket: pc.inc, DTX: true})
			pr.to = s.addr()
			s.frame(t)
			s.Play(PCM(append(tone(1234), tone(-999)...)))
			var heard []int16
			for k := range 6 {
				pr.audio(uint16(k), uint32(k*FrameSamples), PCMU, tone(level(k)))
				pc.wait(t, k+1)
				heard = append(heard, s.step(t).Caller[0])
			}
			for i, want := range []int16{1234, -999} {
				pk := pr.recv()
				if got := ULawDecode(pk.Payload[0]); got != ULawDecode(ULawEncode(want)) || len(pk.Payload) != FrameSamples {
					t.Errorf("peer decrypted frame %d as %d", i, got)
				}
			}
			if heard[3] != ULawDecode(ULawEncode(level(0))) || heard[4] != ULawDecode(ULawEncode(level(1))) {
				t.Errorf("session heard %v", heard)
			}
			// A packet under another key fails authentication.
			other, _ := NewSDESKey()
			pr.tx, _ = srtp.CreateContext(other[:16], other[16:], prof)
			pr.audio(6, 6*FrameSamples, PCMU, tone(5))
			pr.tx, _ = srtp.CreateContext(peerKey[:16], peerKey[16:], prof)
			pr.audio(7, 7*FrameSamples, PCMU, tone(5))
			pc.wait(t, 7)
			if st := s.Stats(); st.Invalid != 1 || st.PacketsIn != 7 {
				t.Errorf("stats %+v", st)
			}
		})
	}
	if _, err := NewSession(nil, Params{Codec: PCMU}, Options{}); err == nil {
		t.Error("session without conn")
	}
}
