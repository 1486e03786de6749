package media

import "net/netip"

// Codec is a G.711 variant, named by its static RTP payload type.
type Codec uint8

// The codecs the edge speaks.
const (
	PCMU Codec = 0 // G.711 µ-law
	PCMA Codec = 8 // G.711 A-law
)

// FrameSamples is 20 ms of 8 kHz audio: the ptime of every stream the edge sends and expects.
const FrameSamples = 160

// Params is what SDP offer/answer settled for one RTP stream.
type Params struct {
	// Remote is where to send RTP (the peer's c= address and m= port).
	Remote netip.AddrPort
	Codec  Codec
	// DTMFPayloadType is the telephone-event payload type (RFC 4733); 0 when not negotiated.
	DTMFPayloadType uint8
	// SRTP, when set, keys SRTP by SDES (RFC 4568): the crypto suite and the two master keys.
	SRTP *SDES
	// Direction is the media direction as the peer declared it in its SDP (the offer of a
	// re-INVITE): "sendrecv" (or empty), "sendonly" or "inactive" (the peer holds the call: the
	// session sends nothing and ignores what it receives), "recvonly" (the session sends, ignores
	// what it receives).
	Direction string
}

// SDES is one negotiated a=crypto line: AES_CM_128_HMAC_SHA1_80 (or _32) with a 30-byte master
// key+salt for each direction.
type SDES struct {
	Suite string
	// Local keys what the edge sends; Remote keys what it receives.
	Local, Remote []byte
}
