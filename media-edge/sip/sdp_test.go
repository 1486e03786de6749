package sip

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/media-edge/media"
)

// sdpOf builds an offer from media-level lines under a standard session header.
func sdpOf(lines ...string) []byte {
	return []byte("v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" + strings.Join(lines, "\r\n") + "\r\n")
}

func TestAnswerOffer(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 30))
	tests := map[string]struct {
		body   []byte
		pol    offerPolicy
		want   media.Params
		chosen int
		err    error
	}{
		"PCMU first": {
			body: sdpOf("m=audio 5004 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000"),
			want: media.Params{Remote: netip.MustParseAddrPort("192.0.2.10:5004"), Codec: media.PCMU, DTMFPayloadType: 101, Direction: "sendrecv"},
		},
		"PCMA first in the offer's order": {
			body: sdpOf("m=audio 5004 RTP/AVP 18 8 0 96", "a=rtpmap:96 telephone-event/8000"),
			want: media.Params{Remote: netip.MustParseAddrPort("192.0.2.10:5004"), Codec: media.PCMA, DTMFPayloadType: 96, Direction: "sendrecv"},
		},
		"no telephone-event": {
			body: sdpOf("m=audio 5004 RTP/AVP 0"),
			want: media.Params{Remote: netip.MustParseAddrPort("192.0.2.10:5004"), Codec: media.PCMU, Direction: "sendrecv"},
		},
		"media-level address and hold": {
			body: sdpOf("m=audio 6000 RTP/AVP 8", "c=IN IP4 198.51.100.7", "a=sendonly"),
			want: media.Params{Remote: netip.MustParseAddrPort("198.51.100.7:6000"), Codec: media.PCMA, Direction: "recvonly"},
		},
		"RFC 2543 hold address": {
			body: sdpOf("m=audio 6000 RTP/AVP 0", "c=IN IP4 0.0.0.0"),
			want: media.Params{Remote: netip.MustParseAddrPort("0.0.0.0:6000"), Codec: media.PCMU, Direction: "recvonly"},
		},
		"video refused, audio second": {
			body:   sdpOf("m=video 7000 RTP/AVP 96", "a=rtpmap:96 H264/90000", "m=audio 5004 RTP/AVP 0"),
			want:   media.Params{Remote: netip.MustParseAddrPort("192.0.2.10:5004"), Codec: media.PCMU, Direction: "sendrecv"},
			chosen: 1,
		},
		"rtpmap contradicting a static type": {
			body: sdpOf("m=audio 5004 RTP/AVP 0 8", "a=rtpmap:0 opus/48000/2"),
			want: media.Params{Remote: netip.MustParseAddrPort("192.0.2.10:5004"), Codec: media.PCMA, Direction: "sendrecv"},
		},
		"only G.729":                   {body: sdpOf("m=audio 5004 RTP/AVP 18"), err: errNotAcceptable},
		"audio port 0":                 {body: sdpOf("m=audio 0 RTP/AVP 0"), err: errNotAcceptable},
		"WebRTC profile":               {body: sdpOf("m=audio 5004 UDP/TLS/RTP/SAVPF 0"), err: errNotAcceptable},
		"host name address":            {body: []byte("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 pbx.example\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n"), err: errNotAcceptable},
		"plain where SRTP is required": {body: sdpOf("m=audio 5004 RTP/AVP 0"), pol: offerPolicy{requireSRTP: true}, err: errNotAcceptable},
		"SAVP without crypto":          {body: sdpOf("m=audio 5004 RTP/SAVP 0"), err: errNotAcceptable},
		"SAVP with a short key": {
			body: sdpOf("m=audio 5004 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA"), err: errNotAcceptable,
		},
		"SAVP with MKI": {
			body: sdpOf("m=audio 5004 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+key+"|2^20|1:4"), err: errNotAcceptable,
		},
		"not SDP":  {body: []byte("hello"), err: errBadSDP},
		"empty":    {body: nil, err: errBadSDP},
		"no media": {body: []byte("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n"), err: errBadSDP},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ans, err := answerOffer(tc.body, tc.pol)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ans.params != tc.want || ans.chosen != tc.chosen {
				t.Fatalf("got %+v (m-line %d), want %+v (m-line %d)", ans.params, ans.chosen, tc.want, tc.chosen)
			}
		})
	}
}

func TestSRTPAnswer(t *testing.T) {
	remote := bytes.Repeat([]byte{9}, 30)
	key := base64.StdEncoding.EncodeToString(remote)
	body := sdpOf("m=audio 5004 RTP/SAVP 0",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+key+" UNENCRYPTED_SRTP",
		"a=crypto:2 F8_128_HMAC_SHA1_80 inline:"+key,
		"a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:"+key+"|2^31")
	ans, err := answerOffer(body, offerPolicy{requireSRTP: true})
	if err != nil {
		t.Fatal(err)
	}
	sd := ans.params.SRTP
	if ans.cryptoTag != "3" || sd.Suite != suite32 || !bytes.Equal(sd.Remote, remote) || len(sd.Local) != 30 || bytes.Equal(sd.Local, remote) {
		t.Fatalf("tag %s, srtp %+v", ans.cryptoTag, sd)
	}
	l := localSDP{addr: netip.MustParseAddr("127.0.0.1"), port: 4000, codecs: []media.Codec{media.PCMU}, direction: "sendrecv", srtp: sd, cryptoTag: ans.cryptoTag, others: ans.media, chosen: ans.chosen}
	out := string(l.render())
	if !strings.Contains(out, "m=audio 4000 RTP/SAVP 0\r\n") || !strings.Contains(out, "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:"+base64.StdEncoding.EncodeToString(sd.Local)) {
		t.Fatalf("answer:\n%s", out)
	}
	// The edge's answer is itself acceptable SDP with the same choice.
	back, err := parseAnswer([]byte(out), &media.SDES{Suite: suite32, Local: remote})
	if err != nil || back.Codec != media.PCMU || !bytes.Equal(back.SRTP.Remote, sd.Local) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

func TestRenderKeepsRefusedLines(t *testing.T) {
	ans, err := answerOffer(sdpOf("m=video 7000 RTP/AVP 96", "m=audio 5004 RTP/AVP 8 0", "m=text 8000 RTP/AVP 98"), offerPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	l := localSDP{addr: netip.MustParseAddr("::1"), port: 4000, codecs: []media.Codec{ans.params.Codec}, direction: ans.params.Direction, others: ans.media, chosen: ans.chosen}
	out := string(l.render())
	for _, w := range []string{"c=IN IP6 ::1", "m=video 0 RTP/AVP 96\r\nm=audio 4000 RTP/AVP 8\r\n", "m=text 0 RTP/AVP 98"} {
		if !strings.Contains(out, w) {
			t.Fatalf("answer lacks %q:\n%s", w, out)
		}
	}
}
