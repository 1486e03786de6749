package sip

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/lingxi/lingxi/media-edge/media"
)

// maxSDP bounds the SDP bodies the edge reads.
const maxSDP = 16 << 10

// SRTP suites the edge keys by SDES (RFC 4568), in order of preference.
const (
	suite80 = "AES_CM_128_HMAC_SHA1_80"
	suite32 = "AES_CM_128_HMAC_SHA1_32"
)

// sdesKeyLen is the AES-128 master key (16 bytes) and salt (14 bytes) of one direction.
const sdesKeyLen = 30

// dtmfPT is the telephone-event payload type the edge offers.
const dtmfPT = 101

// offerPolicy says what an offer must carry to be accepted.
type offerPolicy struct {
	// requireSRTP refuses plain RTP/AVP (the trunk is configured for SRTP).
	requireSRTP bool
}

// sdpAnswer is what negotiation settled and what the edge says back.
type sdpAnswer struct {
	params media.Params
	// chosen is the index of the answered audio m-line; every other m-line is refused (port 0).
	chosen int
	// media are the offer's m-lines, repeated (refused) in the answer to keep their order.
	media []sdp.MediaName
	// cryptoTag is the tag of the accepted a=crypto line.
	cryptoTag string
}

// parseSDP reads an SDP body strictly (pion/sdp) with a size bound.
func parseSDP(body []byte) (*sdp.SessionDescription, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body", errBadSDP)
	}
	if len(body) > maxSDP {
		return nil, fmt.Errorf("%w: %d bytes", errBadSDP, len(body))
	}
	var d sdp.SessionDescription
	if err := d.Unmarshal(body); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadSDP, err)
	}
	if len(d.MediaDescriptions) == 0 {
		return nil, fmt.Errorf("%w: no media", errBadSDP)
	}
	if len(d.MediaDescriptions) > 16 {
		return nil, fmt.Errorf("%w: %d media lines", errBadSDP, len(d.MediaDescriptions))
	}
	return &d, nil
}

// answerOffer picks the first acceptable audio stream of an offer and, in it, the first
// acceptable codec in the offer's order (PCMU or PCMA) plus telephone-event. With SRTP it accepts
// only RTP/SAVP carrying a supported a=crypto line and keys the edge's side afresh.
func answerOffer(body []byte, pol offerPolicy) (sdpAnswer, error) {
	d, err := parseSDP(body)
	if err != nil {
		return sdpAnswer{}, err
	}
	ans := sdpAnswer{chosen: -1}
	why := "no audio stream"
	for i, m := range d.MediaDescriptions {
		ans.media = append(ans.media, m.MediaName)
		if ans.chosen >= 0 || m.MediaName.Media != "audio" || m.MediaName.Port.Value == 0 {
			continue
		}
		p, tag, err := acceptAudio(d, m, pol)
		if err != nil {
			why = err.Error()
			continue
		}
		ans.params, ans.cryptoTag, ans.chosen = p, tag, i
	}
	if ans.chosen < 0 {
		return sdpAnswer{}, fmt.Errorf("%w: %s", errNotAcceptable, why)
	}
	return ans, nil
}

// acceptAudio checks one offered audio stream.
func acceptAudio(d *sdp.SessionDescription, m *sdp.MediaDescription, pol offerPolicy) (media.Params, string, error) {
	var p media.Params
	proto := strings.Join(m.MediaName.Protos, "/")
	srtp := false
	switch proto {
	case "RTP/AVP":
		if pol.requireSRTP {
			return p, "", fmt.Errorf("plain RTP offered where SRTP is required")
		}
	case "RTP/SAVP":
		srtp = true
	default:
		return p, "", fmt.Errorf("transport %q", proto)
	}
	remote, held, err := remoteAddr(d, m)
	if err != nil {
		return p, "", err
	}
	p.Remote = remote
	codec, ok := pickCodec(m)
	if !ok {
		return p, "", fmt.Errorf("no PCMU or PCMA")
	}
	p.Codec = codec
	p.DTMFPayloadType = telephoneEvent(m)
	p.Direction = mirror(direction(d, m))
	if held {
		p.Direction = withoutSend(p.Direction)
	}
	tag := ""
	if srtp {
		sd, t, err := pickCrypto(m)
		if err != nil {
			return p, "", err
		}
		p.SRTP, tag = sd, t
	}
	return p, tag, nil
}

// remoteAddr returns where the stream's RTP goes; held reports the RFC 2543 hold address
// 0.0.0.0. Host names are refused: the edge resolves nothing a caller sends.
func remoteAddr(d *sdp.SessionDescription, m *sdp.MediaDescription) (netip.AddrPort, bool, error) {
	ci := m.ConnectionInformation
	if ci == nil {
		ci = d.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return netip.AddrPort{}, false, fmt.Errorf("no connection address")
	}
	if ci.NetworkType != "IN" || (ci.AddressType != "IP4" && ci.AddressType != "IP6") {
		return netip.AddrPort{}, false, fmt.Errorf("connection type %s %s", ci.NetworkType, ci.AddressType)
	}
	a, err := netip.ParseAddr(ci.Address.Address)
	if err != nil || a.Zone() != "" || a.IsMulticast() {
		return netip.AddrPort{}, false, fmt.Errorf("connection address is not a unicast IP")
	}
	if (ci.AddressType == "IP4") != a.Is4() {
		return netip.AddrPort{}, false, fmt.Errorf("connection address does not match its type")
	}
	port := m.MediaName.Port.Value
	if port <= 0 || port > 65535 || m.MediaName.Port.Range != nil {
		return netip.AddrPort{}, false, fmt.Errorf("media port %d", port)
	}
	return netip.AddrPortFrom(a, uint16(port)), a.IsUnspecified(), nil
}

// pickCodec returns the first G.711 payload type of the offer's list whose rtpmap (if any)
// agrees with its static meaning.
func pickCodec(m *sdp.MediaDescription) (media.Codec, bool) {
	for _, f := range m.MediaName.Formats {
		var c media.Codec
		var name string
		switch f {
		case "0":
			c, name = media.PCMU, "PCMU/8000"
		case "8":
			c, name = media.PCMA, "PCMA/8000"
		default:
			continue
		}
		if v, ok := rtpmap(m, f); ok && !strings.EqualFold(v, name) && !strings.EqualFold(v, name+"/1") {
			continue
		}
		return c, true
	}
	return 0, false
}

// telephoneEvent returns the offered RFC 4733 payload type at 8 kHz, or 0.
func telephoneEvent(m *sdp.MediaDescription) uint8 {
	for _, f := range m.MediaName.Formats {
		pt, err := strconv.ParseUint(f, 10, 8)
		if err != nil || pt < 96 || pt > 127 {
			continue
		}
		if v, ok := rtpmap(m, f); ok && strings.EqualFold(v, "telephone-event/8000") {
			return uint8(pt)
		}
	}
	return 0
}

// rtpmap returns the encoding of a payload type ("PCMU/8000").
func rtpmap(m *sdp.MediaDescription, pt string) (string, bool) {
	for _, a := range m.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		n, enc, ok := strings.Cut(a.Value, " ")
		if ok && n == pt {
			return strings.TrimSpace(enc), true
		}
	}
	return "", false
}

// direction is the stream's direction attribute as the offerer states it.
func direction(d *sdp.SessionDescription, m *sdp.MediaDescription) string {
	for _, attrs := range [][]sdp.Attribute{m.Attributes, d.Attributes} {
		for _, a := range attrs {
			switch a.Key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				return a.Key
			}
		}
	}
	return "sendrecv"
}

// mirror turns the peer's direction into the edge's.
func mirror(dir string) string {
	switch dir {
	case "sendonly":
		return "recvonly"
	case "recvonly":
		return "sendonly"
	}
	return dir
}

// withoutSend removes the edge's sending from a direction (the peer gave no address to send to).
func withoutSend(dir string) string {
	switch dir {
	case "sendrecv":
		return "recvonly"
	case "sendonly":
		return "inactive"
	}
	return dir
}

// pickCrypto returns the first a=crypto line with a supported suite and a single inline key of
// the right length, with a fresh key for the edge's side.
func pickCrypto(m *sdp.MediaDescription) (*media.SDES, string, error) {
	for _, a := range m.Attributes {
		if a.Key != "crypto" {
			continue
		}
		f := strings.Fields(a.Value)
		if len(f) != 3 { // session parameters (UNENCRYPTED_SRTP, KDR, ...) are not supported
			continue
		}
		if _, err := strconv.ParseUint(f[0], 10, 31); err != nil {
			continue
		}
		if f[1] != suite80 && f[1] != suite32 {
			continue
		}
		kp, ok := strings.CutPrefix(f[2], "inline:")
		if !ok || strings.Contains(kp, ";") {
			continue
		}
		key, rest, _ := strings.Cut(kp, "|")
		if strings.Contains(rest, ":") || strings.Contains(rest, "|") { // MKI is not supported
			continue
		}
		remote, err := base64.StdEncoding.DecodeString(key)
		if err != nil || len(remote) != sdesKeyLen {
			continue
		}
		local := make([]byte, sdesKeyLen)
		if _, err := rand.Read(local); err != nil {
			return nil, "", fmt.Errorf("srtp key: %w", err)
		}
		return &media.SDES{Suite: f[1], Local: local, Remote: remote}, f[0], nil
	}
	return nil, "", fmt.Errorf("no usable a=crypto line")
}

// localSDP is the edge's side of an offer/answer exchange.
type localSDP struct {
	addr    netip.Addr
	port    int
	sessID  uint64
	version uint64
	// codecs are listed in order; an answer has one.
	codecs    []media.Codec
	dtmf      uint8
	direction string
	// srtp: when set, the stream is RTP/SAVP keyed by the Local key under cryptoTag.
	srtp      *media.SDES
	cryptoTag string
	// others are the offer's m-lines refused around the audio one (at index chosen).
	others []sdp.MediaName
	chosen int
}

// render writes the session description.
func (l localSDP) render() []byte {
	ipv := "IP4"
	if l.addr.Is6() && !l.addr.Is4In6() {
		ipv = "IP6"
	}
	addr := l.addr.Unmap().String()
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=lingxi %d %d IN %s %s\r\ns=lingxi\r\nc=IN %s %s\r\nt=0 0\r\n",
		l.sessID, l.version, ipv, addr, ipv, addr)
	for i := range max(len(l.others), 1) {
		if i != l.chosen && i < len(l.others) {
			o := l.others[i]
			fmt.Fprintf(&b, "m=%s 0 %s %s\r\n", o.Media, strings.Join(o.Protos, "/"), strings.Join(o.Formats, " "))
			continue
		}
		proto := "RTP/AVP"
		if l.srtp != nil {
			proto = "RTP/SAVP"
		}
		fmt.Fprintf(&b, "m=audio %d %s", l.port, proto)
		for _, c := range l.codecs {
			fmt.Fprintf(&b, " %d", c)
		}
		if l.dtmf != 0 {
			fmt.Fprintf(&b, " %d", l.dtmf)
		}
		b.WriteString("\r\n")
		for _, c := range l.codecs {
			name := "PCMU"
			if c == media.PCMA {
				name = "PCMA"
			}
			fmt.Fprintf(&b, "a=rtpmap:%d %s/8000\r\n", c, name)
		}
		if l.dtmf != 0 {
			fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-15\r\n", l.dtmf, l.dtmf)
		}
		b.WriteString("a=ptime:20\r\n")
		if l.srtp != nil {
			fmt.Fprintf(&b, "a=crypto:%s %s inline:%s\r\n", l.cryptoTag, l.srtp.Suite, base64.StdEncoding.EncodeToString(l.srtp.Local))
		}
		fmt.Fprintf(&b, "a=%s\r\n", l.direction)
	}
	return []byte(b.String())
}

// parseAnswer reads the peer's answer to the edge's offer (a dialled leg, or an offerless
// INVITE answered in the ACK): the codec is the first one of the answer the edge offered.
func parseAnswer(body []byte, offered *media.SDES) (media.Params, error) {
	d, err := parseSDP(body)
	if err != nil {
		return media.Params{}, err
	}
	m := d.MediaDescriptions[0]
	if m.MediaName.Media != "audio" || m.MediaName.Port.Value == 0 {
		return media.Params{}, fmt.Errorf("%w: audio refused", errNotAcceptable)
	}
	proto := strings.Join(m.MediaName.Protos, "/")
	if (offered == nil && proto != "RTP/AVP") || (offered != nil && proto != "RTP/SAVP") {
		return media.Params{}, fmt.Errorf("%w: transport %q", errNotAcceptable, proto)
	}
	remote, held, err := remoteAddr(d, m)
	if err != nil {
		return media.Params{}, fmt.Errorf("%w: %v", errNotAcceptable, err)
	}
	codec, ok := pickCodec(m)
	if !ok {
		return media.Params{}, fmt.Errorf("%w: no PCMU or PCMA", errNotAcceptable)
	}
	p := media.Params{Remote: remote, Codec: codec, DTMFPayloadType: telephoneEvent(m), Direction: mirror(direction(d, m))}
	if held {
		p.Direction = withoutSend(p.Direction)
	}
	if offered != nil {
		sd, _, err := pickCrypto(m)
		if err != nil {
			return media.Params{}, fmt.Errorf("%w: %v", errNotAcceptable, err)
		}
		p.SRTP = &media.SDES{Suite: sd.Suite, Local: offered.Local, Remote: sd.Remote}
	}
	return p, nil
}
