package sip

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/media-edge/media"
)

// FuzzSIPMessage runs arbitrary bytes through what the edge does with a datagram before and
// after sipgo parses it: the read filter (and its 400 for unparseable requests), then the checks
// its handlers make on a parsed request. None may panic, and a 400 must itself parse.
func FuzzSIPMessage(f *testing.F) {
	f.Add([]byte("OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("INVITE sip:+862160001234@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK2\r\nFrom: <sip:alice@127.0.0.1>;tag=2\r\nTo: <sip:+862160001234@127.0.0.1>\r\nCall-ID: c2\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5070>\r\nProxy-Authorization: Digest username=\"alice\", realm=\"lingxi\", nonce=\"n\", uri=\"sip:+862160001234@127.0.0.1\", response=\"00\", qop=auth, nc=00000001, cnonce=\"x\"\r\nContent-Type: application/sdp\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK3\r\nFrom: <sip:alice@127.0.0.1>;tag=3\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: c3\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:5070>;expires=120, *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK4\r\nCSeq: one INVITE\r\n\r\n"))
	s := &Server{
		cfg:    Config{UserAgent: "fuzz"},
		log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		parser: sip.NewParser(),
		dig:    &digester{key: []byte("k"), now: func() time.Time { return time.Unix(0, 0) }},
	}
	props := sip.TransportReadProps{Transport: "UDP", RemoteAddr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5070}}
	f.Fuzz(func(t *testing.T, data []byte) {
		if res := badRequest(data, "fuzz"); res != nil {
			if _, err := sip.ParseMessage(res); err != nil {
				t.Fatalf("our 400 does not parse: %v\n%q", err, res)
			}
		}
		passed, err := s.readFilter(props, data)
		if err != nil {
			t.Fatal(err)
		}
		if passed == nil {
			return
		}
		msg, err := sip.ParseMessage(passed)
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		req.SetSource("127.0.0.1:5070")
		_ = validCallID(req)
		_, _ = e164(req.Recipient.User)
		_ = fromUser(req)
		_, _, _ = sdpBody(req)
		if bindings, _, err := contacts(req, source(req), -1); err == nil {
			for _, b := range bindings {
				if !boundToAddress(b.uri) {
					t.Fatalf("binding %q is not dialled at its source", b.uri)
				}
			}
		}
		_, _ = sip.DialogIDFromRequestUAS(req)
		if c := credentials(req); c != nil {
			_ = s.dig.verify(req, netip.MustParseAddr("127.0.0.1"), c, "00")
		}
		_ = source(req)
	})
}

// FuzzSDP negotiates arbitrary offers and answers: no panic, and an accepted offer yields an
// answer that parses back to the same codec.
func FuzzSDP(f *testing.F) {
	f.Add(offer())
	f.Add(savpOffer())
	f.Add(offer("a=sendonly"))
	f.Add(sdpOf("m=video 7000 RTP/AVP 96", "m=audio 5004 RTP/AVP 8 0", "c=IN IP6 ::1"))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, pol := range []offerPolicy{{}, {requireSRTP: true}} {
			ans, err := answerOffer(body, pol)
			if err != nil {
				continue
			}
			p := ans.params
			if p.Codec != media.PCMU && p.Codec != media.PCMA {
				t.Fatalf("codec %d", p.Codec)
			}
			l := localSDP{addr: netip.MustParseAddr("127.0.0.1"), port: 4000, codecs: []media.Codec{p.Codec}, dtmf: p.DTMFPayloadType,
				direction: p.Direction, srtp: p.SRTP, cryptoTag: ans.cryptoTag, others: ans.media, chosen: ans.chosen}
			out := l.render()
			if _, err := parseSDP(out); err != nil {
				t.Fatalf("our answer does not parse: %v\n%s", err, out)
			}
		}
		_, _ = parseAnswer(body, nil)
		_, _ = parseAnswer(body, &media.SDES{Suite: suite80, Local: make([]byte, 30)})
	})
}
